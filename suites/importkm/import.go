package importkm

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/kmsconform/kmsconform/fixtures/material"
	"github.com/kmsconform/kmsconform/suites/conform"
)

// keyMaterialIDForm is the form of a KeyMaterialId (IMP-047, IMP-048).
var keyMaterialIDForm = regexp.MustCompile(`^[0-9a-f]{64}$`)

// importFieldViolation is one IMP-047 case: a change to an otherwise valid
// ImportKeyMaterial request that breaks one constraint of the model.
type importFieldViolation struct {
	caseName string
	what     string
	change   func(in *kms.ImportKeyMaterialInput)
	// unvalidated: the SDK checks that the member is present, so the
	// request is sent without the SDK's input validation.
	unvalidated bool
}

func freshRandomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

var importFieldViolations = []importFieldViolation{
	{caseName: "missing-key-id", what: "without KeyId", unvalidated: true,
		change: func(in *kms.ImportKeyMaterialInput) { in.KeyId = nil }},
	{caseName: "missing-import-token", what: "without ImportToken", unvalidated: true,
		change: func(in *kms.ImportKeyMaterialInput) { in.ImportToken = nil }},
	{caseName: "missing-encrypted-key-material", what: "without EncryptedKeyMaterial", unvalidated: true,
		change: func(in *kms.ImportKeyMaterialInput) { in.EncryptedKeyMaterial = nil }},
	{caseName: "key-id-too-long", what: "with the key ARN padded to 2049 characters",
		change: func(in *kms.ImportKeyMaterialInput) {
			in.KeyId = aws.String(aws.ToString(in.KeyId) + strings.Repeat("0", 2049-len(aws.ToString(in.KeyId))))
		}},
	{caseName: "import-token-too-long", what: "with the import token followed by random bytes up to 6145 bytes",
		change: func(in *kms.ImportKeyMaterialInput) {
			in.ImportToken = append(append([]byte(nil), in.ImportToken...), freshRandomBytes(6145-len(in.ImportToken))...)
		}},
	{caseName: "encrypted-key-material-too-long", what: "with the wrapped material followed by random bytes up to 6145 bytes",
		change: func(in *kms.ImportKeyMaterialInput) {
			in.EncryptedKeyMaterial = append(append([]byte(nil), in.EncryptedKeyMaterial...), freshRandomBytes(6145-len(in.EncryptedKeyMaterial))...)
		}},
	{caseName: "unknown-expiration-model", what: "with ExpirationModel=NOT_A_MODEL",
		change: func(in *kms.ImportKeyMaterialInput) {
			in.ExpirationModel = types.ExpirationModelType("NOT_A_MODEL")
			in.ValidTo = nil
		}},
	{caseName: "unknown-import-type", what: "with ImportType=NOT_AN_IMPORT_TYPE",
		change: func(in *kms.ImportKeyMaterialInput) { in.ImportType = types.ImportType("NOT_AN_IMPORT_TYPE") }},
	{caseName: "key-material-description-too-long", what: "with a KeyMaterialDescription of 257 allowed characters",
		change: func(in *kms.ImportKeyMaterialInput) { in.KeyMaterialDescription = aws.String(strings.Repeat("a", 257)) }},
	{caseName: "key-material-description-bad-character", what: "with a KeyMaterialDescription holding '!', which its pattern does not allow",
		change: func(in *kms.ImportKeyMaterialInput) { in.KeyMaterialDescription = aws.String("kmsconform material!") }},
	{caseName: "key-material-id-wrong-length", what: "with a KeyMaterialId of 63 lowercase hex characters",
		change: func(in *kms.ImportKeyMaterialInput) { in.KeyMaterialId = aws.String(strings.Repeat("a", 63)) }},
	{caseName: "key-material-id-uppercase", what: "with a KeyMaterialId of 64 uppercase hex characters",
		change: func(in *kms.ImportKeyMaterialInput) { in.KeyMaterialId = aws.String(strings.Repeat("A", 64)) }},
}

