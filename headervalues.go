package streamzip

// headerSlot names a header value the middleware sets on a response.
type headerSlot uint8

const (
	slotContentEncoding headerSlot = iota
	slotVary
	slotAccelBuffering
	slotIncremental
	numHeaderSlots
)

// headerValues hold the values the middleware puts in a response's
// headers. They live in that response's own wrapper, not in package
// variables shared by every response: a wrapper that edits a header value
// in place after the response (masking it for a log, say) then changes
// that response only. The wrapper is allocated per request anyway, so
// this costs no allocation.
type headerValues [numHeaderSlots]string

// set stores v in slot and returns it as a header value. len == cap, so a
// later Header().Add copies it instead of writing past it.
func (hv *headerValues) set(slot headerSlot, v string) []string {
	hv[slot] = v
	return hv[slot : slot+1 : slot+1]
}
