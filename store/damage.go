package store

// A damaged file is reported, never a crash.
//
// bbolt maps the file into memory and trusts what it finds there: a truncated file makes
// it touch pages past the end of the file (SIGBUS), a zeroed page trips its assertions
// (panics), and a damaged meta page makes it fall back silently to an older state. So:
//
//   - validateFile checks the file before it is mapped: both meta pages (magic, version,
//     checksum), the file's size against the meta page's page count, and the freelist page.
//   - scanTree reads every page of every bucket from the file (never the mapping) and
//     checks the page headers, the elements' bounds, the order of keys and that no page
//     is used twice. Check runs it before bbolt's own check and the walk over the cases,
//     which then only see a sound tree. Check's read-ahead, which reads the same pages
//     from the file first, judges each leaf page it reads as the scan would (leafSound);
//     the scan takes those it found sound as checked instead of reading them again.
//   - every goroutine that reads the mapped file runs under shield: memory faults become
//     panics (debug.SetPanicOnFault, which is per goroutine), and panics become a
//     *DamageError naming the page, bucket and case where known.

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"

	bolt "go.etcd.io/bbolt"

	"repairdesk/store/kv"
	"repairdesk/workflow"
)

// DamageError: the database file is damaged. Nothing was changed.
type DamageError struct {
	Path   string
	Page   int64  // -1: not known
	Bucket string // "": not known
	CaseID uint32 // 0: not known
	What   string // what is wrong, in English
	WhatZH string // the same in Chinese ("" = What)
}

func (e *DamageError) Error() string { return e.Message("en") }

// Where names the page, bucket and case, in lang ("" when none is known).
func (e *DamageError) Where(lang string) string {
	var parts []string
	if lang == "en" {
		if e.Page >= 0 {
			parts = append(parts, fmt.Sprintf("page %d", e.Page))
		}
		if e.Bucket != "" {
			parts = append(parts, "bucket "+e.Bucket)
		}
		if e.CaseID != 0 {
			parts = append(parts, fmt.Sprintf("case %d", e.CaseID))
		}
		return strings.Join(parts, ", ")
	}
	if e.Page >= 0 {
		parts = append(parts, fmt.Sprintf("第 %d 页", e.Page))
	}
	if e.Bucket != "" {
		parts = append(parts, e.Bucket+" 桶")
	}
	if e.CaseID != 0 {
		parts = append(parts, fmt.Sprintf("案件 %d", e.CaseID))
	}
	return strings.Join(parts, "，")
}

// Detail is where and what, without the advice.
func (e *DamageError) Detail(lang string) string {
	what := workflow.CleanLine(e.What)
	if lang != "en" && e.WhatZH != "" {
		what = workflow.CleanLine(e.WhatZH)
	}
	w := e.Where(lang)
	switch {
	case w == "":
		return what
	case lang == "en":
		return w + ": " + what
	}
	return w + "：" + what
}

// Message says what is damaged and what to do, in lang.
func (e *DamageError) Message(lang string) string {
	if lang == "en" {
		return fmt.Sprintf("the database %s is damaged — %s. Nothing was changed; run repairdesk check for the full list, and restore the latest backup with repairdesk restore FILE", e.Path, e.Detail("en"))
	}
	return fmt.Sprintf("数据库 %s 已损坏——%s。文件未作任何改动；运行 repairdesk check 查看完整清单，并用 repairdesk restore 备份文件 恢复最近的备份", e.Path, e.Detail("zh"))
}

func damaged(path string, page int64, bucket, en, zh string, a ...any) *DamageError {
	return &DamageError{Path: path, Page: page, Bucket: bucket, What: fmt.Sprintf(en, a...), WhatZH: fmt.Sprintf(zh, a...)}
}

// pageInMessage finds the page a bbolt panic names ("page 5 already freed",
// "Page expected to be: 1360, but self identifies as 0", "invalid page type: 7: 10").
var pageInMessage = regexp.MustCompile(`(?i)page(?: expected to be:| type:| id:)? (\d+)`)

// shield runs fn with memory faults turned into panics, and turns a panic that comes
// from the file's contents into a *DamageError (bucket and caseID say where, when
// known); any other panic — a bug, not damage — goes on. Every goroutine that reads
// the mapped file runs its work under it: SetPanicOnFault is per goroutine.
func (s *Store) shield(bucket string, caseID uint32, fn func() error) (err error) {
	return shieldDB(kv.BoltDB(s.db), s.path, bucket, caseID, fn)
}

