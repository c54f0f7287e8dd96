package streamzip

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// dictionaryConfig is what the dictionary options ask for.
type dictionaryConfig struct {
	fixed []*Dictionary
	// assets: keep responses marked with Use-As-Dictionary, at most
	// maxAssets of them and maxAssetBytes in all; 0 maxAssets: off.
	maxAssets     int
	maxAssetBytes int
}

// WithDictionaries enables the dcz content coding (RFC 9842) for clients
// that hold one of dicts: they receive responses, and compressed event
// streams, compressed against it. Mount each dictionary's ServeHTTP at a
// URL on the same origin, and advertise it with Link (see Dictionary.Link)
// so that clients fetch it. Other clients get the ordinary codings. Off
// unless given: read README, "Compression dictionaries", on when not to.
func WithDictionaries(dicts ...*Dictionary) Option {
	return optionFunc(func(c *config) error {
		if len(dicts) == 0 {
			return errors.New("streamzip: WithDictionaries needs at least one dictionary")
		}
		dc := c.dictionaryConfig()
		for _, d := range dicts {
			if d == nil || len(d.raw) == 0 {
				return errors.New("streamzip: WithDictionaries: a nil or empty dictionary (make them with NewDictionary)")
			}
			dc.fixed = append(dc.fixed, d)
		}
		return nil
	})
}

// WithAssetDictionaries enables the dcz content coding (RFC 9842) against
// responses the application marks as dictionaries (SetUseAsDictionary, or
// its own Use-As-Dictionary header): the middleware keeps the body of each
// marked 200 response to a GET, keyed by its SHA-256, so that the next
// version of the asset is sent compressed against the one the client
// holds. At most maxCount bodies and maxBytes bytes are kept, the oldest
// dropped first; a body larger than maxBytes is not kept. Off unless given.
func WithAssetDictionaries(maxCount, maxBytes int) Option {
	return optionFunc(func(c *config) error {
		if maxCount <= 0 || maxBytes <= 0 {
			return fmt.Errorf("streamzip: WithAssetDictionaries(%d, %d): both must be positive", maxCount, maxBytes)
		}
		dc := c.dictionaryConfig()
		dc.maxAssets, dc.maxAssetBytes = maxCount, maxBytes
		return nil
	})
}

func (c *config) dictionaryConfig() *dictionaryConfig {
	if c.dictionaries == nil {
		c.dictionaries = &dictionaryConfig{}
	}
	return c.dictionaries
}

// dictionaryStore holds the dictionaries a middleware can compress
// against, by hash: the fixed ones for its whole life, the assets it kept
// until newer ones push them out.
type dictionaryStore struct {
	mu     sync.RWMutex
	byHash map[[32]byte]*Dictionary
	// assets are the kept asset dictionaries, oldest first.
	assets        []*Dictionary
	assetBytes    int
	maxAssets     int
	maxAssetBytes int
	// captures are the buffers that collect marked bodies while they are
	// sent, reused so that a version already held costs no allocation.
	captures sync.Pool // *[]byte
	// capturing is how many bytes the responses in flight have captured, at
	// most maxAssetBytes: many downloads of a marked asset at once cost the
	// store's budget, not a copy each.
	capturing atomic.Int64
}

// reserveCapture counts n more captured bytes, or reports false when the
// responses in flight already hold the budget.
func (s *dictionaryStore) reserveCapture(n int) bool {
	if s.capturing.Add(int64(n)) > int64(s.maxAssetBytes) {
		s.capturing.Add(-int64(n))
		return false
	}
	return true
}

// putCapture gives a capture buffer back; it is at most maxAssetBytes.
func (s *dictionaryStore) putCapture(b *[]byte) {
	s.capturing.Add(-int64(len(*b)))
	*b = (*b)[:0]
	s.captures.Put(b)
}

// newDictionaryStore returns the store c asks for, or nil when dictionary
// compression is off.
func newDictionaryStore(c *config) (*dictionaryStore, error) {
	dc := c.dictionaries
	if dc == nil {
		return nil, nil
	}
	if c.jitter > 0 {
		// The padding lives in the gzip header; a dcz body would go out
		// without the padding the application asked for.
		return nil, errors.New("streamzip: dictionaries cannot be combined with WithRandomJitter, which pads gzip only")
	}
	s := &dictionaryStore{
		byHash:        make(map[[32]byte]*Dictionary, len(dc.fixed)),
		maxAssets:     dc.maxAssets,
		maxAssetBytes: dc.maxAssetBytes,
	}
	for _, d := range dc.fixed {
		s.byHash[d.hash] = d
	}
	s.captures.New = func() any { return new([]byte) }
	return s, nil
}

// lookup returns the dictionary whose SHA-256 is hash, or nil.
func (s *dictionaryStore) lookup(hash [32]byte) *Dictionary {
	s.mu.RLock()
	d := s.byHash[hash]
	s.mu.RUnlock()
	return d
}

// keepsAssets reports whether marked responses are kept.
func (s *dictionaryStore) keepsAssets() bool { return s.maxAssets > 0 }

// keepAsset stores raw (which the store owns from now on) as an asset
// dictionary, unless a dictionary with the same bytes is already held or
// it is larger than the whole budget, then drops the oldest assets until
// the bounds hold again.
func (s *dictionaryStore) keepAsset(raw []byte) {
	if len(raw) == 0 || len(raw) > s.maxAssetBytes || len(raw) > MaxDictionarySize {
		return
	}
	d := newDictionary(raw)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, held := s.byHash[d.hash]; held {
		return
	}
	s.byHash[d.hash] = d
	s.assets = append(s.assets, d)
	s.assetBytes += len(raw)
	for len(s.assets) > s.maxAssets || s.assetBytes > s.maxAssetBytes {
		old := s.assets[0]
		s.assets[0] = nil
		s.assets = s.assets[1:]
		s.assetBytes -= len(old.raw)
		delete(s.byHash, old.hash)
	}
}
