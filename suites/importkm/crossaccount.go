package importkm

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/kmsconform/kmsconform/harness/keys"
	"github.com/kmsconform/kmsconform/harness/profile"
	"github.com/kmsconform/kmsconform/suites/conform"
)

// The helpers of this file (prefix xa) check the operations that cannot be
// used across accounts ("Cross-account use: No"): the second account
// (conform.SecondAccountClient) names a key of the run's account by its key
// ARN and must be refused, even though the key policy grants it the
// operation. A refusal proves something only if nothing but the account was
// wrong, so every spec has three controls around it:
//   - before: the second account describes the key by the same ARN, which
//     the key policy allows and DescribeKey permits across accounts
//     (IMP-104): its credentials work, the ARN reaches the key and the policy
//     is in force;
//   - the rejected call leaves the key as it was (snapshot by the run's own
//     client);
//   - after: the run's own account makes the very same request, by the same
//     ARN, and it succeeds: the key was in a state that allows it and the
//     request was well formed.
//
// On AWS the second account's own IAM policy must allow it kms:DescribeKey
// on the run's keys, or the first control fails; it should allow the
// operations under test too, so that an IAM denial in the second account
// cannot stand in for the refusal the rules require.

// xaSettle bounds how long a real KMS may take to put a new key's policy in
// force for another account: AWS documents key policy changes as eventually
// consistent, within minutes.
const xaSettle = 5 * time.Minute

// xaSpecTimeout bounds a cross-account spec: the policy to wait for, and a
// key to set up in a state.
const xaSpecTimeout = 10 * time.Minute

// xaRunAccount is the partition and id of the run's account, learned once
// per process from the ARN of a key: the configuration names only the second
// account's id, and a key policy that grants the second account must name
// the key's own account too, or the run could no longer manage the key.
var xaRunAccount struct {
	sync.Mutex
	partition, id string
}

// xaMustRunAccount returns the partition and id of the run's account.
func xaMustRunAccount(ctx context.Context, c *kms.Client) (partition, account string) {
	GinkgoHelper()
	xaRunAccount.Lock()
	defer xaRunAccount.Unlock()
	if xaRunAccount.id == "" {
		By("learning the run's account id from the ARN of a key (the configuration does not name it)")
		meta := mustCreateExternalKey(ctx, c, types.KeySpecSymmetricDefault)
		xaRunAccount.partition, xaRunAccount.id = ksPartitionAndAccountOf(aws.ToString(meta.Arn))
	}
	return xaRunAccount.partition, xaRunAccount.id
}

// xaPolicy is a key policy that gives the key's own account every
// permission (as the default key policy does) and the second account
// actions.
func xaPolicy(partition, owner, second string, actions ...string) string {
	GinkgoHelper()
	type principal struct {
		AWS string
	}
	type statement struct {
		Sid       string
		Effect    string
		Principal principal
		Action    any
		Resource  string
	}
	policy := struct {
		Version   string
		Statement []statement
	}{"2012-10-17", []statement{
		{"KeyOwner", "Allow", principal{fmt.Sprintf("arn:%s:iam::%s:root", partition, owner)}, "kms:*", "*"},
		{"KmsconformSecondAccount", "Allow", principal{fmt.Sprintf("arn:%s:iam::%s:root", partition, second)}, actions, "*"},
	}}
	b, err := json.Marshal(policy)
	Expect(err).NotTo(HaveOccurred(), "spec bug: encoding the key policy")
	return string(b)
}

// xaKey is the key of a cross-account spec, with what its request needs.
type xaKey struct {
	ksKey
	// token and blob are import parameters the key's own account got and
	// fresh material wrapped under them (ImportKeyMaterial).
	token, blob []byte
}

// xaOp is an operation that cannot be used across accounts, set up so that
// the request, made by the key's own account, succeeds.
type xaOp struct {
	// state is the key state the request is made in.
	state types.KeyState
	// pending: a material waits for rotation (RotateKeyOnDemand needs one).
	pending bool
	// wrapped: the key's own account gets import parameters and wraps fresh
	// material under them beforehand (ImportKeyMaterial).
	wrapped bool
	// request makes the request with c on the key named ref.
	request func(ctx context.Context, c *kms.Client, ref string, k xaKey) error
}

