package rules

import (
	"encoding/asn1"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsconform/kmsconform/fixtures/material"
	"github.com/kmsconform/kmsconform/fixtures/wrap"
	"github.com/kmsconform/kmsconform/harness/reference/awserr"
	"github.com/kmsconform/kmsconform/harness/reference/importtoken"
	"github.com/kmsconform/kmsconform/harness/reference/kmsapi"
	"github.com/kmsconform/kmsconform/harness/reference/mutant"
)

// maxValidTo is how far ahead ValidTo may be (IMP-053).
const maxValidTo = 365 * 24 * time.Hour

// ImportKeyMaterial imports wrapped key material. The order of its checks is
// the order of this list; the first failure is the answer.
//
// Request (ImportKeyMaterial.Validate, before the key is looked up):
//  1. Constraints of the model (IMP-047): KeyId 1-2048; ImportToken and
//     EncryptedKeyMaterial present, 1-6144 bytes; ExpirationModel in its
//     enum; in 2025 ImportType in its enum, KeyMaterialDescription 0-256
//     characters of ^[a-zA-Z0-9:/_\s.-]+$, KeyMaterialId 64 characters of
//     ^[a-f0-9]+$. All violations are reported together. ValidationException.
//  2. ValidTo against ExpirationModel (default KEY_MATERIAL_EXPIRES):
//     missing with KEY_MATERIAL_EXPIRES (IMP-050), not after now (IMP-052),
//     more than 365 days after now (IMP-053; exactly 365 days is accepted),
//     present with KEY_MATERIAL_DOES_NOT_EXPIRE (IMP-051). ValidationException.
//  3. In 2025, KeyMaterialId with ImportType=NEW_KEY_MATERIAL (IMP-079).
//     ValidationException.
//
// Key lookup: an alias or a malformed ARN, an unknown key (IMP-140, IMP-141).
//
// Key (decideImportKeyMaterial):
//  4. Origin not EXTERNAL: UnsupportedOperationException (IMP-061).
//  5. Key spec not importable in the profile: UnsupportedOperationException
//     (IMP-027).
//  6. Key pending deletion: KMSInvalidStateException (IMP-070).
//  7. In 2025, ImportType, KeyMaterialId or KeyMaterialDescription on an
//     asymmetric or HMAC key: UnsupportedOperationException (IMP-074);
//     ImportType=NEW_KEY_MATERIAL into a multi-Region replica:
//     UnsupportedOperationException (IMP-137).
//  8. Token not issued by this server, or altered: InvalidImportTokenException
//     (IMP-057).
//  9. Token issued for another key: InvalidImportTokenException (IMP-057).
//  10. Token expired: ExpiredImportTokenException (IMP-058). Integrity and
//     binding are checked first, so a forged token never reads as expired.
//  11. Material does not unwrap with the token's wrapping key and algorithm:
//     InvalidCiphertextException (IMP-038, IMP-059, IMP-060). Under
//     RSA_AES_KEY_WRAP_* only a 256-bit AES key unwraps (IMP-037; see
//     unwrapMaterial).
//  12. Material invalid for the key spec (length, encoding, modulus, primes,
//     curve, key pair): IncorrectKeyMaterialException (IMP-040..IMP-045,
//     IMP-068).
//  13. Association: reimport of other material than the key's
//     (IncorrectKeyMaterialException, IMP-067, IMP-097); in 2025 for
//     symmetric keys the ImportType rules (IMP-072, IMP-076..IMP-080). A
//     replica's materials are its primary's (SyncMultiRegion), so the same
//     rule makes a replica take exactly its primary's material (IMP-132).
//
// Success: the material is imported with its expiration; a PendingImport key
// whose permanently associated materials are all imported becomes Enabled
// (IMP-064); a Disabled key stays Disabled (decisions IMP-071).
var ImportKeyMaterial = KeyOperation[kmsapi.ImportKeyMaterialInput, kmsapi.ImportKeyMaterialOutput]{
	Name: "ImportKeyMaterial",
	// No ByAlias: an alias name or ARN is not found (IMP-047). No
	// CrossAccount: another account's key is AccessDeniedException (IMP-063).
	Validate: validateImportKeyMaterial,
	KeyRef:   func(in *kmsapi.ImportKeyMaterialInput) (string, error) { return keyRef(in.KeyId) },
	decide:   decideImportKeyMaterial,
}

