package importkm

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/kmsconform/kmsconform/fixtures/material"
	"github.com/kmsconform/kmsconform/harness/profile"
	"github.com/kmsconform/kmsconform/suites/conform"
)

// materialWrapping is how material of a key spec is wrapped in the material
// specs, where the wrapping is not the subject: RSAES_OAEP_SHA_256 for raw
// secrets (every profile), RSA_AES_KEY_WRAP_SHA_256 for private keys (which
// RSAES_OAEP cannot carry for RSA), both under RSA_2048.
func materialWrapping(spec types.KeySpec) types.AlgorithmSpec {
	if spec == types.KeySpecSymmetricDefault || material.MacAlgorithm(spec) != "" {
		return types.AlgorithmSpecRsaesOaepSha256
	}
	return types.AlgorithmSpecRsaAesKeyWrapSha256
}

// importMaterialBytes wraps b correctly for key keyID of spec and imports
// it. It returns the key's snapshot from just before the import and the
// import's error, for the spec to assert.
func importMaterialBytes(ctx context.Context, c *kms.Client, keyID string, spec types.KeySpec, b []byte, what string) (conform.KeySnapshot, error) {
	GinkgoHelper()
	alg := materialWrapping(spec)
	params := mustGetParameters(ctx, c, keyID, alg, types.WrappingKeySpecRsa2048)
	blob := mustWrap(params, alg, b)
	By(fmt.Sprintf("importing %s (%d bytes) into the %s key", what, len(b), spec))
	before := conform.SnapshotKey(ctx, c, keyID)
	_, err := c.ImportKeyMaterial(ctx, importRequest(keyID, params.ImportToken, blob, doesNotExpire))
	return before, err
}

// mustCreateMaterialKey creates an EXTERNAL key of spec for a material spec.
func mustCreateMaterialKey(ctx context.Context, c *kms.Client, spec types.KeySpec) string {
	GinkgoHelper()
	return aws.ToString(mustCreateExternalKey(ctx, c, spec).KeyId)
}

// mustRSA1024Material returns a fresh two-prime RSA-1024 private key in PKCS#8:
// valid in every respect but a modulus size no KMS key spec has. The
// fixtures have no such key; 1024-bit generation takes milliseconds.
func mustRSA1024Material() []byte {
	GinkgoHelper()
	k, err := rsa.GenerateKey(rand.Reader, 1024)
	Expect(err).NotTo(HaveOccurred(), "spec bug: generating an RSA-1024 key")
	der, err := x509.MarshalPKCS8PrivateKey(k)
	Expect(err).NotTo(HaveOccurred(), "spec bug: encoding an RSA-1024 key")
	return der
}

var (
	materialHMACSpecs = []types.KeySpec{types.KeySpecHmac224, types.KeySpecHmac256, types.KeySpecHmac384, types.KeySpecHmac512}
	materialRSASpecs  = []types.KeySpec{types.KeySpecRsa2048, types.KeySpecRsa3072, types.KeySpecRsa4096}
	materialECSpecs   = []types.KeySpec{types.KeySpecEccNistP256, types.KeySpecEccNistP384, types.KeySpecEccNistP521, types.KeySpecEccSecgP256k1}
)

