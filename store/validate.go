package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"

	"repairdesk/workflow"
)

// meta is one decoded meta page.
type meta struct {
	pageSize             int
	root, freelist, pgid uint64
	txid                 uint64
}

// parseMeta decodes the meta page in p (a whole page from its header on); it fails
// unless magic, version and checksum are right.
func parseMeta(p []byte) (meta, error) {
	ne := binary.NativeEndian
	if len(p) < metaOffset+64 {
		return meta{}, errors.New("short")
	}
	m := p[metaOffset:]
	if ne.Uint32(m[0:]) != bMagic {
		return meta{}, errors.New("bad magic")
	}
	if ne.Uint32(m[4:]) != bVersion {
		return meta{}, errors.New("unknown version")
	}
	h := fnv.New64a()
	h.Write(m[:metaSumEnd])
	if h.Sum64() != ne.Uint64(m[metaSumEnd:]) {
		return meta{}, errors.New("bad checksum")
	}
	return meta{pageSize: int(ne.Uint32(m[8:])), root: ne.Uint64(m[16:]), freelist: ne.Uint64(m[32:]), pgid: ne.Uint64(m[40:]), txid: ne.Uint64(m[48:])}, nil
}

// geometry is what validateFile learned: the meta bbolt will use.
type geometry struct {
	meta
	size int64
}

// validateFile checks a database file before bbolt maps it (see the top of damage.go).
// A missing or empty file is not damaged (bbolt creates it); nil geometry then.
func validateFile(path string) (*geometry, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() || fi.Size() == 0 {
		return nil, nil
	}
	size := fi.Size()
	readPage := func(off int64, n int) []byte {
		b := make([]byte, n)
		k, _ := f.ReadAt(b, off)
		return b[:k]
	}
	m0, err0 := parseMeta(readPage(0, 4096))
	if err0 == nil && (m0.pageSize < 512 || m0.pageSize > 1<<16 || m0.pageSize&(m0.pageSize-1) != 0) {
		err0 = fmt.Errorf("page size %d", m0.pageSize)
	}
	var m1 meta
	err1 := errors.New("not found")
	sizes := []int{os.Getpagesize(), 4096, 512, 1024, 2048, 8192, 16384, 32768, 65536}
	if err0 == nil {
		sizes = []int{m0.pageSize}
	}
	for _, ps := range sizes {
		if m, err := parseMeta(readPage(int64(ps), 4096)); err == nil && m.pageSize == ps {
			m1, err1 = m, nil
			break
		} else if ps == sizes[0] {
			err1 = err
		}
	}
	switch {
	case err0 != nil && err1 != nil:
		if size < 1024 {
			return nil, damaged(path, -1, "", "the file is %d bytes long, too short for a database: it is truncated or not a repairdesk database",
				"文件只有 %d 字节，不足以构成数据库：已被截断，或并非 repairdesk 数据库", size)
		}
		return nil, damaged(path, -1, "", "neither meta page (pages 0 and 1) is readable (%v; %v): it is not a repairdesk database, or its first pages are damaged",
			"两个元数据页（第 0、1 页）均无法读取（%v；%v）：这不是 repairdesk 数据库，或其开头几页已损坏", err0, err1)
	case err0 != nil:
		return nil, damaged(path, 0, "", "meta page 0 is damaged (%v); the other one holds transaction %d, and what was written after it would be lost",
			"元数据页 0 已损坏（%v）；另一元数据页停在第 %d 次事务，此后写入的内容将会丢失", err0, m1.txid)
	case err1 != nil:
		return nil, damaged(path, 1, "", "meta page 1 is damaged (%v); the other one holds transaction %d, and what was written after it would be lost",
			"元数据页 1 已损坏（%v）；另一元数据页停在第 %d 次事务，此后写入的内容将会丢失", err1, m0.txid)
	}
	g := &geometry{meta: m0, size: size}
	if m1.txid > m0.txid {
		g.meta = m1
	}
	ps := int64(g.pageSize)
	if g.pgid < 3 || g.pgid > uint64(1<<62)/uint64(ps) {
		return nil, damaged(path, int64(g.txid%2), "", "the meta page gives an impossible page count %d", "元数据页中的页数 %d 不可能成立", g.pgid)
	}
	if need := int64(g.pgid) * ps; size < need {
		return nil, damaged(path, size/ps, "", "the file is truncated: %d bytes, but the database needs %d (pages %d to %d are missing)",
			"文件被截断：只有 %d 字节，而数据库需要 %d 字节（第 %d 至 %d 页缺失）", size, need, size/ps, g.pgid-1)
	}
	if g.root < 2 || g.root >= g.pgid {
		return nil, damaged(path, int64(g.txid%2), "", "the meta page names root page %d, outside the file's %d pages",
			"元数据页指向的根页 %d 超出文件的 %d 页", g.root, g.pgid)
	}
	if g.freelist != noFreelist {
		if err := checkFreelist(f, path, g); err != nil {
			return nil, err
		}
	}
	return g, nil
}

