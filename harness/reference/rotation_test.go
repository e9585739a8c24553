package reference_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsconform/kmsconform/fixtures/material"
)

func newType(in *kms.ImportKeyMaterialInput) { in.ImportType = types.ImportTypeNewKeyMaterial }
func existingType(in *kms.ImportKeyMaterialInput) {
	in.ImportType = types.ImportTypeExistingKeyMaterial
}

func withMaterialID(id string) func(*kms.ImportKeyMaterialInput) {
	return func(in *kms.ImportKeyMaterialInput) { in.KeyMaterialId = &id }
}

func withDescription(d string) func(*kms.ImportKeyMaterialInput) {
	return func(in *kms.ImportKeyMaterialInput) { in.KeyMaterialDescription = &d }
}

func (k *kmsTest) rotations(keyID string, include types.IncludeKeyMaterial) []types.RotationsListEntry {
	k.t.Helper()
	out, err := k.c.ListKeyRotations(k.ctx, &kms.ListKeyRotationsInput{KeyId: &keyID, IncludeKeyMaterial: include})
	if err != nil {
		k.t.Fatalf("ListKeyRotations: %v", err)
	}
	return out.Rotations
}

func (k *kmsTest) rotate(keyID string) error {
	_, err := k.c.RotateKeyOnDemand(k.ctx, &kms.RotateKeyOnDemandInput{KeyId: &keyID})
	return err
}

// withPending returns a symmetric EXTERNAL key with a current material and
// one pending rotation, and the IDs of both.
func (k *kmsTest) withPending() (keyID, current, pending string, newMaterial material.Material) {
	k.t.Helper()
	keyID = k.external(sym)
	current = *k.mustImport(keyID, newMaterialT(k.t)).KeyMaterialId
	newMaterial = newMaterialT(k.t)
	pending = *k.mustImport(keyID, newMaterial, newType).KeyMaterialId
	return keyID, current, pending, newMaterial
}

func newMaterialT(t *testing.T) material.Material { return newMaterial(t, sym) }

