package rules

import (
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsconform/kmsconform/harness/reference/awserr"
	"github.com/kmsconform/kmsconform/harness/reference/kmsapi"
	"github.com/kmsconform/kmsconform/harness/reference/mutant"
)

// Multi-Region keys. A multi-Region key set is a primary key and its
// replicas: one key per Region, all of one account and one key ID (IMP-008:
// "mrk-..."). Each is its own record with its own state, expiration and
// imported material (IMP-134); what the set shares is decided by the primary
// and copied to the replicas by SyncMultiRegion after every decision on any
// key of the set: which materials the set has, their states and
// descriptions (IMP-081, IMP-093, IMP-138), and the list of replicas.

// IsMultiRegionKeyID reports whether a key ID is that of a multi-Region key.
func IsMultiRegionKeyID(id string) bool { return strings.HasPrefix(id, "mrk-") }

// replicasOf returns the replicas of k when k is a multi-Region primary key.
func replicasOf(k Key, env Env) []Key {
	if !k.MultiRegion || k.isReplica() {
		return nil
	}
	var out []Key
	for _, r := range env.Related {
		if r.isReplica() {
			out = append(out, r)
		}
	}
	return out
}

// replicaRegionPattern is the model's pattern of ReplicaRegion.
var replicaRegionPattern = regexp.MustCompile(`^([a-z]+-){2,3}\d+$`)

// Replication is the result of ReplicateKey: the new replica key and the
// response.
type Replication struct {
	Replica Key
	Output  *kmsapi.ReplicateKeyOutput
}

// ReplicateKey decides a ReplicateKey request on a multi-Region primary key:
// it makes a replica in ReplicaRegion with the primary's key ID, key spec,
// key usage and origin. A replica of an EXTERNAL primary has no material and
// is PendingImport (IMP-130; AWS's transient Creating state is
// instantaneous here); it takes the primary's material by import (IMP-132).
// A primary in PendingImport cannot be replicated (IMP-131), nor a Disabled
// one ([1]) or one pending deletion ([3]).
var ReplicateKey = KeyOperation[kmsapi.ReplicateKeyInput, Replication]{
	Name: "ReplicateKey",
	Validate: func(in *kmsapi.ReplicateKeyInput, env Env) error {
		var v violations
		v.requiredString("keyId", in.KeyId, 1, keyIDMax)
		v.requiredString("replicaRegion", in.ReplicaRegion, 1, 32)
		v.pattern("replicaRegion", in.ReplicaRegion, replicaRegionPattern)
		v.length("policy", in.Policy, 1, 131072)
		v.length("description", in.Description, 0, 8192)
		tagConstraints(&v, in.Tags)
		return v.err()
	},
	KeyRef: func(in *kmsapi.ReplicateKeyInput) (string, error) { return keyRef(in.KeyId) },
	decide: decideReplicateKey,
}

