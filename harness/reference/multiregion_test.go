package reference_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsconform/kmsconform/fixtures/material"
	"github.com/kmsconform/kmsconform/harness/profile"
	"github.com/kmsconform/kmsconform/harness/reference"
	"github.com/kmsconform/kmsconform/harness/reference/wrappool"
)

// The Regions of the multi-Region tests: the primary's, and two for
// replicas.
const (
	east = "us-east-1"
	west = "us-west-2"
	eu   = "eu-west-1"
)

func newMultiRegionKMS(t *testing.T, p profile.Profile) *kmsTest {
	t.Helper()
	return newKMSWith(t, reference.Options{Profile: p, Regions: []string{east, west, eu}})
}

// in is the same test reached in another Region.
func (k *kmsTest) in(region string) *kmsTest { return k.as("AKIDEXAMPLE", "secret", region) }

func arnIn(region, keyID string) string {
	return "arn:aws:kms:" + region + ":111122223333:key/" + keyID
}

// multiRegionPrimary creates a multi-Region EXTERNAL key of the spec with
// material m imported.
func (k *kmsTest) multiRegionPrimary(spec types.KeySpec) (string, material.Material) {
	k.t.Helper()
	id := k.createKey(&kms.CreateKeyInput{KeySpec: spec, KeyUsage: usageFor(spec), Origin: types.OriginTypeExternal, MultiRegion: aws.Bool(true)})
	m := newMaterial(k.t, spec)
	k.mustImport(id, m)
	return id, m
}

func (k *kmsTest) replicate(keyID, region string) (*kms.ReplicateKeyOutput, error) {
	return k.c.ReplicateKey(k.ctx, &kms.ReplicateKeyInput{KeyId: &keyID, ReplicaRegion: &region})
}

func (k *kmsTest) mustReplicate(keyID, region string) *kmsTest {
	k.t.Helper()
	if _, err := k.replicate(keyID, region); err != nil {
		k.t.Fatalf("ReplicateKey(%s, %s): %v", keyID, region, err)
	}
	return k.in(region)
}

// replicatedSymmetric is a multi-Region symmetric EXTERNAL primary with
// material, replicated to west and eu, the replicas holding the material
// too.
func (k *kmsTest) replicatedSymmetric() (id string, m material.Material, w, e *kmsTest) {
	k.t.Helper()
	id, m = k.multiRegionPrimary(sym)
	w, e = k.mustReplicate(id, west), k.mustReplicate(id, eu)
	w.mustImport(id, m)
	e.mustImport(id, m)
	return id, m, w, e
}

func regionsOf(keys []types.MultiRegionKey) []string {
	var out []string
	for _, r := range keys {
		out = append(out, *r.Region)
	}
	return out
}

func (k *kmsTest) materialStates(keyID string) []types.KeyMaterialState {
	k.t.Helper()
	var out []types.KeyMaterialState
	for _, r := range k.rotations(keyID, types.IncludeKeyMaterialAllKeyMaterial) {
		out = append(out, r.KeyMaterialState)
	}
	return out
}

