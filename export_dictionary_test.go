package streamzip

// Internal parts of RFC 9842 support, for tests in package streamzip_test.
var (
	ParseSFBinaryHash = parseSFBinaryHash
	ParseSFString     = parseSFString
	DczWindow         = dczWindow
)

// SetDictionaryStreamReleased sets the hook called after an idle dcz
// stream released its encoder; nil removes it.
func SetDictionaryStreamReleased(f func()) { dictionaryStreamReleased = f }
