package rules

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509/pkix"
	"encoding/asn1"
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
	case types.KeyStatePendingDeletion, types.KeyStatePendingReplicaDeletion:
		if env.Mutants.Has(mutant.CryptoWhilePendingDeletion) { // IMP-147
			return nil
		}
		return errPendingDeletion(k)
	}
	if env.Mutants.Has(mutant.PendingImportDisabledException) { // IMP-123
		return errDisabled(k)
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
	Name:         "Encrypt",
	ByAlias:      true,
	CrossAccount: true,
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
		alg := encryptionAlgorithm(in.EncryptionAlgorithm)
		sealed, err := encryptUnder(k, "Encrypt", alg, in.EncryptionContext, in.Plaintext, in.DryRun, env)
		if err != nil {
			return k, nil, err
		}
		return k, &kmsapi.EncryptOutput{CiphertextBlob: sealed.blob, KeyId: ptr(k.ARN()), EncryptionAlgorithm: alg}, nil
	},
}

// encrypted is a ciphertext made under a key, and the material that made it
// (symmetric keys only).
type encrypted struct {
	blob       []byte
	materialID string
}

// encryptUnder encrypts plaintext under k for operation: the key-state rule
// (usable), the key usage and algorithm, the current material, the dry run,
// then the encryption itself.
func encryptUnder(k Key, operation string, alg types.EncryptionAlgorithmSpec, context map[string]string, plaintext []byte, dryRunFlag *bool, env Env) (encrypted, error) {
	if err := usable(k, env); err != nil {
		return encrypted{}, err
	}
	if k.Usage != types.KeyUsageTypeEncryptDecrypt || !slices.Contains(material.EncryptionAlgorithms(k.Spec), alg) {
		return encrypted{}, errKeyUsage(k, operation+" with "+string(alg))
	}
	m, err := currentKey(k)
	if err != nil {
		return encrypted{}, err
	}
	if !isSymmetric(k.Spec) && len(context) > 0 {
		return encrypted{}, validation("EncryptionContext is not supported with asymmetric KMS keys.")
	}
	if err := dryRun(dryRunFlag); err != nil {
		return encrypted{}, err
	}
	if !isSymmetric(k.Spec) {
		blob, err := material.EncryptRSA(m.Key.PublicKeyDER, alg, plaintext)
		if err != nil {
			return encrypted{}, validation("The plaintext is too long for %s with %s.", alg, k.Spec)
		}
		return encrypted{blob: blob}, nil
	}
	blob, err := ciphertext.Seal(secretFor(m, env), ciphertext.Header{KeyID: k.ID, MaterialID: m.ID}, context, plaintext)
	if err != nil {
		return encrypted{}, awserr.New(awserr.KMSInternal, "encrypting: %v", err)
	}
	return encrypted{blob: blob, materialID: m.ID}, nil
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
	Name:         "Decrypt",
	ByAlias:      true,
	CrossAccount: true,
	Validate: func(in *kmsapi.DecryptInput, env Env) error {
		var v violations
		v.requiredBlob("ciphertextBlob", in.CiphertextBlob, 1, blobMax)
		v.length("keyId", in.KeyId, 1, keyIDMax)
		enum(&v, "encryptionAlgorithm", in.EncryptionAlgorithm, types.EncryptionAlgorithmSpec("").Values())
		v.grantTokens(in.GrantTokens)
		return v.err()
	},
	KeyRef: func(in *kmsapi.DecryptInput) (string, error) { return ciphertextKeyRef(in.KeyId, in.CiphertextBlob) },
	decide: func(k Key, in *kmsapi.DecryptInput, env Env) (Key, *kmsapi.DecryptOutput, error) {
		alg := encryptionAlgorithm(in.EncryptionAlgorithm)
		opened, err := decryptUnder(k, "Decrypt", alg, in.EncryptionContext, in.CiphertextBlob, in.DryRun, env)
		if err != nil {
			return k, nil, err
		}
		out := &kmsapi.DecryptOutput{KeyId: ptr(k.ARN()), Plaintext: opened.plaintext, EncryptionAlgorithm: alg}
		if env.rev().multiMaterial && opened.materialID != "" {
			out.KeyMaterialId = ptr(opened.materialID)
		}
		return k, out, nil
	},
}

