package rules

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"hash"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsconform/kmsconform/fixtures/material"
	"github.com/kmsconform/kmsconform/fixtures/wrap"
	"github.com/kmsconform/kmsconform/fixtures/wycheproof"
	"github.com/kmsconform/kmsconform/harness/profile"
	"github.com/kmsconform/kmsconform/harness/reference/awserr"
	"github.com/kmsconform/kmsconform/harness/reference/importtoken"
)

// The Wycheproof vectors of fixtures/testdata/wycheproof, which
// fixtures/wrap's tests pin by SHA-256, run here through the reference's
// unwrap path (step 11 of ImportKeyMaterial, unwrapMaterial). The counts
// are fixed: a vector file that changes, or a policy that starts accepting
// or refusing more, fails the test instead of passing quietly.

// The policies are package wycheproof's, shared with fixtures/wrap's tests:
// the reference unwraps with fixtures/wrap.Unwrap and must agree with it.

func loadWycheproof(t *testing.T, name string, wantTests int) wycheproof.File {
	t.Helper()
	f, err := wycheproof.Load(name, wantTests)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func expectWycheproof(t *testing.T, policy wycheproof.Policy, v wycheproof.Case) bool {
	t.Helper()
	want, err := policy.Expect(v)
	if err != nil {
		t.Fatal(err)
	}
	return want
}

func wycheproofHash(t *testing.T, name string) crypto.Hash {
	t.Helper()
	h, err := wycheproof.Hash(name)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// unwrapWith runs blob through the reference's unwrap path under a token
// for alg and key: the plaintext, or an error whose code must be
// InvalidCiphertextException whatever the defect (IMP-059: no oracle).
func unwrapWith(t *testing.T, env Env, alg types.AlgorithmSpec, key *rsa.PrivateKey, blob []byte) ([]byte, bool) {
	t.Helper()
	got, err := unwrapMaterial(importtoken.Parameters{WrappingAlgorithm: alg, WrappingKey: key}, blob, env)
	if err != nil {
		if code := awserr.CodeOf(err); code != awserr.InvalidCiphertext {
			t.Errorf("%s: %v (%s), want InvalidCiphertextException", alg, err, code)
		}
		return nil, false
	}
	return got, true
}

// TestWycheproofOAEPUnwrap runs the RSA-OAEP vectors through the reference's
// unwrap path twice: as RSAES_OAEP_SHA_* blobs, and as the RSA part of
// RSA_AES_KEY_WRAP_SHA_* blobs (followed by a KWP wrapping under the AES
// key the vector carries, which unwraps only when that key is 32 bytes:
// AES-256, IMP-037). Files whose MGF1 hash differs from the label hash are
// refused under both hashes: no KMS algorithm mixes them.
func TestWycheproofOAEPUnwrap(t *testing.T) {
	files := []struct {
		name string
		// vectors in the file, unwrapped as RSAES_OAEP, unwrapped as the RSA
		// part of RSA_AES_KEY_WRAP.
		tests, oaep, rsaAES int
	}{
		// Each file with one hash has one valid, unlabelled vector whose
		// message is 32 bytes: the only one that is an AES-256 key.
		{"rsa_oaep_2048_sha1_mgf1sha1_test.json", 36, 10, 1},
		{"rsa_oaep_2048_sha256_mgf1sha1_test.json", 31, 0, 0},
		{"rsa_oaep_2048_sha256_mgf1sha256_test.json", 37, 10, 1},
		{"rsa_oaep_3072_sha256_mgf1sha256_test.json", 37, 10, 1},
		{"rsa_oaep_4096_sha256_mgf1sha256_test.json", 37, 10, 1},
	}
	algs := map[crypto.Hash][2]types.AlgorithmSpec{
		crypto.SHA1:   {types.AlgorithmSpecRsaesOaepSha1, types.AlgorithmSpecRsaAesKeyWrapSha1},
		crypto.SHA256: {types.AlgorithmSpecRsaesOaepSha256, types.AlgorithmSpecRsaAesKeyWrapSha256},
	}
	env := testEnv(t, profile.P2025)
	for _, file := range files {
		t.Run(file.name, func(t *testing.T) {
			f := loadWycheproof(t, file.name, file.tests)
			oaepOK, rsaAESOK := 0, 0
			for _, g := range f.TestGroups {
				labelHash, mgfHash := wycheproofHash(t, g.SHA), wycheproofHash(t, g.MGFSHA)
				parsed, err := x509.ParsePKCS8PrivateKey(g.PrivateKeyPKCS8)
				if err != nil {
					t.Fatal(err)
				}
				key := parsed.(*rsa.PrivateKey)
				hashes := []crypto.Hash{labelHash}
				if mgfHash != labelHash {
					hashes = append(hashes, mgfHash)
				}
				for _, v := range g.Tests {
					want := expectWycheproof(t, wycheproof.OAEP, v) && mgfHash == labelHash
					for _, h := range hashes {
						oaep, rsaAES := algs[h][0], algs[h][1]
						got, ok := unwrapWith(t, env, oaep, key, v.CT)
						switch {
						case ok != want:
							t.Errorf("tcId %d (%s, %v) as %s: unwrapped %v, want %v", v.TcID, v.Comment, v.Flags, oaep, ok, want)
						case ok && !bytes.Equal(got, v.Msg):
							t.Errorf("tcId %d as %s: unwrapped %x, want %x", v.TcID, oaep, got, v.Msg)
						case ok:
							oaepOK++
						}

						aesKey := []byte(v.Msg)
						if len(aesKey) != wrap.AESKeySize {
							aesKey = bytes.Repeat([]byte{7}, wrap.AESKeySize)
						}
						kwp, err := wrap.WrapKWP(aesKey, []byte("probe material"))
						if err != nil {
							t.Fatal(err)
						}
						wantAES := want && len(v.Msg) == wrap.AESKeySize
						got, ok = unwrapWith(t, env, rsaAES, key, append(bytes.Clone(v.CT), kwp...))
						switch {
						case ok != wantAES:
							t.Errorf("tcId %d (%s, %v) as the RSA part of %s: unwrapped %v, want %v", v.TcID, v.Comment, v.Flags, rsaAES, ok, wantAES)
						case ok && string(got) != "probe material":
							t.Errorf("tcId %d as %s: unwrapped %q", v.TcID, rsaAES, got)
						case ok:
							rsaAESOK++
						}
					}
				}
			}
			if oaepOK != file.oaep || rsaAESOK != file.rsaAES {
				t.Fatalf("unwrapped %d as RSAES_OAEP and %d as RSA_AES_KEY_WRAP; want %d and %d", oaepOK, rsaAESOK, file.oaep, file.rsaAES)
			}
		})
	}
}

// TestWycheproofKWPUnwrap runs the AES-KWP vectors through the reference's
// unwrap path as the AES part of RSA_AES_KEY_WRAP_SHA_1 and _SHA_256
// blobs: the vector's AES key, OAEP-encrypted under a test wrapping key,
// then the vector's ciphertext. A vector unwraps when Wycheproof's verdict
// (under wycheproof.KWP) accepts it and its key is 256 bits, the only AES key
// size AWS's construction uses (IMP-037); 128- and 192-bit keys are refused
// whatever their ciphertext.
func TestWycheproofKWPUnwrap(t *testing.T) {
	const tests, perAlg = 254, 25 // 25: the accepted vectors with 256-bit keys
	keys, err := material.TestRSAKeys(2048)
	if err != nil {
		t.Fatal(err)
	}
	key := keys[0]
	env := testEnv(t, profile.P2025)
	f := loadWycheproof(t, "aes_kwp_test.json", tests)
	for _, c := range []struct {
		alg     types.AlgorithmSpec
		newHash func() hash.Hash
	}{
		{types.AlgorithmSpecRsaAesKeyWrapSha1, sha1.New},
		{types.AlgorithmSpecRsaAesKeyWrapSha256, sha256.New},
	} {
		t.Run(string(c.alg), func(t *testing.T) {
			ran, unwrapped := 0, 0
			for _, g := range f.TestGroups {
				for _, v := range g.Tests {
					ran++
					want := expectWycheproof(t, wycheproof.KWP, v) && len(v.Key) == wrap.AESKeySize
					rsaPart, err := rsa.EncryptOAEP(c.newHash(), rand.Reader, &key.PublicKey, v.Key, nil)
					if err != nil {
						t.Fatal(err)
					}
					got, ok := unwrapWith(t, env, c.alg, key, append(rsaPart, v.CT...))
					switch {
					case ok != want:
						t.Errorf("tcId %d (%s, %v, %d-bit key): unwrapped %v, want %v", v.TcID, v.Comment, v.Flags, 8*len(v.Key), ok, want)
					case ok && !bytes.Equal(got, v.Msg):
						t.Errorf("tcId %d: unwrapped %x, want %x", v.TcID, got, v.Msg)
					case ok:
						unwrapped++
					}
				}
			}
			if ran != tests || unwrapped != perAlg {
				t.Fatalf("ran %d vectors and unwrapped %d; want %d and %d", ran, unwrapped, tests, perAlg)
			}
		})
	}
}
