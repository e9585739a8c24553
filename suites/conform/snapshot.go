package conform

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega"

	"github.com/kmsconform/kmsconform/fixtures/material"
)

// KeySnapshot is what a key looked like before a call that must be rejected:
// its metadata and, when the key is usable, a canary made with it (a
// ciphertext, a MAC or a signature) that must still check out afterwards. A
// rejected call must leave a key exactly as it was, in state and in use.
type KeySnapshot struct {
	client *kms.Client
	keyID  string
	meta   types.KeyMetadata
	canary canary
}

type canary struct {
	plaintext  []byte
	ciphertext []byte                        // Encrypt, symmetric or RSA ENCRYPT_DECRYPT
	encAlg     types.EncryptionAlgorithmSpec // the algorithm of ciphertext
	mac        []byte                        // GenerateMac
	macAlg     types.MacAlgorithmSpec
	publicKey  []byte // GetPublicKey, asymmetric keys
	// signAlg is the algorithm a SIGN_VERIFY key signs the canary with
	// afterwards: its signature must verify under publicKey. Comparing
	// public keys alone would miss a target that swapped the private key
	// but still serves the cached public one.
	signAlg types.SigningAlgorithmSpec
}

var canaryPlaintext = []byte("kmsconform canary: a rejected call must leave the key as it was")

// SnapshotKey records key keyID's metadata and, if the key is Enabled, a
// canary made with it. Any failure here is the target's failure to serve a
// working key, and fails the spec.
func SnapshotKey(ctx context.Context, c *kms.Client, keyID string) KeySnapshot {
	ginkgo.GinkgoHelper()
	desc, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(keyID)})
	gomega.Expect(err).NotTo(gomega.HaveOccurred(), "DescribeKey %s before the call under test", keyID)
	s := KeySnapshot{client: c, keyID: keyID, meta: *desc.KeyMetadata}
	if s.meta.KeyState != types.KeyStateEnabled {
		return s
	}
	s.canary.plaintext = canaryPlaintext
	switch s.meta.KeyUsage {
	case types.KeyUsageTypeEncryptDecrypt:
		s.canary.encAlg = types.EncryptionAlgorithmSpecSymmetricDefault
		if s.meta.KeySpec != types.KeySpecSymmetricDefault {
			s.canary.encAlg = types.EncryptionAlgorithmSpecRsaesOaepSha256
		}
		out, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(keyID), Plaintext: s.canary.plaintext, EncryptionAlgorithm: s.canary.encAlg})
		gomega.Expect(err).NotTo(gomega.HaveOccurred(), "Encrypt a canary with the Enabled key %s before the call under test", keyID)
		s.canary.ciphertext = out.CiphertextBlob
	case types.KeyUsageTypeGenerateVerifyMac:
		gomega.Expect(s.meta.MacAlgorithms).NotTo(gomega.BeEmpty(), "DescribeKey of HMAC key %s lists no MacAlgorithms", keyID)
		s.canary.macAlg = s.meta.MacAlgorithms[0]
		out, err := c.GenerateMac(ctx, &kms.GenerateMacInput{KeyId: aws.String(keyID), Message: s.canary.plaintext, MacAlgorithm: s.canary.macAlg})
		gomega.Expect(err).NotTo(gomega.HaveOccurred(), "GenerateMac of a canary with the Enabled key %s before the call under test", keyID)
		s.canary.mac = out.Mac
	case types.KeyUsageTypeSignVerify:
		gomega.Expect(s.meta.SigningAlgorithms).NotTo(gomega.BeEmpty(), "DescribeKey of signing key %s lists no SigningAlgorithms", keyID)
		s.canary.signAlg = canarySigningAlgorithm(s.meta.SigningAlgorithms)
	}
	if s.meta.KeySpec != types.KeySpecSymmetricDefault && s.meta.KeyUsage != types.KeyUsageTypeGenerateVerifyMac {
		out, err := c.GetPublicKey(ctx, &kms.GetPublicKeyInput{KeyId: aws.String(keyID)})
		gomega.Expect(err).NotTo(gomega.HaveOccurred(), "GetPublicKey of the Enabled key %s before the call under test", keyID)
		s.canary.publicKey = out.PublicKey
	}
	if s.canary.signAlg != "" {
		// Checked before the call too, so that a signature that never
		// verified is not blamed on the call under test.
		gomega.Expect(canarySignature(ctx, c, keyID, s.canary)).To(gomega.Succeed(), "before the call under test, a %s signature by the Enabled key %s does not verify under its own public key", s.canary.signAlg, keyID)
	}
	return s
}

