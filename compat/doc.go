// Package compat tests streamzip inside the stacks people build with
// third-party routers and middlewares (chi, gorilla/handlers, httpsnoop,
// OpenTelemetry's otelhttp). It is its own module so that the library's
// go.mod requires none of them; `.ci/compat.sh` runs it.
package compat