// DecideImportKeyMaterial predicts the answer to an ImportKeyMaterial
// request on key k: the request checks and the key checks, in their order
// (see ImportKeyMaterial), without looking the key up, so the request's
// KeyId is taken to name k. It returns the key as it is afterwards (k itself,
// brought to env.Now, when the request fails). The fuzz oracle calls it to
// know what class of answer a target must give.
func DecideImportKeyMaterial(k Key, in *kmsapi.ImportKeyMaterialInput, env Env) (Key, *kmsapi.ImportKeyMaterialOutput, error) {
	if err := ImportKeyMaterial.Validate(in, env); err != nil {
		return k.at(env), nil, err
	}
	return ImportKeyMaterial.Decide(k, in, env)
}

// expirationModel is the ExpirationModel a request asks for: the one it
// names, else KEY_MATERIAL_EXPIRES (IMP-050).
func expirationModel(in *kmsapi.ImportKeyMaterialInput, env Env) types.ExpirationModelType {
	if in.ExpirationModel != nil {
		return *in.ExpirationModel
	}
	if in.ValidTo == nil && env.Mutants.Has(mutant.DefaultDoesNotExpire) { // IMP-050
		return types.ExpirationModelTypeKeyMaterialDoesNotExpire
	}
	return types.ExpirationModelTypeKeyMaterialExpires
}

func validateImportKeyMaterial(in *kmsapi.ImportKeyMaterialInput, env Env) error {
	rev := env.rev()
	var v violations
	v.requiredString("keyId", in.KeyId, 1, keyIDMax)
	v.requiredBlob("importToken", in.ImportToken, 1, blobMax)
	v.requiredBlob("encryptedKeyMaterial", in.EncryptedKeyMaterial, 1, blobMax)
	enum(&v, "expirationModel", in.ExpirationModel, types.ExpirationModelType("").Values())
	if rev.multiMaterial {
		// Before 2025 these members are not in the model: AWS ignores
		// members it does not know, and so does the reference.
		enum(&v, "importType", in.ImportType, types.ImportType("").Values())
		v.length("keyMaterialDescription", in.KeyMaterialDescription, 0, 256)
		v.pattern("keyMaterialDescription", in.KeyMaterialDescription, keyMaterialDescriptionPattern)
		v.length("keyMaterialId", in.KeyMaterialId, 64, 64)
		v.pattern("keyMaterialId", in.KeyMaterialId, keyMaterialIDPattern)
	}
	if err := v.err(); err != nil {
		return err
	}

	switch expirationModel(in, env) {
	case types.ExpirationModelTypeKeyMaterialExpires:
		if in.ValidTo == nil { // IMP-050, observed message
			return validation("A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES")
		}
		// IMP-052: decisions choose ValidationException.
		if !in.ValidTo.After(env.Now) && !env.Mutants.Has(mutant.AcceptPastValidTo) {
			return validation("The validTo date must be in the future.")
		}
		// IMP-053: decisions choose ValidationException; exactly 365 days
		// is accepted.
		if in.ValidTo.After(env.Now.Add(maxValidTo)) && !env.Mutants.Has(mutant.SkipValidToMax) {
			return validation("The validTo date must be at most 365 days in the future.")
		}
	case types.ExpirationModelTypeKeyMaterialDoesNotExpire:
		// IMP-051: decisions choose ValidationException.
		if in.ValidTo != nil && !env.Mutants.Has(mutant.DropValidToSilently) {
			return validation("A validTo date must not be set if the ExpirationModel is KEY_MATERIAL_DOES_NOT_EXPIRE")
		}
	}
	// IMP-079: decisions choose ValidationException.
	if rev.multiMaterial && in.ImportType != nil && *in.ImportType == types.ImportTypeNewKeyMaterial && in.KeyMaterialId != nil &&
		!env.Mutants.Has(mutant.KeyMaterialIDWithNewMaterial) {
		return validation("KeyMaterialId cannot be specified when ImportType is NEW_KEY_MATERIAL.")
	}
	return nil
}

