package reference_test

import (
	"context"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsconform/kmsconform/fixtures/material"
	"github.com/kmsconform/kmsconform/fixtures/wrap"
	"github.com/kmsconform/kmsconform/harness/profile"
	"github.com/kmsconform/kmsconform/harness/reference"
	"github.com/kmsconform/kmsconform/harness/reference/wrappool"
)

// benchServer is a 2025 server with its own production pool, over loopback
// HTTP.
func benchServer(b *testing.B) (*kms.Client, *wrappool.Pool) {
	b.Helper()
	pool, err := wrappool.New(wrappool.DefaultSizes())
	if err != nil {
		b.Fatal(err)
	}
	srv, err := reference.New(reference.Options{Profile: profile.P2025, WrappingKeys: pool})
	if err != nil {
		b.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	b.Cleanup(func() { hs.Close(); srv.Close(); pool.Close() })
	waitFull(b, pool)
	return newClient(hs.URL), pool
}

// waitFull waits, off the clock, until the pool is full and its generator
// idle: the steady state of a server that is not asked for key pairs faster
// than it makes them.
func waitFull(b *testing.B, pool *wrappool.Pool) {
	b.StopTimer()
	for !pool.Full() {
		time.Sleep(time.Millisecond)
	}
	b.StartTimer()
}

// BenchmarkGetParametersForImport measures GetParametersForImport per
// wrapping key spec over loopback HTTP. "ready": the pool is full before
// each call, the steady state of a server asked for key pairs more slowly
// than it makes them; the request path does no key generation. "sustained":
// calls back to back, so the pool runs dry and the rate is that of the
// background generation (every response needs its own key pair).
func BenchmarkGetParametersForImport(b *testing.B) {
	for _, spec := range []types.WrappingKeySpec{types.WrappingKeySpecRsa2048, types.WrappingKeySpecRsa3072, types.WrappingKeySpecRsa4096} {
		for _, mode := range []string{"ready", "sustained"} {
			b.Run(string(spec)+"/"+mode, func(b *testing.B) {
				c, pool := benchServer(b)
				ctx := context.Background()
				key, err := c.CreateKey(ctx, &kms.CreateKeyInput{Origin: types.OriginTypeExternal})
				if err != nil {
					b.Fatal(err)
				}
				in := &kms.GetParametersForImportInput{KeyId: key.KeyMetadata.KeyId, WrappingAlgorithm: types.AlgorithmSpecRsaesOaepSha256, WrappingKeySpec: spec}
				var lat latencies
				for b.Loop() {
					if mode == "ready" {
						waitFull(b, pool)
					}
					t0 := time.Now()
					if _, err := c.GetParametersForImport(ctx, in); err != nil {
						b.Fatal(err)
					}
					lat = append(lat, time.Since(t0))
				}
				lat.report(b)
			})
		}
	}
}

// BenchmarkImportKeyMaterial measures a whole import over loopback HTTP:
// GetParametersForImport, wrapping on the client, ImportKeyMaterial, with the
// pool full before each round trip.
func BenchmarkImportKeyMaterial(b *testing.B) {
	for _, spec := range []types.WrappingKeySpec{types.WrappingKeySpecRsa2048, types.WrappingKeySpecRsa3072, types.WrappingKeySpecRsa4096} {
		b.Run(string(spec), func(b *testing.B) {
			c, pool := benchServer(b)
			ctx := context.Background()
			key, err := c.CreateKey(ctx, &kms.CreateKeyInput{Origin: types.OriginTypeExternal})
			if err != nil {
				b.Fatal(err)
			}
			id := key.KeyMetadata.KeyId
			m, err := material.New(types.KeySpecSymmetricDefault)
			if err != nil {
				b.Fatal(err)
			}
			var lat latencies
			for b.Loop() {
				waitFull(b, pool)
				t0 := time.Now()
				p, err := c.GetParametersForImport(ctx, &kms.GetParametersForImportInput{KeyId: id, WrappingAlgorithm: types.AlgorithmSpecRsaesOaepSha256, WrappingKeySpec: spec})
				if err != nil {
					b.Fatal(err)
				}
				blob, err := wrap.Wrap(types.AlgorithmSpecRsaesOaepSha256, p.PublicKey, m.Bytes)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := c.ImportKeyMaterial(ctx, &kms.ImportKeyMaterialInput{
					KeyId: id, ImportToken: p.ImportToken, EncryptedKeyMaterial: blob,
					ExpirationModel: types.ExpirationModelTypeKeyMaterialDoesNotExpire,
				}); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t0))
			}
			lat.report(b)
		})
	}
}

// latencies reports the fastest and the median call besides the mean:
// client, server and key generator share this process's CPUs, so a call
// that meets the refill of the key pair it just took waits for a CPU; the
// fastest call is the request path alone.
type latencies []time.Duration

func (l latencies) report(b *testing.B) {
	if len(l) == 0 {
		return
	}
	slices.Sort(l)
	b.ReportMetric(float64(l[0].Nanoseconds()), "min-ns/op")
	b.ReportMetric(float64(l[len(l)/2].Nanoseconds()), "p50-ns/op")
}

// BenchmarkEncrypt is a symmetric Encrypt round trip, for comparison: the
// cost of the protocol and HTTP alone.
func BenchmarkEncrypt(b *testing.B) {
	c, _ := benchServer(b)
	ctx := context.Background()
	key, err := c.CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		b.Fatal(err)
	}
	in := &kms.EncryptInput{KeyId: key.KeyMetadata.KeyId, Plaintext: make([]byte, 1024), EncryptionContext: map[string]string{"a": "b"}}
	for b.Loop() {
		if _, err := c.Encrypt(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
}
