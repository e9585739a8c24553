package importkm

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/kmsconform/kmsconform/fixtures/material"
	"github.com/kmsconform/kmsconform/harness/profile"
	"github.com/kmsconform/kmsconform/suites/conform"
)

// delBodyRecorder keeps the raw body of the response to one call, for the
// rule about what DeleteImportedKeyMaterial returned before 2025 (IMP-084):
// the SDK drops members it does not model, so only the body shows them.
type delBodyRecorder struct {
	next kms.HTTPClient
	body []byte
}

func (r *delBodyRecorder) Do(req *http.Request) (*http.Response, error) {
	resp, err := r.next.Do(req)
	if err != nil || resp == nil || resp.Body == nil {
		return resp, err
	}
	b, rerr := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	r.body = b
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return resp, rerr
}

// delMustImportNewMaterial imports fresh material into a symmetric key that
// already has material with ImportType=NEW_KEY_MATERIAL (2025 profile), so
// that the key holds a material in PENDING_ROTATION besides its current one.
func delMustImportNewMaterial(ctx context.Context, c *kms.Client, id string) {
	GinkgoHelper()
	alg := types.AlgorithmSpecRsaesOaepSha256
	params := mustGetParameters(ctx, c, id, alg, types.WrappingKeySpecRsa2048)
	blob := mustWrap(params, alg, mustNewMaterial(types.KeySpecSymmetricDefault).Bytes)
	By("importing new material (ImportType=NEW_KEY_MATERIAL), which waits for rotation")
	in := importRequest(id, params.ImportToken, blob, doesNotExpire)
	in.ImportType = types.ImportTypeNewKeyMaterial
	_, err := c.ImportKeyMaterial(ctx, in)
	Expect(err).NotTo(HaveOccurred(), "ImportKeyMaterial NEW_KEY_MATERIAL into %s", id)
}

