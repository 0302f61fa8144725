package store

import (
	"math/rand/v2"
	"reflect"
	"time"
)

// randFill fills values of the stored types at random, by reflection, for the tests that
// compare a generated function with encoding/json (the decoder, the case comparison).
// Each test gives the values it wants met: its texts, numbers, times and how often a
// value is left zero.
type randFill struct {
	texts    []string
	ints     []int64
	uints    []uint64
	time     func(r *rand.Rand) time.Time
	joinText bool // a text is now and then two of texts joined
	zeroIn   int  // each value is left zero one time in zeroIn (0: never)
	nilIn    int  // a pointer is left nil one time in nilIn
	maxDepth int  // below it pointers and lists stay nil
}

// fill gives v (settable) a random value. A kind it does not know panics, so that a new
// kind of field in the types is met by the tests, not skipped.
func (f *randFill) fill(r *rand.Rand, v reflect.Value, depth int) {
	if f.zeroIn > 0 && r.IntN(f.zeroIn) == 0 {
		v.SetZero()
		return
	}
	if v.Type() == eqTimeType {
		v.Set(reflect.ValueOf(f.time(r)))
		return
	}
	switch v.Kind() {
	case reflect.String:
		s := f.texts[r.IntN(len(f.texts))]
		if f.joinText && r.IntN(3) == 0 {
			s += f.texts[r.IntN(len(f.texts))]
		}
		v.SetString(s)
	case reflect.Bool:
		v.SetBool(r.IntN(2) == 0)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n := f.ints[r.IntN(len(f.ints))]
		if v.OverflowInt(n) {
			n = 0
		}
		v.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n := f.uints[r.IntN(len(f.uints))]
		if v.OverflowUint(n) {
			n = 0
		}
		v.SetUint(n)
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				f.fill(r, v.Field(i), depth+1)
			}
		}
	case reflect.Pointer:
		if depth > f.maxDepth || r.IntN(f.nilIn) == 0 {
			v.SetZero()
			return
		}
		p := reflect.New(v.Type().Elem())
		f.fill(r, p.Elem(), depth+1)
		v.Set(p)
	case reflect.Slice:
		n := r.IntN(5) // 0: nil; else 0 (empty, not nil) to 3 elements
		if depth > f.maxDepth || n == 0 {
			v.SetZero()
			return
		}
		s := reflect.MakeSlice(v.Type(), n-1, n-1)
		for i := range n - 1 {
			f.fill(r, s.Index(i), depth+1)
		}
		v.Set(s)
	default:
		panic("randFill: kind " + v.Kind().String())
	}
}
