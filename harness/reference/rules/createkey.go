package rules

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsconform/kmsconform/fixtures/material"
	"github.com/kmsconform/kmsconform/harness/reference/awserr"
	"github.com/kmsconform/kmsconform/harness/reference/kmsapi"
	"github.com/kmsconform/kmsconform/harness/reference/mutant"
)

// usages is the KeyUsage each key spec allows (IMP-009).
var usages = map[types.KeySpec][]types.KeyUsageType{
	types.KeySpecSymmetricDefault:    {types.KeyUsageTypeEncryptDecrypt},
	types.KeySpecHmac224:             {types.KeyUsageTypeGenerateVerifyMac},
	types.KeySpecHmac256:             {types.KeyUsageTypeGenerateVerifyMac},
	types.KeySpecHmac384:             {types.KeyUsageTypeGenerateVerifyMac},
	types.KeySpecHmac512:             {types.KeyUsageTypeGenerateVerifyMac},
	types.KeySpecRsa2048:             {types.KeyUsageTypeEncryptDecrypt, types.KeyUsageTypeSignVerify},
	types.KeySpecRsa3072:             {types.KeyUsageTypeEncryptDecrypt, types.KeyUsageTypeSignVerify},
	types.KeySpecRsa4096:             {types.KeyUsageTypeEncryptDecrypt, types.KeyUsageTypeSignVerify},
	types.KeySpecEccNistP256:         {types.KeyUsageTypeSignVerify, types.KeyUsageTypeKeyAgreement},
	types.KeySpecEccNistP384:         {types.KeyUsageTypeSignVerify, types.KeyUsageTypeKeyAgreement},
	types.KeySpecEccNistP521:         {types.KeyUsageTypeSignVerify, types.KeyUsageTypeKeyAgreement},
	types.KeySpecEccSecgP256k1:       {types.KeyUsageTypeSignVerify},
	types.KeySpecEccNistEdwards25519: {types.KeyUsageTypeSignVerify},
	types.KeySpecSm2:                 {types.KeyUsageTypeEncryptDecrypt, types.KeyUsageTypeSignVerify, types.KeyUsageTypeKeyAgreement},
	types.KeySpecMlDsa44:             {types.KeyUsageTypeSignVerify},
	types.KeySpecMlDsa65:             {types.KeyUsageTypeSignVerify},
	types.KeySpecMlDsa87:             {types.KeyUsageTypeSignVerify},
	types.KeySpecMlKem512:            {types.KeyUsageTypeEncapsulateDecapsulate},
	types.KeySpecMlKem768:            {types.KeyUsageTypeEncapsulateDecapsulate},
	types.KeySpecMlKem1024:           {types.KeyUsageTypeEncapsulateDecapsulate},
}

// importable reports whether keys of spec may have Origin=EXTERNAL in the
// profile: symmetric keys only in 2022 (IMP-006, IMP-027), every spec but
// SM2 (China only) and ML-DSA (IMP-005) since 2023 (IMP-004).
func importable(spec types.KeySpec, env Env) bool {
	switch {
	case spec == types.KeySpecEccSecgP256k1 && env.Mutants.Has(mutant.RefuseExternalSecp256k1): // IMP-004
		return false
	case slices.Contains(env.rev().importable, spec):
		return true
	case strings.HasPrefix(string(spec), "ML_DSA_"):
		return env.Mutants.Has(mutant.AllowMLDSAImport) // IMP-005
	case isHMAC(spec):
		return env.Mutants.Has(mutant.AllowHMACImport) // IMP-006, IMP-027
	case isRSA(spec) || strings.HasPrefix(string(spec), "ECC_"):
		return env.Mutants.Has(mutant.AllowAsymmetricImport) // IMP-006, IMP-027
	}
	return false
}

// KeysPerAccountMax is AWS's quota of KMS keys per account and Region
// (AWS KMS quotas, "KMS keys: 100,000"), keys pending deletion included.
const KeysPerAccountMax = 100000

// KeyQuotaExceeded is the error of a CreateKey in an account and Region
// that hold quota keys already.
func KeyQuotaExceeded(quota int) error {
	return awserr.New(awserr.LimitExceeded, "This account already has %d KMS keys in this Region, its quota. Delete keys you no longer need (ScheduleKeyDeletion) before creating more.", quota)
}

