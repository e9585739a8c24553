package rules

import (
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsconform/kmsconform/fixtures/material"
	"github.com/kmsconform/kmsconform/harness/reference/mutant"
)

// Key is the record of one KMS key. Decisions take a Key by value and return
// a new one; they never modify the slices and maps of the Key they were given
// (they clone it first), so a record handed out stays as it was.
type Key struct {
	ID           string
	AccountID    string
	Region       string
	CreationDate time.Time
	Description  string
	Spec         types.KeySpec
	Usage        types.KeyUsageType
	Origin       types.OriginType
	MultiRegion  bool
	// Policy is the key policy (JSON); it decides which other accounts may
	// use the key (IMP-104).
	Policy string
	// PrimaryRegion and ReplicaRegions describe the multi-Region key set
	// a multi-Region key belongs to (same account, same key ID): the
	// Region of the primary key and those of its replicas, in the order they
	// were created. Every key of the set carries both (SyncMultiRegion keeps
	// them equal); a single-Region key has neither.
	PrimaryRegion  string
	ReplicaRegions []string

	// State is the key state as last decided. Expiry of imported material
	// is applied lazily: see at.
	State               types.KeyState
	DeletionDate        time.Time // while PendingDeletion
	PendingWindowInDays int32     // while PendingDeletion or PendingReplicaDeletion

	// Materials are the key materials in the order they were associated
	// with the key: the first is the initial material. Symmetric keys of
	// profile 2025 can have several; every other key has at most one.
	Materials []Material
	// PublicKeyDER is the public half of an asymmetric key, kept when the
	// private key is deleted or expires, so GetPublicKey still answers
	// (decisions IMP-125).
	PublicKeyDER []byte

	Tags                 map[string]string
	RotationEnabled      bool  // automatic rotation of an AWS_KMS symmetric key
	RotationPeriodInDays int32 // when RotationEnabled
	OnDemandRotations    int

	// ParametersIssued counts GetParametersForImport responses for this
	// key; each token carries its number.
	ParametersIssued int64
	// SharedWrappingKeys is used only by the mutant
	// accept-mismatched-public-key: the one wrapping key pair it hands out
	// per wrapping key spec.
	SharedWrappingKeys map[types.WrappingKeySpec]*rsa.PrivateKey
}

// Material is one key material of a key.
type Material struct {
	// ID is the KeyMaterialId: derived from the key ID and the material
	// (see materialID), so the same material always gets the same ID.
	ID          string
	Description string // KeyMaterialDescription; "" when none was given
	State       types.KeyMaterialState
	// Key is the material itself; nil while it is not imported (never
	// imported yet, deleted, or expired). Deleting material drops it.
	Key *material.Key
	// Imports counts how often this material was imported.
	Imports         int
	ExpirationModel types.ExpirationModelType // "" while not imported
	ValidTo         time.Time                 // zero unless KEY_MATERIAL_EXPIRES
	RotationDate    time.Time                 // zero for the initial and the pending material
	RotationType    types.RotationType
}

func (k Key) clone() Key {
	k.Materials = slices.Clone(k.Materials)
	k.ReplicaRegions = slices.Clone(k.ReplicaRegions)
	k.Tags = maps.Clone(k.Tags)
	k.SharedWrappingKeys = maps.Clone(k.SharedWrappingKeys)
	return k
}

// ARN is the key ARN.
func (k Key) ARN() string { return keyARN(k.Region, k.AccountID, k.ID) }

func keyARN(region, account, id string) string {
	return "arn:" + Partition(region) + ":kms:" + region + ":" + account + ":key/" + id
}

// Partition is the AWS partition of a Region.
func Partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// Deleted reports whether the key's deletion waiting period is over: the
// key no longer exists. (A primary in PendingReplicaDeletion has no
// deletion date yet: its waiting period starts when its last replica is
// gone, see SyncMultiRegion.)
func (k Key) Deleted(now time.Time) bool {
	return k.State == types.KeyStatePendingDeletion && !now.Before(k.DeletionDate)
}

// pendingDeletion reports whether the key is scheduled for deletion; DG-KS
// gives PendingDeletion and PendingReplicaDeletion one column (§3).
func (k Key) pendingDeletion() bool {
	return k.State == types.KeyStatePendingDeletion || k.State == types.KeyStatePendingReplicaDeletion
}