func decideReplicateKey(k Key, in *kmsapi.ReplicateKeyInput, env Env) (Key, *Replication, error) {
	region := *in.ReplicaRegion
	switch {
	case !k.MultiRegion:
		return k, nil, awserr.New(awserr.UnsupportedOperation, "%s is not a multi-Region key.", k.ARN())
	case k.isReplica():
		return k, nil, awserr.New(awserr.UnsupportedOperation, "%s is a multi-Region replica key; replicate its primary key, %s.", k.ARN(), keyARN(k.PrimaryRegion, k.AccountID, k.ID))
	}
	switch k.State {
	case types.KeyStateDisabled:
		return k, nil, errDisabled(k)
	case types.KeyStatePendingDeletion, types.KeyStatePendingReplicaDeletion:
		return k, nil, errPendingDeletion(k)
	case types.KeyStatePendingImport: // IMP-131
		if !env.Mutants.Has(mutant.ReplicatePendingImport) {
			return k, nil, errPendingImport(k)
		}
	}
	if region == k.Region || slices.ContainsFunc(env.Related, func(r Key) bool { return r.Region == region }) {
		return k, nil, awserr.New(awserr.AlreadyExists, "%s already exists in %s.", keyARN(region, k.AccountID, k.ID), region)
	}
	if !slices.Contains(env.Regions, region) {
		// AWS names no answer for a Region the endpoint does not serve;
		// the Region is a parameter value this endpoint does not support.
		return k, nil, awserr.New(awserr.UnsupportedOperation, "This endpoint does not serve Region %s; it serves %s.", region, strings.Join(env.Regions, ", "))
	}
	tags, err := mergeTags(nil, in.Tags)
	if err != nil {
		return k, nil, err
	}

	k = k.clone()
	k.ReplicaRegions = append(k.ReplicaRegions, region)
	replica := Key{
		ID:                   k.ID,
		AccountID:            k.AccountID,
		Region:               region,
		CreationDate:         env.Now,
		Spec:                 k.Spec,
		Usage:                k.Usage,
		Origin:               k.Origin,
		MultiRegion:          true,
		PrimaryRegion:        k.Region,
		ReplicaRegions:       slices.Clone(k.ReplicaRegions),
		State:                types.KeyStatePendingImport, // IMP-130
		Tags:                 tags,
		RotationEnabled:      k.RotationEnabled,
		RotationPeriodInDays: k.RotationPeriodInDays,
	}
	if in.Description != nil { // not shared by the set (API-RK)
		replica.Description = *in.Description
	}
	// The key policy is not shared by the set either: the replica gets the
	// one given, or the default policy (API-RK).
	replica.Policy = DefaultKeyPolicy(Partition(region), k.AccountID)
	if in.Policy != nil {
		if _, err := parsePolicy(*in.Policy); err != nil {
			return k, nil, err
		}
		replica.Policy = *in.Policy
	}
	replica = mirror(k, replica, env)
	if k.Origin != types.OriginTypeExternal {
		// KMS's own material is shared by the whole set.
		replica.State = types.KeyStateEnabled
	}
	if k.Origin == types.OriginTypeExternal && env.Mutants.Has(mutant.ReplicaCopiesMaterial) { // IMP-130
		for i, pm := range k.Materials {
			replica.Materials[i].Key, replica.Materials[i].Imports = pm.Key, pm.Imports
			replica.Materials[i].ExpirationModel, replica.Materials[i].ValidTo = pm.ExpirationModel, pm.ValidTo
		}
		replica.PublicKeyDER = k.PublicKeyDER
		replica.State = types.KeyStateEnabled
	}
	out := &kmsapi.ReplicateKeyOutput{ReplicaKeyMetadata: metadata(replica, env), ReplicaTags: in.Tags}
	return k, &Replication{Replica: replica, Output: out}, nil
}

// mirror returns replica with the materials of its primary: the same
// materials (by KeyMaterialId), states, descriptions and rotation dates;
// the replica's own imports of them (the material itself, how often, and
// its expiration) are kept, since each key of the set imports and expires
// on its own (IMP-132, IMP-134). A material the primary no longer has (a
// pending material deleted from the primary) is gone from the replica too
// (IMP-093). KMS's own material (Origin AWS_KMS) is the set's: the replica
// gets the primary's.
func mirror(primary, replica Key, env Env) Key {
	replica = replica.clone()
	materials := make([]Material, 0, len(primary.Materials))
	for _, pm := range primary.Materials {
		m := Material{ID: pm.ID, Description: pm.Description, State: pm.State, RotationDate: pm.RotationDate, RotationType: pm.RotationType}
		if i := replica.byID(pm.ID); i >= 0 {
			own := replica.Materials[i]
			m.Key, m.Imports, m.ExpirationModel, m.ValidTo = own.Key, own.Imports, own.ExpirationModel, own.ValidTo
		}
		if primary.Origin != types.OriginTypeExternal {
			m.Key, m.Imports, m.ExpirationModel, m.ValidTo = pm.Key, pm.Imports, pm.ExpirationModel, pm.ValidTo
		}
		materials = append(materials, m)
	}
	if env.Mutants.Has(mutant.KeepDeletedMaterialOnReplicas) { // IMP-093
		for _, own := range replica.Materials {
			if own.pendingRotation() && primary.byID(own.ID) < 0 {
				materials = append(materials, own)
			}
		}
	}
	replica.Materials = materials
	if primary.Origin != types.OriginTypeExternal {
		replica.PublicKeyDER = primary.PublicKeyDER
	}
	return replica
}

