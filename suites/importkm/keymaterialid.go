package importkm

import (
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/kmsconform/kmsconform/suites/conform"
)

var _ = Describe("KeyMaterialId", func() {
	conform.It("IMP-079", "rejects a KeyMaterialId given with ImportType=NEW_KEY_MATERIAL", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		k, first := mmMustKey(ctx, c, mmImport{})
		m := mustNewMaterial(types.KeySpecSymmetricDefault)

		before := mmSnapshotKey(ctx, c, k.id)
		_, err := mmImportMaterial(ctx, c, k.id, m, mmImport{importType: types.ImportTypeNewKeyMaterial, keyMaterialID: aws.String(first)})
		r.ExpectError(err)
		mmExpectKeyUnchanged(ctx, before)

		By("importing the same new material without KeyMaterialId, which the key accepts")
		_, err = mmImportMaterial(ctx, c, k.id, m, mmImport{importType: types.ImportTypeNewKeyMaterial})
		Expect(err).NotTo(HaveOccurred(), "IMP-079: the import without KeyMaterialId is refused too, so the refusal above says nothing about KeyMaterialId")
	})

	conform.It("IMP-080", "answers the same KeyMaterialId whenever the same material is reimported into the key", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		k, id := mmMustKey(ctx, c, mmImport{})
		cs := r.Case("same-id-on-reimport")
		reimport := func(o mmImport) {
			GinkgoHelper()
			out, err := mmImportMaterial(ctx, c, k.id, k.m, o)
			cs.ExpectSuccess(err)
			Expect(aws.ToString(out.KeyMaterialId)).To(Equal(id), "IMP-080: a reimport%s answers another KeyMaterialId than the first import", o)
		}
		reimport(mmImport{})
		reimport(mmImport{alg: types.AlgorithmSpecRsaesOaepSha1, expiry: expiresAt(ksValidTo(30 * 24 * time.Hour))})
		reimport(mmImport{importType: types.ImportTypeExistingKeyMaterial, keyMaterialID: aws.String(id)})
		ksMustDeleteMaterial(ctx, c, k.id)
		By("reimporting the material after it was deleted")
		reimport(mmImport{})

		Expect(mustDescribe(ctx, c, k.id).CurrentKeyMaterialId).To(HaveValue(Equal(id)), "IMP-080: DescribeKey CurrentKeyMaterialId is not the id every import answered")
		entries := mmMustListAll(ctx, c, k.id)
		Expect(mmIDs(entries)).To(Equal([]string{id}), "IMP-080: after reimports of one material ListKeyRotations lists other materials")
	})

	conform.It("IMP-080", "rejects a reimport whose KeyMaterialId is that of the key's other material", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		k, _ := mmMustKey(ctx, c, mmImport{})
		_, second := mmMustRotateIn(ctx, c, k.id, mmImport{})

		before := mmSnapshotKey(ctx, c, k.id)
		By("reimporting the first material under the second material's KeyMaterialId")
		_, err := mmImportMaterial(ctx, c, k.id, k.m, mmImport{importType: types.ImportTypeExistingKeyMaterial, keyMaterialID: aws.String(second)})
		r.Case("mismatched-id").ExpectError(err)
		mmExpectKeyUnchanged(ctx, before)
	})

	conform.It("IMP-080", "rejects a reimport whose KeyMaterialId is not associated with the key", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		k, _ := mmMustKey(ctx, c, mmImport{})
		_, otherID := mmMustKey(ctx, c, mmImport{})
		for _, unknown := range []struct{ what, id string }{
			{"the KeyMaterialId of another key's material", otherID},
			{"a random KeyMaterialId", mmRandomMaterialID()},
		} {
			before := mmSnapshotKey(ctx, c, k.id)
			By("reimporting the key's material under " + unknown.what)
			_, err := mmImportMaterial(ctx, c, k.id, k.m, mmImport{importType: types.ImportTypeExistingKeyMaterial, keyMaterialID: aws.String(unknown.id)})
			r.Case("unassociated-id").ExpectError(err)
			mmExpectKeyUnchanged(ctx, before)
		}
	})
})

