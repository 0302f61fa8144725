package tui

import "repairdesk/internal/msg"

// sT is what the SSH server says outside a console session; the texts are the catalogue's
// (internal/msg, server.go). Messages shown before login carry both languages on one line.
func sT(lang, key string, args ...any) string { return msg.T(lang, key, args...) }
