package rules

import (
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsconform/kmsconform/harness/reference/awserr"
	"github.com/kmsconform/kmsconform/harness/reference/mutant"
)

// The key-state errors, with the messages of the research's DG-KS footnotes
// (§3) and of the recorded AWS responses (OBS). Messages name the key ARN, as
// AWS does.

// errDisabled is footnote [1].
func errDisabled(k Key) error {
	return awserr.New(awserr.Disabled, "%s is disabled.", k.ARN())
}

// errPendingDeletion is footnote [3], for PendingDeletion and
// PendingReplicaDeletion.
func errPendingDeletion(k Key) error {
	if k.State == types.KeyStatePendingReplicaDeletion {
		return awserr.New(awserr.KMSInvalidState, "%s is pending replica deletion.", k.ARN())
	}
	return awserr.New(awserr.KMSInvalidState, "%s is pending deletion.", k.ARN())
}

// errNotPendingDeletion is footnote [4].
func errNotPendingDeletion(k Key) error {
	return awserr.New(awserr.KMSInvalidState, "%s is not pending deletion.", k.ARN())
}

// errPendingImport is footnote [5], in the wording AWS was observed to use
// (IMP-123).
func errPendingImport(k Key) error {
	return awserr.New(awserr.KMSInvalidState, "%s is pending import.", k.ARN())
}

// errOrigin is footnote [6], and the observed message of IMP-015 and
// IMP-114.
func errOrigin(k Key) error {
	return awserr.New(awserr.UnsupportedOperation, "%s origin is %s which is not valid for this operation.", k.ARN(), k.Origin)
}

// errNotFound is the observed message of IMP-140.
func errNotFound(arn string) error {
	return awserr.New(awserr.NotFound, "Key '%s' does not exist", arn)
}

// KeyNotFound is the error for a key ID an account does not have in a
// Region.
func KeyNotFound(accountID, region, keyID string) error {
	return errNotFound(keyARN(region, accountID, keyID))
}

// UnknownKey is the answer to a request, in env, that names a key ID an
// account does not have in a Region: KeyNotFound (IMP-019, IMP-140).
func UnknownKey(env Env, accountID, region, keyID string) error {
	if env.Mutants.Has(mutant.UnknownKey500) { // IMP-019, IMP-140
		return awserr.New(awserr.KMSInternal, "internal error: no record for key %s", keyARN(region, accountID, keyID))
	}
	return KeyNotFound(accountID, region, keyID)
}

// NotFound is the error for a key or alias a target names that does not
// exist.
func NotFound(t Target) error {
	if t.AliasName != "" {
		return errAliasNotFound(t)
	}
	return errNotFound(t.ARN())
}

func errAliasNotFound(t Target) error {
	return awserr.New(awserr.NotFound, "Alias %s is not found.", t.ARN())
}

// errAccessDenied is the answer to an operation that cannot be used across
// accounts, called on a key or alias of another account (decisions IMP-017,
// IMP-063, IMP-144: the message follows the form of IAM's denials).
func errAccessDenied(env Env, operation, resource string) error {
	return awserr.New(awserr.AccessDenied, "User: arn:%s:iam::%s:root is not authorized to perform: kms:%s on resource: %s because kms:%s cannot be used across accounts.",
		Partition(env.Region), env.AccountID, operation, resource, operation)
}

func errKeyUsage(k Key, operation string) error {
	return awserr.New(awserr.InvalidKeyUsage, "%s key usage is %s and key spec is %s, which is not valid for %s.", k.ARN(), k.Usage, k.Spec, operation)
}
