package streamzip

// MaxStaged is the staging bound of streams that release right after
// their event.
const MaxStaged = maxStaged

// OnStaged makes f see the length of every staging buffer the probed
// middleware gives back. Call it before the middleware serves.
func (p *Probe) OnStaged(f func(n int)) { p.m.streams.stagedHook = f }

// StatefulStreams is how many event streams hold an encoder for life.
func (p *Probe) StatefulStreams() int64 { return p.m.streams.stateful.Load() }
