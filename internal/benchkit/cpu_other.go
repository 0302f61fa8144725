//go:build !unix

package benchkit

import "time"

// ProcessCPU is not measured here: "cpu-ms" figures read 0.
func ProcessCPU() time.Duration { return 0 }
