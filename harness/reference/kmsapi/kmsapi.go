// Package kmsapi holds the shapes of the AWS KMS operations the reference KMS
// serves: one input and one output struct per operation, named and tagged as
// the members are named on the wire (AWS JSON 1.1). It holds no behaviour; the
// decision layer (package rules) gives the shapes their meaning and the HTTP
// layer (package jsonapi) moves them on and off the wire.
//
// Optional members are pointers (or nil slices and maps), so that "absent" and
// "present but empty" stay distinguishable: AWS validates the two differently.
// Enum members keep the SDK's enum types but are not checked here, since which
// values are valid depends on the profile.
package kmsapi

import (
	"bytes"
	"errors"
	"math"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// Timestamp is a point in time carried as epoch seconds, the awsJson 1.1
// encoding: a JSON number, possibly fractional.
type Timestamp struct{ time.Time }

// At wraps t for the wire.
func At(t time.Time) *Timestamp { return &Timestamp{t} }

// MarshalJSON writes epoch seconds with millisecond precision, as AWS does.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	ms := t.UnixMilli()
	return strconv.AppendFloat(nil, float64(ms)/1e3, 'f', -1, 64), nil
}

// maxEpochSeconds bounds the timestamps the reference reads: about 317
// million years either side of 1970, far beyond any date a rule compares
// against, and small enough that seconds and nanoseconds fit an int64.
const maxEpochSeconds = 1e16

// UnmarshalJSON reads epoch seconds. Anything but a JSON number, or a number
// beyond ±maxEpochSeconds, is an error.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || !(b[0] == '-' || (b[0] >= '0' && b[0] <= '9')) {
		return errors.New("timestamp must be a number of epoch seconds")
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) || math.Abs(f) >= maxEpochSeconds {
		return errors.New("timestamp out of range")
	}
	// A float64 resolves today's epoch seconds to about a quarter of a
	// microsecond, so rounding to whole microseconds gives back the decimal
	// the client wrote (the SDK writes milliseconds).
	sec := math.Floor(f)
	usec := math.Round((f - sec) * 1e6)
	t.Time = time.Unix(int64(sec), int64(usec)*1e3).UTC()
	return nil
}

// Tag is a tag on a KMS key.
type Tag struct {
	TagKey   *string `json:"TagKey"`
	TagValue *string `json:"TagValue"`
}

// CreateKeyInput is the request of CreateKey.
type CreateKeyInput struct {
	Policy                         *string                      `json:"Policy"`
	Description                    *string                      `json:"Description"`
	KeyUsage                       *types.KeyUsageType          `json:"KeyUsage"`
	CustomerMasterKeySpec          *types.CustomerMasterKeySpec `json:"CustomerMasterKeySpec"`
	KeySpec                        *types.KeySpec               `json:"KeySpec"`
	Origin                         *types.OriginType            `json:"Origin"`
	CustomKeyStoreId               *string                      `json:"CustomKeyStoreId"`
	BypassPolicyLockoutSafetyCheck *bool                        `json:"BypassPolicyLockoutSafetyCheck"`
	Tags                           []Tag                        `json:"Tags"`
	MultiRegion                    *bool                        `json:"MultiRegion"`
	XksKeyId                       *string                      `json:"XksKeyId"`
}

// CreateKeyOutput is the response of CreateKey.
type CreateKeyOutput struct {
	KeyMetadata *KeyMetadata `json:"KeyMetadata,omitempty"`
}