var _ = Describe("Key material", func() {
	// rejects is the body of every spec whose material must be refused:
	// import b into a fresh key of spec, assert the case on the answer and
	// that the key is as it was.
	rejects := func(ctx SpecContext, expect func(error), spec types.KeySpec, b []byte, what string) {
		GinkgoHelper()
		c := conform.Client()
		id := mustCreateMaterialKey(ctx, c, spec)
		before, err := importMaterialBytes(ctx, c, id, spec, b, what)
		expect(err)
		conform.ExpectKeyUnchanged(ctx, before)
	}
	// accepts is the body of every spec whose material must be imported:
	// import b, which encodes m, assert the case and prove the key uses m.
	accepts := func(ctx SpecContext, rule string, expect func(error), m material.Material, b []byte, what string) {
		GinkgoHelper()
		c := conform.Client()
		id := mustCreateMaterialKey(ctx, c, m.Spec)
		_, err := importMaterialBytes(ctx, c, id, m.Spec, b, what)
		expect(err)
		Expect(mustDescribe(ctx, c, id)).To(conform.HaveKeyState(types.KeyStateEnabled), "%s: the key is not Enabled after its material was imported", rule)
		mustProveImported(ctx, c, rule, id, naturalUsage(m.Spec), m)
	}

	// IMP-040: symmetric material is exactly 32 bytes.
	conform.It("IMP-040", "accepts 32 bytes of symmetric key material", func(ctx SpecContext, r conform.Rule) {
		m := mustNewMaterial(types.KeySpecSymmetricDefault)
		accepts(ctx, r.ID, r.Case("32-bytes").ExpectSuccess, m, m.Bytes, "32 random bytes")
	})
	for _, n := range []int{16, 31, 33} {
		conform.It("IMP-040", fmt.Sprintf("rejects %d bytes of symmetric key material", n), func(ctx SpecContext, r conform.Rule) {
			b := make([]byte, n)
			_, _ = rand.Read(b)
			rejects(ctx, r.Case(fmt.Sprintf("%d-bytes", n)).ExpectError, types.KeySpecSymmetricDefault, b, fmt.Sprintf("%d random bytes", n))
		})
	}

	// IMP-068: invalid material in general.
	for _, n := range []int{24, 64} {
		conform.It("IMP-068", fmt.Sprintf("rejects symmetric key material of %d bytes", n), func(ctx SpecContext, r conform.Rule) {
			b := make([]byte, n)
			_, _ = rand.Read(b)
			rejects(ctx, r.Case("wrong-length").ExpectError, types.KeySpecSymmetricDefault, b, fmt.Sprintf("%d random bytes", n))
		})
	}
	conform.ItCase("IMP-068", "not-der", "rejects asymmetric key material that is not a DER or BER encoding", func(ctx SpecContext, c conform.Case) {
		kc := conform.Client()
		tries := []struct {
			spec types.KeySpec
			b    []byte
			what string
		}{
			{types.KeySpecRsa2048, material.TruncatedDER(mustNewMaterial(types.KeySpecRsa2048)), "an RSA_2048 PKCS#8 key without its last byte"},
			{types.KeySpecEccNistP256, material.TruncatedDER(mustNewMaterial(types.KeySpecEccNistP256)), "a P-256 PKCS#8 key without its last byte"},
			{types.KeySpecEccNistP384, materialRandom(185), "185 random bytes"},
		}
		if conform.Profile().AtLeast(profile.P2025) {
			seed, err := material.NotPKCS8(mustNewMaterial(types.KeySpecEccNistEdwards25519))
			Expect(err).NotTo(HaveOccurred(), "spec bug: extracting an Ed25519 seed")
			tries = append(tries, struct {
				spec types.KeySpec
				b    []byte
				what string
			}{types.KeySpecEccNistEdwards25519, seed, "a bare 32-byte Ed25519 seed"})
		}
		for _, t := range tries {
			id := mustCreateMaterialKey(ctx, kc, t.spec)
			before, err := importMaterialBytes(ctx, kc, id, t.spec, t.b, t.what)
			c.ExpectError(err)
			conform.ExpectKeyUnchanged(ctx, before)
		}
	})

	// IMP-041: HMAC material is from the key spec's length to 128 bytes.
	for _, spec := range materialHMACSpecs {
		n := material.HMACLength(spec)
		conform.It("IMP-041", fmt.Sprintf("accepts %s key material of exactly %d bytes", spec, n), func(ctx SpecContext, r conform.Rule) {
			m := mustNewMaterial(spec)
			accepts(ctx, r.ID, r.Case("spec-length").ExpectSuccess, m, m.Bytes, fmt.Sprintf("%d random bytes", n))
		})
		conform.It("IMP-041", fmt.Sprintf("rejects %s key material of %d bytes, shorter than the key spec", spec, n-1), func(ctx SpecContext, r conform.Rule) {
			rejects(ctx, r.Case("shorter-than-spec-length").ExpectError, spec, material.WrongLength(spec), fmt.Sprintf("%d random bytes", n-1))
		})
		conform.It("IMP-041", fmt.Sprintf("rejects %s key material of %d bytes, longer than 1024 bits", spec, material.MaxHMACLength+1), func(ctx SpecContext, r conform.Rule) {
			rejects(ctx, r.Case("longer-than-128-bytes").ExpectError, spec, material.TooLong(spec), fmt.Sprintf("%d random bytes", material.MaxHMACLength+1))
		})
		conform.ItCase("IMP-041", "longer-than-spec-length", fmt.Sprintf("accepts %s key material longer than the key spec, up to 128 bytes, and MACs with all of it", spec), func(ctx SpecContext, c conform.Case) {
			for _, length := range []int{n + 1, material.MaxHMACLength} {
				m, err := material.NewHMAC(spec, length)
				Expect(err).NotTo(HaveOccurred())
				accepts(ctx, "IMP-041", c.ExpectSuccess, m, m.Bytes, fmt.Sprintf("%d random bytes", length))
			}
		})
	}

	// IMP-042: RSA material is a two-prime PKCS#8 key of the key's size.
	for _, spec := range materialRSASpecs {
		conform.It("IMP-042", "accepts a DER-encoded PKCS#8 "+string(spec)+" private key", func(ctx SpecContext, r conform.Rule) {
			m := mustNewMaterial(spec)
			accepts(ctx, r.ID, r.Case("pkcs8-der").ExpectSuccess, m, m.Bytes, "a DER PKCS#8 private key")
		})
		conform.It("IMP-042", "accepts a BER-encoded (indefinite and long-form lengths) PKCS#8 "+string(spec)+" private key", func(ctx SpecContext, r conform.Rule) {
			m := mustNewMaterial(spec)
			b, err := material.BER(m)
			Expect(err).NotTo(HaveOccurred(), "spec bug: BER-encoding the key")
			accepts(ctx, r.ID, r.Case("pkcs8-ber").ExpectSuccess, m, b, "a BER PKCS#8 private key")
		})
	}
	conform.It("IMP-042", "rejects a three-prime RSA-2048 private key", func(ctx SpecContext, r conform.Rule) {
		b, err := material.MultiPrimeRSA(2048)
		Expect(err).NotTo(HaveOccurred(), "spec bug: generating a three-prime key")
		rejects(ctx, r.Case("multi-prime").ExpectError, types.KeySpecRsa2048, b, "a PKCS#8 three-prime RSA key")
	})
	conform.It("IMP-042", "rejects an RSA_2048 private key given as PKCS#1 RSAPrivateKey instead of PKCS#8", func(ctx SpecContext, r conform.Rule) {
		b, err := material.NotPKCS8(mustNewMaterial(types.KeySpecRsa2048))
		Expect(err).NotTo(HaveOccurred(), "spec bug: re-encoding the key as PKCS#1")
		rejects(ctx, r.Case("pkcs1").ExpectError, types.KeySpecRsa2048, b, "a PKCS#1 RSAPrivateKey")
	})
	conform.It("IMP-042", "rejects an RSA private key with a 1024-bit modulus", func(ctx SpecContext, r conform.Rule) {
		rejects(ctx, r.Case("modulus-1024").ExpectError, types.KeySpecRsa2048, mustRSA1024Material(), "a PKCS#8 RSA-1024 key")
	})

	// IMP-043: ECC material is a PKCS#8 key on the key spec's named curve.
	for _, spec := range materialECSpecs {
		conform.It("IMP-043", "accepts a DER-encoded PKCS#8 "+string(spec)+" private key on its named curve", func(ctx SpecContext, r conform.Rule) {
			m := mustNewMaterial(spec)
			accepts(ctx, r.ID, r.Case("named-curve").ExpectSuccess, m, m.Bytes, "a DER PKCS#8 named-curve key")
		})
		conform.It("IMP-043", "accepts a BER-encoded PKCS#8 "+string(spec)+" private key on its named curve", func(ctx SpecContext, r conform.Rule) {
			m := mustNewMaterial(spec)
			b, err := material.BER(m)
			Expect(err).NotTo(HaveOccurred(), "spec bug: BER-encoding the key")
			accepts(ctx, r.ID, r.Case("named-curve").ExpectSuccess, m, b, "a BER PKCS#8 named-curve key")
		})
		conform.It("IMP-043", "accepts a PKCS#8 "+string(spec)+" private key whose public point is compressed", func(ctx SpecContext, r conform.Rule) {
			m := mustNewMaterial(spec)
			b, err := material.CompressedPointEC(m)
			Expect(err).NotTo(HaveOccurred(), "spec bug: compressing the public point")
			accepts(ctx, r.ID, r.Case("compressed-point").ExpectSuccess, m, b, "a PKCS#8 key with a compressed public point")
		})
		conform.It("IMP-043", "rejects an "+string(spec)+" private key whose curve is given by explicit parameters", func(ctx SpecContext, r conform.Rule) {
			b, err := material.ExplicitParametersEC(spec)
			Expect(err).NotTo(HaveOccurred(), "spec bug: encoding explicit curve parameters")
			rejects(ctx, r.Case("explicit-parameters").ExpectError, spec, b, "a PKCS#8 key with explicit ECParameters")
		})
		conform.It("IMP-043", "rejects a P-224 private key for an "+string(spec)+" key", func(ctx SpecContext, r conform.Rule) {
			b, err := material.UnsupportedCurveEC()
			Expect(err).NotTo(HaveOccurred(), "spec bug: generating a P-224 key")
			rejects(ctx, r.Case("unsupported-curve").ExpectError, spec, b, "a PKCS#8 P-224 key")
		})
	}
	conform.ItCase("IMP-043", "ECC_NIST_EDWARDS25519", "accepts DER- and BER-encoded PKCS#8 Ed25519 private keys", func(ctx SpecContext, c conform.Case) {
		m := mustNewMaterial(types.KeySpecEccNistEdwards25519)
		accepts(ctx, "IMP-043", c.ExpectSuccess, m, m.Bytes, "a DER PKCS#8 Ed25519 key")
		m = mustNewMaterial(types.KeySpecEccNistEdwards25519)
		b, err := material.BER(m)
		Expect(err).NotTo(HaveOccurred(), "spec bug: BER-encoding the key")
		accepts(ctx, "IMP-043", c.ExpectSuccess, m, b, "a BER PKCS#8 Ed25519 key")
	})

	// IMP-045: material must fit the key spec.
	for _, spec := range materialECSpecs {
		conform.It("IMP-045", "rejects material on another curve for an "+string(spec)+" key", func(ctx SpecContext, r conform.Rule) {
			other, err := material.WrongCurve(spec)
			Expect(err).NotTo(HaveOccurred())
			rejects(ctx, r.Case("other-curve").ExpectError, spec, other.Bytes, "an "+string(other.Spec)+" private key")
		})
	}
	for _, spec := range materialRSASpecs {
		conform.It("IMP-045", "rejects RSA material of another supported size for an "+string(spec)+" key", func(ctx SpecContext, r conform.Rule) {
			other, err := material.WrongSizeRSA(spec)
			Expect(err).NotTo(HaveOccurred())
			rejects(ctx, r.Case("other-modulus").ExpectError, spec, other.Bytes, "an "+string(other.Spec)+" private key")
		})
	}
	conform.It("IMP-045", "rejects a private key of another key type", func(ctx SpecContext, r conform.Rule) {
		tries := []struct{ key, of types.KeySpec }{
			{types.KeySpecRsa2048, types.KeySpecEccNistP256},
			{types.KeySpecEccNistP256, types.KeySpecRsa2048},
			{types.KeySpecEccNistP256, types.KeySpecEccNistEdwards25519},
		}
		if conform.Profile().AtLeast(profile.P2025) {
			tries = append(tries, struct{ key, of types.KeySpec }{types.KeySpecEccNistEdwards25519, types.KeySpecEccNistP256})
		}
		kc := conform.Client()
		for _, t := range tries {
			id := mustCreateMaterialKey(ctx, kc, t.key)
			before, err := importMaterialBytes(ctx, kc, id, t.key, mustNewMaterial(t.of).Bytes, "an "+string(t.of)+" private key")
			r.Case("other-key-type").ExpectError(err)
			conform.ExpectKeyUnchanged(ctx, before)
		}
	})
})

// materialRandom returns n random bytes.
func materialRandom(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}
