package rules

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsconform/kmsconform/harness/reference/awserr"
	"github.com/kmsconform/kmsconform/harness/reference/kmsapi"
	"github.com/kmsconform/kmsconform/harness/reference/mutant"
)

func keyIDInput(v *violations, in *kmsapi.KeyIDInput) error {
	v.requiredString("keyId", in.KeyId, 1, keyIDMax)
	return v.err()
}

func validateKeyID(in *kmsapi.KeyIDInput, env Env) error { return keyIDInput(&violations{}, in) }

func keyIDRef(in *kmsapi.KeyIDInput) (string, error) { return keyRef(in.KeyId) }

// EnableKey enables a key: from Disabled (or Enabled, no change); not from
// PendingDeletion ([3]) or PendingImport ([5], IMP-121).
var EnableKey = KeyOperation[kmsapi.KeyIDInput, kmsapi.EmptyOutput]{
	Name:     "EnableKey",
	Validate: validateKeyID,
	KeyRef:   keyIDRef,
	decide: func(k Key, in *kmsapi.KeyIDInput, env Env) (Key, *kmsapi.EmptyOutput, error) {
		return setEnabled(k, types.KeyStateEnabled, env)
	},
}

// DisableKey disables a key, under the same state rules as EnableKey.
var DisableKey = KeyOperation[kmsapi.KeyIDInput, kmsapi.EmptyOutput]{
	Name:     "DisableKey",
	Validate: validateKeyID,
	KeyRef:   keyIDRef,
	decide: func(k Key, in *kmsapi.KeyIDInput, env Env) (Key, *kmsapi.EmptyOutput, error) {
		return setEnabled(k, types.KeyStateDisabled, env)
	},
}

func setEnabled(k Key, state types.KeyState, env Env) (Key, *kmsapi.EmptyOutput, error) {
	switch k.State {
	case types.KeyStatePendingDeletion, types.KeyStatePendingReplicaDeletion:
		if !env.Mutants.Has(mutant.EnablePendingDeletion) { // IMP-146
			return k, nil, errPendingDeletion(k)
		}
	case types.KeyStatePendingImport:
		if !env.Mutants.Has(mutant.DisablePendingImport) { // IMP-121
			return k, nil, errPendingImport(k)
		}
	case state:
		if env.Mutants.Has(mutant.RefuseSameStateEnable) { // IMP-122
			return k, nil, awserr.New(awserr.KMSInvalidState, "%s is already %s.", k.ARN(), state)
		}
	}
	k.State = state // IMP-122
	return k, &kmsapi.EmptyOutput{}, nil
}

// ScheduleKeyDeletion puts a key in PendingDeletion, from Enabled, Disabled
// or PendingImport (IMP-126). A multi-Region primary key with replicas goes
// to PendingReplicaDeletion instead, without a deletion date: its waiting
// period starts when its last replica is deleted (API-SKD, DG-KS;
// SyncMultiRegion).
var ScheduleKeyDeletion = KeyOperation[kmsapi.ScheduleKeyDeletionInput, kmsapi.ScheduleKeyDeletionOutput]{
	Name: "ScheduleKeyDeletion",
	Validate: func(in *kmsapi.ScheduleKeyDeletionInput, env Env) error {
		var v violations
		v.requiredString("keyId", in.KeyId, 1, keyIDMax)
		v.intRange("pendingWindowInDays", in.PendingWindowInDays, 1, 365)
		if err := v.err(); err != nil {
			return err
		}
		// IMP-126: the documented window is 7 to 30 days; decisions choose
		// ValidationException outside it.
		if d := in.PendingWindowInDays; d != nil && (*d < 7 || *d > 30) && !env.Mutants.Has(mutant.ScheduleDeletionAnyWindow) {
			return validation("PendingWindowInDays must be between 7 and 30, not %d.", *d)
		}
		return nil
	},
	KeyRef: func(in *kmsapi.ScheduleKeyDeletionInput) (string, error) { return keyRef(in.KeyId) },
	decide: func(k Key, in *kmsapi.ScheduleKeyDeletionInput, env Env) (Key, *kmsapi.ScheduleKeyDeletionOutput, error) {
		if k.pendingDeletion() {
			return k, nil, errPendingDeletion(k)
		}
		days := int32(30)
		if in.PendingWindowInDays != nil {
			days = *in.PendingWindowInDays
		}
		k.PendingWindowInDays = days
		out := &kmsapi.ScheduleKeyDeletionOutput{KeyId: ptr(k.ARN()), PendingWindowInDays: ptr(days)}
		if len(replicasOf(k, env)) > 0 {
			k.State = types.KeyStatePendingReplicaDeletion
		} else {
			k.State = types.KeyStatePendingDeletion
			k.DeletionDate = env.Now.Add(time.Duration(days) * 24 * time.Hour)
			out.DeletionDate = kmsapi.At(k.DeletionDate)
		}
		out.KeyState = k.State
		return k, out, nil
	},
}

// CancelKeyDeletion ends PendingDeletion ([4] otherwise). The key becomes
// Disabled (API-CKD); an EXTERNAL key without all its material becomes
// PendingImport (decisions IMP-127, provisional).
var CancelKeyDeletion = KeyOperation[kmsapi.KeyIDInput, kmsapi.KeyIDOutput]{
	Name:     "CancelKeyDeletion",
	Validate: validateKeyID,
	KeyRef:   keyIDRef,
	decide: func(k Key, in *kmsapi.KeyIDInput, env Env) (Key, *kmsapi.KeyIDOutput, error) {
		if !k.pendingDeletion() {
			if env.Mutants.Has(mutant.CancelDeletionAnyState) { // IMP-127
				return k, &kmsapi.KeyIDOutput{KeyId: ptr(k.ARN())}, nil
			}
			return k, nil, errNotPendingDeletion(k)
		}
		k.State = types.KeyStateDisabled
		if !k.complete() {
			k.State = types.KeyStatePendingImport
		}
		k.DeletionDate, k.PendingWindowInDays = time.Time{}, 0
		return k, &kmsapi.KeyIDOutput{KeyId: ptr(k.ARN())}, nil
	},
}