func TestMultiRegionRules(t *testing.T) {
	runRulesOn(t, newMultiRegionKMS, []ruleTest{
		{"IMP-130", "a replica of an EXTERNAL primary has no material and is PendingImport", all, func(k *kmsTest) {
			id, _ := k.multiRegionPrimary(sym)
			out, err := k.replicate(id, west)
			wantOK(k.t, err)
			w := k.in(west)
			md := w.describe(id)
			if *md.KeyId != id || *md.Arn != arnIn(west, id) || md.KeyState != types.KeyStatePendingImport || md.Enabled ||
				md.Origin != types.OriginTypeExternal || md.KeySpec != sym || md.KeyUsage != types.KeyUsageTypeEncryptDecrypt || !*md.MultiRegion ||
				md.ExpirationModel != "" || md.CurrentKeyMaterialId != nil {
				k.t.Fatalf("replica %+v", md)
			}
			mr := md.MultiRegionConfiguration
			if mr.MultiRegionKeyType != types.MultiRegionKeyTypeReplica || *mr.PrimaryKey.Arn != arnIn(east, id) || *mr.PrimaryKey.Region != east ||
				!slices.Equal(regionsOf(mr.ReplicaKeys), []string{west}) || *mr.ReplicaKeys[0].Arn != arnIn(west, id) {
				k.t.Fatalf("replica's MultiRegionConfiguration %+v", mr)
			}
			if *out.ReplicaKeyMetadata.Arn != arnIn(west, id) || out.ReplicaKeyMetadata.KeyState != types.KeyStatePendingImport {
				k.t.Fatalf("ReplicaKeyMetadata %+v", out.ReplicaKeyMetadata)
			}
			p := k.describe(id)
			if p.KeyState != types.KeyStateEnabled || p.MultiRegionConfiguration.MultiRegionKeyType != types.MultiRegionKeyTypePrimary ||
				!slices.Equal(regionsOf(p.MultiRegionConfiguration.ReplicaKeys), []string{west}) {
				k.t.Fatalf("primary after replication %+v", p.MultiRegionConfiguration)
			}
			w.wantCryptoRefused(id, sym, "KMSInvalidStateException", arnIn(west, id)+" is pending import.")
			// Keys are regional: each Region lists its own.
			for _, c := range []struct {
				k    *kmsTest
				want string
			}{{k, arnIn(east, id)}, {w, arnIn(west, id)}} {
				out, err := c.k.c.ListKeys(c.k.ctx, &kms.ListKeysInput{})
				wantOK(k.t, err)
				if len(out.Keys) != 1 || *out.Keys[0].KeyArn != c.want {
					k.t.Fatalf("ListKeys %+v, want %s only", out.Keys, c.want)
				}
			}
			e := k.in(eu)
			_, err = e.c.DescribeKey(e.ctx, &kms.DescribeKeyInput{KeyId: &id})
			wantCode(k.t, err, "NotFoundException")
		}},
		{"IMP-130", "ReplicateKey refuses what it cannot replicate", all, func(k *kmsTest) {
			id, _ := k.multiRegionPrimary(sym)
			w := k.mustReplicate(id, west)
			single, _ := k.imported(sym)
			for _, c := range []struct {
				k           *kmsTest
				key, region string
				code        string
			}{
				{k, single, west, "UnsupportedOperationException"},     // not multi-Region
				{w, id, eu, "UnsupportedOperationException"},           // a replica
				{k, id, west, "AlreadyExistsException"},                // already replicated there
				{k, id, east, "AlreadyExistsException"},                // the primary's own Region
				{k, id, "ap-south-1", "UnsupportedOperationException"}, // not served
				{k, id, "Mars", "ValidationException"},                 // not a Region name
				{k, arnIn(west, id), eu, "NotFoundException"},          // an ARN of another Region
				{k, "arn:aws:kms:us-east-1:444455556666:key/" + id, eu, "AccessDeniedException"},
			} {
				_, err := c.k.replicate(c.key, c.region)
				wantCode(k.t, err, c.code)
			}
			k.disable(id)
			_, err := k.replicate(id, eu)
			wantCode(k.t, err, "DisabledException")
		}},
		{"IMP-131", "a primary in PendingImport cannot be replicated", all, func(k *kmsTest) {
			id := k.createKey(&kms.CreateKeyInput{Origin: types.OriginTypeExternal, MultiRegion: aws.Bool(true)})
			_, err := k.replicate(id, west)
			wantCode(k.t, err, "KMSInvalidStateException")
			if want := k.arn(id) + " is pending import."; errorMessage(err) != want {
				k.t.Fatalf("message %q", errorMessage(err))
			}
			_, err = k.in(west).c.DescribeKey(k.ctx, &kms.DescribeKeyInput{KeyId: &id})
			wantCode(k.t, err, "NotFoundException")
			k.wantState(id, types.KeyStatePendingImport)
		}},
		{"IMP-132", "a replica takes exactly its primary's material", all, func(k *kmsTest) {
			id, m := k.multiRegionPrimary(sym)
			w := k.mustReplicate(id, west)
			_, err := w.importMaterial(id, newMaterial(k.t, sym))
			wantCode(k.t, err, "IncorrectKeyMaterialException")
			w.wantState(id, types.KeyStatePendingImport)
			w.mustImport(id, m)
			w.wantState(id, types.KeyStateEnabled)
			// Related keys are interoperable: they share the key ID and
			// material.
			w.mustDecrypt(id, k.mustEncrypt(id, []byte("east to west")), "east to west")
			k.mustDecrypt(id, w.mustEncrypt(id, []byte("west to east")), "west to east")
		}},
		{"IMP-132", "an asymmetric replica takes exactly its primary's private key", since2023, func(k *kmsTest) {
			spec := types.KeySpecEccNistP256
			id, m := k.multiRegionPrimary(spec)
			w := k.mustReplicate(id, west)
			_, err := w.importMaterial(id, newMaterial(k.t, spec))
			wantCode(k.t, err, "IncorrectKeyMaterialException")
			w.mustImport(id, m)
			out, err := w.c.GetPublicKey(w.ctx, &kms.GetPublicKeyInput{KeyId: &id})
			wantOK(k.t, err)
			if string(out.PublicKey) != string(m.PublicKeyDER) {
				k.t.Fatal("the replica's public key is not the imported key's")
			}
		}},
		{"IMP-133", "each replica needs its own import token", all, func(k *kmsTest) {
			id, m := k.multiRegionPrimary(sym)
			w, e := k.mustReplicate(id, west), k.mustReplicate(id, eu)
			for _, tokenFrom := range []*kmsTest{k, e} {
				p := tokenFrom.params(id, oaep256, rsa2048)
				err := w.importWithParams(id, p, oaep256, m.Bytes)
				if err != "InvalidImportTokenException" {
					k.t.Fatalf("a token of %s: %s", tokenFrom.describe(id).MultiRegionConfiguration.MultiRegionKeyType, err)
				}
			}
			w.wantState(id, types.KeyStatePendingImport)
			if got := w.importWithParams(id, w.params(id, oaep256, rsa2048), oaep256, m.Bytes); got != "ok" {
				k.t.Fatalf("the replica's own token: %s", got)
			}
		}},
		{"IMP-134", "expiration and state are each key's own", all, func(k *kmsTest) {
			id := k.createKey(&kms.CreateKeyInput{Origin: types.OriginTypeExternal, MultiRegion: aws.Bool(true)})
			m := newMaterial(k.t, sym)
			k.mustImport(id, m, k.expiresIn(time.Hour))
			w := k.mustReplicate(id, west)
			w.mustImport(id, m)
			if p, r := k.describe(id), w.describe(id); p.ExpirationModel != types.ExpirationModelTypeKeyMaterialExpires || !p.ValidTo.Equal(start.Add(time.Hour)) ||
				r.ExpirationModel != types.ExpirationModelTypeKeyMaterialDoesNotExpire || r.ValidTo != nil {
				k.t.Fatalf("primary %s %v, replica %s %v", p.ExpirationModel, p.ValidTo, r.ExpirationModel, r.ValidTo)
			}
			k.disable(id)
			w.wantState(id, types.KeyStateEnabled)
			k.c.EnableKey(k.ctx, &kms.EnableKeyInput{KeyId: &id})
			k.clk.Advance(time.Hour)
			k.wantState(id, types.KeyStatePendingImport)
			w.wantState(id, types.KeyStateEnabled)
			w.mustDecrypt(id, w.mustEncrypt(id, []byte("still usable")), "still usable")
		}},
		{"IMP-137", "no new material directly into a replica", only2025, func(k *kmsTest) {
			id, _, w, _ := k.replicatedSymmetric()
			_, err := w.importMaterial(id, newMaterial(k.t, sym), newType)
			wantCode(k.t, err, "UnsupportedOperationException")
			if got := w.materialStates(id); len(got) != 1 {
				k.t.Fatalf("replica's materials %v", got)
			}
		}},
		{"IMP-138", "new primary material is pending until every replica has it", only2025, func(k *kmsTest) {
			id, _, w, e := k.replicatedSymmetric()
			next := newMaterial(k.t, sym)
			pending := *k.mustImport(id, next, newType).KeyMaterialId
			multi := []types.KeyMaterialState{types.KeyMaterialStateCurrent, types.KeyMaterialStatePendingMultiRegionImportAndRotation}
			for _, key := range []*kmsTest{k, w, e} {
				if got := key.materialStates(id); !slices.Equal(got, multi) {
					k.t.Fatalf("after the import into the primary: %v", got)
				}
			}
			if got := *w.mustImport(id, next, existingType).KeyMaterialId; got != pending {
				k.t.Fatalf("the replica's KeyMaterialId %s, the primary's %s", got, pending)
			}
			if got := k.materialStates(id); !slices.Equal(got, multi) {
				k.t.Fatalf("after one of two replicas: %v", got)
			}
			e.mustImport(id, next) // EXISTING_KEY_MATERIAL by default in a replica
			ready := []types.KeyMaterialState{types.KeyMaterialStateCurrent, types.KeyMaterialStatePendingRotation}
			for _, key := range []*kmsTest{k, w, e} {
				if got := key.materialStates(id); !slices.Equal(got, ready) {
					k.t.Fatalf("after every replica: %v", got)
				}
			}
		}},
		{"IMP-116", "rotation only on the primary, once every replica has the material", only2025, func(k *kmsTest) {
			id, _, w, e := k.replicatedSymmetric()
			old := k.mustEncrypt(id, []byte("old"))
			next := newMaterial(k.t, sym)
			pending := *k.mustImport(id, next, newType).KeyMaterialId
			w.mustImport(id, next)
			wantCode(k.t, k.rotate(id), "KMSInvalidStateException") // eu lacks it
			e.mustImport(id, next)
			wantCode(k.t, w.rotate(id), "KMSInvalidStateException") // a replica
			wantOK(k.t, k.rotate(id))
			for _, key := range []*kmsTest{k, w, e} {
				if got := *key.describe(id).CurrentKeyMaterialId; got != pending {
					k.t.Fatalf("CurrentKeyMaterialId %s after the rotation, want %s", got, pending)
				}
				key.mustDecrypt(id, old, "old")
			}
			fresh, err := w.c.Encrypt(w.ctx, &kms.EncryptInput{KeyId: &id, Plaintext: []byte("new")})
			wantOK(k.t, err)
			dec, err := k.c.Decrypt(k.ctx, &kms.DecryptInput{CiphertextBlob: fresh.CiphertextBlob})
			wantOK(k.t, err)
			if string(dec.Plaintext) != "new" || *dec.KeyMaterialId != pending {
				k.t.Fatalf("Decrypt %q with material %s", dec.Plaintext, *dec.KeyMaterialId)
			}
		}},
		{"IMP-093", "deleting the primary's pending material deletes it from the replicas", only2025, func(k *kmsTest) {
			id, _, w, _ := k.replicatedSymmetric()
			next := newMaterial(k.t, sym)
			pending := *k.mustImport(id, next, newType).KeyMaterialId
			w.mustImport(id, next)
			out, err := k.c.DeleteImportedKeyMaterial(k.ctx, &kms.DeleteImportedKeyMaterialInput{KeyId: &id, KeyMaterialId: &pending})
			wantOK(k.t, err)
			if *out.KeyMaterialId != pending {
				k.t.Fatalf("deleted %s", *out.KeyMaterialId)
			}
			if got := w.materialStates(id); !slices.Equal(got, []types.KeyMaterialState{types.KeyMaterialStateCurrent}) {
				k.t.Fatalf("replica's materials after the deletion: %v", got)
			}
			w.wantState(id, types.KeyStateEnabled)
			k.wantState(id, types.KeyStateEnabled)
		}},
		{"IMP-093", "deleting a replica's material affects that replica only", all, func(k *kmsTest) {
			id, _, w, e := k.replicatedSymmetric()
			w.deleteMaterial(id)
			w.wantState(id, types.KeyStatePendingImport)
			for _, key := range []*kmsTest{k, e} {
				key.wantState(id, types.KeyStateEnabled)
				key.mustDecrypt(id, key.mustEncrypt(id, []byte("x")), "x")
			}
		}},
		{"IMP-081", "a material description set on the primary appears on its replicas", only2025, func(k *kmsTest) {
			id := k.createKey(&kms.CreateKeyInput{Origin: types.OriginTypeExternal, MultiRegion: aws.Bool(true)})
			m := newMaterial(k.t, sym)
			k.mustImport(id, m, withDescription("first"))
			w := k.mustReplicate(id, west)
			w.mustImport(id, m)
			k.mustImport(id, m, withDescription("renamed"))
			for _, key := range []*kmsTest{k, w} {
				if got := key.rotations(id, types.IncludeKeyMaterialAllKeyMaterial); *got[0].KeyMaterialDescription != "renamed" {
					k.t.Fatalf("description %q", *got[0].KeyMaterialDescription)
				}
			}
		}},
		{"IMP-102", "a replica shows its CurrentKeyMaterialId once it has the material", only2025, func(k *kmsTest) {
			id, _, w, _ := k.replicatedSymmetric()
			if p, r := k.describe(id).CurrentKeyMaterialId, w.describe(id).CurrentKeyMaterialId; r == nil || *r != *p {
				k.t.Fatalf("replica %v, primary %v", r, p)
			}
		}},
		{"IMP-126", "a primary with replicas waits for them to be deleted", all, func(k *kmsTest) {
			id, _, w, e := k.replicatedSymmetric()
			out, err := k.c.ScheduleKeyDeletion(k.ctx, &kms.ScheduleKeyDeletionInput{KeyId: &id, PendingWindowInDays: aws.Int32(7)})
			wantOK(k.t, err)
			if out.KeyState != types.KeyStatePendingReplicaDeletion || out.DeletionDate != nil || *out.PendingWindowInDays != 7 {
				k.t.Fatalf("ScheduleKeyDeletion of the primary %+v", out)
			}
			k.wantCryptoRefused(id, sym, "KMSInvalidStateException", k.arn(id)+" is pending replica deletion.")
			w.scheduleDeletion(id)
			e.scheduleDeletion(id)
			k.clk.Advance(7 * 24 * time.Hour)
			md := k.describe(id)
			if md.KeyState != types.KeyStatePendingDeletion || !md.DeletionDate.Equal(start.Add(14*24*time.Hour)) || len(md.MultiRegionConfiguration.ReplicaKeys) != 0 {
				k.t.Fatalf("primary after its replicas were deleted: %s %v %v", md.KeyState, md.DeletionDate, md.MultiRegionConfiguration.ReplicaKeys)
			}
			_, err = w.c.DescribeKey(w.ctx, &kms.DescribeKeyInput{KeyId: &id})
			wantCode(k.t, err, "NotFoundException")
			k.clk.Advance(7 * 24 * time.Hour)
			_, err = k.c.DescribeKey(k.ctx, &kms.DescribeKeyInput{KeyId: &id})
			wantCode(k.t, err, "NotFoundException")
		}},
		{"IMP-127", "CancelKeyDeletion of a primary pending replica deletion", all, func(k *kmsTest) {
			id, _, _, _ := k.replicatedSymmetric()
			k.scheduleDeletion(id)
			k.wantState(id, types.KeyStatePendingReplicaDeletion)
			_, err := k.c.CancelKeyDeletion(k.ctx, &kms.CancelKeyDeletionInput{KeyId: &id})
			wantOK(k.t, err)
			k.wantState(id, types.KeyStateDisabled)
		}},
	})
}

