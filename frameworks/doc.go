// Package frameworks holds the tests that run streamzip inside web
// frameworks — echo v4 and v5, huma, connect-go — over real servers. It is
// its own module so the library never depends on a framework; README's
// "Frameworks" section shows each setup these tests prove.
package frameworks
