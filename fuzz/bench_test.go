package fuzz

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsconform/kmsconform/fixtures/material"
	"github.com/kmsconform/kmsconform/harness/config"
	"github.com/kmsconform/kmsconform/harness/profile"
	"github.com/kmsconform/kmsconform/harness/reference/wrappool"
)

// BenchmarkImportEncryptedKeyMaterial runs the body of
// FuzzImportEncryptedKeyMaterial against the embedded reference (profile
// 2023, for every wrapping key size), for a symmetric key with
// RSAES_OAEP_SHA_256 wrapping: an intact wrapping (the import succeeds) and
// one with a flipped bit (it is refused). Besides ns/op it reports
// executions per second, the rate one RSA-OAEP decryption of that key size
// allows (rsa-limit/s, measured in the same process), and their ratio. An
// execution cannot avoid the target's decryption; the oracle's own
// decryption runs at the same time, on another core when there is one.
func BenchmarkImportEncryptedKeyMaterial(b *testing.B) {
	s := benchmarkSession(b)
	symmetric := slices.Index(s.specs, types.KeySpecSymmetricDefault)
	for _, spec := range []types.WrappingKeySpec{types.WrappingKeySpecRsa2048, types.WrappingKeySpecRsa3072, types.WrappingKeySpecRsa4096} {
		c := slices.Index(s.combos[types.KeySpecSymmetricDefault], combo{types.AlgorithmSpecRsaesOaepSha256, spec})
		if symmetric < 0 || c < 0 {
			b.Fatalf("profile %s does not import SYMMETRIC_DEFAULT with RSAES_OAEP_SHA_256/%s", s.Profile(), spec)
		}
		limit := decryptionsPerSecond(b, spec)
		for _, variant := range []struct {
			name  string
			edits []edit
		}{{"intact", nil}, {"corrupted", []edit{{kind: editFlipBit, pos: 77, arg: 2}}}} {
			data := encryptedInput{keySpec: byte(symmetric), role: bound, combo: byte(c), edits: variant.edits}.encode()
			b.Run(string(spec)+"/"+variant.name, func(b *testing.B) {
				ctx := context.Background()
				// The first execution makes the key and its parameters.
				if r := s.RunEncryptedKeyMaterial(ctx, data); r.Failed() {
					b.Fatal(r.Report())
				}
				for b.Loop() {
					if r := s.RunEncryptedKeyMaterial(ctx, data); r.Failed() {
						b.Fatal(r.Report())
					}
				}
				execs := float64(b.N) / b.Elapsed().Seconds()
				b.ReportMetric(execs, "execs/s")
				b.ReportMetric(limit, "rsa-limit/s")
				b.ReportMetric(execs/limit, "ratio")
			})
		}
	}
}

// BenchmarkDecryptOAEP is the RSA-OAEP private-key operation every
// ImportKeyMaterial costs the target, per wrapping key size.
func BenchmarkDecryptOAEP(b *testing.B) {
	for _, spec := range []types.WrappingKeySpec{types.WrappingKeySpecRsa2048, types.WrappingKeySpecRsa3072, types.WrappingKeySpecRsa4096} {
		key, ciphertext := oaepFixture(b, spec)
		b.Run(string(spec), func(b *testing.B) {
			for b.Loop() {
				if _, err := rsa.DecryptOAEP(sha256.New(), nil, key, ciphertext, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// decryptionsPerSecond measures how many RSA-OAEP decryptions of the key
// size one core does per second, over half a second of them.
// (testing.Benchmark cannot be called inside a running benchmark.)
func decryptionsPerSecond(b *testing.B, spec types.WrappingKeySpec) float64 {
	key, ciphertext := oaepFixture(b, spec)
	start, n := time.Now(), 0
	for time.Since(start) < 500*time.Millisecond {
		if _, err := rsa.DecryptOAEP(sha256.New(), nil, key, ciphertext, nil); err != nil {
			b.Fatal(err)
		}
		n++
	}
	return float64(n) / time.Since(start).Seconds()
}

func oaepFixture(b *testing.B, spec types.WrappingKeySpec) (*rsa.PrivateKey, []byte) {
	bits, ok := wrappool.ModulusBits(spec)
	if !ok {
		b.Fatalf("no RSA modulus for wrapping key spec %s", spec)
	}
	keys, err := material.TestRSAKeys(bits)
	if err != nil {
		b.Fatal(err)
	}
	ciphertext, err := rsa.EncryptOAEP(sha256.New(), rand.Reader, &keys[0].PublicKey, make([]byte, material.SymmetricLength), nil)
	if err != nil {
		b.Fatal(err)
	}
	return keys[0], ciphertext
}

// benchmarkSession is a session with the embedded reference of profile
// 2023, whatever the environment names.
func benchmarkSession(b *testing.B) *Session {
	cfg, err := config.Resolve(config.Flags{Profile: string(profile.P2023)}, func(string) string { return "" })
	if err != nil {
		b.Fatal(err)
	}
	s, err := Start(context.Background(), Options{Config: cfg})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close(context.Background()) })
	return s
}
