package streamzip

// Internal parts of RFC 9842 support, for tests in package streamzip_test.
var (
	ParseSFBinaryHash = parseSFBinaryHash
	ParseSFString     = parseSFString
	DczWindow         = dczWindow
)
