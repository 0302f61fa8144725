package kv

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// byteaList is a list of values sent as one bytea[] parameter (a group commit's keys
// and values, queueSetWrites). On a connection made by OpenPG it is encoded by
// byteaListCodec, straight into the parameter buffer, which is grown once to its final
// size; elsewhere pgx encodes it as the [][]byte it is.
//
// Why: pgx's array encoding appends each element to a buffer that starts at 256 bytes
// and doubles as it goes, for every statement of a batch, so a group's values (about
// 3.5 KB an action) cost about four times their size in allocations (BENCHMARKS.md,
// round thirteen). What is sent is byte for byte the same (TestByteaListEncodesAsPgx).
type byteaList [][]byte

// byteaListCodec is PostgreSQL's bytea[] codec with byteaList encoded in binary format
// by byteaListPlan; every other value is left to pgx's own codec (next).
type byteaListCodec struct {
	pgtype.Codec
}

func (c byteaListCodec) PlanEncode(m *pgtype.Map, oid uint32, format int16, value any) pgtype.EncodePlan {
	if _, ok := value.(byteaList); ok && format == pgtype.BinaryFormatCode {
		return byteaListPlan{}
	}
	return c.Codec.PlanEncode(m, oid, format, value)
}

// byteaListPlan writes PostgreSQL's binary array format: dimensions (1), whether an
// element is NULL, the element type (bytea), the length and lower bound (1) of the one
// dimension, then each element as its length and its bytes (a nil element is NULL,
// length -1, as pgx sends it).
type byteaListPlan struct{}

func (byteaListPlan) Encode(value any, buf []byte) ([]byte, error) {
	l := value.(byteaList)
	if l == nil {
		return nil, nil // NULL, as pgx encodes a nil slice
	}
	n := 20 + 4*len(l)
	var nulls uint32
	for _, v := range l {
		if v == nil {
			nulls = 1
		}
		if len(v) > math.MaxInt32 {
			return nil, fmt.Errorf("a bytea value of %d bytes", len(v))
		}
		n += len(v)
	}
	if len(l) > math.MaxInt32 || n > math.MaxInt32 {
		return nil, fmt.Errorf("a bytea[] of %d values, %d bytes", len(l), n)
	}
	if cap(buf)-len(buf) < n {
		nb := make([]byte, len(buf), len(buf)+n)
		copy(nb, buf)
		buf = nb
	}
	buf = binary.BigEndian.AppendUint32(buf, 1)
	buf = binary.BigEndian.AppendUint32(buf, nulls)
	buf = binary.BigEndian.AppendUint32(buf, pgtype.ByteaOID)
	buf = binary.BigEndian.AppendUint32(buf, uint32(len(l)))
	buf = binary.BigEndian.AppendUint32(buf, 1)
	for _, v := range l {
		if v == nil {
			buf = binary.BigEndian.AppendUint32(buf, math.MaxUint32) // -1
			continue
		}
		buf = binary.BigEndian.AppendUint32(buf, uint32(len(v)))
		buf = append(buf, v...)
	}
	return buf, nil
}

// registerByteaList makes conn encode byteaList with byteaListPlan.
func registerByteaList(_ context.Context, conn *pgx.Conn) error {
	m := conn.TypeMap()
	t, ok := m.TypeForOID(pgtype.ByteaArrayOID)
	if !ok {
		return nil // pgx's own encoding of [][]byte is used
	}
	m.RegisterType(&pgtype.Type{Name: t.Name, OID: t.OID, Codec: byteaListCodec{t.Codec}})
	return nil
}
