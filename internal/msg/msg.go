// Package msg is the product's message catalogue in Chinese (the default) and English.
//
// It sits below every other package (it imports none of them), so the command line, the
// statistics in workflow and, in time, the console, the store's errors and the engine's
// refusals can all take their text from one table. Today it holds what the command line
// and the results table say; the console's own screens still use tui's table, which falls
// back to this one.
//
// A message is a format string per language. English messages that carry a count have a
// singular form too (EnOne), chosen when that count is 1: "exported 1 case" /
// "exported 251 cases". Chinese needs no plural; its messages carry the measure word
// instead: 已导出 251 件案件.
package msg

import (
	"fmt"
	"os"
	"sort"
	"strings"
)

// Languages the catalogue speaks.
const (
	ZH = "zh"
	EN = "en"
)

// Text is one message.
type Text struct {
	ZH string // Chinese, the default
	EN string // English, the count (if any) other than 1
	// EnOne is the English with a count of exactly 1; the count is argument Count
	// (0-based) of T's args. Empty when the message has no count.
	EnOne string
	Count int
}

// T looks key up and formats args in lang ("en", anything else is Chinese). A missing key
// shows itself in brackets so tests can catch it.
func T(lang, key string, args ...any) string {
	m, ok := catalogue[key]
	if !ok {
		return "[" + key + "]"
	}
	s := m.ZH
	if lang == EN {
		s = m.EN
		if m.EnOne != "" && m.Count < len(args) && isOne(args[m.Count]) {
			s = m.EnOne
		}
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

func isOne(v any) bool {
	switch n := v.(type) {
	case int:
		return n == 1
	case int64:
		return n == 1
	case uint64:
		return n == 1
	case uint32:
		return n == 1
	}
	return false
}

// Has reports whether key is in the catalogue.
func Has(key string) bool {
	_, ok := catalogue[key]
	return ok
}

// Lookup returns the message of key, for tests and for catalogues layered on this one.
func Lookup(key string) (Text, bool) {
	m, ok := catalogue[key]
	return m, ok
}

// Keys lists every key, sorted.
func Keys() []string {
	keys := make([]string, 0, len(catalogue))
	for k := range catalogue {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// LangFromEnv picks the language: flag, else LC_ALL / LC_MESSAGES / LANG, else Chinese.
func LangFromEnv(flag string) string {
	if flag != "" {
		return NormLang(flag)
	}
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if s := os.Getenv(v); s != "" {
			return NormLang(s)
		}
	}
	return ZH
}

// NormLang maps a locale name to "en" or "zh". C/POSIX mean nothing about the staff's
// language, so they fall back to Chinese.
func NormLang(s string) string {
	if strings.HasPrefix(strings.ToLower(s), "en") {
		return EN
	}
	return ZH
}
