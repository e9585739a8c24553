package importkm

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/kmsconform/kmsconform/fixtures/material"
	"github.com/kmsconform/kmsconform/suites/conform"
)

// iopMustKeyWith creates a symmetric EXTERNAL key (multi-Region primary when
// multiRegion) and imports m into it.
func iopMustKeyWith(ctx context.Context, c *kms.Client, m material.Material, multiRegion bool) ksKey {
	GinkgoHelper()
	in := kms.CreateKeyInput{Origin: types.OriginTypeExternal, KeySpec: types.KeySpecSymmetricDefault, KeyUsage: types.KeyUsageTypeEncryptDecrypt}
	what := "creating a symmetric EXTERNAL key"
	if multiRegion {
		in.MultiRegion = aws.Bool(true)
		what = "creating a symmetric EXTERNAL multi-Region primary key"
	}
	By(what)
	meta := mustCreateKey(ctx, c, in)
	k := ksKey{id: aws.ToString(meta.KeyId), arn: aws.ToString(meta.Arn), m: m}
	ksMustImportMaterial(ctx, c, k.id, m, doesNotExpire)
	return k
}

// iopExpectNotInteroperable imports one material into two new keys and checks
// that each key decrypts its own ciphertext and refuses the other's.
func iopExpectNotInteroperable(ctx context.Context, cs conform.Case, multiRegion bool) {
	GinkgoHelper()
	c := conform.Client()
	m := mustNewMaterial(types.KeySpecSymmetricDefault)
	a := iopMustKeyWith(ctx, c, m, multiRegion)
	b := iopMustKeyWith(ctx, c, m, multiRegion)
	Expect(b.id).NotTo(Equal(a.id), "setting up: two CreateKey calls returned the same key")

	pt := ksPlaintext("IMP-139")
	ctA := ksMustEncrypt(ctx, c, a.id, pt)
	ctB := ksMustEncrypt(ctx, c, b.id, pt)
	By("checking that each key decrypts its own ciphertext")
	ksExpectDecrypts(ctx, c, "IMP-139", a, ctA, pt)
	ksExpectDecrypts(ctx, c, "IMP-139", b, ctB, pt)
	By("checking that a ciphertext without KeyId is attributed to the key that made it")
	out, err := c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: ctA})
	Expect(err).NotTo(HaveOccurred(), "Decrypt of key A's ciphertext without KeyId")
	Expect(aws.ToString(out.KeyId)).To(Equal(a.arn), "IMP-139: Decrypt attributes key A's ciphertext to another key")

	for _, p := range []struct {
		ct   []byte
		by   ksKey
		what string
	}{{ctA, b, "Decrypt of key A's ciphertext naming key B"}, {ctB, a, "Decrypt of key B's ciphertext naming key A"}} {
		before := conform.SnapshotKey(ctx, c, p.by.id)
		By(p.what)
		_, err := c.Decrypt(ctx, &kms.DecryptInput{KeyId: aws.String(p.by.id), CiphertextBlob: p.ct})
		cs.ExpectError(err)
		conform.ExpectKeyUnchanged(ctx, before)
	}
}

var _ = Describe("Interoperability of keys holding the same material", func() {
	conform.It("IMP-139", "refuses to decrypt one single-Region key's ciphertext with another key holding the same material", func(ctx SpecContext, r conform.Rule) {
		iopExpectNotInteroperable(ctx, r.Case("single-region"), false)
	})

	conform.It("IMP-139", "refuses to decrypt one multi-Region primary's ciphertext with an unrelated primary holding the same material", func(ctx SpecContext, r conform.Rule) {
		iopExpectNotInteroperable(ctx, r.Case("unrelated-multi-region"), true)
	})
})
