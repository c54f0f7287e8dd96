package ginzip

// WithMiddleware builds the adapter around any net/http middleware, for
// the negative controls.
var WithMiddleware = handlerFunc
