package reference_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"hash"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsconform/kmsconform/fixtures/material"
)

func digestFor(alg types.SigningAlgorithmSpec, msg []byte) []byte {
	var h hash.Hash = sha256.New()
	switch {
	case strings.HasSuffix(string(alg), "_384"):
		h = sha512.New384()
	case strings.HasSuffix(string(alg), "_512"):
		h = sha512.New()
	}
	h.Write(msg)
	return h.Sum(nil)
}

func TestCryptoRules(t *testing.T) {
	runRules(t, []ruleTest{
		{"IMP-139", "two keys with the same material do not decrypt each other's ciphertext", all, func(k *kmsTest) {
			m := newMaterial(k.t, sym)
			a, b := k.external(sym), k.external(sym)
			k.mustImport(a, m)
			k.mustImport(b, m)
			ct := k.mustEncrypt(a, []byte("for a"))
			_, err := k.decrypt(b, ct)
			wantCode(k.t, err, "IncorrectKeyException")
			out, err := k.c.Decrypt(k.ctx, &kms.DecryptInput{CiphertextBlob: ct})
			wantOK(k.t, err)
			if *out.KeyId != k.arn(a) || string(out.Plaintext) != "for a" {
				k.t.Fatalf("Decrypt without KeyId: %s %q", *out.KeyId, out.Plaintext)
			}
		}},
		{"IMP-064", "symmetric encryption: context, tampering, data keys", all, func(k *kmsTest) {
			id, _ := k.imported(sym)
			ctx := map[string]string{"purpose": "test"}
			out, err := k.c.Encrypt(k.ctx, &kms.EncryptInput{KeyId: &id, Plaintext: []byte("p"), EncryptionContext: ctx})
			wantOK(k.t, err)
			_, err = k.c.Decrypt(k.ctx, &kms.DecryptInput{CiphertextBlob: out.CiphertextBlob})
			wantCode(k.t, err, "InvalidCiphertextException")
			dec, err := k.c.Decrypt(k.ctx, &kms.DecryptInput{CiphertextBlob: out.CiphertextBlob, EncryptionContext: ctx})
			wantOK(k.t, err)
			if string(dec.Plaintext) != "p" {
				k.t.Fatalf("Plaintext %q", dec.Plaintext)
			}
			tampered := append([]byte(nil), out.CiphertextBlob...)
			tampered[len(tampered)-1] ^= 1
			_, err = k.decrypt(id, tampered)
			wantCode(k.t, err, "InvalidCiphertextException")
			_, err = k.decrypt(id, []byte("not a ciphertext"))
			wantCode(k.t, err, "InvalidCiphertextException")
			dk, err := k.c.GenerateDataKey(k.ctx, &kms.GenerateDataKeyInput{KeyId: &id, NumberOfBytes: aws.Int32(64)})
			wantOK(k.t, err)
			if len(dk.Plaintext) != 64 {
				k.t.Fatalf("data key of %d bytes", len(dk.Plaintext))
			}
			k.mustDecrypt(id, dk.CiphertextBlob, string(dk.Plaintext))
			_, err = k.c.GenerateDataKey(k.ctx, &kms.GenerateDataKeyInput{KeyId: &id})
			wantCode(k.t, err, "ValidationException")
			_, err = k.c.Encrypt(k.ctx, &kms.EncryptInput{KeyId: &id, Plaintext: []byte("p"), DryRun: aws.Bool(true)})
			wantCode(k.t, err, "DryRunOperationException")
		}},
		{"IMP-046", "HMAC with imported material", since2023, func(k *kmsTest) {
			for _, spec := range []types.KeySpec{types.KeySpecHmac224, types.KeySpecHmac256, types.KeySpecHmac384, types.KeySpecHmac512} {
				id, m := k.imported(spec)
				alg := material.MacAlgorithm(spec)
				out, err := k.c.GenerateMac(k.ctx, &kms.GenerateMacInput{KeyId: &id, MacAlgorithm: alg, Message: []byte("message")})
				wantOK(k.t, err)
				key := k.keyOf(m)
				want, _ := key.MAC(alg, []byte("message"))
				if !hmac.Equal(out.Mac, want) {
					k.t.Fatalf("%s: MAC is not the HMAC of the imported material", spec)
				}
				v, err := k.c.VerifyMac(k.ctx, &kms.VerifyMacInput{KeyId: &id, MacAlgorithm: alg, Message: []byte("message"), Mac: out.Mac})
				wantOK(k.t, err)
				if !v.MacValid {
					k.t.Fatal("MacValid false")
				}
				_, err = k.c.VerifyMac(k.ctx, &kms.VerifyMacInput{KeyId: &id, MacAlgorithm: alg, Message: []byte("other"), Mac: out.Mac})
				wantCode(k.t, err, "KMSInvalidMacException")
				other := types.MacAlgorithmSpecHmacSha256
				if alg == other {
					other = types.MacAlgorithmSpecHmacSha512
				}
				_, err = k.c.GenerateMac(k.ctx, &kms.GenerateMacInput{KeyId: &id, MacAlgorithm: other, Message: []byte("m")})
				wantCode(k.t, err, "InvalidKeyUsageException")
			}
		}},
		{"IMP-046", "signatures with imported keys, RAW and DIGEST", since2023, func(k *kmsTest) {
			specs := []types.KeySpec{types.KeySpecRsa2048, types.KeySpecEccNistP256, types.KeySpecEccNistP384, types.KeySpecEccNistP521, types.KeySpecEccSecgP256k1}
			if k.profile == "2025" {
				specs = append(specs, types.KeySpecEccNistEdwards25519)
			}
			msg := []byte("signed message")
			for _, spec := range specs {
				id, m := k.imported(spec)
				for _, alg := range material.SigningAlgorithms(spec) {
					for _, mt := range []types.MessageType{types.MessageTypeRaw, types.MessageTypeDigest} {
						input := msg
						if mt == "DIGEST" {
							input = digestFor(alg, msg)
						}
						sig, err := k.c.Sign(k.ctx, &kms.SignInput{KeyId: &id, SigningAlgorithm: alg, MessageType: mt, Message: input})
						if alg == "ED25519_SHA_512" && mt == "DIGEST" || alg == "ED25519_PH_SHA_512" && mt == "RAW" {
							wantCode(k.t, err, "ValidationException")
							continue
						}
						wantOK(k.t, err)
						signed := digestFor(alg, msg)
						if alg == "ED25519_SHA_512" {
							signed = msg
						}
						if err := material.VerifySignature(m.PublicKeyDER, alg, signed, sig.Signature); err != nil {
							k.t.Fatalf("%s %s %s: the signature does not verify with the imported key: %v", spec, alg, mt, err)
						}
						v, err := k.c.Verify(k.ctx, &kms.VerifyInput{KeyId: &id, SigningAlgorithm: alg, MessageType: mt, Message: input, Signature: sig.Signature})
						wantOK(k.t, err)
						if !v.SignatureValid {
							k.t.Fatal("SignatureValid false")
						}
						_, err = k.c.Verify(k.ctx, &kms.VerifyInput{KeyId: &id, SigningAlgorithm: alg, MessageType: mt, Message: bytes.Repeat([]byte{1}, len(input)), Signature: sig.Signature})
						wantCode(k.t, err, "KMSInvalidSignatureException")
					}
				}
				_, err := k.c.Sign(k.ctx, &kms.SignInput{KeyId: &id, SigningAlgorithm: "ECDSA_SHA_256", MessageType: "DIGEST", Message: []byte("short")})
				if spec == types.KeySpecEccNistP256 || spec == types.KeySpecEccSecgP256k1 {
					wantCode(k.t, err, "ValidationException")
				} else {
					wantCode(k.t, err, "InvalidKeyUsageException")
				}
			}
		}},
		{"IMP-046", "RSA encryption with an imported key", since2023, func(k *kmsTest) {
			id := k.createKey(&kms.CreateKeyInput{KeySpec: types.KeySpecRsa3072, KeyUsage: types.KeyUsageTypeEncryptDecrypt, Origin: types.OriginTypeExternal})
			m := newMaterial(k.t, types.KeySpecRsa3072)
			k.mustImport(id, m)
			key := k.keyOf(m)
			for _, alg := range []types.EncryptionAlgorithmSpec{types.EncryptionAlgorithmSpecRsaesOaepSha1, types.EncryptionAlgorithmSpecRsaesOaepSha256} {
				out, err := k.c.Encrypt(k.ctx, &kms.EncryptInput{KeyId: &id, Plaintext: []byte("to rsa"), EncryptionAlgorithm: alg})
				wantOK(k.t, err)
				pt, err := key.DecryptRSA(alg, out.CiphertextBlob)
				if err != nil || string(pt) != "to rsa" {
					k.t.Fatalf("%s: the imported key does not decrypt KMS's ciphertext: %q %v", alg, pt, err)
				}
				ct := k.b(material.EncryptRSA(m.PublicKeyDER, alg, []byte("from client")))
				dec, err := k.c.Decrypt(k.ctx, &kms.DecryptInput{KeyId: &id, CiphertextBlob: ct, EncryptionAlgorithm: alg})
				wantOK(k.t, err)
				if string(dec.Plaintext) != "from client" {
					k.t.Fatalf("Decrypt %q", dec.Plaintext)
				}
			}
			_, err := k.c.Encrypt(k.ctx, &kms.EncryptInput{KeyId: &id, Plaintext: []byte("x")})
			wantCode(k.t, err, "InvalidKeyUsageException")
		}},
	})
}