// ciphertextKeyRef is the key of a Decrypt or ReEncrypt: the one named, or
// else the one the (symmetric) ciphertext names.
func ciphertextKeyRef(keyID *string, blob []byte) (string, error) {
	if keyID != nil {
		return *keyID, nil
	}
	h, err := ciphertext.Parse(blob)
	if err != nil {
		return "", errInvalidCiphertext()
	}
	return h.KeyID, nil
}

func errInvalidCiphertext() error {
	return awserr.New(awserr.InvalidCiphertext, "The ciphertext is invalid.")
}

// decrypted is a ciphertext's plaintext and the material that made it
// (symmetric keys only).
type decrypted struct {
	plaintext  []byte
	materialID string
}

// decryptUnder decrypts blob under k for operation: the key-state rule
// (usable), the key usage and algorithm, the material the ciphertext names,
// the dry run, then the decryption itself.
func decryptUnder(k Key, operation string, alg types.EncryptionAlgorithmSpec, context map[string]string, blob []byte, dryRunFlag *bool, env Env) (decrypted, error) {
	if err := usable(k, env); err != nil {
		return decrypted{}, err
	}
	if k.Usage != types.KeyUsageTypeEncryptDecrypt || !slices.Contains(material.EncryptionAlgorithms(k.Spec), alg) {
		return decrypted{}, errKeyUsage(k, operation+" with "+string(alg))
	}
	if !isSymmetric(k.Spec) {
		m, err := currentKey(k)
		if err != nil {
			return decrypted{}, err
		}
		if err := dryRun(dryRunFlag); err != nil {
			return decrypted{}, err
		}
		plain, err := m.Key.DecryptRSA(alg, blob)
		if err != nil {
			return decrypted{}, errInvalidCiphertext()
		}
		return decrypted{plaintext: plain}, nil
	}

	h, err := ciphertext.Parse(blob)
	if err != nil {
		return decrypted{}, errInvalidCiphertext()
	}
	var m Material
	switch {
	case h.KeyID == k.ID:
		i := k.byID(h.MaterialID)
		if i < 0 || k.Materials[i].pendingRotation() {
			return decrypted{}, errInvalidCiphertext()
		}
		if m = k.Materials[i]; m.Key == nil {
			return decrypted{}, errPendingImport(k)
		}
	case env.Mutants.Has(mutant.UnboundCiphertext): // IMP-139
		if m, err = currentKey(k); err != nil {
			return decrypted{}, err
		}
	default: // IMP-139: decisions choose IncorrectKeyException.
		return decrypted{}, awserr.New(awserr.IncorrectKey, "The ciphertext was not encrypted under %s.", k.ARN())
	}
	if err := dryRun(dryRunFlag); err != nil {
		return decrypted{}, err
	}
	plain, err := ciphertext.Open(secretFor(m, env), blob, context)
	if err != nil {
		return decrypted{}, errInvalidCiphertext()
	}
	return decrypted{plaintext: plain, materialID: m.ID}, nil
}

// ReEncrypt decrypts a ciphertext under its source key and encrypts the
// plaintext under the destination key, in two decisions, each on one key:
// ReEncryptFrom on the source key, then ReEncryptTo on the destination key.
// Each key must be usable: a source or destination key in PendingImport is
// KMSInvalidStateException (IMP-123). The plaintext never leaves the
// reference.

// ReEncryption is what ReEncryptFrom hands to ReEncryptTo: the request and
// what the source key decrypted.
type ReEncryption struct {
	In               *kmsapi.ReEncryptInput
	Plaintext        []byte
	SourceKeyARN     string
	SourceMaterialID string // "" unless the source key is symmetric
	SourceAlgorithm  types.EncryptionAlgorithmSpec
}

