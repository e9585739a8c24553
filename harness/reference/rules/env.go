package rules

import (
	"crypto/rsa"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsconform/kmsconform/harness/profile"
	"github.com/kmsconform/kmsconform/harness/reference/importtoken"
	"github.com/kmsconform/kmsconform/harness/reference/mutant"
)

// Env is everything a decision depends on besides the key record and the
// request: the profile, the time of the request, the caller's account and the
// Region the request addressed, the Regions the endpoint serves, the other
// keys of a multi-Region key's set, the mutants switched on, and the two
// sources of secrets (import tokens and wrapping key pairs).
type Env struct {
	Profile   profile.Profile
	Now       time.Time
	AccountID string // the caller's account
	Region    string // the Region the request addressed
	// Regions are the Regions the endpoint serves (ReplicateKey may
	// replicate into any of them).
	Regions []string
	// Related are, for a decision on a multi-Region key, the other keys of
	// its set (same account and key ID, other Regions) as they are at Now.
	Related []Key
	Mutants mutant.Set

	// Tokens issues import tokens (GetParametersForImport) and opens them
	// again (ImportKeyMaterial).
	Tokens ImportTokens
	// TokenLifetime is how long import parameters stay valid (AWS: 24 h,
	// research IMP-012).
	TokenLifetime time.Duration
	// WrappingKey returns a fresh RSA key pair of the spec for one
	// GetParametersForImport response. It is called only once every check
	// has passed.
	WrappingKey func(types.WrappingKeySpec) (*rsa.PrivateKey, error)
}

// ImportTokens issues and opens import tokens. The reference uses an
// importtoken.Sealer; a fuzz oracle that predicts the answers of another
// endpoint can supply its own view of the tokens it holds.
type ImportTokens interface {
	Issue(importtoken.Parameters) ([]byte, error)
	// Open reports false for a token that was not issued by this issuer or
	// was altered (research IMP-057).
	Open(token []byte) (importtoken.Parameters, bool)
}

// revision is what distinguishes the profiles: the enums of the API model of
// the time, what may be imported, and which operations and response members
// exist. One table per profile keeps the differences in one place.
type revision struct {
	keySpecs           []types.KeySpec
	keyUsages          []types.KeyUsageType
	signingAlgorithms  []types.SigningAlgorithmSpec
	messageTypes       []types.MessageType
	wrappingKeySpecs   []types.WrappingKeySpec
	wrappingAlgorithms []types.AlgorithmSpec
	// importable lists the key specs that may have Origin=EXTERNAL.
	importable []types.KeySpec
	// operations that exist only in some profiles; the rest always exist.
	rotateKeyOnDemand, listKeyRotations, deriveSharedSecret bool
	// pkcs1Wrapping: RSAES_PKCS1_V1_5 still accepted (until 2023-10-10,
	// IMP-025, IMP-026).
	pkcs1Wrapping bool
	// multiMaterial: ImportType, KeyMaterialId, KeyMaterialDescription,
	// several materials per symmetric key, responses naming KeyId and
	// KeyMaterialId, CurrentKeyMaterialId (since 2025-06-05).
	multiMaterial bool
	// rotateExternal: RotateKeyOnDemand on symmetric EXTERNAL keys (since
	// 2025-06-05; before, IMP-114).
	rotateExternal bool
	// rotationOutputs: GetKeyRotationStatus returns KeyId and
	// RotationPeriodInDays; EnableKeyRotation takes RotationPeriodInDays
	// (since 2024-04-12).
	rotationOutputs bool
	// publicKeyWhenDisabled: GetPublicKey works on a Disabled key (legacy
	// DG-KS table: DisabledException; current: ✓, IMP-125).
	publicKeyWhenDisabled bool
	// onDemandRotationLimit is the number of on-demand rotations per key
	// (IMP-113: 10 until the 2026-02-16 doc, 25 since).
	onDemandRotationLimit int
}

var (
	legacyKeySpecs = []types.KeySpec{
		types.KeySpecRsa2048, types.KeySpecRsa3072, types.KeySpecRsa4096,
		types.KeySpecEccNistP256, types.KeySpecEccNistP384, types.KeySpecEccNistP521, types.KeySpecEccSecgP256k1,
		types.KeySpecSymmetricDefault,
		types.KeySpecHmac224, types.KeySpecHmac256, types.KeySpecHmac384, types.KeySpecHmac512,
		types.KeySpecSm2,
	}
	legacySigningAlgorithms = []types.SigningAlgorithmSpec{
		types.SigningAlgorithmSpecRsassaPssSha256, types.SigningAlgorithmSpecRsassaPssSha384, types.SigningAlgorithmSpecRsassaPssSha512,
		types.SigningAlgorithmSpecRsassaPkcs1V15Sha256, types.SigningAlgorithmSpecRsassaPkcs1V15Sha384, types.SigningAlgorithmSpecRsassaPkcs1V15Sha512,
		types.SigningAlgorithmSpecEcdsaSha256, types.SigningAlgorithmSpecEcdsaSha384, types.SigningAlgorithmSpecEcdsaSha512,
		types.SigningAlgorithmSpecSm2dsa,
	}
	importable2023 = []types.KeySpec{
		types.KeySpecSymmetricDefault,
		types.KeySpecHmac224, types.KeySpecHmac256, types.KeySpecHmac384, types.KeySpecHmac512,
		types.KeySpecRsa2048, types.KeySpecRsa3072, types.KeySpecRsa4096,
		types.KeySpecEccNistP256, types.KeySpecEccNistP384, types.KeySpecEccNistP521, types.KeySpecEccSecgP256k1,
	}
)