// xaOps are the operations of IMP-144, by case name; IMP-017 and IMP-063
// use the first two.
var xaOps = map[string]xaOp{
	"GetParametersForImport": {state: types.KeyStatePendingImport, request: func(ctx context.Context, c *kms.Client, ref string, _ xaKey) error {
		_, err := c.GetParametersForImport(ctx, &kms.GetParametersForImportInput{KeyId: aws.String(ref), WrappingAlgorithm: types.AlgorithmSpecRsaesOaepSha256, WrappingKeySpec: types.WrappingKeySpecRsa2048})
		return err
	}},
	"ImportKeyMaterial": {state: types.KeyStatePendingImport, wrapped: true, request: func(ctx context.Context, c *kms.Client, ref string, k xaKey) error {
		_, err := c.ImportKeyMaterial(ctx, importRequest(ref, k.token, k.blob, doesNotExpire))
		return err
	}},
	"DeleteImportedKeyMaterial": {state: types.KeyStateEnabled, request: func(ctx context.Context, c *kms.Client, ref string, _ xaKey) error {
		_, err := c.DeleteImportedKeyMaterial(ctx, &kms.DeleteImportedKeyMaterialInput{KeyId: aws.String(ref)})
		return err
	}},
	"EnableKey": {state: types.KeyStateDisabled, request: func(ctx context.Context, c *kms.Client, ref string, _ xaKey) error {
		_, err := c.EnableKey(ctx, &kms.EnableKeyInput{KeyId: aws.String(ref)})
		return err
	}},
	"DisableKey": {state: types.KeyStateEnabled, request: func(ctx context.Context, c *kms.Client, ref string, _ xaKey) error {
		_, err := c.DisableKey(ctx, &kms.DisableKeyInput{KeyId: aws.String(ref)})
		return err
	}},
	"ScheduleKeyDeletion": {state: types.KeyStateEnabled, request: func(ctx context.Context, c *kms.Client, ref string, _ xaKey) error {
		_, err := c.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(ref), PendingWindowInDays: aws.Int32(keys.DeletionWindowDays)})
		return err
	}},
	"CancelKeyDeletion": {state: types.KeyStatePendingDeletion, request: func(ctx context.Context, c *kms.Client, ref string, _ xaKey) error {
		_, err := c.CancelKeyDeletion(ctx, &kms.CancelKeyDeletionInput{KeyId: aws.String(ref)})
		return err
	}},
	"RotateKeyOnDemand": {state: types.KeyStateEnabled, pending: true, request: func(ctx context.Context, c *kms.Client, ref string, _ xaKey) error {
		_, err := c.RotateKeyOnDemand(ctx, &kms.RotateKeyOnDemandInput{KeyId: aws.String(ref)})
		return err
	}},
	"ListKeyRotations": {state: types.KeyStateEnabled, request: func(ctx context.Context, c *kms.Client, ref string, _ xaKey) error {
		_, err := c.ListKeyRotations(ctx, &kms.ListKeyRotationsInput{KeyId: aws.String(ref)})
		return err
	}},
}

// xaMustKey creates a symmetric EXTERNAL key with the given key policy and
// sets it up for op.
func xaMustKey(ctx context.Context, c *kms.Client, policy string, op xaOp) xaKey {
	GinkgoHelper()
	By("creating a symmetric EXTERNAL key whose key policy grants the second account the operation")
	meta := mustCreateKey(ctx, c, kms.CreateKeyInput{
		Origin: types.OriginTypeExternal, KeySpec: types.KeySpecSymmetricDefault, KeyUsage: types.KeyUsageTypeEncryptDecrypt,
		Policy: aws.String(policy),
	})
	k := xaKey{ksKey: ksKey{id: aws.ToString(meta.KeyId), arn: aws.ToString(meta.Arn)}}
	if op.state != types.KeyStatePendingImport {
		k.m = mustNewMaterial(types.KeySpecSymmetricDefault)
		ksMustImportMaterial(ctx, c, k.id, k.m, doesNotExpire)
		if op.pending {
			mmMustAddPending(ctx, c, k.id, mmImport{})
		}
		ksMustEnterState(ctx, c, k.id, op.state)
	}
	if op.wrapped {
		const alg = types.AlgorithmSpecRsaesOaepSha256
		params := mustGetParameters(ctx, c, k.id, alg, types.WrappingKeySpecRsa2048)
		k.token, k.blob = params.ImportToken, mustWrap(params, alg, mustNewMaterial(types.KeySpecSymmetricDefault).Bytes)
	}
	return k
}

// xaMustReach asserts that the second account's client b describes key k by
// its ARN, as a key of the run's account: the controls that make its refusals
// mean something.
func xaMustReach(ctx context.Context, b *kms.Client, k xaKey, owner string) {
	GinkgoHelper()
	By("checking that the second account describes the key by its ARN, which the key policy allows")
	Eventually(ctx, func(g Gomega) {
		out, err := b.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(k.arn)})
		g.Expect(err).NotTo(HaveOccurred(), "setting up: the second account cannot describe the key by its ARN although the key policy allows it (IMP-104): its refusals below would prove nothing")
		g.Expect(aws.ToString(out.KeyMetadata.Arn)).To(Equal(k.arn), "setting up: the second account's DescribeKey by ARN describes another key")
		g.Expect(aws.ToString(out.KeyMetadata.AWSAccountId)).To(Equal(owner), "setting up: the second account's DescribeKey by ARN describes a key of account %s", aws.ToString(out.KeyMetadata.AWSAccountId))
	}).WithTimeout(xaTimeout()).WithPolling(5 * time.Second).Should(Succeed())
}

