package reference_test

import (
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsconform/kmsconform/fixtures/material"
)

func (k *kmsTest) reEncrypt(in *kms.ReEncryptInput) (*kms.ReEncryptOutput, error) {
	return k.c.ReEncrypt(k.ctx, in)
}

// TestReEncryptRules: ReEncrypt refuses a source or destination key in
// PendingImport, and otherwise really re-encrypts.
func TestReEncryptRules(t *testing.T) {
	runRules(t, []ruleTest{
		{"IMP-123", "ReEncrypt with a source key in PendingImport", all, func(k *kmsTest) {
			src, _ := k.imported(sym)
			ct := k.mustEncrypt(src, []byte("x"))
			k.deleteMaterial(src)
			dst, _ := k.imported(sym)
			_, err := k.reEncrypt(&kms.ReEncryptInput{CiphertextBlob: ct, DestinationKeyId: &dst})
			wantCode(k.t, err, "KMSInvalidStateException")
			if want := k.arn(src) + " is pending import."; errorMessage(err) != want {
				k.t.Fatalf("message %q, want %q", errorMessage(err), want)
			}
		}},
		{"IMP-123", "ReEncrypt with a destination key in PendingImport", all, func(k *kmsTest) {
			src, _ := k.imported(sym)
			ct := k.mustEncrypt(src, []byte("x"))
			dst := k.external(sym)
			_, err := k.reEncrypt(&kms.ReEncryptInput{CiphertextBlob: ct, SourceKeyId: &src, DestinationKeyId: &dst})
			wantCode(k.t, err, "KMSInvalidStateException")
			if want := k.arn(dst) + " is pending import."; errorMessage(err) != want {
				k.t.Fatalf("message %q, want %q", errorMessage(err), want)
			}
			k.wantState(dst, types.KeyStatePendingImport)
		}},
		{"IMP-122", "ReEncrypt with a Disabled key", all, func(k *kmsTest) {
			src, _ := k.imported(sym)
			dst, _ := k.imported(sym)
			ct := k.mustEncrypt(src, []byte("x"))
			k.disable(dst)
			_, err := k.reEncrypt(&kms.ReEncryptInput{CiphertextBlob: ct, DestinationKeyId: &dst})
			wantCode(k.t, err, "DisabledException")
		}},
		{"IMP-139", "ReEncrypt of a ciphertext named with another key of the same material", all, func(k *kmsTest) {
			m := newMaterial(k.t, sym)
			a, b := k.external(sym), k.external(sym)
			k.mustImport(a, m)
			k.mustImport(b, m)
			_, err := k.reEncrypt(&kms.ReEncryptInput{CiphertextBlob: k.mustEncrypt(a, []byte("x")), SourceKeyId: &b, DestinationKeyId: &b})
			wantCode(k.t, err, "IncorrectKeyException")
		}},
		{"IMP-064", "ReEncrypt between imported symmetric keys", all, func(k *kmsTest) {
			src, _ := k.imported(sym)
			dst, _ := k.imported(sym)
			k.createAlias("alias/destination", dst)
			srcContext, dstContext := map[string]string{"purpose": "source"}, map[string]string{"purpose": "destination"}
			out, err := k.c.Encrypt(k.ctx, &kms.EncryptInput{KeyId: &src, Plaintext: []byte("moved"), EncryptionContext: srcContext})
			wantOK(k.t, err)

			_, err = k.reEncrypt(&kms.ReEncryptInput{CiphertextBlob: out.CiphertextBlob, DestinationKeyId: &dst})
			wantCode(k.t, err, "InvalidCiphertextException") // the source context is missing

			re, err := k.reEncrypt(&kms.ReEncryptInput{
				CiphertextBlob: out.CiphertextBlob, SourceEncryptionContext: srcContext,
				DestinationKeyId: aws.String("alias/destination"), DestinationEncryptionContext: dstContext,
			})
			wantOK(k.t, err)
			if *re.SourceKeyId != k.arn(src) || *re.KeyId != k.arn(dst) || re.SourceEncryptionAlgorithm != types.EncryptionAlgorithmSpecSymmetricDefault || re.DestinationEncryptionAlgorithm != types.EncryptionAlgorithmSpecSymmetricDefault {
				k.t.Fatalf("response %+v", re)
			}
			if k.profile == "2025" && (re.SourceKeyMaterialId == nil || *re.DestinationKeyMaterialId != *k.describe(dst).CurrentKeyMaterialId) {
				k.t.Fatalf("key material IDs %v %v", re.SourceKeyMaterialId, re.DestinationKeyMaterialId)
			}
			dec, err := k.c.Decrypt(k.ctx, &kms.DecryptInput{CiphertextBlob: re.CiphertextBlob, EncryptionContext: dstContext})
			wantOK(k.t, err)
			if string(dec.Plaintext) != "moved" || *dec.KeyId != k.arn(dst) {
				k.t.Fatalf("Decrypt of the new ciphertext: %q under %s", dec.Plaintext, *dec.KeyId)
			}
			_, err = k.reEncrypt(&kms.ReEncryptInput{CiphertextBlob: out.CiphertextBlob, SourceEncryptionContext: srcContext, DestinationKeyId: &dst, DryRun: aws.Bool(true)})
			wantCode(k.t, err, "DryRunOperationException")
		}},
		{"IMP-064", "GenerateDataKeyWithoutPlaintext under an imported key", all, func(k *kmsTest) {
			id, _ := k.imported(sym)
			out, err := k.c.GenerateDataKeyWithoutPlaintext(k.ctx, &kms.GenerateDataKeyWithoutPlaintextInput{KeyId: &id, NumberOfBytes: aws.Int32(24)})
			wantOK(k.t, err)
			if *out.KeyId != k.arn(id) || (k.profile == "2025") != (out.KeyMaterialId != nil) {
				k.t.Fatalf("response %+v", out)
			}
			plain, err := k.decrypt(id, out.CiphertextBlob)
			if err != nil || len(plain) != 24 {
				k.t.Fatalf("the data key decrypts to %d bytes, %v", len(plain), err)
			}
		}},
		{"IMP-064", "ReEncrypt from and to an imported RSA key", since2023, func(k *kmsTest) {
			rsaID := k.createKey(&kms.CreateKeyInput{KeySpec: types.KeySpecRsa2048, KeyUsage: types.KeyUsageTypeEncryptDecrypt, Origin: types.OriginTypeExternal})
			m := newMaterial(k.t, types.KeySpecRsa2048)
			k.mustImport(rsaID, m)
			symID, _ := k.imported(sym)
			oaep := types.EncryptionAlgorithmSpecRsaesOaepSha256

			ct := k.b(material.EncryptRSA(m.PublicKeyDER, oaep, []byte("from rsa")))
			_, err := k.reEncrypt(&kms.ReEncryptInput{CiphertextBlob: ct, DestinationKeyId: &symID})
			wantCode(k.t, err, "InvalidCiphertextException") // an RSA ciphertext names no key
			re, err := k.reEncrypt(&kms.ReEncryptInput{CiphertextBlob: ct, SourceKeyId: &rsaID, SourceEncryptionAlgorithm: oaep, DestinationKeyId: &symID})
			wantOK(k.t, err)
			k.mustDecrypt(symID, re.CiphertextBlob, "from rsa")

			back, err := k.reEncrypt(&kms.ReEncryptInput{CiphertextBlob: re.CiphertextBlob, DestinationKeyId: &rsaID, DestinationEncryptionAlgorithm: oaep})
			wantOK(k.t, err)
			if pt, err := k.keyOf(m).DecryptRSA(oaep, back.CiphertextBlob); err != nil || string(pt) != "from rsa" {
				k.t.Fatalf("the imported private key does not decrypt the re-encrypted ciphertext: %q %v", pt, err)
			}
			_, err = k.reEncrypt(&kms.ReEncryptInput{CiphertextBlob: re.CiphertextBlob, DestinationKeyId: &rsaID})
			wantCode(k.t, err, "InvalidKeyUsageException") // SYMMETRIC_DEFAULT with an RSA key
		}},
	})
}

