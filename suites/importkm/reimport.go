package importkm

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/kmsconform/kmsconform/fixtures/material"
	"github.com/kmsconform/kmsconform/suites/conform"
)

// reiMustDifferent returns material of m's spec other than m.
func reiMustDifferent(m material.Material) material.Material {
	GinkgoHelper()
	other, err := material.Different(m)
	Expect(err).NotTo(HaveOccurred(), "generating %s material different from the imported one", m.Spec)
	return other
}

var _ = Describe("Reimporting key material", func() {
	conform.It("IMP-055", "changes ExpirationModel and ValidTo by reimporting the same material", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		k := ksMustImportedKey(ctx, c, types.KeySpecSymmetricDefault)
		meta := mustDescribe(ctx, c, k.id)
		Expect(meta.ExpirationModel).To(Equal(types.ExpirationModelTypeKeyMaterialDoesNotExpire), "setting up: DescribeKey shows another ExpirationModel")

		steps := []expiry{expiresAt(ksValidTo(10 * 24 * time.Hour)), expiresAt(ksValidTo(20 * 24 * time.Hour)), doesNotExpire}
		for _, e := range steps {
			By("reimporting the same material with ExpirationModel " + string(e.model))
			err := ksImportMaterial(ctx, c, k.id, k.m, e)
			r.ExpectSuccess(err)
			meta := mustDescribe(ctx, c, k.id)
			Expect(meta.ExpirationModel).To(Equal(e.model), "IMP-055: DescribeKey does not show the reimport's ExpirationModel")
			if e.validTo == nil {
				Expect(meta.ValidTo).To(BeNil(), "IMP-055: DescribeKey keeps a ValidTo after a reimport without expiry")
				continue
			}
			Expect(meta.ValidTo).NotTo(BeNil(), "IMP-055: DescribeKey shows no ValidTo after a reimport with one")
			Expect(*meta.ValidTo).To(BeTemporally("==", *e.validTo), "IMP-055: DescribeKey does not show the reimport's ValidTo")
		}
	})

	conform.It("IMP-065", "reimports the material an Enabled key holds, without deleting it first", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		k := ksMustNewExternalKey(ctx, c, types.KeySpecSymmetricDefault)
		k.m = mustNewMaterial(types.KeySpecSymmetricDefault)
		ksMustImportMaterial(ctx, c, k.id, k.m, expiresAt(ksValidTo(30*24*time.Hour)))
		pt := ksPlaintext("IMP-065")
		ct := ksMustEncrypt(ctx, c, k.id, pt)

		By("reimporting the same material while the key is Enabled and its material has not expired")
		err := ksImportMaterial(ctx, c, k.id, k.m, doesNotExpire)
		r.ExpectSuccess(err)
		Expect(mustDescribe(ctx, c, k.id)).To(conform.HaveKeyState(types.KeyStateEnabled), "IMP-065: the key is not Enabled after the reimport")
		ksExpectDecrypts(ctx, c, "IMP-065", k, ct, pt)
	})

	conform.It("IMP-067", "rejects other material for a symmetric key that holds its material", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		k := ksMustImportedKey(ctx, c, types.KeySpecSymmetricDefault)
		before := conform.SnapshotKey(ctx, c, k.id)
		err := ksImportMaterial(ctx, c, k.id, reiMustDifferent(k.m), doesNotExpire)
		r.Case("symmetric").ExpectError(err)
		conform.ExpectKeyUnchanged(ctx, before)
	})

	conform.It("IMP-067", "rejects other material for a symmetric key whose material was deleted", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		k := ksMustImportedKey(ctx, c, types.KeySpecSymmetricDefault)
		pt := ksPlaintext("IMP-067")
		ct := ksMustEncrypt(ctx, c, k.id, pt)
		ksMustDeleteMaterial(ctx, c, k.id)

		before := conform.SnapshotKey(ctx, c, k.id)
		err := ksImportMaterial(ctx, c, k.id, reiMustDifferent(k.m), doesNotExpire)
		r.Case("symmetric").ExpectError(err)
		conform.ExpectKeyUnchanged(ctx, before)

		By("reimporting the original material, which the key still accepts")
		ksMustImportMaterial(ctx, c, k.id, k.m, doesNotExpire)
		ksExpectDecrypts(ctx, c, "IMP-067", k, ct, pt)
	})

	conform.It("IMP-067", "rejects other material for a symmetric key whose material expired", func(ctx SpecContext, r conform.Rule) {
		clock := conform.ExpiryClock(ctx)
		c := clock.Client
		k := ksMustNewExternalKey(ctx, c, types.KeySpecSymmetricDefault)
		k.m = mustNewMaterial(types.KeySpecSymmetricDefault)
		ksMustImportMaterial(ctx, c, k.id, k.m, expiresAt(ksValidTo(expLifetime)))
		expMustLetMaterialExpire(ctx, clock, "IMP-067", k.id)

		before := conform.SnapshotKey(ctx, c, k.id)
		err := ksImportMaterial(ctx, c, k.id, reiMustDifferent(k.m), doesNotExpire)
		r.Case("symmetric").ExpectError(err)
		conform.ExpectKeyUnchanged(ctx, before)
	}, SpecTimeout(10*time.Minute))

	for _, spec := range []types.KeySpec{types.KeySpecRsa2048, types.KeySpecEccNistP256} {
		conform.ItCase("IMP-067", "asymmetric", "rejects another private key for an "+string(spec)+" key that holds its material", func(ctx SpecContext, cs conform.Case) {
			c := conform.Client()
			k := ksMustImportedKey(ctx, c, spec)
			before := conform.SnapshotKey(ctx, c, k.id)
			err := ksImportMaterial(ctx, c, k.id, reiMustDifferent(k.m), doesNotExpire)
			cs.ExpectError(err)
			conform.ExpectKeyUnchanged(ctx, before)
		})
	}

	conform.ItCase("IMP-067", "HMAC", "rejects another secret for an HMAC key that holds its material", func(ctx SpecContext, cs conform.Case) {
		c := conform.Client()
		k := ksMustImportedKey(ctx, c, types.KeySpecHmac256)
		before := conform.SnapshotKey(ctx, c, k.id)
		err := ksImportMaterial(ctx, c, k.id, reiMustDifferent(k.m), doesNotExpire)
		cs.ExpectError(err)
		conform.ExpectKeyUnchanged(ctx, before)
	})

	conform.ItCase("IMP-067", "explicit-existing-key-material", "rejects other material sent with ImportType=EXISTING_KEY_MATERIAL", func(ctx SpecContext, cs conform.Case) {
		c := conform.Client()
		k := ksMustImportedKey(ctx, c, types.KeySpecSymmetricDefault)
		alg := types.AlgorithmSpecRsaesOaepSha256
		params := mustGetParameters(ctx, c, k.id, alg, types.WrappingKeySpecRsa2048)
		in := importRequest(k.id, params.ImportToken, mustWrap(params, alg, reiMustDifferent(k.m).Bytes), doesNotExpire)
		in.ImportType = types.ImportTypeExistingKeyMaterial

		before := conform.SnapshotKey(ctx, c, k.id)
		By("importing other material with ImportType=EXISTING_KEY_MATERIAL")
		_, err := c.ImportKeyMaterial(ctx, in)
		cs.ExpectError(err)
		conform.ExpectKeyUnchanged(ctx, before)
	})
})