var _ = Describe("DeleteImportedKeyMaterial with KeyMaterialId", func() {
	conform.It("IMP-083", "deletes the current material when no KeyMaterialId is given and names it and the key ARN", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		k, id := mmMustKey(ctx, c, mmImport{})
		By("deleting with KeyId given as the key ID")
		out, err := mmDeleteMaterial(ctx, c, k.id, nil)
		r.Case("without-key-material-id").ExpectSuccess(err)
		Expect(aws.ToString(out.KeyId)).To(Equal(k.arn), "IMP-083: the DeleteImportedKeyMaterial response KeyId is not the key ARN")
		Expect(aws.ToString(out.KeyMaterialId)).To(Equal(id), "IMP-083: the DeleteImportedKeyMaterial response KeyMaterialId is not the deleted material's")
	})

	conform.It("IMP-083", "deletes the material a KeyMaterialId names and names it and the key ARN", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		k, first := mmMustKey(ctx, c, mmImport{})
		_, second := mmMustRotateIn(ctx, c, k.id, mmImport{})
		By("deleting the first, non-current, material with KeyId given as the key ARN")
		out, err := mmDeleteMaterial(ctx, c, k.arn, aws.String(first))
		r.Case("with-key-material-id").ExpectSuccess(err)
		Expect(aws.ToString(out.KeyId)).To(Equal(k.arn), "IMP-083: the DeleteImportedKeyMaterial response KeyId is not the key ARN")
		Expect(aws.ToString(out.KeyMaterialId)).To(Equal(first), "IMP-083: the DeleteImportedKeyMaterial response KeyMaterialId is not the material the request named")
		entries := mmMustListAll(ctx, c, k.id)
		mmExpectMaterial(Default, "IMP-083", entries, first, types.KeyMaterialStateNonCurrent, types.ImportStatePendingImport)
		mmExpectMaterial(Default, "IMP-083", entries, second, types.KeyMaterialStateCurrent, types.ImportStateImported)
	})

	conform.It("IMP-083", "rejects a KeyMaterialId that is not 64 lowercase hexadecimal digits", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		k, id := mmMustKey(ctx, c, mmImport{})
		for _, bad := range []struct{ what, id string }{
			{"the material's KeyMaterialId in uppercase", strings.ToUpper(id)},
			{"the material's KeyMaterialId without its last digit", id[:63]},
			{"the material's KeyMaterialId with one more digit", id + "0"},
			{"64 characters that are not all hexadecimal", "g" + id[1:]},
			{"an empty KeyMaterialId", ""},
		} {
			before := mmSnapshotKey(ctx, c, k.id)
			By("deleting with " + bad.what)
			_, err := mmDeleteMaterial(ctx, c, k.id, aws.String(bad.id))
			r.Case("bad-key-material-id").ExpectError(err)
			mmExpectKeyUnchanged(ctx, before)
		}
	})
})

var _ = Describe("CurrentKeyMaterialId in DescribeKey", func() {
	expectShown := func(meta *types.KeyMetadata, want string) {
		GinkgoHelper()
		Expect(meta.CurrentKeyMaterialId).NotTo(BeNil(), "IMP-102: DescribeKey of a symmetric key with material shows no CurrentKeyMaterialId")
		Expect(*meta.CurrentKeyMaterialId).To(MatchRegexp(mmMaterialIDPattern), "IMP-102: CurrentKeyMaterialId is not 64 lowercase hexadecimal digits")
		if want != "" {
			Expect(*meta.CurrentKeyMaterialId).To(Equal(want), "IMP-102: CurrentKeyMaterialId is not the KeyMaterialId the import answered")
		}
	}

	conform.It("IMP-102", "shows the imported material's id for a symmetric EXTERNAL key", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		k, id := mmMustKey(ctx, c, mmImport{})
		meta, err := descDescribe(ctx, c, k.id, "with its material")
		r.Case("symmetric-EXTERNAL").ExpectSuccess(err)
		expectShown(meta, id)
	})

	conform.It("IMP-102", "shows a KeyMaterialId for a symmetric AWS_KMS key", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		key := mustCreateAWSKMSKey(ctx, c, types.KeySpecSymmetricDefault)
		meta, err := descDescribe(ctx, c, aws.ToString(key.KeyId), "")
		r.Case("symmetric-AWS_KMS").ExpectSuccess(err)
		expectShown(meta, "")
	})

	conform.It("IMP-102", "shows the imported material's id for a symmetric EXTERNAL multi-Region key", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		By("creating a symmetric EXTERNAL multi-Region primary key")
		key := mustCreateKey(ctx, c, kms.CreateKeyInput{Origin: types.OriginTypeExternal, KeySpec: types.KeySpecSymmetricDefault, KeyUsage: types.KeyUsageTypeEncryptDecrypt, MultiRegion: aws.Bool(true)})
		id := mmMustImportMaterial(ctx, c, aws.ToString(key.KeyId), mustNewMaterial(types.KeySpecSymmetricDefault), mmImport{})
		meta, err := descDescribe(ctx, c, aws.ToString(key.KeyId), "with its material")
		r.Case("multi-region-EXTERNAL").ExpectSuccess(err)
		Expect(aws.ToBool(meta.MultiRegion)).To(BeTrue(), "setting up: the key is not multi-Region")
		expectShown(meta, id)
	})

	for _, ns := range mmNonSymmetric {
		conform.It("IMP-102", "shows no CurrentKeyMaterialId for "+ns.class+" keys, imported or not", func(ctx SpecContext, r conform.Rule) {
			c := conform.Client()
			imported := ksMustImportedKey(ctx, c, ns.spec)
			generated := mustCreateAWSKMSKey(ctx, c, ns.spec)
			for _, k := range []struct{ what, id string }{
				{"EXTERNAL " + string(ns.spec) + " key with its material", imported.id},
				{"AWS_KMS " + string(ns.spec) + " key", aws.ToString(generated.KeyId)},
			} {
				meta, err := descDescribe(ctx, c, k.id, "("+k.what+")")
				r.Case(ns.class).ExpectSuccess(err)
				Expect(meta.CurrentKeyMaterialId).To(BeNil(), "IMP-102: DescribeKey of an %s shows CurrentKeyMaterialId", k.what)
			}
		})
	}
})