// canarySigningAlgorithm prefers an algorithm with a single encoding
// (PKCS#1 v1.5, ECDSA, Ed25519) over RSASSA-PSS, whose salt length is a
// separate rule of its own, so the canary tests only that the key is the same.
func canarySigningAlgorithm(algs []types.SigningAlgorithmSpec) types.SigningAlgorithmSpec {
	for _, a := range algs {
		if !strings.HasPrefix(string(a), "RSASSA_PSS_") {
			return a
		}
	}
	return algs[0]
}

// canarySignature has the key sign the canary and verifies the signature
// locally under the public key recorded in k.
func canarySignature(ctx context.Context, c *kms.Client, keyID string, k canary) error {
	input, mt := material.SigningInput(k.signAlg, k.plaintext)
	out, err := c.Sign(ctx, &kms.SignInput{KeyId: aws.String(keyID), Message: input, MessageType: mt, SigningAlgorithm: k.signAlg})
	if err != nil {
		return fmt.Errorf("the Sign call failed: %w", err)
	}
	return material.VerifySignature(k.publicKey, k.signAlg, input, out.Signature)
}

// ExpectKeyUnchanged asserts that the key is as SnapshotKey found it: the
// same state and expiration metadata, and the canary still decrypts, verifies
// or matches. Use it after every call that must be rejected.
func ExpectKeyUnchanged(ctx context.Context, before KeySnapshot) {
	ginkgo.GinkgoHelper()
	c, id := before.client, before.keyID
	desc, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(id)})
	gomega.Expect(err).NotTo(gomega.HaveOccurred(), "DescribeKey %s after the rejected call", id)
	after := *desc.KeyMetadata
	gomega.Expect(after.KeyState).To(gomega.Equal(before.meta.KeyState), "a rejected call changed the key state of %s", id)
	gomega.Expect(after.Enabled).To(gomega.Equal(before.meta.Enabled), "a rejected call changed Enabled of %s", id)
	gomega.Expect(after.ExpirationModel).To(gomega.Equal(before.meta.ExpirationModel), "a rejected call changed the ExpirationModel of %s", id)
	gomega.Expect(timeOf(after.ValidTo)).To(gomega.BeTemporally("==", timeOf(before.meta.ValidTo)), "a rejected call changed the ValidTo of %s", id)
	gomega.Expect(aws.ToString(after.CurrentKeyMaterialId)).To(gomega.Equal(aws.ToString(before.meta.CurrentKeyMaterialId)), "a rejected call changed the CurrentKeyMaterialId of %s", id)
	gomega.Expect(after.Origin).To(gomega.Equal(before.meta.Origin), "a rejected call changed the Origin of %s", id)

	k := before.canary
	if k.ciphertext != nil {
		out, err := c.Decrypt(ctx, &kms.DecryptInput{KeyId: aws.String(id), CiphertextBlob: k.ciphertext, EncryptionAlgorithm: k.encAlg})
		gomega.Expect(err).NotTo(gomega.HaveOccurred(), "after the rejected call, key %s no longer decrypts the canary it encrypted before", id)
		gomega.Expect(out.Plaintext).To(gomega.Equal(k.plaintext), "after the rejected call, key %s decrypts the canary to different bytes", id)
	}
	if k.mac != nil {
		out, err := c.GenerateMac(ctx, &kms.GenerateMacInput{KeyId: aws.String(id), Message: k.plaintext, MacAlgorithm: k.macAlg})
		gomega.Expect(err).NotTo(gomega.HaveOccurred(), "after the rejected call, GenerateMac with key %s fails", id)
		gomega.Expect(out.Mac).To(gomega.Equal(k.mac), "after the rejected call, key %s computes a different MAC: its material changed", id)
	}
	if k.publicKey != nil {
		out, err := c.GetPublicKey(ctx, &kms.GetPublicKeyInput{KeyId: aws.String(id)})
		gomega.Expect(err).NotTo(gomega.HaveOccurred(), "after the rejected call, GetPublicKey of key %s fails", id)
		gomega.Expect(bytes.Equal(out.PublicKey, k.publicKey)).To(gomega.BeTrue(), "after the rejected call, key %s has a different public key (sha256 %x, was %x)", id, sha256.Sum256(out.PublicKey), sha256.Sum256(k.publicKey))
	}
	if k.signAlg != "" {
		gomega.Expect(canarySignature(ctx, c, id, k)).To(gomega.Succeed(), "after the rejected call, a %s signature by key %s does not verify under the public key it had before: its private key changed", k.signAlg, id)
	}
}

func timeOf(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}