// checkFreelist: the freelist page is one, fits in the file, and lists pages of the file.
func checkFreelist(f io.ReaderAt, path string, g *geometry) error {
	ne := binary.NativeEndian
	id, ps := g.freelist, g.pageSize
	bad := func(en, zh string, a ...any) error {
		return damaged(path, int64(id), "", "freelist: "+en, "空闲页列表："+zh, a...)
	}
	if id < 2 || id >= g.pgid {
		return bad("its page %d is outside the file's %d pages", "其所在页 %d 超出文件的 %d 页", id, g.pgid)
	}
	h := make([]byte, pageHeader)
	if n, _ := f.ReadAt(h, int64(id)*int64(ps)); n < pageHeader {
		return bad("the page cannot be read", "该页无法读取")
	}
	if got := ne.Uint64(h); got != id || ne.Uint16(h[8:]) != freelistFlag {
		return bad("the page is not a freelist page (it says page %d, type %#x)", "该页不是空闲页列表（页号 %d，类型 %#x）", got, ne.Uint16(h[8:]))
	}
	over := uint64(ne.Uint32(h[12:]))
	if id+over >= g.pgid {
		return bad("it runs past the end of the file (%d more pages)", "超出文件末尾（另占 %d 页）", over)
	}
	p := make([]byte, (over+1)*uint64(ps))
	if n, _ := f.ReadAt(p, int64(id)*int64(ps)); n < len(p) {
		return bad("the page cannot be read", "该页无法读取")
	}
	count, start := uint64(ne.Uint16(p[10:])), uint64(pageHeader)
	if count == 0xFFFF {
		count, start = ne.Uint64(p[pageHeader:]), pageHeader+8
	}
	if count > (uint64(len(p))-start)/8 {
		return bad("it claims %d free pages, more than fit in it", "声称有 %d 个空闲页，超出其容量", count)
	}
	for i := range count {
		if fid := ne.Uint64(p[start+8*i:]); fid < 2 || fid >= g.pgid {
			return bad("it lists page %d, outside the file's %d pages", "列出的第 %d 页超出文件的 %d 页", fid, g.pgid)
		}
	}
	return nil
}

// scanner walks bucket trees by reading the file (see scanTree).
type scanner struct {
	f     io.ReaderAt
	path  string
	ps    int
	pgid  uint64
	seen  map[uint64]string // page → the bucket that uses it (owner instead, when set)
	heads map[uint64]string // PageOwners: the pages read, not their overflow
	errs  []*DamageError
	// owner, when not nil, replaces seen: for each page of the file, 1 + the index in
	// names of the bucket that uses it (0: none yet). A map of every page of a large
	// file was most of the scan's time.
	owner []uint32
	names []string
	bufs  [][]byte // the pages being read, by tree depth (pages)
	// sound: leaf pages Check's read-ahead read from the file and found sound
	// (leafSound): taken as checked, not read again (nil: every page is read).
	sound *soundLeaves
}

// newScanner is a scanner of the file f (pgid pages of ps bytes).
func newScanner(f io.ReaderAt, path string, ps int, pgid uint64) *scanner {
	sc := &scanner{f: f, path: path, ps: ps, pgid: pgid}
	if pgid <= 1<<28 {
		sc.owner = make([]uint32, pgid)
	} else {
		sc.seen = map[uint64]string{}
	}
	return sc
}

// usedBy is the bucket that already uses page id, if one does.
func (sc *scanner) usedBy(id uint64) (string, bool) {
	if sc.owner == nil {
		other, ok := sc.seen[id]
		return other, ok
	}
	if o := sc.owner[id]; o != 0 {
		return sc.names[o-1], true
	}
	return "", false
}

// use records that bucket uses page id.
func (sc *scanner) use(id uint64, bucket string) {
	if sc.owner == nil {
		sc.seen[id] = bucket
		return
	}
	if n := len(sc.names); n == 0 || sc.names[n-1] != bucket {
		sc.names = append(sc.names, bucket)
	}
	sc.owner[id] = uint32(len(sc.names))
}

