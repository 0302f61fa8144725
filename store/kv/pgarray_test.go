package kv

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"repairdesk/store/kv/pgtest"
)

// TestByteaListEncodesAsPgx: byteaListPlan sends exactly what pgx's own bytea[] codec
// sends for the same values, after whatever the buffer held, and grows the buffer once.
func TestByteaListEncodesAsPgx(t *testing.T) {
	pgx := pgtype.NewMap()
	ours := pgtype.NewMap()
	typ, ok := ours.TypeForOID(pgtype.ByteaArrayOID)
	if !ok {
		t.Fatal("no bytea[] in pgx's map")
	}
	ours.RegisterType(&pgtype.Type{Name: typ.Name, OID: typ.OID, Codec: byteaListCodec{typ.Codec}})
	big := bytes.Repeat([]byte("value "), 1000)
	for i, l := range [][][]byte{
		nil,
		{},
		{[]byte("k")},
		{[]byte{}, []byte("a"), nil, big, []byte{0, 1, 2}},
		{big, big, big, []byte("x")},
	} {
		for _, prefix := range [][]byte{nil, []byte("earlier parameters")} {
			want, err := pgx.Encode(pgtype.ByteaArrayOID, pgtype.BinaryFormatCode, l, bytes.Clone(prefix))
			if err != nil {
				t.Fatal(err)
			}
			if _, isOurs := ours.PlanEncode(pgtype.ByteaArrayOID, pgtype.BinaryFormatCode, byteaList(l)).(byteaListPlan); !isOurs {
				t.Fatalf("%d: byteaList is not encoded by byteaListPlan", i)
			}
			got, err := ours.Encode(pgtype.ByteaArrayOID, pgtype.BinaryFormatCode, byteaList(l), bytes.Clone(prefix))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) || (got == nil) != (want == nil) {
				t.Errorf("%d, after %q: sent\n%x\nwant\n%x", i, prefix, got, want)
			}
			// Any other value still goes to pgx's codec.
			other, err := ours.Encode(pgtype.ByteaArrayOID, pgtype.BinaryFormatCode, l, bytes.Clone(prefix))
			if err != nil || !bytes.Equal(other, want) {
				t.Errorf("%d: [][]byte sent %x (%v), want %x", i, other, err, want)
			}
		}
	}
	// Grown once: the encoded list, after a small prefix, costs one allocation.
	l := byteaList{big, big, []byte("k"), big}
	allocs := testing.AllocsPerRun(20, func() {
		if _, err := (byteaListPlan{}).Encode(l, make([]byte, 3, 8)); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 2 { // the prefix's make and the one growth
		t.Errorf("%v allocations to encode %d values, want 2", allocs, len(l))
	}
}

// TestByteaListOnTheServer: a group's set write (byteaList keys and values) stores what
// was put, empty values included, on a connection made by OpenPG.
func TestByteaListOnTheServer(t *testing.T) {
	d, err := OpenPG(pgtest.Addr(t), PGOptions{Node: "arr"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	ctx := context.Background()
	for _, pool := range []*pgxpool.Pool{d.pool, d.wpool} {
		c, err := pool.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		_, isOurs := c.Conn().TypeMap().PlanEncode(pgtype.ByteaArrayOID, pgtype.BinaryFormatCode, byteaList{}).(byteaListPlan)
		c.Release()
		if !isOurs {
			t.Fatal("a connection of OpenPG's encodes byteaList with pgx's own codec")
		}
	}
	var vals [][]byte
	err = d.Update(func(tx Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte("arr"))
		if err != nil {
			return err
		}
		for i := range 40 {
			v := bytes.Repeat([]byte{byte(i)}, i*97)
			vals = append(vals, v)
			if err := b.Put(fmt.Appendf(nil, "k%02d", i), v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range vals {
		var got []byte
		if err := d.pool.QueryRow(ctx, `SELECT v FROM rd_kv WHERE bucket = 'arr' AND k = $1`, fmt.Appendf(nil, "k%02d", i)).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("k%02d: %d bytes stored, want %d", i, len(got), len(want))
		}
	}
}