func decideImportKeyMaterial(k Key, in *kmsapi.ImportKeyMaterialInput, env Env) (Key, *kmsapi.ImportKeyMaterialOutput, error) {
	rev := env.rev()
	if err := canHoldImportedMaterial(k, env); err != nil { // 4
		if env.Mutants.Has(mutant.AWSKMSImport500) {
			return k, nil, awserr.New(awserr.KMSInternal, "internal error: key %s has no import parameters", k.ARN())
		}
		return k, nil, err
	}
	if err := importableKey(k, env); err != nil { // 5
		return k, nil, err
	}
	// 6. IMP-070: decisions choose KMSInvalidStateException.
	if k.pendingDeletion() && !env.Mutants.Has(mutant.ImportWhilePendingDeletion) {
		return k, nil, errPendingDeletion(k)
	}
	// 7. IMP-074: decisions choose UnsupportedOperationException.
	if rev.multiMaterial && !isSymmetric(k.Spec) && (in.ImportType != nil || in.KeyMaterialId != nil || in.KeyMaterialDescription != nil) &&
		!env.Mutants.Has(mutant.MultiMaterialParametersAnyKey) {
		return k, nil, awserr.New(awserr.UnsupportedOperation, "ImportType, KeyMaterialId and KeyMaterialDescription are only valid for symmetric encryption KMS keys; %s has key spec %s.", k.ARN(), k.Spec)
	}
	// IMP-137: decisions choose UnsupportedOperationException.
	if rev.multiMaterial && k.isReplica() && in.ImportType != nil && *in.ImportType == types.ImportTypeNewKeyMaterial &&
		!env.Mutants.Has(mutant.NewMaterialIntoReplica) {
		return k, nil, awserr.New(awserr.UnsupportedOperation, "%s is a multi-Region replica key: new key material is imported into its primary key, %s, and then into the replicas with ImportType EXISTING_KEY_MATERIAL.", k.ARN(), keyARN(k.PrimaryRegion, k.AccountID, k.ID))
	}
	params, err := openToken(k, in.ImportToken, env) // 8-10
	if err != nil {
		return k, nil, err
	}
	plain, err := unwrapMaterial(params, in.EncryptedKeyMaterial, env) // 11
	if err != nil {
		return k, nil, err
	}
	mk, err := parseMaterial(k.Spec, plain, env) // 12
	if err != nil {
		return k, nil, err
	}

	k = k.clone() // 13
	imported := Material{
		ID:              materialID(k.ID, mk),
		Key:             &mk,
		ExpirationModel: expirationModel(in, env),
	}
	if imported.ExpirationModel == types.ExpirationModelTypeKeyMaterialExpires {
		imported.ValidTo = in.ValidTo.Time
	}
	if in.KeyMaterialDescription != nil {
		imported.Description = *in.KeyMaterialDescription
	}
	var id string
	if rev.multiMaterial && isSymmetric(k.Spec) {
		id, err = associateSymmetric(&k, imported, in, env)
	} else {
		id, err = associateOnly(&k, imported, env)
	}
	if err != nil {
		return k, nil, err
	}
	if k.PublicKeyDER == nil {
		k.PublicKeyDER = mk.PublicKeyDER
	}
	if k.State == types.KeyStatePendingImport && k.complete() {
		k.State = types.KeyStateEnabled // IMP-064
	}
	if legacyResponses(env) {
		return k, &kmsapi.ImportKeyMaterialOutput{}, nil // IMP-049
	}
	return k, &kmsapi.ImportKeyMaterialOutput{KeyId: responseKeyID(k, env), KeyMaterialId: ptr(id)}, nil // IMP-048
}

// legacyResponses reports whether ImportKeyMaterial and
// DeleteImportedKeyMaterial answer with an empty response, as they did before
// the 2025 profile (IMP-049, IMP-084).
func legacyResponses(env Env) bool {
	return !env.rev().multiMaterial && !env.Mutants.Has(mutant.CurrentResponsesInLegacyProfiles) // IMP-049, IMP-084
}

