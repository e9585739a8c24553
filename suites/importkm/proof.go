package importkm

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/kmsconform/kmsconform/fixtures/material"
	"github.com/kmsconform/kmsconform/suites/conform"
)

// The proofs in this file show that a key uses the very material the spec
// imported, checking the target's output with local cryptography and the
// spec's own copy of the material wherever the key type allows it: a
// target's Verify or VerifyMac agreeing with its own Sign or GenerateMac
// proves nothing about which material it holds.

// proofMessage is what the proofs sign, MAC and encrypt.
var proofMessage = []byte("kmsconform proof: this key must hold the material the spec imported")

// proofAsymmetricAlg and proofWrappingKey are how material is imported when
// the wrapping is not the subject of the spec: RSA_AES_KEY_WRAP carries every
// private key, and an RSA_2048 wrapping key is the cheapest for the target to
// make.
const (
	proofAsymmetricAlg = types.AlgorithmSpecRsaAesKeyWrapSha256
	proofWrappingKey   = types.WrappingKeySpecRsa2048
)

// mustImportForProof imports m into keyID with the wrapping that carries its
// key type best, when the wrapping is not what the spec checks.
func mustImportForProof(ctx context.Context, c *kms.Client, keyID string, m material.Material) {
	GinkgoHelper()
	alg := types.AlgorithmSpecRsaesOaepSha256
	if m.PublicKeyDER != nil {
		alg = proofAsymmetricAlg
	}
	mustImport(ctx, c, keyID, m.Bytes, alg, proofWrappingKey, doesNotExpire)
}

// mustProveImported proves that key keyID, created with usage, works with
// the material m that was imported into it. rule names the rule whose spec
// relies on the proof, for failure messages.
func mustProveImported(ctx context.Context, c *kms.Client, rule, keyID string, usage types.KeyUsageType, m material.Material) {
	GinkgoHelper()
	switch {
	case m.Spec == types.KeySpecSymmetricDefault:
		mustProveSymmetricMaterial(ctx, c, rule, keyID, m)
	case material.MacAlgorithm(m.Spec) != "":
		mustProveHMACMaterial(ctx, c, rule, keyID, m)
	case usage == types.KeyUsageTypeEncryptDecrypt:
		mustProveRSADecryptMaterial(ctx, c, rule, keyID, m)
	default:
		mustProveSigningMaterial(ctx, c, rule, keyID, m)
	}
}

// mustProveSymmetricMaterial: a symmetric ciphertext's format belongs to the
// target, so it cannot be checked locally. The proof is that the key's
// ability to decrypt goes away with the imported material and comes back
// with the same bytes reimported: a ciphertext made before the material was
// deleted decrypts again only because the spec supplied those bytes again.
func mustProveSymmetricMaterial(ctx context.Context, c *kms.Client, rule, keyID string, m material.Material) {
	GinkgoHelper()
	encCtx := map[string]string{"kmsconform": "proof"}
	By("proving the key uses the imported material: encrypt, delete the material, reimport it, decrypt")
	enc, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(keyID), Plaintext: proofMessage, EncryptionContext: encCtx})
	Expect(err).NotTo(HaveOccurred(), "%s: Encrypt with the key %s after its import", rule, keyID)
	dec, err := c.Decrypt(ctx, &kms.DecryptInput{KeyId: aws.String(keyID), CiphertextBlob: enc.CiphertextBlob, EncryptionContext: encCtx})
	Expect(err).NotTo(HaveOccurred(), "%s: Decrypt of the key's own ciphertext after its import", rule)
	Expect(dec.Plaintext).To(Equal(proofMessage), "%s: the key decrypts its own ciphertext to different bytes", rule)

	_, err = c.DeleteImportedKeyMaterial(ctx, &kms.DeleteImportedKeyMaterialInput{KeyId: aws.String(keyID)})
	Expect(err).NotTo(HaveOccurred(), "%s: DeleteImportedKeyMaterial, needed to prove which material the key uses", rule)
	_, err = c.Decrypt(ctx, &kms.DecryptInput{KeyId: aws.String(keyID), CiphertextBlob: enc.CiphertextBlob, EncryptionContext: encCtx})
	Expect(err).To(HaveOccurred(), "%s: the key still decrypts after its imported material was deleted, so what it decrypts with is not (only) the imported material", rule)

	mustImport(ctx, c, keyID, m.Bytes, types.AlgorithmSpecRsaesOaepSha256, proofWrappingKey, doesNotExpire)
	dec, err = c.Decrypt(ctx, &kms.DecryptInput{KeyId: aws.String(keyID), CiphertextBlob: enc.CiphertextBlob, EncryptionContext: encCtx})
	Expect(err).NotTo(HaveOccurred(), "%s: after the same material was reimported, the key does not decrypt the ciphertext it made before", rule)
	Expect(dec.Plaintext).To(Equal(proofMessage), "%s: after the same material was reimported, the key decrypts its earlier ciphertext to different bytes", rule)
}

