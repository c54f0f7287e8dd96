// Package clienttests tests streamzip.Transport under real client
// libraries (the official OpenAI Go SDK) against streamzip servers. It is
// its own module so those libraries never enter streamzip's dependency
// graph; `go test ./...` at the repository root does not enter it (run
// `go test ./...` here, or bash .ci/client.sh).
package clienttests
