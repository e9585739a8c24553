package importkm

// Helpers of the createkey, parameters, errors, import and validto specs
// (createkey_rules.go, parameters.go, errors.go, import.go, validto.go).

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go/middleware"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/kmsconform/kmsconform/fixtures/material"
	"github.com/kmsconform/kmsconform/harness/keys"
	"github.com/kmsconform/kmsconform/suites/conform"
)

// withoutSDKInputValidation is a per-call option that removes the SDK's
// client-side check of required members (the "OperationInputValidation"
// middleware of the Initialize step). The SDK refuses to send a request that
// omits a required member, so without this option a missing-parameter case
// would be decided by the SDK and never reach the target. The SDK checks
// neither lengths nor enum values, so requests that break only those are sent
// with the normal client.
func withoutSDKInputValidation(o *kms.Options) {
	o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
		_, err := s.Initialize.Remove("OperationInputValidation")
		return err
	})
}

// createKeyUnderTest calls CreateKey for a spec whose rule is about that
// call's outcome. It returns the error for the spec to assert, and when the
// target created a key (rightly or not) tags it with the run id and schedules
// its deletion when the spec ends.
func createKeyUnderTest(ctx context.Context, c *kms.Client, in kms.CreateKeyInput) (*types.KeyMetadata, error) {
	GinkgoHelper()
	By(fmt.Sprintf("calling CreateKey with Origin=%q KeySpec=%q KeyUsage=%q MultiRegion=%v", in.Origin, in.KeySpec, in.KeyUsage, aws.ToBool(in.MultiRegion)))
	meta, err := keys.Create(ctx, c, conform.RunID(), in)
	if err == nil {
		id := aws.ToString(meta.KeyId)
		DeferCleanup(func(ctx context.Context) error { return keys.ScheduleDeletion(ctx, c, id) })
	}
	return meta, err
}

// randomKeyUUID returns a random version-4 UUID: the form of a key ID, for
// specs that name a key that does not exist.
func randomKeyUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// kmsARNPrefixOf returns "arn:PARTITION:kms:REGION:ACCOUNT:" of a real key's ARN,
// so that specs build ARNs in the target's own partition, Region and account:
// a reference to a key that does not exist must differ from a real key's only
// in the part the spec is about.
func kmsARNPrefixOf(keyARN string) string {
	GinkgoHelper()
	i := strings.LastIndex(keyARN, ":key/")
	Expect(i).To(BeNumerically(">", 0), "DescribeKey returned Arn %q, which is not of the form arn:PARTITION:kms:REGION:ACCOUNT:key/ID", keyARN)
	return keyARN[:i+1]
}

// namedKeyRef is a KeyId value and what it is, for the spec's steps.
type namedKeyRef struct{ what, ref string }

// unknownKeyRefs returns a well-formed key ID and a well-formed key ARN (in
// the partition, Region and account of the real key keyARN) of keys that do
// not exist: random UUIDs, which no target can have issued.
func unknownKeyRefs(keyARN string) []namedKeyRef {
	GinkgoHelper()
	return []namedKeyRef{
		{"key ID", randomKeyUUID()},
		{"key ARN", kmsARNPrefixOf(keyARN) + "key/" + randomKeyUUID()},
	}
}

// malformedKeyARNs returns KeyId values that start with "arn:" but are not
// well-formed KMS key ARNs, built on the real key keyARN so that only the
// structure is wrong: one with too few fields (no resource at all, so not an
// ARN of any service), one whose resource is "key" without the "/" and key ID
// every key ARN has.
func malformedKeyARNs(keyARN string) []namedKeyRef {
	GinkgoHelper()
	prefix := kmsARNPrefixOf(keyARN)
	return []namedKeyRef{
		{"ARN without a resource field", strings.TrimSuffix(prefix, ":")},
		{"ARN whose resource has no key ID", prefix + "key"},
	}
}