func TestMultiMaterialRules(t *testing.T) {
	runRules(t, []ruleTest{
		{"IMP-072", "ImportType defaults to NEW for the first import, EXISTING after", only2025, func(k *kmsTest) {
			id := k.external(sym)
			first := k.mustImport(id, newMaterial(k.t, sym))
			if c := k.describe(id).CurrentKeyMaterialId; *c != *first.KeyMaterialId {
				k.t.Fatalf("CurrentKeyMaterialId %s, want %s", *c, *first.KeyMaterialId)
			}
			_, err := k.importMaterial(id, newMaterial(k.t, sym))
			wantCode(k.t, err, "IncorrectKeyMaterialException")
		}},
		{"IMP-074", "ImportType, KeyMaterialId, KeyMaterialDescription only for symmetric keys", only2025, func(k *kmsTest) {
			for _, c := range []struct {
				spec types.KeySpec
				opt  func(*kms.ImportKeyMaterialInput)
			}{
				{types.KeySpecHmac256, newType},
				{types.KeySpecHmac256, existingType},
				{types.KeySpecEccNistP256, withDescription("mine")},
				{types.KeySpecRsa2048, withMaterialID(strings.Repeat("a", 64))},
			} {
				id := k.external(c.spec)
				_, err := k.importMaterial(id, newMaterial(k.t, c.spec), c.opt)
				wantCode(k.t, err, "UnsupportedOperationException")
				k.wantState(id, types.KeyStatePendingImport)
			}
		}},
		{"IMP-075", "NEW material waits in PENDING_ROTATION; the key and its current material stay", only2025, func(k *kmsTest) {
			id, current, pending, _ := k.withPending()
			if pending == current {
				k.t.Fatal("the new material has the current material's ID")
			}
			md := k.describe(id)
			if md.KeyState != types.KeyStateEnabled || *md.CurrentKeyMaterialId != current {
				k.t.Fatalf("KeyState %s CurrentKeyMaterialId %s", md.KeyState, *md.CurrentKeyMaterialId)
			}
			all := k.rotations(id, types.IncludeKeyMaterialAllKeyMaterial)
			if len(all) != 2 || all[1].KeyMaterialState != types.KeyMaterialStatePendingRotation || *all[1].KeyMaterialId != pending {
				k.t.Fatalf("rotations %+v", all)
			}
		}},
		{"IMP-076", "one material pending rotation at a time", only2025, func(k *kmsTest) {
			id, _, pending, _ := k.withPending()
			_, err := k.importMaterial(id, newMaterial(k.t, sym), newType)
			wantCode(k.t, err, "KMSInvalidStateException")
			if !strings.Contains(errorMessage(err), "because another key material (id: "+pending+") is pending rotation.") {
				k.t.Fatalf("message %q", errorMessage(err))
			}
		}},
		{"IMP-077", "NEW with material the key already has", only2025, func(k *kmsTest) {
			id, m := k.imported(sym)
			_, err := k.importMaterial(id, m, newType)
			wantCode(k.t, err, "IncorrectKeyMaterialException")
		}},
		{"IMP-078", "EXISTING with material the key never had", only2025, func(k *kmsTest) {
			id, _ := k.imported(sym)
			_, err := k.importMaterial(id, newMaterial(k.t, sym), existingType)
			wantCode(k.t, err, "IncorrectKeyMaterialException")
			never := k.external(sym)
			_, err = k.importMaterial(never, newMaterial(k.t, sym), existingType)
			wantCode(k.t, err, "IncorrectKeyMaterialException")
		}},
		{"IMP-079", "no KeyMaterialId with NEW_KEY_MATERIAL", only2025, func(k *kmsTest) {
			id, _ := k.imported(sym)
			_, err := k.importMaterial(id, newMaterial(k.t, sym), newType, withMaterialID(strings.Repeat("a", 64)))
			wantCode(k.t, err, "ValidationException")
		}},
		{"IMP-080", "KeyMaterialId is stable per key and checked on reimport", only2025, func(k *kmsTest) {
			m := newMaterial(k.t, sym)
			a, b := k.external(sym), k.external(sym)
			idA := *k.mustImport(a, m).KeyMaterialId
			if again := *k.mustImport(a, m).KeyMaterialId; again != idA {
				k.t.Fatalf("reimport gave ID %s, first %s", again, idA)
			}
			if idB := *k.mustImport(b, m).KeyMaterialId; idB == idA {
				k.t.Fatal("the same material has the same ID in two keys")
			}
			k.mustImport(a, m, withMaterialID(idA))
			_, err := k.importMaterial(a, m, withMaterialID(strings.Repeat("0", 64)))
			wantCode(k.t, err, "IncorrectKeyMaterialException")
		}},
		{"IMP-081", "a description stays unless a reimport changes it", only2025, func(k *kmsTest) {
			id := k.external(sym)
			m := newMaterial(k.t, sym)
			k.mustImport(id, m, withDescription("first one"))
			k.mustImport(id, m)
			if d := k.rotations(id, types.IncludeKeyMaterialAllKeyMaterial)[0].KeyMaterialDescription; d == nil || *d != "first one" {
				k.t.Fatalf("description %v", d)
			}
			k.mustImport(id, m, withDescription("renamed"))
			if d := k.rotations(id, types.IncludeKeyMaterialAllKeyMaterial)[0].KeyMaterialDescription; *d != "renamed" {
				k.t.Fatalf("description %s", *d)
			}
		}},
		{"IMP-082", "a key is Enabled only while all its materials are imported", only2025, func(k *kmsTest) {
			id, first, _, _ := k.withPending()
			wantOK(k.t, k.rotate(id))
			_, err := k.c.DeleteImportedKeyMaterial(k.ctx, &kms.DeleteImportedKeyMaterialInput{KeyId: &id, KeyMaterialId: &first})
			wantOK(k.t, err)
			k.wantState(id, types.KeyStatePendingImport)
			for _, r := range k.rotations(id, types.IncludeKeyMaterialAllKeyMaterial) {
				want := types.ImportStateImported
				if *r.KeyMaterialId == first {
					want = types.ImportStatePendingImport
				}
				if r.ImportState != want {
					k.t.Fatalf("material %s ImportState %s, want %s", *r.KeyMaterialId, r.ImportState, want)
				}
			}
		}},
		{"IMP-085", "without KeyMaterialId the current material is deleted", only2025, func(k *kmsTest) {
			id, current, _, _ := k.withPending()
			out, err := k.c.DeleteImportedKeyMaterial(k.ctx, &kms.DeleteImportedKeyMaterialInput{KeyId: &id})
			wantOK(k.t, err)
			if *out.KeyMaterialId != current {
				k.t.Fatalf("deleted %s, want the current %s", *out.KeyMaterialId, current)
			}
		}},
		{"IMP-087", "deleting the material pending rotation leaves the key as it is", only2025, func(k *kmsTest) {
			id, _, pending, _ := k.withPending()
			_, err := k.c.DeleteImportedKeyMaterial(k.ctx, &kms.DeleteImportedKeyMaterialInput{KeyId: &id, KeyMaterialId: &pending})
			wantOK(k.t, err)
			k.wantState(id, types.KeyStateEnabled)
			if n := len(k.rotations(id, types.IncludeKeyMaterialAllKeyMaterial)); n != 1 {
				k.t.Fatalf("%d materials after deleting the pending one", n)
			}
			wantCode(k.t, k.rotate(id), "KMSInvalidStateException")
		}},
		{"IMP-095", "ValidTo is the earliest expiry of the key's materials", only2025, func(k *kmsTest) {
			id := k.external(sym)
			k.mustImport(id, newMaterial(k.t, sym), k.expiresIn(10*24*time.Hour))
			k.mustImport(id, newMaterial(k.t, sym), newType, k.expiresIn(5*24*time.Hour))
			if got := k.describe(id).ValidTo; !got.Equal(start.Add(10 * 24 * time.Hour)) {
				k.t.Fatalf("ValidTo %v counts the pending material", got)
			}
			wantOK(k.t, k.rotate(id))
			if got := k.describe(id).ValidTo; !got.Equal(start.Add(5 * 24 * time.Hour)) {
				k.t.Fatalf("ValidTo %v, want the earlier expiry", got)
			}
			k.clk.Advance(5 * 24 * time.Hour)
			k.wantState(id, types.KeyStatePendingImport)
		}},
	})
}

