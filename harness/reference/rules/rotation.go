package rules

import (
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsconform/kmsconform/harness/reference/awserr"
	"github.com/kmsconform/kmsconform/harness/reference/kmsapi"
	"github.com/kmsconform/kmsconform/harness/reference/mutant"
)

// Rotation of EXTERNAL keys. Automatic rotation never applies to them
// (IMP-105). What GetKeyRotationStatus and DisableKeyRotation do with an
// EXTERNAL key outside PendingImport is UNCONFIRMED (IMP-106): the
// reference answers UnsupportedOperationException where the legacy DG-KS
// footnote [7] applies (2022, IMP-107) and while imported keys could not
// rotate at all (2023, consistent with IMP-114); in 2025, where imported
// symmetric keys rotate on demand, it treats them as keys whose automatic
// rotation is off, except in PendingImport ([6], IMP-106).
func externalRotationUnsupported(k Key, env Env) bool {
	if env.Mutants.Has(mutant.RotationStatusForExternal) { // IMP-106, IMP-107
		return false
	}
	return k.Origin == types.OriginTypeExternal && (!env.rev().rotateExternal || k.State == types.KeyStatePendingImport)
}

// rotationStateCheck is the key-state rule of Enable/DisableKeyRotation:
// Disabled [1], pending deletion [3], pending import [5].
func rotationStateCheck(k Key) error {
	switch k.State {
	case types.KeyStateDisabled:
		return errDisabled(k)
	case types.KeyStatePendingDeletion, types.KeyStatePendingReplicaDeletion:
		return errPendingDeletion(k)
	case types.KeyStatePendingImport:
		return errPendingImport(k)
	}
	return nil
}

func errRotationUnsupported(k Key) error {
	return awserr.New(awserr.UnsupportedOperation, "%s has key spec %s, which does not support key rotation.", k.ARN(), k.Spec)
}

// EnableKeyRotation turns on automatic rotation of an AWS_KMS symmetric key.
var EnableKeyRotation = KeyOperation[kmsapi.EnableKeyRotationInput, kmsapi.EmptyOutput]{
	Name: "EnableKeyRotation",
	Validate: func(in *kmsapi.EnableKeyRotationInput, env Env) error {
		var v violations
		v.requiredString("keyId", in.KeyId, 1, keyIDMax)
		if env.rev().rotationOutputs {
			v.intRange("rotationPeriodInDays", in.RotationPeriodInDays, 90, 2560)
		}
		return v.err()
	},
	KeyRef: func(in *kmsapi.EnableKeyRotationInput) (string, error) { return keyRef(in.KeyId) },
	decide: func(k Key, in *kmsapi.EnableKeyRotationInput, env Env) (Key, *kmsapi.EmptyOutput, error) {
		if !isSymmetric(k.Spec) {
			return k, nil, errRotationUnsupported(k)
		}
		if k.Origin == types.OriginTypeExternal && !env.Mutants.Has(mutant.EnableRotationOnExternal) { // IMP-105, IMP-107
			return k, nil, errOrigin(k)
		}
		if err := rotationStateCheck(k); err != nil {
			return k, nil, err
		}
		k.RotationEnabled, k.RotationPeriodInDays = true, 365
		if in.RotationPeriodInDays != nil && env.rev().rotationOutputs {
			k.RotationPeriodInDays = *in.RotationPeriodInDays
		}
		return k, &kmsapi.EmptyOutput{}, nil
	},
}

// DisableKeyRotation turns automatic rotation off.
var DisableKeyRotation = KeyOperation[kmsapi.KeyIDInput, kmsapi.EmptyOutput]{
	Name:     "DisableKeyRotation",
	Validate: validateKeyID,
	KeyRef:   keyIDRef,
	decide: func(k Key, in *kmsapi.KeyIDInput, env Env) (Key, *kmsapi.EmptyOutput, error) {
		if !isSymmetric(k.Spec) {
			return k, nil, errRotationUnsupported(k)
		}
		if externalRotationUnsupported(k, env) { // IMP-106, IMP-107
			return k, nil, errOrigin(k)
		}
		if err := rotationStateCheck(k); err != nil {
			return k, nil, err
		}
		k.RotationEnabled, k.RotationPeriodInDays = false, 0
		return k, &kmsapi.EmptyOutput{}, nil
	},
}