// KeyMetadata describes a KMS key.
type KeyMetadata struct {
	AWSAccountId                *string                           `json:"AWSAccountId,omitempty"`
	KeyId                       *string                           `json:"KeyId,omitempty"`
	Arn                         *string                           `json:"Arn,omitempty"`
	CreationDate                *Timestamp                        `json:"CreationDate,omitempty"`
	Enabled                     bool                              `json:"Enabled"`
	Description                 *string                           `json:"Description,omitempty"`
	KeyUsage                    types.KeyUsageType                `json:"KeyUsage,omitempty"`
	KeyState                    types.KeyState                    `json:"KeyState,omitempty"`
	DeletionDate                *Timestamp                        `json:"DeletionDate,omitempty"`
	ValidTo                     *Timestamp                        `json:"ValidTo,omitempty"`
	Origin                      types.OriginType                  `json:"Origin,omitempty"`
	ExpirationModel             types.ExpirationModelType         `json:"ExpirationModel,omitempty"`
	KeyManager                  types.KeyManagerType              `json:"KeyManager,omitempty"`
	CustomerMasterKeySpec       types.CustomerMasterKeySpec       `json:"CustomerMasterKeySpec,omitempty"`
	KeySpec                     types.KeySpec                     `json:"KeySpec,omitempty"`
	EncryptionAlgorithms        []types.EncryptionAlgorithmSpec   `json:"EncryptionAlgorithms,omitempty"`
	SigningAlgorithms           []types.SigningAlgorithmSpec      `json:"SigningAlgorithms,omitempty"`
	KeyAgreementAlgorithms      []types.KeyAgreementAlgorithmSpec `json:"KeyAgreementAlgorithms,omitempty"`
	MacAlgorithms               []types.MacAlgorithmSpec          `json:"MacAlgorithms,omitempty"`
	MultiRegion                 *bool                             `json:"MultiRegion,omitempty"`
	MultiRegionConfiguration    *MultiRegionConfiguration         `json:"MultiRegionConfiguration,omitempty"`
	PendingDeletionWindowInDays *int32                            `json:"PendingDeletionWindowInDays,omitempty"`
	CurrentKeyMaterialId        *string                           `json:"CurrentKeyMaterialId,omitempty"`
}

// MultiRegionConfiguration describes a multi-Region key and its relatives.
type MultiRegionConfiguration struct {
	MultiRegionKeyType types.MultiRegionKeyType `json:"MultiRegionKeyType"`
	PrimaryKey         *MultiRegionKey          `json:"PrimaryKey,omitempty"`
	ReplicaKeys        []MultiRegionKey         `json:"ReplicaKeys"`
}

// MultiRegionKey names one key of a multi-Region set.
type MultiRegionKey struct {
	Arn    *string `json:"Arn,omitempty"`
	Region *string `json:"Region,omitempty"`
}

// DescribeKeyInput is the request of DescribeKey.
type DescribeKeyInput struct {
	KeyId       *string  `json:"KeyId"`
	GrantTokens []string `json:"GrantTokens"`
}

// DescribeKeyOutput is the response of DescribeKey.
type DescribeKeyOutput struct {
	KeyMetadata *KeyMetadata `json:"KeyMetadata,omitempty"`
}

// ListKeysInput is the request of ListKeys.
type ListKeysInput struct {
	Limit  *int32  `json:"Limit"`
	Marker *string `json:"Marker"`
}

// ListKeysOutput is the response of ListKeys.
type ListKeysOutput struct {
	Keys       []KeyListEntry `json:"Keys"`
	NextMarker *string        `json:"NextMarker,omitempty"`
	Truncated  bool           `json:"Truncated"`
}

// KeyListEntry is one key in a ListKeys response.
type KeyListEntry struct {
	KeyId  *string `json:"KeyId,omitempty"`
	KeyArn *string `json:"KeyArn,omitempty"`
}

// GetParametersForImportInput is the request of GetParametersForImport.
type GetParametersForImportInput struct {
	KeyId             *string                `json:"KeyId"`
	WrappingAlgorithm *types.AlgorithmSpec   `json:"WrappingAlgorithm"`
	WrappingKeySpec   *types.WrappingKeySpec `json:"WrappingKeySpec"`
}

// GetParametersForImportOutput is the response of GetParametersForImport.
type GetParametersForImportOutput struct {
	KeyId             *string    `json:"KeyId,omitempty"`
	ImportToken       []byte     `json:"ImportToken,omitempty"`
	PublicKey         []byte     `json:"PublicKey,omitempty"`
	ParametersValidTo *Timestamp `json:"ParametersValidTo,omitempty"`
}

