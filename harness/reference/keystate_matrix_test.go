package reference_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsconform/kmsconform/fixtures/material"
	"github.com/kmsconform/kmsconform/harness/profile"
)

// The states of research §3 that a single-Region key outside custom key
// stores can be in, in the order of the matrix columns below.
var matrixStates = []types.KeyState{types.KeyStateEnabled, types.KeyStateDisabled, types.KeyStatePendingDeletion, types.KeyStatePendingImport}

// stateKey is an EXTERNAL key of spec brought into state, with what an
// operation on it may need: fresh import parameters obtained before the
// state change, its material, and what the key made of "m" while it was
// Enabled (a ciphertext, signature or MAC, by its usage), for the rows that
// check one.
type stateKey struct {
	id     string
	spec   types.KeySpec
	m      material.Material
	params *kms.GetParametersForImportOutput
	made   []byte
}

// keyIn makes the key. Its material was imported, so in PendingImport it has
// been deleted (GetPublicKey still answers, IMP-125). A symmetric key of
// 2025 also has a material pending rotation.
func (k *kmsTest) keyIn(spec types.KeySpec, state types.KeyState) stateKey {
	k.t.Helper()
	id, m := k.imported(spec)
	if k.profile == profile.P2025 && spec == sym {
		k.mustImport(id, newMaterial(k.t, sym), newType)
	}
	alg, wspec := wrappingFor(spec)
	p := k.params(id, alg, wspec)
	made := k.makeWith(id, spec)
	switch state {
	case types.KeyStateDisabled:
		k.disable(id)
	case types.KeyStatePendingDeletion:
		k.scheduleDeletion(id)
	case types.KeyStatePendingImport:
		k.deleteMaterial(id)
	}
	k.wantState(id, state)
	return stateKey{id: id, spec: spec, m: m, params: p, made: made}
}

// makeWith has an Enabled key of spec make something of "m" by its usage:
// a ciphertext, a signature with the spec's first algorithm, or a MAC.
func (k *kmsTest) makeWith(id string, spec types.KeySpec) []byte {
	k.t.Helper()
	switch usageFor(spec) {
	case types.KeyUsageTypeGenerateVerifyMac:
		out, err := k.c.GenerateMac(k.ctx, &kms.GenerateMacInput{KeyId: &id, MacAlgorithm: material.MacAlgorithm(spec), Message: []byte("m")})
		if err != nil {
			k.t.Fatalf("GenerateMac: %v", err)
		}
		return out.Mac
	case types.KeyUsageTypeSignVerify:
		out, err := k.c.Sign(k.ctx, &kms.SignInput{KeyId: &id, SigningAlgorithm: material.SigningAlgorithms(spec)[0], Message: []byte("m")})
		if err != nil {
			k.t.Fatalf("Sign: %v", err)
		}
		return out.Signature
	}
	return k.mustEncrypt(id, []byte("m"))
}

type matrixRow struct {
	op string
	// specs the row applies to; want gives the outcome per state, in the
	// order of matrixStates, for a profile.
	specs func(p profile.Profile) []types.KeySpec
	want  func(p profile.Profile) [4]string
	call  func(k *kmsTest, s stateKey) error
}

func symmetricOnly(profile.Profile) []types.KeySpec { return []types.KeySpec{sym} }

func cryptoSpecs(p profile.Profile) []types.KeySpec {
	if p == profile.P2022 {
		return []types.KeySpec{sym}
	}
	return []types.KeySpec{sym, types.KeySpecHmac256, types.KeySpecEccNistP256}
}

// specsOf applies a row to one spec, in the profiles that can import it
// (2023 on: 2022 imports symmetric keys only).
func specsOf(spec types.KeySpec) func(profile.Profile) []types.KeySpec {
	return func(p profile.Profile) []types.KeySpec {
		if p == profile.P2022 {
			return nil
		}
		return []types.KeySpec{spec}
	}
}

// cryptoOutcomes is the outcome of every cryptographic operation by state.
var cryptoOutcomes = [4]string{ok, disabled, invalid, invalid}

func same(outcomes [4]string) func(profile.Profile) [4]string {
	return func(profile.Profile) [4]string { return outcomes }
}

const (
	ok          = "ok"
	invalid     = "KMSInvalidStateException"
	disabled    = "DisabledException"
	unsupported = "UnsupportedOperationException"
)

