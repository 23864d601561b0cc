//go:build !amd64

package vecmath

// supported lists the implementations this CPU can run, slowest first.
func supported() []kernels { return []kernels{genericKernels} }

// hasAVX2 and hasAVX512 report whether the x86 kernels can run; they never
// can on other architectures.
func hasAVX2() bool { return false }

func hasAVX512() bool { return false }
