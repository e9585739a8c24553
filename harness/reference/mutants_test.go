package reference_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"

	"github.com/kmsconform/kmsconform/fixtures/material"
	"github.com/kmsconform/kmsconform/fixtures/wrap"
	"github.com/kmsconform/kmsconform/harness/profile"
	"github.com/kmsconform/kmsconform/harness/reference"
	"github.com/kmsconform/kmsconform/harness/reference/clock"
	"github.com/kmsconform/kmsconform/harness/reference/mutant"
	"github.com/kmsconform/kmsconform/harness/reference/wrappool"
)

// outcome is what a call came to: "ok" or the AWS error code.
func outcome(err error) string {
	if err == nil {
		return "ok"
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return err.Error()
}

// mutantScenarios show each mutant: the same steps against the clean
// reference and against the mutant must come to different outcomes, so a
// spec of the rules the mutant names can catch it.
var mutantScenarios = map[mutant.Name]struct {
	profile profile.Profile
	observe func(k *kmsTest) string
	// start starts the server a scenario needs, when it needs more than one
	// account and Region (newKMS).
	start func(t *testing.T, p profile.Profile, mutants ...string) *kmsTest
}{
	mutant.AcceptForeignToken: {profile.P2022, func(k *kmsTest) string {
		id, other := k.external(sym), k.external(sym)
		p := k.params(other, oaep256, rsa2048)
		return k.importWithParams(id, p, oaep256, newMaterial(k.t, sym).Bytes)
	}, nil},
	mutant.AcceptMismatchedPublicKey: {profile.P2022, func(k *kmsTest) string {
		id := k.external(sym)
		a, b := k.params(id, oaep256, rsa2048), k.params(id, oaep256, rsa2048)
		in := &kms.ImportKeyMaterialInput{KeyId: &id, ImportToken: b.ImportToken, EncryptedKeyMaterial: wrapped(k.t, oaep256, a.PublicKey, newMaterial(k.t, sym).Bytes)}
		doesNotExpire(in)
		_, err := k.c.ImportKeyMaterial(k.ctx, in)
		return outcome(err)
	}, nil},
	mutant.AcceptExpiredToken: {profile.P2025, func(k *kmsTest) string {
		id := k.external(sym)
		p := k.params(id, oaep256, rsa2048)
		k.clk.Advance(25 * time.Hour)
		return k.importWithParams(id, p, oaep256, newMaterial(k.t, sym).Bytes)
	}, nil},
	mutant.RejectEarlierToken: {profile.P2023, func(k *kmsTest) string {
		id := k.external(sym)
		first := k.params(id, oaep256, rsa2048)
		k.params(id, oaep256, rsa2048)
		return k.importWithParams(id, first, oaep256, newMaterial(k.t, sym).Bytes)
	}, nil},
	mutant.WrongErrorCode: {profile.P2022, func(k *kmsTest) string {
		id := k.external(sym)
		return k.importWithParams(id, k.params(id, oaep256, rsa2048), "", bytes.Repeat([]byte{5}, 256))
	}, nil},
	mutant.Crypto500: {profile.P2025, func(k *kmsTest) string {
		id := k.external(sym)
		return k.importWithParams(id, k.params(id, oaep256, rsa2048), "", bytes.Repeat([]byte{5}, 256))
	}, nil},
	mutant.SkipMaterialLengthCheck: {profile.P2022, func(k *kmsTest) string {
		_, err := k.importRaw(k.external(sym), sym, bytes.Repeat([]byte{3}, 16))
		return outcome(err)
	}, nil},
	mutant.AcceptDifferentMaterial: {profile.P2023, func(k *kmsTest) string {
		id, m := k.imported(sym)
		_, err := k.importMaterial(id, k.mat(material.Different(m)))
		return outcome(err)
	}, nil},
	mutant.RefuseReimportWhileEnabled: {profile.P2025, func(k *kmsTest) string {
		id, m := k.imported(sym)
		_, err := k.importMaterial(id, m)
		return outcome(err)
	}, nil},
	mutant.IgnoreKeyMaterialID: {profile.P2025, func(k *kmsTest) string {
		id, m := k.imported(sym)
		_, err := k.importMaterial(id, m, withMaterialID(strings.Repeat("0", 64)))
		return outcome(err)
	}, nil},
	mutant.AcceptPastValidTo: {profile.P2022, func(k *kmsTest) string {
		_, err := k.importMaterial(k.external(sym), newMaterial(k.t, sym), k.expiresIn(-time.Second))
		return outcome(err)
	}, nil},
	mutant.SkipValidToMax: {profile.P2023, func(k *kmsTest) string {
		_, err := k.importMaterial(k.external(sym), newMaterial(k.t, sym), k.expiresIn(400*24*time.Hour))
		return outcome(err)
	}, nil},
	mutant.DropValidToSilently: {profile.P2025, func(k *kmsTest) string {
		_, err := k.importMaterial(k.external(sym), newMaterial(k.t, sym), func(in *kms.ImportKeyMaterialInput) {
			in.ValidTo = aws.Time(k.clk.Now().Add(time.Hour))
		})
		return outcome(err)
	}, nil},
	mutant.DefaultDoesNotExpire: {profile.P2022, func(k *kmsTest) string {
		_, err := k.importMaterial(k.external(sym), newMaterial(k.t, sym), func(in *kms.ImportKeyMaterialInput) { in.ExpirationModel = "" })
		return outcome(err)
	}, nil},
	mutant.AllowHMACImport: {profile.P2022, func(k *kmsTest) string {
		_, err := k.c.CreateKey(k.ctx, &kms.CreateKeyInput{KeySpec: types.KeySpecHmac256, KeyUsage: types.KeyUsageTypeGenerateVerifyMac, Origin: types.OriginTypeExternal})
		return outcome(err)
	}, nil},
	mutant.AllowAsymmetricImport: {profile.P2022, func(k *kmsTest) string {
		_, err := k.c.CreateKey(k.ctx, &kms.CreateKeyInput{KeySpec: types.KeySpecEccNistP256, KeyUsage: types.KeyUsageTypeSignVerify, Origin: types.OriginTypeExternal})
		return outcome(err)
	}, nil},
	mutant.ImportIntoAWSKMSKey: {profile.P2025, func(k *kmsTest) string {
		return outcome(k.gpfi(k.awsKMS(sym), oaep256, rsa2048))
	}, nil},
	mutant.AWSKMSImport500: {profile.P2025, func(k *kmsTest) string {
		alg, wspec := wrappingFor(sym)
		p := k.params(k.external(sym), alg, wspec)
		id := k.awsKMS(sym)
		_, err := k.c.ImportKeyMaterial(k.ctx, &kms.ImportKeyMaterialInput{
			KeyId: &id, ImportToken: p.ImportToken, EncryptedKeyMaterial: wrapped(k.t, alg, p.PublicKey, newMaterial(k.t, sym).Bytes),
			ExpirationModel: types.ExpirationModelTypeKeyMaterialDoesNotExpire,
		})
		return outcome(err)
	}, nil},
	mutant.DisablePendingImport: {profile.P2022, func(k *kmsTest) string {
		id := k.external(sym)
		_, err := k.c.DisableKey(k.ctx, &kms.DisableKeyInput{KeyId: &id})
		return outcome(err)
	}, nil},
	mutant.EnablePendingDeletion: {profile.P2022, func(k *kmsTest) string {
		id, _ := k.imported(sym)
		k.scheduleDeletion(id)
		_, err := k.c.EnableKey(k.ctx, &kms.EnableKeyInput{KeyId: &id})
		return outcome(err)
	}, nil},
	mutant.RefuseSameStateEnable: {profile.P2023, func(k *kmsTest) string {
		id, _ := k.imported(sym)
		_, err := k.c.EnableKey(k.ctx, &kms.EnableKeyInput{KeyId: &id})
		return outcome(err)
	}, nil},
	mutant.CryptoWhilePendingDeletion: {profile.P2025, func(k *kmsTest) string {
		id, _ := k.imported(sym)
		k.scheduleDeletion(id)
		_, err := k.encrypt(id, []byte("x"))
		return outcome(err)
	}, nil},
	mutant.RefuseDeletePendingDeletion: {profile.P2023, func(k *kmsTest) string {
		id, _ := k.imported(sym)
		k.scheduleDeletion(id)
		_, err := k.c.DeleteImportedKeyMaterial(k.ctx, &kms.DeleteImportedKeyMaterialInput{KeyId: &id})
		return outcome(err)
	}, nil},
	mutant.CryptoWhileDisabled: {profile.P2025, func(k *kmsTest) string {
		id, _ := k.imported(sym)
		k.disable(id)
		_, err := k.encrypt(id, []byte("x"))
		return outcome(err)
	}, nil},
	mutant.ImportWhilePendingDeletion: {profile.P2022, func(k *kmsTest) string {
		id, m := k.imported(sym)
		p := k.params(id, oaep256, rsa2048)
		k.scheduleDeletion(id)
		return k.importWithParams(id, p, oaep256, m.Bytes)
	}, nil},
	mutant.KeepExpirationAfterDelete: {profile.P2025, func(k *kmsTest) string {
		id := k.external(sym)
		k.mustImport(id, newMaterial(k.t, sym), k.expiresIn(time.Hour))
		k.deleteMaterial(id)
		md := k.describe(id)
		return string(md.ExpirationModel) + " " + aws.ToTime(md.ValidTo).String()
	}, nil},
	mutant.NoPendingImportAfterDelete: {profile.P2022, func(k *kmsTest) string {
		id, _ := k.imported(sym)
		k.deleteMaterial(id)
		return string(k.describe(id).KeyState)
	}, nil},
	mutant.IgnoreExpiry: {profile.P2023, func(k *kmsTest) string {
		id := k.external(sym)
		k.mustImport(id, newMaterial(k.t, sym), k.expiresIn(time.Hour))
		k.clk.Advance(2 * time.Hour)
		return string(k.describe(id).KeyState)
	}, nil},
	mutant.LoseOldMaterial: {profile.P2022, func(k *kmsTest) string {
		id, m := k.imported(sym)
		ct := k.mustEncrypt(id, []byte("old"))
		k.deleteMaterial(id)
		k.mustImport(id, m)
		_, err := k.decrypt(id, ct)
		return outcome(err)
	}, nil},
	mutant.UnboundCiphertext: {profile.P2023, func(k *kmsTest) string {
		m := newMaterial(k.t, sym)
		a, b := k.external(sym), k.external(sym)
		k.mustImport(a, m)
		k.mustImport(b, m)
		_, err := k.decrypt(b, k.mustEncrypt(a, []byte("x")))
		return outcome(err)
	}, nil},
	mutant.AllowSecondPendingMaterial: {profile.P2025, func(k *kmsTest) string {
		id, _, _, _ := k.withPending()
		_, err := k.importMaterial(id, newMaterial(k.t, sym), newType)
		return outcome(err)
	}, nil},
	mutant.RotateWithoutPending: {profile.P2025, func(k *kmsTest) string {
		id, _ := k.imported(sym)
		return outcome(k.rotate(id))
	}, nil},
	mutant.AcceptUnknownOrigin: {profile.P2022, func(k *kmsTest) string {
		_, err := k.c.CreateKey(k.ctx, &kms.CreateKeyInput{Origin: types.OriginType("NOT_AN_ORIGIN")})
		return outcome(err)
	}, nil},
	mutant.ExternalKeyReportedEnabled: {profile.P2023, func(k *kmsTest) string {
		out, err := k.c.CreateKey(k.ctx, &kms.CreateKeyInput{Origin: types.OriginTypeExternal})
		if err != nil {
			return outcome(err)
		}
		return fmt.Sprintf("Enabled=%t", out.KeyMetadata.Enabled)
	}, nil},
	mutant.OriginAWSKMSAfterImport: {profile.P2025, func(k *kmsTest) string {
		id, _ := k.imported(sym)
		return string(k.describe(id).Origin)
	}, nil},
	mutant.RefuseExternalSecp256k1: {profile.P2023, func(k *kmsTest) string {
		_, err := k.c.CreateKey(k.ctx, &kms.CreateKeyInput{KeySpec: types.KeySpecEccSecgP256k1, KeyUsage: types.KeyUsageTypeSignVerify, Origin: types.OriginTypeExternal})
		return outcome(err)
	}, nil},
	mutant.AllowMLDSAImport: {profile.P2025, func(k *kmsTest) string {
		_, err := k.c.CreateKey(k.ctx, &kms.CreateKeyInput{KeySpec: types.KeySpecMlDsa44, KeyUsage: types.KeyUsageTypeSignVerify, Origin: types.OriginTypeExternal})
		return outcome(err)
	}, nil},
	mutant.IgnoreMultiRegionFlag: {profile.P2022, func(k *kmsTest) string {
		id := k.createKey(&kms.CreateKeyInput{Origin: types.OriginTypeExternal, MultiRegion: aws.Bool(true)})
		return fmt.Sprintf("MultiRegion=%t", aws.ToBool(k.describe(id).MultiRegion))
	}, nil},
	mutant.SkipKeyUsageCheck: {profile.P2022, func(k *kmsTest) string {
		_, err := k.c.CreateKey(k.ctx, &kms.CreateKeyInput{KeyUsage: types.KeyUsageTypeSignVerify, Origin: types.OriginTypeExternal})
		return outcome(err)
	}, nil},
	mutant.EnabledFlagFalseForExternal: {profile.P2023, func(k *kmsTest) string {
		id, _ := k.imported(sym)
		return fmt.Sprintf("Enabled=%t", k.describe(id).Enabled)
	}, nil},
	mutant.ResolveAliasEverywhere: {profile.P2022, func(k *kmsTest) string {
		k.createAlias("alias/import-here", k.external(sym))
		return outcome(k.gpfi("alias/import-here", oaep256, rsa2048))
	}, nil},
	mutant.KeyIDInsteadOfARN: {profile.P2022, func(k *kmsTest) string {
		return fmt.Sprintf("ARN=%t", strings.HasPrefix(aws.ToString(k.params(k.external(sym), oaep256, rsa2048).KeyId), "arn:"))
	}, nil},
	mutant.TokenLifetimeOneHour: {profile.P2022, func(k *kmsTest) string {
		return k.params(k.external(sym), oaep256, rsa2048).ParametersValidTo.Sub(k.clk.Now()).String()
	}, nil},
	mutant.WrappingKeySpecIgnored: {profile.P2022, func(k *kmsTest) string {
		pub, err := wrap.ParseWrappingKey(k.params(k.external(sym), oaep256, rsa2048).PublicKey)
		if err != nil {
			return err.Error()
		}
		return fmt.Sprintf("%d bits", pub.N.BitLen())
	}, nil},
	mutant.ParametersWhilePendingDeletion: {profile.P2023, func(k *kmsTest) string {
		id, _ := k.imported(sym)
		k.scheduleDeletion(id)
		return outcome(k.gpfi(id, oaep256, rsa2048))
	}, nil},
	mutant.LegacyWrappingKeySpecs: {profile.P2025, func(k *kmsTest) string {
		return outcome(k.gpfi(k.external(sym), oaep256, rsa4096))
	}, nil},
	mutant.AcceptLaterWrappingKeySpecs: {profile.P2022, func(k *kmsTest) string {
		return outcome(k.gpfi(k.external(sym), oaep256, rsa3072))
	}, nil},
	mutant.RefuseOAEPSHA1: {profile.P2022, func(k *kmsTest) string {
		return outcome(k.gpfi(k.external(sym), oaep1, rsa2048))
	}, nil},
	mutant.RefuseRSAAESSHA1: {profile.P2023, func(k *kmsTest) string {
		return outcome(k.gpfi(k.external(types.KeySpecRsa2048), aesKW1, rsa2048))
	}, nil},
	mutant.AcceptPKCS1After2023: {profile.P2023, func(k *kmsTest) string {
		return outcome(k.gpfi(k.external(sym), types.AlgorithmSpecRsaesPkcs1V15, rsa2048))
	}, nil},
	mutant.RefusePKCS1In2022: {profile.P2022, func(k *kmsTest) string {
		return outcome(k.gpfi(k.external(sym), types.AlgorithmSpecRsaesPkcs1V15, rsa2048))
	}, nil},
	mutant.P521OAEPRSA2048Crash: {profile.P2025, func(k *kmsTest) string {
		return outcome(k.gpfi(k.external(types.KeySpecEccNistP521), oaep256, rsa2048))
	}, nil},
	mutant.AcceptP521OAEPRSA2048: {profile.P2025, func(k *kmsTest) string {
		return outcome(k.gpfi(k.external(types.KeySpecEccNistP521), oaep256, rsa2048))
	}, nil},
	mutant.RejectBERMaterial: {profile.P2023, func(k *kmsTest) string {
		m := newMaterial(k.t, types.KeySpecEccNistP256)
		_, err := k.importRaw(k.external(m.Spec), m.Spec, k.b(material.BER(m)))
		return outcome(err)
	}, nil},
	mutant.AcceptMaterialOfAnotherSpec: {profile.P2023, func(k *kmsTest) string {
		_, err := k.importRaw(k.external(types.KeySpecEccNistP256), types.KeySpecEccNistP256, newMaterial(k.t, types.KeySpecEccNistP384).Bytes)
		return outcome(err)
	}, nil},
	mutant.PublicKeyWithoutSPKI: {profile.P2025, func(k *kmsTest) string {
		id, m := k.imported(types.KeySpecEccNistP256)
		out, err := k.c.GetPublicKey(k.ctx, &kms.GetPublicKeyInput{KeyId: &id})
		if err != nil {
			return outcome(err)
		}
		return fmt.Sprintf("SubjectPublicKeyInfo=%t", bytes.Equal(out.PublicKey, m.PublicKeyDER))
	}, nil},
	mutant.CurrentResponsesInLegacyProfiles: {profile.P2022, func(k *kmsTest) string {
		out := k.mustImport(k.external(sym), newMaterial(k.t, sym))
		return "KeyMaterialId=" + aws.ToString(out.KeyMaterialId)
	}, nil},
	mutant.DescribeValidToShifted: {profile.P2022, func(k *kmsTest) string {
		id := k.external(sym)
		k.mustImport(id, newMaterial(k.t, sym), k.expiresIn(time.Hour))
		return aws.ToTime(k.describe(id).ValidTo).Sub(k.clk.Now()).String()
	}, nil},
	mutant.PendingImportDisabledException: {profile.P2022, func(k *kmsTest) string {
		_, err := k.encrypt(k.external(sym), []byte("x"))
		return outcome(err)
	}, nil},
	mutant.PublicKeyRefusedWhenDisabled: {profile.P2023, func(k *kmsTest) string {
		id, _ := k.imported(types.KeySpecEccNistP256)
		k.disable(id)
		_, err := k.c.GetPublicKey(k.ctx, &kms.GetPublicKeyInput{KeyId: &id})
		return outcome(err)
	}, nil},
	mutant.ScheduleDeletionAnyWindow: {profile.P2022, func(k *kmsTest) string {
		id, _ := k.imported(sym)
		_, err := k.c.ScheduleKeyDeletion(k.ctx, &kms.ScheduleKeyDeletionInput{KeyId: &id, PendingWindowInDays: aws.Int32(6)})
		return outcome(err)
	}, nil},
	mutant.CancelDeletionAnyState: {profile.P2022, func(k *kmsTest) string {
		id, _ := k.imported(sym)
		_, err := k.c.CancelKeyDeletion(k.ctx, &kms.CancelKeyDeletionInput{KeyId: &id})
		return outcome(err)
	}, nil},
	mutant.DescribeKeyIDIsARN: {profile.P2022, func(k *kmsTest) string {
		return fmt.Sprintf("ARN=%t", strings.HasPrefix(aws.ToString(k.describe(k.external(sym)).KeyId), "arn:"))
	}, nil},
	mutant.ListRotationsRefusedWhenDeleting: {profile.P2025, func(k *kmsTest) string {
		id, _ := k.imported(sym)
		k.scheduleDeletion(id)
		_, err := k.c.ListKeyRotations(k.ctx, &kms.ListKeyRotationsInput{KeyId: &id})
		return outcome(err)
	}, nil},
	mutant.DeletePendingMaterialPendingImport: {profile.P2025, func(k *kmsTest) string {
		id, _, pending, _ := k.withPending()
		if _, err := k.c.DeleteImportedKeyMaterial(k.ctx, &kms.DeleteImportedKeyMaterialInput{KeyId: &id, KeyMaterialId: &pending}); err != nil {
			return outcome(err)
		}
		return string(k.describe(id).KeyState)
	}, nil},
	mutant.MultiMaterialParametersAnyKey: {profile.P2025, func(k *kmsTest) string {
		id, m := k.imported(types.KeySpecHmac256)
		_, err := k.importMaterial(id, m, withDescription("kmsconform"))
		return outcome(err)
	}, nil},
	mutant.CurrentKeyMaterialIDIsNewest: {profile.P2025, func(k *kmsTest) string {
		id, current, _, _ := k.withPending()
		return fmt.Sprintf("current shown=%t", aws.ToString(k.describe(id).CurrentKeyMaterialId) == current)
	}, nil},
	mutant.NewMaterialAlreadyAssociated: {profile.P2025, func(k *kmsTest) string {
		id, m := k.imported(sym)
		_, err := k.importMaterial(id, m, newType)
		return outcome(err)
	}, nil},
	mutant.KeyMaterialIDWithNewMaterial: {profile.P2025, func(k *kmsTest) string {
		id, _ := k.imported(sym)
		_, err := k.importMaterial(id, newMaterial(k.t, sym), newType, withMaterialID(strings.Repeat("a", 64)))
		return outcome(err)
	}, nil},
	mutant.CurrentKeyMaterialIDForAllKeys: {profile.P2025, func(k *kmsTest) string {
		id, _ := k.imported(types.KeySpecHmac256)
		return fmt.Sprintf("shown=%t", k.describe(id).CurrentKeyMaterialId != nil)
	}, nil},
	mutant.RotationsOmitExpiration: {profile.P2025, func(k *kmsTest) string {
		id, _ := k.imported(sym)
		return string(k.rotations(id, types.IncludeKeyMaterialAllKeyMaterial)[0].ExpirationModel)
	}, nil},
	mutant.AllKeyMaterialForAnyKey: {profile.P2025, func(k *kmsTest) string {
		id, _ := k.imported(types.KeySpecHmac256)
		_, err := k.c.ListKeyRotations(k.ctx, &kms.ListKeyRotationsInput{KeyId: &id, IncludeKeyMaterial: types.IncludeKeyMaterialAllKeyMaterial})
		return outcome(err)
	}, nil},
	mutant.EnableRotationOnExternal: {profile.P2025, func(k *kmsTest) string {
		id, _ := k.imported(sym)
		_, err := k.c.EnableKeyRotation(k.ctx, &kms.EnableKeyRotationInput{KeyId: &id})
		return outcome(err)
	}, nil},
	mutant.RotationStatusForExternal: {profile.P2025, func(k *kmsTest) string {
		id := k.external(sym)
		_, err := k.c.GetKeyRotationStatus(k.ctx, &kms.GetKeyRotationStatusInput{KeyId: &id})
		return outcome(err)
	}, nil},
	mutant.RotatePendingImport: {profile.P2025, func(k *kmsTest) string {
		id, current, _, _ := k.withPending()
		if _, err := k.c.DeleteImportedKeyMaterial(k.ctx, &kms.DeleteImportedKeyMaterialInput{KeyId: &id, KeyMaterialId: &current}); err != nil {
			return outcome(err)
		}
		return outcome(k.rotate(id))
	}, nil},
	mutant.RotateDisabledKey: {profile.P2023, func(k *kmsTest) string {
		id := k.awsKMS(sym)
		k.disable(id)
		return outcome(k.rotate(id))
	}, nil},
	mutant.RotateAnyKeySpec: {profile.P2023, func(k *kmsTest) string {
		return outcome(k.rotate(k.awsKMS(types.KeySpecEccNistP256)))
	}, nil},
	mutant.NoRotationLimit: {profile.P2025, func(k *kmsTest) string {
		id := k.awsKMS(sym)
		for range 25 {
			if err := k.rotate(id); err != nil {
				return outcome(err)
			}
		}
		return outcome(k.rotate(id))
	}, nil},
	mutant.RotateExternalBefore2025: {profile.P2023, func(k *kmsTest) string {
		id, _ := k.imported(sym)
		return outcome(k.rotate(id))
	}, nil},
	mutant.UnknownKey500: {profile.P2022, func(k *kmsTest) string {
		return outcome(k.gpfi("1234abcd-12ab-34cd-56ef-1234567890ab", oaep256, rsa2048))
	}, nil},
	mutant.MalformedARNNotFound: {profile.P2022, func(k *kmsTest) string {
		return outcome(k.gpfi("arn:aws:kms:us-east-1:111122223333:key", oaep256, rsa2048))
	}, nil},
	mutant.ReplicaCopiesMaterial: {profile.P2025, func(k *kmsTest) string {
		id, _ := k.multiRegionPrimary(sym)
		return string(k.mustReplicate(id, west).describe(id).KeyState)
	}, newMultiRegionMutantKMS},
	mutant.ReplicatePendingImport: {profile.P2025, func(k *kmsTest) string {
		id := k.createKey(&kms.CreateKeyInput{Origin: types.OriginTypeExternal, MultiRegion: aws.Bool(true)})
		_, err := k.replicate(id, west)
		return outcome(err)
	}, newMultiRegionMutantKMS},
	mutant.NewMaterialIntoReplica: {profile.P2025, func(k *kmsTest) string {
		id, _, w, _ := k.replicatedSymmetric()
		_, err := w.importMaterial(id, newMaterial(k.t, sym), newType)
		return outcome(err)
	}, newMultiRegionMutantKMS},
	mutant.RotateReplica: {profile.P2025, func(k *kmsTest) string {
		id, _, w, e := k.replicatedSymmetric()
		next := newMaterial(k.t, sym)
		k.mustImport(id, next, newType)
		w.mustImport(id, next)
		e.mustImport(id, next)
		return outcome(w.rotate(id))
	}, newMultiRegionMutantKMS},
	mutant.PendingRotationIgnoresReplicas: {profile.P2025, func(k *kmsTest) string {
		id, _, _, _ := k.replicatedSymmetric()
		k.mustImport(id, newMaterial(k.t, sym), newType)
		return fmt.Sprint(k.materialStates(id))
	}, newMultiRegionMutantKMS},
	mutant.KeepDeletedMaterialOnReplicas: {profile.P2025, func(k *kmsTest) string {
		id, _, w, _ := k.replicatedSymmetric()
		next := newMaterial(k.t, sym)
		pending := *k.mustImport(id, next, newType).KeyMaterialId
		w.mustImport(id, next)
		if _, err := k.c.DeleteImportedKeyMaterial(k.ctx, &kms.DeleteImportedKeyMaterialInput{KeyId: &id, KeyMaterialId: &pending}); err != nil {
			return outcome(err)
		}
		return fmt.Sprint(w.materialStates(id))
	}, newMultiRegionMutantKMS},
	mutant.AllowCrossAccountImport: {profile.P2022, func(k *kmsTest) string {
		// Even a key policy that allows account B does not allow
		// GetParametersForImport across accounts (IMP-017).
		id := k.externalSharedWith(sym, accountB)
		return outcome(k.asAccount(accountB, accountB.SecretAccessKey).gpfi(k.arn(id), oaep256, rsa2048))
	}, newTwoAccountMutantKMS},
	mutant.SkipSignatureVerification: {profile.P2022, func(k *kmsTest) string {
		id := k.external(sym)
		return outcome(k.asAccount(accountA, "a wrong secret").gpfi(id, oaep256, rsa2048))
	}, newTwoAccountMutantKMS},
}

// newMultiRegionMutantKMS is newMultiRegionKMS with mutants.
func newMultiRegionMutantKMS(t *testing.T, p profile.Profile, mutants ...string) *kmsTest {
	t.Helper()
	return newKMSWith(t, reference.Options{Profile: p, Regions: []string{east, west, eu}, Mutants: mutants})
}

// newTwoAccountMutantKMS is newTwoAccountKMS with mutants.
func newTwoAccountMutantKMS(t *testing.T, p profile.Profile, mutants ...string) *kmsTest {
	t.Helper()
	return newKMSWith(t, reference.Options{Profile: p, Clock: clock.NewManual(time.Now()), Accounts: []reference.Account{accountA, accountB, accountC}, Mutants: mutants})
}

// importWithParams imports plain wrapped with alg under p's public key (or
// plain as it is, when alg is empty) with p's token.
func (k *kmsTest) importWithParams(keyID string, p *kms.GetParametersForImportOutput, alg types.AlgorithmSpec, plain []byte) string {
	k.t.Helper()
	blob := plain
	if alg != "" {
		blob = wrapped(k.t, alg, p.PublicKey, plain)
	}
	in := &kms.ImportKeyMaterialInput{KeyId: &keyID, ImportToken: p.ImportToken, EncryptedKeyMaterial: blob}
	doesNotExpire(in)
	_, err := k.c.ImportKeyMaterial(k.ctx, in)
	return outcome(err)
}

// TestMutantsAreObservable: every mutant in the registry has a scenario
// whose outcome it changes.
func TestMutantsAreObservable(t *testing.T) {
	for _, m := range reference.Mutants() {
		t.Run(string(m.Name), func(t *testing.T) {
			t.Parallel()
			s, ok := mutantScenarios[m.Name]
			if !ok {
				t.Fatalf("mutant %s has no scenario", m.Name)
			}
			start := s.start
			if start == nil {
				start = newKMS
			}
			clean := s.observe(start(t, s.profile))
			faulty := s.observe(start(t, s.profile, string(m.Name)))
			if clean == faulty {
				t.Fatalf("the mutant changes nothing: both came to %q", clean)
			}
			t.Logf("clean: %s; %s: %s (breaks %v)", clean, m.Name, faulty, m.Rules)
		})
	}
}

func TestUnknownMutant(t *testing.T) {
	if _, err := reference.New(reference.Options{Mutants: []string{"no-such-fault"}, WrappingKeys: &wrappool.Cycle{}}); err == nil {
		t.Fatal("New accepted an unknown mutant")
	}
}
