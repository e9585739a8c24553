package rules

import (
	"encoding/json"
	"strings"

	"github.com/kmsconform/kmsconform/harness/reference/awserr"
	"github.com/kmsconform/kmsconform/harness/reference/kmsapi"
)

// Key policies, as far as the rules need them: whether another account may
// use a key with an operation that allows cross-account use (IMP-104: the
// caller's account must be allowed by the key policy). The model is a subset
// of IAM policy evaluation: statements with Effect Allow or Deny, a Principal
// of "*" or {"AWS": account id, account root ARN, or a list of them}, and an
// Action of "*", "kms:*", "kms:<Operation>" or a list of them. An explicit
// Deny wins. A statement with a Condition is not applied: the reference
// cannot evaluate conditions, and an Allow it cannot evaluate must not
// grant access.

// MalformedPolicyDocument is the error of a policy that is not a policy
// document.
const MalformedPolicyDocument awserr.Code = "MalformedPolicyDocumentException"

// policyDocument is a key policy as JSON decodes it.
type policyDocument struct {
	Statement statements `json:"Statement"`
}

type statement struct {
	Effect    string          `json:"Effect"`
	Principal json.RawMessage `json:"Principal"`
	Action    stringList      `json:"Action"`
	Condition json.RawMessage `json:"Condition"`
}

// statements and stringList accept a single value or a list, as IAM does.
type statements []statement

func (s *statements) UnmarshalJSON(b []byte) error {
	var one statement
	if err := json.Unmarshal(b, &one); err == nil {
		*s = statements{one}
		return nil
	}
	return json.Unmarshal(b, (*[]statement)(s))
}

type stringList []string

func (l *stringList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*l = stringList{one}
		return nil
	}
	return json.Unmarshal(b, (*[]string)(l))
}

// DefaultKeyPolicy is the policy of a key created without one: AWS's
// default, which gives the key's own account (and only it) full access.
func DefaultKeyPolicy(partition, accountID string) string {
	return `{"Version":"2012-10-17","Id":"key-default-1","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:` +
		partition + `:iam::` + accountID + `:root"},"Action":"kms:*","Resource":"*"}]}`
}

// parsePolicy reads a key policy, refusing one that is not a policy
// document.
func parsePolicy(policy string) (policyDocument, error) {
	var doc policyDocument
	if err := json.Unmarshal([]byte(policy), &doc); err != nil || len(doc.Statement) == 0 {
		return doc, awserr.New(MalformedPolicyDocument, "The new key policy will not allow you to update the key policy in the future.")
	}
	for _, s := range doc.Statement {
		if s.Effect != "Allow" && s.Effect != "Deny" {
			return doc, awserr.New(MalformedPolicyDocument, "Policy contains a statement with an invalid Effect %q.", s.Effect)
		}
	}
	return doc, nil
}

// policyAllows reports whether the key policy lets accountID call action
// (kms:<Operation>).
func policyAllows(policy, partition, accountID, action string) bool {
	doc, err := parsePolicy(policy)
	if err != nil {
		return false
	}
	allowed := false
	for _, s := range doc.Statement {
		if !s.names(partition, accountID) || !s.covers(action) {
			continue
		}
		if s.Effect == "Deny" {
			return false
		}
		if len(s.Condition) == 0 {
			allowed = true
		}
	}
	return allowed
}

func (s statement) names(partition, accountID string) bool {
	var star string
	if json.Unmarshal(s.Principal, &star) == nil {
		return star == "*"
	}
	var p struct {
		AWS stringList `json:"AWS"`
	}
	if json.Unmarshal(s.Principal, &p) != nil {
		return false
	}
	for _, a := range p.AWS {
		if a == "*" || a == accountID || a == "arn:"+partition+":iam::"+accountID+":root" {
			return true
		}
	}
	return false
}

func (s statement) covers(action string) bool {
	for _, a := range s.Action {
		if a == "*" || a == "kms:*" || strings.EqualFold(a, action) {
			return true
		}
	}
	return false
}

// errNotAllowedByPolicy is the answer to another account whose use of a key
// its policy does not allow.
func errNotAllowedByPolicy(env Env, operation, resource string) error {
	return awserr.New(awserr.AccessDenied, "User: arn:%s:iam::%s:root is not authorized to perform: kms:%s on resource: %s because no resource-based policy allows the kms:%s action",
		Partition(env.Region), env.AccountID, operation, resource, operation)
}

// PutKeyPolicy replaces the key policy. It cannot be used across accounts.
var PutKeyPolicy = KeyOperation[kmsapi.PutKeyPolicyInput, kmsapi.PutKeyPolicyOutput]{
	Name: "PutKeyPolicy",
	Validate: func(in *kmsapi.PutKeyPolicyInput, env Env) error {
		var v violations
		v.requiredString("keyId", in.KeyId, 1, keyIDMax)
		v.length("policyName", in.PolicyName, 1, 128)
		v.requiredString("policy", in.Policy, 1, 131072)
		if err := v.err(); err != nil {
			return err
		}
		return checkPolicyName(in.PolicyName)
	},
	KeyRef: func(in *kmsapi.PutKeyPolicyInput) (string, error) { return keyRef(in.KeyId) },
	decide: func(k Key, in *kmsapi.PutKeyPolicyInput, env Env) (Key, *kmsapi.PutKeyPolicyOutput, error) {
		if _, err := parsePolicy(*in.Policy); err != nil {
			return k, nil, err
		}
		k.Policy = *in.Policy
		return k, &kmsapi.PutKeyPolicyOutput{}, nil
	},
}

// GetKeyPolicy returns the key policy. It cannot be used across accounts.
var GetKeyPolicy = KeyOperation[kmsapi.GetKeyPolicyInput, kmsapi.GetKeyPolicyOutput]{
	Name: "GetKeyPolicy",
	Validate: func(in *kmsapi.GetKeyPolicyInput, env Env) error {
		var v violations
		v.requiredString("keyId", in.KeyId, 1, keyIDMax)
		v.length("policyName", in.PolicyName, 1, 128)
		if err := v.err(); err != nil {
			return err
		}
		return checkPolicyName(in.PolicyName)
	},
	KeyRef: func(in *kmsapi.GetKeyPolicyInput) (string, error) { return keyRef(in.KeyId) },
	decide: func(k Key, in *kmsapi.GetKeyPolicyInput, env Env) (Key, *kmsapi.GetKeyPolicyOutput, error) {
		return k, &kmsapi.GetKeyPolicyOutput{Policy: ptr(k.Policy), PolicyName: ptr("default")}, nil
	},
}

// checkPolicyName: a key has one policy, named "default".
func checkPolicyName(name *string) error {
	if name != nil && *name != "default" {
		return awserr.New(awserr.NotFound, "No such policy exists: %s. The only valid policy name is default.", *name)
	}
	return nil
}
