package importkm

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/kmsconform/kmsconform/harness/keys"
	"github.com/kmsconform/kmsconform/suites/conform"
)

// The helpers of this file (prefix mr) set up multi-Region keys: a symmetric
// EXTERNAL primary made by the run's client in the run's Region, replicated
// into conform.SecondRegion(), where a client of the same account
// (conform.SecondRegionClient) imports into the replica. A replica has its
// primary's key ID: only the client's Region tells the two apart.

// mrSettle bounds how long a real KMS may take to finish a replica
// (ReplicateKey returns while the replica is still Creating) or to carry a
// change of the primary's key materials to its replicas: both happen
// asynchronously on AWS.
const mrSettle = 5 * time.Minute

// mrSpecTimeout bounds a multi-Region spec: a replica to wait for and a few
// changes to see propagate, each within mrSettle when they fail.
const mrSpecTimeout = 15 * time.Minute

// mrEventually polls f for at most mrSettle against an endpoint; in process,
// where the reference decides every call synchronously, it checks once, so a
// faulty reference fails the spec at once instead of after mrSettle.
func mrEventually(ctx context.Context, f any) AsyncAssertion {
	if conform.InProcess() {
		// The polling interval is longer than the timeout: one attempt.
		return Eventually(ctx, f).WithTimeout(100 * time.Millisecond).WithPolling(time.Second)
	}
	return Eventually(ctx, f).WithTimeout(mrSettle).WithPolling(5 * time.Second)
}

// mrClientInSecondRegion returns a client like c in the second Region. Specs
// use conform.SecondRegionClient; this is for the one spec whose client is
// a clock's (conform.ExpiryClock), which in process talks to a private
// reference instance that conform.SecondRegionClient does not reach.
func mrClientInSecondRegion(c *kms.Client) *kms.Client {
	GinkgoHelper()
	region := conform.SecondRegion()
	return kms.New(c.Options(), func(o *kms.Options) { o.Region = region })
}

// mrARNIn is a key ARN with its Region replaced: the ARN the replica of a
// primary must have in that Region.
func mrARNIn(arn, region string) string {
	GinkgoHelper()
	parts := strings.SplitN(arn, ":", 6)
	Expect(parts).To(HaveLen(6), "key ARN %q does not have the form arn:partition:kms:region:account:key/id", arn)
	parts[3] = region
	return strings.Join(parts, ":")
}

// mrMustNewPrimary creates a symmetric EXTERNAL multi-Region primary key
// without material (PendingImport).
func mrMustNewPrimary(ctx context.Context, c *kms.Client) ksKey {
	GinkgoHelper()
	By("creating a symmetric EXTERNAL multi-Region primary key")
	meta := mustCreateKey(ctx, c, kms.CreateKeyInput{
		Origin: types.OriginTypeExternal, KeySpec: types.KeySpecSymmetricDefault, KeyUsage: types.KeyUsageTypeEncryptDecrypt,
		MultiRegion: aws.Bool(true),
	})
	Expect(aws.ToBool(meta.MultiRegion)).To(BeTrue(), "setting up: CreateKey with MultiRegion=true returned a key that is not multi-Region")
	return ksKey{id: aws.ToString(meta.KeyId), arn: aws.ToString(meta.Arn)}
}

// mrMustPrimary creates a multi-Region primary and imports fresh material
// into it with expiry e: an Enabled key that can be replicated.
func mrMustPrimary(ctx context.Context, c *kms.Client, e expiry) ksKey {
	GinkgoHelper()
	k := mrMustNewPrimary(ctx, c)
	k.m = mustNewMaterial(types.KeySpecSymmetricDefault)
	ksMustImportMaterial(ctx, c, k.id, k.m, e)
	return k
}

// mrReplicate calls ReplicateKey on primary id, replicating it into
// conform.SecondRegion(), and returns the answer, for specs whose rule is
// about that call. A replica it makes is tagged with the run id and its
// deletion is scheduled through rc, a client of the second Region, when the
// spec ends, whatever the outcome. That cleanup runs before the primary's
// (cleanups run in reverse order); the primary then waits in
// PendingReplicaDeletion, which the key cleanup accepts.
func mrReplicate(ctx context.Context, c, rc *kms.Client, id string) (*kms.ReplicateKeyOutput, error) {
	GinkgoHelper()
	region := conform.SecondRegion()
	By("replicating the key into " + region)
	out, err := c.ReplicateKey(ctx, &kms.ReplicateKeyInput{
		KeyId: aws.String(id), ReplicaRegion: aws.String(region),
		Tags: []types.Tag{{TagKey: aws.String(keys.RunTagKey), TagValue: aws.String(conform.RunID())}},
	})
	if err == nil {
		replicaID := id
		if out.ReplicaKeyMetadata != nil && aws.ToString(out.ReplicaKeyMetadata.KeyId) != "" {
			replicaID = aws.ToString(out.ReplicaKeyMetadata.KeyId)
		}
		DeferCleanup(func(ctx context.Context) error { return keys.ScheduleDeletion(ctx, rc, replicaID) })
	}
	return out, err
}

