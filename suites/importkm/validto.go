package importkm

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/kmsconform/kmsconform/suites/conform"
)

// maxValidToAhead is the farthest ahead ValidTo may be (IMP-053).
const maxValidToAhead = 365 * 24 * time.Hour

// validToSkewMargin keeps a ValidTo that must be accepted on the accepted
// side of a limit the target measures with its own clock. The suite computes
// ValidTo from its clock just before sending; if the target's clock were ahead
// of the suite's, a ValidTo of exactly 365 days would be more than 365 days
// ahead for the target, and a correct target would refuse it. Ten seconds
// covers the drift of synchronised clocks while still checking the limit to
// the second, not to the hour.
const validToSkewMargin = 10 * time.Second

// validToLimitMargin is how far from the 365-day limit the IMP-053 specs
// stay: validToSkewMargin against an endpoint, none against the embedded
// reference, which shares the suite's clock, so there the limit is checked
// to the second on both sides.
func validToLimitMargin() time.Duration {
	if conform.InProcess() {
		return 0
	}
	return validToSkewMargin
}

// nearFutureValidTo is how far ahead the "however near" ValidTo of IMP-052 is: far
// enough that clock skew within parametersClockTolerance cannot put it in the
// target's past, near enough to catch a target that imposes a minimum lifetime
// of an hour or more on imported material.
const nearFutureValidTo = 2 * parametersClockTolerance

