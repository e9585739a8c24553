package reference_test

import (
	"bytes"
	"crypto"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsconform/kmsconform/fixtures/material"
	"github.com/kmsconform/kmsconform/fixtures/wrap"
)

const (
	sym     = types.KeySpecSymmetricDefault
	oaep1   = types.AlgorithmSpecRsaesOaepSha1
	oaep256 = types.AlgorithmSpecRsaesOaepSha256
	aesKW1  = types.AlgorithmSpecRsaAesKeyWrapSha1
	aesKW   = types.AlgorithmSpecRsaAesKeyWrapSha256
	rsa2048 = types.WrappingKeySpecRsa2048
	rsa3072 = types.WrappingKeySpecRsa3072
	rsa4096 = types.WrappingKeySpecRsa4096
)

// importWith imports material wrapped as wrapFn makes it, under parameters
// of alg and spec.
func (k *kmsTest) importWith(keyID string, alg types.AlgorithmSpec, spec types.WrappingKeySpec, wrapFn func(p *kms.GetParametersForImportOutput) []byte, opts ...func(*kms.ImportKeyMaterialInput)) error {
	k.t.Helper()
	p := k.params(keyID, alg, spec)
	in := &kms.ImportKeyMaterialInput{KeyId: &keyID, ImportToken: p.ImportToken, EncryptedKeyMaterial: wrapFn(p)}
	doesNotExpire(in)
	for _, o := range opts {
		o(in)
	}
	_, err := k.c.ImportKeyMaterial(k.ctx, in)
	return err
}

// importAs imports m wrapped with alg under a spec wrapping key.
func (k *kmsTest) importAs(keyID string, alg types.AlgorithmSpec, spec types.WrappingKeySpec, m []byte) error {
	k.t.Helper()
	return k.importWith(keyID, alg, spec, func(p *kms.GetParametersForImportOutput) []byte { return wrapped(k.t, alg, p.PublicKey, m) })
}

// b, mat and imports unwrap (value, error) results of fixtures and calls.
func (k *kmsTest) b(b []byte, err error) []byte {
	k.t.Helper()
	if err != nil {
		k.t.Fatal(err)
	}
	return b
}

func (k *kmsTest) mat(m material.Material, err error) material.Material {
	k.t.Helper()
	if err != nil {
		k.t.Fatal(err)
	}
	return m
}

func (k *kmsTest) imports(_ *kms.ImportKeyMaterialOutput, err error) {
	k.t.Helper()
	if err != nil {
		k.t.Fatalf("ImportKeyMaterial: %v", err)
	}
}