// xaTimeout is how long xaMustReach waits: once in process, where the
// reference decides synchronously, up to xaSettle against an endpoint.
func xaTimeout() time.Duration {
	if conform.InProcess() {
		return 100 * time.Millisecond
	}
	return xaSettle
}

// xaSnapshotKey snapshots key id with the run's client c; in the 2025
// profile a key with material is snapshot with its materials too, so that
// a refused request may not add, delete or rotate one.
func xaSnapshotKey(ctx context.Context, c *kms.Client, id string, state types.KeyState) (expectUnchanged func()) {
	GinkgoHelper()
	if conform.Profile().AtLeast(profile.P2025) && (state == types.KeyStateEnabled || state == types.KeyStateDisabled) {
		s := mmSnapshotKey(ctx, c, id)
		return func() { GinkgoHelper(); mmExpectKeyUnchanged(ctx, s) }
	}
	s := conform.SnapshotKey(ctx, c, id)
	return func() { GinkgoHelper(); conform.ExpectKeyUnchanged(ctx, s) }
}

// xaExpectRefused is the body of every cross-account spec: the second
// account makes op's request on a key of the run's account, named by its
// ARN, whose policy grants it the operation; expectError asserts the answer.
func xaExpectRefused(ctx context.Context, ruleID, opName string, expectError func(error)) {
	GinkgoHelper()
	op, ok := xaOps[opName]
	Expect(ok).To(BeTrue(), "spec bug: no cross-account request for %s", opName)
	c, b := conform.Client(), conform.SecondAccountClient(ctx)
	second := conform.SecondAccountID()
	partition, owner := xaMustRunAccount(ctx, c)
	Expect(second).NotTo(Equal(owner), "the configured second account %s is the run's own account: the cross-account specs need another account", second)

	k := xaMustKey(ctx, c, xaPolicy(partition, owner, second, "kms:DescribeKey", "kms:"+opName), op)
	xaMustReach(ctx, b, k, owner)

	expectUnchanged := xaSnapshotKey(ctx, c, k.id, op.state)
	By("calling " + opName + " as the second account, naming the key by its ARN")
	expectError(op.request(ctx, b, k.arn, k))
	expectUnchanged()

	By("making the same request as the key's own account, which must succeed: only the account was wrong")
	Expect(op.request(ctx, c, k.arn, k)).To(Succeed(), "%s: the key's own account cannot make the %s request the second account was refused either, so that refusal says nothing about accounts", ruleID, opName)
}

var _ = Describe("Operations that cannot be used across accounts", func() {
	conform.It("IMP-017", "rejects GetParametersForImport by another account naming the key by its ARN, though the key policy grants it", func(ctx SpecContext, r conform.Rule) {
		xaExpectRefused(ctx, "IMP-017", "GetParametersForImport", r.ExpectError)
	}, SpecTimeout(xaSpecTimeout))

	conform.It("IMP-063", "rejects ImportKeyMaterial by another account naming the key by its ARN, though the key policy grants it", func(ctx SpecContext, r conform.Rule) {
		xaExpectRefused(ctx, "IMP-063", "ImportKeyMaterial", r.ExpectError)
	}, SpecTimeout(xaSpecTimeout))

	conform.DescribeTable("Import, deletion, rotation and key-state operations by another account",
		func(ctx SpecContext, cs conform.Case, op string) {
			xaExpectRefused(ctx, "IMP-144", op, cs.ExpectError)
		},
		xaEntries("IMP-144")...,
	)
})

// xaEntries are the table entries of a rule whose cases are named after
// operations of xaOps, one per case, in the catalogue's order. A case
// without a request in xaOps panics while the spec tree is built: the table
// follows the catalogue, so a case added there cannot go unasserted.
func xaEntries(ruleID string) []TableEntry {
	rule, ok := conform.Catalogue().Rule(ruleID)
	if !ok {
		panic(fmt.Sprintf("kmsconform: table for unknown rule %s", ruleID))
	}
	var out []TableEntry
	for _, e := range rule.Expect {
		if _, ok := xaOps[e.Case]; !ok {
			panic(fmt.Sprintf("kmsconform: %s case %q names no operation with a cross-account request in xaOps", ruleID, e.Case))
		}
		text := "rejects " + e.Case + " by another account naming the key by its ARN, though the key policy grants it"
		out = append(out, conform.Entry(ruleID, e.Case, text, e.Case, SpecTimeout(xaSpecTimeout)))
	}
	return out
}
