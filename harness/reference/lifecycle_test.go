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

// cryptoOps are the cryptographic operations on a key of each usage; each
// returns the error of one call.
func (k *kmsTest) cryptoOps(keyID string, spec types.KeySpec) map[string]func() error {
	ops := map[string]func() error{}
	switch usageFor(spec) {
	case types.KeyUsageTypeEncryptDecrypt:
		ct := []byte{1, 2, 3}
		ops["Encrypt"] = func() error { _, err := k.encrypt(keyID, []byte("x")); return err }
		ops["Decrypt"] = func() error { _, err := k.decrypt(keyID, ct); return err }
		ops["GenerateDataKey"] = func() error {
			_, err := k.c.GenerateDataKey(k.ctx, &kms.GenerateDataKeyInput{KeyId: &keyID, KeySpec: types.DataKeySpecAes256})
			return err
		}
		ops["GenerateDataKeyWithoutPlaintext"] = func() error {
			_, err := k.c.GenerateDataKeyWithoutPlaintext(k.ctx, &kms.GenerateDataKeyWithoutPlaintextInput{KeyId: &keyID, KeySpec: types.DataKeySpecAes256})
			return err
		}
	case types.KeyUsageTypeGenerateVerifyMac:
		alg := material.MacAlgorithm(spec)
		ops["GenerateMac"] = func() error {
			_, err := k.c.GenerateMac(k.ctx, &kms.GenerateMacInput{KeyId: &keyID, MacAlgorithm: alg, Message: []byte("m")})
			return err
		}
		ops["VerifyMac"] = func() error {
			_, err := k.c.VerifyMac(k.ctx, &kms.VerifyMacInput{KeyId: &keyID, MacAlgorithm: alg, Message: []byte("m"), Mac: []byte("mac")})
			return err
		}
	case types.KeyUsageTypeSignVerify:
		alg := material.SigningAlgorithms(spec)[0]
		ops["Sign"] = func() error {
			_, err := k.c.Sign(k.ctx, &kms.SignInput{KeyId: &keyID, SigningAlgorithm: alg, Message: []byte("m")})
			return err
		}
		ops["Verify"] = func() error {
			_, err := k.c.Verify(k.ctx, &kms.VerifyInput{KeyId: &keyID, SigningAlgorithm: alg, Message: []byte("m"), Signature: []byte("sig")})
			return err
		}
	}
	return ops
}

// wantCryptoRefused checks that every cryptographic operation fails with code
// and message.
func (k *kmsTest) wantCryptoRefused(keyID string, spec types.KeySpec, code, message string) {
	k.t.Helper()
	for name, op := range k.cryptoOps(keyID, spec) {
		err := op()
		if err == nil {
			k.t.Fatalf("%s succeeded", name)
		}
		wantCode(k.t, err, code)
		if message != "" && errorMessage(err) != message {
			k.t.Fatalf("%s: message %q, want %q", name, errorMessage(err), message)
		}
	}
}

func specsFor(k *kmsTest) []types.KeySpec {
	if k.profile == "2022" {
		return []types.KeySpec{sym}
	}
	return []types.KeySpec{sym, types.KeySpecHmac256, types.KeySpecEccNistP256, types.KeySpecRsa2048}
}