// ImportKeyMaterialInput is the request of ImportKeyMaterial.
type ImportKeyMaterialInput struct {
	KeyId                  *string                    `json:"KeyId"`
	ImportToken            []byte                     `json:"ImportToken"`
	EncryptedKeyMaterial   []byte                     `json:"EncryptedKeyMaterial"`
	ValidTo                *Timestamp                 `json:"ValidTo"`
	ExpirationModel        *types.ExpirationModelType `json:"ExpirationModel"`
	ImportType             *types.ImportType          `json:"ImportType"`
	KeyMaterialDescription *string                    `json:"KeyMaterialDescription"`
	KeyMaterialId          *string                    `json:"KeyMaterialId"`
}

// ImportKeyMaterialOutput is the response of ImportKeyMaterial. Before
// profile 2025 it is empty.
type ImportKeyMaterialOutput struct {
	KeyId         *string `json:"KeyId,omitempty"`
	KeyMaterialId *string `json:"KeyMaterialId,omitempty"`
}

// DeleteImportedKeyMaterialInput is the request of DeleteImportedKeyMaterial.
type DeleteImportedKeyMaterialInput struct {
	KeyId         *string `json:"KeyId"`
	KeyMaterialId *string `json:"KeyMaterialId"`
}

// DeleteImportedKeyMaterialOutput is the response of
// DeleteImportedKeyMaterial. Before profile 2025 it is empty.
type DeleteImportedKeyMaterialOutput struct {
	KeyId         *string `json:"KeyId,omitempty"`
	KeyMaterialId *string `json:"KeyMaterialId,omitempty"`
}

// KeyIDInput is the request of the operations that take only a key:
// EnableKey, DisableKey, CancelKeyDeletion, DisableKeyRotation,
// GetKeyRotationStatus and RotateKeyOnDemand.
type KeyIDInput struct {
	KeyId *string `json:"KeyId"`
}

// EmptyOutput is the response of the operations that return nothing.
type EmptyOutput struct{}

// KeyIDOutput is the response of the operations that return only the key
// ARN: CancelKeyDeletion and RotateKeyOnDemand.
type KeyIDOutput struct {
	KeyId *string `json:"KeyId,omitempty"`
}

// ScheduleKeyDeletionInput is the request of ScheduleKeyDeletion.
type ScheduleKeyDeletionInput struct {
	KeyId               *string `json:"KeyId"`
	PendingWindowInDays *int32  `json:"PendingWindowInDays"`
}

// ScheduleKeyDeletionOutput is the response of ScheduleKeyDeletion.
type ScheduleKeyDeletionOutput struct {
	KeyId               *string        `json:"KeyId,omitempty"`
	DeletionDate        *Timestamp     `json:"DeletionDate,omitempty"`
	KeyState            types.KeyState `json:"KeyState,omitempty"`
	PendingWindowInDays *int32         `json:"PendingWindowInDays,omitempty"`
}

// EncryptInput is the request of Encrypt.
type EncryptInput struct {
	KeyId               *string                        `json:"KeyId"`
	Plaintext           []byte                         `json:"Plaintext"`
	EncryptionContext   map[string]string              `json:"EncryptionContext"`
	GrantTokens         []string                       `json:"GrantTokens"`
	EncryptionAlgorithm *types.EncryptionAlgorithmSpec `json:"EncryptionAlgorithm"`
	DryRun              *bool                          `json:"DryRun"`
}

// EncryptOutput is the response of Encrypt.
type EncryptOutput struct {
	CiphertextBlob      []byte                        `json:"CiphertextBlob,omitempty"`
	KeyId               *string                       `json:"KeyId,omitempty"`
	EncryptionAlgorithm types.EncryptionAlgorithmSpec `json:"EncryptionAlgorithm,omitempty"`
}