// mrMustAwaitReplica waits until the replica id in rc's Region has left
// Creating and asserts that it is PendingImport, as the replica of an
// EXTERNAL primary must be (IMP-130); it returns the replica's metadata.
func mrMustAwaitReplica(ctx context.Context, rc *kms.Client, ruleID, id string) *types.KeyMetadata {
	GinkgoHelper()
	By("waiting for the replica to leave Creating")
	var meta *types.KeyMetadata
	mrEventually(ctx, func(g Gomega) {
		out, err := rc.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(id)})
		g.Expect(err).NotTo(HaveOccurred(), "DescribeKey of the replica %s in %s", id, rc.Options().Region)
		meta = out.KeyMetadata
		g.Expect(meta).NotTo(BeNil(), "DescribeKey of the replica returned no KeyMetadata")
		if meta.KeyState != types.KeyStateCreating && meta.KeyState != types.KeyStatePendingImport {
			// Creating is the only state that may still become PendingImport.
			StopTrying(fmt.Sprintf("%s: the replica of an EXTERNAL primary left Creating for %s, not PendingImport", ruleID, meta.KeyState)).Now()
		}
		g.Expect(meta).To(conform.HaveKeyState(types.KeyStatePendingImport), "%s: the replica of an EXTERNAL primary did not become PendingImport", ruleID)
	}).Should(Succeed())
	return meta
}

// mrMustReplicate replicates primary k into the second Region, waits for
// the replica to be PendingImport and returns it: k's key ID and material,
// the replica's own ARN.
func mrMustReplicate(ctx context.Context, c, rc *kms.Client, k ksKey) ksKey {
	GinkgoHelper()
	_, err := mrReplicate(ctx, c, rc, k.id)
	Expect(err).NotTo(HaveOccurred(), "setting up: ReplicateKey %s into %s", k.id, conform.SecondRegion())
	meta := mrMustAwaitReplica(ctx, rc, "setting up", k.id)
	return ksKey{id: k.id, arn: aws.ToString(meta.Arn), m: k.m}
}

// mrMustReplicated sets up a primary holding fresh material and its replica
// in the second Region holding the same, both Enabled.
func mrMustReplicated(ctx context.Context, c, rc *kms.Client) (primary, replica ksKey) {
	GinkgoHelper()
	primary = mrMustPrimary(ctx, c, doesNotExpire)
	replica = mrMustReplicate(ctx, c, rc, primary)
	By("importing the primary's material into the replica")
	ksMustImportMaterial(ctx, rc, replica.id, replica.m, doesNotExpire)
	Expect(mustDescribe(ctx, rc, replica.id)).To(conform.HaveKeyState(types.KeyStateEnabled), "setting up: the replica is not Enabled once it holds the primary's material")
	return primary, replica
}

// mrExpectMaterialState waits (mrSettle at most) until ListKeyRotations of
// key id, through c, lists key material mid in state; which names the key
// for the failure message ("primary", "replica").
func mrExpectMaterialState(ctx context.Context, c *kms.Client, ruleID, which, id, mid string, state types.KeyMaterialState) {
	GinkgoHelper()
	By("checking that the " + which + " lists key material " + mid + " " + string(state))
	mrEventually(ctx, func(g Gomega) {
		entries, err := mmListRotations(ctx, c, id, types.IncludeKeyMaterialAllKeyMaterial)
		g.Expect(err).NotTo(HaveOccurred(), "ListKeyRotations ALL_KEY_MATERIAL of the %s", which)
		g.Expect(mmExpectEntry(g, ruleID, entries, mid).KeyMaterialState).To(Equal(state),
			"%s: KeyMaterialState of key material %s in ListKeyRotations of the %s", ruleID, mid, which)
	}).Should(Succeed())
}

