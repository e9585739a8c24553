// Package mutant lists the named faults the reference KMS can be started
// with. Each mutant is a realistic emulator bug that breaks specific rules of
// the research catalogue (IMP-NNN); `kmsconform mutate` runs the suite against
// every mutant to prove that each rule's specs can fail. A mutant is a flag
// that the decision layer checks at exactly one place: the point where the
// rule it breaks is enforced.
package mutant

import (
	"fmt"
	"sort"
	"strings"
)

// Name names one mutant.
type Name string

// The mutants, grouped by the rule area they break.
const (
	// Import tokens.
	AcceptForeignToken        Name = "accept-foreign-token"
	AcceptMismatchedPublicKey Name = "accept-mismatched-public-key"
	AcceptExpiredToken        Name = "accept-expired-token"
	RejectEarlierToken        Name = "reject-earlier-token"

	// Wrapped key material that does not unwrap.
	WrongErrorCode Name = "wrong-error-code"
	Crypto500      Name = "crypto-500"

	// Key material format.
	SkipMaterialLengthCheck Name = "skip-material-length-check"

	// Reimport.
	AcceptDifferentMaterial    Name = "accept-different-material"
	RefuseReimportWhileEnabled Name = "refuse-reimport-while-enabled"
	IgnoreKeyMaterialID        Name = "ignore-key-material-id"

	// ValidTo and ExpirationModel.
	AcceptPastValidTo    Name = "accept-past-validto"
	SkipValidToMax       Name = "skip-validto-max"
	DropValidToSilently  Name = "drop-validto-silently"
	DefaultDoesNotExpire Name = "default-does-not-expire"

	// Key types and origins.
	AllowHMACImport       Name = "allow-hmac-import"
	AllowAsymmetricImport Name = "allow-asymmetric-import"
	ImportIntoAWSKMSKey   Name = "import-into-aws-kms-key"

	// Key states.
	DisablePendingImport        Name = "disable-pendingimport"
	RefuseDeletePendingDeletion Name = "refuse-delete-pendingdeletion"
	CryptoWhileDisabled         Name = "crypto-while-disabled"
	ImportWhilePendingDeletion  Name = "import-while-pending-deletion"

	// Deletion and expiry.
	KeepExpirationAfterDelete  Name = "keep-expiration-after-delete"
	NoPendingImportAfterDelete Name = "no-pendingimport-after-delete"
	IgnoreExpiry               Name = "ignore-expiry"

	// Crypto binding.
	LoseOldMaterial   Name = "lose-old-material"
	UnboundCiphertext Name = "unbound-ciphertext"

	// Several materials per key (profile 2025).
	AllowSecondPendingMaterial Name = "allow-second-pending-material"
	RotateWithoutPending       Name = "rotate-without-pending"
)

// Mutant describes one named fault.
type Mutant struct {
	Name Name
	Area string // the rule area of decisions.md it belongs to
	// Rules are exactly the rules whose specs catch the fault, as the
	// catalogue (suites/catalogue/rules.yaml) states the rules and their
	// expected outcomes: a spec that asserts a documented or observed code
	// catches a wrong code, one that asserts an inferred code (any 4xx
	// without --strict) catches only a success or a 5xx.
	Rules       []string
	Description string
}

var registry = []Mutant{
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
	{ImportIntoAWSKMSKey, "parameters", []string{"IMP-015", "IMP-061", "IMP-088"},
		"The import operations do not check the key's origin: material can be imported into (and deleted from) an AWS_KMS key."},
	{DisablePendingImport, "keystate", []string{"IMP-121"},
		"DisableKey and EnableKey are accepted on a key in PendingImport."},
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
}

// All returns every mutant, sorted by name.
func All() []Mutant {
	out := append([]Mutant(nil), registry...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Lookup returns the mutant called name.
func Lookup(name string) (Mutant, bool) {
	for _, m := range registry {
		if string(m.Name) == name {
			return m, true
		}
	}
	return Mutant{}, false
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
