package rules

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsconform/kmsconform/harness/reference/awserr"
	"github.com/kmsconform/kmsconform/harness/reference/kmsapi"
	"github.com/kmsconform/kmsconform/harness/reference/mutant"
)

// DeleteImportedKeyMaterial deletes imported key material.
var DeleteImportedKeyMaterial = KeyOperation[kmsapi.DeleteImportedKeyMaterialInput, kmsapi.DeleteImportedKeyMaterialOutput]{
	Name: "DeleteImportedKeyMaterial",
	// No ByAlias: an alias name or ARN is not found, as a key that does
	// not exist (IMP-140; decisions IMP-010). No CrossAccount: another
	// account's key is AccessDeniedException (IMP-144).
	Validate: func(in *kmsapi.DeleteImportedKeyMaterialInput, env Env) error {
		var v violations
		v.requiredString("keyId", in.KeyId, 1, keyIDMax)
		if env.rev().multiMaterial { // IMP-083; not in the model before 2025
			v.length("keyMaterialId", in.KeyMaterialId, 64, 64)
			v.pattern("keyMaterialId", in.KeyMaterialId, keyMaterialIDPattern)
		}
		return v.err()
	},
	KeyRef: func(in *kmsapi.DeleteImportedKeyMaterialInput) (string, error) { return keyRef(in.KeyId) },
	decide: decideDeleteImportedKeyMaterial,
}

func decideDeleteImportedKeyMaterial(k Key, in *kmsapi.DeleteImportedKeyMaterialInput, env Env) (Key, *kmsapi.DeleteImportedKeyMaterialOutput, error) {
	rev := env.rev()
	if err := canHoldImportedMaterial(k, env); err != nil { // IMP-088
		return k, nil, err
	}
	// IMP-089, IMP-128: allowed in every state, PendingDeletion included.
	if k.pendingDeletion() && env.Mutants.Has(mutant.RefuseDeletePendingDeletion) {
		return k, nil, errPendingDeletion(k)
	}

	target := k.current() // IMP-085: the current material by default
	if rev.multiMaterial && in.KeyMaterialId != nil {
		if target = k.byID(*in.KeyMaterialId); target < 0 {
			// IMP-092: decisions choose NotFoundException (provisional).
			return k, nil, awserr.New(awserr.NotFound, "Key material %s is not associated with %s.", *in.KeyMaterialId, k.ARN())
		}
	}

	k = k.clone()
	var deleted *string
	if target >= 0 {
		m := &k.Materials[target]
		deleted = ptr(m.ID)
		switch {
		case m.pendingRotation() && k.isReplica():
			// IMP-093: deleted from this replica only; the material stays
			// the set's, pending until the replica has it again.
			m.Key, m.ExpirationModel, m.ValidTo = nil, "", time.Time{}
		case m.pendingRotation():
			// IMP-087: never permanently associated; it goes, and the key
			// state does not change. From a multi-Region primary it goes
			// from every replica too (IMP-093, SyncMultiRegion).
			k.Materials = append(k.Materials[:target], k.Materials[target+1:]...)
			if !k.pendingDeletion() && env.Mutants.Has(mutant.DeletePendingMaterialPendingImport) {
				k.State = types.KeyStatePendingImport
			}
		default:
			m.Key = nil
			if !env.Mutants.Has(mutant.KeepExpirationAfterDelete) { // IMP-091, IMP-100
				m.ExpirationModel, m.ValidTo = "", time.Time{}
			}
			// IMP-086: PendingImport, except that PendingDeletion stays.
			if !k.pendingDeletion() && !env.Mutants.Has(mutant.NoPendingImportAfterDelete) {
				k.State = types.KeyStatePendingImport
			}
		}
	}
	if legacyResponses(env) {
		return k, &kmsapi.DeleteImportedKeyMaterialOutput{}, nil // IMP-084
	}
	return k, &kmsapi.DeleteImportedKeyMaterialOutput{KeyId: responseKeyID(k, env), KeyMaterialId: deleted}, nil // IMP-083
}
