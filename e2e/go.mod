module github.com/streamzip/streamzip/e2e

go 1.25

replace github.com/streamzip/streamzip => ../

require (
	github.com/andybalholm/brotli v1.3.0 // indirect
	github.com/go-json-experiment/json v0.0.0-20260213210345-44df1a37e875 // indirect
	github.com/klauspost/compress v1.20.4 // indirect
)

require (
	github.com/chromedp/cdproto v0.159.3
	github.com/chromedp/chromedp v0.23.0
	github.com/streamzip/streamzip v0.0.0-00010101000000-000000000000
)