// keyAgreementKey creates an EXTERNAL ECC_NIST_P256 KEY_AGREEMENT key.
func (k *kmsTest) keyAgreementKey() string {
	k.t.Helper()
	return k.createKey(&kms.CreateKeyInput{KeySpec: types.KeySpecEccNistP256, KeyUsage: types.KeyUsageTypeKeyAgreement, Origin: types.OriginTypeExternal})
}

// peer is the other party of a key agreement: a P-256 key pair.
func peer(t *testing.T) (*ecdh.PrivateKey, []byte) {
	t.Helper()
	priv, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(priv.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	return priv, der
}

func (k *kmsTest) deriveSharedSecret(keyID string, publicKey []byte) (*kms.DeriveSharedSecretOutput, error) {
	return k.c.DeriveSharedSecret(k.ctx, &kms.DeriveSharedSecretInput{KeyId: &keyID, KeyAgreementAlgorithm: types.KeyAgreementAlgorithmSpecEcdh, PublicKey: publicKey})
}

// TestKeyAgreementRules: DeriveSharedSecret with imported ECC
// KEY_AGREEMENT keys.
func TestKeyAgreementRules(t *testing.T) {
	runRules(t, []ruleTest{
		{"IMP-123", "DeriveSharedSecret in PendingImport", only2025, func(k *kmsTest) {
			id := k.keyAgreementKey()
			_, der := peer(k.t)
			_, err := k.deriveSharedSecret(id, der)
			wantCode(k.t, err, "KMSInvalidStateException")
			if want := k.arn(id) + " is pending import."; errorMessage(err) != want {
				k.t.Fatalf("message %q, want %q", errorMessage(err), want)
			}
		}},
		{"IMP-009", "an imported KEY_AGREEMENT key derives the ECDH secret of its private key", since2023, func(k *kmsTest) {
			id := k.keyAgreementKey()
			m := newMaterial(k.t, types.KeySpecEccNistP256)
			k.mustImport(id, m)
			if md := k.describe(id); len(md.KeyAgreementAlgorithms) != 1 || md.KeyAgreementAlgorithms[0] != types.KeyAgreementAlgorithmSpecEcdh {
				k.t.Fatalf("KeyAgreementAlgorithms %v", md.KeyAgreementAlgorithms)
			}
			peerKey, der := peer(k.t)
			out, err := k.deriveSharedSecret(id, der)
			wantOK(k.t, err)
			mine, err := k.keyOf(m).Private.(*ecdsa.PrivateKey).PublicKey.ECDH()
			if err != nil {
				k.t.Fatal(err)
			}
			want, err := peerKey.ECDH(mine)
			if err != nil {
				k.t.Fatal(err)
			}
			if string(out.SharedSecret) != string(want) || *out.KeyId != k.arn(id) || out.KeyOrigin != types.OriginTypeExternal || out.KeyAgreementAlgorithm != types.KeyAgreementAlgorithmSpecEcdh {
				k.t.Fatalf("response %+v; the secret is not the ECDH of the imported private key", out)
			}

			p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
			if err != nil {
				k.t.Fatal(err)
			}
			for _, bad := range [][]byte{k.b(x509.MarshalPKIXPublicKey(&p384.PublicKey)), []byte("not a public key")} {
				_, err = k.deriveSharedSecret(id, bad)
				wantCode(k.t, err, "ValidationException")
			}
			_, err = k.c.DeriveSharedSecret(k.ctx, &kms.DeriveSharedSecretInput{KeyId: &id, KeyAgreementAlgorithm: types.KeyAgreementAlgorithmSpecEcdh, PublicKey: der,
				Recipient: &types.RecipientInfo{KeyEncryptionAlgorithm: types.KeyEncryptionMechanismRsaesOaepSha256, AttestationDocument: []byte("document")}})
			wantCode(k.t, err, "UnsupportedOperationException")
			_, err = k.c.DeriveSharedSecret(k.ctx, &kms.DeriveSharedSecretInput{KeyId: &id, KeyAgreementAlgorithm: "DH", PublicKey: der})
			wantCode(k.t, err, "ValidationException")
			_, err = k.c.DeriveSharedSecret(k.ctx, &kms.DeriveSharedSecretInput{KeyId: &id, KeyAgreementAlgorithm: types.KeyAgreementAlgorithmSpecEcdh, PublicKey: der, DryRun: aws.Bool(true)})
			wantCode(k.t, err, "DryRunOperationException")

			signing, _ := k.imported(types.KeySpecEccNistP256)
			_, err = k.deriveSharedSecret(signing, der)
			wantCode(k.t, err, "InvalidKeyUsageException")
			k.disable(id)
			_, err = k.deriveSharedSecret(id, der)
			wantCode(k.t, err, "DisabledException")
		}},
		{"IMP-009", "no DeriveSharedSecret before KEY_AGREEMENT (legacy)", only2022, func(k *kmsTest) {
			_, der := peer(k.t)
			_, err := k.deriveSharedSecret("1234abcd-12ab-34cd-56ef-1234567890ab", der)
			wantCode(k.t, err, "UnknownOperationException")
		}},
	})
}