// CreateKey decides a CreateKey request in an account and Region that
// already have existing keys, and returns the new key.
func CreateKey(in *kmsapi.CreateKeyInput, existing int, env Env) (Key, *kmsapi.CreateKeyOutput, error) {
	rev := env.rev()
	var v violations
	v.length("policy", in.Policy, 1, 131072)
	v.length("description", in.Description, 0, 8192)
	enum(&v, "keyUsage", in.KeyUsage, rev.keyUsages)
	enum(&v, "customerMasterKeySpec", in.CustomerMasterKeySpec, types.CustomerMasterKeySpec("").Values())
	enum(&v, "keySpec", in.KeySpec, rev.keySpecs)
	if !env.Mutants.Has(mutant.AcceptUnknownOrigin) {
		enum(&v, "origin", in.Origin, types.OriginType("").Values()) // IMP-001
	}
	v.length("customKeyStoreId", in.CustomKeyStoreId, 1, 64)
	v.length("xksKeyId", in.XksKeyId, 1, 128)
	tagConstraints(&v, in.Tags)
	if err := v.err(); err != nil {
		return Key{}, nil, err
	}
	if in.KeySpec != nil && in.CustomerMasterKeySpec != nil {
		return Key{}, nil, validation("You cannot specify KeySpec and CustomerMasterKeySpec in the same request. CustomerMasterKeySpec is deprecated.")
	}
	spec := types.KeySpecSymmetricDefault
	switch {
	case in.KeySpec != nil:
		spec = *in.KeySpec
	case in.CustomerMasterKeySpec != nil:
		spec = types.KeySpec(*in.CustomerMasterKeySpec)
	}
	usage := types.KeyUsageTypeEncryptDecrypt
	if in.KeyUsage != nil {
		usage = *in.KeyUsage
	}
	origin := types.OriginTypeAwsKms
	if in.Origin != nil {
		origin = *in.Origin
	}

	// IMP-009: decisions choose ValidationException for a KeyUsage the key
	// spec does not allow.
	if !slices.Contains(usages[spec], usage) && !env.Mutants.Has(mutant.SkipKeyUsageCheck) {
		return Key{}, nil, validation("KeyUsage %s is not compatible with KeySpec %s.", usage, spec)
	}
	// Custom key stores are out of the reference's scope (IMP-007, IMP-016
	// and IMP-062 are ineligible): there are none to name.
	if in.CustomKeyStoreId != nil {
		return Key{}, nil, awserr.New(awserr.CustomKeyStoreNotFound, "Custom key store %s does not exist.", *in.CustomKeyStoreId)
	}
	if origin == types.OriginTypeAwsCloudhsm || origin == types.OriginTypeExternalKeyStore {
		return Key{}, nil, awserr.New(awserr.UnsupportedOperation, "Origin %s needs a custom key store, and this endpoint has none.", origin)
	}
	if origin == types.OriginTypeExternal && !importable(spec, env) {
		// IMP-006 (2022: asymmetric and HMAC) and IMP-005 (ML-DSA): decisions
		// choose UnsupportedOperationException at CreateKey.
		return Key{}, nil, awserr.New(awserr.UnsupportedOperation, "KeySpec %s cannot have Origin EXTERNAL.", spec)
	}
	if origin != types.OriginTypeExternal && !slices.Contains(material.Importable(), spec) {
		// SM2 exists only in China Regions; ML-DSA and ML-KEM keys are not
		// modelled by the reference, which cannot generate their material.
		// (An EXTERNAL key gets no material here; importable decided on it.)
		return Key{}, nil, awserr.New(awserr.UnsupportedOperation, "KeySpec %s is not supported by this endpoint.", spec)
	}
	tags, err := mergeTags(nil, in.Tags)
	if err != nil {
		return Key{}, nil, err
	}
	// The count can be stale by the time the key is stored; the store
	// checks the quota again as it adds (reference.Server.CreateKey).
	if existing >= KeysPerAccountMax {
		return Key{}, nil, KeyQuotaExceeded(KeysPerAccountMax)
	}

	k := Key{
		AccountID:    env.AccountID,
		Region:       env.Region,
		CreationDate: env.Now,
		Spec:         spec,
		Usage:        usage,
		Origin:       origin,
		MultiRegion:  in.MultiRegion != nil && *in.MultiRegion && !env.Mutants.Has(mutant.IgnoreMultiRegionFlag), // IMP-008
		State:        types.KeyStateEnabled,
		Tags:         tags,
	}
	if in.Description != nil {
		k.Description = *in.Description
	}
	k.Policy = DefaultKeyPolicy(Partition(env.Region), env.AccountID)
	if in.Policy != nil {
		if _, err := parsePolicy(*in.Policy); err != nil {
			return Key{}, nil, err
		}
		k.Policy = *in.Policy
	}
	if k.MultiRegion { // IMP-008: a new multi-Region key is a primary key
		k.PrimaryRegion = k.Region
	}
	if k.ID, err = newKeyID(k.MultiRegion); err != nil {
		return Key{}, nil, err
	}
	if origin == types.OriginTypeExternal {
		// IMP-002, IMP-003, IMP-008: no material, PendingImport.
		k.State = types.KeyStatePendingImport
	} else {
		m, err := generateMaterial(k)
		if err != nil {
			return Key{}, nil, err
		}
		k.Materials = []Material{m}
		k.PublicKeyDER = m.Key.PublicKeyDER
	}
	md := metadata(k, env)
	if k.State == types.KeyStatePendingImport && env.Mutants.Has(mutant.ExternalKeyReportedEnabled) { // IMP-002
		md.Enabled = true
	}
	return k, &kmsapi.CreateKeyOutput{KeyMetadata: md}, nil
}

// generateMaterial makes the material of an AWS_KMS key.
func generateMaterial(k Key) (Material, error) {
	raw, err := material.New(k.Spec)
	if err != nil {
		return Material{}, awserr.New(awserr.KMSInternal, "generating %s key material: %v", k.Spec, err)
	}
	mk, err := material.Parse(k.Spec, raw.Bytes)
	if err != nil {
		return Material{}, awserr.New(awserr.KMSInternal, "generated %s key material does not parse: %v", k.Spec, err)
	}
	return Material{ID: materialID(k.ID, mk), State: types.KeyMaterialStateCurrent, Key: &mk, Imports: 1}, nil
}

// newKeyID returns a random key ID: a UUID, or for a multi-Region key "mrk-"
// and 32 hex digits (IMP-008).
func newKeyID(multiRegion bool) (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	if multiRegion {
		return "mrk-" + hex.EncodeToString(b[:]), nil
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:]), nil
}