// aliasOfKey returns an alias name for the key, creating the alias when the
// target supports CreateAlias. An alias that exists and points at the key is
// what lets an alias spec fail: a target that wrongly resolves aliases in the
// import operations would then find the key and accept the request. When the
// target has no aliases (the embedded reference), the alias is only a name
// that exists nowhere, and the spec says so in its output.
func aliasOfKey(ctx context.Context, c *kms.Client, keyID string) string {
	GinkgoHelper()
	var b [8]byte
	_, _ = rand.Read(b[:])
	name := "alias/kmsconform-" + hex.EncodeToString(b[:])
	By("creating alias " + name + " for the key")
	if _, err := c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String(name), TargetKeyId: aws.String(keyID)}); err != nil {
		AddReportEntry("alias not created", fmt.Sprintf("CreateAlias %s failed (%s): the request names an alias that points at no key, so the spec shows only that the alias is refused, not that it is never resolved", name, conform.Observe(err)))
		return name
	}
	DeferCleanup(func(ctx context.Context) error {
		_, err := c.DeleteAlias(ctx, &kms.DeleteAliasInput{AliasName: aws.String(name)})
		return err
	})
	return name
}

// aliasARNLike returns the ARN of alias name in the partition, Region and account
// of the real key keyARN.
func aliasARNLike(keyARN, name string) string {
	GinkgoHelper()
	return kmsARNPrefixOf(keyARN) + name
}

// preferredWrappingFor returns the wrapping algorithm and wrapping key spec the specs
// of these files import material of spec with: the preferred RSAES_OAEP_SHA_256
// for symmetric and HMAC material, RSA_AES_KEY_WRAP_SHA_256 for asymmetric
// private keys (an RSA private key does not fit one RSA-OAEP block), each
// under RSA_2048, the wrapping key spec of every profile.
func preferredWrappingFor(spec types.KeySpec) (types.AlgorithmSpec, types.WrappingKeySpec) {
	if spec == types.KeySpecSymmetricDefault || strings.HasPrefix(string(spec), "HMAC_") {
		return types.AlgorithmSpecRsaesOaepSha256, types.WrappingKeySpecRsa2048
	}
	return types.AlgorithmSpecRsaAesKeyWrapSha256, types.WrappingKeySpecRsa2048
}

// readyImport is everything one ImportKeyMaterial call needs: an EXTERNAL
// key, fresh import parameters for it and material wrapped under them.
type readyImport struct {
	keyID    string
	arn      string
	params   *kms.GetParametersForImportOutput
	blob     []byte
	material material.Material
}

// request returns the ImportKeyMaterial request of the prepared import with
// expiry e; specs change one member of it to break exactly one rule.
func (p readyImport) request(e expiry) *kms.ImportKeyMaterialInput {
	return importRequest(p.keyID, p.params.ImportToken, p.blob, e)
}

// mustReadyImport creates an EXTERNAL key of spec in PendingImport, gets
// import parameters for it and wraps fresh material under them, so that the
// request the spec then sends is valid but for what the spec changes.
func mustReadyImport(ctx context.Context, c *kms.Client, spec types.KeySpec) readyImport {
	GinkgoHelper()
	key := mustCreateExternalKey(ctx, c, spec)
	alg, wks := preferredWrappingFor(spec)
	m := mustNewMaterial(spec)
	params := mustGetParameters(ctx, c, aws.ToString(key.KeyId), alg, wks)
	return readyImport{
		keyID:    aws.ToString(key.KeyId),
		arn:      aws.ToString(key.Arn),
		params:   params,
		blob:     mustWrap(params, alg, m.Bytes),
		material: m,
	}
}

// keySpecsOfClass lists the key specs of a class the catalogue names in its
// case names (RSA, ECC, ECC_NIST, HMAC).
var keySpecsOfClass = map[string][]types.KeySpec{
	"RSA":      {types.KeySpecRsa2048, types.KeySpecRsa3072, types.KeySpecRsa4096},
	"ECC":      {types.KeySpecEccNistP256, types.KeySpecEccNistP384, types.KeySpecEccNistP521, types.KeySpecEccSecgP256k1},
	"ECC_NIST": {types.KeySpecEccNistP256, types.KeySpecEccNistP384, types.KeySpecEccNistP521},
	"HMAC":     {types.KeySpecHmac224, types.KeySpecHmac256, types.KeySpecHmac384, types.KeySpecHmac512},
}