// isReplica reports whether k is a multi-Region replica key.
func (k Key) isReplica() bool {
	return k.MultiRegion && k.PrimaryRegion != "" && k.PrimaryRegion != k.Region
}

// at returns the key as it is at env.Now: material whose ValidTo has come
// is deleted, and a key that lost permanently associated material is
// PendingImport (research IMP-094, IMP-082). Expiry is evaluated lazily on
// every access instead of by timers, so a test clock can move freely.
func (k Key) at(env Env) Key {
	if env.Mutants.Has(mutant.IgnoreExpiry) { // IMP-094
		return k
	}
	expired := func(m Material) bool {
		return m.Key != nil && m.ExpirationModel == types.ExpirationModelTypeKeyMaterialExpires && !env.Now.Before(m.ValidTo)
	}
	if !slices.ContainsFunc(k.Materials, expired) {
		return k
	}
	k = k.clone()
	kept := k.Materials[:0]
	for _, m := range k.Materials {
		if !expired(m) {
			kept = append(kept, m)
			continue
		}
		if !m.associated() && !k.isReplica() {
			// Never permanently associated: it goes, as on deletion (IMP-087).
			// (A replica keeps the entry without the material: the primary
			// decides which materials the set has, SyncMultiRegion.)
			continue
		}
		m.Key, m.ExpirationModel, m.ValidTo = nil, "", time.Time{}
		kept = append(kept, m)
		if m.associated() && !k.pendingDeletion() {
			k.State = types.KeyStatePendingImport
		}
	}
	k.Materials = kept
	return k
}

// associated reports whether m is permanently associated with its key:
// every material but one pending rotation (in a multi-Region key, pending
// until every replica has it: IMP-138).
func (m Material) associated() bool { return !m.pendingRotation() }

func (m Material) pendingRotation() bool {
	return m.State == types.KeyMaterialStatePendingRotation || m.State == types.KeyMaterialStatePendingMultiRegionImportAndRotation
}

// complete reports whether the key has material and every permanently
// associated material is imported: the condition for the key to leave
// PendingImport (IMP-064, IMP-082).
func (k Key) complete() bool {
	has := false
	for _, m := range k.Materials {
		if !m.associated() {
			continue
		}
		if m.Key == nil {
			return false
		}
		has = true
	}
	return has
}

// current returns the index of the CURRENT material, or -1.
func (k Key) current() int {
	return slices.IndexFunc(k.Materials, func(m Material) bool { return m.State == types.KeyMaterialStateCurrent })
}

// pending returns the index of the material pending rotation (in either of
// the two pending states), or -1.
func (k Key) pending() int {
	return slices.IndexFunc(k.Materials, Material.pendingRotation)
}

// byID returns the index of the material with the ID, or -1.
func (k Key) byID(id string) int {
	return slices.IndexFunc(k.Materials, func(m Material) bool { return m.ID == id })
}

// materialID derives a KeyMaterialId from the key ID and the material: 64
// lowercase hex digits, the same for the same material in the same key and
// different in another key (research IMP-080). For a secret it is an HMAC
// keyed with the secret, so it says nothing about the secret; for an
// asymmetric key it is a hash of the public key, which determines the
// private key whatever its encoding.
func materialID(keyID string, m material.Key) string {
	const domain = "kmsconform key material id v1\x00"
	if m.PublicKeyDER != nil {
		h := sha256.New()
		h.Write([]byte(domain + keyID + "\x00"))
		h.Write(m.PublicKeyDER)
		return hex.EncodeToString(h.Sum(nil))
	}
	mac := hmac.New(sha256.New, m.Secret)
	mac.Write([]byte(domain + keyID))
	return hex.EncodeToString(mac.Sum(nil))
}

// Family predicates of key specs.

func isSymmetric(spec types.KeySpec) bool { return spec == types.KeySpecSymmetricDefault }

func isHMAC(spec types.KeySpec) bool { return material.HMACLength(spec) > 0 }

func isRSA(spec types.KeySpec) bool { return material.RSABits(spec) > 0 }

// isAsymmetric: RSA, ECC, SM2 and the post-quantum key pairs.
func isAsymmetric(spec types.KeySpec) bool { return !isSymmetric(spec) && !isHMAC(spec) }
