// Package profile names the revisions of AWS KMS's import rules that a target
// can claim. AWS changed what may be imported, how it is wrapped and what the
// import operations return; a target (and the reference KMS) behaves as one
// revision, and the suite checks the rules of that revision only.
package profile

import (
	"fmt"
	"strings"
)

// Profile is one revision of the import rules, named by the year it began.
type Profile string

const (
	// P2022 is the ImportKeyMaterial reference of late 2022: symmetric keys
	// only, RSA_2048 wrapping keys only, RSAES_PKCS1_V1_5 still accepted,
	// empty ImportKeyMaterial and DeleteImportedKeyMaterial responses.
	P2022 Profile = "2022"
	// P2023 is AWS from October 2023 (PKCS1_V1_5 withdrawn) until June 2025:
	// HMAC, RSA and ECC material, RSA_3072/4096 wrapping keys,
	// RSA_AES_KEY_WRAP_SHA_1/256.
	P2023 Profile = "2023"
	// P2025 is AWS from June 2025 on (today's AWS): P2023 plus ImportType,
	// KeyMaterialId, KeyMaterialDescription, several materials per symmetric
	// key, RotateKeyOnDemand and ListKeyRotations for imported keys.
	P2025 Profile = "2025"
)

// Default is the profile a run claims when none is given.
const Default = P2022

// All lists every profile, oldest first.
func All() []Profile { return []Profile{P2022, P2023, P2025} }

// Parse turns a profile name into a Profile. The error names the valid
// profiles so a mistyped flag or config value can be fixed at once.
func Parse(s string) (Profile, error) {
	for _, p := range All() {
		if string(p) == s {
			return p, nil
		}
	}
	names := make([]string, 0, len(All()))
	for _, p := range All() {
		names = append(names, string(p))
	}
	return "", fmt.Errorf("unknown profile %q: use one of %s", s, strings.Join(names, ", "))
}

// AtLeast reports whether p is the same revision as q or a later one.
func (p Profile) AtLeast(q Profile) bool { return p.index() >= q.index() }

func (p Profile) index() int {
	for i, x := range All() {
		if x == p {
			return i
		}
	}
	return -1
}

// String returns the profile's name.
func (p Profile) String() string { return string(p) }