func TestKeyStateRules(t *testing.T) {
	runRules(t, []ruleTest{
		{"IMP-121", "EnableKey and DisableKey in PendingImport", all, func(k *kmsTest) {
			id := k.external(sym)
			_, err := k.c.EnableKey(k.ctx, &kms.EnableKeyInput{KeyId: &id})
			wantCode(k.t, err, "KMSInvalidStateException")
			_, err = k.c.DisableKey(k.ctx, &kms.DisableKeyInput{KeyId: &id})
			wantCode(k.t, err, "KMSInvalidStateException")
			if want := k.arn(id) + " is pending import."; errorMessage(err) != want {
				k.t.Fatalf("message %q, want %q", errorMessage(err), want)
			}
			k.wantState(id, types.KeyStatePendingImport)
		}},
		{"IMP-122", "Enabled and Disabled; a Disabled key refuses crypto", all, func(k *kmsTest) {
			for _, spec := range specsFor(k) {
				id, _ := k.imported(spec)
				k.disable(id)
				k.wantState(id, types.KeyStateDisabled)
				k.wantCryptoRefused(id, spec, "DisabledException", k.arn(id)+" is disabled.")
				_, err := k.c.EnableKey(k.ctx, &kms.EnableKeyInput{KeyId: &id})
				wantOK(k.t, err)
				k.wantState(id, types.KeyStateEnabled)
			}
		}},
		{"IMP-123", "crypto in PendingImport", all, func(k *kmsTest) {
			for _, spec := range specsFor(k) {
				id := k.external(spec)
				k.wantCryptoRefused(id, spec, "KMSInvalidStateException", k.arn(id)+" is pending import.")
			}
		}},
		{"IMP-123", "crypto while pending deletion", all, func(k *kmsTest) {
			id, _ := k.imported(sym)
			k.scheduleDeletion(id)
			k.wantCryptoRefused(id, sym, "KMSInvalidStateException", k.arn(id)+" is pending deletion.")
		}},
		{"IMP-125", "GetPublicKey while Disabled, after deletion, never imported", since2023, func(k *kmsTest) {
			id, m := k.imported(types.KeySpecEccNistP256)
			k.disable(id)
			_, err := k.c.GetPublicKey(k.ctx, &kms.GetPublicKeyInput{KeyId: &id})
			wantOK(k.t, err)
			k.deleteMaterial(id)
			out, err := k.c.GetPublicKey(k.ctx, &kms.GetPublicKeyInput{KeyId: &id})
			wantOK(k.t, err)
			if string(out.PublicKey) != string(m.PublicKeyDER) {
				k.t.Fatal("GetPublicKey after delete returned another key")
			}
			never := k.external(types.KeySpecEccNistP256)
			_, err = k.c.GetPublicKey(k.ctx, &kms.GetPublicKeyInput{KeyId: &never})
			wantCode(k.t, err, "KMSInvalidStateException")
			_, err = k.c.GetPublicKey(k.ctx, &kms.GetPublicKeyInput{KeyId: aws.String(k.awsKMS(sym))})
			wantCode(k.t, err, "UnsupportedOperationException")
		}},
		{"IMP-125", "GetPublicKey of a Disabled key (legacy)", only2022, func(k *kmsTest) {
			id := k.awsKMS(types.KeySpecRsa2048)
			k.disable(id)
			_, err := k.c.GetPublicKey(k.ctx, &kms.GetPublicKeyInput{KeyId: &id})
			wantCode(k.t, err, "DisabledException")
		}},
		{"IMP-126", "ScheduleKeyDeletion from PendingImport; window 7 to 30 days", all, func(k *kmsTest) {
			id := k.external(sym)
			for _, days := range []int32{0, 6, 31, 366} {
				_, err := k.c.ScheduleKeyDeletion(k.ctx, &kms.ScheduleKeyDeletionInput{KeyId: &id, PendingWindowInDays: aws.Int32(days)})
				wantCode(k.t, err, "ValidationException")
			}
			out, err := k.c.ScheduleKeyDeletion(k.ctx, &kms.ScheduleKeyDeletionInput{KeyId: &id})
			wantOK(k.t, err)
			if out.KeyState != types.KeyStatePendingDeletion || *out.PendingWindowInDays != 30 || !out.DeletionDate.Equal(start.Add(30*24*time.Hour)) {
				k.t.Fatalf("response %+v", out)
			}
			_, err = k.c.ScheduleKeyDeletion(k.ctx, &kms.ScheduleKeyDeletionInput{KeyId: &id})
			wantCode(k.t, err, "KMSInvalidStateException")
			// After the waiting period the key is gone.
			k.clk.Advance(30 * 24 * time.Hour)
			_, err = k.c.DescribeKey(k.ctx, &kms.DescribeKeyInput{KeyId: &id})
			wantCode(k.t, err, "NotFoundException")
		}},
		{"IMP-127", "CancelKeyDeletion: Disabled with material, PendingImport without (provisional)", all, func(k *kmsTest) {
			withMaterial, _ := k.imported(sym)
			without := k.external(sym)
			for _, id := range []string{withMaterial, without} {
				_, err := k.c.CancelKeyDeletion(k.ctx, &kms.CancelKeyDeletionInput{KeyId: &id})
				wantCode(k.t, err, "KMSInvalidStateException")
				if want := k.arn(id) + " is not pending deletion."; errorMessage(err) != want {
					k.t.Fatalf("message %q", errorMessage(err))
				}
				k.scheduleDeletion(id)
				out, err := k.c.CancelKeyDeletion(k.ctx, &kms.CancelKeyDeletionInput{KeyId: &id})
				wantOK(k.t, err)
				if *out.KeyId != k.arn(id) {
					k.t.Fatalf("KeyId %s", *out.KeyId)
				}
			}
			k.wantState(withMaterial, types.KeyStateDisabled)
			k.wantState(without, types.KeyStatePendingImport)
		}},
	})
}

