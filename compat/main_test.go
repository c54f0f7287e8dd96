package compat

import (
	"testing"

	"github.com/streamzip/streamzip/internal/testkit"
)

// TestMain fails the run if a test leaves a goroutine behind.
func TestMain(m *testing.M) { testkit.VerifyNoLeaks(m) }