// SyncMultiRegion brings the keys of one multi-Region key set, as stored,
// to env.Now and makes them agree: it returns the keys that still exist and
// those whose deletion waiting period is over (to be removed). It is called
// before and after every decision on a key of the set.
//
//   - Expiry applies to each key on its own (IMP-134).
//   - Every key lists the replicas that still exist.
//   - A primary in PendingReplicaDeletion whose last replica is gone starts
//     its own waiting period then (API-SKD): PendingDeletion, with the
//     deletion date that period after the last replica's.
//   - A material pending rotation in the primary is
//     PENDING_MULTI_REGION_IMPORT_AND_ROTATION while some replica does not
//     hold it, then PENDING_ROTATION (IMP-138); only then may the primary
//     rotate (IMP-116).
//   - Each replica has the primary's materials (mirror); a replica that
//     thereby lacks a permanently associated material is PendingImport.
func SyncMultiRegion(set []Key, env Env) (live, gone []Key) {
	for _, k := range set {
		k = k.at(env)
		if k.Deleted(env.Now) {
			gone = append(gone, k)
			continue
		}
		live = append(live, k)
	}
	p := slices.IndexFunc(live, func(k Key) bool { return k.MultiRegion && !k.isReplica() })
	if p < 0 {
		return live, gone
	}
	primary := live[p].clone()
	var replicas []Key
	for _, k := range live {
		if k.isReplica() && k.PrimaryRegion == primary.Region {
			replicas = append(replicas, k)
		}
	}

	primary.ReplicaRegions = slices.DeleteFunc(primary.ReplicaRegions, func(region string) bool {
		return !slices.ContainsFunc(replicas, func(r Key) bool { return r.Region == region })
	})
	if primary.State == types.KeyStatePendingReplicaDeletion && len(replicas) == 0 {
		lastGone := env.Now
		if i := len(gone); i > 0 {
			lastGone = slices.MaxFunc(gone, func(a, b Key) int { return a.DeletionDate.Compare(b.DeletionDate) }).DeletionDate
		}
		primary.State = types.KeyStatePendingDeletion
		primary.DeletionDate = lastGone.Add(time.Duration(primary.PendingWindowInDays) * 24 * time.Hour)
	}
	for i := range primary.Materials {
		m := &primary.Materials[i]
		if !m.pendingRotation() {
			continue
		}
		m.State = types.KeyMaterialStatePendingRotation
		if slices.ContainsFunc(replicas, func(r Key) bool { return !holds(r, m.ID) }) && !env.Mutants.Has(mutant.PendingRotationIgnoresReplicas) { // IMP-138
			m.State = types.KeyMaterialStatePendingMultiRegionImportAndRotation
		}
	}

	live = []Key{primary}
	for _, r := range replicas {
		r = mirror(primary, r, env)
		r.ReplicaRegions = slices.Clone(primary.ReplicaRegions)
		if (r.State == types.KeyStateEnabled || r.State == types.KeyStateDisabled) && !r.complete() {
			r.State = types.KeyStatePendingImport
		}
		live = append(live, r)
	}
	return live, gone
}

// holds reports whether k holds the material with the ID (imported and not
// deleted or expired).
func holds(k Key, materialID string) bool {
	i := k.byID(materialID)
	return i >= 0 && k.Materials[i].Key != nil
}