// openToken checks the import token (steps 8 to 10).
//
// IMP-039, a choice: AWS says every import must use a newly downloaded
// public key and token, but not what happens to a token that has already
// been used; reusing a consumed token is UNCONFIRMED (research IMP-039).
// The reference keeps no record of consumed tokens: a token and blob that
// imported once import again while the token is valid (ParametersValidTo),
// as a reimport of the same material (IMP-065). Refusing reuse would need
// per-token state for a behaviour no AWS source or observation shows; the
// catalogue's IMP-039 spec only asserts that fresh parameters work, so it
// holds for a KMS that refuses reuse too.
func openToken(k Key, token []byte, env Env) (importtoken.Parameters, error) {
	p, ok := env.Tokens.Open(token)
	if !ok { // IMP-057
		return p, awserr.New(awserr.InvalidImportToken, "The import token is invalid.")
	}
	if p.KeyARN != k.ARN() && !env.Mutants.Has(mutant.AcceptForeignToken) { // IMP-057, IMP-133
		return p, awserr.New(awserr.InvalidImportToken, "The import token is associated with a different KMS key than %s.", k.ARN())
	}
	if p.Sequence != k.ParametersIssued && env.Mutants.Has(mutant.RejectEarlierToken) { // IMP-014, IMP-018
		return p, awserr.New(awserr.InvalidImportToken, "The import token is invalid.")
	}
	if env.Now.After(p.ValidTo) && !env.Mutants.Has(mutant.AcceptExpiredToken) { // IMP-058
		return p, awserr.New(awserr.ExpiredImportToken, "The import token expired at %s. Call GetParametersForImport for a new import token and public key.", p.ValidTo.Format(time.RFC3339))
	}
	return p, nil
}

// unwrapMaterial decrypts the wrapped material with the wrapping key and
// algorithm of the token (step 11). Every failure is the same error: the
// answer must not tell padding from length from order (no oracle).
//
// IMP-037, a choice: under RSA_AES_KEY_WRAP_SHA_* the RSA part must carry a
// 256-bit AES key (wrap.Unwrap refuses 128 and 192 bits). AWS's guide
// builds the blob with a 256-bit key and never says whether other AES key
// sizes are accepted (UNCONFIRMED, research IMP-037). The reference keeps
// refusing them, with InvalidCiphertextException, because accepting what
// AWS does not describe would let a target pass that accepts weaker keys;
// the suite's AES-128 case of IMP-037 is provisional, so a target that
// accepts them is reported, not failed.
//
// IMP-026, IMP-059 and RSAES_PKCS1_V1_5 (profile 2022 only; withdrawn on
// 2023-10-10, IMP-025): this step and step 12 answer with the two codes AWS
// documents, InvalidCiphertextException when KMS "could not decrypt the
// encrypted (wrapped) key material" and IncorrectKeyMaterialException when
// the key material "is invalid". Under a PKCS#1 v1.5 token that makes a
// Bleichenbacher-style distinguisher: a blob whose decryption passes
// PKCS#1 v1.5 decoding but yields material of the wrong length or form gets
// IncorrectKeyMaterialException from step 12, every other blob
// InvalidCiphertextException here, so the code tells whether a chosen
// ciphertext is PKCS#1-conformant. The reference does this on purpose: it
// models the codes AWS documents, and a 2022 target answering otherwise
// could not be told from AWS by the suite. It is safe only because the
// reference is a test service holding test material; it is one reason AWS
// withdrew PKCS#1 v1.5 wrapping, and the 2023 and 2025 profiles refuse it
// at GetParametersForImport (IMP-025). The suite's IMP-059 probes under a
// PKCS#1 token are built never to decode (fixtures/wrap/pkcs1.go), so they
// do not depend on this distinction. OAEP decoding gives no such signal:
// every OAEP and RSA_AES_KEY_WRAP failure is the one error here.
func unwrapMaterial(p importtoken.Parameters, blob []byte, env Env) ([]byte, error) {
	plain, err := wrap.Unwrap(p.WrappingAlgorithm, p.WrappingKey, blob)
	if err == nil {
		return plain, nil
	}
	switch { // IMP-059
	case env.Mutants.Has(mutant.WrongErrorCode):
		return nil, validation("The encrypted key material is invalid.")
	case env.Mutants.Has(mutant.Crypto500):
		return nil, awserr.New(awserr.KMSInternal, "unwrap failed: %v", err)
	}
	return nil, awserr.New(awserr.InvalidCiphertext, "KMS could not decrypt the encrypted (wrapped) key material.")
}