// pages reads n pages from page id into the buffer of tree depth depth. short: fewer
// could be read (the rest of p is zero). A page's bytes are used only while its subtree
// is walked, and the pages read meanwhile are deeper, so each depth reuses one buffer: a
// new buffer per page was 400 MB of garbage for a check at 100,000 cases.
func (sc *scanner) pages(id, n uint64, depth int) (p []byte, short bool) {
	for len(sc.bufs) <= depth {
		sc.bufs = append(sc.bufs, nil)
	}
	size := n * uint64(sc.ps)
	if uint64(cap(sc.bufs[depth])) < size {
		sc.bufs[depth] = make([]byte, size)
	}
	p = sc.bufs[depth][:size]
	k, _ := sc.f.ReadAt(p, int64(id)*int64(sc.ps))
	clear(p[max(k, 0):])
	return p, k < len(p)
}

func (sc *scanner) report(page uint64, bucket string, key []byte, en, zh string, a ...any) {
	if len(sc.errs) >= maxScanReports {
		return
	}
	d := damaged(sc.path, int64(page), bucket, en, zh, a...)
	d.CaseID = caseOfKey(bucket, key)
	sc.errs = append(sc.errs, d)
}

// caseOfKey: the cases, events and summaries buckets are keyed by case id first.
func caseOfKey(bucket string, key []byte) uint32 {
	switch bucket {
	case string(bCases), string(bEvents), string(bSums):
		if len(key) >= 4 {
			return binary.BigEndian.Uint32(key)
		}
	}
	return 0
}

// read returns page id with its overflow pages (valid until the next read at this
// depth), or reports why it cannot.
func (sc *scanner) read(id uint64, bucket string, key []byte, depth int) []byte {
	ne := binary.NativeEndian
	if id < 2 || id >= sc.pgid {
		sc.report(id, bucket, key, "a page refers to page %d, outside the file's %d pages", "某页指向第 %d 页，超出文件的 %d 页", id, sc.pgid)
		return nil
	}
	if other, ok := sc.usedBy(id); ok {
		sc.report(id, bucket, key, "the page is used twice (also by bucket %s)", "该页被重复使用（亦属 %s 桶）", other)
		return nil
	}
	if sc.sound.has(id) && sc.heads == nil {
		// Read and found sound already: a leaf of one page, with nothing wrong in it
		// and nothing under it, that the walk below would pass over without a word.
		sc.use(id, bucket)
		return nil
	}
	// The page itself first: its header says how many overflow pages follow.
	h, short := sc.pages(id, 1, depth)
	if short && len(h) < pageHeader {
		sc.report(id, bucket, key, "the page cannot be read", "该页无法读取")
		return nil
	}
	if short {
		// Not a whole page: only the header counts here, as before; the whole page
		// is read below and reported then.
		k, _ := sc.f.ReadAt(h[:pageHeader], int64(id)*int64(sc.ps))
		if k < pageHeader {
			sc.report(id, bucket, key, "the page cannot be read", "该页无法读取")
			return nil
		}
	}
	if got := ne.Uint64(h); got != id {
		sc.report(id, bucket, key, "the page says it is page %d (zeroed or overwritten)", "该页自称第 %d 页（被清零或覆盖）", got)
		return nil
	}
	if fl := ne.Uint16(h[8:]); fl != branchFlag && fl != leafFlag {
		sc.report(id, bucket, key, "the page has type %#x, neither branch nor leaf", "页类型 %#x 既非分支页也非叶页", fl)
		return nil
	}
	over := uint64(ne.Uint32(h[12:]))
	if id+over >= sc.pgid {
		sc.report(id, bucket, key, "the page runs %d pages past its own, beyond the end of the file", "该页向后延伸 %d 页，超出文件末尾", over)
		return nil
	}
	for i := range over + 1 {
		if other, ok := sc.usedBy(id + i); ok {
			sc.report(id, bucket, key, "the page overlaps page %d (bucket %s)", "该页与第 %d 页（%s 桶）重叠", id+i, other)
			return nil
		}
		sc.use(id+i, bucket)
	}
	p := h
	if over > 0 || short {
		if p, short = sc.pages(id, over+1, depth); short {
			sc.report(id, bucket, key, "the page cannot be read", "该页无法读取")
			return nil
		}
	}
	if sc.heads != nil {
		sc.heads[id] = bucket
	}
	return p
}

