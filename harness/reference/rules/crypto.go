package rules

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"hash"
	"slices"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsconform/kmsconform/fixtures/material"
	"github.com/kmsconform/kmsconform/harness/reference/awserr"
	"github.com/kmsconform/kmsconform/harness/reference/ciphertext"
	"github.com/kmsconform/kmsconform/harness/reference/kmsapi"
	"github.com/kmsconform/kmsconform/harness/reference/mutant"
)

// usable is the key-state rule of the cryptographic operations (DG-KS §3
// rows Encrypt…/Sign…): Enabled only; Disabled [1] (IMP-122), pending
// deletion [3], pending import [5] (IMP-123).
func usable(k Key, env Env) error {
	switch k.State {
	case types.KeyStateEnabled:
		return nil
	case types.KeyStateDisabled:
		if env.Mutants.Has(mutant.CryptoWhileDisabled) { // IMP-122
			return nil
		}
		return errDisabled(k)
	case types.KeyStatePendingDeletion:
		return errPendingDeletion(k)
	}
	return errPendingImport(k)
}

// currentKey returns the current material of a usable key. A key can be
// Enabled without it only through a mutant; it is then as good as pending
// import.
func currentKey(k Key) (Material, error) {
	c := k.current()
	if c < 0 || k.Materials[c].Key == nil {
		return Material{}, errPendingImport(k)
	}
	return k.Materials[c], nil
}

// secretFor is the secret a material's ciphertexts are sealed under.
func secretFor(m Material, env Env) []byte {
	if env.Mutants.Has(mutant.LoseOldMaterial) { // IMP-090, IMP-097, IMP-108
		// Bind ciphertext to how often the material was imported, and to
		// whether it is current, as an emulator that versions material per
		// import would.
		mac := hmac.New(sha256.New, m.Key.Secret)
		mac.Write([]byte(strconv.Itoa(m.Imports) + string(m.State)))
		return mac.Sum(nil)
	}
	return m.Key.Secret
}

func dryRun(flag *bool) error {
	if flag != nil && *flag {
		return awserr.New(awserr.DryRunOperation, "The request would have succeeded, but the DryRun flag is set.")
	}
	return nil
}

// Encrypt encrypts under a symmetric key (the ciphertext names the key and
// its current material) or an RSA ENCRYPT_DECRYPT key (RSAES-OAEP).
var Encrypt = KeyOperation[kmsapi.EncryptInput, kmsapi.EncryptOutput]{
	Validate: func(in *kmsapi.EncryptInput, env Env) error {
		var v violations
		v.requiredString("keyId", in.KeyId, 1, keyIDMax)
		v.requiredBlob("plaintext", in.Plaintext, 1, plaintextMax)
		enum(&v, "encryptionAlgorithm", in.EncryptionAlgorithm, types.EncryptionAlgorithmSpec("").Values())
		v.grantTokens(in.GrantTokens)
		return v.err()
	},
	KeyRef: func(in *kmsapi.EncryptInput) (string, error) { return keyRef(in.KeyId) },
	decide: func(k Key, in *kmsapi.EncryptInput, env Env) (Key, *kmsapi.EncryptOutput, error) {
		if err := usable(k, env); err != nil {
			return k, nil, err
		}
		alg := encryptionAlgorithm(in.EncryptionAlgorithm)
		if k.Usage != types.KeyUsageTypeEncryptDecrypt || !slices.Contains(material.EncryptionAlgorithms(k.Spec), alg) {
			return k, nil, errKeyUsage(k, "Encrypt with "+string(alg))
		}
		m, err := currentKey(k)
		if err != nil {
			return k, nil, err
		}
		if err := dryRun(in.DryRun); err != nil {
			return k, nil, err
		}
		var blob []byte
		if isSymmetric(k.Spec) {
			blob, err = ciphertext.Seal(secretFor(m, env), ciphertext.Header{KeyID: k.ID, MaterialID: m.ID}, in.EncryptionContext, in.Plaintext)
		} else {
			if len(in.EncryptionContext) > 0 {
				return k, nil, validation("EncryptionContext is not supported with asymmetric KMS keys.")
			}
			blob, err = material.EncryptRSA(m.Key.PublicKeyDER, alg, in.Plaintext)
			if err != nil {
				return k, nil, validation("The plaintext is too long for %s with %s.", alg, k.Spec)
			}
		}
		if err != nil {
			return k, nil, awserr.New(awserr.KMSInternal, "encrypting: %v", err)
		}
		return k, &kmsapi.EncryptOutput{CiphertextBlob: blob, KeyId: ptr(k.ARN()), EncryptionAlgorithm: alg}, nil
	},
}