// mustProveHMACMaterial: GenerateMac must equal the HMAC computed here with
// every byte of the imported material (RFC 2104 hashes a key longer than the
// block size first, and crypto/hmac does the same), and VerifyMac must accept
// that locally computed MAC.
func mustProveHMACMaterial(ctx context.Context, c *kms.Client, rule, keyID string, m material.Material) {
	GinkgoHelper()
	alg := material.MacAlgorithm(m.Spec)
	By("proving the key uses the imported material: GenerateMac equals a local " + string(alg) + " with it")
	local := hmac.New(material.MACHash(alg), m.Bytes)
	local.Write(proofMessage)
	want := local.Sum(nil)

	out, err := c.GenerateMac(ctx, &kms.GenerateMacInput{KeyId: aws.String(keyID), Message: proofMessage, MacAlgorithm: alg})
	Expect(err).NotTo(HaveOccurred(), "%s: GenerateMac %s with the key %s after its import", rule, alg, keyID)
	Expect(out.Mac).To(Equal(want), "%s: GenerateMac differs from %s computed locally with the %d bytes of imported material: the key does not use them", rule, alg, len(m.Bytes))

	v, err := c.VerifyMac(ctx, &kms.VerifyMacInput{KeyId: aws.String(keyID), Message: proofMessage, Mac: want, MacAlgorithm: alg})
	Expect(err).NotTo(HaveOccurred(), "%s: VerifyMac rejects the MAC computed locally with the imported material", rule)
	Expect(v.MacValid).To(BeTrue(), "%s: VerifyMac says MacValid=false for the MAC computed locally with the imported material", rule)
}

// proofDigest returns what Sign is given to sign proofMessage with alg, and
// as which MessageType.
func proofDigest(alg types.SigningAlgorithmSpec) ([]byte, types.MessageType) {
	return material.SigningInput(alg, proofMessage)
}

// mustProveSigningMaterial: a signature from the target, for every signing
// algorithm of the key spec, must verify locally under the public half of
// the material the spec imported (not the public key the target reports).
func mustProveSigningMaterial(ctx context.Context, c *kms.Client, rule, keyID string, m material.Material) {
	GinkgoHelper()
	algs := material.SigningAlgorithms(m.Spec)
	Expect(algs).NotTo(BeEmpty(), "spec bug: %s material has no signing algorithm", m.Spec)
	By("proving the key uses the imported material: its signatures verify locally under the imported key's public half")
	for _, alg := range algs {
		input, mt := proofDigest(alg)
		out, err := c.Sign(ctx, &kms.SignInput{KeyId: aws.String(keyID), Message: input, MessageType: mt, SigningAlgorithm: alg})
		Expect(err).NotTo(HaveOccurred(), "%s: Sign with %s (MessageType %s) with the key %s after its import", rule, alg, mt, keyID)
		Expect(material.VerifySignature(m.PublicKeyDER, alg, input, out.Signature)).To(Succeed(),
			"%s: a %s signature by the key does not verify under the public half of the imported %s material: the key does not use it", rule, alg, m.Spec)
	}
}

// mustProveRSADecryptMaterial: for every encryption algorithm, a ciphertext
// from the target's Encrypt must decrypt locally with the imported private
// key, and a ciphertext made locally with the imported public half must
// decrypt with the target's Decrypt.
func mustProveRSADecryptMaterial(ctx context.Context, c *kms.Client, rule, keyID string, m material.Material) {
	GinkgoHelper()
	parsed, err := x509.ParsePKCS8PrivateKey(m.Bytes)
	Expect(err).NotTo(HaveOccurred(), "spec bug: the imported %s material does not parse as PKCS#8", m.Spec)
	priv, ok := parsed.(*rsa.PrivateKey)
	Expect(ok).To(BeTrue(), "spec bug: the imported %s material is %T, not an RSA key", m.Spec, parsed)
	By("proving the key uses the imported material: its ciphertexts decrypt locally, and local ciphertexts decrypt with it")
	for _, alg := range material.EncryptionAlgorithms(m.Spec) {
		h := sha256.New()
		if alg == types.EncryptionAlgorithmSpecRsaesOaepSha1 {
			h = sha1.New()
		}
		out, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(keyID), Plaintext: proofMessage, EncryptionAlgorithm: alg})
		Expect(err).NotTo(HaveOccurred(), "%s: Encrypt with %s with the key %s after its import", rule, alg, keyID)
		plain, err := rsa.DecryptOAEP(h, nil, priv, out.CiphertextBlob, nil)
		Expect(err).NotTo(HaveOccurred(), "%s: a %s ciphertext from the key does not decrypt locally with the imported private key", rule, alg)
		Expect(plain).To(Equal(proofMessage), "%s: a %s ciphertext from the key decrypts locally to different bytes", rule, alg)

		h.Reset()
		local, err := rsa.EncryptOAEP(h, rand.Reader, &priv.PublicKey, proofMessage, nil)
		Expect(err).NotTo(HaveOccurred())
		dec, err := c.Decrypt(ctx, &kms.DecryptInput{KeyId: aws.String(keyID), CiphertextBlob: local, EncryptionAlgorithm: alg})
		Expect(err).NotTo(HaveOccurred(), "%s: the key does not decrypt a %s ciphertext made locally with the imported public half", rule, alg)
		Expect(dec.Plaintext).To(Equal(proofMessage), "%s: the key decrypts a local %s ciphertext to different bytes", rule, alg)
	}
}

