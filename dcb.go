package streamzip

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	brrr "github.com/molecule-man/go-brrr"
)

// dictionaryCoding is a content coding that compresses against a
// dictionary (RFC 9842).
type dictionaryCoding uint8

const (
	codingDcz dictionaryCoding = iota // Zstandard with the dictionary as raw content
	codingDcb                         // Brotli with the dictionary as a compound dictionary
)

var dictionaryCodingNames = [...]string{"dcz", "dcb"}

// WithDictionaryEncodings sets the dictionary codings the middleware may
// use, most preferred first, among "dcz" (the default) and "dcb". It only
// matters with WithDictionaries or WithAssetDictionaries. dcb is Brotli
// against the dictionary, encoded by github.com/molecule-man/go-brrr at the
// brotli level (at least 2, which compound dictionaries need); README,
// "Compression dictionaries", compares the two.
func WithDictionaryEncodings(names ...string) Option {
	return optionFunc(func(c *config) error {
		if len(names) == 0 {
			return errors.New("streamzip: WithDictionaryEncodings needs at least one encoding")
		}
		var codings []dictionaryCoding
		for _, name := range names {
			cd, ok := dictionaryCodingByName(strings.TrimSpace(name))
			if !ok {
				return fmt.Errorf("streamzip: unknown dictionary encoding %q (want dcz or dcb)", name)
			}
			for _, seen := range codings {
				if seen == cd {
					return fmt.Errorf("streamzip: dictionary encoding %q listed twice", name)
				}
			}
			codings = append(codings, cd)
		}
		c.dictionaryConfig().codings = codings
		return nil
	})
}

func dictionaryCodingByName(name string) (dictionaryCoding, bool) {
	for cd, n := range dictionaryCodingNames {
		if strings.EqualFold(name, n) {
			return dictionaryCoding(cd), true
		}
	}
	return 0, false
}

// The dcb framing (RFC 9842): the 4 bytes ff 44 43 42 ("\xffDCB") and the
// dictionary's SHA-256, then a Brotli stream that refers to the dictionary
// as a compound (raw) dictionary.
const dcbHeaderLen = 36

func dcbHeader(hash [32]byte) (h [dcbHeaderLen]byte) {
	copy(h[:4], []byte{0xff, 0x44, 0x43, 0x42})
	copy(h[4:], hash[:])
	return h
}

// dcbQuality is the Brotli quality of dcb: the brotli level, raised to the
// lowest that takes a compound dictionary. From quality 10 go-brrr would
// search on worker goroutines; the levels are capped below that, so a
// response never spawns goroutines.
func dcbQuality(brotliLevel int) int { return min(max(brotliLevel, 2), 9) }

// brotliDictionary is a Dictionary's dcb state, built on first use: the
// prepared compound dictionary and its pooled encoders per quality.
type brotliDictionary struct {
	once      sync.Once
	prepared  *brrr.PreparedDictionary
	responses [10]sync.Pool // by quality
	streams   [10]sync.Pool
}

// dcbEncoder returns a pooled dcb encoder for d at quality writing to dst.
// Responses get brotli's response window, streams its stream window, as
// without a dictionary: the compound dictionary is reached beyond the
// window, whatever its size.
func (d *Dictionary) dcbEncoder(quality int, stream bool, dst io.Writer) *pooledEncoder {
	b := &d.brotli
	b.once.Do(func() {
		var err error
		if b.prepared, err = brrr.PrepareDictionary(d.raw); err != nil {
			panic("streamzip: dcb dictionary: " + err.Error()) // raw is never empty
		}
	})
	pool, lgwin := &b.responses[quality], brotliResponseWindowBits
	if stream {
		pool, lgwin = &b.streams[quality], brotliStreamWindowBits
	}
	e, _ := pool.Get().(*pooledEncoder)
	if e == nil {
		w, err := brrr.NewWriterOptions(nil, quality, brrr.WriterOptions{Dictionaries: []*brrr.PreparedDictionary{b.prepared}, LGWin: lgwin})
		if err != nil {
			panic("streamzip: dcb encoder: " + err.Error()) // quality and window are fixed above
		}
		e = &pooledEncoder{encoder: w}
	}
	e.out.w = dst
	e.Reset(&e.out)
	return e
}

// putDcbEncoder gives back a dcb encoder whose stream was closed.
func (d *Dictionary) putDcbEncoder(quality int, stream bool, e *pooledEncoder) {
	e.out.w = nil
	if stream {
		d.brotli.streams[quality].Put(e)
	} else {
		d.brotli.responses[quality].Put(e)
	}
}