func encryptionAlgorithm(a *types.EncryptionAlgorithmSpec) types.EncryptionAlgorithmSpec {
	if a == nil {
		return types.EncryptionAlgorithmSpecSymmetricDefault
	}
	return *a
}

// Decrypt decrypts a ciphertext. Without KeyId the ciphertext names its
// key; with KeyId, a ciphertext of another key is IncorrectKeyException
// (decisions IMP-139), even if both keys hold the same material.
var Decrypt = KeyOperation[kmsapi.DecryptInput, kmsapi.DecryptOutput]{
	Validate: func(in *kmsapi.DecryptInput, env Env) error {
		var v violations
		v.requiredBlob("ciphertextBlob", in.CiphertextBlob, 1, blobMax)
		v.length("keyId", in.KeyId, 1, keyIDMax)
		enum(&v, "encryptionAlgorithm", in.EncryptionAlgorithm, types.EncryptionAlgorithmSpec("").Values())
		v.grantTokens(in.GrantTokens)
		return v.err()
	},
	KeyRef: func(in *kmsapi.DecryptInput) (string, error) {
		if in.KeyId != nil {
			return *in.KeyId, nil
		}
		h, err := ciphertext.Parse(in.CiphertextBlob)
		if err != nil {
			return "", errInvalidCiphertext()
		}
		return h.KeyID, nil
	},
	decide: decideDecrypt,
}

func errInvalidCiphertext() error {
	return awserr.New(awserr.InvalidCiphertext, "The ciphertext is invalid.")
}

func decideDecrypt(k Key, in *kmsapi.DecryptInput, env Env) (Key, *kmsapi.DecryptOutput, error) {
	if err := usable(k, env); err != nil {
		return k, nil, err
	}
	alg := encryptionAlgorithm(in.EncryptionAlgorithm)
	if k.Usage != types.KeyUsageTypeEncryptDecrypt || !slices.Contains(material.EncryptionAlgorithms(k.Spec), alg) {
		return k, nil, errKeyUsage(k, "Decrypt with "+string(alg))
	}
	out := &kmsapi.DecryptOutput{KeyId: ptr(k.ARN()), EncryptionAlgorithm: alg}
	if !isSymmetric(k.Spec) {
		m, err := currentKey(k)
		if err != nil {
			return k, nil, err
		}
		if err := dryRun(in.DryRun); err != nil {
			return k, nil, err
		}
		if out.Plaintext, err = m.Key.DecryptRSA(alg, in.CiphertextBlob); err != nil {
			return k, nil, errInvalidCiphertext()
		}
		return k, out, nil
	}

	h, err := ciphertext.Parse(in.CiphertextBlob)
	if err != nil {
		return k, nil, errInvalidCiphertext()
	}
	var m Material
	switch {
	case h.KeyID == k.ID:
		i := k.byID(h.MaterialID)
		if i < 0 || k.Materials[i].State == types.KeyMaterialStatePendingRotation {
			return k, nil, errInvalidCiphertext()
		}
		if m = k.Materials[i]; m.Key == nil {
			return k, nil, errPendingImport(k)
		}
	case env.Mutants.Has(mutant.UnboundCiphertext): // IMP-139
		if m, err = currentKey(k); err != nil {
			return k, nil, err
		}
	default: // IMP-139: decisions choose IncorrectKeyException.
		return k, nil, awserr.New(awserr.IncorrectKey, "The ciphertext was not encrypted under %s.", k.ARN())
	}
	if err := dryRun(in.DryRun); err != nil {
		return k, nil, err
	}
	plain, err := ciphertext.Open(secretFor(m, env), in.CiphertextBlob, in.EncryptionContext)
	if err != nil {
		return k, nil, errInvalidCiphertext()
	}
	out.Plaintext = plain
	if env.rev().multiMaterial {
		out.KeyMaterialId = ptr(m.ID)
	}
	return k, out, nil
}