var _ = Describe("ImportKeyMaterial", func() {
	for _, v := range importFieldViolations {
		conform.ItCase("IMP-047", v.caseName, "rejects a request "+v.what, func(ctx SpecContext, c conform.Case) {
			kc := conform.Client()
			p := mustReadyImport(ctx, kc, types.KeySpecSymmetricDefault)
			in := p.request(doesNotExpire)
			// The key ARN rather than the key ID, so that the padded value
			// of key-id-too-long starts with a valid reference.
			in.KeyId = aws.String(p.arn)
			v.change(in)
			var opts []func(*kms.Options)
			if v.unvalidated {
				opts = append(opts, withoutSDKInputValidation)
			}
			before := conform.SnapshotKey(ctx, kc, p.keyID)
			By("importing otherwise valid wrapped material " + v.what)
			_, err := kc.ImportKeyMaterial(ctx, in, opts...)
			c.ExpectError(err)
			conform.ExpectKeyUnchanged(ctx, before)
		})
	}

	conform.It("IMP-047", "rejects an alias name as KeyId", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		p := mustReadyImport(ctx, c, types.KeySpecSymmetricDefault)
		alias := aliasOfKey(ctx, c, p.keyID)
		in := p.request(doesNotExpire)
		in.KeyId = aws.String(alias)
		before := conform.SnapshotKey(ctx, c, p.keyID)
		By("importing valid wrapped material for the key, naming it by its alias " + alias)
		_, err := c.ImportKeyMaterial(ctx, in)
		r.Case("alias-name").ExpectError(err)
		conform.ExpectKeyUnchanged(ctx, before)
	})

	conform.It("IMP-048", "returns the key ARN and a KeyMaterialId of 64 lowercase hex characters", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		p := mustReadyImport(ctx, c, types.KeySpecSymmetricDefault)
		By("importing the material, naming the key by its key ID")
		out, err := c.ImportKeyMaterial(ctx, p.request(doesNotExpire))
		r.ExpectSuccess(err)
		Expect(aws.ToString(out.KeyId)).To(Equal(p.arn), "IMP-048: KeyId of the ImportKeyMaterial response must be the key ARN")
		Expect(aws.ToString(out.KeyMaterialId)).To(MatchRegexp(keyMaterialIDForm.String()), "IMP-048: KeyMaterialId of the ImportKeyMaterial response must be 64 lowercase hex characters")
	})

	conform.It("IMP-049", "returns an empty response: no KeyId and no KeyMaterialId", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		p := mustReadyImport(ctx, c, types.KeySpecSymmetricDefault)
		By("importing the material")
		out, err := c.ImportKeyMaterial(ctx, p.request(doesNotExpire))
		r.ExpectSuccess(err)
		Expect(out.KeyId).To(BeNil(), "IMP-049: the ImportKeyMaterial response of this profile has no KeyId member, but the target returned %q", aws.ToString(out.KeyId))
		Expect(out.KeyMaterialId).To(BeNil(), "IMP-049: the ImportKeyMaterial response of this profile has no KeyMaterialId member, but the target returned %q", aws.ToString(out.KeyMaterialId))
	})

	conform.It("IMP-061", "rejects an import into a key whose Origin is AWS_KMS", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		// GetParametersForImport refuses an AWS_KMS key (IMP-015), so the
		// token and wrapped material come from an EXTERNAL key; the origin
		// is taken to be checked before the token.
		p := mustReadyImport(ctx, c, types.KeySpecSymmetricDefault)
		key := mustCreateAWSKMSKey(ctx, c, types.KeySpecSymmetricDefault)
		id := aws.ToString(key.KeyId)
		in := p.request(doesNotExpire)
		in.KeyId = aws.String(id)
		before := conform.SnapshotKey(ctx, c, id)
		By("importing wrapped material into the AWS_KMS key")
		_, err := c.ImportKeyMaterial(ctx, in)
		r.ExpectError(err)
		conform.ExpectKeyUnchanged(ctx, before)
	})

	// IMP-064: the first import enables the key and makes it usable.

	conform.ItCase("IMP-064", "symmetric", "enables a symmetric key, which then encrypts and decrypts", func(ctx SpecContext, c conform.Case) {
		kc := conform.Client()
		p := mustReadyImport(ctx, kc, types.KeySpecSymmetricDefault)
		_, err := kc.ImportKeyMaterial(ctx, p.request(doesNotExpire))
		c.ExpectSuccess(err)
		mustBeEnabledAfterImport(ctx, kc, p.keyID)

		By("encrypting and decrypting with the key")
		plaintext := freshRandomBytes(64)
		enc, err := kc.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(p.keyID), Plaintext: plaintext})
		Expect(err).NotTo(HaveOccurred(), "IMP-064: Encrypt with the imported key: %s", conform.Observe(err))
		dec, err := kc.Decrypt(ctx, &kms.DecryptInput{KeyId: aws.String(p.keyID), CiphertextBlob: enc.CiphertextBlob})
		Expect(err).NotTo(HaveOccurred(), "IMP-064: Decrypt with the imported key: %s", conform.Observe(err))
		Expect(dec.Plaintext).To(Equal(plaintext), "IMP-064: Decrypt returned other bytes than were encrypted")
	})

	for _, spec := range []types.KeySpec{types.KeySpecRsa2048, types.KeySpecEccNistP256} {
		conform.ItCase("IMP-064", "asymmetric", "enables an "+string(spec)+" SIGN_VERIFY key, which then signs with the imported private key", func(ctx SpecContext, c conform.Case) {
			kc := conform.Client()
			p := mustReadyImport(ctx, kc, spec)
			_, err := kc.ImportKeyMaterial(ctx, p.request(doesNotExpire))
			c.ExpectSuccess(err)
			mustBeEnabledAfterImport(ctx, kc, p.keyID)

			alg := material.SigningAlgorithms(spec)[0]
			digest := sha256.Sum256(freshRandomBytes(64))
			By("signing a digest with " + string(alg))
			sig, err := kc.Sign(ctx, &kms.SignInput{KeyId: aws.String(p.keyID), Message: digest[:], MessageType: types.MessageTypeDigest, SigningAlgorithm: alg})
			Expect(err).NotTo(HaveOccurred(), "IMP-064: Sign with the imported key: %s", conform.Observe(err))
			By("verifying the signature locally with the public half of the imported material")
			Expect(material.VerifySignature(p.material.PublicKeyDER, alg, digest[:], sig.Signature)).To(Succeed(), "IMP-064: the signature does not verify under the imported key pair: the key does not sign with the imported material")
			By("verifying the signature with the target")
			ver, err := kc.Verify(ctx, &kms.VerifyInput{KeyId: aws.String(p.keyID), Message: digest[:], MessageType: types.MessageTypeDigest, Signature: sig.Signature, SigningAlgorithm: alg})
			Expect(err).NotTo(HaveOccurred(), "IMP-064: Verify with the imported key: %s", conform.Observe(err))
			Expect(ver.SignatureValid).To(BeTrue(), "IMP-064: Verify reports its own signature invalid")
		})
	}

	conform.ItCase("IMP-064", "HMAC", "enables an HMAC_256 key, which then computes MACs with the imported secret", func(ctx SpecContext, c conform.Case) {
		kc := conform.Client()
		p := mustReadyImport(ctx, kc, types.KeySpecHmac256)
		_, err := kc.ImportKeyMaterial(ctx, p.request(doesNotExpire))
		c.ExpectSuccess(err)
		mustBeEnabledAfterImport(ctx, kc, p.keyID)

		alg := material.MacAlgorithm(types.KeySpecHmac256)
		msg := freshRandomBytes(64)
		By("computing a MAC with " + string(alg))
		mac, err := kc.GenerateMac(ctx, &kms.GenerateMacInput{KeyId: aws.String(p.keyID), Message: msg, MacAlgorithm: alg})
		Expect(err).NotTo(HaveOccurred(), "IMP-064: GenerateMac with the imported key: %s", conform.Observe(err))
		By("computing the same MAC locally with the imported secret")
		local, err := material.Parse(types.KeySpecHmac256, p.material.Bytes)
		Expect(err).NotTo(HaveOccurred(), "parsing the suite's own HMAC material")
		want, err := local.MAC(alg, msg)
		Expect(err).NotTo(HaveOccurred(), "computing the MAC locally")
		Expect(bytes.Equal(mac.Mac, want)).To(BeTrue(), "IMP-064: the key's MAC differs from the MAC under the imported secret: the key does not use the imported material")
		By("verifying the MAC with the target")
		ver, err := kc.VerifyMac(ctx, &kms.VerifyMacInput{KeyId: aws.String(p.keyID), Message: msg, Mac: mac.Mac, MacAlgorithm: alg})
		Expect(err).NotTo(HaveOccurred(), "IMP-064: VerifyMac with the imported key: %s", conform.Observe(err))
		Expect(ver.MacValid).To(BeTrue(), "IMP-064: VerifyMac reports its own MAC invalid")
	})
})

// mustBeEnabledAfterImport asserts the state IMP-064 demands after the first
// import.
func mustBeEnabledAfterImport(ctx SpecContext, c *kms.Client, keyID string) {
	GinkgoHelper()
	meta := mustDescribe(ctx, c, keyID)
	Expect(meta).To(conform.HaveKeyState(types.KeyStateEnabled), "IMP-064: KeyState after the first import")
	Expect(meta.Enabled).To(BeTrue(), "IMP-064: Enabled after the first import")
}