// ReEncryptFrom is the first step of ReEncrypt: validate the request and
// decrypt the ciphertext under the source key (SourceKeyId, or the key the
// ciphertext names). Its dry run is left to ReEncryptTo.
var ReEncryptFrom = KeyOperation[kmsapi.ReEncryptInput, ReEncryption]{
	Name:         "ReEncrypt",
	ByAlias:      true,
	CrossAccount: true,
	Validate: func(in *kmsapi.ReEncryptInput, env Env) error {
		var v violations
		v.requiredBlob("ciphertextBlob", in.CiphertextBlob, 1, blobMax)
		v.length("sourceKeyId", in.SourceKeyId, 1, keyIDMax)
		v.requiredString("destinationKeyId", in.DestinationKeyId, 1, keyIDMax)
		enum(&v, "sourceEncryptionAlgorithm", in.SourceEncryptionAlgorithm, types.EncryptionAlgorithmSpec("").Values())
		enum(&v, "destinationEncryptionAlgorithm", in.DestinationEncryptionAlgorithm, types.EncryptionAlgorithmSpec("").Values())
		v.grantTokens(in.GrantTokens)
		return v.err()
	},
	KeyRef: func(in *kmsapi.ReEncryptInput) (string, error) {
		return ciphertextKeyRef(in.SourceKeyId, in.CiphertextBlob)
	},
	decide: func(k Key, in *kmsapi.ReEncryptInput, env Env) (Key, *ReEncryption, error) {
		alg := encryptionAlgorithm(in.SourceEncryptionAlgorithm)
		opened, err := decryptUnder(k, "ReEncrypt", alg, in.SourceEncryptionContext, in.CiphertextBlob, nil, env)
		if err != nil {
			return k, nil, err
		}
		return k, &ReEncryption{In: in, Plaintext: opened.plaintext, SourceKeyARN: k.ARN(), SourceMaterialID: opened.materialID, SourceAlgorithm: alg}, nil
	},
}

// ReEncryptTo is the second step of ReEncrypt: encrypt what ReEncryptFrom
// decrypted under the destination key.
var ReEncryptTo = KeyOperation[ReEncryption, kmsapi.ReEncryptOutput]{
	Name:         "ReEncrypt",
	ByAlias:      true,
	CrossAccount: true,
	Validate:     func(*ReEncryption, Env) error { return nil }, // ReEncryptFrom validated the request
	KeyRef:       func(r *ReEncryption) (string, error) { return keyRef(r.In.DestinationKeyId) },
	decide: func(k Key, r *ReEncryption, env Env) (Key, *kmsapi.ReEncryptOutput, error) {
		alg := encryptionAlgorithm(r.In.DestinationEncryptionAlgorithm)
		sealed, err := encryptUnder(k, "ReEncrypt", alg, r.In.DestinationEncryptionContext, r.Plaintext, r.In.DryRun, env)
		if err != nil {
			return k, nil, err
		}
		out := &kmsapi.ReEncryptOutput{
			CiphertextBlob:                 sealed.blob,
			SourceKeyId:                    ptr(r.SourceKeyARN),
			KeyId:                          ptr(k.ARN()),
			SourceEncryptionAlgorithm:      r.SourceAlgorithm,
			DestinationEncryptionAlgorithm: alg,
		}
		if env.rev().multiMaterial {
			if r.SourceMaterialID != "" {
				out.SourceKeyMaterialId = ptr(r.SourceMaterialID)
			}
			if sealed.materialID != "" {
				out.DestinationKeyMaterialId = ptr(sealed.materialID)
			}
		}
		return k, out, nil
	},
}

// GenerateDataKey returns a random data key and its ciphertext under a
// symmetric key.
var GenerateDataKey = KeyOperation[kmsapi.GenerateDataKeyInput, kmsapi.GenerateDataKeyOutput]{
	Name:         "GenerateDataKey",
	ByAlias:      true,
	CrossAccount: true,
	Validate:     validateGenerateDataKey,
	KeyRef:       func(in *kmsapi.GenerateDataKeyInput) (string, error) { return keyRef(in.KeyId) },
	decide: func(k Key, in *kmsapi.GenerateDataKeyInput, env Env) (Key, *kmsapi.GenerateDataKeyOutput, error) {
		return generateDataKey(k, "GenerateDataKey", in, env)
	},
}

// GenerateDataKeyWithoutPlaintext is GenerateDataKey without the
// plaintext in the response. In PendingImport it is KMSInvalidStateException
// like the other cryptographic operations (IMP-123).
var GenerateDataKeyWithoutPlaintext = KeyOperation[kmsapi.GenerateDataKeyInput, kmsapi.GenerateDataKeyWithoutPlaintextOutput]{
	Name:         "GenerateDataKeyWithoutPlaintext",
	ByAlias:      true,
	CrossAccount: true,
	Validate:     validateGenerateDataKey,
	KeyRef:       func(in *kmsapi.GenerateDataKeyInput) (string, error) { return keyRef(in.KeyId) },
	decide: func(k Key, in *kmsapi.GenerateDataKeyInput, env Env) (Key, *kmsapi.GenerateDataKeyWithoutPlaintextOutput, error) {
		k, out, err := generateDataKey(k, "GenerateDataKeyWithoutPlaintext", in, env)
		if err != nil {
			return k, nil, err
		}
		return k, &kmsapi.GenerateDataKeyWithoutPlaintextOutput{CiphertextBlob: out.CiphertextBlob, KeyId: out.KeyId, KeyMaterialId: out.KeyMaterialId}, nil
	},
}

