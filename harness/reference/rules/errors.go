package rules

import (
	"github.com/kmsconform/kmsconform/harness/reference/awserr"
)

// The key-state errors, with the messages of the research's DG-KS footnotes
// (§3) and of the recorded AWS responses (OBS). Messages name the key ARN, as
// AWS does.

// errDisabled is footnote [1].
func errDisabled(k Key) error {
	return awserr.New(awserr.Disabled, "%s is disabled.", k.ARN())
}

// errPendingDeletion is footnote [3].
func errPendingDeletion(k Key) error {
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

// NotFound is the error for a key ID the account does not have.
func NotFound(env Env, keyID string) error {
	return errNotFound(keyARN(env.Region, env.AccountID, keyID))
}

func errKeyUsage(k Key, operation string) error {
	return awserr.New(awserr.InvalidKeyUsage, "%s key usage is %s and key spec is %s, which is not valid for %s.", k.ARN(), k.Usage, k.Spec, operation)
}
