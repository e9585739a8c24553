// Package mutant lists the named faults the reference KMS can be started
// with. Each mutant is a realistic emulator bug that breaks specific rules of
// the research catalogue (IMP-NNN); `kmsconform mutate` runs the suite against
// every mutant to prove that each rule's specs can fail. A mutant is a flag
// that the decision layer checks at exactly one place: the point where the
// rule it breaks is enforced. The one exception is authentication, which
// happens before any decision: SkipSignatureVerification is checked where the
// server verifies a request's signature.
package mutant

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/kmsconform/kmsconform/harness/profile"
)

// Name names one mutant.
type Name string

// The mutants, grouped by the rule area they break.
const (
	// CreateKey.
	AcceptUnknownOrigin         Name = "accept-unknown-origin"
	ExternalKeyReportedEnabled  Name = "external-key-reported-enabled"
	OriginAWSKMSAfterImport     Name = "origin-aws-kms-after-import"
	RefuseExternalSecp256k1     Name = "refuse-external-secp256k1"
	AllowMLDSAImport            Name = "allow-mldsa-import"
	IgnoreMultiRegionFlag       Name = "ignore-multi-region-flag"
	SkipKeyUsageCheck           Name = "skip-key-usage-check"
	EnabledFlagFalseForExternal Name = "enabled-flag-false-for-external"

	// GetParametersForImport.
	ResolveAliasEverywhere         Name = "resolve-alias-everywhere"
	KeyIDInsteadOfARN              Name = "key-id-instead-of-arn"
	TokenLifetimeOneHour           Name = "token-lifetime-one-hour"
	WrappingKeySpecIgnored         Name = "wrapping-key-spec-ignored"
	ParametersWhilePendingDeletion Name = "parameters-while-pending-deletion"
	LegacyWrappingKeySpecs         Name = "legacy-wrapping-key-specs"
	AcceptLaterWrappingKeySpecs    Name = "accept-later-wrapping-key-specs"

	// Import tokens.
	AcceptForeignToken        Name = "accept-foreign-token"
	AcceptMismatchedPublicKey Name = "accept-mismatched-public-key"
	AcceptExpiredToken        Name = "accept-expired-token"
	RejectEarlierToken        Name = "reject-earlier-token"

	// Wrapping algorithms and wrapped key material that does not unwrap.
	RefuseOAEPSHA1          Name = "refuse-oaep-sha1"
	RefuseRSAAESSHA1        Name = "refuse-rsa-aes-sha1"
	AcceptPKCS1After2023    Name = "accept-pkcs1-after-2023"
	RefusePKCS1In2022       Name = "refuse-pkcs1-in-2022"
	P521OAEPRSA2048Crash    Name = "p521-oaep-rsa-2048-500"
	AcceptP521OAEPRSA2048   Name = "accept-p521-oaep-rsa-2048"
	WrongErrorCode          Name = "wrong-error-code"
	Crypto500               Name = "crypto-500"
	SkipMaterialLengthCheck Name = "skip-material-length-check"

	// Key material format.
	RejectBERMaterial           Name = "reject-ber-material"
	AcceptMaterialOfAnotherSpec Name = "accept-material-of-another-spec"
	PublicKeyWithoutSPKI        Name = "public-key-without-spki"

	// ImportKeyMaterial and its responses.
	CurrentResponsesInLegacyProfiles Name = "current-responses-in-legacy-profiles"

	// Reimport.
	AcceptDifferentMaterial    Name = "accept-different-material"
	RefuseReimportWhileEnabled Name = "refuse-reimport-while-enabled"
	IgnoreKeyMaterialID        Name = "ignore-key-material-id"

	// ValidTo and ExpirationModel.
	AcceptPastValidTo      Name = "accept-past-validto"
	SkipValidToMax         Name = "skip-validto-max"
	DropValidToSilently    Name = "drop-validto-silently"
	DefaultDoesNotExpire   Name = "default-does-not-expire"
	DescribeValidToShifted Name = "describe-validto-shifted"

	// Key types and origins.
	AllowHMACImport       Name = "allow-hmac-import"
	AllowAsymmetricImport Name = "allow-asymmetric-import"
	ImportIntoAWSKMSKey   Name = "import-into-aws-kms-key"
	AWSKMSImport500       Name = "aws-kms-import-500"

	// Key states.
	DisablePendingImport             Name = "disable-pendingimport"
	EnablePendingDeletion            Name = "enable-pending-deletion"
	RefuseSameStateEnable            Name = "refuse-same-state-enable"
	CryptoWhilePendingDeletion       Name = "crypto-while-pending-deletion"
	RefuseDeletePendingDeletion      Name = "refuse-delete-pendingdeletion"
	CryptoWhileDisabled              Name = "crypto-while-disabled"
	ImportWhilePendingDeletion       Name = "import-while-pending-deletion"
	PendingImportDisabledException   Name = "pending-import-disabled-exception"
	PublicKeyRefusedWhenDisabled     Name = "public-key-refused-when-disabled"
	ScheduleDeletionAnyWindow        Name = "schedule-deletion-any-window"
	CancelDeletionAnyState           Name = "cancel-deletion-any-state"
	DescribeKeyIDIsARN               Name = "describe-key-id-is-arn"
	ListRotationsRefusedWhenDeleting Name = "list-rotations-refused-pending-deletion"

	// Deletion and expiry.
	KeepExpirationAfterDelete          Name = "keep-expiration-after-delete"
	NoPendingImportAfterDelete         Name = "no-pendingimport-after-delete"
	IgnoreExpiry                       Name = "ignore-expiry"
	DeletePendingMaterialPendingImport Name = "delete-pending-material-makes-pendingimport"

	// Crypto binding.
	LoseOldMaterial   Name = "lose-old-material"
	UnboundCiphertext Name = "unbound-ciphertext"

	// Several materials per key (profile 2025).
	AllowSecondPendingMaterial     Name = "allow-second-pending-material"
	MultiMaterialParametersAnyKey  Name = "multi-material-parameters-any-key"
	CurrentKeyMaterialIDIsNewest   Name = "current-key-material-id-is-newest"
	NewMaterialAlreadyAssociated   Name = "new-material-already-associated"
	KeyMaterialIDWithNewMaterial   Name = "key-material-id-with-new-material"
	CurrentKeyMaterialIDForAllKeys Name = "current-key-material-id-for-all-keys"
	RotationsOmitExpiration        Name = "rotations-omit-expiration"
	AllKeyMaterialForAnyKey        Name = "all-key-material-for-any-key"

	// Rotation.
	RotateWithoutPending      Name = "rotate-without-pending"
	EnableRotationOnExternal  Name = "enable-rotation-on-external"
	RotationStatusForExternal Name = "rotation-status-for-external-keys"
	RotatePendingImport       Name = "rotate-pending-import"
	RotateDisabledKey         Name = "rotate-disabled-key"
	RotateAnyKeySpec          Name = "rotate-any-key-spec"
	NoRotationLimit           Name = "no-rotation-limit"
	RotateExternalBefore2025  Name = "rotate-external-before-2025"

	// Errors for keys that do not exist or are named wrongly.
	UnknownKey500        Name = "unknown-key-500"
	MalformedARNNotFound Name = "malformed-arn-not-found"

	// Multi-Region keys.
	ReplicaCopiesMaterial          Name = "replica-copies-material"
	ReplicatePendingImport         Name = "replicate-pending-import"
	NewMaterialIntoReplica         Name = "new-material-into-replica"
	RotateReplica                  Name = "rotate-replica"
	PendingRotationIgnoresReplicas Name = "pending-rotation-ignores-replicas"
	KeepDeletedMaterialOnReplicas  Name = "keep-deleted-material-on-replicas"

	// Cross-account use.
	AllowCrossAccountImport Name = "allow-cross-account-import"

	// Authentication.
	SkipSignatureVerification Name = "skip-signature-verification"
)

