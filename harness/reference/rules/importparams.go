package rules

import (
	"crypto/rsa"
	"crypto/x509"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsconform/kmsconform/harness/reference/awserr"
	"github.com/kmsconform/kmsconform/harness/reference/importtoken"
	"github.com/kmsconform/kmsconform/harness/reference/kmsapi"
	"github.com/kmsconform/kmsconform/harness/reference/mutant"
)

// canHoldImportedMaterial is the origin rule of the three import operations:
// only EXTERNAL keys have imported material (IMP-015, IMP-061, IMP-088; DG-KS
// [9]).
func canHoldImportedMaterial(k Key, env Env) error {
	if k.Origin != types.OriginTypeExternal && !env.Mutants.Has(mutant.ImportIntoAWSKMSKey) {
		return errOrigin(k)
	}
	return nil
}

// importableKey is the key-type rule of GetParametersForImport and
// ImportKeyMaterial (IMP-027: 2022 rejects asymmetric and HMAC keys with
// UnsupportedOperationException). Such keys cannot be created with
// Origin=EXTERNAL in the first place, but a key must not take material its
// profile does not allow however it came to be.
func importableKey(k Key, env Env) error {
	if !importable(k.Spec, env) {
		return awserr.New(awserr.UnsupportedOperation, "%s has key spec %s, which cannot have imported key material.", k.ARN(), k.Spec)
	}
	return nil
}

// GetParametersForImport issues a wrapping public key and an import token.
var GetParametersForImport = KeyOperation[kmsapi.GetParametersForImportInput, kmsapi.GetParametersForImportOutput]{
	Name: "GetParametersForImport",
	// No ByAlias: an alias name or ARN is not found (IMP-010). No
	// CrossAccount: another account's key is AccessDeniedException (IMP-017).
	Validate: func(in *kmsapi.GetParametersForImportInput, env Env) error {
		// IMP-010; IMP-021 and IMP-024: in 2022 RSA_3072, RSA_4096 and
		// RSA_AES_KEY_WRAP_* are not in the model's enums (decisions:
		// ValidationException).
		rev := env.rev()
		var v violations
		v.requiredString("keyId", in.KeyId, 1, keyIDMax)
		if v.required("wrappingAlgorithm", in.WrappingAlgorithm != nil) {
			enum(&v, "wrappingAlgorithm", in.WrappingAlgorithm, rev.wrappingAlgorithms)
		}
		if v.required("wrappingKeySpec", in.WrappingKeySpec != nil) {
			enum(&v, "wrappingKeySpec", in.WrappingKeySpec, wrappingKeySpecs(env))
		}
		return v.err()
	},
	KeyRef: func(in *kmsapi.GetParametersForImportInput) (string, error) { return keyRef(in.KeyId) },
	decide: decideGetParametersForImport,
}

func decideGetParametersForImport(k Key, in *kmsapi.GetParametersForImportInput, env Env) (Key, *kmsapi.GetParametersForImportOutput, error) {
	alg, spec := *in.WrappingAlgorithm, *in.WrappingKeySpec
	if err := canHoldImportedMaterial(k, env); err != nil {
		return k, nil, err
	}
	if err := importableKey(k, env); err != nil {
		return k, nil, err
	}
	if k.pendingDeletion() && !env.Mutants.Has(mutant.ParametersWhilePendingDeletion) { // IMP-020, DG-KS [8]
		return k, nil, errPendingDeletion(k)
	}
	if err := wrappingSupported(k, alg, spec, env); err != nil {
		return k, nil, err
	}

	k = k.clone()
	keySpec := spec
	if env.Mutants.Has(mutant.WrappingKeySpecIgnored) { // IMP-013
		keySpec = types.WrappingKeySpecRsa3072
	}
	wrappingKey, err := wrappingKeyFor(&k, keySpec, env)
	if err != nil {
		return k, nil, err
	}
	publicKey, err := x509.MarshalPKIXPublicKey(&wrappingKey.PublicKey) // IMP-013: DER SubjectPublicKeyInfo
	if err != nil {
		return k, nil, awserr.New(awserr.KMSInternal, "encoding the wrapping public key: %v", err)
	}
	k.ParametersIssued++
	lifetime := env.TokenLifetime
	if env.Mutants.Has(mutant.TokenLifetimeOneHour) { // IMP-012
		lifetime /= 24 // one hour of AWS's 24
	}
	validTo := env.Now.Add(lifetime) // IMP-012
	token, err := env.Tokens.Issue(importtoken.Parameters{
		KeyARN:            k.ARN(),
		Sequence:          k.ParametersIssued,
		WrappingAlgorithm: alg,
		WrappingKeySpec:   spec,
		ValidTo:           validTo,
		WrappingKey:       wrappingKey,
	})
	if err != nil {
		return k, nil, awserr.New(awserr.KMSInternal, "issuing the import token: %v", err)
	}
	return k, &kmsapi.GetParametersForImportOutput{
		KeyId:             responseKeyID(k, env), // IMP-011
		ImportToken:       token,
		PublicKey:         publicKey,
		ParametersValidTo: kmsapi.At(validTo),
	}, nil
}

// responseKeyID is how the responses of the import operations name the key:
// by its key ARN, whatever the request named it by (IMP-011, IMP-048,
// IMP-083).
func responseKeyID(k Key, env Env) *string {
	if env.Mutants.Has(mutant.KeyIDInsteadOfARN) { // IMP-011, IMP-048, IMP-083
		return ptr(k.ID)
	}
	return ptr(k.ARN())
}