var _ = Describe("Deleting imported key material", func() {
	conform.It("IMP-084", "accepts DeleteImportedKeyMaterial with KeyId only and answers with no members", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		k := ksMustImportedKey(ctx, c, types.KeySpecSymmetricDefault)
		rec := &delBodyRecorder{}
		By("deleting the material with a request that has only KeyId")
		_, err := c.DeleteImportedKeyMaterial(ctx, &kms.DeleteImportedKeyMaterialInput{KeyId: aws.String(k.id)}, func(o *kms.Options) {
			rec.next, o.HTTPClient = o.HTTPClient, rec
		})
		r.ExpectSuccess(err)
		if len(bytes.TrimSpace(rec.body)) > 0 {
			var members map[string]json.RawMessage
			Expect(json.Unmarshal(rec.body, &members)).To(Succeed(), "IMP-084: the DeleteImportedKeyMaterial response body is not a JSON object: %q", rec.body)
			Expect(members).To(BeEmpty(), "IMP-084: the DeleteImportedKeyMaterial response has members, which this profile's API does not define: %s", rec.body)
		}
	})

	conform.It("IMP-085", "deletes the current material when DeleteImportedKeyMaterial names no KeyMaterialId", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		k := ksMustImportedKey(ctx, c, types.KeySpecSymmetricDefault)
		pt := ksPlaintext("IMP-085")
		ct := ksMustEncrypt(ctx, c, k.id, pt)
		if conform.Profile().AtLeast(profile.P2025) {
			// With a second material pending rotation, deleting the wrong one
			// would leave the key Enabled (IMP-087): only deleting the current
			// material makes it PendingImport.
			delMustImportNewMaterial(ctx, c, k.id)
			Expect(mustDescribe(ctx, c, k.id)).To(conform.HaveKeyState(types.KeyStateEnabled), "setting up a key with a material pending rotation")
		}
		_, err := ksDeleteMaterial(ctx, c, k.id)
		r.ExpectSuccess(err)
		Expect(mustDescribe(ctx, c, k.id)).To(conform.HaveKeyState(types.KeyStatePendingImport), "IMP-085: the key is not PendingImport after its current material was deleted")

		By("checking that the key no longer encrypts or decrypts")
		_, err = c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(k.id), Plaintext: pt})
		Expect(err).To(conform.BeKMSClientError(), "IMP-085: Encrypt after the current material was deleted was not refused")
		_, err = c.Decrypt(ctx, &kms.DecryptInput{KeyId: aws.String(k.id), CiphertextBlob: ct})
		Expect(err).To(conform.BeKMSClientError(), "IMP-085: Decrypt of a ciphertext of the deleted material was not refused")
	})

	conform.DescribeTable("the key state after DeleteImportedKeyMaterial",
		func(ctx SpecContext, cs conform.Case, state types.KeyState) {
			c := conform.Client()
			k := ksSymmetricKeyIn(ctx, c, state)
			_, err := ksDeleteMaterial(ctx, c, k.id)
			cs.ExpectSuccess(err)
			want := types.KeyStatePendingImport
			if state == types.KeyStatePendingDeletion {
				want = types.KeyStatePendingDeletion
			}
			meta := mustDescribe(ctx, c, k.id)
			Expect(meta).To(conform.HaveKeyState(want), "IMP-086: after deleting the material of a key in %s", state)
			Expect(meta.Enabled).To(BeFalse(), "IMP-086: DescribeKey reports Enabled=true for a key without material")
		},
		ksEntries("IMP-086", func(s string) string {
			return "deleting the material of a key in " + s + " leaves it in the documented state"
		}, ksStateParams("Enabled", "Disabled", "PendingDeletion"))...,
	)

	conform.It("IMP-088", "rejects DeleteImportedKeyMaterial on a key whose Origin is AWS_KMS", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		key := mustCreateAWSKMSKey(ctx, c, types.KeySpecSymmetricDefault)
		id := aws.ToString(key.KeyId)
		before := conform.SnapshotKey(ctx, c, id)
		_, err := ksDeleteMaterial(ctx, c, id)
		r.ExpectError(err)
		conform.ExpectKeyUnchanged(ctx, before)
	})

	conform.It("IMP-090", "makes the key unusable after deletion and usable again, old ciphertext included, after reimport", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		k := ksMustImportedKey(ctx, c, types.KeySpecSymmetricDefault)
		pt := ksPlaintext("IMP-090")
		ct := ksMustEncrypt(ctx, c, k.id, pt)
		ksMustDeleteMaterial(ctx, c, k.id)

		By("checking that the key and its metadata remain")
		meta := mustDescribe(ctx, c, k.id)
		Expect(aws.ToString(meta.Arn)).To(Equal(k.arn), "IMP-090: the key's ARN changed when its material was deleted")
		Expect(meta.Origin).To(Equal(types.OriginTypeExternal), "IMP-090: the key's Origin changed when its material was deleted")
		Expect(meta.KeySpec).To(Equal(types.KeySpecSymmetricDefault), "IMP-090: the key's KeySpec changed when its material was deleted")

		before := conform.SnapshotKey(ctx, c, k.id)
		By("encrypting with the key whose material was deleted")
		_, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(k.id), Plaintext: pt})
		r.Case("Encrypt-after-delete").ExpectError(err)
		conform.ExpectKeyUnchanged(ctx, before)

		err = ksImportMaterial(ctx, c, k.id, k.m, doesNotExpire)
		r.Case("reimport-restores").ExpectSuccess(err)
		Expect(mustDescribe(ctx, c, k.id)).To(conform.HaveKeyState(types.KeyStateEnabled), "IMP-090: the reimport did not enable the key")
		ksExpectDecrypts(ctx, c, "IMP-090", k, ct, pt)
	})

	conform.It("IMP-091", "drops ExpirationModel and ValidTo from DescribeKey once the material is deleted", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		k := ksMustNewExternalKey(ctx, c, types.KeySpecSymmetricDefault)
		validTo := ksValidTo(30 * 24 * time.Hour)
		k.m = mustNewMaterial(types.KeySpecSymmetricDefault)
		ksMustImportMaterial(ctx, c, k.id, k.m, expiresAt(validTo))
		meta := mustDescribe(ctx, c, k.id)
		Expect(meta.ExpirationModel).To(Equal(types.ExpirationModelTypeKeyMaterialExpires), "setting up expiring material: DescribeKey shows no ExpirationModel")
		Expect(meta.ValidTo).NotTo(BeNil(), "setting up expiring material: DescribeKey shows no ValidTo")

		ksMustDeleteMaterial(ctx, c, k.id)
		By("describing the key after the deletion")
		out, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(k.id)})
		r.Case("expiration-fields-absent").ExpectSuccess(err)
		Expect(out.KeyMetadata.ExpirationModel).To(BeEmpty(), "IMP-091: DescribeKey still shows ExpirationModel after the material was deleted")
		Expect(out.KeyMetadata.ValidTo).To(BeNil(), "IMP-091: DescribeKey still shows ValidTo after the material was deleted")
	})

	conform.ItCase("IMP-091", "current-key-material-id-kept", "keeps CurrentKeyMaterialId in DescribeKey once the material is deleted", func(ctx SpecContext, cs conform.Case) {
		c := conform.Client()
		k := ksMustImportedKey(ctx, c, types.KeySpecSymmetricDefault)
		current := aws.ToString(mustDescribe(ctx, c, k.id).CurrentKeyMaterialId)
		Expect(current).NotTo(BeEmpty(), "setting up: DescribeKey of a symmetric EXTERNAL key with material shows no CurrentKeyMaterialId")

		ksMustDeleteMaterial(ctx, c, k.id)
		By("describing the key after the deletion")
		out, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(k.id)})
		cs.ExpectSuccess(err)
		Expect(aws.ToString(out.KeyMetadata.CurrentKeyMaterialId)).To(Equal(current), "IMP-091: CurrentKeyMaterialId is gone or changed after the material was deleted")
	})

	conform.It("IMP-128", "deletes the material of a key pending deletion and keeps it pending deletion", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		k := ksMustImportedKey(ctx, c, types.KeySpecSymmetricDefault)
		pt := ksPlaintext("IMP-128")
		ct := ksMustEncrypt(ctx, c, k.id, pt)
		ksMustEnterState(ctx, c, k.id, types.KeyStatePendingDeletion)

		_, err := ksDeleteMaterial(ctx, c, k.id)
		r.ExpectSuccess(err)
		Expect(mustDescribe(ctx, c, k.id)).To(conform.HaveKeyState(types.KeyStatePendingDeletion), "IMP-128: deleting the material changed the state of a key pending deletion")

		// A key pending deletion refuses every cryptographic operation, so
		// the deletion shows only once deletion is cancelled: with its
		// material the key could be enabled and would decrypt again.
		By("cancelling the key's deletion and trying to use it")
		_, err = c.CancelKeyDeletion(ctx, &kms.CancelKeyDeletionInput{KeyId: aws.String(k.id)})
		Expect(err).NotTo(HaveOccurred(), "IMP-128: CancelKeyDeletion")
		_, _ = c.EnableKey(ctx, &kms.EnableKeyInput{KeyId: aws.String(k.id)})
		_, err = c.Decrypt(ctx, &kms.DecryptInput{KeyId: aws.String(k.id), CiphertextBlob: ct})
		Expect(err).To(conform.BeKMSClientError(), "IMP-128: the key still decrypts after DeleteImportedKeyMaterial: its material was not deleted")

		By("reimporting the material to show the key itself is intact")
		ksMustImportMaterial(ctx, c, k.id, k.m, doesNotExpire)
		meta := mustDescribe(ctx, c, k.id)
		if meta.KeyState == types.KeyStateDisabled {
			_, err = c.EnableKey(ctx, &kms.EnableKeyInput{KeyId: aws.String(k.id)})
			Expect(err).NotTo(HaveOccurred(), "EnableKey after the reimport")
		}
		ksExpectDecrypts(ctx, c, "IMP-128", k, ct, pt)
	})

	conform.It("IMP-129", "restores ciphertext made before the deletion when the same material is reimported", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		k := ksMustImportedKey(ctx, c, types.KeySpecSymmetricDefault)
		pt := ksPlaintext("IMP-129")
		ct := ksMustEncrypt(ctx, c, k.id, pt)
		ksMustDeleteMaterial(ctx, c, k.id)
		Expect(mustDescribe(ctx, c, k.id)).To(conform.HaveKeyState(types.KeyStatePendingImport), "setting up: the key is not PendingImport after the deletion")

		By("reimporting the same material with another wrapping algorithm and expiration")
		alg := types.AlgorithmSpecRsaesOaepSha1
		params := mustGetParameters(ctx, c, k.id, alg, types.WrappingKeySpecRsa2048)
		err := importWrapped(ctx, c, k.id, params.ImportToken, mustWrap(params, alg, k.m.Bytes), expiresAt(ksValidTo(7*24*time.Hour)))
		Expect(err).NotTo(HaveOccurred(), "IMP-129: reimporting the deleted material")

		By("decrypting the ciphertext made before the deletion")
		out, err := c.Decrypt(ctx, &kms.DecryptInput{KeyId: aws.String(k.id), CiphertextBlob: ct})
		r.Case("material-deletion-reversible").ExpectSuccess(err)
		Expect(out.Plaintext).To(Equal(pt), "IMP-129: the ciphertext made before the deletion decrypts to other bytes")
		Expect(aws.ToString(out.KeyId)).To(Equal(k.arn), "IMP-129: Decrypt names another key")
	})

	conform.ItCase("IMP-129", "asymmetric-material-into-new-key", "imports the private key of an asymmetric EXTERNAL key into a new key with the same public key", func(ctx SpecContext, cs conform.Case) {
		c := conform.Client()
		old := ksMustImportedKey(ctx, c, types.KeySpecEccNistP256)
		ksMustEnterState(ctx, c, old.id, types.KeyStatePendingDeletion)

		fresh := ksMustNewExternalKey(ctx, c, types.KeySpecEccNistP256)
		Expect(fresh.id).NotTo(Equal(old.id), "IMP-129: the new key has the old key's id")
		By("importing the old key's private key into the new key")
		err := ksImportMaterial(ctx, c, fresh.id, old.m, doesNotExpire)
		cs.ExpectSuccess(err)
		Expect(mustDescribe(ctx, c, fresh.id)).To(conform.HaveKeyState(types.KeyStateEnabled), "IMP-129: the new key is not Enabled after the import")

		By("checking the new key's public key and a signature against the material, locally")
		pub, err := c.GetPublicKey(ctx, &kms.GetPublicKeyInput{KeyId: aws.String(fresh.id)})
		Expect(err).NotTo(HaveOccurred(), "GetPublicKey of the new key")
		Expect(pub.PublicKey).To(Equal(old.m.PublicKeyDER), "IMP-129: the new key's public key is not the public half of the imported private key")
		sig, err := c.Sign(ctx, &kms.SignInput{KeyId: aws.String(fresh.id), Message: ksDigest, MessageType: types.MessageTypeDigest, SigningAlgorithm: types.SigningAlgorithmSpecEcdsaSha256})
		Expect(err).NotTo(HaveOccurred(), "Sign with the new key")
		Expect(material.VerifySignature(old.m.PublicKeyDER, types.SigningAlgorithmSpecEcdsaSha256, ksDigest, sig.Signature)).To(Succeed(), "IMP-129: the new key's signature does not verify under the imported key's public key")
	})
})
