module github.com/streamzip/streamzip/scale

go 1.26.0

replace github.com/streamzip/streamzip => ../

require github.com/streamzip/streamzip v0.0.0-00010101000000-000000000000

require (
	github.com/andybalholm/brotli v1.3.0 // indirect
	github.com/klauspost/compress v1.20.4 // indirect
)