// GetKeyRotationStatus reports whether automatic rotation is on; a key
// pending deletion reports false (API-GKRS).
var GetKeyRotationStatus = KeyOperation[kmsapi.KeyIDInput, kmsapi.GetKeyRotationStatusOutput]{
	Name:         "GetKeyRotationStatus",
	CrossAccount: true,
	Validate:     validateKeyID,
	KeyRef:       keyIDRef,
	decide: func(k Key, in *kmsapi.KeyIDInput, env Env) (Key, *kmsapi.GetKeyRotationStatusOutput, error) {
		if !isSymmetric(k.Spec) {
			return k, nil, errRotationUnsupported(k)
		}
		if externalRotationUnsupported(k, env) { // IMP-106, IMP-107
			return k, nil, errOrigin(k)
		}
		out := &kmsapi.GetKeyRotationStatusOutput{
			KeyRotationEnabled: k.RotationEnabled && !k.pendingDeletion(),
		}
		if env.rev().rotationOutputs {
			out.KeyId = ptr(k.ARN())
			if out.KeyRotationEnabled {
				out.RotationPeriodInDays = ptr(k.RotationPeriodInDays)
			}
		}
		return k, out, nil
	},
}

// RotateKeyOnDemand rotates a symmetric key now: an AWS_KMS key gets new
// material; an EXTERNAL key (2025) makes its material pending rotation
// current (IMP-108). The previous material stays, for decryption only.
var RotateKeyOnDemand = KeyOperation[kmsapi.KeyIDInput, kmsapi.KeyIDOutput]{
	Name:     "RotateKeyOnDemand",
	Validate: validateKeyID,
	KeyRef:   keyIDRef,
	decide:   decideRotateKeyOnDemand,
}

func decideRotateKeyOnDemand(k Key, in *kmsapi.KeyIDInput, env Env) (Key, *kmsapi.KeyIDOutput, error) {
	rev := env.rev()
	if !isSymmetric(k.Spec) && !env.Mutants.Has(mutant.RotateAnyKeySpec) { // IMP-112, observed with an empty message
		return k, nil, awserr.New(awserr.UnsupportedOperation, "")
	}
	// IMP-115: RotateKeyOnDemand never answers ConflictException. AWS
	// raises it while an automatic rotation is in progress or due within 20
	// minutes, and the reference's rotations are immediate (no rotation is
	// ever in progress) while EXTERNAL keys, the keys it is about, have no
	// automatic rotation at all (IMP-105); modelling the 20-minute window
	// for AWS_KMS keys would test nothing of import. The rule is
	// not-applicable in the catalogue (ineligible.yaml).
	//
	// IMP-114: EXTERNAL keys rotate on demand only from 2025. The 2023
	// profile has the operation (AWS added it on 2024-04-12, inside that
	// profile's window) for AWS_KMS keys, and refuses EXTERNAL keys as AWS
	// did until 2025-06-05 (observed: "origin is EXTERNAL which is not valid
	// for this operation"); see revision.rotateExternal.
	if k.Origin == types.OriginTypeExternal && !rev.rotateExternal && !env.Mutants.Has(mutant.RotateExternalBefore2025) { // IMP-114
		return k, nil, errOrigin(k)
	}
	switch k.State {
	case types.KeyStateDisabled: // IMP-111
		if !env.Mutants.Has(mutant.RotateDisabledKey) {
			return k, nil, errDisabled(k)
		}
	case types.KeyStatePendingDeletion, types.KeyStatePendingReplicaDeletion:
		return k, nil, errPendingDeletion(k)
	case types.KeyStatePendingImport: // IMP-110
		if !env.Mutants.Has(mutant.RotatePendingImport) {
			return k, nil, errPendingImport(k)
		}
	}
	// IMP-116: only the primary of a multi-Region key rotates (its replicas
	// follow, SyncMultiRegion), and only once every replica has the new
	// material; decisions choose KMSInvalidStateException for both.
	if k.isReplica() && !env.Mutants.Has(mutant.RotateReplica) {
		return k, nil, awserr.New(awserr.KMSInvalidState, "%s is a multi-Region replica key; rotate its primary key, %s.", k.ARN(), keyARN(k.PrimaryRegion, k.AccountID, k.ID))
	}
	if p := k.pending(); p >= 0 && k.Materials[p].State == types.KeyMaterialStatePendingMultiRegionImportAndRotation {
		return k, nil, awserr.New(awserr.KMSInvalidState, "Key material %s of %s is not yet imported into every replica key, so it cannot be rotated in.", k.Materials[p].ID, k.ARN())
	}

	k = k.clone()
	next := k.pending()
	if next < 0 {
		if k.Origin == types.OriginTypeExternal && !env.Mutants.Has(mutant.RotateWithoutPending) { // IMP-109, observed message
			return k, nil, awserr.New(awserr.KMSInvalidState, "No available key material pending rotation for the key: %s.", k.ARN())
		}
		m, err := generateMaterial(k)
		if err != nil {
			return k, nil, err
		}
		k.Materials = append(k.Materials, m)
		next = len(k.Materials) - 1
	}
	if k.OnDemandRotations >= rev.onDemandRotationLimit && !env.Mutants.Has(mutant.NoRotationLimit) { // IMP-113, observed message
		return k, nil, awserr.New(awserr.LimitExceeded, "The on-demand rotations limit has been reached for the given keyId. No more on-demand rotations can be performed for this key: %s", k.ARN())
	}
	if c := k.current(); c >= 0 {
		k.Materials[c].State = types.KeyMaterialStateNonCurrent
	}
	k.Materials[next].State = types.KeyMaterialStateCurrent
	k.Materials[next].RotationDate = env.Now
	k.Materials[next].RotationType = types.RotationTypeOnDemand
	k.OnDemandRotations++
	return k, &kmsapi.KeyIDOutput{KeyId: ptr(k.ARN())}, nil
}

