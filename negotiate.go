package streamzip

import "strings"

// negotiate picks the content coding for a request from its Accept-Encoding
// field lines (RFC 9110 §12.5.3), among the server's codings listed most
// preferred first. The highest q-value wins; the server's order breaks ties.
// A coding the client did not accept is never chosen: absent, empty or
// unparsable headers give codingIdentity. It does not allocate.
func negotiate(acceptEncoding []string, server []coding) coding {
	if len(acceptEncoding) == 0 {
		// RFC 9110 allows any coding here, but clients that send no
		// Accept-Encoding (curl without --compressed, many bots) expect
		// identity, and so does every cache in front of them.
		return codingIdentity
	}
	var qs [numCodings]int // q-value × 1000 per coding, -1 when not listed
	for i := range qs {
		qs[i] = -1
	}
	star := -1
	for _, line := range acceptEncoding {
		for line != "" {
			var elem string
			elem, line, _ = strings.Cut(line, ",")
			name, q, ok := parseCodingElement(elem)
			if !ok {
				continue // a malformed element accepts nothing
			}
			if name == "*" {
				star = max(star, q)
				continue
			}
			if cd, known := codingByName(name); known {
				qs[cd] = max(qs[cd], q)
			}
		}
	}
	best, bestQ := codingIdentity, 0
	for _, cd := range server {
		q := qs[cd]
		if q < 0 {
			q = max(star, 0)
		}
		if q > bestQ {
			best, bestQ = cd, q
		}
	}
	// A client that prefers identity ("identity;q=1, gzip;q=0.5", or "*"
	// above every coding it names) gets it: an unlisted identity is only
	// the fallback, and a tie goes to the coding.
	identityQ := qs[codingIdentity]
	if identityQ < 0 {
		identityQ = star // * covers identity only when it is not listed
	}
	if identityQ > bestQ {
		return codingIdentity
	}
	return best
}

// parseCodingElement parses one `coding *( OWS ";" OWS parameter )` element
// and returns its lower-case-insensitive name (as written), its weight in
// thousandths (1000 when no q is given) and whether it is well formed.
func parseCodingElement(elem string) (name string, q int, ok bool) {
	name, params, _ := strings.Cut(elem, ";")
	name = strings.TrimSpace(name)
	if !isToken(name) && name != "*" {
		return "", 0, false
	}
	q = 1000
	for params != "" {
		var param string
		param, params, _ = strings.Cut(params, ";")
		key, value, hasValue := strings.Cut(strings.TrimSpace(param), "=")
		if !strings.EqualFold(strings.TrimSpace(key), "q") {
			continue // other parameters carry no meaning for codings
		}
		if !hasValue {
			return "", 0, false
		}
		if q, ok = parseQValue(strings.TrimSpace(value)); !ok {
			return "", 0, false
		}
	}
	return name, q, true
}

// parseQValue parses a weight: "0" to "1" with at most three decimals
// (RFC 9110 §12.4.2), in thousandths.
func parseQValue(s string) (int, bool) {
	if s == "" || (s[0] != '0' && s[0] != '1') {
		return 0, false
	}
	whole := int(s[0] - '0')
	frac, digits := 0, 0
	if len(s) > 1 {
		if s[1] != '.' || len(s) > 5 {
			return 0, false
		}
		for _, c := range s[2:] {
			if c < '0' || c > '9' {
				return 0, false
			}
			frac = frac*10 + int(c-'0')
			digits++
		}
	}
	for ; digits < 3; digits++ {
		frac *= 10
	}
	if whole == 1 && frac != 0 {
		return 0, false
	}
	return whole*1000 + frac, true
}

// isToken reports whether s is a non-empty RFC 9110 token.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}
