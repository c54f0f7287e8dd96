package streamzip

// streamLimits is what bounds the memory of compressed event streams
// beyond the hot-stream budget of releasable gzip streams: the staging
// bound here, the budget of stateful (br, zstd) streams in its own file.
type streamLimits struct {
	// stagedHook, if set, sees the length of every staging buffer when it
	// is given back. Tests use it to prove that staging stays bounded; it
	// must be set before the middleware serves.
	stagedHook func(n int)
}

// maxStaged bounds the compressed bytes a stream that releases right after
// its event stages before writing to the connection. A compressed token
// event is a few dozen bytes; an event whose compressed form outgrows this
// is written through in pieces as it is compressed (the stream keeps its
// compressor for the rest of that event), so a long event costs neither
// its size in heap nor its latency to the client.
const maxStaged = 16 << 10