var revisions = map[profile.Profile]revision{
	profile.P2022: {
		keySpecs:              legacyKeySpecs,
		keyUsages:             []types.KeyUsageType{types.KeyUsageTypeSignVerify, types.KeyUsageTypeEncryptDecrypt, types.KeyUsageTypeGenerateVerifyMac},
		signingAlgorithms:     legacySigningAlgorithms,
		messageTypes:          []types.MessageType{types.MessageTypeRaw, types.MessageTypeDigest},
		wrappingKeySpecs:      []types.WrappingKeySpec{types.WrappingKeySpecRsa2048},
		wrappingAlgorithms:    []types.AlgorithmSpec{types.AlgorithmSpecRsaesPkcs1V15, types.AlgorithmSpecRsaesOaepSha1, types.AlgorithmSpecRsaesOaepSha256},
		importable:            []types.KeySpec{types.KeySpecSymmetricDefault},
		pkcs1Wrapping:         true,
		publicKeyWhenDisabled: false,
	},
	// 2023 has RotateKeyOnDemand, ListKeyRotations and DeriveSharedSecret,
	// although ../shared/DESIGN.md §3 lists on-demand rotation and
	// ListKeyRotations among the 2025 additions: that list is about imported
	// keys. The operations came on 2024-04-12 and 2024-06, inside the 2023
	// profile's window (October 2023 to June 2025), for AWS_KMS keys; on an
	// EXTERNAL key RotateKeyOnDemand answers UnsupportedOperationException
	// until 2025 (rotateExternal false, IMP-114, observed on AWS in March
	// 2025), and ListKeyRotations lists no rotations, since an EXTERNAL key
	// had none. The 2023 specs (RotateKeyOnDemand of an EXTERNAL key,
	// IMP-114) depend on the operation existing there.
	profile.P2023: {
		keySpecs:              legacyKeySpecs,
		keyUsages:             []types.KeyUsageType{types.KeyUsageTypeSignVerify, types.KeyUsageTypeEncryptDecrypt, types.KeyUsageTypeGenerateVerifyMac, types.KeyUsageTypeKeyAgreement},
		signingAlgorithms:     legacySigningAlgorithms,
		messageTypes:          []types.MessageType{types.MessageTypeRaw, types.MessageTypeDigest},
		wrappingKeySpecs:      []types.WrappingKeySpec{types.WrappingKeySpecRsa2048, types.WrappingKeySpecRsa3072, types.WrappingKeySpecRsa4096, types.WrappingKeySpecSm2},
		wrappingAlgorithms:    types.AlgorithmSpec("").Values(),
		importable:            importable2023,
		rotateKeyOnDemand:     true,
		listKeyRotations:      true,
		deriveSharedSecret:    true,
		rotationOutputs:       true,
		publicKeyWhenDisabled: true,
		onDemandRotationLimit: 10,
	},
	profile.P2025: {
		keySpecs:              types.KeySpec("").Values(),
		keyUsages:             types.KeyUsageType("").Values(),
		signingAlgorithms:     types.SigningAlgorithmSpec("").Values(),
		messageTypes:          types.MessageType("").Values(),
		wrappingKeySpecs:      types.WrappingKeySpec("").Values(),
		wrappingAlgorithms:    types.AlgorithmSpec("").Values(),
		importable:            append(append([]types.KeySpec(nil), importable2023...), types.KeySpecEccNistEdwards25519),
		rotateKeyOnDemand:     true,
		listKeyRotations:      true,
		deriveSharedSecret:    true,
		multiMaterial:         true,
		rotateExternal:        true,
		rotationOutputs:       true,
		publicKeyWhenDisabled: true,
		onDemandRotationLimit: 25,
	},
}

func (env Env) rev() revision {
	if r, ok := revisions[env.Profile]; ok {
		return r
	}
	return revisions[profile.Default]
}

// Supports reports whether an operation exists in the profile:
// RotateKeyOnDemand and ListKeyRotations appeared on 2024-04-12, after the
// 2022 profile (decisions: UnknownOperationException there); so did
// DeriveSharedSecret and the KEY_AGREEMENT key usage it needs (2024-06),
// which the 2023 profile's enums already hold.
func Supports(p profile.Profile, operation string) bool {
	r := Env{Profile: p}.rev()
	switch operation {
	case "RotateKeyOnDemand":
		return r.rotateKeyOnDemand
	case "ListKeyRotations":
		return r.listKeyRotations
	case "DeriveSharedSecret":
		return r.deriveSharedSecret
	}
	return true
}
