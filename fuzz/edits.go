package fuzz

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strings"
)

// maxBlob is the longest ImportToken and EncryptedKeyMaterial the API model
// allows (IMP-047).
const maxBlob = 6144

// editKind is one way of changing a byte string (a wrapped key or a token).
// Every edit changes the bytes it applies to, the same way in both worlds:
// the oracle's and the target's versions are equally long (same wrapping key
// size, same material), and edits act by position and XOR, never by setting
// a value a byte may already have.
type editKind byte

const (
	editFlipBit   editKind = iota // flip one bit
	editXORByte                   // XOR one byte with a non-zero value
	editTruncate                  // keep a prefix
	editAppend                    // append bytes
	editDelete                    // delete a run of bytes
	editInsert                    // insert bytes
	editSwapParts                 // move the first part behind the rest (RSA_AES_KEY_WRAP: the RSA block behind the key wrap)
	editReplace                   // replace every byte, keeping the length
	editEmpty                     // remove every byte
	editOversize                  // pad with zeros to one byte over the model's limit
	editDouble                    // repeat the whole
	editKinds
)

// edit is one decoded edit.
type edit struct {
	kind editKind
	pos  int    // a position, taken modulo the length
	arg  byte   // the bit, the XOR value, or the run length - 1
	data []byte // inserted or appended bytes
}

// maxEdits bounds the edits of one input.
const maxEdits = 3

func decodeEdits(src *source) []edit {
	n := src.choose(maxEdits + 1)
	out := make([]edit, 0, n)
	for range n {
		e := edit{kind: editKind(src.choose(int(editKinds))), pos: src.uint16(), arg: src.byte()}
		if e.kind == editAppend || e.kind == editInsert {
			e.data = fill(src.take(int(e.arg)+1), int(e.arg)+1)
		}
		out = append(out, e)
	}
	return out
}

func encodeEdits(enc *encoder, edits []edit) {
	enc.byte(byte(len(edits)))
	for _, e := range edits {
		enc.byte(byte(e.kind))
		enc.uint16(e.pos)
		enc.byte(e.arg)
		if e.kind == editAppend || e.kind == editInsert {
			enc.bytes(e.data)
		}
	}
}

// fill returns n bytes: b, continued by a SHA-256 counter stream seeded with
// b, so that a short input still gives varied bytes and the same input
// always gives the same ones.
func fill(b []byte, n int) []byte {
	out := make([]byte, 0, n)
	out = append(out, b[:min(len(b), n)]...)
	seed := sha256.Sum256(b)
	for counter := uint32(0); len(out) < n; counter++ {
		var block [36]byte
		copy(block[:], seed[:])
		binary.BigEndian.PutUint32(block[32:], counter)
		sum := sha256.Sum256(block[:])
		out = append(out, sum[:min(len(sum), n-len(out))]...)
	}
	return out
}

// applyEdits applies edits to b in order; split is where editSwapParts cuts
// (the wrapping key's modulus size for a wrapped key; half the length when 0
// or not inside b). It returns the result and a description of each edit as
// applied.
func applyEdits(b []byte, edits []edit, split int) ([]byte, []string) {
	out := append([]byte(nil), b...)
	var what []string
	for _, e := range edits {
		var d string
		out, d = e.apply(out, split)
		what = append(what, d)
	}
	return out, what
}

func (e edit) apply(b []byte, split int) ([]byte, string) {
	n := len(b)
	switch e.kind {
	case editFlipBit:
		if n == 0 {
			return b, "flip a bit (nothing to flip)"
		}
		p := e.pos % n
		b[p] ^= 1 << (e.arg % 8)
		return b, fmt.Sprintf("flip bit %d of byte %d", e.arg%8, p)
	case editXORByte:
		if n == 0 {
			return b, "XOR a byte (nothing to XOR)"
		}
		p, v := e.pos%n, e.arg
		if v == 0 {
			v = 0xff
		}
		b[p] ^= v
		return b, fmt.Sprintf("XOR byte %d with %#02x", p, v)
	case editTruncate:
		if n == 0 {
			return b, "truncate (already empty)"
		}
		p := e.pos % n
		return b[:p], fmt.Sprintf("truncate to %d bytes", p)
	case editAppend:
		return append(b, e.data...), fmt.Sprintf("append %d bytes", len(e.data))
	case editDelete:
		if n == 0 {
			return b, "delete (already empty)"
		}
		p := e.pos % n
		end := min(n, p+int(e.arg)+1)
		return append(b[:p], b[end:]...), fmt.Sprintf("delete bytes %d..%d", p, end-1)
	case editInsert:
		p := e.pos % (n + 1)
		out := append(append(append([]byte(nil), b[:p]...), e.data...), b[p:]...)
		return out, fmt.Sprintf("insert %d bytes at %d", len(e.data), p)
	case editSwapParts:
		if n < 2 {
			return b, "swap parts (too short)"
		}
		cut := split
		if cut <= 0 || cut >= n {
			cut = n / 2
		}
		return append(append([]byte(nil), b[cut:]...), b[:cut]...), fmt.Sprintf("move the first %d bytes behind the other %d", cut, n-cut)
	case editReplace:
		return fill([]byte{e.arg, byte(e.pos >> 8), byte(e.pos)}, n), fmt.Sprintf("replace all %d bytes with others", n)
	case editEmpty:
		return []byte{}, "remove every byte"
	case editOversize:
		if n > maxBlob {
			return b, "pad past the limit (already past it)"
		}
		return append(b, make([]byte, maxBlob+1-n)...), fmt.Sprintf("pad with zeros to %d bytes, over the limit of %d", maxBlob+1, maxBlob)
	case editDouble:
		return append(b, b...), "repeat the whole"
	}
	return b, "no edit"
}

// editRules are the rules a changed wrapped key exercises.
func editRules(edits []edit) []string {
	ids := []string{"IMP-059", "IMP-038"}
	for _, e := range edits {
		switch e.kind {
		case editEmpty, editOversize:
			ids = append(ids, "IMP-047")
		case editSwapParts:
			ids = append(ids, "IMP-037")
		}
	}
	return ids
}

func describeEdits(what []string) string {
	if len(what) == 0 {
		return "unchanged"
	}
	return strings.Join(what, ", then ")
}
