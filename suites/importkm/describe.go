package importkm

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/kmsconform/kmsconform/suites/conform"
)

// descKeyStates is the KeyState enum as KeyMetadata documents it (IMP-099);
// written out rather than taken from the SDK, whose enum may grow.
var descKeyStates = []types.KeyState{
	types.KeyStateCreating, types.KeyStateEnabled, types.KeyStateDisabled, types.KeyStatePendingDeletion,
	types.KeyStatePendingImport, types.KeyStatePendingReplicaDeletion, types.KeyStateUnavailable, types.KeyStateUpdating,
}

// descDescribe calls DescribeKey and returns the metadata with the call's
// error, for specs whose rule is about DescribeKey's answer.
func descDescribe(ctx context.Context, c *kms.Client, id, when string) (*types.KeyMetadata, error) {
	GinkgoHelper()
	By("describing the key " + when)
	out, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(id)})
	if err != nil {
		return nil, err
	}
	Expect(out.KeyMetadata).NotTo(BeNil(), "DescribeKey %s returned no KeyMetadata", when)
	return out.KeyMetadata, nil
}

var _ = Describe("DescribeKey of keys with imported material", func() {
	conform.It("IMP-096", "reports the ValidTo of the import that set the key's material", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		k := ksMustNewExternalKey(ctx, c, types.KeySpecSymmetricDefault)
		k.m = mustNewMaterial(types.KeySpecSymmetricDefault)
		for _, ahead := range []time.Duration{10 * 24 * time.Hour, 20 * 24 * time.Hour} {
			validTo := ksValidTo(ahead)
			ksMustImportMaterial(ctx, c, k.id, k.m, expiresAt(validTo))
			meta, err := descDescribe(ctx, c, k.id, "after an import with ValidTo "+validTo.Format(time.RFC3339))
			r.ExpectSuccess(err)
			Expect(meta.ExpirationModel).To(Equal(types.ExpirationModelTypeKeyMaterialExpires), "IMP-096: DescribeKey shows another ExpirationModel")
			Expect(meta.ValidTo).NotTo(BeNil(), "IMP-096: DescribeKey shows no ValidTo for expiring material")
			Expect(*meta.ValidTo).To(BeTemporally("==", validTo), "IMP-096: DescribeKey ValidTo is not the ValidTo of the import")
		}
	})

	conform.It("IMP-098", "reports Origin=EXTERNAL before import, with material and after deletion", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		k := ksMustNewExternalKey(ctx, c, types.KeySpecSymmetricDefault)
		check := func(when string) {
			GinkgoHelper()
			meta, err := descDescribe(ctx, c, k.id, when)
			r.ExpectSuccess(err)
			Expect(meta.Origin).To(Equal(types.OriginTypeExternal), "IMP-098: DescribeKey %s reports another Origin", when)
		}
		check("before any import")
		k.m = mustNewMaterial(types.KeySpecSymmetricDefault)
		ksMustImportMaterial(ctx, c, k.id, k.m, doesNotExpire)
		check("with its material")
		ksMustDeleteMaterial(ctx, c, k.id)
		check("after its material was deleted")
	})

	conform.It("IMP-099", "reports a KeyState of the documented enum and Enabled exactly when the key is Enabled", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		k := ksMustNewExternalKey(ctx, c, types.KeySpecSymmetricDefault)
		check := func(want types.KeyState) {
			GinkgoHelper()
			meta, err := descDescribe(ctx, c, k.id, "in "+string(want))
			r.ExpectSuccess(err)
			Expect(descKeyStates).To(ContainElement(meta.KeyState), "IMP-099: DescribeKey reports a KeyState outside the documented enum")
			Expect(meta.KeyState).To(Equal(want), "IMP-099: DescribeKey reports another KeyState")
			Expect(meta.Enabled).To(Equal(meta.KeyState == types.KeyStateEnabled), "IMP-099: Enabled=%t with KeyState %s", meta.Enabled, meta.KeyState)
		}
		check(types.KeyStatePendingImport)
		k.m = mustNewMaterial(types.KeySpecSymmetricDefault)
		ksMustImportMaterial(ctx, c, k.id, k.m, doesNotExpire)
		check(types.KeyStateEnabled)
		ksMustDisable(ctx, c, k.id)
		check(types.KeyStateDisabled)
		ksMustScheduleDeletion(ctx, c, k.id)
		check(types.KeyStatePendingDeletion)
	})

	conform.It("IMP-100", "shows no ExpirationModel for a key whose Origin is AWS_KMS", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		key := mustCreateAWSKMSKey(ctx, c, types.KeySpecSymmetricDefault)
		meta, err := descDescribe(ctx, c, aws.ToString(key.KeyId), "of Origin AWS_KMS")
		r.Case("AWS_KMS").ExpectSuccess(err)
		Expect(meta.ExpirationModel).To(BeEmpty(), "IMP-100: DescribeKey shows an ExpirationModel for an AWS_KMS key")
	})

	conform.It("IMP-100", "shows ExpirationModel for an EXTERNAL key only while it holds material", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		k := ksMustNewExternalKey(ctx, c, types.KeySpecSymmetricDefault)
		meta, err := descDescribe(ctx, c, k.id, "before any import")
		r.Case("before-import").ExpectSuccess(err)
		Expect(meta.ExpirationModel).To(BeEmpty(), "IMP-100: DescribeKey shows an ExpirationModel before any import")

		k.m = mustNewMaterial(types.KeySpecSymmetricDefault)
		for _, e := range []expiry{doesNotExpire, expiresAt(ksValidTo(30 * 24 * time.Hour))} {
			ksMustImportMaterial(ctx, c, k.id, k.m, e)
			meta, err = descDescribe(ctx, c, k.id, "after an import with "+string(e.model))
			r.Case("after-import").ExpectSuccess(err)
			Expect(meta.ExpirationModel).To(Equal(e.model), "IMP-100: DescribeKey does not show the imported ExpirationModel")
		}

		ksMustDeleteMaterial(ctx, c, k.id)
		meta, err = descDescribe(ctx, c, k.id, "after its material was deleted")
		r.Case("after-delete").ExpectSuccess(err)
		Expect(meta.ExpirationModel).To(BeEmpty(), "IMP-100: DescribeKey still shows an ExpirationModel after the material was deleted")
	})

	conform.It("IMP-101", "shows ValidTo only for material that expires", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		k := ksMustNewExternalKey(ctx, c, types.KeySpecSymmetricDefault)
		k.m = mustNewMaterial(types.KeySpecSymmetricDefault)

		validTo := ksValidTo(30 * 24 * time.Hour)
		ksMustImportMaterial(ctx, c, k.id, k.m, expiresAt(validTo))
		meta, err := descDescribe(ctx, c, k.id, "with expiring material")
		r.Case("expires").ExpectSuccess(err)
		Expect(meta.ValidTo).NotTo(BeNil(), "IMP-101: DescribeKey shows no ValidTo for expiring material")
		Expect(*meta.ValidTo).To(BeTemporally("==", validTo), "IMP-101: DescribeKey shows another ValidTo than the import's")

		ksMustImportMaterial(ctx, c, k.id, k.m, doesNotExpire)
		meta, err = descDescribe(ctx, c, k.id, "with material that does not expire")
		r.Case("does-not-expire").ExpectSuccess(err)
		Expect(meta.ValidTo).To(BeNil(), "IMP-101: DescribeKey shows a ValidTo for material that does not expire")
	})

	conform.It("IMP-101", "shows no ValidTo for a key whose Origin is AWS_KMS", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		key := mustCreateAWSKMSKey(ctx, c, types.KeySpecSymmetricDefault)
		meta, err := descDescribe(ctx, c, aws.ToString(key.KeyId), "of Origin AWS_KMS")
		r.Case("AWS_KMS").ExpectSuccess(err)
		Expect(meta.ValidTo).To(BeNil(), "IMP-101: DescribeKey shows a ValidTo for an AWS_KMS key")
	})
})
