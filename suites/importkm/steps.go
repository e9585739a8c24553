// Package importkm holds the conformance specs for importing key material
// (BYOK), one spec per rule, grouped by area in files named after the area.
// The files are plain Go (not _test.go) so that the kmsconform binary links
// them; importkm_suite_test.go runs them under `go test` and `ginkgo`.
//
// The steps in this file are the flow every import spec shares. Each step
// shows itself with By and asserts its own success; its name says so
// (must...). A step whose outcome is the subject of a rule returns the error
// for the spec to assert instead.
package importkm

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/kmsconform/kmsconform/fixtures/material"
	"github.com/kmsconform/kmsconform/fixtures/wrap"
	"github.com/kmsconform/kmsconform/harness/keys"
	"github.com/kmsconform/kmsconform/suites/conform"
)

// mustCreateKey creates a key with in's parameters on c, tags it with the run
// id and schedules its deletion when the spec ends, whatever its outcome.
func mustCreateKey(ctx context.Context, c *kms.Client, in kms.CreateKeyInput) *types.KeyMetadata {
	GinkgoHelper()
	meta, err := keys.Create(ctx, c, conform.RunID(), in)
	Expect(err).NotTo(HaveOccurred(), "CreateKey %s origin %s", in.KeySpec, in.Origin)
	id := aws.ToString(meta.KeyId)
	DeferCleanup(func(ctx context.Context) error { return keys.ScheduleDeletion(ctx, c, id) })
	return meta
}

// mustCreateExternalKey creates a key with Origin=EXTERNAL (no material yet)
// of the given spec, with the spec's natural usage.
func mustCreateExternalKey(ctx context.Context, c *kms.Client, spec types.KeySpec) *types.KeyMetadata {
	GinkgoHelper()
	By("creating an EXTERNAL " + string(spec) + " key")
	return mustCreateKey(ctx, c, kms.CreateKeyInput{Origin: types.OriginTypeExternal, KeySpec: spec, KeyUsage: naturalUsage(spec)})
}

// mustCreateAWSKMSKey creates a key whose material KMS generates
// (Origin=AWS_KMS), the kind the import operations must refuse.
func mustCreateAWSKMSKey(ctx context.Context, c *kms.Client, spec types.KeySpec) *types.KeyMetadata {
	GinkgoHelper()
	By("creating an AWS_KMS-origin " + string(spec) + " key")
	return mustCreateKey(ctx, c, kms.CreateKeyInput{Origin: types.OriginTypeAwsKms, KeySpec: spec, KeyUsage: naturalUsage(spec)})
}

// naturalUsage is the key usage a key spec is created with when a spec does
// not ask for another (IMP-009).
func naturalUsage(spec types.KeySpec) types.KeyUsageType {
	switch spec {
	case types.KeySpecSymmetricDefault:
		return types.KeyUsageTypeEncryptDecrypt
	case types.KeySpecHmac224, types.KeySpecHmac256, types.KeySpecHmac384, types.KeySpecHmac512:
		return types.KeyUsageTypeGenerateVerifyMac
	default:
		return types.KeyUsageTypeSignVerify
	}
}

// mustGetParameters calls GetParametersForImport and checks that the answer
// has a token and a public key.
func mustGetParameters(ctx context.Context, c *kms.Client, keyID string, alg types.AlgorithmSpec, wks types.WrappingKeySpec) *kms.GetParametersForImportOutput {
	GinkgoHelper()
	By("getting import parameters (" + string(alg) + ", " + string(wks) + ")")
	out, err := c.GetParametersForImport(ctx, &kms.GetParametersForImportInput{KeyId: aws.String(keyID), WrappingAlgorithm: alg, WrappingKeySpec: wks})
	Expect(err).NotTo(HaveOccurred(), "GetParametersForImport %s %s for key %s", alg, wks, keyID)
	Expect(out.ImportToken).NotTo(BeEmpty(), "GetParametersForImport returned no ImportToken")
	Expect(out.PublicKey).NotTo(BeEmpty(), "GetParametersForImport returned no PublicKey")
	return out
}

