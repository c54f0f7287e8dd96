package streamzip

import (
	"net/http"
	"strings"
)

// TransportAcceptEncoding is the Accept-Encoding a Transport sends on the
// requests it advertises for: every coding it decodes, with equal weight,
// so the server's own preference picks one.
const TransportAcceptEncoding = "zstd, br, gzip"

// Transport returns an http.RoundTripper that asks for compressed
// responses and hands back decoded ones, streaming: what a server flushed
// is readable as soon as it has arrived, nothing is held back waiting for
// more input, so a compressed event stream (for example one sent by this
// package's middleware with CompressEventStreams) yields each event the
// moment it is received. It wraps rt, or http.DefaultTransport when rt is
// nil. Use it as an http.Client's Transport.
//
// It sends Accept-Encoding: zstd, br, gzip (TransportAcceptEncoding) when
// the request has no Accept-Encoding of its own, is not a HEAD and has no
// Range header (a range of encoded bytes cannot be decoded on its own).
// When it added the header and the response's Content-Encoding is one of
// gzip (or x-gzip), br or zstd, the body is decoded while it is read,
// Content-Encoding and Content-Length are removed, ContentLength is -1 and
// Uncompressed is true — what http.Transport does for gzip alone. A
// response without a body (204, 304) gets the same header changes, so it
// agrees with the decoded 200 it stands for. Any other response, and every
// response to a request that set Accept-Encoding itself, is returned as
// it came.
//
// A truncated or corrupt body makes Read return an error (io.ErrUnexpectedEOF
// or the decoder's own). Closing the body gives its decoder back to a pool;
// decoding starts no goroutine. gzip is decoded at each sync flush (what
// Flush does in compress/gzip, klauspost's gzip, zlib's Z_SYNC_FLUSH and
// this package), brotli at each flushed meta-block and zstd at each block.
func Transport(rt http.RoundTripper) http.RoundTripper {
	if rt == nil {
		rt = http.DefaultTransport
	}
	return &transport{next: rt}
}

// transport is the RoundTripper returned by Transport.
type transport struct {
	next http.RoundTripper
}

// RoundTrip implements http.RoundTripper. It never modifies req: the
// Accept-Encoding goes on a shallow copy with its own header map.
func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !mayAdvertise(req) {
		return t.next.RoundTrip(req)
	}
	out := new(http.Request)
	*out = *req
	out.Header = req.Header.Clone()
	if out.Header == nil {
		out.Header = make(http.Header, 1)
	}
	// A fresh value slice: a RoundTripper below may edit the header.
	out.Header.Set("Accept-Encoding", TransportAcceptEncoding)
	resp, err := t.next.RoundTrip(out)
	if err != nil {
		return resp, err
	}
	// The caller's request, not our copy: the caller's headers are what
	// it asked for, and the Accept-Encoding is ours to hide, as
	// http.Transport hides the gzip it adds.
	resp.Request = req
	decodeResponse(resp)
	return resp, nil
}

// CloseIdleConnections closes the idle connections of the wrapped
// RoundTripper when it has that method, so http.Client's
// CloseIdleConnections reaches through the Transport.
func (t *transport) CloseIdleConnections() {
	if c, ok := t.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// mayAdvertise reports whether the Transport may add its Accept-Encoding:
// the caller did not set one (even empty: an empty value means identity
// only), the request is not a HEAD (as in http.Transport: a HEAD reports
// the headers the plain request would get) and it asks for no range.
func mayAdvertise(req *http.Request) bool {
	if _, set := req.Header["Accept-Encoding"]; set {
		return false
	}
	return req.Method != http.MethodHead && req.Header.Get("Range") == ""
}

// decodeResponse rewrites a response to a request the Transport advertised
// for, when its body is in a single coding the Transport decodes.
func decodeResponse(resp *http.Response) {
	if resp.Uncompressed {
		return // something below already decoded it
	}
	ce := resp.Header.Values("Content-Encoding")
	if len(ce) != 1 {
		return // identity, or codings stacked over several field lines
	}
	c, ok := clientCodingByName(ce[0])
	if !ok {
		return // identity, stacked ("gzip, br") or not ours: left as sent
	}
	noBody := resp.Body == nil || resp.Body == http.NoBody || resp.ContentLength == 0 ||
		resp.StatusCode == http.StatusNoContent || resp.StatusCode == http.StatusNotModified ||
		(resp.Request != nil && resp.Request.Method == http.MethodHead)
	resp.Header.Del("Content-Encoding")
	resp.Header.Del("Content-Length")
	resp.ContentLength = -1
	resp.Uncompressed = true
	if !noBody {
		resp.Body = newDecodingBody(resp.Body, c)
	}
}

// clientCodingByName maps a Content-Encoding value to a decoder, folding
// case and surrounding space; x-gzip is gzip (RFC 9110 §8.4.1.3).
func clientCodingByName(name string) (clientCoding, bool) {
	name = strings.TrimSpace(name)
	switch {
	case strings.EqualFold(name, "gzip"), strings.EqualFold(name, "x-gzip"):
		return clientGzip, true
	case strings.EqualFold(name, "br"):
		return clientBrotli, true
	case strings.EqualFold(name, "zstd"):
		return clientZstd, true
	}
	return 0, false
}