// GenerateDataKey returns a random data key and its ciphertext under a
// symmetric key.
var GenerateDataKey = KeyOperation[kmsapi.GenerateDataKeyInput, kmsapi.GenerateDataKeyOutput]{
	Validate: func(in *kmsapi.GenerateDataKeyInput, env Env) error {
		var v violations
		v.requiredString("keyId", in.KeyId, 1, keyIDMax)
		v.intRange("numberOfBytes", in.NumberOfBytes, 1, 1024)
		enum(&v, "keySpec", in.KeySpec, types.DataKeySpec("").Values())
		v.grantTokens(in.GrantTokens)
		if err := v.err(); err != nil {
			return err
		}
		if (in.NumberOfBytes == nil) == (in.KeySpec == nil) {
			return validation("Specify either NumberOfBytes or KeySpec, but not both.")
		}
		return nil
	},
	KeyRef: func(in *kmsapi.GenerateDataKeyInput) (string, error) { return keyRef(in.KeyId) },
	decide: func(k Key, in *kmsapi.GenerateDataKeyInput, env Env) (Key, *kmsapi.GenerateDataKeyOutput, error) {
		if err := usable(k, env); err != nil {
			return k, nil, err
		}
		if k.Usage != types.KeyUsageTypeEncryptDecrypt || !isSymmetric(k.Spec) {
			return k, nil, errKeyUsage(k, "GenerateDataKey")
		}
		m, err := currentKey(k)
		if err != nil {
			return k, nil, err
		}
		if err := dryRun(in.DryRun); err != nil {
			return k, nil, err
		}
		n := 32
		switch {
		case in.NumberOfBytes != nil:
			n = int(*in.NumberOfBytes)
		case *in.KeySpec == types.DataKeySpecAes128:
			n = 16
		}
		plain := make([]byte, n)
		if _, err := rand.Read(plain); err != nil {
			return k, nil, awserr.New(awserr.KMSInternal, "random: %v", err)
		}
		blob, err := ciphertext.Seal(secretFor(m, env), ciphertext.Header{KeyID: k.ID, MaterialID: m.ID}, in.EncryptionContext, plain)
		if err != nil {
			return k, nil, awserr.New(awserr.KMSInternal, "encrypting: %v", err)
		}
		out := &kmsapi.GenerateDataKeyOutput{CiphertextBlob: blob, Plaintext: plain, KeyId: ptr(k.ARN())}
		if env.rev().multiMaterial {
			out.KeyMaterialId = ptr(m.ID)
		}
		return k, out, nil
	},
}

// GetPublicKey returns the public key of an asymmetric key. It works while
// Disabled (since 2023; DisabledException before) and in PendingImport once
// the key has had material (IMP-125).
var GetPublicKey = KeyOperation[kmsapi.GetPublicKeyInput, kmsapi.GetPublicKeyOutput]{
	Validate: func(in *kmsapi.GetPublicKeyInput, env Env) error {
		var v violations
		v.requiredString("keyId", in.KeyId, 1, keyIDMax)
		v.grantTokens(in.GrantTokens)
		return v.err()
	},
	KeyRef: func(in *kmsapi.GetPublicKeyInput) (string, error) { return keyRef(in.KeyId) },
	decide: func(k Key, in *kmsapi.GetPublicKeyInput, env Env) (Key, *kmsapi.GetPublicKeyOutput, error) {
		if !isAsymmetric(k.Spec) {
			return k, nil, awserr.New(awserr.UnsupportedOperation, "%s has key spec %s, which has no public key.", k.ARN(), k.Spec)
		}
		switch k.State {
		case types.KeyStatePendingDeletion:
			return k, nil, errPendingDeletion(k)
		case types.KeyStateDisabled:
			if !env.rev().publicKeyWhenDisabled {
				return k, nil, errDisabled(k)
			}
		}
		if k.PublicKeyDER == nil {
			// IMP-125: decisions choose KMSInvalidStateException for a key
			// that never had material (provisional).
			return k, nil, errPendingImport(k)
		}
		out := &kmsapi.GetPublicKeyOutput{
			KeyId:     ptr(k.ARN()),
			PublicKey: k.PublicKeyDER,
			KeySpec:   k.Spec,
			KeyUsage:  k.Usage,
		}
		if slices.Contains(legacyKeySpecs, k.Spec) {
			out.CustomerMasterKeySpec = types.CustomerMasterKeySpec(k.Spec)
		}
		out.EncryptionAlgorithms, out.SigningAlgorithms, _, out.KeyAgreementAlgorithms = algorithms(k, env)
		return k, out, nil
	},
}

