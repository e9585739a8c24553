package reference_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsconform/kmsconform/fixtures/material"
	"github.com/kmsconform/kmsconform/harness/profile"
)

// importableSpecs is what each profile lets have Origin=EXTERNAL.
func importableSpecs(p profile.Profile) []types.KeySpec {
	switch p {
	case profile.P2022:
		return []types.KeySpec{types.KeySpecSymmetricDefault}
	case profile.P2023:
		return slices.DeleteFunc(material.Importable(), func(s types.KeySpec) bool { return s == types.KeySpecEccNistEdwards25519 })
	}
	return material.Importable()
}

func TestCreateKeyRules(t *testing.T) {
	runRules(t, []ruleTest{
		{"IMP-001", "origin outside the enum is ValidationException", all, func(k *kmsTest) {
			_, err := k.c.CreateKey(k.ctx, &kms.CreateKeyInput{Origin: "BOGUS"})
			wantCode(k.t, err, "ValidationException")
		}},
		{"IMP-002", "EXTERNAL key is PendingImport, not enabled, without expiration", all, func(k *kmsTest) {
			md := k.describe(k.external(types.KeySpecSymmetricDefault))
			if md.KeyState != types.KeyStatePendingImport || md.Enabled || md.Origin != types.OriginTypeExternal {
				k.t.Fatalf("KeyState %s Enabled %v Origin %s", md.KeyState, md.Enabled, md.Origin)
			}
			if md.ExpirationModel != "" || md.ValidTo != nil {
				k.t.Fatalf("ExpirationModel %q ValidTo %v before any import", md.ExpirationModel, md.ValidTo)
			}
		}},
		{"IMP-003", "origin stays EXTERNAL with and without material", all, func(k *kmsTest) {
			id, _ := k.imported(types.KeySpecSymmetricDefault)
			if o := k.describe(id).Origin; o != types.OriginTypeExternal {
				k.t.Fatalf("Origin after import = %s", o)
			}
			k.deleteMaterial(id)
			if o := k.describe(id).Origin; o != types.OriginTypeExternal {
				k.t.Fatalf("Origin after delete = %s", o)
			}
		}},
		{"IMP-004", "every importable key spec can be EXTERNAL", since2023, func(k *kmsTest) {
			for _, spec := range importableSpecs(k.profile) {
				k.wantState(k.external(spec), types.KeyStatePendingImport)
			}
		}},
		{"IMP-005", "ML-DSA keys cannot be EXTERNAL", only2025, func(k *kmsTest) {
			_, err := k.c.CreateKey(k.ctx, &kms.CreateKeyInput{KeySpec: types.KeySpecMlDsa44, KeyUsage: types.KeyUsageTypeSignVerify, Origin: types.OriginTypeExternal})
			wantCode(k.t, err, "UnsupportedOperationException")
		}},
		{"IMP-006", "asymmetric and HMAC keys cannot be EXTERNAL", only2022, func(k *kmsTest) {
			for _, spec := range []types.KeySpec{types.KeySpecHmac256, types.KeySpecRsa2048, types.KeySpecEccNistP256, types.KeySpecEccSecgP256k1} {
				_, err := k.c.CreateKey(k.ctx, &kms.CreateKeyInput{KeySpec: spec, KeyUsage: usageFor(spec), Origin: types.OriginTypeExternal})
				wantCode(k.t, err, "UnsupportedOperationException")
				// The same specs are fine with generated material.
				k.awsKMS(spec)
			}
		}},
		{"IMP-008", "multi-Region EXTERNAL key has an mrk- ID", all, func(k *kmsTest) {
			id := k.createKey(&kms.CreateKeyInput{Origin: types.OriginTypeExternal, MultiRegion: aws.Bool(true)})
			if !regexp.MustCompile(`^mrk-[0-9a-f]{32}$`).MatchString(id) {
				k.t.Fatalf("key ID %q", id)
			}
			md := k.describe(id)
			if md.KeyState != types.KeyStatePendingImport || !*md.MultiRegion || md.MultiRegionConfiguration.MultiRegionKeyType != types.MultiRegionKeyTypePrimary {
				k.t.Fatalf("metadata %+v", md)
			}
			k.mustImport(id, newMaterial(k.t, types.KeySpecSymmetricDefault))
			k.wantState(id, types.KeyStateEnabled)
		}},
		{"IMP-009", "KeyUsage must suit the key spec", all, func(k *kmsTest) {
			bad := []struct {
				spec  types.KeySpec
				usage types.KeyUsageType
			}{
				{types.KeySpecSymmetricDefault, types.KeyUsageTypeSignVerify},
				{types.KeySpecHmac256, ""}, // HMAC needs GENERATE_VERIFY_MAC spelled out
				{types.KeySpecHmac256, types.KeyUsageTypeEncryptDecrypt},
				{types.KeySpecRsa2048, types.KeyUsageTypeGenerateVerifyMac},
				{types.KeySpecEccNistP256, ""},
				{types.KeySpecEccSecgP256k1, types.KeyUsageTypeEncryptDecrypt},
			}
			for _, c := range bad {
				_, err := k.c.CreateKey(k.ctx, &kms.CreateKeyInput{KeySpec: c.spec, KeyUsage: c.usage, Origin: types.OriginTypeExternal})
				wantCode(k.t, err, "ValidationException")
			}
			for _, usage := range []types.KeyUsageType{types.KeyUsageTypeEncryptDecrypt, types.KeyUsageTypeSignVerify} {
				k.createKey(&kms.CreateKeyInput{KeySpec: types.KeySpecRsa3072, KeyUsage: usage})
			}
		}},
		{"IMP-015", "AWS_KMS keys of every key spec have material and refuse import parameters", all, func(k *kmsTest) {
			for _, spec := range importableSpecs(profile.P2025) {
				if k.profile != profile.P2025 && spec == types.KeySpecEccNistEdwards25519 {
					continue
				}
				id := k.awsKMS(spec)
				k.wantState(id, types.KeyStateEnabled)
				// The origin is checked before the wrapping combination.
				_, err := k.c.GetParametersForImport(k.ctx, &kms.GetParametersForImportInput{KeyId: &id, WrappingAlgorithm: types.AlgorithmSpecRsaesOaepSha256, WrappingKeySpec: types.WrappingKeySpecRsa2048})
				wantCode(k.t, err, "UnsupportedOperationException")
				if want := k.arn(id) + " origin is AWS_KMS which is not valid for this operation."; errorMessage(err) != want {
					k.t.Fatalf("message %q, want %q", errorMessage(err), want)
				}
			}
		}},
	})
}

