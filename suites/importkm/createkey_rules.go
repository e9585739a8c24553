package importkm

import (
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/kmsconform/kmsconform/suites/conform"
)

// keyUsageCase is one IMP-009 case: the key specs of a class and the KeyUsage
// sent with them ("" omits the member).
type keyUsageCase struct {
	specs []types.KeySpec
	usage types.KeyUsageType
}

// mustBeMaterialLessExternalKey asserts what CreateKey must return for an
// EXTERNAL key: the key spec asked for, Origin=EXTERNAL and PendingImport (no
// material).
func mustBeMaterialLessExternalKey(rule string, meta *types.KeyMetadata, spec types.KeySpec) {
	GinkgoHelper()
	Expect(meta.KeySpec).To(Equal(spec), "%s: CreateKey returned another KeySpec than was asked for", rule)
	Expect(meta.Origin).To(Equal(types.OriginTypeExternal), "%s: CreateKey returned another Origin than EXTERNAL", rule)
	Expect(meta).To(conform.HaveKeyState(types.KeyStatePendingImport), "%s: a new EXTERNAL key must be in PendingImport", rule)
}

var _ = Describe("CreateKey: origins, key specs and usages of EXTERNAL keys", func() {
	// IMP-001: Origin.

	conform.It("IMP-001", "creates a key with Origin=EXTERNAL and no key material", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		meta, err := createKeyUnderTest(ctx, c, kms.CreateKeyInput{Origin: types.OriginTypeExternal})
		r.Case("external").ExpectSuccess(err)
		Expect(meta.Origin).To(Equal(types.OriginTypeExternal), "IMP-001: CreateKey with Origin=EXTERNAL returned Origin %s", meta.Origin)
		described := mustDescribe(ctx, c, aws.ToString(meta.KeyId))
		Expect(described.Origin).To(Equal(types.OriginTypeExternal), "IMP-001: DescribeKey reports Origin %s for a key created with Origin=EXTERNAL", described.Origin)
		Expect(described).To(conform.HaveKeyState(types.KeyStatePendingImport), "IMP-001: a key without key material must be in PendingImport")
	})

	conform.It("IMP-001", "creates a key with Origin=AWS_KMS when Origin is omitted", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		meta, err := createKeyUnderTest(ctx, c, kms.CreateKeyInput{})
		r.Case("default-origin").ExpectSuccess(err)
		Expect(meta.Origin).To(Equal(types.OriginTypeAwsKms), "IMP-001: CreateKey without Origin returned Origin %s", meta.Origin)
		described := mustDescribe(ctx, c, aws.ToString(meta.KeyId))
		Expect(described.Origin).To(Equal(types.OriginTypeAwsKms), "IMP-001: DescribeKey reports Origin %s for a key created without Origin", described.Origin)
		Expect(described).To(conform.HaveKeyState(types.KeyStateEnabled), "IMP-001: an AWS_KMS key has its material from creation and must be Enabled")
	})

	conform.It("IMP-001", "rejects an Origin outside the OriginType enum", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		// No key exists for this request to change; a key the target
		// wrongly creates is scheduled for deletion by createKeyUnderTest.
		_, err := createKeyUnderTest(ctx, c, kms.CreateKeyInput{Origin: types.OriginType("NOT_AN_ORIGIN")})
		r.Case("unknown-origin").ExpectError(err)
	})

	conform.It("IMP-003", "keeps an EXTERNAL key without material until an import, and its Origin EXTERNAL through import and deletion of the material", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		key := mustCreateExternalKey(ctx, c, types.KeySpecSymmetricDefault)
		id := aws.ToString(key.KeyId)
		mustBeMaterialLessExternalKey("IMP-003", mustDescribe(ctx, c, id), types.KeySpecSymmetricDefault)

		By("checking that the key cannot encrypt: it must have no material")
		_, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(id), Plaintext: []byte("kmsconform IMP-003")})
		Expect(err).To(HaveOccurred(), "IMP-003: an EXTERNAL key encrypted before any import: the target gave it key material")

		By("getting import parameters, which must not give the key material either")
		params := mustGetParameters(ctx, c, id, types.AlgorithmSpecRsaesOaepSha256, types.WrappingKeySpecRsa2048)
		mustBeMaterialLessExternalKey("IMP-003", mustDescribe(ctx, c, id), types.KeySpecSymmetricDefault)

		m := mustNewMaterial(types.KeySpecSymmetricDefault)
		err = importWrapped(ctx, c, id, params.ImportToken, mustWrap(params, types.AlgorithmSpecRsaesOaepSha256, m.Bytes), doesNotExpire)
		Expect(err).NotTo(HaveOccurred(), "ImportKeyMaterial into %s", id)
		meta := mustDescribe(ctx, c, id)
		Expect(meta).To(conform.HaveKeyState(types.KeyStateEnabled), "IMP-003: the key must leave PendingImport once an import succeeded")
		Expect(meta.Origin).To(Equal(types.OriginTypeExternal), "IMP-003: DescribeKey reports Origin %s after an import", meta.Origin)

		By("deleting the imported material")
		_, err = c.DeleteImportedKeyMaterial(ctx, &kms.DeleteImportedKeyMaterialInput{KeyId: aws.String(id)})
		r.ExpectSuccess(err)
		meta = mustDescribe(ctx, c, id)
		Expect(meta.Origin).To(Equal(types.OriginTypeExternal), "IMP-003: DescribeKey reports Origin %s after DeleteImportedKeyMaterial", meta.Origin)
	})

	conform.DescribeTable("CreateKey with Origin=EXTERNAL for every importable key spec",
		func(ctx SpecContext, c conform.Case, spec types.KeySpec) {
			kc := conform.Client()
			meta, err := createKeyUnderTest(ctx, kc, kms.CreateKeyInput{Origin: types.OriginTypeExternal, KeySpec: spec, KeyUsage: naturalUsage(spec)})
			c.ExpectSuccess(err)
			mustBeMaterialLessExternalKey("IMP-004", meta, spec)
		},
		keySpecEntries("IMP-004", "creates an EXTERNAL %s key in PendingImport",
			types.KeySpecSymmetricDefault, types.KeySpecHmac224, types.KeySpecHmac256, types.KeySpecHmac384, types.KeySpecHmac512,
			types.KeySpecRsa2048, types.KeySpecRsa3072, types.KeySpecRsa4096,
			types.KeySpecEccNistP256, types.KeySpecEccNistP384, types.KeySpecEccNistP521, types.KeySpecEccSecgP256k1,
			types.KeySpecEccNistEdwards25519)...,
	)

	conform.DescribeTable("CreateKey with Origin=EXTERNAL for ML-DSA keys",
		func(ctx SpecContext, c conform.Case, spec types.KeySpec) {
			kc := conform.Client()
			// No key exists for this request to change; a key the target
			// wrongly creates is scheduled for deletion by
			// createKeyUnderTest.
			_, err := createKeyUnderTest(ctx, kc, kms.CreateKeyInput{Origin: types.OriginTypeExternal, KeySpec: spec, KeyUsage: types.KeyUsageTypeSignVerify})
			c.ExpectError(err)
		},
		keySpecEntries("IMP-005", "rejects CreateKey with Origin=EXTERNAL and KeySpec %s",
			types.KeySpecMlDsa44, types.KeySpecMlDsa65, types.KeySpecMlDsa87)...,
	)

	conform.DescribeTable("CreateKey with Origin=EXTERNAL before asymmetric and HMAC import (profile 2022)",
		func(ctx SpecContext, c conform.Case, specs []types.KeySpec) {
			kc := conform.Client()
			for _, spec := range specs {
				meta, err := createKeyUnderTest(ctx, kc, kms.CreateKeyInput{Origin: types.OriginTypeExternal, KeySpec: spec, KeyUsage: naturalUsage(spec)})
				c.ExpectOutcome(err)
				if err == nil {
					mustBeMaterialLessExternalKey("IMP-006", meta, spec)
				}
			}
		},
		conform.Entry("IMP-006", "SYMMETRIC_DEFAULT", "creates an EXTERNAL SYMMETRIC_DEFAULT key", []types.KeySpec{types.KeySpecSymmetricDefault}),
		conform.Entry("IMP-006", "RSA", "rejects EXTERNAL keys of every RSA key spec", keySpecsOfClass["RSA"]),
		conform.Entry("IMP-006", "ECC", "rejects EXTERNAL keys of every ECC key spec", keySpecsOfClass["ECC"]),
		conform.Entry("IMP-006", "HMAC", "rejects EXTERNAL keys of every HMAC key spec", keySpecsOfClass["HMAC"]),
	)

	conform.It("IMP-008", "creates a multi-Region EXTERNAL key as a primary key without material", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		meta, err := createKeyUnderTest(ctx, c, kms.CreateKeyInput{Origin: types.OriginTypeExternal, KeySpec: types.KeySpecSymmetricDefault, MultiRegion: aws.Bool(true)})
		r.ExpectSuccess(err)
		id := aws.ToString(meta.KeyId)
		for _, answer := range []struct {
			source string
			meta   *types.KeyMetadata
		}{{"CreateKey", meta}, {"DescribeKey", mustDescribe(ctx, c, id)}} {
			source, m := answer.source, answer.meta
			Expect(strings.HasPrefix(aws.ToString(m.KeyId), "mrk-")).To(BeTrue(), "IMP-008: %s returned KeyId %q for a multi-Region key; it must start with mrk-", source, aws.ToString(m.KeyId))
			Expect(aws.ToBool(m.MultiRegion)).To(BeTrue(), "IMP-008: %s reports MultiRegion=false", source)
			Expect(m.MultiRegionConfiguration).NotTo(BeNil(), "IMP-008: %s reports no MultiRegionConfiguration", source)
			Expect(m.MultiRegionConfiguration.MultiRegionKeyType).To(Equal(types.MultiRegionKeyTypePrimary), "IMP-008: %s MultiRegionKeyType", source)
			mustBeMaterialLessExternalKey("IMP-008", m, types.KeySpecSymmetricDefault)
		}
	})

	conform.DescribeTable("CreateKey with Origin=EXTERNAL and each KeySpec/KeyUsage combination",
		func(ctx SpecContext, c conform.Case, tc keyUsageCase) {
			kc := conform.Client()
			for _, spec := range tc.specs {
				meta, err := createKeyUnderTest(ctx, kc, kms.CreateKeyInput{Origin: types.OriginTypeExternal, KeySpec: spec, KeyUsage: tc.usage})
				c.ExpectOutcome(err)
				if err != nil {
					continue
				}
				want := tc.usage
				if want == "" {
					want = types.KeyUsageTypeEncryptDecrypt // the documented default
				}
				Expect(meta.KeyUsage).To(Equal(want), "IMP-009: CreateKey of a %s key returned KeyUsage %s", spec, meta.KeyUsage)
				mustBeMaterialLessExternalKey("IMP-009", meta, spec)
			}
		},
		conform.Entry("IMP-009", "SYMMETRIC_DEFAULT-ENCRYPT_DECRYPT", "accepts SYMMETRIC_DEFAULT with ENCRYPT_DECRYPT", keyUsageCase{[]types.KeySpec{types.KeySpecSymmetricDefault}, types.KeyUsageTypeEncryptDecrypt}),
		conform.Entry("IMP-009", "SYMMETRIC_DEFAULT-ENCRYPT_DECRYPT", "accepts SYMMETRIC_DEFAULT with KeyUsage omitted, as ENCRYPT_DECRYPT", keyUsageCase{[]types.KeySpec{types.KeySpecSymmetricDefault}, ""}),
		conform.Entry("IMP-009", "HMAC-GENERATE_VERIFY_MAC", "accepts every HMAC key spec with GENERATE_VERIFY_MAC", keyUsageCase{keySpecsOfClass["HMAC"], types.KeyUsageTypeGenerateVerifyMac}),
		conform.Entry("IMP-009", "RSA-ENCRYPT_DECRYPT", "accepts every RSA key spec with ENCRYPT_DECRYPT", keyUsageCase{keySpecsOfClass["RSA"], types.KeyUsageTypeEncryptDecrypt}),
		conform.Entry("IMP-009", "RSA-SIGN_VERIFY", "accepts every RSA key spec with SIGN_VERIFY", keyUsageCase{keySpecsOfClass["RSA"], types.KeyUsageTypeSignVerify}),
		conform.Entry("IMP-009", "ECC_NIST-SIGN_VERIFY", "accepts every NIST ECC key spec with SIGN_VERIFY", keyUsageCase{keySpecsOfClass["ECC_NIST"], types.KeyUsageTypeSignVerify}),
		conform.Entry("IMP-009", "ECC_NIST-KEY_AGREEMENT", "accepts every NIST ECC key spec with KEY_AGREEMENT", keyUsageCase{keySpecsOfClass["ECC_NIST"], types.KeyUsageTypeKeyAgreement}),
		conform.Entry("IMP-009", "ECC_SECG_P256K1-SIGN_VERIFY", "accepts ECC_SECG_P256K1 with SIGN_VERIFY", keyUsageCase{[]types.KeySpec{types.KeySpecEccSecgP256k1}, types.KeyUsageTypeSignVerify}),
		conform.Entry("IMP-009", "SYMMETRIC_DEFAULT-SIGN_VERIFY", "rejects SYMMETRIC_DEFAULT with SIGN_VERIFY", keyUsageCase{[]types.KeySpec{types.KeySpecSymmetricDefault}, types.KeyUsageTypeSignVerify}),
		conform.Entry("IMP-009", "HMAC-KeyUsage-omitted", "rejects every HMAC key spec with KeyUsage omitted", keyUsageCase{keySpecsOfClass["HMAC"], ""}),
		conform.Entry("IMP-009", "HMAC-ENCRYPT_DECRYPT", "rejects every HMAC key spec with ENCRYPT_DECRYPT", keyUsageCase{keySpecsOfClass["HMAC"], types.KeyUsageTypeEncryptDecrypt}),
		conform.Entry("IMP-009", "RSA-GENERATE_VERIFY_MAC", "rejects every RSA key spec with GENERATE_VERIFY_MAC", keyUsageCase{keySpecsOfClass["RSA"], types.KeyUsageTypeGenerateVerifyMac}),
		conform.Entry("IMP-009", "ECC_NIST-ENCRYPT_DECRYPT", "rejects every NIST ECC key spec with ENCRYPT_DECRYPT", keyUsageCase{keySpecsOfClass["ECC_NIST"], types.KeyUsageTypeEncryptDecrypt}),
		conform.Entry("IMP-009", "ECC_SECG_P256K1-KEY_AGREEMENT", "rejects ECC_SECG_P256K1 with KEY_AGREEMENT", keyUsageCase{[]types.KeySpec{types.KeySpecEccSecgP256k1}, types.KeyUsageTypeKeyAgreement}),
	)

	conform.DescribeTable("Multi-Region EXTERNAL keys of every key class",
		func(ctx SpecContext, c conform.Case, spec types.KeySpec) {
			kc := conform.Client()
			meta, err := createKeyUnderTest(ctx, kc, kms.CreateKeyInput{Origin: types.OriginTypeExternal, KeySpec: spec, KeyUsage: naturalUsage(spec), MultiRegion: aws.Bool(true)})
			c.ExpectSuccess(err)
			id := aws.ToString(meta.KeyId)
			Expect(aws.ToBool(meta.MultiRegion)).To(BeTrue(), "IMP-135: CreateKey with MultiRegion=true returned MultiRegion=false")

			alg, wks := preferredWrappingFor(spec)
			m := mustNewMaterial(spec)
			params := mustGetParameters(ctx, kc, id, alg, wks)
			err = importWrapped(ctx, kc, id, params.ImportToken, mustWrap(params, alg, m.Bytes), doesNotExpire)
			c.ExpectSuccess(err)
			Expect(mustDescribe(ctx, kc, id)).To(conform.HaveKeyState(types.KeyStateEnabled), "IMP-135: the multi-Region key is not Enabled after the import")
		},
		conform.Entry("IMP-135", "SYMMETRIC_DEFAULT", "imports into a multi-Region SYMMETRIC_DEFAULT key", types.KeySpecSymmetricDefault),
		conform.Entry("IMP-135", "HMAC", "imports into a multi-Region HMAC_256 key", types.KeySpecHmac256),
		conform.Entry("IMP-135", "RSA", "imports into a multi-Region RSA_2048 key", types.KeySpecRsa2048),
		conform.Entry("IMP-135", "ECC", "imports into a multi-Region ECC_NIST_P256 key", types.KeySpecEccNistP256),
	)

	conform.DescribeTable("Multi-Region EXTERNAL keys before asymmetric and HMAC import (profile 2022)",
		func(ctx SpecContext, c conform.Case, specs []types.KeySpec) {
			kc := conform.Client()
			for _, spec := range specs {
				meta, err := createKeyUnderTest(ctx, kc, kms.CreateKeyInput{Origin: types.OriginTypeExternal, KeySpec: spec, KeyUsage: naturalUsage(spec), MultiRegion: aws.Bool(true)})
				c.ExpectOutcome(err)
				if err == nil {
					Expect(aws.ToBool(meta.MultiRegion)).To(BeTrue(), "IMP-136: CreateKey with MultiRegion=true returned MultiRegion=false")
					mustBeMaterialLessExternalKey("IMP-136", meta, spec)
				}
			}
		},
		conform.Entry("IMP-136", "SYMMETRIC_DEFAULT", "creates a multi-Region EXTERNAL SYMMETRIC_DEFAULT key", []types.KeySpec{types.KeySpecSymmetricDefault}),
		conform.Entry("IMP-136", "RSA", "rejects multi-Region EXTERNAL keys of every RSA key spec", keySpecsOfClass["RSA"]),
		conform.Entry("IMP-136", "ECC", "rejects multi-Region EXTERNAL keys of every ECC key spec", keySpecsOfClass["ECC"]),
		conform.Entry("IMP-136", "HMAC", "rejects multi-Region EXTERNAL keys of every HMAC key spec", keySpecsOfClass["HMAC"]),
	)
})

// keySpecEntries returns one table entry per key spec, for rules whose cases
// are named after key specs; text has a %s for the key spec.
func keySpecEntries(ruleID, text string, specs ...types.KeySpec) []TableEntry {
	entries := make([]TableEntry, 0, len(specs))
	for _, spec := range specs {
		entries = append(entries, conform.Entry(ruleID, string(spec), strings.ReplaceAll(text, "%s", string(spec)), spec))
	}
	return entries
}
