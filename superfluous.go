package streamzip

import (
	"log"
	"net/http"
	"path"
	"runtime"
	"strconv"
	"strings"
)

// logSuperfluousWriteHeader reports a second WriteHeader made before the
// decision, as net/http reports one it sees: the same message, on the
// server's ErrorLog, naming the handler's line rather than streamzip's.
// net/http cannot see it, since the middleware has not sent the first
// status yet.
func logSuperfluousWriteHeader(r *http.Request) {
	caller := callerOutsideStreamzip()
	msg := "http: superfluous response.WriteHeader call from " + caller.Function +
		" (" + path.Base(caller.File) + ":" + strconv.Itoa(caller.Line) + ")"
	if srv, ok := r.Context().Value(http.ServerContextKey).(*http.Server); ok && srv.ErrorLog != nil {
		srv.ErrorLog.Print(msg)
		return
	}
	log.Print(msg)
}

// callerOutsideStreamzip is the first frame of the caller's stack that is
// not in this package, as net/http's relevantCaller skips its own frames.
func callerOutsideStreamzip() runtime.Frame {
	var pcs [16]uintptr
	frames := runtime.CallersFrames(pcs[:runtime.Callers(2, pcs[:])])
	for {
		f, more := frames.Next()
		if !strings.HasPrefix(f.Function, "github.com/streamzip/streamzip.") || !more {
			return f
		}
	}
}
