package cli

import "testing"

// serve --max-upload takes sizes as people write them, and refuses the rest.
func TestParseSize(t *testing.T) {
	good := map[string]int64{"20MB": 20 << 20, "20mb": 20 << 20, "512KB": 512 << 10, "1G": 1 << 30, "4096": 4096, " 3 MB ": 3 << 20}
	for in, want := range good {
		if got, ok := parseSize(in); !ok || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "MB", "-1MB", "0", "1.5MB", "20XB", "99999999999999GB"} {
		if got, ok := parseSize(in); ok {
			t.Errorf("parseSize(%q) = %d, accepted", in, got)
		}
	}
}
