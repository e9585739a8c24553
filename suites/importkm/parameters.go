package importkm

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/kmsconform/kmsconform/harness/config"
	"github.com/kmsconform/kmsconform/suites/conform"
)

// parametersClockTolerance is how far ParametersValidTo may stray from the
// request time plus the token lifetime (IMP-012): the suite reads its own
// clock, the target stamps the answer with its clock, and the two are only as
// close as their time synchronisation. Five minutes is what AWS itself
// tolerates between a signed request's timestamp and its own clock (SigV4), so
// a target further off could not serve signed requests at all.
const parametersClockTolerance = 5 * time.Minute

// wrappingKeySpecBits is the modulus size each wrapping key spec names (IMP-013).
var wrappingKeySpecBits = map[types.WrappingKeySpec]int{
	types.WrappingKeySpecRsa2048: 2048,
	types.WrappingKeySpecRsa3072: 3072,
	types.WrappingKeySpecRsa4096: 4096,
}

// getParametersUnderTest calls GetParametersForImport for a spec whose rule is about
// that call's outcome, and returns the answer and the error.
func getParametersUnderTest(ctx SpecContext, c *kms.Client, keyID string, alg types.AlgorithmSpec, wks types.WrappingKeySpec) (*kms.GetParametersForImportOutput, error) {
	GinkgoHelper()
	By("calling GetParametersForImport (" + string(alg) + ", " + string(wks) + ") for " + keyID)
	return c.GetParametersForImport(ctx, &kms.GetParametersForImportInput{KeyId: aws.String(keyID), WrappingAlgorithm: alg, WrappingKeySpec: wks})
}