// ListKeyRotations lists a key's materials: the rotated-in ones
// (ROTATIONS_ONLY, the default), or in 2025 with ALL_KEY_MATERIAL every one,
// the initial and the pending material included (IMP-118, IMP-119). It
// works in every key state (IMP-120).
var ListKeyRotations = KeyOperation[kmsapi.ListKeyRotationsInput, kmsapi.ListKeyRotationsOutput]{
	Name: "ListKeyRotations",
	Validate: func(in *kmsapi.ListKeyRotationsInput, env Env) error {
		var v violations
		v.requiredString("keyId", in.KeyId, 1, keyIDMax)
		v.intRange("limit", in.Limit, 1, listLimitMax)
		v.length("marker", in.Marker, 1, markerMax)
		v.pattern("marker", in.Marker, markerPattern)
		if env.rev().multiMaterial {
			enum(&v, "includeKeyMaterial", in.IncludeKeyMaterial, types.IncludeKeyMaterial("").Values())
		}
		return v.err()
	},
	KeyRef: func(in *kmsapi.ListKeyRotationsInput) (string, error) { return keyRef(in.KeyId) },
	decide: decideListKeyRotations,
}

func decideListKeyRotations(k Key, in *kmsapi.ListKeyRotationsInput, env Env) (Key, *kmsapi.ListKeyRotationsOutput, error) {
	rev := env.rev()
	if k.pendingDeletion() && env.Mutants.Has(mutant.ListRotationsRefusedWhenDeleting) { // IMP-120
		return k, nil, errPendingDeletion(k)
	}
	all := rev.multiMaterial && in.IncludeKeyMaterial != nil && *in.IncludeKeyMaterial == types.IncludeKeyMaterialAllKeyMaterial
	if all && !isSymmetric(k.Spec) && !env.Mutants.Has(mutant.AllKeyMaterialForAnyKey) {
		// IMP-118: decisions choose UnsupportedOperationException.
		return k, nil, awserr.New(awserr.UnsupportedOperation, "ALL_KEY_MATERIAL can only be used with KMS keys that support key rotation; %s has key spec %s.", k.ARN(), k.Spec)
	}
	var listed []Material
	for _, m := range k.Materials {
		if all || !m.RotationDate.IsZero() {
			listed = append(listed, m)
		}
	}
	page, next, err := paginate(listed, func(m Material) string { return m.ID }, in.Limit, in.Marker, 100)
	if err != nil {
		return k, nil, err
	}
	out := &kmsapi.ListKeyRotationsOutput{Rotations: []kmsapi.RotationsListEntry{}, NextMarker: next, Truncated: next != nil}
	importedSymmetric := k.Origin == types.OriginTypeExternal && isSymmetric(k.Spec)
	for _, m := range page {
		e := kmsapi.RotationsListEntry{KeyId: ptr(k.ARN()), RotationType: m.RotationType}
		if !m.RotationDate.IsZero() {
			e.RotationDate = kmsapi.At(m.RotationDate)
		}
		if rev.multiMaterial {
			e.KeyMaterialId = ptr(m.ID)
			e.KeyMaterialState = m.State
		}
		if rev.multiMaterial && importedSymmetric {
			if m.Description != "" {
				e.KeyMaterialDescription = ptr(m.Description)
			}
			e.ImportState = types.ImportStatePendingImport
			if m.Key != nil {
				e.ImportState = types.ImportStateImported
			}
			if !env.Mutants.Has(mutant.RotationsOmitExpiration) { // IMP-119
				e.ExpirationModel = m.ExpirationModel
				if !m.ValidTo.IsZero() {
					e.ValidTo = kmsapi.At(m.ValidTo)
				}
			}
		}
		out.Rotations = append(out.Rotations, e)
	}
	return k, out, nil
}