// mrExpectMaterialGone waits (mrSettle at most) until key id, through c, no
// longer holds key material mid: ListKeyRotations does not list it, or lists
// it without ImportState IMPORTED.
func mrExpectMaterialGone(ctx context.Context, c *kms.Client, ruleID, which, id, mid string) {
	GinkgoHelper()
	By("checking that the " + which + " no longer holds key material " + mid)
	mrEventually(ctx, func(g Gomega) {
		entries, err := mmListRotations(ctx, c, id, types.IncludeKeyMaterialAllKeyMaterial)
		g.Expect(err).NotTo(HaveOccurred(), "ListKeyRotations ALL_KEY_MATERIAL of the %s", which)
		for _, e := range entries {
			if aws.ToString(e.KeyMaterialId) == mid {
				g.Expect(e.ImportState).NotTo(Equal(types.ImportStateImported),
					"%s: the %s still holds key material %s (ImportState IMPORTED, KeyMaterialState %s) after it was deleted from the primary", ruleID, which, mid, e.KeyMaterialState)
			}
		}
	}).Should(Succeed())
}

// mrExpectUsable asserts that key k, through c, is Enabled, decrypts ct to
// pt and encrypts anew: it still has all its permanently associated
// materials and uses them.
func mrExpectUsable(ctx context.Context, c *kms.Client, ruleID, which string, k ksKey, ct, pt []byte) {
	GinkgoHelper()
	By("checking that the " + which + " is still Enabled and usable")
	Expect(mustDescribe(ctx, c, k.id)).To(conform.HaveKeyState(types.KeyStateEnabled), "%s: the %s is no longer Enabled", ruleID, which)
	ksExpectDecrypts(ctx, c, ruleID, k, ct, pt)
	ksExpectDecrypts(ctx, c, ruleID, k, ksMustEncrypt(ctx, c, k.id, pt), pt)
}