func TestWrappingRules(t *testing.T) {
	runRules(t, []ruleTest{
		{"IMP-028", "symmetric material with both OAEP hashes and every wrapping key size", all, func(k *kmsTest) {
			id := k.external(sym)
			m := newMaterial(k.t, sym)
			for _, alg := range []types.AlgorithmSpec{oaep256, oaep1} {
				for _, spec := range wrappingKeySpecs(k.profile) {
					wantOK(k.t, k.importAs(id, alg, spec, m.Bytes))
				}
			}
			k.wantState(id, types.KeyStateEnabled)
		}},
		{"IMP-029", "HMAC material with OAEP", since2023, func(k *kmsTest) {
			for _, spec := range []types.KeySpec{types.KeySpecHmac224, types.KeySpecHmac256, types.KeySpecHmac384, types.KeySpecHmac512} {
				id := k.external(spec)
				m := newMaterial(k.t, spec)
				wantOK(k.t, k.importAs(id, oaep256, rsa4096, m.Bytes))
				wantOK(k.t, k.importAs(id, oaep1, rsa2048, m.Bytes))
				k.wantState(id, types.KeyStateEnabled)
			}
		}},
		{"IMP-030", "RSA material with RSA_AES_KEY_WRAP", since2023, func(k *kmsTest) {
			id := k.external(types.KeySpecRsa2048)
			m := newMaterial(k.t, types.KeySpecRsa2048)
			wantOK(k.t, k.importAs(id, aesKW, rsa2048, m.Bytes))
			wantOK(k.t, k.importAs(id, aesKW1, rsa3072, m.Bytes))
			k.wantState(id, types.KeyStateEnabled)
		}},
		{"IMP-031", "ECC material with OAEP and RSA_AES_KEY_WRAP", since2023, func(k *kmsTest) {
			for _, spec := range []types.KeySpec{types.KeySpecEccNistP256, types.KeySpecEccNistP384, types.KeySpecEccSecgP256k1} {
				id := k.external(spec)
				m := newMaterial(k.t, spec)
				wantOK(k.t, k.importAs(id, oaep1, rsa2048, m.Bytes))
				wantOK(k.t, k.importAs(id, aesKW, rsa2048, m.Bytes))
			}
			id := k.external(types.KeySpecEccNistP521)
			wantOK(k.t, k.importAs(id, oaep256, rsa4096, newMaterial(k.t, types.KeySpecEccNistP521).Bytes))
		}},
		{"IMP-035", "RSA_AES_KEY_WRAP for symmetric and HMAC material (provisional)", since2023, func(k *kmsTest) {
			for _, spec := range []types.KeySpec{sym, types.KeySpecHmac384} {
				wantOK(k.t, k.importAs(k.external(spec), aesKW, rsa2048, newMaterial(k.t, spec).Bytes))
			}
		}},
		{"IMP-037", "RSA_AES_KEY_WRAP: wrong order, AES-128 key, wrong OAEP hash", since2023, func(k *kmsTest) {
			id := k.external(types.KeySpecEccNistP256)
			m := newMaterial(k.t, types.KeySpecEccNistP256)
			for name, fn := range map[string]func(p *kms.GetParametersForImportOutput) []byte{
				"swapped": func(p *kms.GetParametersForImportOutput) []byte {
					return k.b(wrap.SwappedRSAAES(aesKW, p.PublicKey, m.Bytes))
				},
				"AES-128": func(p *kms.GetParametersForImportOutput) []byte {
					return k.b(wrap.RSAAESWithAESKeySize(aesKW, p.PublicKey, 16, m.Bytes))
				},
				"SHA-1 OAEP": func(p *kms.GetParametersForImportOutput) []byte { return wrapped(k.t, aesKW1, p.PublicKey, m.Bytes) },
				"OAEP only":  func(p *kms.GetParametersForImportOutput) []byte { return wrapped(k.t, oaep256, p.PublicKey, m.Bytes) },
			} {
				if err := k.importWith(id, aesKW, rsa2048, fn); err == nil {
					k.t.Fatalf("%s: imported", name)
				} else {
					wantCode(k.t, err, "InvalidCiphertextException")
				}
			}
			k.wantState(id, types.KeyStatePendingImport)
		}},
		{"IMP-038", "material wrapped with another algorithm or key than the response's", all, func(k *kmsTest) {
			id := k.external(sym)
			m := newMaterial(k.t, sym)
			wantCode(k.t, k.importWith(id, oaep256, rsa2048, func(p *kms.GetParametersForImportOutput) []byte {
				return wrapped(k.t, oaep1, p.PublicKey, m.Bytes)
			}), "InvalidCiphertextException")
			wantCode(k.t, k.importWith(id, oaep256, rsa2048, func(p *kms.GetParametersForImportOutput) []byte {
				return k.b(wrap.WrapUnderOtherKey(oaep256, p.PublicKey, m.Bytes))
			}), "InvalidCiphertextException")
			wantCode(k.t, k.importWith(id, oaep256, rsa2048, func(p *kms.GetParametersForImportOutput) []byte {
				return k.b(wrap.WrapOAEPWith(p.PublicKey, crypto.SHA256, crypto.SHA1, nil, m.Bytes))
			}), "InvalidCiphertextException")
			k.wantState(id, types.KeyStatePendingImport)
		}},
		{"IMP-039", "the same material through different wrappings", since2023, func(k *kmsTest) {
			id := k.external(types.KeySpecEccNistP384)
			m := newMaterial(k.t, types.KeySpecEccNistP384)
			wantOK(k.t, k.importAs(id, oaep256, rsa3072, m.Bytes))
			wantOK(k.t, k.importAs(id, aesKW1, rsa4096, m.Bytes))
		}},
		{"IMP-059", "corrupted, truncated or malformed wrapped material", all, func(k *kmsTest) {
			id := k.external(sym)
			m := newMaterial(k.t, sym)
			for name, fn := range map[string]func(p *kms.GetParametersForImportOutput) []byte{
				"flipped": func(p *kms.GetParametersForImportOutput) []byte {
					b := wrapped(k.t, oaep256, p.PublicKey, m.Bytes)
					b[10] ^= 1
					return b
				},
				"truncated": func(p *kms.GetParametersForImportOutput) []byte {
					return wrap.Truncate(wrapped(k.t, oaep256, p.PublicKey, m.Bytes), 255)
				},
				"garbage":  func(*kms.GetParametersForImportOutput) []byte { return bytes.Repeat([]byte{7}, 256) },
				"one byte": func(*kms.GetParametersForImportOutput) []byte { return []byte{1} },
			} {
				if err := k.importWith(id, oaep256, rsa2048, fn); err == nil {
					k.t.Fatalf("%s: imported", name)
				} else {
					wantCode(k.t, err, "InvalidCiphertextException")
				}
			}
			for _, d := range wrap.OAEPDefects() {
				wantCode(k.t, k.importWith(id, oaep256, rsa2048, func(p *kms.GetParametersForImportOutput) []byte {
					return k.b(wrap.MalformedOAEP(p.PublicKey, crypto.SHA256, d, m.Bytes))
				}), "InvalidCiphertextException")
			}
			k.wantState(id, types.KeyStatePendingImport)
		}},
		{"IMP-060", "token of one response with the public key of another", all, func(k *kmsTest) {
			k = newKMSWithPool(k.t, k.profile) // distinct key pairs are the point
			id := k.external(sym)
			m := newMaterial(k.t, sym)
			a := k.params(id, oaep256, rsa2048)
			b := k.params(id, oaep256, rsa2048)
			_, err := k.c.ImportKeyMaterial(k.ctx, &kms.ImportKeyMaterialInput{
				KeyId: &id, ImportToken: b.ImportToken, EncryptedKeyMaterial: wrapped(k.t, oaep256, a.PublicKey, m.Bytes),
				ExpirationModel: types.ExpirationModelTypeKeyMaterialDoesNotExpire,
			})
			wantCode(k.t, err, "InvalidCiphertextException")
			k.wantState(id, types.KeyStatePendingImport)
		}},
	})
}