// shieldDB is shield for code that has the bolt database but no Store.
func shieldDB(db *bolt.DB, path, bucket string, caseID uint32, fn func() error) (err error) {
	old := debug.SetPanicOnFault(true)
	defer debug.SetPanicOnFault(old)
	defer func() {
		if r := recover(); r != nil {
			d := damageOf(db, path, r, bucket, caseID, debug.Stack())
			if d == nil {
				panic(r)
			}
			err = d
		}
	}()
	return fn()
}

// damageOf describes a recovered panic as damage to the file, or returns nil if it is
// not one: a fault must be inside the mapping, any other panic must come from within
// bbolt (its assertions, or an index its damaged page sent out of range).
func damageOf(db *bolt.DB, path string, r any, bucket string, caseID uint32, stack []byte) *DamageError {
	d := &DamageError{Path: path, Page: -1, Bucket: bucket, CaseID: caseID}
	msg := fmt.Sprint(r)
	if re, ok := r.(runtime.Error); ok {
		if fa, ok := re.(interface{ Addr() uintptr }); ok {
			if db == nil {
				return nil
			}
			inside := false
			func() {
				defer func() { _ = recover() }()
				info := db.Info()
				if a := fa.Addr(); a >= info.Data && a-info.Data < 1<<40 && info.PageSize > 0 {
					d.Page, inside = int64((a-info.Data)/uintptr(info.PageSize)), true
				}
			}()
			if !inside {
				return nil
			}
			d.What = "reading it faulted (" + msg + ")"
			d.WhatZH = "读取时发生内存错误（" + msg + "）"
			return d
		}
	}
	if !bytes.Contains(stack, []byte("go.etcd.io/bbolt")) {
		return nil
	}
	if m := pageInMessage.FindStringSubmatch(msg); m != nil {
		if n, err := strconv.ParseInt(m[1], 10, 64); err == nil {
			d.Page = n
		}
	}
	d.What = "the storage engine stopped on it: " + msg
	d.WhatZH = "存储引擎在此处中止：" + msg
	return d
}

// validateUnlocked validates path (validateFile) unless another process holds it open
// for writing: a shared lock is held meanwhile, so no writer changes the file under the
// check. When it is held, bbolt's own lock will refuse the open anyway.
func validateUnlocked(path string) error {
	var err error
	withSharedLock(path, func() { _, err = validateFile(path) })
	return err
}

// view is db.View under shield: a damage it meets is a *DamageError.
func (s *Store) view(fn func(tx kv.Tx) error) error {
	return s.shield("", 0, func() error { return s.db.View(fn) })
}

// update is db.Update under shield (bbolt rolls the transaction back on the panic).
func (s *Store) update(fn func(tx kv.Tx) error) error {
	return s.shield("", 0, func() error { return s.db.Update(fn) })
}

// updateOnce is kv.UpdateOnce under shield: a lost serialization race is returned, not
// run again.
func (s *Store) updateOnce(fn func(tx kv.Tx) error) error {
	return s.shield("", 0, func() error { return kv.UpdateOnce(s.db, fn) })
}

// PageOwners lists the pages that head the bucket trees of the database file at path
// (branch and leaf pages, not their overflow) with the bucket each belongs to, and the
// page size: for the tests that damage files on purpose, and for diagnostics.
func PageOwners(path string) (owners map[uint64]string, pageSize int, err error) {
	g, err := validateFile(path)
	if err != nil {
		return nil, 0, err
	}
	if g == nil {
		return nil, 0, fmt.Errorf("%s is empty", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	sc := newScanner(f, path, g.pageSize, g.pgid)
	sc.heads = map[uint64]string{}
	sc.tree("", g.root, nil, 0)
	if len(sc.errs) > 0 {
		return nil, 0, sc.errs[0]
	}
	return sc.heads, g.pageSize, nil
}

// eventUnreadable names the case and event of an event that does not decode.
func eventUnreadable(key []byte, err error) error {
	if len(key) == 8 {
		return fmt.Errorf("case %d event %d is unreadable: %w", binary.BigEndian.Uint32(key), binary.BigEndian.Uint32(key[4:]), err)
	}
	return fmt.Errorf("event %x is unreadable: %w", key, err)
}

// parallelRead is parallelErr for work that reads the mapped file: each share runs
// under shield, so a damage it meets is its error. The first error is returned.
func (s *Store) parallelRead(n int, bucket string, f func(lo, hi int) error) error {
	return parallelErr(n, func(lo, hi int) error {
		return s.shield(bucket, 0, func() error { return f(lo, hi) })
	})
}
