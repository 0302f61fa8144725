package cli

import (
	"encoding/json"
	"io"
	"os"

	"repairdesk/store"
)

// The child half of TestControlGroupLetsAnotherOSUserIn: this test binary, run as another
// OS user, runs a command (RD_AS_ARGS) or asks the socket for a raw backup.
func asOtherUserChild() {
	if args := os.Getenv("RD_AS_ARGS"); args != "" {
		var a []string
		if err := json.Unmarshal([]byte(args), &a); err != nil {
			os.Exit(99)
		}
		if a[0] == "raw-backup" {
			_, err := store.RemoteBackup(a[1], io.Discard)
			if err != nil {
				os.Stderr.WriteString(err.Error() + "\n")
				os.Exit(1)
			}
			os.Exit(0)
		}
		os.Exit(Run("test", a, os.Stdout, os.Stderr))
	}
}
