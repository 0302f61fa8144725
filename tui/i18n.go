package tui

import (
	"fmt"

	"repairdesk/internal/msg"
)

// T looks key up in the one catalogue (internal/msg) and formats args in lang ("en",
// anything else is Chinese). A missing key shows itself in brackets so tests can catch it.
//
// The console's texts live in internal/msg/console.go. A key added here (catalogue below)
// is used until it moves there; TestCatalogueKeysComplete fails on one that lacks a
// language or that msg already defines.
func T(lang, key string, args ...any) string {
	if m, ok := catalogue[key]; ok {
		s := m[0]
		if lang == "en" {
			s = m[1]
		}
		if len(args) > 0 {
			return fmt.Sprintf(s, args...)
		}
		return s
	}
	return msg.T(lang, key, args...)
}

// LangFromEnv picks the language: flag, else LC_ALL / LC_MESSAGES / LANG, else Chinese.
func LangFromEnv(flag string) string { return msg.LangFromEnv(flag) }

// NormLang maps a locale name to "en" or "zh" (C/POSIX fall back to Chinese).
func NormLang(s string) string { return msg.NormLang(s) }

// CatalogueKeys lists every key the console can show: the one catalogue's and any still
// waiting here to move into it.
func CatalogueKeys() []string {
	keys := msg.Keys()
	for k := range catalogue {
		keys = append(keys, k)
	}
	return keys
}

// catalogue holds console texts not yet moved into internal/msg/console.go (ZH, EN). It
// should be empty; the move is a cut and paste.
var catalogue = map[string][2]string{}
