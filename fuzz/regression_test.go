package fuzz

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsconform/kmsconform/fixtures/wrap"
	"github.com/kmsconform/kmsconform/harness/reference/awserr"
	"github.com/kmsconform/kmsconform/harness/reference/kmsapi"
)

// Regression tests for what the fuzzers found, one per finding, against
// the session's target (the embedded reference by default). Each names the
// corpus input that found it.

// TestRSABlockShorterThanModulusIsRejected: EncryptedKeyMaterial whose
// RSAES block is one byte shorter than the wrapping key's modulus (a correct
// wrapping that happened to start with a zero byte, that byte dropped) must
// be refused with InvalidCiphertextException (IMP-059): RFC 8017 7.1.2 step
// 1.b and 7.2.2 step 1 make a ciphertext that is not k octets long a
// decryption error. Found by FuzzImportEncryptedKeyMaterial
// (testdata/fuzz/FuzzImportEncryptedKeyMaterial/found-rsa-block-first-byte-deleted:
// "delete bytes 0..0" of an RSAES_OAEP_SHA_1 wrapping, profile 2023). The
// reference accepts such a block: fixtures/wrap.Unwrap hands it to
// crypto/rsa, which reads it as the same number.
func TestRSABlockShorterThanModulusIsRejected(t *testing.T) {
	s := sharedSession(t)
	s.mu.Lock()
	defer s.mu.Unlock()
	ctx := context.Background()
	sl, err := s.slot(ctx, slotID{types.KeySpecSymmetricDefault, bound})
	if err != nil {
		t.Fatal(err)
	}
	for _, alg := range []types.AlgorithmSpec{types.AlgorithmSpecRsaesOaepSha256, types.AlgorithmSpecRsaesOaepSha1, types.AlgorithmSpecRsaesPkcs1V15} {
		c := combo{alg, types.WrappingKeySpecRsa2048}
		if !containsCombo(s.combos[types.KeySpecSymmetricDefault], c) {
			continue
		}
		t.Run(string(alg), func(t *testing.T) {
			if err := s.params(ctx, sl, c); err != nil {
				t.Fatal(err)
			}
			p := sl.target.params[c][latest]
			blob := wrappingWithLeadingZero(t, alg, p.publicKey, sl.material.Bytes)
			never := types.ExpirationModelTypeKeyMaterialDoesNotExpire
			in := kmsapi.ImportKeyMaterialInput{KeyId: &sl.target.id, ImportToken: p.token, EncryptedKeyMaterial: blob[1:], ExpirationModel: &never}
			a := s.target.call(ctx, "ImportKeyMaterial", &in, nil)
			if !a.ClientError() || a.Code != string(awserr.InvalidCiphertext) {
				t.Errorf("IMP-059: %s answered %s to ImportKeyMaterial with an RSA block (%s) of %d bytes under a %d-byte modulus (a correct wrapping without its leading zero byte); want InvalidCiphertextException, since a ciphertext that is not as long as the modulus is a decryption error (RFC 8017 7.1.2 step 1.b, 7.2.2 step 1)",
					s.TargetName(), a, alg, len(blob)-1, len(blob))
			}
		})
	}
}

// wrappingWithLeadingZero wraps material again and again until the RSA
// block starts with a zero byte (about one wrapping in 200).
func wrappingWithLeadingZero(t *testing.T, alg types.AlgorithmSpec, publicKey, material []byte) []byte {
	t.Helper()
	for range 20000 {
		blob, err := wrap.Wrap(alg, publicKey, material)
		if err != nil {
			t.Fatal(err)
		}
		if blob[0] == 0 {
			return blob
		}
	}
	t.Fatal("no wrapping with a leading zero byte in 20000 tries")
	return nil
}

func containsCombo(list []combo, c combo) bool {
	for _, x := range list {
		if x == c {
			return true
		}
	}
	return false
}