// signingInput is what material.Key.Sign takes for a message: its hash for
// RAW, the message itself for DIGEST, except for pure Ed25519 which signs the
// message. A DIGEST of the wrong length and a message type the algorithm
// does not take are ValidationException.
func signingInput(alg types.SigningAlgorithmSpec, messageType *types.MessageType, msg []byte) ([]byte, error) {
	mt := types.MessageTypeRaw
	if messageType != nil {
		mt = *messageType
	}
	switch {
	case alg == types.SigningAlgorithmSpecEd25519Sha512:
		if mt != types.MessageTypeRaw {
			return nil, validation("The ED25519_SHA_512 signing algorithm requires MessageType RAW.")
		}
		return msg, nil
	case alg == types.SigningAlgorithmSpecEd25519PhSha512 && mt != types.MessageTypeDigest:
		return nil, validation("The ED25519_PH_SHA_512 signing algorithm requires MessageType DIGEST.")
	}
	h := signingHash(alg)
	switch mt {
	case types.MessageTypeRaw:
		h.Write(msg)
		return h.Sum(nil), nil
	case types.MessageTypeDigest:
		if len(msg) != h.Size() {
			return nil, validation("Digest is invalid length for algorithm %s.", alg)
		}
		return msg, nil
	}
	return nil, validation("MessageType %s is not valid for signing algorithm %s.", mt, alg)
}

// signingHash is the hash an algorithm names in its suffix.
func signingHash(alg types.SigningAlgorithmSpec) hash.Hash {
	switch s := string(alg); {
	case len(s) > 4 && s[len(s)-4:] == "_384":
		return sha512.New384()
	case len(s) > 4 && s[len(s)-4:] == "_512":
		return sha512.New()
	}
	return sha256.New()
}

// signer checks the common preconditions of Sign and Verify.
func signer(k Key, alg types.SigningAlgorithmSpec, operation string, env Env) (Material, error) {
	if err := usable(k, env); err != nil {
		return Material{}, err
	}
	if k.Usage != types.KeyUsageTypeSignVerify || !slices.Contains(material.SigningAlgorithms(k.Spec), alg) {
		return Material{}, errKeyUsage(k, operation+" with "+string(alg))
	}
	return currentKey(k)
}

func validateSigning(v *violations, keyID *string, msg []byte, mt *types.MessageType, alg *types.SigningAlgorithmSpec, env Env) {
	v.requiredString("keyId", keyID, 1, keyIDMax)
	v.requiredBlob("message", msg, 1, plaintextMax)
	enum(v, "messageType", mt, env.rev().messageTypes)
	if v.required("signingAlgorithm", alg != nil) {
		enum(v, "signingAlgorithm", alg, env.rev().signingAlgorithms)
	}
}

// Sign signs with the private key of an asymmetric SIGN_VERIFY key.
var Sign = KeyOperation[kmsapi.SignInput, kmsapi.SignOutput]{
	Validate: func(in *kmsapi.SignInput, env Env) error {
		var v violations
		validateSigning(&v, in.KeyId, in.Message, in.MessageType, in.SigningAlgorithm, env)
		v.grantTokens(in.GrantTokens)
		return v.err()
	},
	KeyRef: func(in *kmsapi.SignInput) (string, error) { return keyRef(in.KeyId) },
	decide: func(k Key, in *kmsapi.SignInput, env Env) (Key, *kmsapi.SignOutput, error) {
		alg := *in.SigningAlgorithm
		m, err := signer(k, alg, "Sign", env)
		if err != nil {
			return k, nil, err
		}
		input, err := signingInput(alg, in.MessageType, in.Message)
		if err != nil {
			return k, nil, err
		}
		if err := dryRun(in.DryRun); err != nil {
			return k, nil, err
		}
		sig, err := m.Key.Sign(alg, input)
		if err != nil {
			return k, nil, awserr.New(awserr.KMSInternal, "signing: %v", err)
		}
		return k, &kmsapi.SignOutput{KeyId: ptr(k.ARN()), Signature: sig, SigningAlgorithm: alg}, nil
	},
}

// Verify checks a signature with the key's public key. A signature that
// does not verify is KMSInvalidSignatureException.
var Verify = KeyOperation[kmsapi.VerifyInput, kmsapi.VerifyOutput]{
	Validate: func(in *kmsapi.VerifyInput, env Env) error {
		var v violations
		validateSigning(&v, in.KeyId, in.Message, in.MessageType, in.SigningAlgorithm, env)
		v.requiredBlob("signature", in.Signature, 1, blobMax)
		v.grantTokens(in.GrantTokens)
		return v.err()
	},
	KeyRef: func(in *kmsapi.VerifyInput) (string, error) { return keyRef(in.KeyId) },
	decide: func(k Key, in *kmsapi.VerifyInput, env Env) (Key, *kmsapi.VerifyOutput, error) {
		alg := *in.SigningAlgorithm
		if _, err := signer(k, alg, "Verify", env); err != nil {
			return k, nil, err
		}
		input, err := signingInput(alg, in.MessageType, in.Message)
		if err != nil {
			return k, nil, err
		}
		if err := dryRun(in.DryRun); err != nil {
			return k, nil, err
		}
		if err := material.VerifySignature(k.PublicKeyDER, alg, input, in.Signature); err != nil {
			if errors.Is(err, material.ErrInvalidSignature) {
				return k, nil, awserr.New(awserr.KMSInvalidSignature, "The signature is not valid.")
			}
			return k, nil, awserr.New(awserr.KMSInternal, "verifying: %v", err)
		}
		return k, &kmsapi.VerifyOutput{KeyId: ptr(k.ARN()), SignatureValid: true, SigningAlgorithm: alg}, nil
	},
}