// Mutant describes one named fault.
type Mutant struct {
	Name Name
	Area string // the rule area (suites/catalogue/rules.yaml, area:) it belongs to
	// Rules are exactly the rules whose specs catch the fault, as the
	// catalogue (suites/catalogue/rules.yaml) states the rules and their
	// expected outcomes: a spec that asserts a documented or observed code
	// catches a wrong code, one that asserts an inferred code (any 4xx
	// without --strict) catches only a success or a 5xx.
	Rules       []string
	Description string
	// Profiles are the profiles in which the fault has an effect, when they
	// are fewer than the profiles of its rules (see narrowerProfiles); nil
	// means every profile of its rules.
	Profiles []profile.Profile
}

// narrowerProfiles lists the mutants whose fault has no effect in some
// profile of the rules they claim: the behaviour they change does not exist
// there, so running the suite against them there would prove nothing. Every
// other mutant runs in every profile of its rules.
var narrowerProfiles = map[Name][]profile.Profile{
	// IMP-009's cases for secp256k1 keys hold from 2023; in 2022 no
	// asymmetric key can be EXTERNAL anyway.
	RefuseExternalSecp256k1: {profile.P2023, profile.P2025},
	// 2022's API has only RSA_2048 wrapping keys, which the fault keeps.
	LegacyWrappingKeySpecs: {profile.P2023, profile.P2025},
	// From 2023 RSA_3072 and RSA_4096 are accepted rightly.
	AcceptLaterWrappingKeySpecs: {profile.P2022},
	// 2022's API has no RSA_AES_KEY_WRAP_SHA_1 to refuse.
	RefuseRSAAESSHA1: {profile.P2023, profile.P2025},
	// GetPublicKey answers only for asymmetric keys, which 2022 cannot
	// import.
	PublicKeyWithoutSPKI: {profile.P2023, profile.P2025},
	// IMP-036's case for RSAES_PKCS1_V1_5 is 2022's; later profiles refuse
	// it rightly.
	RefusePKCS1In2022: {profile.P2022},
}