// parseMaterial validates the unwrapped material for the key spec (step
// 12). Decisions choose IncorrectKeyMaterialException for every defect
// (IMP-040..IMP-045).
func parseMaterial(spec types.KeySpec, plain []byte, env Env) (material.Key, error) {
	mk, err := material.Parse(spec, plain)
	if err == nil {
		// IMP-042, IMP-043: PKCS#8 may be BER; a parser for DER only
		// refuses it.
		if isAsymmetric(spec) && !isDER(plain) && env.Mutants.Has(mutant.RejectBERMaterial) {
			return material.Key{}, awserr.New(awserr.IncorrectKeyMaterial, "The key material is not valid DER.")
		}
		return mk, nil
	}
	var pe *material.ParseError
	if errors.As(err, &pe) && pe.Reason == material.ReasonWrongLength && env.Mutants.Has(mutant.SkipMaterialLengthCheck) { // IMP-040, IMP-041
		if acceptsAnyLength(spec, len(plain)) {
			return material.Key{Spec: spec, Secret: append([]byte(nil), plain...)}, nil
		}
	}
	if errors.As(err, &pe) && otherSpec(pe.Reason) && env.Mutants.Has(mutant.AcceptMaterialOfAnotherSpec) { // IMP-045
		if mk, ok := parseAsAnySpec(plain); ok {
			return mk, nil
		}
	}
	return material.Key{}, awserr.New(awserr.IncorrectKeyMaterial, "The key material is not valid for key spec %s.", spec)
}

// isDER reports whether b is one DER-encoded ASN.1 value: definite, minimal
// lengths throughout its constructed values (encoding/asn1 refuses anything
// else).
func isDER(b []byte) bool {
	var v asn1.RawValue
	rest, err := asn1.Unmarshal(b, &v)
	if err != nil || len(rest) != 0 {
		return false
	}
	if !v.IsCompound {
		return true
	}
	for inner := v.Bytes; len(inner) > 0; {
		var child asn1.RawValue
		next, err := asn1.Unmarshal(inner, &child)
		if err != nil || !isDER(child.FullBytes) {
			return false
		}
		inner = next
	}
	return true
}

// otherSpec reports whether a parse failure says the material is a valid
// private key of another key spec (IMP-045).
func otherSpec(r material.Reason) bool {
	return r == material.ReasonWrongModulusSize || r == material.ReasonWrongCurve || r == material.ReasonWrongAlgorithm
}

// parseAsAnySpec is the material check of the mutant
// accept-material-of-another-spec: any private key of an importable
// asymmetric key spec.
func parseAsAnySpec(plain []byte) (material.Key, bool) {
	for _, spec := range material.Importable() {
		if !isAsymmetric(spec) {
			continue
		}
		if mk, err := material.Parse(spec, plain); err == nil {
			return mk, true
		}
	}
	return material.Key{}, false
}

// acceptsAnyLength is the length check of the mutant
// skip-material-length-check: any AES key size for symmetric keys, any
// non-empty HMAC key.
func acceptsAnyLength(spec types.KeySpec, n int) bool {
	if isSymmetric(spec) {
		return n == 16 || n == 24 || n == 32
	}
	return isHMAC(spec) && n > 0
}

// associateOnly imports the one material of a key that has a single
// material: every key before 2025, asymmetric and HMAC keys since (IMP-073).
// It returns the material's ID.
func associateOnly(k *Key, imported Material, env Env) (string, error) {
	if len(k.Materials) == 0 {
		imported.State = types.KeyMaterialStateCurrent
		imported.Imports = 1
		k.Materials = []Material{imported}
		return imported.ID, nil
	}
	return reimport(k, 0, imported, env)
}