// keyOf parses material as the KMS holds it.
func (k *kmsTest) keyOf(m material.Material) material.Key {
	k.t.Helper()
	key, err := material.Parse(m.Spec, m.Bytes)
	if err != nil {
		k.t.Fatal(err)
	}
	return key
}

func TestErrorRules(t *testing.T) {
	runRules(t, []ruleTest{
		{"IMP-140", "unknown key", all, func(k *kmsTest) {
			id := "1234abcd-12ab-34cd-56ef-1234567890ab"
			_, err := k.c.DescribeKey(k.ctx, &kms.DescribeKeyInput{KeyId: &id})
			wantCode(k.t, err, "NotFoundException")
			if want := "Key '" + k.arn(id) + "' does not exist"; errorMessage(err) != want {
				k.t.Fatalf("message %q", errorMessage(err))
			}
			// A key ARN of another account or Region names no key here.
			real := k.external(sym)
			for _, arn := range []string{
				"arn:aws:kms:us-east-1:444455556666:key/" + real,
				"arn:aws:kms:eu-west-1:111122223333:key/" + real,
			} {
				_, err := k.c.DescribeKey(k.ctx, &kms.DescribeKeyInput{KeyId: &arn})
				wantCode(k.t, err, "NotFoundException")
			}
		}},
		{"IMP-141", "malformed ARN", all, func(k *kmsTest) {
			for _, arn := range []string{"arn:aws:kms:us-east-1:111122223333", "arn:aws:s3:us-east-1:111122223333:key/x", "arn:aws:kms:us-east-1:111122223333:key/"} {
				_, err := k.c.DescribeKey(k.ctx, &kms.DescribeKeyInput{KeyId: &arn})
				wantCode(k.t, err, "InvalidArnException")
			}
		}},
		{"IMP-142", "tags are checked and listed", all, func(k *kmsTest) {
			id := k.external(sym)
			_, err := k.c.TagResource(k.ctx, &kms.TagResourceInput{KeyId: &id, Tags: []types.Tag{{TagKey: aws.String("b"), TagValue: aws.String("2")}, {TagKey: aws.String("a"), TagValue: aws.String("1")}}})
			wantOK(k.t, err)
			_, err = k.c.TagResource(k.ctx, &kms.TagResourceInput{KeyId: &id, Tags: []types.Tag{{TagKey: aws.String("aws:x"), TagValue: aws.String("1")}}})
			wantCode(k.t, err, "TagException")
			_, err = k.c.TagResource(k.ctx, &kms.TagResourceInput{KeyId: &id, Tags: []types.Tag{{TagKey: aws.String(strings.Repeat("k", 129)), TagValue: aws.String("1")}}})
			wantCode(k.t, err, "ValidationException")
			out, err := k.c.ListResourceTags(k.ctx, &kms.ListResourceTagsInput{KeyId: &id})
			wantOK(k.t, err)
			if len(out.Tags) != 2 || *out.Tags[0].TagKey != "a" || *out.Tags[1].TagValue != "2" {
				k.t.Fatalf("tags %+v", out.Tags)
			}
		}},
	})
}