// entry is one mutant as the registry lists it: Mutant without the
// profiles, which narrowerProfiles adds.
type entry struct {
	name        Name
	area        string
	rules       []string
	description string
}

var registry = []entry{
	{AcceptForeignToken, "token", []string{"IMP-057", "IMP-133"},
		"ImportKeyMaterial accepts an import token issued for another KMS key (the token is not bound to its key)."},
	{AcceptMismatchedPublicKey, "token", []string{"IMP-018", "IMP-060"},
		"GetParametersForImport hands out one wrapping key pair per KMS key and wrapping key spec, so material wrapped under the public key of one response imports with the token of another."},
	{AcceptExpiredToken, "token", []string{"IMP-058"},
		"ImportKeyMaterial accepts an import token after its ParametersValidTo."},
	{RejectEarlierToken, "token", []string{"IMP-014", "IMP-018"},
		"Only the newest import token of a key is accepted: the parameters of an earlier GetParametersForImport response are refused (InvalidImportTokenException) while still valid."},
	{WrongErrorCode, "wrapping", []string{"IMP-038", "IMP-059"},
		"Wrapped key material that does not unwrap is answered with ValidationException instead of InvalidCiphertextException."},
	{Crypto500, "wrapping", []string{"IMP-037", "IMP-038", "IMP-059", "IMP-060"},
		"Wrapped key material that does not unwrap is answered with KMSInternalException and HTTP 500 instead of a client error."},
	{SkipMaterialLengthCheck, "material", []string{"IMP-040", "IMP-041", "IMP-068"},
		"Symmetric material of any AES key size (16, 24 or 32 bytes) and HMAC material of any non-zero length is accepted."},
	{AcceptDifferentMaterial, "reimport", []string{"IMP-067", "IMP-072", "IMP-073", "IMP-078", "IMP-097", "IMP-132"},
		"A reimport of different key material replaces the key's material instead of failing with IncorrectKeyMaterialException."},
	{RefuseReimportWhileEnabled, "reimport", []string{"IMP-039", "IMP-055", "IMP-065", "IMP-069", "IMP-071", "IMP-072", "IMP-080", "IMP-081"},
		"Reimporting the same material into a key that still has it (Enabled or Disabled) is refused with KMSInvalidStateException, as if the material had to be deleted first."},
	{IgnoreKeyMaterialID, "multimaterial", []string{"IMP-080"},
		"A KeyMaterialId in ImportKeyMaterial is not checked against the imported material."},
	{AcceptPastValidTo, "validto", []string{"IMP-052"},
		"ImportKeyMaterial accepts a ValidTo that is not in the future."},
	{SkipValidToMax, "validto", []string{"IMP-053"},
		"ImportKeyMaterial accepts a ValidTo more than 365 days ahead."},
	{DropValidToSilently, "validto", []string{"IMP-051"},
		"A ValidTo sent with KEY_MATERIAL_DOES_NOT_EXPIRE is accepted and dropped."},
	{DefaultDoesNotExpire, "validto", []string{"IMP-050", "IMP-142"},
		"ImportKeyMaterial without ValidTo and without ExpirationModel imports material that does not expire, instead of failing with ValidationException."},
	{AllowHMACImport, "createkey", []string{"IMP-006", "IMP-027", "IMP-136"},
		"In profile 2022, HMAC keys can be created with Origin=EXTERNAL and take imported material."},
	{AllowAsymmetricImport, "createkey", []string{"IMP-006", "IMP-027", "IMP-136"},
		"In profile 2022, RSA and ECC keys can be created with Origin=EXTERNAL and take imported material."},
	{ImportIntoAWSKMSKey, "parameters", []string{"IMP-015", "IMP-088"},
		"The import operations do not check the key's origin: material can be imported into (and deleted from) an AWS_KMS key. (It does not claim IMP-061: no token for an AWS_KMS key exists, so the import is refused for its foreign token, and the order of the two checks is undocumented.)"},
	{AWSKMSImport500, "parameters", []string{"IMP-061"},
		"ImportKeyMaterial on an AWS_KMS key fails inside the server (KMSInternalException, HTTP 500): an emulator that looks up import parameters the key can never have."},
	{DisablePendingImport, "keystate", []string{"IMP-121"},
		"DisableKey and EnableKey are accepted on a key in PendingImport."},
	{EnablePendingDeletion, "keystate", []string{"IMP-146"},
		"EnableKey and DisableKey are accepted on a key pending deletion and set its state, as if PendingDeletion were one more state they switch from."},
	{RefuseSameStateEnable, "keystate", []string{"IMP-122"},
		"EnableKey on an Enabled key and DisableKey on a Disabled key fail with KMSInvalidStateException, as a state machine that knows only real transitions does, instead of succeeding without a change."},
	{CryptoWhilePendingDeletion, "keystate", []string{"IMP-147"},
		"Cryptographic operations work on a key pending deletion: only Disabled and PendingImport keys are refused."},
	{RefuseDeletePendingDeletion, "delete", []string{"IMP-086", "IMP-089", "IMP-128"},
		"DeleteImportedKeyMaterial is refused with KMSInvalidStateException on a key that is pending deletion."},
	{CryptoWhileDisabled, "keystate", []string{"IMP-122"},
		"Cryptographic operations work on a Disabled key."},
	{ImportWhilePendingDeletion, "keystate", []string{"IMP-070"},
		"ImportKeyMaterial is accepted on a key that is pending deletion."},
	{KeepExpirationAfterDelete, "delete", []string{"IMP-091", "IMP-100"},
		"DeleteImportedKeyMaterial leaves ExpirationModel and ValidTo in DescribeKey."},
	{NoPendingImportAfterDelete, "delete", []string{"IMP-082", "IMP-085", "IMP-086"},
		"DeleteImportedKeyMaterial leaves the key in its state (Enabled) instead of moving it to PendingImport."},
	{IgnoreExpiry, "expiry", []string{"IMP-067", "IMP-082", "IMP-094", "IMP-097", "IMP-134"},
		"Imported key material never expires: ValidTo is recorded and reported but not enforced."},
	{LoseOldMaterial, "crypto", []string{"IMP-065", "IMP-090", "IMP-097", "IMP-108", "IMP-129"},
		"Ciphertext is bound to the import that made it: after a reimport (or, for the old material, a rotation) old ciphertext no longer decrypts."},
	{UnboundCiphertext, "crypto", []string{"IMP-139"},
		"Decrypt ignores the key a ciphertext was made with and uses the key named in the request, so two keys holding the same material decrypt each other's ciphertext."},
	{AllowSecondPendingMaterial, "multimaterial", []string{"IMP-076"},
		"A second NEW_KEY_MATERIAL import replaces the material pending rotation instead of failing with KMSInvalidStateException."},
	{RotateWithoutPending, "rotation", []string{"IMP-109"},
		"RotateKeyOnDemand on a symmetric EXTERNAL key with no material pending rotation generates new material, as for an AWS_KMS key, instead of failing with KMSInvalidStateException."},

	{AcceptUnknownOrigin, "createkey", []string{"IMP-001"},
		"CreateKey does not check Origin against its enum: an unknown Origin creates a key (as AWS_KMS would), instead of failing with ValidationException."},
	{ExternalKeyReportedEnabled, "createkey", []string{"IMP-002"},
		"The CreateKey response of an EXTERNAL key says Enabled=true (a response template with Enabled set), although the key is PendingImport."},
	{OriginAWSKMSAfterImport, "createkey", []string{"IMP-003", "IMP-098"},
		"DescribeKey reports Origin=AWS_KMS for an EXTERNAL key while it holds imported material, as if importing converted the key."},
	{RefuseExternalSecp256k1, "createkey", []string{"IMP-004", "IMP-009"},
		"CreateKey refuses Origin=EXTERNAL for ECC_SECG_P256K1 keys, as an emulator built on a crypto library without secp256k1 does."},
	{AllowMLDSAImport, "createkey", []string{"IMP-005"},
		"CreateKey accepts Origin=EXTERNAL for ML-DSA keys, treating every asymmetric key spec alike."},
	{IgnoreMultiRegionFlag, "createkey", []string{"IMP-008", "IMP-135", "IMP-136"},
		"CreateKey ignores MultiRegion=true and creates a single-Region key, as emulators without multi-Region keys do."},
	{SkipKeyUsageCheck, "createkey", []string{"IMP-009"},
		"CreateKey accepts any KeyUsage with any KeySpec (an HMAC key for ENCRYPT_DECRYPT, a symmetric key for SIGN_VERIFY)."},
	{EnabledFlagFalseForExternal, "import", []string{"IMP-064", "IMP-099", "IMP-122"},
		"KeyMetadata.Enabled is false for every EXTERNAL key whatever its KeyState: the flag is derived from having KMS-generated material, so an imported key never reads as enabled."},

	{ResolveAliasEverywhere, "parameters", []string{"IMP-010", "IMP-047"},
		"Every operation resolves alias names and alias ARNs, also GetParametersForImport, ImportKeyMaterial and DeleteImportedKeyMaterial, which take only a key ID or key ARN."},
	{KeyIDInsteadOfARN, "parameters", []string{"IMP-011", "IMP-048", "IMP-083"},
		"The responses of GetParametersForImport, ImportKeyMaterial and DeleteImportedKeyMaterial name the key by its key ID instead of its key ARN."},
	{TokenLifetimeOneHour, "parameters", []string{"IMP-012"},
		"Import parameters are valid for one hour instead of 24 hours (ParametersValidTo and the token's own expiry)."},
	{WrappingKeySpecIgnored, "parameters", []string{"IMP-013"},
		"GetParametersForImport ignores WrappingKeySpec and hands out an RSA_3072 wrapping key for every request, as an emulator with one wrapping key size does."},
	{ParametersWhilePendingDeletion, "keystate", []string{"IMP-020"},
		"GetParametersForImport answers for a key that is pending deletion instead of failing with KMSInvalidStateException."},
	{LegacyWrappingKeySpecs, "parameters", []string{"IMP-021"},
		"GetParametersForImport accepts only the RSA_2048 wrapping key spec of the 2022 API, refusing RSA_3072 and RSA_4096."},
	{AcceptLaterWrappingKeySpecs, "parameters", []string{"IMP-021", "IMP-022"},
		"In profile 2022, GetParametersForImport accepts WrappingKeySpec RSA_3072 and RSA_4096, which AWS added in June 2023: an emulator that claims the old revision with today's enums."},

	{RefuseOAEPSHA1, "wrapping", []string{"IMP-018", "IMP-023", "IMP-024", "IMP-028", "IMP-029", "IMP-031", "IMP-036", "IMP-039"},
		"GetParametersForImport refuses WrappingAlgorithm RSAES_OAEP_SHA_1 with UnsupportedOperationException: an emulator that implements RSA-OAEP with SHA-256 only."},
	{RefuseRSAAESSHA1, "wrapping", []string{"IMP-023", "IMP-030", "IMP-031", "IMP-037"},
		"GetParametersForImport refuses WrappingAlgorithm RSA_AES_KEY_WRAP_SHA_1 with UnsupportedOperationException: an emulator that implements the SHA-256 variant only."},
	{AcceptPKCS1After2023, "wrapping", []string{"IMP-025"},
		"RSAES_PKCS1_V1_5 wrapping is still accepted after AWS withdrew it on 2023-10-10."},
	{RefusePKCS1In2022, "wrapping", []string{"IMP-024", "IMP-026", "IMP-036"},
		"In profile 2022, RSAES_PKCS1_V1_5 wrapping is refused as it is today, although AWS accepted it until 2023-10-10."},
	{P521OAEPRSA2048Crash, "wrapping", []string{"IMP-032"},
		"GetParametersForImport for an ECC_NIST_P521 key with RSAES_OAEP under an RSA_2048 wrapping key fails inside the server (KMSInternalException, HTTP 500) instead of refusing the combination."},
	{AcceptP521OAEPRSA2048, "wrapping", []string{"IMP-032"},
		"ECC_NIST_P521 with RSAES_OAEP under an RSA_2048 wrapping key is let through, and a P-521 key that fits the OAEP block (without its optional public key) is imported: an emulator that checks only whether the blob decrypts."},

	{RejectBERMaterial, "material", []string{"IMP-042", "IMP-043"},
		"Asymmetric key material must be DER: PKCS#8 in BER (indefinite or long-form lengths) is refused, as a strict DER parser refuses it."},
	{AcceptMaterialOfAnotherSpec, "material", []string{"IMP-045"},
		"Asymmetric key material is checked to be a valid private key but not to fit the key spec: an RSA_3072 key imports into an RSA_2048 key, a P-384 key into a P-256 key, an ECC key into an RSA key."},
	{PublicKeyWithoutSPKI, "material", []string{"IMP-046", "IMP-125", "IMP-129"},
		"GetPublicKey returns the bare public key (PKCS#1 RSAPublicKey, the EC point, the Ed25519 key) without the DER SubjectPublicKeyInfo around it."},

	{CurrentResponsesInLegacyProfiles, "import", []string{"IMP-049", "IMP-084"},
		"ImportKeyMaterial and DeleteImportedKeyMaterial answer with KeyId and KeyMaterialId in every profile, although the API before June 2025 answered with an empty response."},

	{DescribeValidToShifted, "validto", []string{"IMP-054", "IMP-055", "IMP-095", "IMP-096", "IMP-097", "IMP-101", "IMP-134"},
		"DescribeKey reports ValidTo one hour later than the imported material's ValidTo (a time-zone offset applied twice)."},

	{PendingImportDisabledException, "keystate", []string{"IMP-090", "IMP-094", "IMP-123"},
		"Cryptographic operations on a key in PendingImport fail with DisabledException instead of KMSInvalidStateException: the right rejection with the wrong error code."},
	{PublicKeyRefusedWhenDisabled, "keystate", []string{"IMP-125"},
		"GetPublicKey of a Disabled key fails with DisabledException, as it did before 2023."},
	{ScheduleDeletionAnyWindow, "keystate", []string{"IMP-126"},
		"ScheduleKeyDeletion accepts any PendingWindowInDays the model allows (1 to 365), not only 7 to 30."},
	{CancelDeletionAnyState, "keystate", []string{"IMP-127"},
		"CancelKeyDeletion of a key that is not pending deletion succeeds and changes nothing, instead of failing with KMSInvalidStateException."},
	{DescribeKeyIDIsARN, "keystate", []string{"IMP-008", "IMP-104", "IMP-130"},
		"DescribeKey reports the key ARN as KeyId."},
	{ListRotationsRefusedWhenDeleting, "keystate", []string{"IMP-120"},
		"ListKeyRotations of a key pending deletion fails with KMSInvalidStateException, as the operations that change a key do."},

	{DeletePendingMaterialPendingImport, "delete", []string{"IMP-087"},
		"Deleting a material pending rotation makes the key PendingImport, as deleting its current material does."},

	{MultiMaterialParametersAnyKey, "multimaterial", []string{"IMP-074"},
		"ImportType, KeyMaterialId and KeyMaterialDescription are ignored on asymmetric and HMAC keys instead of refused."},
	{CurrentKeyMaterialIDIsNewest, "multimaterial", []string{"IMP-075"},
		"DescribeKey's CurrentKeyMaterialId names the most recently imported material, also when it waits for rotation."},
	{NewMaterialAlreadyAssociated, "multimaterial", []string{"IMP-077"},
		"ImportType=NEW_KEY_MATERIAL with material the key already has is taken as a reimport instead of failing with IncorrectKeyMaterialException."},
	{KeyMaterialIDWithNewMaterial, "multimaterial", []string{"IMP-079"},
		"A KeyMaterialId sent with ImportType=NEW_KEY_MATERIAL is ignored instead of refused."},
	{CurrentKeyMaterialIDForAllKeys, "multimaterial", []string{"IMP-102"},
		"DescribeKey shows CurrentKeyMaterialId for asymmetric and HMAC keys too."},
	{RotationsOmitExpiration, "rotation", []string{"IMP-119"},
		"ListKeyRotations entries carry no ExpirationModel and no ValidTo."},
	{AllKeyMaterialForAnyKey, "rotation", []string{"IMP-118"},
		"ListKeyRotations accepts IncludeKeyMaterial=ALL_KEY_MATERIAL for asymmetric and HMAC keys."},

	{EnableRotationOnExternal, "rotation", []string{"IMP-105", "IMP-107"},
		"EnableKeyRotation turns on automatic rotation for an EXTERNAL symmetric key, which cannot have it."},
	{RotationStatusForExternal, "rotation", []string{"IMP-106", "IMP-107"},
		"GetKeyRotationStatus and DisableKeyRotation treat an EXTERNAL key as an AWS_KMS key whose automatic rotation is off, also where AWS refuses them (PendingImport, and every EXTERNAL key before 2023)."},
	{RotatePendingImport, "rotation", []string{"IMP-110"},
		"RotateKeyOnDemand does not check for PendingImport: a key that lost its current material rotates its pending material in."},
	{RotateDisabledKey, "rotation", []string{"IMP-111"},
		"RotateKeyOnDemand rotates a Disabled key."},
	{RotateAnyKeySpec, "rotation", []string{"IMP-112"},
		"RotateKeyOnDemand is accepted for asymmetric and HMAC keys, as for symmetric keys."},
	{NoRotationLimit, "rotation", []string{"IMP-113"},
		"On-demand rotations are not counted: a key rotates on demand any number of times."},
	{RotateExternalBefore2025, "rotation", []string{"IMP-114"},
		"In profile 2023, RotateKeyOnDemand is accepted for EXTERNAL keys as it is from June 2025."},

	{UnknownKey500, "errors", []string{"IMP-019", "IMP-140"},
		"A key ID or key ARN that names no key fails the lookup inside the server: KMSInternalException and HTTP 500 instead of NotFoundException."},
	{MalformedARNNotFound, "errors", []string{"IMP-019", "IMP-141"},
		"A KeyId that starts with arn: but is not a well-formed key ARN is answered NotFoundException, as an unknown key, instead of InvalidArnException."},

	{ReplicaCopiesMaterial, "multiregion", []string{"IMP-130"},
		"ReplicateKey copies the primary's imported material into the replica, which starts Enabled instead of PendingImport."},
	{ReplicatePendingImport, "multiregion", []string{"IMP-131"},
		"ReplicateKey replicates a primary key that is in PendingImport."},
	{NewMaterialIntoReplica, "multiregion", []string{"IMP-137"},
		"ImportKeyMaterial with ImportType=NEW_KEY_MATERIAL is accepted into a multi-Region replica key."},
	{RotateReplica, "multiregion", []string{"IMP-116"},
		"RotateKeyOnDemand rotates a multi-Region replica key on its own, instead of only its primary."},
	{PendingRotationIgnoresReplicas, "multiregion", []string{"IMP-138"},
		"New material of a multi-Region primary is PENDING_ROTATION at once, without waiting for every replica to have it (PENDING_MULTI_REGION_IMPORT_AND_ROTATION)."},
	{KeepDeletedMaterialOnReplicas, "multiregion", []string{"IMP-093"},
		"Deleting a primary key's material pending rotation leaves it on the replicas."},

	{AllowCrossAccountImport, "crossaccount", []string{"IMP-017", "IMP-063", "IMP-144"},
		"The operations that cannot be used across accounts (import, deletion of material, state changes, rotation) accept a key ARN of another account as if its key policy allowed it."},

	{SkipSignatureVerification, "errors", []string{"IMP-148"},
		"A request's access key ID is looked up but its SigV4 signature is not verified: any secret access key signs for a known access key ID, as in emulators that only read the account from the credential scope."},
}