// wrappingKeySpecs are the values of WrappingKeySpec the profile's API has
// (IMP-021, IMP-022).
func wrappingKeySpecs(env Env) []types.WrappingKeySpec {
	switch {
	case env.Mutants.Has(mutant.LegacyWrappingKeySpecs): // IMP-021
		return []types.WrappingKeySpec{types.WrappingKeySpecRsa2048}
	case env.Mutants.Has(mutant.AcceptLaterWrappingKeySpecs): // IMP-021, IMP-022
		return types.WrappingKeySpec("").Values()
	}
	return env.rev().wrappingKeySpecs
}

// wrappingKeyFor returns the wrapping key pair of one response: a fresh one
// each time (IMP-018, IMP-060).
func wrappingKeyFor(k *Key, spec types.WrappingKeySpec, env Env) (*rsa.PrivateKey, error) {
	if !env.Mutants.Has(mutant.AcceptMismatchedPublicKey) { // IMP-018, IMP-060
		return freshWrappingKey(spec, env)
	}
	if key, ok := k.SharedWrappingKeys[spec]; ok {
		return key, nil
	}
	key, err := freshWrappingKey(spec, env)
	if err != nil {
		return nil, err
	}
	if k.SharedWrappingKeys == nil {
		k.SharedWrappingKeys = map[types.WrappingKeySpec]*rsa.PrivateKey{}
	}
	k.SharedWrappingKeys[spec] = key
	return key, nil
}

func freshWrappingKey(spec types.WrappingKeySpec, env Env) (*rsa.PrivateKey, error) {
	key, err := env.WrappingKey(spec)
	if err != nil {
		return nil, awserr.New(awserr.KMSInternal, "no %s wrapping key pair: %v", spec, err)
	}
	return key, nil
}

// wrappingSupported is the wrapping matrix of suites/catalogue/wrapping.yaml (research §5)
// for the combinations the enums let through.
func wrappingSupported(k Key, alg types.AlgorithmSpec, spec types.WrappingKeySpec, env Env) error {
	switch {
	case spec == types.WrappingKeySpecSm2 || alg == types.AlgorithmSpecSm2pke:
		// IMP-021, IMP-034: SM2 wrapping exists only in China Regions
		// (inferred: UnsupportedOperationException).
		return awserr.New(awserr.UnsupportedOperation, "%s and %s are available only in the China Regions.", types.WrappingKeySpecSm2, types.AlgorithmSpecSm2pke)
	case alg == types.AlgorithmSpecRsaesPkcs1V15 && pkcs1Withdrawn(env):
		// IMP-025: decisions choose UnsupportedOperationException at
		// GetParametersForImport.
		return awserr.New(awserr.UnsupportedOperation, "As of October 10, 2023, KMS does not support the RSAES_PKCS1_V1_5 wrapping algorithm.")
	case alg == types.AlgorithmSpecRsaesOaepSha1 && env.Mutants.Has(mutant.RefuseOAEPSHA1): // IMP-023, IMP-028
		return awserr.New(awserr.UnsupportedOperation, "%s is not supported; use %s.", alg, types.AlgorithmSpecRsaesOaepSha256)
	case alg == types.AlgorithmSpecRsaAesKeyWrapSha1 && env.Mutants.Has(mutant.RefuseRSAAESSHA1): // IMP-023, IMP-030
		return awserr.New(awserr.UnsupportedOperation, "%s is not supported; use %s.", alg, types.AlgorithmSpecRsaAesKeyWrapSha256)
	case isRSA(k.Spec) && alg != types.AlgorithmSpecRsaAesKeyWrapSha1 && alg != types.AlgorithmSpecRsaAesKeyWrapSha256:
		// IMP-030: an RSA private key does not fit one RSA-OAEP block;
		// decisions choose UnsupportedOperationException here.
		return awserr.New(awserr.UnsupportedOperation, "%s cannot wrap %s key material; use %s or %s.", alg, k.Spec, types.AlgorithmSpecRsaAesKeyWrapSha256, types.AlgorithmSpecRsaAesKeyWrapSha1)
	case k.Spec == types.KeySpecEccNistP521 && spec == types.WrappingKeySpecRsa2048 &&
		(alg == types.AlgorithmSpecRsaesOaepSha1 || alg == types.AlgorithmSpecRsaesOaepSha256):
		// IMP-032: decisions choose UnsupportedOperationException here.
		if env.Mutants.Has(mutant.P521OAEPRSA2048Crash) {
			return awserr.New(awserr.KMSInternal, "internal error: %s key material overflows one %s block under %s", k.Spec, alg, spec)
		}
		if env.Mutants.Has(mutant.AcceptP521OAEPRSA2048) {
			return nil
		}
		return awserr.New(awserr.UnsupportedOperation, "%s with an %s wrapping key cannot wrap %s key material; use a larger wrapping key or %s.", alg, spec, k.Spec, types.AlgorithmSpecRsaAesKeyWrapSha256)
	}
	// IMP-035: RSA_AES_KEY_WRAP_* for symmetric and HMAC material is
	// accepted (decisions; provisional).
	return nil
}

// pkcs1Withdrawn reports whether RSAES_PKCS1_V1_5 is refused: from the 2023
// profile on (IMP-025); before, it wrapped symmetric material (IMP-026).
func pkcs1Withdrawn(env Env) bool {
	if env.rev().pkcs1Wrapping {
		return env.Mutants.Has(mutant.RefusePKCS1In2022) // IMP-024, IMP-026
	}
	return !env.Mutants.Has(mutant.AcceptPKCS1After2023) // IMP-025
}
