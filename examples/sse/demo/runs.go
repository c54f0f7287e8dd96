package demo

import (
	"encoding/json"
	"net/http"
	"sync"
	"time"
)

// maxRuns bounds how many page loads the server remembers wire sizes for.
const maxRuns = 64

// runs remembers, per page load ("run", an id the page makes up) and per
// stack, what each event cost on the wire, for /api/wire.
type runs struct {
	mu    sync.Mutex
	max   int
	order []string // oldest first, for eviction
	byID  map[string]map[string]*streamRecord
}

func newRuns(max int) *runs {
	return &runs{max: max, byID: make(map[string]map[string]*streamRecord)}
}

// stream starts the record of one stream. A request without a valid run
// id (curl, sseprobe) still gets a record; it is just not kept.
func (rs *runs) stream(id, stack string, wc *wireCounter) *streamRecord {
	rec := &streamRecord{wc: wc, start: time.Now(), Events: []eventStat{}}
	if !validRunID(id) {
		return rec
	}
	rs.mu.Lock()
	defer rs.mu.Unlock()
	run, ok := rs.byID[id]
	if !ok {
		if len(rs.order) == rs.max {
			delete(rs.byID, rs.order[0])
			rs.order = rs.order[1:]
		}
		run = make(map[string]*streamRecord)
		rs.byID[id] = run
		rs.order = append(rs.order, id)
	}
	run[stack] = rec
	return rec
}

func validRunID(id string) bool {
	if id == "" || len(id) > 40 {
		return false
	}
	for _, c := range id {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// streamRecord is what one stream cost on the wire.
type streamRecord struct {
	wc    *wireCounter
	start time.Time

	mu       sync.Mutex
	counted  int64       // wire bytes already attributed to events
	Encoding string      `json:"encoding"` // Content-Encoding as sent, "" before the headers
	Events   []eventStat `json:"events"`
	// Tail is what reached the wire after the last event, when the
	// middleware ended the body: a gzip trailer, or for a buffering
	// middleware, every event at once.
	Tail int64 `json:"tail"`
	Done bool  `json:"done"`
}

// eventStat is one event: when the handler wrote it, its size as the
// handler wrote it, and the bytes that reached the connection between the
// previous event and the end of this one's Write and Flush.
type eventStat struct {
	K      int     `json:"k"`
	SentMs float64 `json:"sent_ms"`
	Plain  int     `json:"plain"`
	Wire   int64   `json:"wire"`
}

func (s *streamRecord) sent(k, plain int) {
	n, enc := s.wc.total()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Encoding = enc
	s.Events = append(s.Events, eventStat{
		K:      k,
		SentMs: float64(time.Since(s.start).Microseconds()) / 1000,
		Plain:  plain,
		Wire:   n - s.counted,
	})
	s.counted = n
}

func (s *streamRecord) finish() {
	n, enc := s.wc.total()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Encoding = enc
	s.Tail = n - s.counted
	s.counted = n
	s.Done = true
}

// wireReport is the body of /api/wire: each stream of a run by stack.
type wireReport struct {
	Run     string                     `json:"run"`
	Streams map[string]json.RawMessage `json:"streams"`
}

// serveWire answers GET /api/wire?run=ID with every stream of that run.
func (rs *runs) serveWire(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("run")
	rs.mu.Lock()
	recs := make(map[string]*streamRecord, len(rs.byID[id]))
	for stack, rec := range rs.byID[id] {
		recs[stack] = rec
	}
	rs.mu.Unlock()
	rep := wireReport{Run: id, Streams: make(map[string]json.RawMessage, len(recs))}
	for stack, rec := range recs {
		// Marshal under the record's lock: its stream may be writing now.
		rec.mu.Lock()
		b, err := json.Marshal(rec)
		rec.mu.Unlock()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		rep.Streams[stack] = b
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(rep)
}