// All returns every mutant, sorted by name.
func All() []Mutant {
	out := make([]Mutant, 0, len(registry))
	for _, e := range registry {
		out = append(out, e.mutant())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Lookup returns the mutant called name.
func Lookup(name string) (Mutant, bool) {
	for _, e := range registry {
		if string(e.name) == name {
			return e.mutant(), true
		}
	}
	return Mutant{}, false
}

// mutant is the Mutant the entry describes, with its narrower profiles if
// it has any. It shares no storage with the registry.
func (e entry) mutant() Mutant {
	return Mutant{
		Name: e.name, Area: e.area, Rules: slices.Clone(e.rules), Description: e.description,
		Profiles: slices.Clone(narrowerProfiles[e.name]),
	}
}

// Set is the set of mutants a server runs with. The zero Set has none.
type Set struct {
	on map[Name]bool
}

// Parse turns mutant names into a Set. An unknown name is an error that
// names the valid ones.
func Parse(names []string) (Set, error) {
	s := Set{on: map[Name]bool{}}
	for _, n := range names {
		m, ok := Lookup(n)
		if !ok {
			valid := make([]string, 0, len(registry))
			for _, m := range All() {
				valid = append(valid, string(m.Name))
			}
			return Set{}, fmt.Errorf("unknown mutant %q: use one of %s", n, strings.Join(valid, ", "))
		}
		s.on[m.Name] = true
	}
	return s, nil
}

// Has reports whether the mutant n is switched on.
func (s Set) Has(n Name) bool { return s.on[n] }

// Names lists the mutants switched on, sorted.
func (s Set) Names() []Name {
	out := make([]Name, 0, len(s.on))
	for n := range s.on {
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
