package reference_test

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsconform/kmsconform/harness/profile"
)

func (k *kmsTest) gpfi(keyID string, alg types.AlgorithmSpec, spec types.WrappingKeySpec) error {
	_, err := k.c.GetParametersForImport(k.ctx, &kms.GetParametersForImportInput{KeyId: &keyID, WrappingAlgorithm: alg, WrappingKeySpec: spec})
	return err
}

func wrappingKeySpecs(p profile.Profile) []types.WrappingKeySpec {
	if p == profile.P2022 {
		return []types.WrappingKeySpec{types.WrappingKeySpecRsa2048}
	}
	return []types.WrappingKeySpec{types.WrappingKeySpecRsa2048, types.WrappingKeySpecRsa3072, types.WrappingKeySpecRsa4096}
}

func TestParametersRules(t *testing.T) {
	const sym = types.KeySpecSymmetricDefault
	const oaep256, rsa2048 = types.AlgorithmSpecRsaesOaepSha256, types.WrappingKeySpecRsa2048
	runRules(t, []ruleTest{
		{"IMP-010", "alias and over-long KeyId", all, func(k *kmsTest) {
			wantCode(k.t, k.gpfi("alias/my-key", oaep256, rsa2048), "NotFoundException")
			wantCode(k.t, k.gpfi("arn:aws:kms:us-east-1:111122223333:alias/my-key", oaep256, rsa2048), "NotFoundException")
			wantCode(k.t, k.gpfi(strings.Repeat("a", 2049), oaep256, rsa2048), "ValidationException")
		}},
		{"IMP-011", "response has the key ARN, token, public key and expiry", all, func(k *kmsTest) {
			id := k.external(sym)
			p := k.params(id, oaep256, rsa2048)
			if *p.KeyId != k.arn(id) || len(p.ImportToken) == 0 || len(p.ImportToken) > 6144 || len(p.PublicKey) == 0 || p.ParametersValidTo == nil {
				k.t.Fatalf("response %+v", p)
			}
			// A key ARN in the request works as well as a key ID.
			k.params(k.arn(id), oaep256, rsa2048)
		}},
		{"IMP-012", "parameters are valid for 24 hours", all, func(k *kmsTest) {
			p := k.params(k.external(sym), oaep256, rsa2048)
			if want := start.Add(24 * time.Hour); !p.ParametersValidTo.Equal(want) {
				k.t.Fatalf("ParametersValidTo = %v, want %v", p.ParametersValidTo, want)
			}
		}},
		{"IMP-013", "public key is a DER SubjectPublicKeyInfo of the spec's size", all, func(k *kmsTest) {
			id := k.external(sym)
			for _, spec := range wrappingKeySpecs(k.profile) {
				p := k.params(id, oaep256, spec)
				pub, err := x509.ParsePKIXPublicKey(p.PublicKey)
				if err != nil {
					k.t.Fatal(err)
				}
				if bits := pub.(*rsa.PublicKey).N.BitLen(); "RSA_"+itoa(bits) != string(spec) {
					k.t.Fatalf("%s public key has %d bits", spec, bits)
				}
			}
		}},
		{"IMP-018", "each call returns a new key pair and token; earlier ones stay usable", all, func(k *kmsTest) {
			k = newKMSWithPool(k.t, k.profile) // distinct key pairs are the point
			id := k.external(sym)
			m := newMaterial(k.t, sym)
			first := k.params(id, oaep256, rsa2048)
			second := k.params(id, types.AlgorithmSpecRsaesOaepSha1, rsa2048)
			if bytes.Equal(first.PublicKey, second.PublicKey) || bytes.Equal(first.ImportToken, second.ImportToken) {
				k.t.Fatal("two responses share a public key or token")
			}
			for _, p := range []*kms.GetParametersForImportOutput{first, second, first} {
				alg := oaep256
				if p == second {
					alg = types.AlgorithmSpecRsaesOaepSha1
				}
				_, err := k.c.ImportKeyMaterial(k.ctx, &kms.ImportKeyMaterialInput{
					KeyId: &id, ImportToken: p.ImportToken, EncryptedKeyMaterial: wrapped(k.t, alg, p.PublicKey, m.Bytes),
					ExpirationModel: types.ExpirationModelTypeKeyMaterialDoesNotExpire,
				})
				wantOK(k.t, err)
			}
		}},
		{"IMP-019", "unknown key and malformed ARN", all, func(k *kmsTest) {
			wantCode(k.t, k.gpfi("1234abcd-12ab-34cd-56ef-1234567890ab", oaep256, rsa2048), "NotFoundException")
			wantCode(k.t, k.gpfi("arn:aws:kms:us-east-1:111122223333:notakey/x", oaep256, rsa2048), "InvalidArnException")
			wantCode(k.t, k.gpfi("arn:aws:kms", oaep256, rsa2048), "InvalidArnException")
		}},
		{"IMP-020", "allowed in PendingImport, Enabled and Disabled, not pending deletion", all, func(k *kmsTest) {
			id := k.external(sym)
			wantOK(k.t, k.gpfi(id, oaep256, rsa2048))
			k.mustImport(id, newMaterial(k.t, sym))
			wantOK(k.t, k.gpfi(id, oaep256, rsa2048))
			k.disable(id)
			wantOK(k.t, k.gpfi(id, oaep256, rsa2048))
			k.scheduleDeletion(id)
			err := k.gpfi(id, oaep256, rsa2048)
			wantCode(k.t, err, "KMSInvalidStateException")
			if want := k.arn(id) + " is pending deletion."; errorMessage(err) != want {
				k.t.Fatalf("message %q, want %q", errorMessage(err), want)
			}
		}},
		{"IMP-021", "RSA_3072 and RSA_4096 wrapping keys are not in the 2022 enum", only2022, func(k *kmsTest) {
			id := k.external(sym)
			for _, spec := range []types.WrappingKeySpec{types.WrappingKeySpecRsa3072, types.WrappingKeySpecRsa4096, types.WrappingKeySpecSm2} {
				wantCode(k.t, k.gpfi(id, oaep256, spec), "ValidationException")
			}
		}},
		{"IMP-021", "RSA wrapping keys of all sizes; SM2 only in China", since2023, func(k *kmsTest) {
			id := k.external(sym)
			for _, spec := range wrappingKeySpecs(k.profile) {
				wantOK(k.t, k.gpfi(id, oaep256, spec))
			}
			wantCode(k.t, k.gpfi(id, types.AlgorithmSpecSm2pke, types.WrappingKeySpecSm2), "UnsupportedOperationException")
		}},
		{"IMP-024", "RSA_AES_KEY_WRAP is not in the 2022 enum", only2022, func(k *kmsTest) {
			wantCode(k.t, k.gpfi(k.external(sym), types.AlgorithmSpecRsaAesKeyWrapSha256, rsa2048), "ValidationException")
		}},
		{"IMP-025", "RSAES_PKCS1_V1_5 is no longer supported", since2023, func(k *kmsTest) {
			wantCode(k.t, k.gpfi(k.external(sym), types.AlgorithmSpecRsaesPkcs1V15, rsa2048), "UnsupportedOperationException")
		}},
		{"IMP-026", "RSAES_PKCS1_V1_5 wraps symmetric material", only2022, func(k *kmsTest) {
			id := k.external(sym)
			p := k.params(id, types.AlgorithmSpecRsaesPkcs1V15, rsa2048)
			_, err := k.c.ImportKeyMaterial(k.ctx, &kms.ImportKeyMaterialInput{
				KeyId: &id, ImportToken: p.ImportToken,
				EncryptedKeyMaterial: wrapped(k.t, types.AlgorithmSpecRsaesPkcs1V15, p.PublicKey, newMaterial(k.t, sym).Bytes),
				ExpirationModel:      types.ExpirationModelTypeKeyMaterialDoesNotExpire,
			})
			wantOK(k.t, err)
			k.wantState(id, types.KeyStateEnabled)
		}},
		{"IMP-030", "RSA material needs RSA_AES_KEY_WRAP", since2023, func(k *kmsTest) {
			id := k.external(types.KeySpecRsa2048)
			for _, alg := range []types.AlgorithmSpec{types.AlgorithmSpecRsaesOaepSha1, types.AlgorithmSpecRsaesOaepSha256} {
				wantCode(k.t, k.gpfi(id, alg, types.WrappingKeySpecRsa4096), "UnsupportedOperationException")
			}
		}},
		{"IMP-032", "P-521 material does not fit RSA_2048 with OAEP", since2023, func(k *kmsTest) {
			id := k.external(types.KeySpecEccNistP521)
			for _, alg := range []types.AlgorithmSpec{types.AlgorithmSpecRsaesOaepSha1, types.AlgorithmSpecRsaesOaepSha256} {
				wantCode(k.t, k.gpfi(id, alg, rsa2048), "UnsupportedOperationException")
			}
			wantOK(k.t, k.gpfi(id, oaep256, types.WrappingKeySpecRsa3072))
			wantOK(k.t, k.gpfi(id, types.AlgorithmSpecRsaAesKeyWrapSha256, rsa2048))
		}},
		{"IMP-142", "messages name the field and constraint", all, func(k *kmsTest) {
			err := k.gpfi(strings.Repeat("a", 2049), oaep256, rsa2048)
			want := "1 validation error detected: Value '" + strings.Repeat("a", 2049) + "' at 'keyId' failed to satisfy constraint: Member must have length less than or equal to 2048"
			if errorMessage(err) != want {
				k.t.Fatalf("message %q", errorMessage(err))
			}
			_, err = k.c.GetParametersForImport(k.ctx, &kms.GetParametersForImportInput{KeyId: aws.String(""), WrappingAlgorithm: "NOPE", WrappingKeySpec: rsa2048})
			wantCode(k.t, err, "ValidationException")
			if !strings.HasPrefix(errorMessage(err), "2 validation errors detected: ") || !strings.Contains(errorMessage(err), "Value 'NOPE' at 'wrappingAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [") {
				k.t.Fatalf("message %q", errorMessage(err))
			}
		}},
	})
}

func itoa(n int) string { return strconv.Itoa(n) }