// DecryptInput is the request of Decrypt.
type DecryptInput struct {
	CiphertextBlob      []byte                         `json:"CiphertextBlob"`
	EncryptionContext   map[string]string              `json:"EncryptionContext"`
	GrantTokens         []string                       `json:"GrantTokens"`
	KeyId               *string                        `json:"KeyId"`
	EncryptionAlgorithm *types.EncryptionAlgorithmSpec `json:"EncryptionAlgorithm"`
	DryRun              *bool                          `json:"DryRun"`
}

// DecryptOutput is the response of Decrypt.
type DecryptOutput struct {
	KeyId               *string                       `json:"KeyId,omitempty"`
	Plaintext           []byte                        `json:"Plaintext,omitempty"`
	EncryptionAlgorithm types.EncryptionAlgorithmSpec `json:"EncryptionAlgorithm,omitempty"`
	KeyMaterialId       *string                       `json:"KeyMaterialId,omitempty"`
}

// GenerateDataKeyInput is the request of GenerateDataKey.
type GenerateDataKeyInput struct {
	KeyId             *string            `json:"KeyId"`
	EncryptionContext map[string]string  `json:"EncryptionContext"`
	NumberOfBytes     *int32             `json:"NumberOfBytes"`
	KeySpec           *types.DataKeySpec `json:"KeySpec"`
	GrantTokens       []string           `json:"GrantTokens"`
	DryRun            *bool              `json:"DryRun"`
}

// GenerateDataKeyOutput is the response of GenerateDataKey.
type GenerateDataKeyOutput struct {
	CiphertextBlob []byte  `json:"CiphertextBlob,omitempty"`
	Plaintext      []byte  `json:"Plaintext,omitempty"`
	KeyId          *string `json:"KeyId,omitempty"`
	KeyMaterialId  *string `json:"KeyMaterialId,omitempty"`
}

// GenerateDataKeyWithoutPlaintextOutput is the response of
// GenerateDataKeyWithoutPlaintext (whose request is a GenerateDataKeyInput).
type GenerateDataKeyWithoutPlaintextOutput struct {
	CiphertextBlob []byte  `json:"CiphertextBlob,omitempty"`
	KeyId          *string `json:"KeyId,omitempty"`
	KeyMaterialId  *string `json:"KeyMaterialId,omitempty"`
}

// GetPublicKeyInput is the request of GetPublicKey.
type GetPublicKeyInput struct {
	KeyId       *string  `json:"KeyId"`
	GrantTokens []string `json:"GrantTokens"`
}

// GetPublicKeyOutput is the response of GetPublicKey.
type GetPublicKeyOutput struct {
	KeyId                  *string                           `json:"KeyId,omitempty"`
	PublicKey              []byte                            `json:"PublicKey,omitempty"`
	CustomerMasterKeySpec  types.CustomerMasterKeySpec       `json:"CustomerMasterKeySpec,omitempty"`
	KeySpec                types.KeySpec                     `json:"KeySpec,omitempty"`
	KeyUsage               types.KeyUsageType                `json:"KeyUsage,omitempty"`
	EncryptionAlgorithms   []types.EncryptionAlgorithmSpec   `json:"EncryptionAlgorithms,omitempty"`
	SigningAlgorithms      []types.SigningAlgorithmSpec      `json:"SigningAlgorithms,omitempty"`
	KeyAgreementAlgorithms []types.KeyAgreementAlgorithmSpec `json:"KeyAgreementAlgorithms,omitempty"`
}

// SignInput is the request of Sign.
type SignInput struct {
	KeyId            *string                     `json:"KeyId"`
	Message          []byte                      `json:"Message"`
	MessageType      *types.MessageType          `json:"MessageType"`
	GrantTokens      []string                    `json:"GrantTokens"`
	SigningAlgorithm *types.SigningAlgorithmSpec `json:"SigningAlgorithm"`
	DryRun           *bool                       `json:"DryRun"`
}

