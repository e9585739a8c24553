package importkm

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/kmsconform/kmsconform/harness/keys"
	"github.com/kmsconform/kmsconform/suites/conform"
)

var _ = Describe("CreateKey for imported material", func() {
	conform.It("IMP-002", "creates an EXTERNAL key in PendingImport, disabled", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		By("creating a key with Origin=EXTERNAL")
		key, err := keys.Create(ctx, c, conform.RunID(), kms.CreateKeyInput{Origin: types.OriginTypeExternal})
		r.ExpectSuccess(err)
		id := aws.ToString(key.KeyId)
		DeferCleanup(func(ctx context.Context) error { return keys.ScheduleDeletion(ctx, c, id) })

		By("checking the CreateKey response")
		Expect(key).To(conform.HaveKeyState(types.KeyStatePendingImport))
		Expect(key.Enabled).To(BeFalse(), "CreateKey returned Enabled=true for a key with no material")
		Expect(key.Origin).To(Equal(types.OriginTypeExternal))

		By("checking that DescribeKey reports the same")
		meta := mustDescribe(ctx, c, id)
		Expect(meta).To(conform.HaveKeyState(types.KeyStatePendingImport))
		Expect(meta.Enabled).To(BeFalse(), "DescribeKey reports Enabled=true for a key with no material")
		Expect(meta.Origin).To(Equal(types.OriginTypeExternal))
	})
})