var _ = Describe("Multi-Region keys with imported material", func() {
	conform.It("IMP-130", "replicates an EXTERNAL primary into a replica without material that becomes PendingImport", func(ctx SpecContext, r conform.Rule) {
		c, rc := conform.Client(), conform.SecondRegionClient(ctx)
		region := conform.SecondRegion()
		p := mrMustPrimary(ctx, c, doesNotExpire)
		primary := mustDescribe(ctx, c, p.id)

		out, err := mrReplicate(ctx, c, rc, p.id)
		r.ExpectSuccess(err)
		rm := out.ReplicaKeyMetadata
		Expect(rm).NotTo(BeNil(), "IMP-130: ReplicateKey returned no ReplicaKeyMetadata")
		Expect(aws.ToString(rm.KeyId)).To(Equal(p.id), "IMP-130: ReplicaKeyMetadata.KeyId is not the primary's key ID")
		Expect(aws.ToString(rm.Arn)).To(Equal(mrARNIn(p.arn, region)), "IMP-130: ReplicaKeyMetadata.Arn is not the primary's key ARN in %s", region)
		Expect(rm.KeyState).To(BeElementOf(types.KeyStateCreating, types.KeyStatePendingImport), "IMP-130: ReplicaKeyMetadata.KeyState of a new replica of an EXTERNAL primary")

		replica := mrMustAwaitReplica(ctx, rc, "IMP-130", p.id)
		By("checking the replica's metadata")
		Expect(aws.ToString(replica.KeyId)).To(Equal(p.id), "IMP-130: the replica's KeyId is not the primary's")
		Expect(aws.ToString(replica.Arn)).To(Equal(mrARNIn(p.arn, region)), "IMP-130: the replica's Arn is not the primary's key ARN in %s", region)
		Expect(replica.KeySpec).To(Equal(primary.KeySpec), "IMP-130: the replica's KeySpec is not the primary's")
		Expect(replica.KeyUsage).To(Equal(primary.KeyUsage), "IMP-130: the replica's KeyUsage is not the primary's")
		Expect(replica.Origin).To(Equal(types.OriginTypeExternal), "IMP-130: the replica's Origin is not EXTERNAL")
		Expect(replica.Enabled).To(BeFalse(), "IMP-130: DescribeKey reports Enabled=true for a replica that has no material")
		Expect(aws.ToBool(replica.MultiRegion)).To(BeTrue(), "IMP-130: the replica is not multi-Region")
		Expect(replica.MultiRegionConfiguration).NotTo(BeNil(), "IMP-130: the replica has no MultiRegionConfiguration")
		Expect(replica.MultiRegionConfiguration.MultiRegionKeyType).To(Equal(types.MultiRegionKeyTypeReplica), "IMP-130: the replica's MultiRegionKeyType")
		Expect(replica.MultiRegionConfiguration.PrimaryKey).NotTo(BeNil(), "IMP-130: the replica's MultiRegionConfiguration names no PrimaryKey")
		Expect(aws.ToString(replica.MultiRegionConfiguration.PrimaryKey.Arn)).To(Equal(p.arn), "IMP-130: the replica's PrimaryKey is not the key it was replicated from")
		By("checking that the replica has no material to encrypt with")
		mmExpectRefusesEncrypt(ctx, rc, "IMP-130", p.id)
	}, SpecTimeout(mrSpecTimeout))

	conform.It("IMP-131", "rejects ReplicateKey of a primary in PendingImport", func(ctx SpecContext, r conform.Rule) {
		c, rc := conform.Client(), conform.SecondRegionClient(ctx)
		p := mrMustNewPrimary(ctx, c)

		before := conform.SnapshotKey(ctx, c, p.id)
		_, err := mrReplicate(ctx, c, rc, p.id)
		r.ExpectError(err)
		conform.ExpectKeyUnchanged(ctx, before)
		meta := mustDescribe(ctx, c, p.id)
		if meta.MultiRegionConfiguration != nil {
			Expect(meta.MultiRegionConfiguration.ReplicaKeys).To(BeEmpty(), "IMP-131: the primary lists a replica although ReplicateKey was rejected")
		}

		By("importing material into the primary, after which the same ReplicateKey must succeed: only PendingImport was wrong")
		p.m = mustNewMaterial(types.KeySpecSymmetricDefault)
		ksMustImportMaterial(ctx, c, p.id, p.m, doesNotExpire)
		mrMustReplicate(ctx, c, rc, p)
	}, SpecTimeout(mrSpecTimeout))

	conform.It("IMP-132", "rejects other material into a replica, then accepts the primary's and decrypts the primary's ciphertext", func(ctx SpecContext, r conform.Rule) {
		c, rc := conform.Client(), conform.SecondRegionClient(ctx)
		p := mrMustPrimary(ctx, c, doesNotExpire)
		replica := mrMustReplicate(ctx, c, rc, p)

		before := conform.SnapshotKey(ctx, rc, replica.id)
		By("importing material other than the primary's into the replica")
		err := ksImportMaterial(ctx, rc, replica.id, mustNewMaterial(types.KeySpecSymmetricDefault), doesNotExpire)
		r.Case("different-material").ExpectError(err)
		conform.ExpectKeyUnchanged(ctx, before)

		By("importing the primary's material into the replica")
		err = ksImportMaterial(ctx, rc, replica.id, p.m, doesNotExpire)
		r.Case("same-material").ExpectSuccess(err)
		Expect(mustDescribe(ctx, rc, replica.id)).To(conform.HaveKeyState(types.KeyStateEnabled), "IMP-132: the replica is not Enabled after the primary's material was imported into it")
		By("checking that each key decrypts what the other encrypted: they hold the same material")
		pt := ksPlaintext("IMP-132")
		ksExpectDecrypts(ctx, rc, "IMP-132", replica, ksMustEncrypt(ctx, c, p.id, pt), pt)
		ksExpectDecrypts(ctx, c, "IMP-132", p, ksMustEncrypt(ctx, rc, replica.id, pt), pt)
	}, SpecTimeout(mrSpecTimeout))

	conform.It("IMP-133", "rejects an import into a replica with the primary's import token", func(ctx SpecContext, r conform.Rule) {
		c, rc := conform.Client(), conform.SecondRegionClient(ctx)
		const alg, wks = types.AlgorithmSpecRsaesOaepSha256, types.WrappingKeySpecRsa2048
		p := mrMustPrimary(ctx, c, doesNotExpire)
		replica := mrMustReplicate(ctx, c, rc, p)

		By("wrapping the primary's material with the primary's import parameters, a consistent token and public key")
		params := mustGetParameters(ctx, c, p.id, alg, wks)
		blob := mustWrap(params, alg, p.m.Bytes)

		before := conform.SnapshotKey(ctx, rc, replica.id)
		By("importing into the replica with the primary's token")
		err := importWrapped(ctx, rc, replica.id, params.ImportToken, blob, doesNotExpire)
		r.ExpectError(err)
		conform.ExpectKeyUnchanged(ctx, before)

		By("importing the same material with the replica's own parameters, which must succeed: only the token was wrong")
		ksMustImportMaterial(ctx, rc, replica.id, p.m, doesNotExpire)
		Expect(mustDescribe(ctx, rc, replica.id)).To(conform.HaveKeyState(types.KeyStateEnabled), "IMP-133: the replica is not Enabled after an import with its own token")
	}, SpecTimeout(mrSpecTimeout))

	conform.ItCase("IMP-134", "independent-expiration", "sets ExpirationModel and ValidTo of a primary and its replica each by its own import", func(ctx SpecContext, cs conform.Case) {
		c, rc := conform.Client(), conform.SecondRegionClient(ctx)
		in10, in20 := ksValidTo(10*24*time.Hour), ksValidTo(20*24*time.Hour)
		p := mrMustPrimary(ctx, c, expiresAt(in10))
		replica := mrMustReplicate(ctx, c, rc, p)
		expiration := func(k *kms.Client) (types.ExpirationModelType, time.Time) {
			GinkgoHelper()
			meta := mustDescribe(ctx, k, p.id)
			return meta.ExpirationModel, mrTimeOf(meta.ValidTo)
		}

		By("importing the primary's material into the replica without expiry")
		err := ksImportMaterial(ctx, rc, replica.id, p.m, doesNotExpire)
		cs.ExpectSuccess(err)
		model, validTo := expiration(rc)
		Expect(model).To(Equal(types.ExpirationModelTypeKeyMaterialDoesNotExpire), "IMP-134: the replica's ExpirationModel is not the one of its own import")
		Expect(validTo).To(BeZero(), "IMP-134: the replica shows a ValidTo although its own import set none")
		model, validTo = expiration(c)
		Expect(model).To(Equal(types.ExpirationModelTypeKeyMaterialExpires), "IMP-134: the import into the replica changed the primary's ExpirationModel")
		Expect(validTo).To(BeTemporally("==", in10), "IMP-134: the import into the replica changed the primary's ValidTo")

		By("reimporting into the replica to expire in 20 days")
		err = ksImportMaterial(ctx, rc, replica.id, p.m, expiresAt(in20))
		cs.ExpectSuccess(err)
		model, validTo = expiration(rc)
		Expect(model).To(Equal(types.ExpirationModelTypeKeyMaterialExpires), "IMP-134: the replica's ExpirationModel is not the one of its own reimport")
		Expect(validTo).To(BeTemporally("==", in20), "IMP-134: the replica's ValidTo is not the one of its own reimport")
		model, validTo = expiration(c)
		Expect(model).To(Equal(types.ExpirationModelTypeKeyMaterialExpires), "IMP-134: the reimport into the replica changed the primary's ExpirationModel")
		Expect(validTo).To(BeTemporally("==", in10), "IMP-134: the reimport into the replica changed the primary's ValidTo")
	}, SpecTimeout(mrSpecTimeout))

	conform.ItCase("IMP-134", "primary-expiry", "keeps a replica Enabled and usable when its primary's material expires", func(ctx SpecContext, cs conform.Case) {
		clock := conform.ExpiryClock(ctx)
		c := clock.Client
		rc := mrClientInSecondRegion(c)
		p, replica := mrMustReplicated(ctx, c, rc)
		pt := ksPlaintext("IMP-134")
		ct := ksMustEncrypt(ctx, rc, replica.id, pt)
		// The primary gets its expiring material only now, once the slow
		// part (replication) is done, so that it cannot expire before the
		// replica holds the material.
		By("reimporting the primary's material to expire in a minute")
		ksMustImportMaterial(ctx, c, p.id, p.m, expiresAt(ksValidTo(expLifetime)))

		expMustLetMaterialExpire(ctx, clock, "IMP-134", p.id)
		By("describing the replica after the primary's material expired")
		out, err := rc.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(replica.id)})
		cs.ExpectSuccess(err)
		Expect(out.KeyMetadata).To(conform.HaveKeyState(types.KeyStateEnabled), "IMP-134: the replica is no longer Enabled after its primary's material expired")
		Expect(out.KeyMetadata.ExpirationModel).To(Equal(types.ExpirationModelTypeKeyMaterialDoesNotExpire), "IMP-134: the replica's ExpirationModel changed when its primary's material expired")
		ksExpectDecrypts(ctx, rc, "IMP-134", replica, ct, pt)
		By("checking that the replica still encrypts")
		ksExpectDecrypts(ctx, rc, "IMP-134", replica, ksMustEncrypt(ctx, rc, replica.id, pt), pt)
	}, SpecTimeout(mrSpecTimeout))

	conform.It("IMP-137", "rejects ImportType=NEW_KEY_MATERIAL into a replica", func(ctx SpecContext, r conform.Rule) {
		c, rc := conform.Client(), conform.SecondRegionClient(ctx)
		p, replica := mrMustReplicated(ctx, c, rc)

		primaryBefore := mmSnapshotKey(ctx, c, p.id)
		before := mmSnapshotKey(ctx, rc, replica.id)
		_, err := mmImportMaterial(ctx, rc, replica.id, mustNewMaterial(types.KeySpecSymmetricDefault), mmImport{importType: types.ImportTypeNewKeyMaterial})
		r.ExpectError(err)
		mmExpectKeyUnchanged(ctx, before)
		mmExpectKeyUnchanged(ctx, primaryBefore)

		By("reimporting the replica's own material with ImportType=EXISTING_KEY_MATERIAL, which the replica accepts")
		mmMustImportMaterial(ctx, rc, replica.id, replica.m, mmImport{importType: types.ImportTypeExistingKeyMaterial})
	}, SpecTimeout(mrSpecTimeout))

	conform.It("IMP-138", "keeps new primary material PENDING_MULTI_REGION_IMPORT_AND_ROTATION until the replica has it, then PENDING_ROTATION", func(ctx SpecContext, r conform.Rule) {
		c, rc := conform.Client(), conform.SecondRegionClient(ctx)
		p, replica := mrMustReplicated(ctx, c, rc)
		next := mustNewMaterial(types.KeySpecSymmetricDefault)

		By("importing new material into the primary")
		out, err := mmImportMaterial(ctx, c, p.id, next, mmImport{importType: types.ImportTypeNewKeyMaterial})
		r.ExpectSuccess(err)
		pending := mmExpectMaterialID("IMP-138: ImportKeyMaterial", out.KeyMaterialId)
		mrExpectMaterialState(ctx, c, "IMP-138", "primary", p.id, pending, types.KeyMaterialStatePendingMultiRegionImportAndRotation)

		By("importing the new material into the replica")
		got := mmMustImportMaterial(ctx, rc, replica.id, next, mmImport{importType: types.ImportTypeExistingKeyMaterial})
		Expect(got).To(Equal(pending), "IMP-138: the replica's import of the primary's new material answers another KeyMaterialId")
		mrExpectMaterialState(ctx, c, "IMP-138", "primary", p.id, pending, types.KeyMaterialStatePendingRotation)
	}, SpecTimeout(mrSpecTimeout))

	conform.It("IMP-116", "rotates a multi-Region key only on the primary and only once the replica has the new material", func(ctx SpecContext, r conform.Rule) {
		c, rc := conform.Client(), conform.SecondRegionClient(ctx)
		p, replica := mrMustReplicated(ctx, c, rc)
		pt := ksPlaintext("IMP-116")
		ct := ksMustEncrypt(ctx, c, p.id, pt)
		next := mustNewMaterial(types.KeySpecSymmetricDefault)
		pending := mmMustImportMaterial(ctx, c, p.id, next, mmImport{importType: types.ImportTypeNewKeyMaterial})
		mrExpectMaterialState(ctx, c, "setting up", "primary", p.id, pending, types.KeyMaterialStatePendingMultiRegionImportAndRotation)

		before := mmSnapshotKey(ctx, c, p.id)
		_, err := mmRotate(ctx, c, p.id)
		r.Case("pending-multi-region-import").ExpectError(err)
		mmExpectKeyUnchanged(ctx, before)

		By("importing the new material into the replica")
		mmMustImportMaterial(ctx, rc, replica.id, next, mmImport{importType: types.ImportTypeExistingKeyMaterial})
		mrExpectMaterialState(ctx, c, "setting up", "primary", p.id, pending, types.KeyMaterialStatePendingRotation)

		before = mmSnapshotKey(ctx, rc, replica.id)
		By("rotating the replica, which only its primary may do")
		_, err = mmRotate(ctx, rc, replica.id)
		r.Case("replica").ExpectError(err)
		mmExpectKeyUnchanged(ctx, before)

		_, err = mmRotate(ctx, c, p.id)
		r.Case("all-replicas-imported").ExpectSuccess(err)
		mmExpectCurrent(ctx, c, "IMP-116", p.id, pending)
		mmExpectCurrent(ctx, rc, "IMP-116", replica.id, pending)
		By("checking that both keys still decrypt what the primary encrypted before the rotation")
		ksExpectDecrypts(ctx, c, "IMP-116", p, ct, pt)
		ksExpectDecrypts(ctx, rc, "IMP-116", replica, ct, pt)
	}, SpecTimeout(mrSpecTimeout))

	conform.It("IMP-093", "deletes a primary's material pending rotation from the replica too, and leaves both keys usable", func(ctx SpecContext, r conform.Rule) {
		c, rc := conform.Client(), conform.SecondRegionClient(ctx)
		p, replica := mrMustReplicated(ctx, c, rc)
		pt := ksPlaintext("IMP-093")
		ct := ksMustEncrypt(ctx, c, p.id, pt)
		cs := r.Case("primary-pending-material")

		By("importing new material into the primary only: PENDING_MULTI_REGION_IMPORT_AND_ROTATION")
		_, first := mmMustAddPending(ctx, c, p.id, mmImport{})
		mrExpectMaterialState(ctx, c, "setting up", "primary", p.id, first, types.KeyMaterialStatePendingMultiRegionImportAndRotation)
		_, err := mmDeleteMaterial(ctx, c, p.id, aws.String(first))
		cs.ExpectSuccess(err)
		mrExpectMaterialGone(ctx, c, "IMP-093", "primary", p.id, first)
		mrExpectMaterialGone(ctx, rc, "IMP-093", "replica", replica.id, first)

		By("importing new material into the primary and the replica: PENDING_ROTATION")
		next, second := mmMustAddPending(ctx, c, p.id, mmImport{})
		mmMustImportMaterial(ctx, rc, replica.id, next, mmImport{importType: types.ImportTypeExistingKeyMaterial})
		mrExpectMaterialState(ctx, c, "setting up", "primary", p.id, second, types.KeyMaterialStatePendingRotation)
		Expect(mmExpectEntry(Default, "setting up", mmMustListAll(ctx, rc, replica.id), second).ImportState).To(Equal(types.ImportStateImported),
			"setting up: the replica does not list the material it imported as IMPORTED")
		_, err = mmDeleteMaterial(ctx, c, p.id, aws.String(second))
		cs.ExpectSuccess(err)
		mrExpectMaterialGone(ctx, c, "IMP-093", "primary", p.id, second)
		mrExpectMaterialGone(ctx, rc, "IMP-093", "replica", replica.id, second)

		mrExpectUsable(ctx, c, "IMP-093", "primary", p, ct, pt)
		mrExpectUsable(ctx, rc, "IMP-093", "replica", replica, ct, pt)
	}, SpecTimeout(mrSpecTimeout))

	conform.It("IMP-093", "deletes a replica's material from that replica only", func(ctx SpecContext, r conform.Rule) {
		c, rc := conform.Client(), conform.SecondRegionClient(ctx)
		p, replica := mrMustReplicated(ctx, c, rc)
		pt := ksPlaintext("IMP-093")
		ct := ksMustEncrypt(ctx, c, p.id, pt)
		current := mmExpectMaterialID("setting up: DescribeKey of the primary", mustDescribe(ctx, c, p.id).CurrentKeyMaterialId)

		_, err := mmDeleteMaterial(ctx, rc, replica.id, nil)
		r.Case("replica-only").ExpectSuccess(err)
		By("waiting for the replica to become PendingImport")
		mrEventually(ctx, func() (types.KeyState, error) {
			out, err := rc.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(replica.id)})
			if err != nil {
				return "", err
			}
			return out.KeyMetadata.KeyState, nil
		}).Should(Equal(types.KeyStatePendingImport), "IMP-093: the replica did not become PendingImport once its material was deleted")

		By("checking that the primary still holds the material")
		mmExpectMaterial(Default, "IMP-093", mmMustListAll(ctx, c, p.id), current, types.KeyMaterialStateCurrent, types.ImportStateImported)
		mrExpectUsable(ctx, c, "IMP-093", "primary", p, ct, pt)
	}, SpecTimeout(mrSpecTimeout))
})

// mrTimeOf is *t, or the zero time when t is nil.
func mrTimeOf(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}