func TestRotationRules(t *testing.T) {
	runRules(t, []ruleTest{
		{"IMP-105", "no automatic rotation for EXTERNAL keys", all, func(k *kmsTest) {
			pendingImport := k.external(sym)
			enabled, _ := k.imported(sym)
			for _, id := range []string{pendingImport, enabled} {
				_, err := k.c.EnableKeyRotation(k.ctx, &kms.EnableKeyRotationInput{KeyId: &id})
				wantCode(k.t, err, "UnsupportedOperationException")
				if want := k.arn(id) + " origin is EXTERNAL which is not valid for this operation."; errorMessage(err) != want {
					k.t.Fatalf("message %q", errorMessage(err))
				}
			}
			aws := k.awsKMS(sym)
			_, err := k.c.EnableKeyRotation(k.ctx, &kms.EnableKeyRotationInput{KeyId: &aws})
			wantOK(k.t, err)
			st, err := k.c.GetKeyRotationStatus(k.ctx, &kms.GetKeyRotationStatusInput{KeyId: &aws})
			wantOK(k.t, err)
			if !st.KeyRotationEnabled {
				k.t.Fatal("rotation not enabled")
			}
		}},
		{"IMP-106", "rotation status of an EXTERNAL key in PendingImport", all, func(k *kmsTest) {
			id := k.external(sym)
			_, err := k.c.GetKeyRotationStatus(k.ctx, &kms.GetKeyRotationStatusInput{KeyId: &id})
			wantCode(k.t, err, "UnsupportedOperationException")
			_, err = k.c.DisableKeyRotation(k.ctx, &kms.DisableKeyRotationInput{KeyId: &id})
			wantCode(k.t, err, "UnsupportedOperationException")
		}},
		{"IMP-106", "rotation status of an Enabled EXTERNAL key (unconfirmed)", only2025, func(k *kmsTest) {
			id, _ := k.imported(sym)
			st, err := k.c.GetKeyRotationStatus(k.ctx, &kms.GetKeyRotationStatusInput{KeyId: &id})
			wantOK(k.t, err)
			if st.KeyRotationEnabled {
				k.t.Fatal("automatic rotation reported on for an EXTERNAL key")
			}
		}},
		{"IMP-107", "rotation status of any EXTERNAL key (legacy)", before25, func(k *kmsTest) {
			id, _ := k.imported(sym)
			_, err := k.c.GetKeyRotationStatus(k.ctx, &kms.GetKeyRotationStatusInput{KeyId: &id})
			wantCode(k.t, err, "UnsupportedOperationException")
		}},
		{"IMP-108", "rotation makes the pending material current; old ciphertext still decrypts", only2025, func(k *kmsTest) {
			id, current, pending, _ := k.withPending()
			old := k.mustEncrypt(id, []byte("old"))
			wantOK(k.t, k.rotate(id))
			if c := *k.describe(id).CurrentKeyMaterialId; c != pending {
				k.t.Fatalf("CurrentKeyMaterialId %s, want %s", c, pending)
			}
			k.mustDecrypt(id, old, "old")
			out, err := k.c.Decrypt(k.ctx, &kms.DecryptInput{CiphertextBlob: k.mustEncrypt(id, []byte("new"))})
			wantOK(k.t, err)
			if *out.KeyMaterialId != pending {
				k.t.Fatalf("new ciphertext made with %s, want %s", *out.KeyMaterialId, pending)
			}
			rs := k.rotations(id, "")
			if len(rs) != 1 || *rs[0].KeyMaterialId != pending || rs[0].RotationType != types.RotationTypeOnDemand || rs[0].RotationDate == nil {
				k.t.Fatalf("rotations %+v", rs)
			}
			all := k.rotations(id, types.IncludeKeyMaterialAllKeyMaterial)
			if all[0].KeyMaterialState != types.KeyMaterialStateNonCurrent || *all[0].KeyMaterialId != current {
				k.t.Fatalf("previous material %+v", all[0])
			}
		}},
		{"IMP-108", "AWS_KMS symmetric keys rotate on demand", since2023, func(k *kmsTest) {
			id := k.awsKMS(sym)
			old := k.mustEncrypt(id, []byte("old"))
			wantOK(k.t, k.rotate(id))
			k.mustDecrypt(id, old, "old")
			if rs := k.rotations(id, ""); len(rs) != 1 {
				k.t.Fatalf("rotations %+v", rs)
			}
		}},
		{"IMP-109", "no material pending rotation", only2025, func(k *kmsTest) {
			id, _ := k.imported(sym)
			err := k.rotate(id)
			wantCode(k.t, err, "KMSInvalidStateException")
			if want := "No available key material pending rotation for the key: " + k.arn(id) + "."; errorMessage(err) != want {
				k.t.Fatalf("message %q", errorMessage(err))
			}
		}},
		{"IMP-110", "rotation in PendingImport", only2025, func(k *kmsTest) {
			wantCode(k.t, k.rotate(k.external(sym)), "KMSInvalidStateException")
		}},
		{"IMP-111", "rotation of a Disabled key", since2023, func(k *kmsTest) {
			id := k.awsKMS(sym)
			k.disable(id)
			wantCode(k.t, k.rotate(id), "DisabledException")
		}},
		{"IMP-112", "no rotation of asymmetric or HMAC keys", since2023, func(k *kmsTest) {
			for _, spec := range []types.KeySpec{types.KeySpecHmac256, types.KeySpecEccNistP256} {
				id, _ := k.imported(spec)
				wantCode(k.t, k.rotate(id), "UnsupportedOperationException")
			}
		}},
		{"IMP-113", "the on-demand rotation limit", since2023, func(k *kmsTest) {
			limit := 10
			if k.profile == "2025" {
				limit = 25
			}
			id := k.awsKMS(sym)
			for range limit {
				wantOK(k.t, k.rotate(id))
			}
			wantCode(k.t, k.rotate(id), "LimitExceededException")
		}},
		{"IMP-114", "no rotation of EXTERNAL keys before 2025", only2023, func(k *kmsTest) {
			id, _ := k.imported(sym)
			err := k.rotate(id)
			wantCode(k.t, err, "UnsupportedOperationException")
			if want := k.arn(id) + " origin is EXTERNAL which is not valid for this operation."; errorMessage(err) != want {
				k.t.Fatalf("message %q", errorMessage(err))
			}
		}},
		{"IMP-108", "RotateKeyOnDemand and ListKeyRotations do not exist in 2022", only2022, func(k *kmsTest) {
			id := k.awsKMS(sym)
			wantCode(k.t, k.rotate(id), "UnknownOperationException")
			_, err := k.c.ListKeyRotations(k.ctx, &kms.ListKeyRotationsInput{KeyId: &id})
			wantCode(k.t, err, "UnknownOperationException")
		}},
		{"IMP-118", "ALL_KEY_MATERIAL needs a rotatable key; ROTATIONS_ONLY leaves out the initial material", only2025, func(k *kmsTest) {
			hmac, _ := k.imported(types.KeySpecHmac256)
			_, err := k.c.ListKeyRotations(k.ctx, &kms.ListKeyRotationsInput{KeyId: &hmac, IncludeKeyMaterial: types.IncludeKeyMaterialAllKeyMaterial})
			wantCode(k.t, err, "UnsupportedOperationException")
			id, _ := k.imported(sym)
			if n := len(k.rotations(id, types.IncludeKeyMaterialRotationsOnly)); n != 0 {
				k.t.Fatalf("%d rotations before any rotation", n)
			}
			if n := len(k.rotations(id, types.IncludeKeyMaterialAllKeyMaterial)); n != 1 {
				k.t.Fatalf("%d materials with ALL_KEY_MATERIAL", n)
			}
		}},
		{"IMP-119", "entry fields of an imported symmetric key", only2025, func(k *kmsTest) {
			id := k.external(sym)
			k.mustImport(id, newMaterial(k.t, sym), k.expiresIn(time.Hour), withDescription("v1"))
			e := k.rotations(id, types.IncludeKeyMaterialAllKeyMaterial)[0]
			if *e.KeyId != k.arn(id) || e.ImportState != types.ImportStateImported || e.KeyMaterialState != types.KeyMaterialStateCurrent ||
				e.ExpirationModel != types.ExpirationModelTypeKeyMaterialExpires || !e.ValidTo.Equal(start.Add(time.Hour)) ||
				e.RotationDate != nil || e.RotationType != "" || *e.KeyMaterialDescription != "v1" {
				k.t.Fatalf("entry %+v", e)
			}
		}},
		{"IMP-120", "ListKeyRotations in PendingImport", since2023, func(k *kmsTest) {
			out, err := k.c.ListKeyRotations(k.ctx, &kms.ListKeyRotationsInput{KeyId: aws.String(k.external(sym))})
			wantOK(k.t, err)
			if len(out.Rotations) != 0 || out.Truncated {
				k.t.Fatalf("response %+v", out)
			}
		}},
	})
}
