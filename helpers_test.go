package streamzip_test

import (
	"io"

	"github.com/streamzip/streamzip/internal/decoding"
	"github.com/streamzip/streamzip/internal/testkit"
)

// The shared test support lives in internal/testkit so that the nested
// test modules (compat/, e2e/…) use the same server, client and lockstep.
// These short names keep the tests readable.
type (
	lockstep    = testkit.Lockstep
	eventReader = testkit.EventReader
)

const stepTimeout = testkit.StepTimeout

var (
	newServer      = testkit.NewServer
	newTLSServer   = testkit.NewTLSServer
	rawClient      = testkit.RawClient
	get            = testkit.Get
	decoder        = testkit.Decoder
	readAll        = testkit.ReadAll
	newLockstep    = testkit.NewLockstep
	event          = testkit.Event
	newEventReader = testkit.NewEventReader
)

func decode(encoding string, body io.Reader) (io.Reader, error) {
	return decoding.NewReader(encoding, body)
}
