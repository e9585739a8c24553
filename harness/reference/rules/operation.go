package rules

import (
	"strings"

	"github.com/kmsconform/kmsconform/harness/reference/awserr"
	"github.com/kmsconform/kmsconform/harness/reference/mutant"
)

// KeyOperation is an operation on one existing key, split the way AWS
// processes a request: first the request alone is validated (constraint
// violations are reported before the key is looked at), then the key the
// request names is found, then the decision is made on the key record.
type KeyOperation[In, Out any] struct {
	// Name is the operation's name in the API (and in kms:<Name>
	// permissions).
	Name string
	// ByAlias: the operation accepts an alias name or alias ARN for its key,
	// as the cryptographic operations and DescribeKey do. The others take a
	// key ID or key ARN only (Locate).
	ByAlias bool
	// CrossAccount: the operation may name a key of another account by key
	// ARN or alias ARN ("Cross-account use: Yes" in the API reference), when
	// the key's policy allows that account (Decide; IMP-104). The other
	// operations refuse another account's key whatever its policy (IMP-017,
	// IMP-063, IMP-144).
	CrossAccount bool
	// Validate checks the request without the key.
	Validate func(in *In, env Env) error
	// KeyRef returns the key reference (key ID, key ARN, alias name or alias
	// ARN) the request names.
	KeyRef func(in *In) (string, error)
	// decide is the decision on the key as it is at env.Now.
	decide func(k Key, in *In, env Env) (Key, *Out, error)
}

// Decide applies the operation to a key record. It returns the record as it
// must be stored: the new one on success; on failure the one it was given,
// brought to env.Now (lazy expiry), so a rejected request changes nothing.
// The record's deletion must have been checked with Deleted.
func (op KeyOperation[In, Out]) Decide(k Key, in *In, env Env) (Key, *Out, error) {
	k = k.at(env)
	if k.AccountID != env.AccountID && !policyAllows(k.Policy, Partition(env.Region), env.AccountID, "kms:"+op.Name) { // IMP-104
		return k, nil, errNotAllowedByPolicy(env, op.Name, k.ARN())
	}
	next, out, err := op.decide(k, in, env)
	if err != nil {
		return k, nil, err
	}
	return next, out, nil
}

// Target is what a request's key reference names: a key (KeyID) or an alias
// (AliasName, "alias/..."), in an account and Region.
type Target struct {
	Partition string
	AccountID string
	Region    string
	KeyID     string
	AliasName string
}

// ARN is the ARN of the key or alias the target names.
func (t Target) ARN() string {
	resource := "key/" + t.KeyID
	if t.AliasName != "" {
		resource = t.AliasName
	}
	return "arn:" + t.Partition + ":kms:" + t.Region + ":" + t.AccountID + ":" + resource
}

// Locate parses the key reference of a request and applies the operation's
// rules on what it may name. A malformed ARN is InvalidArnException
// (IMP-141). An alias for an operation that takes no alias is not found
// (decisions IMP-010, IMP-047: GetParametersForImport, ImportKeyMaterial and
// DeleteImportedKeyMaterial do not resolve aliases, so the alias is looked
// up as a key that does not exist). A key or alias of another account, for
// an operation that cannot be used across accounts, is AccessDeniedException
// (decisions IMP-017, IMP-063, IMP-144), checked before the key is looked up
// so that the answer does not tell whether the key exists. A key or alias
// of another Region is not found: keys are regional.
func (op KeyOperation[In, Out]) Locate(ref string, env Env) (Target, error) {
	t, err := ParseKeyRef(ref, env)
	if err != nil {
		return Target{}, err
	}
	if t.AliasName != "" && !op.ByAlias && !env.Mutants.Has(mutant.ResolveAliasEverywhere) { // IMP-010, IMP-047
		return Target{}, awserr.New(awserr.NotFound, "Key '%s' does not exist: %s takes a key ID or key ARN, not an alias.", ref, op.Name)
	}
	if t.AccountID != env.AccountID && !op.CrossAccount && !env.Mutants.Has(mutant.AllowCrossAccountImport) { // IMP-017, IMP-063, IMP-144
		return Target{}, errAccessDenied(env, op.Name, t.ARN())
	}
	if t.Region != env.Region || t.Partition != Partition(env.Region) {
		if t.AliasName != "" {
			return Target{}, errAliasNotFound(t)
		}
		return Target{}, errNotFound(t.ARN())
	}
	return t, nil
}

// keyRef is the KeyRef of requests whose key is their required KeyId.
func keyRef(id *string) (string, error) {
	if id == nil {
		// Validate reports a missing KeyId first; this is a safety net.
		return "", validation("1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null")
	}
	return *id, nil
}

// ParseKeyRef reads a key reference: a key ID or alias name (of env's
// account and Region), or a key ARN or alias ARN. A string that starts with
// "arn:" but is not a KMS key or alias ARN is InvalidArnException (IMP-141).
func ParseKeyRef(ref string, env Env) (Target, error) {
	if !strings.HasPrefix(ref, "arn:") {
		t := Target{Partition: Partition(env.Region), AccountID: env.AccountID, Region: env.Region}
		if strings.HasPrefix(ref, "alias/") {
			t.AliasName = ref
		} else {
			t.KeyID = ref
		}
		return t, nil
	}
	parts := strings.SplitN(ref, ":", 6)
	if len(parts) != 6 || parts[1] == "" || parts[2] != "kms" || parts[3] == "" || parts[4] == "" {
		return Target{}, errInvalidARN(ref, env)
	}
	t := Target{Partition: parts[1], AccountID: parts[4], Region: parts[3]}
	resource := parts[5]
	switch {
	case strings.HasPrefix(resource, "key/") && len(resource) > len("key/"):
		t.KeyID = strings.TrimPrefix(resource, "key/")
	case strings.HasPrefix(resource, "alias/") && len(resource) > len("alias/"):
		t.AliasName = resource
	default:
		return Target{}, errInvalidARN(ref, env)
	}
	return t, nil
}

func errInvalidARN(ref string, env Env) error {
	if env.Mutants.Has(mutant.MalformedARNNotFound) { // IMP-019, IMP-141
		return errNotFound(ref)
	}
	return awserr.New(awserr.InvalidArn, "%s is not a valid KMS key ARN.", ref)
}
