// Package msg is the product's one message catalogue, in Chinese (the default) and English.
//
// It sits below every other package (it imports none of them), so the console, the command
// line, the SSH server, the store's errors, the engine's refusals and field errors, and the
// enumeration labels all take their text from it. The table is split by area:
// console.go (tui's screens), cli.go and commands.go (the command line and its help),
// labels.go (stages, roles, actions and the other enumerations), engine.go (refusals and
// field errors of workflow), store.go (the store's errors), server.go (the SSH server).
// Keys are unique across all files; a key defined twice stops the program at start.
//
// A message is a format string per language. English messages that carry a count have a
// singular form too (EnOne), chosen when that count — argument Count of T's args,
// wherever it stands — is 1: "exported 1 case" / "exported 251 cases". Chinese needs no
// plural; its messages carry the measure word instead: 已导出 251 件案件, 3 个公钥.
//
// Arguments are data, shown as given — except those that speak a language themselves:
// a Localized value (Key, M, Label, List, Lower) or anything with a Message(lang) method
// (FieldError, Refusal, the store's errors) is rendered in the message's language, so an
// error built once reads right in both.
//
// Why a typed table and not golang.org/x/text/message or go-i18n: the texts are few
// (under a thousand), in two languages fixed at build time; a Go map is checked by the
// compiler and by plain tests, needs no generated catalog or extraction step, and formats
// with fmt exactly — x/text's printer localises numbers (12,345 for a count, a case
// number's digits), which case numbers, credit codes and amounts must not get.
package msg

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"
	"syscall"
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

// catalogue is every area's table in one map, built once at start.
var catalogue = merge(cliText, commandText, consoleText, labelText, engineText, fieldText, storeText, serverText, workflowText, clientFileText, sharedText)

func merge(areas ...map[string]Text) map[string]Text {
	all := make(map[string]Text)
	for _, area := range areas {
		for k, v := range area {
			if _, dup := all[k]; dup {
				panic("msg: key " + k + " is defined twice")
			}
			all[k] = v
		}
	}
	return all
}

// T looks key up and formats args in lang ("en", anything else is Chinese). A missing key
// shows itself in brackets so tests can catch it.
func T(lang, key string, args ...any) string {
	m, ok := catalogue[key]
	if !ok {
		return "[" + key + "]"
	}
	if lang != EN {
		lang = ZH
	}
	s := m.ZH
	if lang == EN {
		s = m.EN
		if m.EnOne != "" && m.Count < len(args) && isOne(args[m.Count]) {
			s = m.EnOne
		}
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, localize(lang, args)...)
	}
	return s
}

// Localized is an argument that has a text per language.
type Localized interface{ Localize(lang string) string }

// messager is what the product's errors implement.
type messager interface{ Message(lang string) string }

func localize(lang string, args []any) []any {
	var out []any
	for i, a := range args {
		var s string
		switch v := a.(type) {
		case Localized:
			s = v.Localize(lang)
		case messager:
			s = v.Message(lang)
		case error:
			var m messager
			var pe *fs.PathError
			switch {
			case errors.As(v, &m):
				s = m.Message(lang)
			case errors.As(v, &pe):
				// The operating system's words are English: say what happened to the file.
				s = T(lang, "os.path_error", pe.Path, osReason(pe.Err))
			default:
				continue
			}
		default:
			continue
		}
		if out == nil {
			out = append([]any(nil), args...)
		}
		out[i] = s
	}
	if out == nil {
		return args
	}
	return out
}

// osReason is why a file operation failed, in a few words of the catalogue when it is a
// common reason.
func osReason(err error) Localized {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return Key("os.not_exist")
	case errors.Is(err, fs.ErrPermission):
		return Key("os.permission")
	case errors.Is(err, fs.ErrExist):
		return Key("os.exist")
	case errors.Is(err, syscall.EISDIR):
		return Key("os.is_dir")
	case errors.Is(err, syscall.ENOTDIR):
		return Key("os.not_dir")
	case errors.Is(err, syscall.ENOSPC):
		return Key("os.no_space")
	}
	return asIs{err}
}

type asIs struct{ err error }

func (a asIs) Localize(string) string { return a.err.Error() }

// Key is an argument that is itself a message without arguments.
type Key string

// Localize is the key's text in lang.
func (k Key) Localize(lang string) string { return T(lang, string(k)) }

// Message is a message with its arguments, to be rendered later in either language: an
// argument of another message, or the content of an error.
type Message struct {
	Key  string
	Args []any
}

// M builds a Message.
func M(key string, args ...any) Message { return Message{Key: key, Args: args} }

// Localize renders the message in lang.
func (m Message) Localize(lang string) string { return T(lang, m.Key, m.Args...) }

// Label is the display name of an enumerated value (kind "stage", value "closed"); a value
// the catalogue does not know shows as itself.
func Label(kind, value string) Localized { return label{kind, value} }

type label struct{ kind, value string }

func (l label) Localize(lang string) string {
	if !Has(l.kind + "." + l.value) {
		return l.value
	}
	return T(lang, l.kind+"."+l.value)
}

// List joins its items (each rendered in the message's language) with the language's
// list separator: 甲、乙 / A, B.
func List(items ...any) Localized { return list(items) }

type list []any

func (l list) Localize(lang string) string {
	parts := localize(lang, l)
	ss := make([]string, len(parts))
	for i, p := range parts {
		ss[i] = fmt.Sprint(p)
	}
	return strings.Join(ss, T(lang, "cli.list_sep"))
}

// Lower is a in lower case in English (for a label inside a sentence); Chinese as is.
func Lower(a any) Localized { return lower{a} }

type lower struct{ a any }

func (l lower) Localize(lang string) string {
	s := fmt.Sprint(localize(lang, []any{l.a})[0])
	if lang == EN {
		return strings.ToLower(s)
	}
	return s
}

func isOne(v any) bool {
	switch n := v.(type) {
	case int:
		return n == 1
	case int64:
		return n == 1
	case int32:
		return n == 1
	case uint64:
		return n == 1
	case uint32:
		return n == 1
	case uint:
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

// Error is an error whose words are a catalogue message: Error() is the English (for
// logs), Message(lang) the reader's language. An error among Args is wrapped, so
// errors.Is and errors.As see through it.
type Error struct {
	Key  string
	Args []any
}

// Errorf builds an Error.
func Errorf(key string, args ...any) *Error { return &Error{Key: key, Args: args} }

func (e *Error) Error() string { return T(EN, e.Key, e.Args...) }

// Message is the error in lang.
func (e *Error) Message(lang string) string { return T(lang, e.Key, e.Args...) }

// Unwrap returns the errors among the arguments.
func (e *Error) Unwrap() []error {
	var out []error
	for _, a := range e.Args {
		if err, ok := a.(error); ok {
			out = append(out, err)
		}
	}
	return out
}
