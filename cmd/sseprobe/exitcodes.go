package main

// Exit statuses, documented in the package doc and in -h.
const (
	exitStreamed     = 0 // events arrived as they were sent
	exitBuffered     = 1 // events were held back and released in bursts
	exitUsage        = 2 // bad flags or URL
	exitConnection   = 3 // cannot connect, TLS failure, timeout, stream broken
	exitNotStream    = 4 // non-2xx status, not text/event-stream, unknown encoding
	exitInconclusive = 5 // fewer events than it takes to judge
)

// exitError is an error with the exit status it maps to.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func usageErr(msg string) error     { return &exitError{exitUsage, msg} }
func connErr(msg string) error      { return &exitError{exitConnection, msg} }
func notStreamErr(msg string) error { return &exitError{exitNotStream, msg} }
func exitCodeOf(kind string) int {
	switch kind {
	case verdictStreamed:
		return exitStreamed
	case verdictBuffered:
		return exitBuffered
	}
	return exitInconclusive
}