// proofGetPublicKey calls GetPublicKey and returns its answer and error,
// for IMP-046 to assert.
func proofGetPublicKey(ctx context.Context, c *kms.Client, keyID string) (*kms.GetPublicKeyOutput, error) {
	GinkgoHelper()
	By("getting the key's public key")
	return c.GetPublicKey(ctx, &kms.GetPublicKeyInput{KeyId: aws.String(keyID)})
}

// proofPublicKeyCase is one IMP-046 spec: a key spec and usage.
type proofPublicKeyCase struct {
	spec  types.KeySpec
	usage types.KeyUsageType
}

var _ = Describe("Imported asymmetric keys", func() {
	// checkPublicHalf is the body of every IMP-046 spec: import a private
	// key, then GetPublicKey must return exactly the DER SubjectPublicKeyInfo
	// of its public half, and the key's private operations must match it.
	checkPublicHalf := func(ctx SpecContext, rule string, expect func(error), pc proofPublicKeyCase) {
		c := conform.Client()
		key := mustCreateKey(ctx, c, kms.CreateKeyInput{Origin: types.OriginTypeExternal, KeySpec: pc.spec, KeyUsage: pc.usage})
		id := aws.ToString(key.KeyId)
		m := mustNewMaterial(pc.spec)
		mustImportForProof(ctx, c, id, m)

		out, err := proofGetPublicKey(ctx, c, id)
		expect(err)
		Expect(out.PublicKey).To(Equal(m.PublicKeyDER), "%s: GetPublicKey does not return the DER SubjectPublicKeyInfo of the imported %s private key", rule, pc.spec)
		Expect(out.KeySpec).To(Equal(pc.spec), "%s: GetPublicKey reports KeySpec %s for a %s key", rule, out.KeySpec, pc.spec)
		Expect(out.KeyUsage).To(Equal(pc.usage), "%s: GetPublicKey reports KeyUsage %s for a key created with %s", rule, out.KeyUsage, pc.usage)
		mustProveImported(ctx, c, rule, id, pc.usage, m)
	}

	for _, pc := range []proofPublicKeyCase{
		{types.KeySpecRsa2048, types.KeyUsageTypeSignVerify}, {types.KeySpecRsa2048, types.KeyUsageTypeEncryptDecrypt},
		{types.KeySpecRsa3072, types.KeyUsageTypeSignVerify}, {types.KeySpecRsa3072, types.KeyUsageTypeEncryptDecrypt},
		{types.KeySpecRsa4096, types.KeyUsageTypeSignVerify}, {types.KeySpecRsa4096, types.KeyUsageTypeEncryptDecrypt},
	} {
		conform.It("IMP-046", "returns the public half of an imported "+string(pc.spec)+" "+string(pc.usage)+" private key", func(ctx SpecContext, r conform.Rule) {
			checkPublicHalf(ctx, r.ID, r.Case("RSA").ExpectSuccess, pc)
		})
	}
	for _, spec := range []types.KeySpec{types.KeySpecEccNistP256, types.KeySpecEccNistP384, types.KeySpecEccNistP521, types.KeySpecEccSecgP256k1} {
		conform.It("IMP-046", "returns the public half of an imported "+string(spec)+" private key", func(ctx SpecContext, r conform.Rule) {
			checkPublicHalf(ctx, r.ID, r.Case("ECC").ExpectSuccess, proofPublicKeyCase{spec, types.KeyUsageTypeSignVerify})
		})
	}
	conform.ItCase("IMP-046", "ECC_NIST_EDWARDS25519", "returns the public half of an imported ECC_NIST_EDWARDS25519 private key", func(ctx SpecContext, c conform.Case) {
		checkPublicHalf(ctx, "IMP-046", c.ExpectSuccess, proofPublicKeyCase{types.KeySpecEccNistEdwards25519, types.KeyUsageTypeSignVerify})
	})
})
