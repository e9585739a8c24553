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

// expLifetime is how long the expiring material of these specs lives: long
// enough for the setup to finish before it expires, short enough to wait
// for against an endpoint with capability expiry-wait.
const expLifetime = time.Minute

// expMustLetMaterialExpire lets the material's ValidTo pass on the clock's
// target and waits, at most clock.Settle plus a margin, for the key to show
// PendingImport.
func expMustLetMaterialExpire(ctx context.Context, clock conform.Clock, ruleID, id string) {
	GinkgoHelper()
	By("letting the material's ValidTo pass")
	clock.Pass(ctx, expLifetime+time.Second)
	By("waiting for the key to become PendingImport")
	Eventually(ctx, func() (types.KeyState, error) {
		out, err := clock.Client.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(id)})
		if err != nil {
			return "", err
		}
		return out.KeyMetadata.KeyState, nil
	}).WithTimeout(clock.Settle+5*time.Second).WithPolling(250*time.Millisecond).Should(Equal(types.KeyStatePendingImport),
		"%s: the key did not become PendingImport once its material's ValidTo had passed", ruleID)
}

var _ = Describe("Expiry of imported key material", func() {
	conform.It("IMP-094", "deletes expired material: the key becomes PendingImport and refuses Encrypt", func(ctx SpecContext, r conform.Rule) {
		clock := conform.ExpiryClock(ctx)
		c := clock.Client
		k := ksMustNewExternalKey(ctx, c, types.KeySpecSymmetricDefault)
		k.m = mustNewMaterial(types.KeySpecSymmetricDefault)
		ksMustImportMaterial(ctx, c, k.id, k.m, expiresAt(ksValidTo(expLifetime)))
		pt := ksPlaintext("IMP-094")
		ksMustEncrypt(ctx, c, k.id, pt)

		expMustLetMaterialExpire(ctx, clock, "IMP-094", k.id)
		By("describing the key after expiry")
		out, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(k.id)})
		r.Case("state").ExpectSuccess(err)
		Expect(out.KeyMetadata).To(conform.HaveKeyState(types.KeyStatePendingImport), "IMP-094: the key is not PendingImport after its material expired")
		Expect(out.KeyMetadata.Enabled).To(BeFalse(), "IMP-094: DescribeKey reports Enabled=true after the material expired")
		Expect(aws.ToString(out.KeyMetadata.Arn)).To(Equal(k.arn), "IMP-094: the key's ARN changed when its material expired")

		before := conform.SnapshotKey(ctx, c, k.id)
		By("encrypting with the key whose material expired")
		_, err = c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(k.id), Plaintext: pt})
		r.Case("Encrypt").ExpectError(err)
		conform.ExpectKeyUnchanged(ctx, before)
	}, SpecTimeout(10*time.Minute))

	conform.It("IMP-097", "takes the same material back after expiry and refuses other material", func(ctx SpecContext, r conform.Rule) {
		clock := conform.ExpiryClock(ctx)
		c := clock.Client
		k := ksMustNewExternalKey(ctx, c, types.KeySpecSymmetricDefault)
		k.m = mustNewMaterial(types.KeySpecSymmetricDefault)
		ksMustImportMaterial(ctx, c, k.id, k.m, expiresAt(ksValidTo(expLifetime)))
		pt := ksPlaintext("IMP-097")
		ct := ksMustEncrypt(ctx, c, k.id, pt)
		expMustLetMaterialExpire(ctx, clock, "IMP-097", k.id)

		By("importing other material into the key whose material expired")
		before := conform.SnapshotKey(ctx, c, k.id)
		err := ksImportMaterial(ctx, c, k.id, mustNewMaterial(types.KeySpecSymmetricDefault), doesNotExpire)
		r.Case("different-material").ExpectError(err)
		conform.ExpectKeyUnchanged(ctx, before)

		By("reimporting the same material with a new ValidTo")
		// Hours ahead of the real clock, so also ahead of a private clock that
		// was moved past the first ValidTo.
		validTo := ksValidTo(2 * time.Hour)
		err = ksImportMaterial(ctx, c, k.id, k.m, expiresAt(validTo))
		r.Case("same-material").ExpectSuccess(err)
		meta := mustDescribe(ctx, c, k.id)
		Expect(meta).To(conform.HaveKeyState(types.KeyStateEnabled), "IMP-097: the key is not Enabled after its expired material was reimported")
		Expect(meta.ExpirationModel).To(Equal(types.ExpirationModelTypeKeyMaterialExpires), "IMP-097: DescribeKey does not show the new ExpirationModel")
		Expect(aws.ToTime(meta.ValidTo)).To(BeTemporally("==", validTo), "IMP-097: DescribeKey does not show the new ValidTo")
		ksExpectDecrypts(ctx, c, "IMP-097", k, ct, pt)
	}, SpecTimeout(10*time.Minute))
})
