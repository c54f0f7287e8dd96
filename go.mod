module github.com/streamzip/streamzip

go 1.25

require (
	github.com/andybalholm/brotli v1.3.0
	github.com/go-chi/chi/v5 v5.5.0
	github.com/klauspost/compress v1.20.4
)

require go.uber.org/goleak v1.3.0