// TestRegions: the Region of a request is its credential scope's, and
// aliases are regional too.
func TestRegions(t *testing.T) {
	k := newMultiRegionKMS(t, profile.P2025)
	w := k.in(west)
	eastKey, westKey := k.external(sym), w.external(sym)
	if *k.describe(eastKey).Arn != arnIn(east, eastKey) || *w.describe(westKey).Arn != arnIn(west, westKey) {
		t.Fatal("keys are not in the Region of the request")
	}
	_, err := w.c.DescribeKey(w.ctx, &kms.DescribeKeyInput{KeyId: &eastKey})
	wantCode(t, err, "NotFoundException")
	k.createAlias("alias/regional", eastKey)
	w.createAlias("alias/regional", westKey)
	if *w.describe("alias/regional").KeyId != westKey {
		t.Fatal("an alias of another Region")
	}
	_, err = k.in("ap-south-1").c.ListKeys(k.ctx, &kms.ListKeysInput{})
	wantCode(t, err, "InvalidSignatureException")
	if !strings.Contains(errorMessage(err), "us-east-1, us-west-2, eu-west-1") {
		t.Fatalf("message %q does not name the Regions served", errorMessage(err))
	}
	// An unsigned request acts in the first Region.
	status, body := rawCall(t, k.url, "TrentService.ListKeys", "application/x-amz-json-1.1", "POST", []byte(`{}`))
	if keys := body["Keys"].([]any); status != 200 || len(keys) != 1 || !strings.Contains(keys[0].(map[string]any)["KeyArn"].(string), ":us-east-1:") {
		t.Fatalf("unsigned ListKeys: %d %v", status, body)
	}

	// A server of one Region serves every request in it.
	one := newKMS(t, profile.P2025).in("eu-central-1")
	if arn := *one.describe(one.external(sym)).Arn; !strings.HasPrefix(arn, "arn:aws:kms:us-east-1:") {
		t.Fatalf("ARN %s", arn)
	}
}

func TestRegionOptions(t *testing.T) {
	for _, bad := range []reference.Options{
		{Regions: []string{"us-east-1", "Mars"}},
		{Regions: []string{"us-east-1", "us-east-1"}},
		{Regions: []string{"us-east-1", "cn-north-1"}},
		{Regions: []string{"us-east-1"}, Region: "us-east-1"},
	} {
		bad.WrappingKeys = &wrappool.Cycle{}
		if s, err := reference.New(bad); err == nil {
			s.Close()
			t.Errorf("New(%v, %q) succeeded", bad.Regions, bad.Region)
		}
	}
}
