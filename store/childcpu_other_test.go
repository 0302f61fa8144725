//go:build !unix

package store

// childCPU is not measured here.
func childCPU() float64 { return 0 }

// ProcessCPU is 0 where getrusage is missing.
func ProcessCPU() float64 { return 0 }