var matrix = []matrixRow{
	{"GetParametersForImport", symmetricOnly, same([4]string{ok, ok, invalid, ok}), func(k *kmsTest, s stateKey) error {
		return k.gpfi(s.id, oaep256, rsa2048)
	}},
	{"ImportKeyMaterial", cryptoSpecs, same([4]string{ok, ok, invalid, ok}), func(k *kmsTest, s stateKey) error {
		alg, _ := wrappingFor(s.spec)
		in := &kms.ImportKeyMaterialInput{KeyId: &s.id, ImportToken: s.params.ImportToken, EncryptedKeyMaterial: wrapped(k.t, alg, s.params.PublicKey, s.m.Bytes)}
		doesNotExpire(in)
		_, err := k.c.ImportKeyMaterial(k.ctx, in)
		return err
	}},
	{"DeleteImportedKeyMaterial", cryptoSpecs, same([4]string{ok, ok, ok, ok}), func(k *kmsTest, s stateKey) error {
		_, err := k.c.DeleteImportedKeyMaterial(k.ctx, &kms.DeleteImportedKeyMaterialInput{KeyId: &s.id})
		return err
	}},
	{"DescribeKey", symmetricOnly, same([4]string{ok, ok, ok, ok}), func(k *kmsTest, s stateKey) error {
		_, err := k.c.DescribeKey(k.ctx, &kms.DescribeKeyInput{KeyId: &s.id})
		return err
	}},
	{"EnableKey", symmetricOnly, same([4]string{ok, ok, invalid, invalid}), func(k *kmsTest, s stateKey) error {
		_, err := k.c.EnableKey(k.ctx, &kms.EnableKeyInput{KeyId: &s.id})
		return err
	}},
	{"DisableKey", symmetricOnly, same([4]string{ok, ok, invalid, invalid}), func(k *kmsTest, s stateKey) error {
		_, err := k.c.DisableKey(k.ctx, &kms.DisableKeyInput{KeyId: &s.id})
		return err
	}},
	{"ScheduleKeyDeletion", symmetricOnly, same([4]string{ok, ok, invalid, ok}), func(k *kmsTest, s stateKey) error {
		_, err := k.c.ScheduleKeyDeletion(k.ctx, &kms.ScheduleKeyDeletionInput{KeyId: &s.id})
		return err
	}},
	{"CancelKeyDeletion", symmetricOnly, same([4]string{invalid, invalid, ok, invalid}), func(k *kmsTest, s stateKey) error {
		_, err := k.c.CancelKeyDeletion(k.ctx, &kms.CancelKeyDeletionInput{KeyId: &s.id})
		return err
	}},
	// The cryptographic operations (research §3 rows Encrypt / Decrypt /
	// ReEncrypt / GenerateDataKey* and Sign / Verify / GenerateMac /
	// VerifyMac): Enabled only; DisabledException [1] when Disabled; of
	// "X [2] or [3]" for PendingDeletion the reference answers [3],
	// KMSInvalidStateException, for every one of them, Verify and VerifyMac
	// included; [5] in PendingImport.
	{"Encrypt", symmetricOnly, same(cryptoOutcomes), func(k *kmsTest, s stateKey) error {
		_, err := k.encrypt(s.id, []byte("m"))
		return err
	}},
	{"Decrypt", symmetricOnly, same(cryptoOutcomes), func(k *kmsTest, s stateKey) error {
		pt, err := k.decrypt(s.id, s.made)
		if err == nil && string(pt) != "m" {
			k.t.Errorf("Decrypt = %q, want %q", pt, "m")
		}
		return err
	}},
	{"ReEncrypt", symmetricOnly, same(cryptoOutcomes), func(k *kmsTest, s stateKey) error {
		_, err := k.c.ReEncrypt(k.ctx, &kms.ReEncryptInput{CiphertextBlob: s.made, SourceKeyId: &s.id, DestinationKeyId: &s.id})
		return err
	}},
	{"GenerateDataKey", symmetricOnly, same(cryptoOutcomes), func(k *kmsTest, s stateKey) error {
		_, err := k.c.GenerateDataKey(k.ctx, &kms.GenerateDataKeyInput{KeyId: &s.id, KeySpec: types.DataKeySpecAes256})
		return err
	}},
	{"GenerateDataKeyWithoutPlaintext", symmetricOnly, same(cryptoOutcomes), func(k *kmsTest, s stateKey) error {
		_, err := k.c.GenerateDataKeyWithoutPlaintext(k.ctx, &kms.GenerateDataKeyWithoutPlaintextInput{KeyId: &s.id, KeySpec: types.DataKeySpecAes256})
		return err
	}},
	{"Sign", specsOf(types.KeySpecEccNistP256), same(cryptoOutcomes), func(k *kmsTest, s stateKey) error {
		_, err := k.c.Sign(k.ctx, &kms.SignInput{KeyId: &s.id, SigningAlgorithm: material.SigningAlgorithms(s.spec)[0], Message: []byte("m")})
		return err
	}},
	{"Verify", specsOf(types.KeySpecEccNistP256), same(cryptoOutcomes), func(k *kmsTest, s stateKey) error {
		out, err := k.c.Verify(k.ctx, &kms.VerifyInput{KeyId: &s.id, SigningAlgorithm: material.SigningAlgorithms(s.spec)[0], Message: []byte("m"), Signature: s.made})
		if err == nil && !out.SignatureValid {
			k.t.Errorf("Verify of the key's own signature: SignatureValid false")
		}
		return err
	}},
	{"GenerateMac", specsOf(types.KeySpecHmac256), same(cryptoOutcomes), func(k *kmsTest, s stateKey) error {
		_, err := k.c.GenerateMac(k.ctx, &kms.GenerateMacInput{KeyId: &s.id, MacAlgorithm: material.MacAlgorithm(s.spec), Message: []byte("m")})
		return err
	}},
	{"VerifyMac", specsOf(types.KeySpecHmac256), same(cryptoOutcomes), func(k *kmsTest, s stateKey) error {
		out, err := k.c.VerifyMac(k.ctx, &kms.VerifyMacInput{KeyId: &s.id, MacAlgorithm: material.MacAlgorithm(s.spec), Message: []byte("m"), Mac: s.made})
		if err == nil && !out.MacValid {
			k.t.Errorf("VerifyMac of the key's own MAC: MacValid false")
		}
		return err
	}},
	{"GetPublicKey", func(p profile.Profile) []types.KeySpec {
		if p == profile.P2022 {
			return nil
		}
		return []types.KeySpec{types.KeySpecEccNistP256}
	}, same([4]string{ok, ok, invalid, ok}), func(k *kmsTest, s stateKey) error {
		_, err := k.c.GetPublicKey(k.ctx, &kms.GetPublicKeyInput{KeyId: &s.id})
		return err
	}},
	{"RotateKeyOnDemand", func(p profile.Profile) []types.KeySpec {
		if p == profile.P2025 {
			return []types.KeySpec{sym}
		}
		return nil
	}, same([4]string{ok, disabled, invalid, invalid}), func(k *kmsTest, s stateKey) error {
		return k.rotate(s.id)
	}},
	{"ListKeyRotations", func(p profile.Profile) []types.KeySpec {
		if p == profile.P2022 {
			return nil
		}
		return []types.KeySpec{sym}
	}, same([4]string{ok, ok, ok, ok}), func(k *kmsTest, s stateKey) error {
		_, err := k.c.ListKeyRotations(k.ctx, &kms.ListKeyRotationsInput{KeyId: &s.id})
		return err
	}},
	{"EnableKeyRotation", symmetricOnly, same([4]string{unsupported, unsupported, unsupported, unsupported}), func(k *kmsTest, s stateKey) error {
		_, err := k.c.EnableKeyRotation(k.ctx, &kms.EnableKeyRotationInput{KeyId: &s.id})
		return err
	}},
	{"DisableKeyRotation", symmetricOnly, func(p profile.Profile) [4]string {
		if p == profile.P2025 {
			return [4]string{ok, disabled, invalid, unsupported}
		}
		return [4]string{unsupported, unsupported, unsupported, unsupported}
	}, func(k *kmsTest, s stateKey) error {
		_, err := k.c.DisableKeyRotation(k.ctx, &kms.DisableKeyRotationInput{KeyId: &s.id})
		return err
	}},
	{"GetKeyRotationStatus", symmetricOnly, func(p profile.Profile) [4]string {
		if p == profile.P2025 {
			return [4]string{ok, ok, ok, unsupported}
		}
		return [4]string{unsupported, unsupported, unsupported, unsupported}
	}, func(k *kmsTest, s stateKey) error {
		_, err := k.c.GetKeyRotationStatus(k.ctx, &kms.GetKeyRotationStatusInput{KeyId: &s.id})
		return err
	}},
	{"TagResource", symmetricOnly, same([4]string{ok, ok, invalid, ok}), func(k *kmsTest, s stateKey) error {
		_, err := k.c.TagResource(k.ctx, &kms.TagResourceInput{KeyId: &s.id, Tags: []types.Tag{{TagKey: aws.String("k"), TagValue: aws.String("v")}}})
		return err
	}},
	// ListResourceTags is not a row of research §3; AWS's key state table
	// (DG-KS) has it succeed in every state, as it reads only metadata.
	{"ListResourceTags", symmetricOnly, same([4]string{ok, ok, ok, ok}), func(k *kmsTest, s stateKey) error {
		_, err := k.c.ListResourceTags(k.ctx, &kms.ListResourceTagsInput{KeyId: &s.id})
		return err
	}},
}

// TestKeyStateMatrix checks each cell of research §3 that a key of these
// operations can reach (IMP-020, IMP-069, IMP-089, IMP-104, IMP-105,
// IMP-106, IMP-107, IMP-110, IMP-111, IMP-120..IMP-128), and that a refused
// call leaves the key in its state.
func TestKeyStateMatrix(t *testing.T) {
	for _, p := range profile.All() {
		t.Run(string(p), func(t *testing.T) {
			t.Parallel()
			k := newKMS(t, p)
			for _, row := range matrix {
				want := row.want(p)
				for _, spec := range row.specs(p) {
					for i, state := range matrixStates {
						s := k.keyIn(spec, state)
						got := outcome(row.call(k, s))
						if got != want[i] {
							t.Errorf("%s on a %s key in %s: %s, want %s", row.op, spec, state, got, want[i])
							continue
						}
						if got != ok {
							k.wantState(s.id, state)
						}
					}
				}
			}
		})
	}
}
