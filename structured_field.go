package streamzip

import (
	"encoding/base64"
	"strings"
)

// Structured Field Values (RFC 9651) for the few shapes RFC 9842 uses:
// Available-Dictionary is an sf-binary, Dictionary-ID an sf-string, and
// Use-As-Dictionary a dictionary whose match and id members are sf-strings.

// parseSFBinaryHash parses an sf-binary (":base64:") that must hold exactly
// 32 bytes, a SHA-256. Base64 is the standard alphabet; RFC 9651 §4.2.7 lets
// a parser accept a value without padding, so both forms are read. Anything
// else (a list, parameters, another length) is not a hash the middleware
// can hold, and ok is false. It does not allocate.
func parseSFBinaryHash(field string) (hash [32]byte, ok bool) {
	s := strings.Trim(field, " \t")
	if len(s) < 2 || s[0] != ':' || s[len(s)-1] != ':' {
		return hash, false
	}
	s = s[1 : len(s)-1]
	// 32 bytes are 43 base64 characters, 44 with the one '=' of padding.
	if len(s) == 44 {
		if s[43] != '=' {
			return hash, false
		}
		s = s[:43]
	}
	if len(s) != 43 {
		return hash, false
	}
	var src [43]byte
	copy(src[:], s)
	var dst [33]byte
	n, err := base64.RawStdEncoding.Strict().Decode(dst[:], src[:])
	if err != nil || n != 32 {
		return hash, false
	}
	copy(hash[:], dst[:32])
	return hash, true
}

// formatSFBinary serializes b as an sf-binary.
func formatSFBinary(b []byte) string {
	return ":" + base64.StdEncoding.EncodeToString(b) + ":"
}

// parseSFString parses an sf-string ("…" with \" and \\ escapes, printable
// ASCII only, RFC 9651 §4.2.5).
func parseSFString(field string) (string, bool) {
	s := strings.Trim(field, " \t")
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return "", false
	}
	s = s[1 : len(s)-1]
	if !strings.ContainsAny(s, `\"`) {
		return s, validSFStringChars(s)
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"':
			return "", false // an unescaped quote ends the string early
		case '\\':
			i++
			if i == len(s) || (s[i] != '"' && s[i] != '\\') {
				return "", false
			}
			c = s[i]
		}
		if c < 0x20 || c > 0x7e {
			return "", false
		}
		b.WriteByte(c)
	}
	return b.String(), true
}

// formatSFString serializes s as an sf-string; ok is false when s holds a
// character an sf-string cannot carry (a control or non-ASCII byte).
func formatSFString(s string) (string, bool) {
	if !validSFStringChars(s) {
		return "", false
	}
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String(), true
}

func validSFStringChars(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
