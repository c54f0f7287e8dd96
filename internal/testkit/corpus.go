package testkit

import (
	"bytes"
	"fmt"
	"math/rand/v2"
)

// Bundle is a deterministic JavaScript-like asset of about n bytes;
// versions differ in a few places, as consecutive releases of a bundle do.
// The dictionary tests, e2e and bench all compress the same one.
func Bundle(n, version int) []byte {
	rng := rand.New(rand.NewPCG(42, 7))
	var b bytes.Buffer
	fmt.Fprintf(&b, "/* app bundle v%d */\n", version)
	for i := 0; b.Len() < n; i++ {
		name := fmt.Sprintf("fn%x", rng.Uint32())
		fmt.Fprintf(&b, "export function %s(a, b) { return a * %d + b.%s(%q); }\n", name, rng.IntN(1000), name, fmt.Sprint(rng.Uint64()))
		if i%97 == 0 {
			fmt.Fprintf(&b, "const build_%d = %q;\n", i, fmt.Sprintf("v%d-%d", version, i*version))
		}
	}
	return b.Bytes()
}