var _ = Describe("ExpirationModel and ValidTo of ImportKeyMaterial", func() {
	// IMP-050: KEY_MATERIAL_EXPIRES (also by default) needs a ValidTo.

	conform.It("IMP-050", "rejects an import without ValidTo when ExpirationModel is omitted", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		p := mustReadyImport(ctx, c, types.KeySpecSymmetricDefault)
		before := conform.SnapshotKey(ctx, c, p.keyID)
		By("importing with neither ExpirationModel nor ValidTo")
		_, err := c.ImportKeyMaterial(ctx, p.request(expiry{}))
		r.Case("expiration-model-omitted").ExpectError(err)
		conform.ExpectKeyUnchanged(ctx, before)
	})

	conform.It("IMP-050", "rejects an import without ValidTo when ExpirationModel is KEY_MATERIAL_EXPIRES", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		p := mustReadyImport(ctx, c, types.KeySpecSymmetricDefault)
		before := conform.SnapshotKey(ctx, c, p.keyID)
		By("importing with ExpirationModel=KEY_MATERIAL_EXPIRES and no ValidTo")
		_, err := c.ImportKeyMaterial(ctx, p.request(expiry{model: types.ExpirationModelTypeKeyMaterialExpires}))
		r.Case("expiration-model-expires").ExpectError(err)
		conform.ExpectKeyUnchanged(ctx, before)
	})

	// IMP-051: KEY_MATERIAL_DOES_NOT_EXPIRE takes no ValidTo.

	conform.It("IMP-051", "accepts KEY_MATERIAL_DOES_NOT_EXPIRE without ValidTo", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		p := mustReadyImport(ctx, c, types.KeySpecSymmetricDefault)
		By("importing with ExpirationModel=KEY_MATERIAL_DOES_NOT_EXPIRE and no ValidTo")
		_, err := c.ImportKeyMaterial(ctx, p.request(doesNotExpire))
		r.Case("without-valid-to").ExpectSuccess(err)
		Expect(mustDescribe(ctx, c, p.keyID)).To(conform.HaveKeyState(types.KeyStateEnabled), "IMP-051: the import succeeded but the key is not Enabled")
	})

	conform.It("IMP-051", "rejects KEY_MATERIAL_DOES_NOT_EXPIRE with a ValidTo", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		p := mustReadyImport(ctx, c, types.KeySpecSymmetricDefault)
		validTo := time.Now().Add(30 * 24 * time.Hour)
		before := conform.SnapshotKey(ctx, c, p.keyID)
		By("importing with ExpirationModel=KEY_MATERIAL_DOES_NOT_EXPIRE and a ValidTo 30 days ahead")
		_, err := c.ImportKeyMaterial(ctx, p.request(expiry{model: types.ExpirationModelTypeKeyMaterialDoesNotExpire, validTo: &validTo}))
		r.Case("with-valid-to").ExpectError(err)
		conform.ExpectKeyUnchanged(ctx, before)
	})

	// IMP-052: ValidTo must be in the future, however near.

	conform.It("IMP-052", "accepts a ValidTo in the near future", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		p := mustReadyImport(ctx, c, types.KeySpecSymmetricDefault)
		validTo := time.Now().Add(nearFutureValidTo)
		By("importing with ExpirationModel=KEY_MATERIAL_EXPIRES and ValidTo " + nearFutureValidTo.String() + " ahead")
		_, err := c.ImportKeyMaterial(ctx, p.request(expiresAt(validTo)))
		r.Case("near-future").ExpectSuccess(err)
		Expect(mustDescribe(ctx, c, p.keyID)).To(conform.HaveKeyState(types.KeyStateEnabled), "IMP-052: the import succeeded but the key is not Enabled")
	})

	conform.It("IMP-052", "rejects a ValidTo in the past", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		p := mustReadyImport(ctx, c, types.KeySpecSymmetricDefault)
		// An hour ago: in the past whatever the clock difference between
		// the suite and the target.
		validTo := time.Now().Add(-time.Hour)
		before := conform.SnapshotKey(ctx, c, p.keyID)
		By("importing with ExpirationModel=KEY_MATERIAL_EXPIRES and ValidTo one hour ago")
		_, err := c.ImportKeyMaterial(ctx, p.request(expiresAt(validTo)))
		r.Case("past").ExpectError(err)
		conform.ExpectKeyUnchanged(ctx, before)
	})

	// IMP-053: at most 365 days ahead.

	conform.It("IMP-053", "accepts a ValidTo 365 days after the request", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		p := mustReadyImport(ctx, c, types.KeySpecSymmetricDefault)
		// Computed right before the call, from the time it is sent, and
		// short of the limit by the clock skew the target may have (none
		// in process): see validToSkewMargin. Truncated to the millisecond
		// the SDK sends, so encoding cannot round it past the limit.
		margin := validToLimitMargin()
		validTo := time.Now().Add(maxValidToAhead - margin).Truncate(time.Millisecond)
		By("importing with ValidTo 365 days (less " + margin.String() + " for clock skew) after now")
		_, err := c.ImportKeyMaterial(ctx, p.request(expiresAt(validTo)))
		r.Case("365-days").ExpectSuccess(err)
		Expect(mustDescribe(ctx, c, p.keyID)).To(conform.HaveKeyState(types.KeyStateEnabled), "IMP-053: the import succeeded but the key is not Enabled")
	})

	conform.It("IMP-053", "accepts a ValidTo with fractional seconds", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		p := mustReadyImport(ctx, c, types.KeySpecSymmetricDefault)
		// The SDK sends timestamps as epoch seconds with millisecond
		// precision, so 250 ms survive the encoding.
		validTo := time.Now().Add(30 * 24 * time.Hour).Truncate(time.Second).Add(250 * time.Millisecond)
		By("importing with a ValidTo 30 days ahead ending in .250 seconds")
		_, err := c.ImportKeyMaterial(ctx, p.request(expiresAt(validTo)))
		r.Case("fractional-seconds").ExpectSuccess(err)
		Expect(mustDescribe(ctx, c, p.keyID)).To(conform.HaveKeyState(types.KeyStateEnabled), "IMP-053: the import succeeded but the key is not Enabled")
	})

	conform.It("IMP-053", "rejects a ValidTo more than 365 days after the request", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		p := mustReadyImport(ctx, c, types.KeySpecSymmetricDefault)
		// Beyond the limit by the same clock-skew margin the accepting
		// spec stays short of it, plus a second: a target whose clock is
		// within the margin of the suite's must get both right.
		over := validToLimitMargin() + time.Second
		validTo := time.Now().Add(maxValidToAhead + over)
		before := conform.SnapshotKey(ctx, c, p.keyID)
		By("importing with ValidTo 365 days and " + over.String() + " after now")
		_, err := c.ImportKeyMaterial(ctx, p.request(expiresAt(validTo)))
		r.Case("more-than-365-days").ExpectError(err)
		conform.ExpectKeyUnchanged(ctx, before)
	})

	// IMP-054: DescribeKey reports the expiration of the import.

	conform.It("IMP-054", "shows KEY_MATERIAL_EXPIRES and the ValidTo of the import", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		p := mustReadyImport(ctx, c, types.KeySpecSymmetricDefault)
		// Whole seconds, so that no rounding of the target's can excuse a
		// different value.
		validTo := time.Now().Add(30 * 24 * time.Hour).Truncate(time.Second)
		By("importing with ExpirationModel=KEY_MATERIAL_EXPIRES and ValidTo " + validTo.UTC().Format(time.RFC3339))
		_, err := c.ImportKeyMaterial(ctx, p.request(expiresAt(validTo)))
		r.Case("expires").ExpectSuccess(err)
		meta := mustDescribe(ctx, c, p.keyID)
		Expect(meta.ExpirationModel).To(Equal(types.ExpirationModelTypeKeyMaterialExpires), "IMP-054: DescribeKey ExpirationModel after an import with KEY_MATERIAL_EXPIRES")
		Expect(meta.ValidTo).NotTo(BeNil(), "IMP-054: DescribeKey shows no ValidTo after an import with KEY_MATERIAL_EXPIRES")
		Expect(*meta.ValidTo).To(BeTemporally("==", validTo), "IMP-054: DescribeKey ValidTo differs from the ValidTo of the import")
	})

	conform.It("IMP-054", "shows KEY_MATERIAL_DOES_NOT_EXPIRE and no ValidTo", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		p := mustReadyImport(ctx, c, types.KeySpecSymmetricDefault)
		By("importing with ExpirationModel=KEY_MATERIAL_DOES_NOT_EXPIRE")
		_, err := c.ImportKeyMaterial(ctx, p.request(doesNotExpire))
		r.Case("does-not-expire").ExpectSuccess(err)
		meta := mustDescribe(ctx, c, p.keyID)
		Expect(meta.ExpirationModel).To(Equal(types.ExpirationModelTypeKeyMaterialDoesNotExpire), "IMP-054: DescribeKey ExpirationModel after an import with KEY_MATERIAL_DOES_NOT_EXPIRE")
		Expect(meta.ValidTo).To(BeNil(), "IMP-054: DescribeKey shows a ValidTo after an import with KEY_MATERIAL_DOES_NOT_EXPIRE")
	})
})