func TestMaterialRules(t *testing.T) {
	incorrect := func(k *kmsTest, id string, spec types.KeySpec, b []byte) {
		k.t.Helper()
		_, err := k.importRaw(id, spec, b)
		wantCode(k.t, err, "IncorrectKeyMaterialException")
	}
	runRules(t, []ruleTest{
		{"IMP-040", "symmetric material is exactly 32 bytes", all, func(k *kmsTest) {
			id := k.external(sym)
			for _, n := range []int{16, 24, 31, 33, 64} {
				incorrect(k, id, sym, bytes.Repeat([]byte{1}, n))
			}
			k.wantState(id, types.KeyStatePendingImport)
			k.imports(k.importRaw(id, sym, bytes.Repeat([]byte{1}, 32)))
		}},
		{"IMP-041", "HMAC material from the spec length to 128 bytes", since2023, func(k *kmsTest) {
			id := k.external(types.KeySpecHmac256)
			incorrect(k, id, types.KeySpecHmac256, material.WrongLength(types.KeySpecHmac256))
			incorrect(k, id, types.KeySpecHmac256, material.TooLong(types.KeySpecHmac256))
			k.wantState(id, types.KeyStatePendingImport)
			for _, n := range []int{32, 64, 128} {
				other := k.external(types.KeySpecHmac256)
				m := k.mat(material.NewHMAC(types.KeySpecHmac256, n))
				k.mustImport(other, m)
			}
			k.mustImport(k.external(types.KeySpecHmac224), k.mat(material.NewHMAC(types.KeySpecHmac224, 28)))
		}},
		{"IMP-042", "RSA material: modulus size, two primes, PKCS#8, a consistent pair", since2023, func(k *kmsTest) {
			id := k.external(types.KeySpecRsa2048)
			incorrect(k, id, types.KeySpecRsa2048, k.mat(material.WrongSizeRSA(types.KeySpecRsa2048)).Bytes)
			incorrect(k, id, types.KeySpecRsa2048, k.b(material.MultiPrimeRSA(2048)))
			incorrect(k, id, types.KeySpecRsa2048, k.b(material.NotPKCS8(newMaterial(k.t, types.KeySpecRsa2048))))
			incorrect(k, id, types.KeySpecRsa2048, material.TruncatedDER(newMaterial(k.t, types.KeySpecRsa2048)))
			incorrect(k, id, types.KeySpecRsa2048, k.b(material.MismatchedKeyPair(types.KeySpecRsa2048)))
			k.wantState(id, types.KeyStatePendingImport)
			m := newMaterial(k.t, types.KeySpecRsa2048)
			k.imports(k.importRaw(id, types.KeySpecRsa2048, k.b(material.BER(m))))
		}},
		{"IMP-043", "ECC material: named curves only; any point form; BER", since2023, func(k *kmsTest) {
			id := k.external(types.KeySpecEccNistP256)
			incorrect(k, id, types.KeySpecEccNistP256, k.b(material.ExplicitParametersEC(types.KeySpecEccNistP256)))
			incorrect(k, id, types.KeySpecEccNistP256, k.b(material.UnsupportedCurveEC()))
			incorrect(k, id, types.KeySpecEccNistP256, k.b(material.MismatchedKeyPair(types.KeySpecEccNistP256)))
			k.wantState(id, types.KeyStatePendingImport)
			m := newMaterial(k.t, types.KeySpecEccNistP256)
			k.imports(k.importRaw(id, types.KeySpecEccNistP256, k.b(material.CompressedPointEC(m))))
			// The same key in BER is the same material: a reimport.
			k.imports(k.importRaw(id, types.KeySpecEccNistP256, k.b(material.BER(m))))
		}},
		{"IMP-045", "material of another key spec", since2023, func(k *kmsTest) {
			for _, spec := range []types.KeySpec{types.KeySpecEccNistP256, types.KeySpecEccNistP384, types.KeySpecEccSecgP256k1} {
				incorrect(k, k.external(spec), spec, k.mat(material.WrongCurve(spec)).Bytes)
			}
			incorrect(k, k.external(types.KeySpecEccNistP256), types.KeySpecEccNistP256, newMaterial(k.t, types.KeySpecRsa2048).Bytes)
			incorrect(k, k.external(types.KeySpecRsa3072), types.KeySpecRsa3072, k.mat(material.WrongSizeRSA(types.KeySpecRsa3072)).Bytes)
		}},
		{"IMP-046", "GetPublicKey returns the imported key's public half", since2023, func(k *kmsTest) {
			specs := []types.KeySpec{types.KeySpecRsa2048, types.KeySpecEccNistP256, types.KeySpecEccNistP521, types.KeySpecEccSecgP256k1}
			if k.profile == "2025" {
				specs = append(specs, types.KeySpecEccNistEdwards25519)
			}
			for _, spec := range specs {
				id, m := k.imported(spec)
				out, err := k.c.GetPublicKey(k.ctx, &kms.GetPublicKeyInput{KeyId: &id})
				wantOK(k.t, err)
				if !bytes.Equal(out.PublicKey, m.PublicKeyDER) || out.KeySpec != spec {
					k.t.Fatalf("%s: GetPublicKey returned another key", spec)
				}
			}
		}},
	})
}

