package importkm

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	. "github.com/onsi/ginkgo/v2"

	"github.com/kmsconform/kmsconform/suites/conform"
)

// keyOperationCall sends one of the key operations of IMP-140 and IMP-141
// with KeyId set to ref. The other members of the request are valid for the
// real key of p (its token and wrapped material), so that only the key
// reference can be wrong.
type keyOperationCall func(ctx context.Context, c *kms.Client, p readyImport, ref string) error

var keyOperationCalls = map[string]keyOperationCall{
	"GetParametersForImport": func(ctx context.Context, c *kms.Client, _ readyImport, ref string) error {
		_, err := c.GetParametersForImport(ctx, &kms.GetParametersForImportInput{KeyId: aws.String(ref), WrappingAlgorithm: types.AlgorithmSpecRsaesOaepSha256, WrappingKeySpec: types.WrappingKeySpecRsa2048})
		return err
	},
	"ImportKeyMaterial": func(ctx context.Context, c *kms.Client, p readyImport, ref string) error {
		in := p.request(doesNotExpire)
		in.KeyId = aws.String(ref)
		_, err := c.ImportKeyMaterial(ctx, in)
		return err
	},
	"DeleteImportedKeyMaterial": func(ctx context.Context, c *kms.Client, _ readyImport, ref string) error {
		_, err := c.DeleteImportedKeyMaterial(ctx, &kms.DeleteImportedKeyMaterialInput{KeyId: aws.String(ref)})
		return err
	},
	"RotateKeyOnDemand": func(ctx context.Context, c *kms.Client, _ readyImport, ref string) error {
		_, err := c.RotateKeyOnDemand(ctx, &kms.RotateKeyOnDemandInput{KeyId: aws.String(ref)})
		return err
	},
}

var _ = Describe("Errors for unknown keys, malformed ARNs and invalid requests", func() {
	conform.It("IMP-019", "GetParametersForImport rejects a well-formed key ID and key ARN of a key that does not exist", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		known := mustCreateExternalKey(ctx, c, types.KeySpecSymmetricDefault)
		for _, k := range unknownKeyRefs(aws.ToString(known.Arn)) {
			before := conform.SnapshotKey(ctx, c, aws.ToString(known.KeyId))
			By("getting import parameters for the " + k.what + " " + k.ref + ", which names no key")
			_, err := c.GetParametersForImport(ctx, &kms.GetParametersForImportInput{KeyId: aws.String(k.ref), WrappingAlgorithm: types.AlgorithmSpecRsaesOaepSha256, WrappingKeySpec: types.WrappingKeySpecRsa2048})
			r.Case("unknown-key").ExpectError(err)
			conform.ExpectKeyUnchanged(ctx, before)
		}
	})

	conform.It("IMP-019", "GetParametersForImport rejects a KeyId that starts with arn: but is not a well-formed ARN", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		known := mustCreateExternalKey(ctx, c, types.KeySpecSymmetricDefault)
		for _, k := range malformedKeyARNs(aws.ToString(known.Arn)) {
			before := conform.SnapshotKey(ctx, c, aws.ToString(known.KeyId))
			By("getting import parameters for the " + k.what + " " + k.ref)
			_, err := c.GetParametersForImport(ctx, &kms.GetParametersForImportInput{KeyId: aws.String(k.ref), WrappingAlgorithm: types.AlgorithmSpecRsaesOaepSha256, WrappingKeySpec: types.WrappingKeySpecRsa2048})
			r.Case("malformed-arn").ExpectError(err)
			conform.ExpectKeyUnchanged(ctx, before)
		}
	})

	for _, op := range []string{"GetParametersForImport", "ImportKeyMaterial", "DeleteImportedKeyMaterial", "RotateKeyOnDemand"} {
		call := keyOperationCalls[op]

		conform.ItCase("IMP-140", op, op+" rejects a well-formed key ID and key ARN of a key that does not exist", func(ctx SpecContext, c conform.Case) {
			kc := conform.Client()
			p := mustReadyImport(ctx, kc, types.KeySpecSymmetricDefault)
			for _, k := range unknownKeyRefs(p.arn) {
				before := conform.SnapshotKey(ctx, kc, p.keyID)
				By("calling " + op + " with the " + k.what + " " + k.ref + ", which names no key")
				c.ExpectError(call(ctx, kc, p, k.ref))
				conform.ExpectKeyUnchanged(ctx, before)
			}
		})

		conform.ItCase("IMP-141", op, op+" rejects a KeyId that starts with arn: but is not a well-formed key ARN", func(ctx SpecContext, c conform.Case) {
			kc := conform.Client()
			p := mustReadyImport(ctx, kc, types.KeySpecSymmetricDefault)
			for _, k := range malformedKeyARNs(p.arn) {
				before := conform.SnapshotKey(ctx, kc, p.keyID)
				By("calling " + op + " with the " + k.what + " " + k.ref)
				c.ExpectError(call(ctx, kc, p, k.ref))
				conform.ExpectKeyUnchanged(ctx, before)
			}
		})
	}

	conform.It("IMP-142", "rejects ImportKeyMaterial without ValidTo and without ExpirationModel as a validation error", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		p := mustReadyImport(ctx, c, types.KeySpecSymmetricDefault)
		before := conform.SnapshotKey(ctx, c, p.keyID)
		By("importing valid wrapped material with neither ExpirationModel nor ValidTo (the model's default, KEY_MATERIAL_EXPIRES, needs a ValidTo)")
		_, err := c.ImportKeyMaterial(ctx, p.request(expiry{}))
		r.Case("missing-valid-to").ExpectError(err)
		conform.ExpectKeyUnchanged(ctx, before)
	})

	conform.It("IMP-142", "rejects GetParametersForImport with a WrappingAlgorithm outside the AlgorithmSpec enum as a validation error", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		key := mustCreateExternalKey(ctx, c, types.KeySpecSymmetricDefault)
		id := aws.ToString(key.KeyId)
		before := conform.SnapshotKey(ctx, c, id)
		By("getting import parameters with WrappingAlgorithm=NOT_AN_ALGORITHM (the SDK does not check enum values)")
		_, err := c.GetParametersForImport(ctx, &kms.GetParametersForImportInput{KeyId: aws.String(id), WrappingAlgorithm: types.AlgorithmSpec("NOT_AN_ALGORITHM"), WrappingKeySpec: types.WrappingKeySpecRsa2048})
		r.Case("invalid-enum").ExpectError(err)
		conform.ExpectKeyUnchanged(ctx, before)
	})
})
