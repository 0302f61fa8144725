package server

import "repairdesk/internal/msg"

// sT is what the SSH server says outside a console session: the banners sent while a
// client authenticates, and the refusals before a console opens. The texts are the
// catalogue's (internal/msg, server.go, the ssh.* keys); those shown before the server
// knows who is connecting carry both languages on one line.
func sT(lang, key string, args ...any) string { return msg.T(lang, key, args...) }
