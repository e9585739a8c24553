package rules

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsconform/kmsconform/harness/profile"
	"github.com/kmsconform/kmsconform/harness/reference/awserr"
	"github.com/kmsconform/kmsconform/harness/reference/importtoken"
)

// wycheproofFile is the part of a Wycheproof RSA-OAEP decryption file these
// tests read.
type wycheproofFile struct {
	NumberOfTests int `json:"numberOfTests"`
	TestGroups    []struct {
		PrivateKeyPkcs8 string `json:"privateKeyPkcs8"`
		Tests           []struct {
			TcID   int    `json:"tcId"`
			Msg    string `json:"msg"`
			Ct     string `json:"ct"`
			Label  string `json:"label"`
			Result string `json:"result"`
		} `json:"tests"`
	} `json:"testGroups"`
}

// TestWycheproofUnwrap runs the Wycheproof RSA-OAEP decryption vectors
// through the reference's unwrap path (step 11 of ImportKeyMaterial). A
// vector imports only if it is valid and has the empty label AWS uses; every
// other vector — wrong padding, wrong length, a label, a different MGF1 hash
// — is InvalidCiphertextException, the same for all (no padding oracle).
func TestWycheproofUnwrap(t *testing.T) {
	files := []struct {
		name string
		alg  types.AlgorithmSpec
		// mismatched: the file's MGF1 hash is not its label hash, which no
		// KMS wrapping algorithm uses, so no vector may unwrap.
		mismatched bool
	}{
		{"rsa_oaep_2048_sha1_mgf1sha1_test.json", types.AlgorithmSpecRsaesOaepSha1, false},
		{"rsa_oaep_2048_sha256_mgf1sha256_test.json", types.AlgorithmSpecRsaesOaepSha256, false},
		{"rsa_oaep_3072_sha256_mgf1sha256_test.json", types.AlgorithmSpecRsaesOaepSha256, false},
		{"rsa_oaep_4096_sha256_mgf1sha256_test.json", types.AlgorithmSpecRsaesOaepSha256, false},
		{"rsa_oaep_2048_sha256_mgf1sha1_test.json", types.AlgorithmSpecRsaesOaepSha256, true},
	}
	env := testEnv(t, profile.P2025)
	for _, f := range files {
		t.Run(f.name, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("..", "..", "..", "fixtures", "testdata", "wycheproof", f.name))
			if err != nil {
				t.Fatal(err)
			}
			var file wycheproofFile
			if err := json.Unmarshal(raw, &file); err != nil {
				t.Fatal(err)
			}
			ran, accepted := 0, 0
			for _, g := range file.TestGroups {
				der, err := hex.DecodeString(g.PrivateKeyPkcs8)
				if err != nil {
					t.Fatal(err)
				}
				key, err := x509.ParsePKCS8PrivateKey(der)
				if err != nil {
					t.Fatal(err)
				}
				p := importtoken.Parameters{WrappingAlgorithm: f.alg, WrappingKey: key.(*rsa.PrivateKey)}
				for _, v := range g.Tests {
					ran++
					ct, _ := hex.DecodeString(v.Ct)
					got, err := unwrapMaterial(p, ct, env)
					if v.Result == "valid" && v.Label == "" && !f.mismatched {
						want, _ := hex.DecodeString(v.Msg)
						if err != nil || string(got) != string(want) {
							t.Errorf("tcId %d: a valid vector did not unwrap: %v", v.TcID, err)
						}
						accepted++
						continue
					}
					if awserr.CodeOf(err) != awserr.InvalidCiphertext {
						t.Errorf("tcId %d (%s, label %q): %v, want InvalidCiphertextException", v.TcID, v.Result, v.Label, err)
					}
				}
			}
			if ran != file.NumberOfTests || ran == 0 {
				t.Fatalf("ran %d vectors, the file has %d", ran, file.NumberOfTests)
			}
			if accepted == 0 && !f.mismatched {
				t.Fatal("no vector unwrapped")
			}
			t.Logf("%d vectors, %d unwrapped", ran, accepted)
		})
	}
}