// tree checks the bucket tree under page id; key is the first key it should hold.
func (sc *scanner) tree(bucket string, id uint64, key []byte, depth int) {
	if len(sc.errs) >= maxScanReports {
		return
	}
	if depth > maxTreeDepth {
		sc.report(id, bucket, key, "the tree is deeper than %d levels (a loop)", "树深超过 %d 层（存在循环）", maxTreeDepth)
		return
	}
	p := sc.read(id, bucket, key, depth)
	if p == nil {
		return
	}
	sc.elements(bucket, id, p, key, depth)
}

// elements checks the elements of page p (an inline bucket's page too, id then being
// its parent's) and walks into children and sub-buckets.
func (sc *scanner) elements(bucket string, id uint64, p, key []byte, depth int) {
	ne := binary.NativeEndian
	flags, count := ne.Uint16(p[8:]), int(ne.Uint16(p[10:]))
	if pageHeader+count*leafElement > len(p) {
		sc.report(id, bucket, key, "the page claims %d elements, more than fit in it", "该页声称有 %d 个元素，超出其容量", count)
		return
	}
	if flags == branchFlag && count == 0 {
		sc.report(id, bucket, key, "an empty branch page", "空的分支页")
		return
	}
	var prev []byte
	for i := range count {
		off := pageHeader + i*leafElement
		e := p[off : off+leafElement]
		var k, v []byte
		if flags == branchFlag {
			pos, ksize := uint64(ne.Uint32(e)), uint64(ne.Uint32(e[4:]))
			if uint64(off)+pos+ksize > uint64(len(p)) {
				sc.report(id, bucket, prev, "element %d's key lies outside the page", "第 %d 个元素的键位于页外", i)
				return
			}
			k = p[uint64(off)+pos : uint64(off)+pos+ksize]
		} else {
			// bbolt writes an element's flags as 0 (a value) or bucketLeaf (a bucket);
			// other bits are damage it would not notice itself.
			if fl := ne.Uint32(e); fl&^bucketLeaf != 0 {
				sc.report(id, bucket, prev, "element %d's flags are damaged", "第 %d 个元素的标志已损坏", i)
				return
			}
			pos, ksize, vsize := uint64(ne.Uint32(e[4:])), uint64(ne.Uint32(e[8:])), uint64(ne.Uint32(e[12:]))
			if uint64(off)+pos+ksize+vsize > uint64(len(p)) {
				sc.report(id, bucket, prev, "element %d's key or value lies outside the page", "第 %d 个元素的键或值位于页外", i)
				return
			}
			k = p[uint64(off)+pos : uint64(off)+pos+ksize]
			v = p[uint64(off)+pos+ksize : uint64(off)+pos+ksize+vsize]
		}
		if i > 0 && bytes.Compare(prev, k) >= 0 {
			sc.report(id, bucket, k, "the keys are out of order at element %d", "第 %d 个元素处键的顺序错乱", i)
			return
		}
		prev = k
		switch {
		case flags == branchFlag:
			sc.tree(bucket, ne.Uint64(e[8:]), k, depth+1)
		case ne.Uint32(e)&bucketLeaf != 0:
			name := string(k)
			if bucket != "" {
				name = bucket + "/" + name
			}
			sc.bucket(workflow.CleanLine(name), id, v, depth+1)
		}
		if len(sc.errs) >= maxScanReports {
			return
		}
	}
}

// bucket checks a bucket from its header (root page and sequence, then an inline page
// when the root is 0).
func (sc *scanner) bucket(name string, parent uint64, v []byte, depth int) {
	ne := binary.NativeEndian
	if len(v) < 16 {
		sc.report(parent, name, nil, "the bucket's header is cut short", "桶的头部不完整")
		return
	}
	root := ne.Uint64(v)
	if root != 0 {
		sc.tree(name, root, nil, depth)
		return
	}
	inline := v[16:]
	if len(inline) < pageHeader {
		sc.report(parent, name, nil, "the inline bucket is cut short", "内联桶不完整")
		return
	}
	if fl := ne.Uint16(inline[8:]); fl != leafFlag {
		sc.report(parent, name, nil, "the inline bucket has page type %#x", "内联桶的页类型为 %#x", fl)
		return
	}
	sc.elements(name, parent, inline, nil, depth)
}

// scanTree checks every page reachable from root, reading the file (see the top of
// this file). The pages of a read transaction's tree are not rewritten while it is
// open, so it may run on a file another transaction of this process writes to.
func scanTree(f io.ReaderAt, path string, ps int, pgid, root uint64, sound *soundLeaves) []*DamageError {
	sc := newScanner(f, path, ps, pgid)
	sc.sound = sound
	sc.tree("", root, nil, 0)
	return sc.errs
}