// mustWrap wraps material under the public key of params, as AWS documents
// for alg.
func mustWrap(params *kms.GetParametersForImportOutput, alg types.AlgorithmSpec, m []byte) []byte {
	GinkgoHelper()
	blob, err := wrap.Wrap(alg, params.PublicKey, m)
	Expect(err).NotTo(HaveOccurred(), "wrapping %d bytes of material with %s under the returned public key", len(m), alg)
	return blob
}

// expiry is how an import sets ExpirationModel and ValidTo.
type expiry struct {
	model   types.ExpirationModelType // empty: omit the parameter
	validTo *time.Time                // nil: omit the parameter
}

// doesNotExpire is the expiry most specs import with: no ValidTo to manage.
var doesNotExpire = expiry{model: types.ExpirationModelTypeKeyMaterialDoesNotExpire}

// expiresAt imports with KEY_MATERIAL_EXPIRES and the given ValidTo.
func expiresAt(t time.Time) expiry {
	return expiry{model: types.ExpirationModelTypeKeyMaterialExpires, validTo: &t}
}

// importRequest is an ImportKeyMaterial call's parameters.
func importRequest(keyID string, token, blob []byte, e expiry) *kms.ImportKeyMaterialInput {
	return &kms.ImportKeyMaterialInput{KeyId: aws.String(keyID), ImportToken: token, EncryptedKeyMaterial: blob, ExpirationModel: e.model, ValidTo: e.validTo}
}

// importWrapped calls ImportKeyMaterial and returns its error, for specs
// whose rule is about that call's outcome.
func importWrapped(ctx context.Context, c *kms.Client, keyID string, token, blob []byte, e expiry) error {
	GinkgoHelper()
	By("importing the wrapped material")
	_, err := c.ImportKeyMaterial(ctx, importRequest(keyID, token, blob, e))
	return err
}

// mustImport runs the whole flow (parameters, wrap, import) and asserts that
// the import succeeded.
func mustImport(ctx context.Context, c *kms.Client, keyID string, m []byte, alg types.AlgorithmSpec, wks types.WrappingKeySpec, e expiry) *kms.ImportKeyMaterialOutput {
	GinkgoHelper()
	params := mustGetParameters(ctx, c, keyID, alg, wks)
	blob := mustWrap(params, alg, m)
	By("importing the material")
	out, err := c.ImportKeyMaterial(ctx, importRequest(keyID, params.ImportToken, blob, e))
	Expect(err).NotTo(HaveOccurred(), "ImportKeyMaterial into %s", keyID)
	return out
}

// mustNewMaterial returns fresh key material for spec.
func mustNewMaterial(spec types.KeySpec) material.Material {
	GinkgoHelper()
	m, err := material.New(spec)
	Expect(err).NotTo(HaveOccurred(), "generating %s material", spec)
	return m
}

// mustDescribe returns the key's metadata.
func mustDescribe(ctx context.Context, c *kms.Client, keyID string) *types.KeyMetadata {
	GinkgoHelper()
	out, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(keyID)})
	Expect(err).NotTo(HaveOccurred(), "DescribeKey %s", keyID)
	return out.KeyMetadata
}

// mustImportedSymmetricKey is the starting point of most specs: an EXTERNAL
// symmetric key holding fresh material, Enabled, imported with the
// profile's preferred wrapping (RSAES_OAEP_SHA_256, RSA_2048).
func mustImportedSymmetricKey(ctx context.Context, c *kms.Client) (*types.KeyMetadata, material.Material) {
	GinkgoHelper()
	key := mustCreateExternalKey(ctx, c, types.KeySpecSymmetricDefault)
	m := mustNewMaterial(types.KeySpecSymmetricDefault)
	mustImport(ctx, c, aws.ToString(key.KeyId), m.Bytes, types.AlgorithmSpecRsaesOaepSha256, types.WrappingKeySpecRsa2048, doesNotExpire)
	return key, m
}
