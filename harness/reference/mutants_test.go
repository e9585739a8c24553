package reference_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"

	"github.com/kmsconform/kmsconform/fixtures/material"
	"github.com/kmsconform/kmsconform/harness/profile"
	"github.com/kmsconform/kmsconform/harness/reference"
	"github.com/kmsconform/kmsconform/harness/reference/mutant"
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
}{
	mutant.AcceptForeignToken: {profile.P2022, func(k *kmsTest) string {
		id, other := k.external(sym), k.external(sym)
		p := k.params(other, oaep256, rsa2048)
		return k.importWithParams(id, p, oaep256, newMaterial(k.t, sym).Bytes)
	}},
	mutant.AcceptMismatchedPublicKey: {profile.P2022, func(k *kmsTest) string {
		id := k.external(sym)
		a, b := k.params(id, oaep256, rsa2048), k.params(id, oaep256, rsa2048)
		in := &kms.ImportKeyMaterialInput{KeyId: &id, ImportToken: b.ImportToken, EncryptedKeyMaterial: wrapped(k.t, oaep256, a.PublicKey, newMaterial(k.t, sym).Bytes)}
		doesNotExpire(in)
		_, err := k.c.ImportKeyMaterial(k.ctx, in)
		return outcome(err)
	}},
	mutant.AcceptExpiredToken: {profile.P2025, func(k *kmsTest) string {
		id := k.external(sym)
		p := k.params(id, oaep256, rsa2048)
		k.clk.Advance(25 * time.Hour)
		return k.importWithParams(id, p, oaep256, newMaterial(k.t, sym).Bytes)
	}},
	mutant.RejectEarlierToken: {profile.P2023, func(k *kmsTest) string {
		id := k.external(sym)
		first := k.params(id, oaep256, rsa2048)
		k.params(id, oaep256, rsa2048)
		return k.importWithParams(id, first, oaep256, newMaterial(k.t, sym).Bytes)
	}},
	mutant.WrongErrorCode: {profile.P2022, func(k *kmsTest) string {
		id := k.external(sym)
		return k.importWithParams(id, k.params(id, oaep256, rsa2048), "", bytes.Repeat([]byte{5}, 256))
	}},
	mutant.Crypto500: {profile.P2025, func(k *kmsTest) string {
		id := k.external(sym)
		return k.importWithParams(id, k.params(id, oaep256, rsa2048), "", bytes.Repeat([]byte{5}, 256))
	}},
	mutant.SkipMaterialLengthCheck: {profile.P2022, func(k *kmsTest) string {
		_, err := k.importRaw(k.external(sym), sym, bytes.Repeat([]byte{3}, 16))
		return outcome(err)
	}},
	mutant.AcceptDifferentMaterial: {profile.P2023, func(k *kmsTest) string {
		id, m := k.imported(sym)
		_, err := k.importMaterial(id, k.mat(material.Different(m)))
		return outcome(err)
	}},
	mutant.RefuseReimportWhileEnabled: {profile.P2025, func(k *kmsTest) string {
		id, m := k.imported(sym)
		_, err := k.importMaterial(id, m)
		return outcome(err)
	}},
	mutant.IgnoreKeyMaterialID: {profile.P2025, func(k *kmsTest) string {
		id, m := k.imported(sym)
		_, err := k.importMaterial(id, m, withMaterialID(strings.Repeat("0", 64)))
		return outcome(err)
	}},
	mutant.AcceptPastValidTo: {profile.P2022, func(k *kmsTest) string {
		_, err := k.importMaterial(k.external(sym), newMaterial(k.t, sym), k.expiresIn(-time.Second))
		return outcome(err)
	}},
	mutant.SkipValidToMax: {profile.P2023, func(k *kmsTest) string {
		_, err := k.importMaterial(k.external(sym), newMaterial(k.t, sym), k.expiresIn(400*24*time.Hour))
		return outcome(err)
	}},
	mutant.DropValidToSilently: {profile.P2025, func(k *kmsTest) string {
		_, err := k.importMaterial(k.external(sym), newMaterial(k.t, sym), func(in *kms.ImportKeyMaterialInput) {
			in.ValidTo = aws.Time(k.clk.Now().Add(time.Hour))
		})
		return outcome(err)
	}},
	mutant.DefaultDoesNotExpire: {profile.P2022, func(k *kmsTest) string {
		_, err := k.importMaterial(k.external(sym), newMaterial(k.t, sym), func(in *kms.ImportKeyMaterialInput) { in.ExpirationModel = "" })
		return outcome(err)
	}},
	mutant.AllowHMACImport: {profile.P2022, func(k *kmsTest) string {
		_, err := k.c.CreateKey(k.ctx, &kms.CreateKeyInput{KeySpec: types.KeySpecHmac256, KeyUsage: types.KeyUsageTypeGenerateVerifyMac, Origin: types.OriginTypeExternal})
		return outcome(err)
	}},
	mutant.AllowAsymmetricImport: {profile.P2022, func(k *kmsTest) string {
		_, err := k.c.CreateKey(k.ctx, &kms.CreateKeyInput{KeySpec: types.KeySpecEccNistP256, KeyUsage: types.KeyUsageTypeSignVerify, Origin: types.OriginTypeExternal})
		return outcome(err)
	}},
	mutant.ImportIntoAWSKMSKey: {profile.P2025, func(k *kmsTest) string {
		return outcome(k.gpfi(k.awsKMS(sym), oaep256, rsa2048))
	}},
	mutant.DisablePendingImport: {profile.P2022, func(k *kmsTest) string {
		id := k.external(sym)
		_, err := k.c.DisableKey(k.ctx, &kms.DisableKeyInput{KeyId: &id})
		return outcome(err)
	}},
	mutant.RefuseDeletePendingDeletion: {profile.P2023, func(k *kmsTest) string {
		id, _ := k.imported(sym)
		k.scheduleDeletion(id)
		_, err := k.c.DeleteImportedKeyMaterial(k.ctx, &kms.DeleteImportedKeyMaterialInput{KeyId: &id})
		return outcome(err)
	}},
	mutant.CryptoWhileDisabled: {profile.P2025, func(k *kmsTest) string {
		id, _ := k.imported(sym)
		k.disable(id)
		_, err := k.encrypt(id, []byte("x"))
		return outcome(err)
	}},
	mutant.ImportWhilePendingDeletion: {profile.P2022, func(k *kmsTest) string {
		id, m := k.imported(sym)
		p := k.params(id, oaep256, rsa2048)
		k.scheduleDeletion(id)
		return k.importWithParams(id, p, oaep256, m.Bytes)
	}},
	mutant.KeepExpirationAfterDelete: {profile.P2025, func(k *kmsTest) string {
		id := k.external(sym)
		k.mustImport(id, newMaterial(k.t, sym), k.expiresIn(time.Hour))
		k.deleteMaterial(id)
		md := k.describe(id)
		return string(md.ExpirationModel) + " " + aws.ToTime(md.ValidTo).String()
	}},
	mutant.NoPendingImportAfterDelete: {profile.P2022, func(k *kmsTest) string {
		id, _ := k.imported(sym)
		k.deleteMaterial(id)
		return string(k.describe(id).KeyState)
	}},
	mutant.IgnoreExpiry: {profile.P2023, func(k *kmsTest) string {
		id := k.external(sym)
		k.mustImport(id, newMaterial(k.t, sym), k.expiresIn(time.Hour))
		k.clk.Advance(2 * time.Hour)
		return string(k.describe(id).KeyState)
	}},
	mutant.LoseOldMaterial: {profile.P2022, func(k *kmsTest) string {
		id, m := k.imported(sym)
		ct := k.mustEncrypt(id, []byte("old"))
		k.deleteMaterial(id)
		k.mustImport(id, m)
		_, err := k.decrypt(id, ct)
		return outcome(err)
	}},
	mutant.UnboundCiphertext: {profile.P2023, func(k *kmsTest) string {
		m := newMaterial(k.t, sym)
		a, b := k.external(sym), k.external(sym)
		k.mustImport(a, m)
		k.mustImport(b, m)
		_, err := k.decrypt(b, k.mustEncrypt(a, []byte("x")))
		return outcome(err)
	}},
	mutant.AllowSecondPendingMaterial: {profile.P2025, func(k *kmsTest) string {
		id, _, _, _ := k.withPending()
		_, err := k.importMaterial(id, newMaterial(k.t, sym), newType)
		return outcome(err)
	}},
	mutant.RotateWithoutPending: {profile.P2025, func(k *kmsTest) string {
		id, _ := k.imported(sym)
		return outcome(k.rotate(id))
	}},
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
			clean := s.observe(newKMS(t, s.profile))
			faulty := s.observe(newKMS(t, s.profile, string(m.Name)))
			if clean == faulty {
				t.Fatalf("the mutant changes nothing: both came to %q", clean)
			}
			t.Logf("clean: %s; %s: %s (breaks %v)", clean, m.Name, faulty, m.Rules)
		})
	}
}

func TestUnknownMutant(t *testing.T) {
	if _, err := reference.New(reference.Options{Mutants: []string{"no-such-fault"}, WrappingKeys: &testKeyCycle{}}); err == nil {
		t.Fatal("New accepted an unknown mutant")
	}
}