var _ = Describe("GetParametersForImport", func() {
	const (
		alg = types.AlgorithmSpecRsaesOaepSha256
		wks = types.WrappingKeySpecRsa2048
	)

	// IMP-010: the required members and what KeyId may name.

	conform.It("IMP-010", "accepts the key ID and the key ARN of an EXTERNAL key", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		key := mustCreateExternalKey(ctx, c, types.KeySpecSymmetricDefault)
		_, err := getParametersUnderTest(ctx, c, aws.ToString(key.KeyId), alg, wks)
		r.Case("key-id").ExpectSuccess(err)
		_, err = getParametersUnderTest(ctx, c, aws.ToString(key.Arn), alg, wks)
		r.Case("key-arn").ExpectSuccess(err)
	})

	conform.It("IMP-010", "rejects a request without KeyId", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		key := mustCreateExternalKey(ctx, c, types.KeySpecSymmetricDefault)
		// The request names no key, so no key can be changed by it; the
		// spec's own key stands for any key a faulty target might fall back
		// to.
		before := conform.SnapshotKey(ctx, c, aws.ToString(key.KeyId))
		By("calling GetParametersForImport without KeyId (SDK input validation removed so the request is sent)")
		_, err := c.GetParametersForImport(ctx, &kms.GetParametersForImportInput{WrappingAlgorithm: alg, WrappingKeySpec: wks}, withoutSDKInputValidation)
		r.Case("missing-key-id").ExpectError(err)
		conform.ExpectKeyUnchanged(ctx, before)
	})

	conform.It("IMP-010", "rejects a request without WrappingAlgorithm", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		key := mustCreateExternalKey(ctx, c, types.KeySpecSymmetricDefault)
		id := aws.ToString(key.KeyId)
		before := conform.SnapshotKey(ctx, c, id)
		By("calling GetParametersForImport without WrappingAlgorithm (SDK input validation removed so the request is sent)")
		_, err := c.GetParametersForImport(ctx, &kms.GetParametersForImportInput{KeyId: aws.String(id), WrappingKeySpec: wks}, withoutSDKInputValidation)
		r.Case("missing-wrapping-algorithm").ExpectError(err)
		conform.ExpectKeyUnchanged(ctx, before)
	})

	conform.It("IMP-010", "rejects a request without WrappingKeySpec", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		key := mustCreateExternalKey(ctx, c, types.KeySpecSymmetricDefault)
		id := aws.ToString(key.KeyId)
		before := conform.SnapshotKey(ctx, c, id)
		By("calling GetParametersForImport without WrappingKeySpec (SDK input validation removed so the request is sent)")
		_, err := c.GetParametersForImport(ctx, &kms.GetParametersForImportInput{KeyId: aws.String(id), WrappingAlgorithm: alg}, withoutSDKInputValidation)
		r.Case("missing-wrapping-key-spec").ExpectError(err)
		conform.ExpectKeyUnchanged(ctx, before)
	})

	conform.It("IMP-010", "rejects a KeyId longer than 2048 characters", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		key := mustCreateExternalKey(ctx, c, types.KeySpecSymmetricDefault)
		id := aws.ToString(key.KeyId)
		// The key's own ARN padded with zeros to 2049 characters, one more
		// than the model allows.
		long := aws.ToString(key.Arn)
		for len(long) < 2049 {
			long += "0"
		}
		before := conform.SnapshotKey(ctx, c, id)
		_, err := getParametersUnderTest(ctx, c, long, alg, wks)
		r.Case("key-id-too-long").ExpectError(err)
		conform.ExpectKeyUnchanged(ctx, before)
	})

	conform.It("IMP-010", "rejects an alias name and an alias ARN as KeyId", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		key := mustCreateExternalKey(ctx, c, types.KeySpecSymmetricDefault)
		id := aws.ToString(key.KeyId)
		alias := aliasOfKey(ctx, c, id)

		before := conform.SnapshotKey(ctx, c, id)
		_, err := getParametersUnderTest(ctx, c, alias, alg, wks)
		r.Case("alias-name").ExpectError(err)
		conform.ExpectKeyUnchanged(ctx, before)

		before = conform.SnapshotKey(ctx, c, id)
		_, err = getParametersUnderTest(ctx, c, aliasARNLike(aws.ToString(key.Arn), alias), alg, wks)
		r.Case("alias-arn").ExpectError(err)
		conform.ExpectKeyUnchanged(ctx, before)
	})

	conform.It("IMP-011", "returns the key ARN, a token, a public key and ParametersValidTo, also when asked by key ID", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		key := mustCreateExternalKey(ctx, c, types.KeySpecSymmetricDefault)
		out, err := getParametersUnderTest(ctx, c, aws.ToString(key.KeyId), alg, wks)
		r.ExpectSuccess(err)
		Expect(aws.ToString(out.KeyId)).To(Equal(aws.ToString(key.Arn)), "IMP-011: KeyId of the response must be the key ARN (the request named the key ID)")
		Expect(len(out.ImportToken)).To(BeNumerically(">=", 1), "IMP-011: ImportToken is empty")
		Expect(len(out.ImportToken)).To(BeNumerically("<=", 6144), "IMP-011: ImportToken is longer than 6144 bytes")
		Expect(len(out.PublicKey)).To(BeNumerically(">=", 1), "IMP-011: PublicKey is empty")
		Expect(len(out.PublicKey)).To(BeNumerically("<=", 4096), "IMP-011: PublicKey is longer than 4096 bytes")
		Expect(out.ParametersValidTo).NotTo(BeNil(), "IMP-011: the response has no ParametersValidTo")
	})

	conform.It("IMP-012", "returns ParametersValidTo 24 hours (or the declared token lifetime) after the request", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		lifetime := conform.AWSTokenLifetime
		if caps := conform.Config().Capabilities; caps.Has(config.TokenLifetime) {
			// A target that declared token-lifetime=DUR issues tokens that
			// live DUR, so that IMP-058 can be checked in seconds.
			lifetime = caps.TokenLifetime()
		}
		key := mustCreateExternalKey(ctx, c, types.KeySpecSymmetricDefault)
		sent := time.Now()
		out, err := getParametersUnderTest(ctx, c, aws.ToString(key.KeyId), alg, wks)
		answered := time.Now()
		r.ExpectSuccess(err)
		Expect(out.ParametersValidTo).NotTo(BeNil(), "IMP-012: the response has no ParametersValidTo")
		validTo := *out.ParametersValidTo
		Expect(validTo).To(BeTemporally(">=", sent.Add(lifetime-parametersClockTolerance)),
			"IMP-012: ParametersValidTo %s is more than %s before the request time + %s (request sent %s)", validTo.UTC(), parametersClockTolerance, lifetime, sent.UTC())
		Expect(validTo).To(BeTemporally("<=", answered.Add(lifetime+parametersClockTolerance)),
			"IMP-012: ParametersValidTo %s is more than %s after the request time + %s (answer received %s)", validTo.UTC(), parametersClockTolerance, lifetime, answered.UTC())
	})

	for _, spec := range []types.WrappingKeySpec{types.WrappingKeySpecRsa2048, types.WrappingKeySpecRsa3072, types.WrappingKeySpecRsa4096} {
		conform.ItCase("IMP-013", string(spec), "returns PublicKey as a DER SubjectPublicKeyInfo of an RSA key of "+string(spec)+"'s size", func(ctx SpecContext, c conform.Case) {
			kc := conform.Client()
			key := mustCreateExternalKey(ctx, kc, types.KeySpecSymmetricDefault)
			out, err := getParametersUnderTest(ctx, kc, aws.ToString(key.KeyId), alg, spec)
			c.ExpectSuccess(err)
			By("decoding PublicKey as a DER SubjectPublicKeyInfo")
			// ParsePKIXPublicKey also rejects trailing bytes after the DER
			// structure, so this checks the whole value.
			pub, err := x509.ParsePKIXPublicKey(out.PublicKey)
			Expect(err).NotTo(HaveOccurred(), "IMP-013: PublicKey is not a DER SubjectPublicKeyInfo")
			rsaPub, ok := pub.(*rsa.PublicKey)
			Expect(ok).To(BeTrue(), "IMP-013: PublicKey holds a %T, not an RSA public key", pub)
			Expect(rsaPub.N.BitLen()).To(Equal(wrappingKeySpecBits[spec]), "IMP-013: the modulus of the %s wrapping key has %d bits", spec, rsaPub.N.BitLen())
		})
	}

	conform.It("IMP-015", "rejects a key whose Origin is AWS_KMS", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		key := mustCreateAWSKMSKey(ctx, c, types.KeySpecSymmetricDefault)
		id := aws.ToString(key.KeyId)
		before := conform.SnapshotKey(ctx, c, id)
		_, err := getParametersUnderTest(ctx, c, id, alg, wks)
		r.ExpectError(err)
		conform.ExpectKeyUnchanged(ctx, before)
	})

	// IMP-018: any number of calls, each with a new set of parameters.

	conform.It("IMP-018", "succeeds on every repeated call with a new token and public key, and each set stays usable", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		key := mustCreateExternalKey(ctx, c, types.KeySpecSymmetricDefault)
		id := aws.ToString(key.KeyId)
		var sets []*kms.GetParametersForImportOutput
		for range 3 {
			out, err := getParametersUnderTest(ctx, c, id, alg, wks)
			r.Case("repeat").ExpectSuccess(err)
			sets = append(sets, out)
		}
		mustAllParameterSetsDiffer(sets)

		if validTo := sets[0].ParametersValidTo; validTo != nil && time.Now().After(*validTo) {
			// Only with a declared short token lifetime: the first set has
			// expired by the target's own account, so refusing it now would
			// be right (IMP-058).
			AddReportEntry("usability not checked", "the first set's ParametersValidTo passed before it could be used")
			return
		}
		By("importing with the first set, after the later calls: a later call must not have taken the earlier set's place")
		m := mustNewMaterial(types.KeySpecSymmetricDefault)
		err := importWrapped(ctx, c, id, sets[0].ImportToken, mustWrap(sets[0], alg, m.Bytes), doesNotExpire)
		Expect(err).NotTo(HaveOccurred(), "IMP-018: the parameters of the first of %d calls were refused after the later calls: %s", len(sets), conform.Observe(err))
	})

	conform.It("IMP-018", "accepts a different WrappingAlgorithm on later calls", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		key := mustCreateExternalKey(ctx, c, types.KeySpecSymmetricDefault)
		id := aws.ToString(key.KeyId)
		var sets []*kms.GetParametersForImportOutput
		for _, a := range []types.AlgorithmSpec{types.AlgorithmSpecRsaesOaepSha256, types.AlgorithmSpecRsaesOaepSha1, types.AlgorithmSpecRsaesOaepSha256} {
			out, err := getParametersUnderTest(ctx, c, id, a, wks)
			r.Case("change-wrapping-algorithm").ExpectSuccess(err)
			sets = append(sets, out)
		}
		mustAllParameterSetsDiffer(sets)
	})

	conform.ItCase("IMP-018", "change-wrapping-key-spec", "accepts a different WrappingKeySpec on later calls", func(ctx SpecContext, c conform.Case) {
		kc := conform.Client()
		key := mustCreateExternalKey(ctx, kc, types.KeySpecSymmetricDefault)
		id := aws.ToString(key.KeyId)
		var sets []*kms.GetParametersForImportOutput
		for _, s := range []types.WrappingKeySpec{types.WrappingKeySpecRsa2048, types.WrappingKeySpecRsa3072, types.WrappingKeySpecRsa4096, types.WrappingKeySpecRsa2048} {
			out, err := getParametersUnderTest(ctx, kc, id, alg, s)
			c.ExpectSuccess(err)
			sets = append(sets, out)
		}
		mustAllParameterSetsDiffer(sets)
	})

	// IMP-021, IMP-022: wrapping key specs.

	for _, spec := range []types.WrappingKeySpec{types.WrappingKeySpecRsa2048, types.WrappingKeySpecRsa3072, types.WrappingKeySpecRsa4096} {
		conform.ItCase("IMP-021", string(spec), "accepts WrappingKeySpec "+string(spec), func(ctx SpecContext, c conform.Case) {
			kc := conform.Client()
			key := mustCreateExternalKey(ctx, kc, types.KeySpecSymmetricDefault)
			_, err := getParametersUnderTest(ctx, kc, aws.ToString(key.KeyId), alg, spec)
			c.ExpectSuccess(err)
		})
	}
	for _, spec := range []types.WrappingKeySpec{types.WrappingKeySpecRsa3072, types.WrappingKeySpecRsa4096} {
		conform.ItCase("IMP-021", string(spec)+"-2022", "rejects WrappingKeySpec "+string(spec)+", which the 2022 model does not have", func(ctx SpecContext, c conform.Case) {
			kc := conform.Client()
			key := mustCreateExternalKey(ctx, kc, types.KeySpecSymmetricDefault)
			id := aws.ToString(key.KeyId)
			before := conform.SnapshotKey(ctx, kc, id)
			_, err := getParametersUnderTest(ctx, kc, id, alg, spec)
			c.ExpectError(err)
			conform.ExpectKeyUnchanged(ctx, before)
		})
	}

	conform.It("IMP-022", "accepts RSA_2048 and rejects RSA_3072 and RSA_4096", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		key := mustCreateExternalKey(ctx, c, types.KeySpecSymmetricDefault)
		id := aws.ToString(key.KeyId)
		_, err := getParametersUnderTest(ctx, c, id, alg, types.WrappingKeySpecRsa2048)
		r.Case("RSA_2048").ExpectSuccess(err)
		for _, spec := range []types.WrappingKeySpec{types.WrappingKeySpecRsa3072, types.WrappingKeySpecRsa4096} {
			before := conform.SnapshotKey(ctx, c, id)
			_, err := getParametersUnderTest(ctx, c, id, alg, spec)
			r.Case(string(spec)).ExpectError(err)
			conform.ExpectKeyUnchanged(ctx, before)
		}
	})

	// IMP-023, IMP-024: wrapping algorithms.

	for _, a := range []types.AlgorithmSpec{types.AlgorithmSpecRsaesOaepSha256, types.AlgorithmSpecRsaesOaepSha1} {
		conform.ItCase("IMP-023", string(a), "accepts WrappingAlgorithm "+string(a)+" for a symmetric key", func(ctx SpecContext, c conform.Case) {
			kc := conform.Client()
			key := mustCreateExternalKey(ctx, kc, types.KeySpecSymmetricDefault)
			_, err := getParametersUnderTest(ctx, kc, aws.ToString(key.KeyId), a, wks)
			c.ExpectSuccess(err)
		})
	}
	for _, a := range []types.AlgorithmSpec{types.AlgorithmSpecRsaAesKeyWrapSha256, types.AlgorithmSpecRsaAesKeyWrapSha1} {
		conform.ItCase("IMP-023", string(a), "accepts WrappingAlgorithm "+string(a)+" for an RSA key", func(ctx SpecContext, c conform.Case) {
			kc := conform.Client()
			// RSA private keys are the material RSA_AES_KEY_WRAP_* exists
			// for: they do not fit one RSA-OAEP block (wrapping.yaml).
			key := mustCreateExternalKey(ctx, kc, types.KeySpecRsa2048)
			_, err := getParametersUnderTest(ctx, kc, aws.ToString(key.KeyId), a, wks)
			c.ExpectSuccess(err)
		})
	}

	conform.It("IMP-024", "accepts the two OAEP algorithms and RSAES_PKCS1_V1_5 and rejects RSA_AES_KEY_WRAP_*", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		key := mustCreateExternalKey(ctx, c, types.KeySpecSymmetricDefault)
		id := aws.ToString(key.KeyId)
		for _, a := range []types.AlgorithmSpec{types.AlgorithmSpecRsaesOaepSha256, types.AlgorithmSpecRsaesOaepSha1, types.AlgorithmSpecRsaesPkcs1V15} {
			_, err := getParametersUnderTest(ctx, c, id, a, wks)
			r.Case(string(a)).ExpectSuccess(err)
		}
		for _, a := range []types.AlgorithmSpec{types.AlgorithmSpecRsaAesKeyWrapSha256, types.AlgorithmSpecRsaAesKeyWrapSha1} {
			before := conform.SnapshotKey(ctx, c, id)
			_, err := getParametersUnderTest(ctx, c, id, a, wks)
			r.Case(string(a)).ExpectError(err)
			conform.ExpectKeyUnchanged(ctx, before)
		}
	})

	// IMP-027 (2022): no import parameters for asymmetric and HMAC keys.
	for _, tc := range []struct {
		caseName string
		specs    []types.KeySpec
	}{
		{"asymmetric", []types.KeySpec{types.KeySpecRsa2048, types.KeySpecEccNistP256}},
		{"HMAC", []types.KeySpec{types.KeySpecHmac256}},
	} {
		caseName, specs := tc.caseName, tc.specs
		conform.ItCase("IMP-027", caseName, "rejects GetParametersForImport for "+caseName+" keys", func(ctx SpecContext, c conform.Case) {
			kc := conform.Client()
			for _, spec := range specs {
				// In this profile such keys exist only with Origin=AWS_KMS
				// (IMP-006), so that is the key the rule is checked on.
				key := mustCreateAWSKMSKey(ctx, kc, spec)
				id := aws.ToString(key.KeyId)
				before := conform.SnapshotKey(ctx, kc, id)
				// RSAES_OAEP_SHA_256 is in the 2022 model, and the wrapping
				// matrix of later profiles allows it for ECC and HMAC
				// material, so for those keys nothing but the key type can
				// be the reason to refuse the request.
				_, err := getParametersUnderTest(ctx, kc, id, types.AlgorithmSpecRsaesOaepSha256, wks)
				c.ExpectError(err)
				conform.ExpectKeyUnchanged(ctx, before)

				// A target that wrongly creates such a key with
				// Origin=EXTERNAL (IMP-006 reports that) must still refuse
				// it import parameters; otherwise the origin check alone
				// would hide a missing key-type check.
				ext, err := createKeyUnderTest(ctx, kc, kms.CreateKeyInput{Origin: types.OriginTypeExternal, KeySpec: spec, KeyUsage: naturalUsage(spec)})
				if err != nil {
					By("the target refused an EXTERNAL " + string(spec) + " key, as IMP-006 requires: no further key to check")
					continue
				}
				extID := aws.ToString(ext.KeyId)
				before = conform.SnapshotKey(ctx, kc, extID)
				_, err = getParametersUnderTest(ctx, kc, extID, types.AlgorithmSpecRsaesOaepSha256, wks)
				c.ExpectError(err)
				conform.ExpectKeyUnchanged(ctx, before)
			}
		})
	}
})

// mustAllParameterSetsDiffer asserts that no two GetParametersForImport answers share an
// import token or a public key (IMP-018).
func mustAllParameterSetsDiffer(sets []*kms.GetParametersForImportOutput) {
	GinkgoHelper()
	for i := range sets {
		for j := range i {
			Expect(bytes.Equal(sets[i].ImportToken, sets[j].ImportToken)).To(BeFalse(), "IMP-018: calls %d and %d returned the same ImportToken", j+1, i+1)
			Expect(bytes.Equal(sets[i].PublicKey, sets[j].PublicKey)).To(BeFalse(), "IMP-018: calls %d and %d returned the same PublicKey", j+1, i+1)
		}
	}
}