func validateMAC(v *violations, keyID *string, msg []byte, alg *types.MacAlgorithmSpec) {
	v.requiredBlob("message", msg, 1, plaintextMax)
	v.requiredString("keyId", keyID, 1, keyIDMax)
	if v.required("macAlgorithm", alg != nil) {
		enum(v, "macAlgorithm", alg, types.MacAlgorithmSpec("").Values())
	}
}

// macKey checks the common preconditions of GenerateMac and VerifyMac.
func macKey(k Key, alg types.MacAlgorithmSpec, operation string, env Env) (Material, error) {
	if err := usable(k, env); err != nil {
		return Material{}, err
	}
	if k.Usage != types.KeyUsageTypeGenerateVerifyMac || material.MacAlgorithm(k.Spec) != alg {
		return Material{}, errKeyUsage(k, operation+" with "+string(alg))
	}
	return currentKey(k)
}

// GenerateMac computes an HMAC with an HMAC key.
var GenerateMac = KeyOperation[kmsapi.GenerateMacInput, kmsapi.GenerateMacOutput]{
	Validate: func(in *kmsapi.GenerateMacInput, env Env) error {
		var v violations
		validateMAC(&v, in.KeyId, in.Message, in.MacAlgorithm)
		v.grantTokens(in.GrantTokens)
		return v.err()
	},
	KeyRef: func(in *kmsapi.GenerateMacInput) (string, error) { return keyRef(in.KeyId) },
	decide: func(k Key, in *kmsapi.GenerateMacInput, env Env) (Key, *kmsapi.GenerateMacOutput, error) {
		alg := *in.MacAlgorithm
		m, err := macKey(k, alg, "GenerateMac", env)
		if err != nil {
			return k, nil, err
		}
		if err := dryRun(in.DryRun); err != nil {
			return k, nil, err
		}
		mac, err := m.Key.MAC(alg, in.Message)
		if err != nil {
			return k, nil, awserr.New(awserr.KMSInternal, "computing the MAC: %v", err)
		}
		return k, &kmsapi.GenerateMacOutput{Mac: mac, MacAlgorithm: alg, KeyId: ptr(k.ARN())}, nil
	},
}

// VerifyMac checks an HMAC. A MAC that does not match is
// KMSInvalidMacException.
var VerifyMac = KeyOperation[kmsapi.VerifyMacInput, kmsapi.VerifyMacOutput]{
	Validate: func(in *kmsapi.VerifyMacInput, env Env) error {
		var v violations
		validateMAC(&v, in.KeyId, in.Message, in.MacAlgorithm)
		v.requiredBlob("mac", in.Mac, 1, blobMax)
		v.grantTokens(in.GrantTokens)
		return v.err()
	},
	KeyRef: func(in *kmsapi.VerifyMacInput) (string, error) { return keyRef(in.KeyId) },
	decide: func(k Key, in *kmsapi.VerifyMacInput, env Env) (Key, *kmsapi.VerifyMacOutput, error) {
		alg := *in.MacAlgorithm
		m, err := macKey(k, alg, "VerifyMac", env)
		if err != nil {
			return k, nil, err
		}
		if err := dryRun(in.DryRun); err != nil {
			return k, nil, err
		}
		mac, err := m.Key.MAC(alg, in.Message)
		if err != nil {
			return k, nil, awserr.New(awserr.KMSInternal, "computing the MAC: %v", err)
		}
		if !hmac.Equal(mac, in.Mac) {
			return k, nil, awserr.New(awserr.KMSInvalidMac, "The MAC is not valid.")
		}
		return k, &kmsapi.VerifyMacOutput{KeyId: ptr(k.ARN()), MacValid: true, MacAlgorithm: alg}, nil
	},
}