// reimport imports material into the key's existing material i.
//
// IMP-056, IMP-066, a choice for 2022 and 2023: the legacy guide said to
// delete imported material before reimporting it (to change the
// expiration, or at all), while the legacy key-state table (DG-KS) already
// allowed ImportKeyMaterial on an Enabled EXTERNAL key ("? [9]"), and no
// AWS behaviour was recorded (research 9.3, 9.11). The catalogue lists both
// rules as contradicted (suites/catalogue/ineligible.yaml) and no spec
// checks them. The reference follows the table in every profile: the same
// material is reimported without a delete (IMP-065), which sets its
// expiration anew (IMP-055). A target that insists on a delete in 2022 or
// 2023 fails IMP-065 there; mutant refuse-reimport-while-enabled is that
// behaviour.
func reimport(k *Key, i int, imported Material, env Env) (string, error) {
	m := &k.Materials[i]
	if m.ID != imported.ID {
		if !env.Mutants.Has(mutant.AcceptDifferentMaterial) { // IMP-067, IMP-078, IMP-097, IMP-132
			return "", awserr.New(awserr.IncorrectKeyMaterial, "The key material is not the key material previously imported into %s.", k.ARN())
		}
		m.ID = imported.ID
	}
	if m.Key != nil && env.Mutants.Has(mutant.RefuseReimportWhileEnabled) { // IMP-065
		return "", awserr.New(awserr.KMSInvalidState, "%s already has imported key material; delete it before importing.", k.ARN())
	}
	m.Key = imported.Key
	m.Imports++
	m.ExpirationModel = imported.ExpirationModel // IMP-055: a reimport sets the expiration anew
	m.ValidTo = imported.ValidTo
	if imported.Description != "" { // IMP-081: kept when not given
		m.Description = imported.Description
	}
	return m.ID, nil
}

// associateSymmetric is the 2025 association of a symmetric key, which can
// hold several materials.
func associateSymmetric(k *Key, imported Material, in *kmsapi.ImportKeyMaterialInput, env Env) (string, error) {
	importType := types.ImportTypeExistingKeyMaterial
	switch {
	case in.ImportType != nil:
		importType = *in.ImportType
	case len(k.Materials) == 0 && !k.isReplica(): // IMP-072; a replica has its primary's materials (IMP-137)
		importType = types.ImportTypeNewKeyMaterial
	}

	if importType == types.ImportTypeNewKeyMaterial {
		if len(k.Materials) == 0 { // IMP-073: the first material becomes current
			imported.State = types.KeyMaterialStateCurrent
			imported.Imports = 1
			k.Materials = []Material{imported}
			return imported.ID, nil
		}
		if i := k.byID(imported.ID); i >= 0 { // IMP-077
			if env.Mutants.Has(mutant.NewMaterialAlreadyAssociated) {
				return reimport(k, i, imported, env)
			}
			return "", awserr.New(awserr.IncorrectKeyMaterial, "KMS expected new key material, but the key material being imported is already associated with %s.", k.ARN())
		}
		if p := k.pending(); p >= 0 { // IMP-076, observed message
			if !env.Mutants.Has(mutant.AllowSecondPendingMaterial) {
				return "", awserr.New(awserr.KMSInvalidState, "New key material (id: %s) cannot be imported into KMS key %s, because another key material (id: %s) is pending rotation.", imported.ID, k.ID, k.Materials[p].ID)
			}
			k.Materials = append(k.Materials[:p], k.Materials[p+1:]...)
		}
		// IMP-075: pending rotation, not yet permanently associated; the key
		// state and CurrentKeyMaterialId do not change. A multi-Region
		// primary's new material is PENDING_MULTI_REGION_IMPORT_AND_ROTATION
		// until every replica has it (IMP-138, set by SyncMultiRegion).
		imported.State = types.KeyMaterialStatePendingRotation
		imported.Imports = 1
		k.Materials = append(k.Materials, imported)
		return imported.ID, nil
	}

	// EXISTING_KEY_MATERIAL (IMP-078, IMP-080).
	if in.KeyMaterialId != nil && *in.KeyMaterialId != imported.ID && !env.Mutants.Has(mutant.IgnoreKeyMaterialID) {
		// IMP-080: decisions choose IncorrectKeyMaterialException.
		return "", awserr.New(awserr.IncorrectKeyMaterial, "The key material does not have KeyMaterialId %s.", *in.KeyMaterialId)
	}
	if len(k.Materials) == 0 {
		return "", awserr.New(awserr.IncorrectKeyMaterial, "%s has no key material to reimport.", k.ARN())
	}
	i := k.byID(imported.ID)
	if i < 0 {
		// Not associated with the key: reimport reports it, or (mutant
		// accept-different-material) overwrites the current material.
		i = max(k.current(), 0)
	}
	return reimport(k, i, imported, env)
}