// SignOutput is the response of Sign.
type SignOutput struct {
	KeyId            *string                    `json:"KeyId,omitempty"`
	Signature        []byte                     `json:"Signature,omitempty"`
	SigningAlgorithm types.SigningAlgorithmSpec `json:"SigningAlgorithm,omitempty"`
}

// VerifyInput is the request of Verify.
type VerifyInput struct {
	KeyId            *string                     `json:"KeyId"`
	Message          []byte                      `json:"Message"`
	MessageType      *types.MessageType          `json:"MessageType"`
	Signature        []byte                      `json:"Signature"`
	SigningAlgorithm *types.SigningAlgorithmSpec `json:"SigningAlgorithm"`
	GrantTokens      []string                    `json:"GrantTokens"`
	DryRun           *bool                       `json:"DryRun"`
}

// VerifyOutput is the response of Verify.
type VerifyOutput struct {
	KeyId            *string                    `json:"KeyId,omitempty"`
	SignatureValid   bool                       `json:"SignatureValid"`
	SigningAlgorithm types.SigningAlgorithmSpec `json:"SigningAlgorithm,omitempty"`
}

// GenerateMacInput is the request of GenerateMac.
type GenerateMacInput struct {
	Message      []byte                  `json:"Message"`
	KeyId        *string                 `json:"KeyId"`
	MacAlgorithm *types.MacAlgorithmSpec `json:"MacAlgorithm"`
	GrantTokens  []string                `json:"GrantTokens"`
	DryRun       *bool                   `json:"DryRun"`
}

// GenerateMacOutput is the response of GenerateMac.
type GenerateMacOutput struct {
	Mac          []byte                 `json:"Mac,omitempty"`
	MacAlgorithm types.MacAlgorithmSpec `json:"MacAlgorithm,omitempty"`
	KeyId        *string                `json:"KeyId,omitempty"`
}

// VerifyMacInput is the request of VerifyMac.
type VerifyMacInput struct {
	Message      []byte                  `json:"Message"`
	KeyId        *string                 `json:"KeyId"`
	MacAlgorithm *types.MacAlgorithmSpec `json:"MacAlgorithm"`
	Mac          []byte                  `json:"Mac"`
	GrantTokens  []string                `json:"GrantTokens"`
	DryRun       *bool                   `json:"DryRun"`
}

// VerifyMacOutput is the response of VerifyMac.
type VerifyMacOutput struct {
	KeyId        *string                `json:"KeyId,omitempty"`
	MacValid     bool                   `json:"MacValid"`
	MacAlgorithm types.MacAlgorithmSpec `json:"MacAlgorithm,omitempty"`
}

// ListKeyRotationsInput is the request of ListKeyRotations.
type ListKeyRotationsInput struct {
	KeyId              *string                   `json:"KeyId"`
	IncludeKeyMaterial *types.IncludeKeyMaterial `json:"IncludeKeyMaterial"`
	Limit              *int32                    `json:"Limit"`
	Marker             *string                   `json:"Marker"`
}

// ListKeyRotationsOutput is the response of ListKeyRotations.
type ListKeyRotationsOutput struct {
	Rotations  []RotationsListEntry `json:"Rotations"`
	NextMarker *string              `json:"NextMarker,omitempty"`
	Truncated  bool                 `json:"Truncated"`
}

// RotationsListEntry is one key material in a ListKeyRotations response.
type RotationsListEntry struct {
	KeyId                  *string                   `json:"KeyId,omitempty"`
	KeyMaterialId          *string                   `json:"KeyMaterialId,omitempty"`
	KeyMaterialDescription *string                   `json:"KeyMaterialDescription,omitempty"`
	ImportState            types.ImportState         `json:"ImportState,omitempty"`
	KeyMaterialState       types.KeyMaterialState    `json:"KeyMaterialState,omitempty"`
	ExpirationModel        types.ExpirationModelType `json:"ExpirationModel,omitempty"`
	ValidTo                *Timestamp                `json:"ValidTo,omitempty"`
	RotationDate           *Timestamp                `json:"RotationDate,omitempty"`
	RotationType           types.RotationType        `json:"RotationType,omitempty"`
}

