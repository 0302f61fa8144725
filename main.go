// Command repairdesk is a keyboard-driven console for an enterprise credit-repair agency:
// on one desk over an embedded database, or for a whole office as an SSH server.
//
// The commands are in internal/cli; this file only starts them.
package main

import (
	"os"

	"repairdesk/internal/cli"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "0.1.0-dev"

func main() {
	narrowAmbiguous()
	os.Exit(cli.Run(version, os.Args[1:], os.Stdout, os.Stderr))
}
