package rules

import (
	"strings"

	"github.com/kmsconform/kmsconform/harness/reference/awserr"
)

// KeyOperation is an operation on one existing key, split the way AWS
// processes a request: first the request alone is validated (constraint
// violations are reported before the key is looked at), then the key the
// request names is found, then the decision is made on the key record.
type KeyOperation[In, Out any] struct {
	// Validate checks the request without the key.
	Validate func(in *In, env Env) error
	// KeyRef returns the key reference (key ID or ARN) the request names.
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
	next, out, err := op.decide(k, in, env)
	if err != nil {
		return k, nil, err
	}
	return next, out, nil
}

// keyRef is the KeyRef of requests whose key is their required KeyId.
func keyRef(id *string) (string, error) {
	if id == nil {
		// Validate reports a missing KeyId first; this is a safety net.
		return "", validation("1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null")
	}
	return *id, nil
}

// ResolveKeyRef turns what a request says in KeyId into a key ID of env's
// account: a key ID as is, a key ARN of this account and Region. A
// malformed ARN is InvalidArnException (IMP-141). The reference has no
// aliases, so an alias name or alias ARN is not found (decisions IMP-010),
// and so is an ARN of another account or Region.
func ResolveKeyRef(ref string, env Env) (string, error) {
	if strings.HasPrefix(ref, "alias/") {
		return "", errAliasNotFound(env, ref)
	}
	if !strings.HasPrefix(ref, "arn:") {
		return ref, nil
	}
	parts := strings.SplitN(ref, ":", 6)
	if len(parts) != 6 || parts[1] == "" || parts[2] != "kms" || parts[3] == "" || parts[4] == "" {
		return "", awserr.New(awserr.InvalidArn, "%s is not a valid KMS key ARN.", ref)
	}
	resource := parts[5]
	if strings.HasPrefix(resource, "alias/") {
		return "", awserr.New(awserr.NotFound, "Alias %s is not found.", ref)
	}
	id, ok := strings.CutPrefix(resource, "key/")
	if !ok || id == "" {
		return "", awserr.New(awserr.InvalidArn, "%s is not a valid KMS key ARN.", ref)
	}
	if parts[1] != partition(env.Region) || parts[3] != env.Region || parts[4] != env.AccountID {
		return "", errNotFound(ref)
	}
	return id, nil
}

func errAliasNotFound(env Env, alias string) error {
	return awserr.New(awserr.NotFound, "Alias arn:%s:kms:%s:%s:%s is not found.", partition(env.Region), env.Region, env.AccountID, alias)
}