// EnableKeyRotationInput is the request of EnableKeyRotation.
type EnableKeyRotationInput struct {
	KeyId                *string `json:"KeyId"`
	RotationPeriodInDays *int32  `json:"RotationPeriodInDays"`
}

// GetKeyRotationStatusOutput is the response of GetKeyRotationStatus.
type GetKeyRotationStatusOutput struct {
	KeyRotationEnabled   bool    `json:"KeyRotationEnabled"`
	KeyId                *string `json:"KeyId,omitempty"`
	RotationPeriodInDays *int32  `json:"RotationPeriodInDays,omitempty"`
}

// TagResourceInput is the request of TagResource.
type TagResourceInput struct {
	KeyId *string `json:"KeyId"`
	Tags  []Tag   `json:"Tags"`
}

// ListResourceTagsInput is the request of ListResourceTags.
type ListResourceTagsInput struct {
	KeyId  *string `json:"KeyId"`
	Limit  *int32  `json:"Limit"`
	Marker *string `json:"Marker"`
}

// ListResourceTagsOutput is the response of ListResourceTags.
type ListResourceTagsOutput struct {
	Tags       []Tag   `json:"Tags"`
	NextMarker *string `json:"NextMarker,omitempty"`
	Truncated  bool    `json:"Truncated"`
}

// ReEncryptInput is the request of ReEncrypt.
type ReEncryptInput struct {
	CiphertextBlob                 []byte                         `json:"CiphertextBlob"`
	SourceEncryptionContext        map[string]string              `json:"SourceEncryptionContext"`
	SourceKeyId                    *string                        `json:"SourceKeyId"`
	DestinationKeyId               *string                        `json:"DestinationKeyId"`
	DestinationEncryptionContext   map[string]string              `json:"DestinationEncryptionContext"`
	SourceEncryptionAlgorithm      *types.EncryptionAlgorithmSpec `json:"SourceEncryptionAlgorithm"`
	DestinationEncryptionAlgorithm *types.EncryptionAlgorithmSpec `json:"DestinationEncryptionAlgorithm"`
	GrantTokens                    []string                       `json:"GrantTokens"`
	DryRun                         *bool                          `json:"DryRun"`
}

// ReEncryptOutput is the response of ReEncrypt.
type ReEncryptOutput struct {
	CiphertextBlob                 []byte                        `json:"CiphertextBlob,omitempty"`
	SourceKeyId                    *string                       `json:"SourceKeyId,omitempty"`
	KeyId                          *string                       `json:"KeyId,omitempty"`
	SourceEncryptionAlgorithm      types.EncryptionAlgorithmSpec `json:"SourceEncryptionAlgorithm,omitempty"`
	DestinationEncryptionAlgorithm types.EncryptionAlgorithmSpec `json:"DestinationEncryptionAlgorithm,omitempty"`
	SourceKeyMaterialId            *string                       `json:"SourceKeyMaterialId,omitempty"`
	DestinationKeyMaterialId       *string                       `json:"DestinationKeyMaterialId,omitempty"`
}

// RecipientInfo names a Nitro enclave that is to receive a secret encrypted
// to it.
type RecipientInfo struct {
	KeyEncryptionAlgorithm *types.KeyEncryptionMechanism `json:"KeyEncryptionAlgorithm"`
	AttestationDocument    []byte                        `json:"AttestationDocument"`
}

// DeriveSharedSecretInput is the request of DeriveSharedSecret.
type DeriveSharedSecretInput struct {
	KeyId                 *string                          `json:"KeyId"`
	KeyAgreementAlgorithm *types.KeyAgreementAlgorithmSpec `json:"KeyAgreementAlgorithm"`
	PublicKey             []byte                           `json:"PublicKey"`
	GrantTokens           []string                         `json:"GrantTokens"`
	DryRun                *bool                            `json:"DryRun"`
	Recipient             *RecipientInfo                   `json:"Recipient"`
}

