package importkm

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	. "github.com/onsi/ginkgo/v2"

	"github.com/kmsconform/kmsconform/suites/conform"
)

// rotOnKeyInState is a rotation operation on a symmetric EXTERNAL key in a
// key state.
type rotOnKeyInState struct {
	op    ksRotationOp
	state types.KeyState
}

// rotLegacyParams implements the IMP-107 cases, named "Operation-State".
func rotLegacyParams() map[string]rotOnKeyInState {
	out := map[string]rotOnKeyInState{}
	for _, op := range []ksRotationOp{ksEnableKeyRotation, ksDisableKeyRotation, ksGetKeyRotationStatus} {
		for _, s := range []types.KeyState{types.KeyStateEnabled, types.KeyStateDisabled, types.KeyStatePendingDeletion} {
			out[op.name+"-"+string(s)] = rotOnKeyInState{op, s}
		}
	}
	return out
}

// rotKeyOf is the key an IMP-112 case rotates.
type rotKeyOf struct {
	spec   types.KeySpec
	origin types.OriginType
}

// rotMustKey creates a key of spec and origin that holds material (imported
// when EXTERNAL).
func rotMustKey(ctx context.Context, c *kms.Client, k rotKeyOf) string {
	GinkgoHelper()
	if k.origin == types.OriginTypeAwsKms {
		return aws.ToString(mustCreateAWSKMSKey(ctx, c, k.spec).KeyId)
	}
	return ksMustImportedKey(ctx, c, k.spec).id
}

// rotExpectRejected calls op on key id, which must be rejected as case cs
// says and leave the key unchanged.
func rotExpectRejected(ctx context.Context, c *kms.Client, cs conform.Case, op ksRotationOp, id string) {
	GinkgoHelper()
	before := conform.SnapshotKey(ctx, c, id)
	By("calling " + op.name)
	cs.ExpectError(op.call(ctx, c, id))
	conform.ExpectKeyUnchanged(ctx, before)
}

var _ = Describe("Rotation of keys with imported material", func() {
	conform.DescribeTable("EnableKeyRotation on a symmetric EXTERNAL key",
		func(ctx SpecContext, cs conform.Case, state types.KeyState) {
			c := conform.Client()
			k := ksSymmetricKeyIn(ctx, c, state)
			rotExpectRejected(ctx, c, cs, ksEnableKeyRotation, k.id)
		},
		ksEntries("IMP-105", func(s string) string { return "rejects EnableKeyRotation on a symmetric EXTERNAL key in " + s },
			ksStateParams("PendingImport", "Enabled"))...,
	)

	conform.DescribeTable("rotation status operations on an EXTERNAL key in PendingImport",
		func(ctx SpecContext, cs conform.Case, op ksRotationOp) {
			c := conform.Client()
			k := ksMustNewExternalKey(ctx, c, types.KeySpecSymmetricDefault)
			rotExpectRejected(ctx, c, cs, op, k.id)
		},
		ksEntries("IMP-106", func(s string) string { return "rejects " + s + " on a symmetric EXTERNAL key in PendingImport" },
			map[string]ksRotationOp{"GetKeyRotationStatus": ksGetKeyRotationStatus, "DisableKeyRotation": ksDisableKeyRotation})...,
	)

	conform.DescribeTable("rotation operations on EXTERNAL keys before June 2023",
		func(ctx SpecContext, cs conform.Case, p rotOnKeyInState) {
			c := conform.Client()
			k := ksSymmetricKeyIn(ctx, c, p.state)
			rotExpectRejected(ctx, c, cs, p.op, k.id)
		},
		ksEntries("IMP-107", func(s string) string {
			op, state, _ := strings.Cut(s, "-")
			return fmt.Sprintf("rejects %s on a symmetric EXTERNAL key in %s", op, state)
		}, rotLegacyParams())...,
	)

	conform.It("IMP-111", "rejects RotateKeyOnDemand on a Disabled AWS_KMS key", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		id := rotMustKey(ctx, c, rotKeyOf{types.KeySpecSymmetricDefault, types.OriginTypeAwsKms})
		ksMustEnterState(ctx, c, id, types.KeyStateDisabled)
		rotExpectRejected(ctx, c, r.Case("AWS_KMS"), ksRotateKeyOnDemand, id)
	})

	conform.ItCase("IMP-111", "EXTERNAL", "rejects RotateKeyOnDemand on a Disabled EXTERNAL key with material pending rotation", func(ctx SpecContext, cs conform.Case) {
		c := conform.Client()
		k := ksMustImportedKey(ctx, c, types.KeySpecSymmetricDefault)
		delMustImportNewMaterial(ctx, c, k.id)
		ksMustEnterState(ctx, c, k.id, types.KeyStateDisabled)
		rotExpectRejected(ctx, c, cs, ksRotateKeyOnDemand, k.id)
	})

	conform.DescribeTable("RotateKeyOnDemand on asymmetric and HMAC keys",
		func(ctx SpecContext, cs conform.Case, k rotKeyOf) {
			c := conform.Client()
			rotExpectRejected(ctx, c, cs, ksRotateKeyOnDemand, rotMustKey(ctx, c, k))
		},
		ksEntries("IMP-112", func(s string) string {
			return "rejects RotateKeyOnDemand on an " + strings.Replace(s, "-", " key of Origin ", 1)
		}, map[string]rotKeyOf{
			"asymmetric-AWS_KMS":  {types.KeySpecEccNistP256, types.OriginTypeAwsKms},
			"asymmetric-EXTERNAL": {types.KeySpecEccNistP256, types.OriginTypeExternal},
			"HMAC-EXTERNAL":       {types.KeySpecHmac256, types.OriginTypeExternal},
		})...,
	)

	conform.It("IMP-114", "rejects RotateKeyOnDemand on a symmetric EXTERNAL key", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		k := ksMustImportedKey(ctx, c, types.KeySpecSymmetricDefault)
		rotExpectRejected(ctx, c, r.Case(""), ksRotateKeyOnDemand, k.id)
	})
})
