package rules

import (
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsconform/kmsconform/fixtures/material"
	"github.com/kmsconform/kmsconform/harness/profile"
	"github.com/kmsconform/kmsconform/harness/reference/kmsapi"
)

// primaryWithReplica is a multi-Region EXTERNAL primary in us-east-1 holding
// material m, and its replica in us-west-2, which has not imported it.
func primaryWithReplica(t *testing.T, env Env, m material.Key) (primary, replica Key) {
	t.Helper()
	k, _, err := CreateKey(&kmsapi.CreateKeyInput{Origin: ptrTo(types.OriginTypeExternal), MultiRegion: ptrTo(true)}, 0, env)
	if err != nil {
		t.Fatal(err)
	}
	k.State = types.KeyStateEnabled
	k.Materials = []Material{{ID: materialID(k.ID, m), State: types.KeyMaterialStateCurrent, Key: &m, Imports: 1, ExpirationModel: types.ExpirationModelTypeKeyMaterialDoesNotExpire}}
	env.Regions = []string{"us-east-1", "us-west-2"}
	primary, r, err := ReplicateKey.Decide(k, &kmsapi.ReplicateKeyInput{KeyId: &k.ID, ReplicaRegion: ptrTo("us-west-2")}, env)
	if err != nil {
		t.Fatal(err)
	}
	return primary, r.Replica
}

// TestSyncMultiRegion: what the primary decides reaches the replicas, and
// what each key imports stays its own.
func TestSyncMultiRegion(t *testing.T) {
	env := testEnv(t, profile.P2025)
	raw, _ := material.New(types.KeySpecSymmetricDefault)
	m, _ := material.Parse(types.KeySpecSymmetricDefault, raw.Bytes)
	primary, replica := primaryWithReplica(t, env, m)
	if replica.State != types.KeyStatePendingImport || len(replica.Materials) != 1 || replica.Materials[0].Key != nil || replica.Materials[0].ID != primary.Materials[0].ID {
		t.Fatalf("new replica %+v", replica)
	}
	if !slices.Equal(primary.ReplicaRegions, []string{"us-west-2"}) || !slices.Equal(replica.ReplicaRegions, primary.ReplicaRegions) {
		t.Fatalf("replica lists %v, %v", primary.ReplicaRegions, replica.ReplicaRegions)
	}

	// New material in the primary waits for the replica (IMP-138).
	next, _ := material.New(types.KeySpecSymmetricDefault)
	nk, _ := material.Parse(types.KeySpecSymmetricDefault, next.Bytes)
	primary.Materials = append(primary.Materials, Material{ID: materialID(primary.ID, nk), State: types.KeyMaterialStatePendingRotation, Key: &nk, Imports: 1})
	live, gone := SyncMultiRegion([]Key{replica, primary}, env)
	if len(live) != 2 || len(gone) != 0 {
		t.Fatalf("live %d, gone %d", len(live), len(gone))
	}
	primary, replica = live[0], live[1]
	if primary.Materials[1].State != types.KeyMaterialStatePendingMultiRegionImportAndRotation || replica.Materials[1].State != primary.Materials[1].State || replica.Materials[1].Key != nil {
		t.Fatalf("pending material: primary %s, replica %s", primary.Materials[1].State, replica.Materials[1].State)
	}
	replica.Materials[1].Key = &nk
	live, _ = SyncMultiRegion([]Key{primary, replica}, env)
	if live[0].Materials[1].State != types.KeyMaterialStatePendingRotation {
		t.Fatalf("once the replica holds it: %s", live[0].Materials[1].State)
	}

	// Deleting the pending material from the primary deletes it from the
	// replica (IMP-093); the replica keeps its own import of the rest.
	primary = live[0]
	primary.Materials = primary.Materials[:1]
	live, _ = SyncMultiRegion([]Key{primary, live[1]}, env)
	if len(live[1].Materials) != 1 || live[1].Materials[0].Key != nil {
		t.Fatalf("replica materials %+v", live[1].Materials)
	}

	// A primary pending replica deletion starts its waiting period when its
	// last replica is gone.
	primary, replica = live[0], live[1]
	primary.State, primary.PendingWindowInDays = types.KeyStatePendingReplicaDeletion, 10
	replica.State, replica.DeletionDate = types.KeyStatePendingDeletion, now.Add(7*24*time.Hour)
	later := env
	later.Now = now.Add(8 * 24 * time.Hour)
	live, gone = SyncMultiRegion([]Key{primary, replica}, later)
	if len(live) != 1 || len(gone) != 1 || live[0].State != types.KeyStatePendingDeletion ||
		!live[0].DeletionDate.Equal(now.Add(17*24*time.Hour)) || len(live[0].ReplicaRegions) != 0 {
		t.Fatalf("after the replica's deletion: %s %v %v", live[0].State, live[0].DeletionDate, live[0].ReplicaRegions)
	}
}