func TestDeleteRules(t *testing.T) {
	runRules(t, []ruleTest{
		{"IMP-083", "the response names the key and the deleted material", only2025, func(k *kmsTest) {
			id := k.external(sym)
			imported := k.mustImport(id, newMaterial(k.t, sym))
			out, err := k.c.DeleteImportedKeyMaterial(k.ctx, &kms.DeleteImportedKeyMaterialInput{KeyId: &id})
			wantOK(k.t, err)
			if *out.KeyId != k.arn(id) || *out.KeyMaterialId != *imported.KeyMaterialId {
				k.t.Fatalf("response %+v", out)
			}
		}},
		{"IMP-084", "the response is empty", before25, func(k *kmsTest) {
			id, _ := k.imported(sym)
			out, err := k.c.DeleteImportedKeyMaterial(k.ctx, &kms.DeleteImportedKeyMaterialInput{KeyId: &id})
			wantOK(k.t, err)
			if out.KeyId != nil || out.KeyMaterialId != nil {
				k.t.Fatalf("response %+v", out)
			}
		}},
		{"IMP-086", "PendingImport after delete; PendingDeletion stays", all, func(k *kmsTest) {
			for _, spec := range specsFor(k) {
				id, _ := k.imported(spec)
				k.deleteMaterial(id)
				k.wantState(id, types.KeyStatePendingImport)
				pending, _ := k.imported(spec)
				k.scheduleDeletion(pending)
				k.deleteMaterial(pending)
				k.wantState(pending, types.KeyStatePendingDeletion)
			}
		}},
		{"IMP-088", "no deletion from an AWS_KMS key", all, func(k *kmsTest) {
			id := k.awsKMS(sym)
			_, err := k.c.DeleteImportedKeyMaterial(k.ctx, &kms.DeleteImportedKeyMaterialInput{KeyId: &id})
			wantCode(k.t, err, "UnsupportedOperationException")
			k.wantState(id, types.KeyStateEnabled)
		}},
		{"IMP-089", "delete in Disabled and in PendingImport", all, func(k *kmsTest) {
			id, _ := k.imported(sym)
			k.disable(id)
			k.deleteMaterial(id)
			k.wantState(id, types.KeyStatePendingImport)
			k.deleteMaterial(id)
			k.deleteMaterial(k.external(sym))
		}},
		{"IMP-090", "deleted material is unusable at once; a reimport restores the key", all, func(k *kmsTest) {
			for _, spec := range specsFor(k) {
				id, m := k.imported(spec)
				var ct []byte
				if spec == sym {
					ct = k.mustEncrypt(id, []byte("old"))
				}
				k.deleteMaterial(id)
				k.wantCryptoRefused(id, spec, "KMSInvalidStateException", k.arn(id)+" is pending import.")
				k.mustImport(id, m)
				k.wantState(id, types.KeyStateEnabled)
				if spec == sym {
					k.mustDecrypt(id, ct, "old")
				}
			}
		}},
		{"IMP-091", "DescribeKey after delete has no expiration", all, func(k *kmsTest) {
			id := k.external(sym)
			k.mustImport(id, newMaterial(k.t, sym), k.expiresIn(time.Hour))
			k.deleteMaterial(id)
			md := k.describe(id)
			if md.ExpirationModel != "" || md.ValidTo != nil {
				k.t.Fatalf("ExpirationModel %q ValidTo %v after delete", md.ExpirationModel, md.ValidTo)
			}
			if (md.CurrentKeyMaterialId != nil) != (k.profile == "2025") {
				k.t.Fatalf("CurrentKeyMaterialId %v after delete", md.CurrentKeyMaterialId)
			}
		}},
		{"IMP-092", "an unknown KeyMaterialId (provisional)", only2025, func(k *kmsTest) {
			id, _ := k.imported(sym)
			_, err := k.c.DeleteImportedKeyMaterial(k.ctx, &kms.DeleteImportedKeyMaterialInput{KeyId: &id, KeyMaterialId: aws.String(strings.Repeat("0", 64))})
			wantCode(k.t, err, "NotFoundException")
			k.wantState(id, types.KeyStateEnabled)
		}},
	})
}

func TestExpiryRules(t *testing.T) {
	runRules(t, []ruleTest{
		{"IMP-094", "at ValidTo the material goes and the key is PendingImport", all, func(k *kmsTest) {
			for _, spec := range specsFor(k) {
				id := k.external(spec)
				m := newMaterial(k.t, spec)
				k.mustImport(id, m, k.expiresIn(time.Hour))
				k.wantState(id, types.KeyStateEnabled)
				k.clk.Advance(time.Hour)
				k.wantState(id, types.KeyStatePendingImport)
				k.wantCryptoRefused(id, spec, "KMSInvalidStateException", k.arn(id)+" is pending import.")
				if md := k.describe(id); md.ExpirationModel != "" || md.ValidTo != nil {
					k.t.Fatalf("%s: expiration still shown after expiry: %s %v", spec, md.ExpirationModel, md.ValidTo)
				}
				k.clk.Set(start)
			}
		}},
		{"IMP-094", "a Disabled key whose material expires is PendingImport", all, func(k *kmsTest) {
			id := k.external(sym)
			k.mustImport(id, newMaterial(k.t, sym), k.expiresIn(time.Hour))
			k.disable(id)
			k.clk.Advance(2 * time.Hour)
			k.wantState(id, types.KeyStatePendingImport)
		}},
		{"IMP-097", "after expiry the same material restores the key; other material does not", all, func(k *kmsTest) {
			id := k.external(sym)
			m := newMaterial(k.t, sym)
			k.mustImport(id, m, k.expiresIn(time.Hour))
			ct := k.mustEncrypt(id, []byte("before"))
			k.clk.Advance(time.Hour)
			_, err := k.importMaterial(id, k.mat(material.Different(m)))
			wantCode(k.t, err, "IncorrectKeyMaterialException")
			k.wantState(id, types.KeyStatePendingImport)
			k.mustImport(id, m, k.expiresIn(time.Hour))
			k.wantState(id, types.KeyStateEnabled)
			k.mustDecrypt(id, ct, "before")
		}},
	})
}