func TestImportRules(t *testing.T) {
	runRules(t, []ruleTest{
		{"IMP-047", "description and material ID constraints", only2025, func(k *kmsTest) {
			id := k.external(sym)
			m := newMaterial(k.t, sym)
			for _, opt := range []func(*kms.ImportKeyMaterialInput){
				func(in *kms.ImportKeyMaterialInput) { in.KeyMaterialDescription = aws.String("semi;colon") },
				func(in *kms.ImportKeyMaterialInput) { in.KeyMaterialDescription = aws.String(strings.Repeat("a", 257)) },
				func(in *kms.ImportKeyMaterialInput) { in.KeyMaterialId = aws.String(strings.Repeat("a", 63)) },
				func(in *kms.ImportKeyMaterialInput) { in.KeyMaterialId = aws.String(strings.Repeat("A", 64)) },
				func(in *kms.ImportKeyMaterialInput) { in.ImportType = "SOMETIMES" },
			} {
				_, err := k.importMaterial(id, m, opt)
				wantCode(k.t, err, "ValidationException")
			}
			k.wantState(id, types.KeyStatePendingImport)
		}},
		{"IMP-048", "the response names the key ARN and the material", only2025, func(k *kmsTest) {
			id := k.external(sym)
			out := k.mustImport(id, newMaterial(k.t, sym))
			if *out.KeyId != k.arn(id) || !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(*out.KeyMaterialId) {
				k.t.Fatalf("response KeyId %v KeyMaterialId %v", out.KeyId, out.KeyMaterialId)
			}
		}},
		{"IMP-049", "the response is empty", before25, func(k *kmsTest) {
			out := k.mustImport(k.external(sym), newMaterial(k.t, sym))
			if out.KeyId != nil || out.KeyMaterialId != nil {
				k.t.Fatalf("response %+v", out)
			}
		}},
		{"IMP-050", "ValidTo is required with KEY_MATERIAL_EXPIRES, the default", all, func(k *kmsTest) {
			id := k.external(sym)
			m := newMaterial(k.t, sym)
			for _, model := range []types.ExpirationModelType{"", types.ExpirationModelTypeKeyMaterialExpires} {
				_, err := k.importMaterial(id, m, func(in *kms.ImportKeyMaterialInput) { in.ExpirationModel = model })
				wantCode(k.t, err, "ValidationException")
				if want := "A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES"; errorMessage(err) != want {
					k.t.Fatalf("message %q, want %q", errorMessage(err), want)
				}
			}
			k.wantState(id, types.KeyStatePendingImport)
		}},
		{"IMP-051", "no ValidTo with KEY_MATERIAL_DOES_NOT_EXPIRE", all, func(k *kmsTest) {
			id := k.external(sym)
			_, err := k.importMaterial(id, newMaterial(k.t, sym), func(in *kms.ImportKeyMaterialInput) {
				in.ValidTo = aws.Time(k.clk.Now().Add(time.Hour))
			})
			wantCode(k.t, err, "ValidationException")
			k.wantState(id, types.KeyStatePendingImport)
		}},
		{"IMP-052", "ValidTo must be in the future", all, func(k *kmsTest) {
			id := k.external(sym)
			m := newMaterial(k.t, sym)
			for _, d := range []time.Duration{0, -time.Second, -400 * 24 * time.Hour} {
				_, err := k.importMaterial(id, m, k.expiresIn(d))
				wantCode(k.t, err, "ValidationException")
			}
			k.wantState(id, types.KeyStatePendingImport)
			k.mustImport(id, m, k.expiresIn(time.Millisecond))
		}},
		{"IMP-053", "ValidTo at most 365 days ahead; exactly 365 days and fractional seconds are fine", all, func(k *kmsTest) {
			m := newMaterial(k.t, sym)
			id := k.external(sym)
			for _, d := range []time.Duration{365*24*time.Hour + time.Second, 365*24*time.Hour + time.Millisecond, 10 * 365 * 24 * time.Hour} {
				_, err := k.importMaterial(id, m, k.expiresIn(d))
				wantCode(k.t, err, "ValidationException")
			}
			k.wantState(id, types.KeyStatePendingImport)
			k.mustImport(id, m, k.expiresIn(365*24*time.Hour))
			if got := k.describe(id).ValidTo; !got.Equal(start.Add(365 * 24 * time.Hour)) {
				k.t.Fatalf("ValidTo = %v", got)
			}
			k.mustImport(id, m, k.expiresIn(90*time.Minute+500*time.Millisecond))
			if got := k.describe(id).ValidTo; !got.Equal(start.Add(90*time.Minute + 500*time.Millisecond)) {
				k.t.Fatalf("fractional ValidTo = %v", got)
			}
		}},
		{"IMP-055", "a reimport changes the expiration", all, func(k *kmsTest) {
			id := k.external(sym)
			m := newMaterial(k.t, sym)
			k.mustImport(id, m, k.expiresIn(time.Hour))
			k.mustImport(id, m, k.expiresIn(48*time.Hour))
			if got := k.describe(id).ValidTo; !got.Equal(start.Add(48 * time.Hour)) {
				k.t.Fatalf("ValidTo = %v", got)
			}
			k.mustImport(id, m)
			md := k.describe(id)
			if md.ValidTo != nil || md.ExpirationModel != types.ExpirationModelTypeKeyMaterialDoesNotExpire {
				k.t.Fatalf("after reimport without expiry: %s %v", md.ExpirationModel, md.ValidTo)
			}
		}},
		{"IMP-061", "ImportKeyMaterial into an AWS_KMS key", all, func(k *kmsTest) {
			donor := k.external(sym)
			p := k.params(donor, oaep256, rsa2048)
			id := k.awsKMS(sym)
			_, err := k.c.ImportKeyMaterial(k.ctx, &kms.ImportKeyMaterialInput{
				KeyId: &id, ImportToken: p.ImportToken, EncryptedKeyMaterial: wrapped(k.t, oaep256, p.PublicKey, newMaterial(k.t, sym).Bytes),
				ExpirationModel: types.ExpirationModelTypeKeyMaterialDoesNotExpire,
			})
			wantCode(k.t, err, "UnsupportedOperationException")
		}},
		{"IMP-064", "import enables the key and its material is used", all, func(k *kmsTest) {
			id, _ := k.imported(sym)
			if md := k.describe(id); !md.Enabled || md.KeyState != types.KeyStateEnabled {
				k.t.Fatalf("Enabled %v KeyState %s", md.Enabled, md.KeyState)
			}
			k.mustDecrypt(id, k.mustEncrypt(id, []byte("secret")), "secret")
		}},
		{"IMP-065", "reimport of the same material while Enabled and while Disabled", all, func(k *kmsTest) {
			id, m := k.imported(sym)
			ct := k.mustEncrypt(id, []byte("x"))
			k.mustImport(id, m)
			k.wantState(id, types.KeyStateEnabled)
			k.mustDecrypt(id, ct, "x")
			k.disable(id)
			k.mustImport(id, m)
		}},
		{"IMP-067", "different material is refused", all, func(k *kmsTest) {
			id, m := k.imported(sym)
			ct := k.mustEncrypt(id, []byte("x"))
			_, err := k.importMaterial(id, k.mat(material.Different(m)))
			wantCode(k.t, err, "IncorrectKeyMaterialException")
			k.wantState(id, types.KeyStateEnabled)
			k.mustDecrypt(id, ct, "x")
		}},
		{"IMP-067", "asymmetric and HMAC keys keep their one material", since2023, func(k *kmsTest) {
			for _, spec := range []types.KeySpec{types.KeySpecHmac256, types.KeySpecEccNistP384, types.KeySpecRsa2048} {
				id, m := k.imported(spec)
				_, err := k.importMaterial(id, k.mat(material.Different(m)))
				wantCode(k.t, err, "IncorrectKeyMaterialException")
			}
		}},
		{"IMP-070", "no import while pending deletion", all, func(k *kmsTest) {
			id, m := k.imported(sym)
			p := k.params(id, oaep256, rsa2048)
			k.scheduleDeletion(id)
			_, err := k.c.ImportKeyMaterial(k.ctx, &kms.ImportKeyMaterialInput{
				KeyId: &id, ImportToken: p.ImportToken, EncryptedKeyMaterial: wrapped(k.t, oaep256, p.PublicKey, m.Bytes),
				ExpirationModel: types.ExpirationModelTypeKeyMaterialDoesNotExpire,
			})
			wantCode(k.t, err, "KMSInvalidStateException")
			k.wantState(id, types.KeyStatePendingDeletion)
		}},
		{"IMP-071", "reimport into a Disabled key keeps it Disabled (provisional)", all, func(k *kmsTest) {
			id, m := k.imported(sym)
			k.disable(id)
			k.mustImport(id, m)
			k.wantState(id, types.KeyStateDisabled)
		}},
	})
}

