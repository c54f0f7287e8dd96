package streamzip

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
)

// mediaType returns the type/subtype part of a Content-Type value, without
// parameters and surrounding space, in its original case. It does not
// allocate.
func mediaType(contentType string) string {
	if i := strings.IndexByte(contentType, ';'); i >= 0 {
		contentType = contentType[:i]
	}
	return strings.TrimSpace(contentType)
}

// boundaryKind says where a streaming response must be flushed.
type boundaryKind uint8

const (
	noBoundary    boundaryKind = iota // not a stream: flush only when asked
	eventBoundary                     // text/event-stream: a blank line ends an event
	lineBoundary                      // NDJSON / JSON Lines: every LF ends a record
)

// streamKind classifies a media type as a stream, the way
// httputil.ReverseProxy singles out text/event-stream for immediate flushes.
func streamKind(mt string) boundaryKind {
	switch {
	case strings.EqualFold(mt, "text/event-stream"):
		return eventBoundary
	case strings.EqualFold(mt, "application/x-ndjson"),
		strings.EqualFold(mt, "application/jsonl"),
		strings.EqualFold(mt, "application/x-jsonlines"):
		return lineBoundary
	}
	return noBoundary
}

// alreadyCompressed reports whether a media type is compressed by its own
// format, so that gzip or brotli on top would spend CPU to save nothing —
// tower-http's "not for images, not for gRPC" rules, widened to the usual
// archive, audio, video and font types. Archives are matched by family, as
// gzhttp does, not by a list of today's names: an application subtype one
// of whose words (split at . - + _) names a compressor or an archive
// (compressedFamilies), unless the type is text in a structured syntax
// (a +json or +xml suffix, ODF's -flat-xml).
func alreadyCompressed(mt string) bool {
	slash := strings.IndexByte(mt, '/')
	if slash < 0 {
		return false
	}
	top, sub := mt[:slash], mt[slash+1:]
	switch {
	case strings.EqualFold(top, "image"):
		// SVG is XML text; BMP and ICO are usually raw bitmaps.
		return !strings.EqualFold(sub, "svg+xml") && !strings.EqualFold(sub, "bmp") &&
			!strings.EqualFold(sub, "x-icon") && !strings.EqualFold(sub, "vnd.microsoft.icon")
	case strings.EqualFold(top, "video"), strings.EqualFold(top, "audio"):
		return !strings.EqualFold(sub, "wav") && !strings.EqualFold(sub, "x-wav")
	case strings.EqualFold(top, "font"):
		return strings.EqualFold(sub, "woff") || strings.EqualFold(sub, "woff2")
	case strings.EqualFold(top, "application"):
		// Connect streams (application/connect+proto, +json) compress each
		// message in its envelope; the protocol has no place for a
		// Content-Encoding of the whole stream.
		return hasPrefixFold(sub, "grpc") || // application/grpc, grpc+proto, grpc-web…
			hasPrefixFold(sub, "connect+") ||
			namesCompressedFamily(sub)
	}
	return false
}

// compressedFamilies are the words of application subtypes whose content
// is compressed: "x-zip-compressed", "epub+zip", "x-7z-compressed",
// "vnd.ms-cab-compressed", "java-archive", "vnd.android.package-archive";
// the OOXML ("openxmlformats") and OpenDocument types are zip containers.
var compressedFamilies = []string{
	"zip", "gzip", "bzip", "bzip2", "compress", "compressed", "rar", "7z", "xz",
	"lzma", "lzip", "lz4", "lzo", "zstd", "brotli", "archive", "diskimage",
	"woff", "woff2", "openxmlformats", "opendocument",
}

// namesCompressedFamily reports whether one of sub's words is a compressed
// family, and sub is not text in a structured syntax.
func namesCompressedFamily(sub string) bool {
	found := false
	last := ""
	for sub != "" {
		i := strings.IndexAny(sub, ".-+_")
		word := sub
		if i >= 0 {
			word, sub = sub[:i], sub[i+1:]
		} else {
			sub = ""
		}
		last = word
		for _, family := range compressedFamilies {
			found = found || strings.EqualFold(word, family)
		}
	}
	return found && !strings.EqualFold(last, "xml") && !strings.EqualFold(last, "json")
}

// hasPrefixFold is strings.HasPrefix without case, allocation free.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// hasNoTransform reports whether a Cache-Control header carries the
// no-transform directive (RFC 9111 §5.2.2.6), which forbids intermediaries —
// and so a compression layer — from changing the content coding.
func hasNoTransform(h http.Header) bool {
	for _, v := range h["Cache-Control"] {
		for v != "" {
			var directive string
			directive, v, _ = strings.Cut(v, ",")
			if name, _, _ := strings.Cut(directive, "="); strings.EqualFold(strings.TrimSpace(name), "no-transform") {
				return true
			}
		}
	}
	return false
}

// contentTypePattern is one entry of a WithContentTypes / Compress list:
// "type/subtype" or "type/*".
type contentTypePattern struct {
	top, sub string // sub == "*" matches any subtype
}

func parseContentTypePattern(s string) (contentTypePattern, error) {
	mt := strings.ToLower(mediaType(s))
	top, sub, ok := strings.Cut(mt, "/")
	if !ok || top == "" || sub == "" || top == "*" || strings.Contains(top, "*") ||
		(strings.Contains(sub, "*") && sub != "*") {
		return contentTypePattern{}, fmt.Errorf("streamzip: bad content type pattern %q (want type/subtype or type/*)", s)
	}
	return contentTypePattern{top: top, sub: sub}, nil
}

func (p contentTypePattern) match(mt string) bool {
	top, sub, ok := strings.Cut(mt, "/")
	return ok && strings.EqualFold(top, p.top) && (p.sub == "*" || strings.EqualFold(sub, p.sub))
}

// eventScanner finds event boundaries in a text/event-stream body split
// across writes. A boundary is a blank line: a line terminator (CRLF, LF or
// CR, as the WHATWG event-stream grammar allows) directly after another one.
// Its state is two bits, so a stream of any length costs nothing to track.
type eventScanner struct {
	midLine bool // bytes seen since the last line terminator
	afterCR bool // the last byte was CR: an LF now completes CRLF
}

// scan consumes p and reports whether it completed at least one event.
// It jumps from line terminator to line terminator with bytes.IndexByte
// (vectorised), so the bytes inside a line cost nothing to skip: an event
// is a few hundred bytes and two or three terminators.
func (s *eventScanner) scan(p []byte) bool {
	found := false
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		end := len(p)
		if i >= 0 {
			end = i
		}
		if j := bytes.IndexByte(p[:end], '\r'); j >= 0 {
			i = j
		}
		if i < 0 { // no terminator: the rest is inside a line
			s.midLine, s.afterCR = true, false
			return found
		}
		if i > 0 { // line content before the terminator
			s.midLine, s.afterCR = true, false
		}
		if p[i] == '\n' {
			if s.afterCR { // second half of CRLF: the line already ended
				s.afterCR = false
			} else {
				found = found || !s.midLine
				s.midLine = false
			}
		} else { // '\r'
			found = found || !s.midLine
			s.midLine, s.afterCR = false, true
		}
		p = p[i+1:]
	}
	return found
}

// scanLines reports whether p ends at least one NDJSON record.
func scanLines(p []byte) bool { return bytes.IndexByte(p, '\n') >= 0 }