// DeriveSharedSecretOutput is the response of DeriveSharedSecret.
type DeriveSharedSecretOutput struct {
	KeyId                 *string                         `json:"KeyId,omitempty"`
	SharedSecret          []byte                          `json:"SharedSecret,omitempty"`
	KeyAgreementAlgorithm types.KeyAgreementAlgorithmSpec `json:"KeyAgreementAlgorithm,omitempty"`
	KeyOrigin             types.OriginType                `json:"KeyOrigin,omitempty"`
}

// CreateAliasInput is the request of CreateAlias.
type CreateAliasInput struct {
	AliasName   *string `json:"AliasName"`
	TargetKeyId *string `json:"TargetKeyId"`
}

// DeleteAliasInput is the request of DeleteAlias.
type DeleteAliasInput struct {
	AliasName *string `json:"AliasName"`
}

// ListAliasesInput is the request of ListAliases.
type ListAliasesInput struct {
	KeyId  *string `json:"KeyId"`
	Limit  *int32  `json:"Limit"`
	Marker *string `json:"Marker"`
}

// ListAliasesOutput is the response of ListAliases.
type ListAliasesOutput struct {
	Aliases    []AliasListEntry `json:"Aliases"`
	NextMarker *string          `json:"NextMarker,omitempty"`
	Truncated  bool             `json:"Truncated"`
}

// AliasListEntry is one alias in a ListAliases response.
type AliasListEntry struct {
	AliasName       *string    `json:"AliasName,omitempty"`
	AliasArn        *string    `json:"AliasArn,omitempty"`
	TargetKeyId     *string    `json:"TargetKeyId,omitempty"`
	CreationDate    *Timestamp `json:"CreationDate,omitempty"`
	LastUpdatedDate *Timestamp `json:"LastUpdatedDate,omitempty"`
}

// ReplicateKeyInput is the request of ReplicateKey.
type ReplicateKeyInput struct {
	KeyId                          *string `json:"KeyId"`
	ReplicaRegion                  *string `json:"ReplicaRegion"`
	Policy                         *string `json:"Policy"`
	BypassPolicyLockoutSafetyCheck *bool   `json:"BypassPolicyLockoutSafetyCheck"`
	Description                    *string `json:"Description"`
	Tags                           []Tag   `json:"Tags"`
}

// ReplicateKeyOutput is the response of ReplicateKey.
type ReplicateKeyOutput struct {
	ReplicaKeyMetadata *KeyMetadata `json:"ReplicaKeyMetadata,omitempty"`
	ReplicaTags        []Tag        `json:"ReplicaTags,omitempty"`
}

// Caller is who sent a request, as the server authenticated it: the access
// key ID of its SigV4 signature (empty if unsigned), the account that key
// belongs to, and the Region the request addressed. A zero Caller (a Go
// program calling the operations directly) acts in the server's default
// account and Region.
type Caller struct {
	AccessKeyID string
	AccountID   string
	Region      string
}

// PutKeyPolicyInput is the request of PutKeyPolicy.
type PutKeyPolicyInput struct {
	KeyId                          *string `json:"KeyId"`
	PolicyName                     *string `json:"PolicyName"`
	Policy                         *string `json:"Policy"`
	BypassPolicyLockoutSafetyCheck *bool   `json:"BypassPolicyLockoutSafetyCheck"`
}

// PutKeyPolicyOutput is the (empty) response of PutKeyPolicy.
type PutKeyPolicyOutput struct{}

// GetKeyPolicyInput is the request of GetKeyPolicy.
type GetKeyPolicyInput struct {
	KeyId      *string `json:"KeyId"`
	PolicyName *string `json:"PolicyName"`
}

// GetKeyPolicyOutput is the response of GetKeyPolicy.
type GetKeyPolicyOutput struct {
	Policy     *string `json:"Policy,omitempty"`
	PolicyName *string `json:"PolicyName,omitempty"`
}
