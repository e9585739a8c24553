package ciphertext

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

var (
	secretA = bytes.Repeat([]byte{1}, 32)
	secretB = bytes.Repeat([]byte{2}, 32)
	header  = Header{KeyID: "1234abcd-12ab-34cd-56ef-1234567890ab", MaterialID: strings.Repeat("ab", 32)}
)

func TestRoundTrip(t *testing.T) {
	ctx := map[string]string{"purpose": "test", "a": ""}
	blob, err := Seal(secretA, header, ctx, []byte("hello"))
	if err != nil {
		t.Fatal(err)
	}
	if len(blob) != Overhead(len(header.KeyID))+len("hello") {
		t.Fatalf("blob is %d bytes, want %d", len(blob), Overhead(len(header.KeyID))+5)
	}
	h, err := Parse(blob)
	if err != nil || h != header {
		t.Fatalf("Parse = %+v, %v; want %+v", h, err, header)
	}
	got, err := Open(secretA, blob, ctx)
	if err != nil || string(got) != "hello" {
		t.Fatalf("Open = %q, %v", got, err)
	}
}

// The header names the key and material and is authenticated: a blob whose
// header is rewritten to name another key does not open, even under the same
// secret (IMP-139).
func TestHeaderIsAuthenticated(t *testing.T) {
	blob, err := Seal(secretA, header, nil, []byte("hello"))
	if err != nil {
		t.Fatal(err)
	}
	other := Header{KeyID: "1234abcd-12ab-34cd-56ef-1234567890ac", MaterialID: header.MaterialID}
	forged, err := Seal(secretA, other, nil, []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	n := 2 + len(header.KeyID)
	spliced := append(append([]byte(nil), forged[:n]...), blob[n:]...)
	if _, err := Open(secretA, spliced, nil); !errors.Is(err, ErrAuthentication) {
		t.Fatalf("Open of a blob with a swapped key ID: %v, want ErrAuthentication", err)
	}
}

func TestOpenFailures(t *testing.T) {
	blob, err := Seal(secretA, header, map[string]string{"k": "v"}, []byte("hello"))
	if err != nil {
		t.Fatal(err)
	}
	flipped := append([]byte(nil), blob...)
	flipped[len(flipped)-1] ^= 1
	cases := []struct {
		name    string
		secret  []byte
		blob    []byte
		context map[string]string
		want    error
	}{
		{"other secret", secretB, blob, map[string]string{"k": "v"}, ErrAuthentication},
		{"other context", secretA, blob, map[string]string{"k": "w"}, ErrAuthentication},
		{"no context", secretA, blob, nil, ErrAuthentication},
		{"flipped tag", secretA, flipped, map[string]string{"k": "v"}, ErrAuthentication},
		{"truncated", secretA, blob[:len(blob)-20], map[string]string{"k": "v"}, ErrMalformed},
		{"empty", secretA, nil, nil, ErrMalformed},
		{"wrong version", secretA, append([]byte{9}, blob[1:]...), map[string]string{"k": "v"}, ErrMalformed},
		{"zero-length key ID", secretA, append([]byte{1, 0}, blob[2:]...), nil, ErrMalformed},
	}
	for _, c := range cases {
		if _, err := Open(c.secret, c.blob, c.context); !errors.Is(err, c.want) {
			t.Errorf("%s: Open error %v, want %v", c.name, err, c.want)
		}
	}
}

// Contexts that concatenate alike must still differ.
func TestContextEncodingIsUnambiguous(t *testing.T) {
	blob, err := Seal(secretA, header, map[string]string{"ab": "c"}, []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(secretA, blob, map[string]string{"a": "bc"}); err == nil {
		t.Fatal("a blob sealed with {ab:c} opened with {a:bc}")
	}
}

// FuzzOpen: no input makes Open panic, and only the sealed blob opens.
func FuzzOpen(f *testing.F) {
	blob, err := Seal(secretA, header, nil, []byte("seed"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(blob)
	f.Add([]byte{1, 200})
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, err := Open(secretA, b, nil); err == nil && !bytes.Equal(b, blob) {
			t.Fatalf("a blob that was not sealed opened: %x", b)
		}
	})
}