// generateDataKey is the decision of both GenerateDataKey operations; op
// names the one called, for its messages.
func generateDataKey(k Key, op string, in *kmsapi.GenerateDataKeyInput, env Env) (Key, *kmsapi.GenerateDataKeyOutput, error) {
	key, err := dataKey(k, op, in, env)
	if err != nil {
		return k, nil, err
	}
	out := &kmsapi.GenerateDataKeyOutput{CiphertextBlob: key.blob, Plaintext: key.plaintext, KeyId: ptr(k.ARN())}
	if env.rev().multiMaterial {
		out.KeyMaterialId = ptr(key.materialID)
	}
	return k, out, nil
}

func validateGenerateDataKey(in *kmsapi.GenerateDataKeyInput, env Env) error {
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
}

// generatedKey is a data key, its ciphertext, and the material that made it.
type generatedKey struct {
	plaintext, blob []byte
	materialID      string
}

// dataKey makes a random data key and encrypts it under the symmetric key k
// for operation.
func dataKey(k Key, operation string, in *kmsapi.GenerateDataKeyInput, env Env) (generatedKey, error) {
	if err := usable(k, env); err != nil {
		return generatedKey{}, err
	}
	if k.Usage != types.KeyUsageTypeEncryptDecrypt || !isSymmetric(k.Spec) {
		return generatedKey{}, errKeyUsage(k, operation)
	}
	m, err := currentKey(k)
	if err != nil {
		return generatedKey{}, err
	}
	if err := dryRun(in.DryRun); err != nil {
		return generatedKey{}, err
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
		return generatedKey{}, awserr.New(awserr.KMSInternal, "random: %v", err)
	}
	blob, err := ciphertext.Seal(secretFor(m, env), ciphertext.Header{KeyID: k.ID, MaterialID: m.ID}, in.EncryptionContext, plain)
	if err != nil {
		return generatedKey{}, awserr.New(awserr.KMSInternal, "encrypting: %v", err)
	}
	return generatedKey{plaintext: plain, blob: blob, materialID: m.ID}, nil
}

// GetPublicKey returns the public key of an asymmetric key. It works while
// Disabled (since 2023; DisabledException before) and in PendingImport once
// the key has had material (IMP-125).
var GetPublicKey = KeyOperation[kmsapi.GetPublicKeyInput, kmsapi.GetPublicKeyOutput]{
	Name:         "GetPublicKey",
	ByAlias:      true,
	CrossAccount: true,
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
		case types.KeyStatePendingDeletion, types.KeyStatePendingReplicaDeletion:
			return k, nil, errPendingDeletion(k)
		case types.KeyStateDisabled:
			if !env.rev().publicKeyWhenDisabled || env.Mutants.Has(mutant.PublicKeyRefusedWhenDisabled) { // IMP-125
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
			PublicKey: publicKeyOf(k, env),
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

// publicKeyOf is the PublicKey GetPublicKey returns: the DER
// SubjectPublicKeyInfo of the key's public half (IMP-046).
func publicKeyOf(k Key, env Env) []byte {
	if !env.Mutants.Has(mutant.PublicKeyWithoutSPKI) { // IMP-046
		return k.PublicKeyDER
	}
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if rest, err := asn1.Unmarshal(k.PublicKeyDER, &spki); err != nil || len(rest) != 0 {
		return k.PublicKeyDER
	}
	return spki.PublicKey.Bytes
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
	Name:         "Sign",
	ByAlias:      true,
	CrossAccount: true,
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
	Name:         "Verify",
	ByAlias:      true,
	CrossAccount: true,
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
	Name:         "GenerateMac",
	ByAlias:      true,
	CrossAccount: true,
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
	Name:         "VerifyMac",
	ByAlias:      true,
	CrossAccount: true,
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