func TestDescribeKeyRules(t *testing.T) {
	runRules(t, []ruleTest{
		{"IMP-054", "DescribeKey after import shows the expiration", all, func(k *kmsTest) {
			id := k.external(types.KeySpecSymmetricDefault)
			k.mustImport(id, newMaterial(k.t, types.KeySpecSymmetricDefault), k.expiresIn(48*time.Hour))
			md := k.describe(id)
			if md.ExpirationModel != types.ExpirationModelTypeKeyMaterialExpires || md.ValidTo == nil || !md.ValidTo.Equal(start.Add(48*time.Hour)) {
				k.t.Fatalf("ExpirationModel %s ValidTo %v", md.ExpirationModel, md.ValidTo)
			}
			id2, _ := k.imported(types.KeySpecSymmetricDefault)
			md = k.describe(id2)
			if md.ExpirationModel != types.ExpirationModelTypeKeyMaterialDoesNotExpire || md.ValidTo != nil {
				k.t.Fatalf("ExpirationModel %s ValidTo %v", md.ExpirationModel, md.ValidTo)
			}
		}},
		{"IMP-098", "Origin is EXTERNAL whether or not material is present", all, func(k *kmsTest) {
			if o := k.describe(k.external(types.KeySpecSymmetricDefault)).Origin; o != types.OriginTypeExternal {
				k.t.Fatalf("Origin = %s", o)
			}
		}},
		{"IMP-099", "Enabled is true only in state Enabled", all, func(k *kmsTest) {
			id, _ := k.imported(types.KeySpecSymmetricDefault)
			if md := k.describe(id); !md.Enabled || md.KeyState != types.KeyStateEnabled {
				k.t.Fatalf("Enabled %v KeyState %s", md.Enabled, md.KeyState)
			}
			k.disable(id)
			if md := k.describe(id); md.Enabled {
				k.t.Fatal("Enabled is true for a Disabled key")
			}
		}},
		{"IMP-100", "ExpirationModel only on EXTERNAL keys with material", all, func(k *kmsTest) {
			if md := k.describe(k.awsKMS(types.KeySpecSymmetricDefault)); md.ExpirationModel != "" {
				k.t.Fatalf("AWS_KMS key has ExpirationModel %s", md.ExpirationModel)
			}
		}},
		{"IMP-101", "ValidTo only with KEY_MATERIAL_EXPIRES", all, func(k *kmsTest) {
			id, _ := k.imported(types.KeySpecSymmetricDefault)
			if md := k.describe(id); md.ValidTo != nil {
				k.t.Fatalf("ValidTo %v with KEY_MATERIAL_DOES_NOT_EXPIRE", md.ValidTo)
			}
		}},
		{"IMP-102", "CurrentKeyMaterialId for symmetric keys only", only2025, func(k *kmsTest) {
			hexID := regexp.MustCompile(`^[0-9a-f]{64}$`)
			if c := k.describe(k.awsKMS(types.KeySpecSymmetricDefault)).CurrentKeyMaterialId; c == nil || !hexID.MatchString(*c) {
				k.t.Fatalf("AWS_KMS symmetric CurrentKeyMaterialId = %v", c)
			}
			id, _ := k.imported(types.KeySpecSymmetricDefault)
			if c := k.describe(id).CurrentKeyMaterialId; c == nil || !hexID.MatchString(*c) {
				k.t.Fatalf("EXTERNAL symmetric CurrentKeyMaterialId = %v", c)
			}
			ecc, _ := k.imported(types.KeySpecEccNistP256)
			if c := k.describe(ecc).CurrentKeyMaterialId; c != nil {
				k.t.Fatalf("ECC key has CurrentKeyMaterialId %s", *c)
			}
		}},
		{"IMP-102", "no CurrentKeyMaterialId before 2025", before25, func(k *kmsTest) {
			id, _ := k.imported(types.KeySpecSymmetricDefault)
			if c := k.describe(id).CurrentKeyMaterialId; c != nil {
				k.t.Fatalf("CurrentKeyMaterialId %s", *c)
			}
		}},
		{"IMP-104", "DescribeKey works in every state", all, func(k *kmsTest) {
			id := k.external(types.KeySpecSymmetricDefault)
			k.describe(id)
			k.mustImport(id, newMaterial(k.t, types.KeySpecSymmetricDefault))
			k.disable(id)
			k.describe(id)
			k.scheduleDeletion(id)
			if md := k.describe(id); md.DeletionDate == nil || *md.PendingDeletionWindowInDays != 7 {
				k.t.Fatalf("pending deletion metadata %+v", md)
			}
		}},
		{"IMP-104", "ListKeys lists keys with their ARNs", all, func(k *kmsTest) {
			ids := []string{k.external(types.KeySpecSymmetricDefault), k.awsKMS(types.KeySpecSymmetricDefault), k.external(types.KeySpecSymmetricDefault)}
			var got []string
			var marker *string
			for {
				out, err := k.c.ListKeys(k.ctx, &kms.ListKeysInput{Limit: aws.Int32(2), Marker: marker})
				wantOK(k.t, err)
				for _, e := range out.Keys {
					if *e.KeyArn != k.arn(*e.KeyId) {
						k.t.Fatalf("KeyArn %s for %s", *e.KeyArn, *e.KeyId)
					}
					got = append(got, *e.KeyId)
				}
				if !out.Truncated {
					break
				}
				marker = out.NextMarker
			}
			if strings.Join(got, ",") != strings.Join(ids, ",") {
				k.t.Fatalf("ListKeys = %v, want %v", got, ids)
			}
			_, err := k.c.ListKeys(k.ctx, &kms.ListKeysInput{Marker: aws.String("no-such-key")})
			wantCode(k.t, err, "InvalidMarkerException")
		}},
	})
}