func TestTokenRules(t *testing.T) {
	runRules(t, []ruleTest{
		{"IMP-057", "a token of another key, of another server, or garbage", all, func(k *kmsTest) {
			id := k.external(sym)
			other := k.external(sym)
			m := newMaterial(k.t, sym)
			foreign := k.params(other, oaep256, rsa2048)
			elsewhere := newKMS(k.t, k.profile)
			far := elsewhere.params(elsewhere.external(sym), oaep256, rsa2048)
			own := k.params(id, oaep256, rsa2048)
			for name, c := range map[string]struct{ token, publicKey []byte }{
				"other key":    {foreign.ImportToken, foreign.PublicKey},
				"other server": {far.ImportToken, far.PublicKey},
				"garbage":      {bytes.Repeat([]byte{9}, 300), own.PublicKey},
				"altered":      {append(append([]byte(nil), own.ImportToken[:40]...), append([]byte{own.ImportToken[40] ^ 1}, own.ImportToken[41:]...)...), own.PublicKey},
			} {
				_, err := k.c.ImportKeyMaterial(k.ctx, &kms.ImportKeyMaterialInput{
					KeyId: &id, ImportToken: c.token, EncryptedKeyMaterial: wrapped(k.t, oaep256, c.publicKey, m.Bytes),
					ExpirationModel: types.ExpirationModelTypeKeyMaterialDoesNotExpire,
				})
				if err == nil {
					k.t.Fatalf("%s: imported", name)
				}
				wantCode(k.t, err, "InvalidImportTokenException")
			}
			k.wantState(id, types.KeyStatePendingImport)
		}},
		{"IMP-058", "a token expires after 24 hours; forged tokens are invalid, not expired", all, func(k *kmsTest) {
			id := k.external(sym)
			other := k.external(sym)
			m := newMaterial(k.t, sym)
			p := k.params(id, oaep256, rsa2048)
			foreign := k.params(other, oaep256, rsa2048)
			attempt := func(token, publicKey []byte) error {
				_, err := k.c.ImportKeyMaterial(k.ctx, &kms.ImportKeyMaterialInput{
					KeyId: &id, ImportToken: token, EncryptedKeyMaterial: wrapped(k.t, oaep256, publicKey, m.Bytes),
					ExpirationModel: types.ExpirationModelTypeKeyMaterialDoesNotExpire,
				})
				return err
			}
			k.clk.Advance(24*time.Hour + time.Second)
			wantCode(k.t, attempt(p.ImportToken, p.PublicKey), "ExpiredImportTokenException")
			wantCode(k.t, attempt(foreign.ImportToken, foreign.PublicKey), "InvalidImportTokenException")
			wantCode(k.t, attempt([]byte("forged"), p.PublicKey), "InvalidImportTokenException")
			k.wantState(id, types.KeyStatePendingImport)

			fresh := k.params(id, oaep256, rsa2048)
			k.clk.Advance(24*time.Hour - time.Minute)
			wantOK(k.t, attempt(fresh.ImportToken, fresh.PublicKey))
		}},
	})
}
