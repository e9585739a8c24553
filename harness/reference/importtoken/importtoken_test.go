package importtoken

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsconform/kmsconform/fixtures/material"
)

func testParameters(t *testing.T) Parameters {
	t.Helper()
	keys, err := material.TestRSAKeys(2048)
	if err != nil {
		t.Fatal(err)
	}
	return Parameters{
		KeyARN:            "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
		Sequence:          3,
		WrappingAlgorithm: types.AlgorithmSpecRsaesOaepSha256,
		WrappingKeySpec:   types.WrappingKeySpecRsa2048,
		ValidTo:           time.Date(2025, 6, 6, 12, 0, 0, 123000000, time.UTC),
		WrappingKey:       keys[0],
	}
}

func newSealer(t *testing.T) *Sealer {
	t.Helper()
	s, err := NewSealer()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestRoundTrip(t *testing.T) {
	s := newSealer(t)
	p := testParameters(t)
	token, err := s.Issue(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(token) > 6144 {
		t.Fatalf("token is %d bytes, more than AWS's 6144 (IMP-011)", len(token))
	}
	got, ok := s.Open(token)
	if !ok {
		t.Fatal("Open refused its own token")
	}
	if got.KeyARN != p.KeyARN || got.Sequence != p.Sequence || got.WrappingAlgorithm != p.WrappingAlgorithm ||
		got.WrappingKeySpec != p.WrappingKeySpec || !got.ValidTo.Equal(p.ValidTo) || !got.WrappingKey.Equal(p.WrappingKey) {
		t.Fatalf("Open = %+v, want %+v", got, p)
	}
}

// Two tokens for the same parameters differ (fresh nonce), and each opens.
func TestTokensAreUnique(t *testing.T) {
	s := newSealer(t)
	p := testParameters(t)
	a, _ := s.Issue(p)
	b, _ := s.Issue(p)
	if string(a) == string(b) {
		t.Fatal("two tokens are identical")
	}
}

// IMP-057: garbage, altered tokens and tokens of another server do not open.
func TestForgedTokensDoNotOpen(t *testing.T) {
	s := newSealer(t)
	token, err := s.Issue(testParameters(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := newSealer(t).Open(token); ok {
		t.Error("a token opened on another server")
	}
	for _, bad := range [][]byte{nil, {}, {1}, make([]byte, 64), []byte("not a token at all")} {
		if _, ok := s.Open(bad); ok {
			t.Errorf("garbage %q opened", bad)
		}
	}
	for i := range token {
		altered := append([]byte(nil), token...)
		altered[i] ^= 0x40
		if _, ok := s.Open(altered); ok {
			t.Fatalf("a token altered at byte %d opened", i)
		}
	}
	if _, ok := s.Open(token[:len(token)-1]); ok {
		t.Error("a truncated token opened")
	}
}

func FuzzOpen(f *testing.F) {
	s, err := NewSealer()
	if err != nil {
		f.Fatal(err)
	}
	keys, _ := material.TestRSAKeys(2048)
	token, _ := s.Issue(Parameters{KeyARN: "k", WrappingKey: keys[0]})
	f.Add(token)
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, b []byte) {
		if p, ok := s.Open(b); ok && string(b) != string(token) {
			t.Fatalf("a token that was not issued opened: %+v", p)
		}
	})
}
