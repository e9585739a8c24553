package rules

import (
	"regexp"
	"strings"
	"time"

	"github.com/kmsconform/kmsconform/harness/reference/awserr"
	"github.com/kmsconform/kmsconform/harness/reference/kmsapi"
)

// Alias is an alias: a name, unique in its account and Region, for one key
// of the same account and Region (API-CA). DescribeKey and the
// cryptographic operations accept an alias where they take a key
// (KeyOperation.ByAlias); the import operations do not (IMP-010, IMP-047).
type Alias struct {
	Name            string // "alias/..."
	AccountID       string
	Region          string
	TargetKeyID     string
	CreationDate    time.Time
	LastUpdatedDate time.Time
}

// ARN is the alias ARN.
func (a Alias) ARN() string { return aliasARN(a.Region, a.AccountID, a.Name) }

func aliasARN(region, account, name string) string {
	return "arn:" + Partition(region) + ":kms:" + region + ":" + account + ":" + name
}

// Model constraints of AliasName.
var aliasNamePattern = regexp.MustCompile(`^[a-zA-Z0-9:/_-]+$`)

const aliasNameMax = 256

func aliasNameConstraints(v *violations, name *string) {
	v.requiredString("aliasName", name, 1, aliasNameMax)
	v.pattern("aliasName", name, aliasNamePattern)
}

// CreateAlias decides a CreateAlias request on the key it names: any key
// of the caller's account and Region but one pending deletion (DG-KS [3]).
// Its result is the new alias, which must not exist yet (AlreadyExists is
// for the alias store to tell).
var CreateAlias = KeyOperation[kmsapi.CreateAliasInput, Alias]{
	Name: "CreateAlias",
	Validate: func(in *kmsapi.CreateAliasInput, env Env) error {
		var v violations
		aliasNameConstraints(&v, in.AliasName)
		v.requiredString("targetKeyId", in.TargetKeyId, 1, keyIDMax)
		if err := v.err(); err != nil {
			return err
		}
		name := *in.AliasName
		switch {
		case !strings.HasPrefix(name, "alias/") || name == "alias/":
			return awserr.New(awserr.InvalidAliasName, "Alias name %s must begin with alias/ followed by a name.", name)
		case strings.HasPrefix(name, "alias/aws/"):
			return awserr.New(awserr.InvalidAliasName, "Alias name %s begins with alias/aws/, which is reserved for AWS managed keys.", name)
		}
		return nil
	},
	KeyRef: func(in *kmsapi.CreateAliasInput) (string, error) { return keyRef(in.TargetKeyId) },
	decide: func(k Key, in *kmsapi.CreateAliasInput, env Env) (Key, *Alias, error) {
		if k.pendingDeletion() {
			return k, nil, errPendingDeletion(k)
		}
		return k, &Alias{
			Name:            *in.AliasName,
			AccountID:       k.AccountID,
			Region:          k.Region,
			TargetKeyID:     k.ID,
			CreationDate:    env.Now,
			LastUpdatedDate: env.Now,
		}, nil
	},
}

// ErrAliasExists is CreateAlias's answer for a name the account already
// uses in the Region.
func ErrAliasExists(a Alias) error {
	return awserr.New(awserr.AlreadyExists, "An alias with the name %s already exists", a.ARN())
}

// ValidateDeleteAlias checks a DeleteAlias request, and returns the alias it
// names: an alias of the caller's account and Region (DeleteAlias cannot be
// used across accounts and takes an alias name, not an ARN).
func ValidateDeleteAlias(in *kmsapi.DeleteAliasInput, env Env) (Target, error) {
	var v violations
	aliasNameConstraints(&v, in.AliasName)
	if err := v.err(); err != nil {
		return Target{}, err
	}
	return Target{Partition: Partition(env.Region), AccountID: env.AccountID, Region: env.Region, AliasName: *in.AliasName}, nil
}

// ListAliasesKey is the lookup of ListAliases's optional KeyId: a key ID or
// key ARN of the caller's account (ListAliases cannot be used across
// accounts).
var ListAliasesKey = KeyOperation[kmsapi.ListAliasesInput, struct{}]{
	Name: "ListAliases",
	Validate: func(in *kmsapi.ListAliasesInput, env Env) error {
		var v violations
		v.length("keyId", in.KeyId, 1, keyIDMax)
		v.intRange("limit", in.Limit, 1, 100)
		v.length("marker", in.Marker, 1, markerMax)
		v.pattern("marker", in.Marker, markerPattern)
		return v.err()
	},
	KeyRef: func(in *kmsapi.ListAliasesInput) (string, error) { return keyRef(in.KeyId) },
	decide: func(k Key, in *kmsapi.ListAliasesInput, env Env) (Key, *struct{}, error) { return k, &struct{}{}, nil },
}

// ListAliases lists the given aliases (those of the caller's account and
// Region whose key still exists, in creation order), only those of keyID
// when it is not empty, 50 to a page by default.
func ListAliases(aliases []Alias, keyID string, in *kmsapi.ListAliasesInput) (*kmsapi.ListAliasesOutput, error) {
	var listed []Alias
	for _, a := range aliases {
		if keyID == "" || a.TargetKeyID == keyID {
			listed = append(listed, a)
		}
	}
	page, next, err := paginate(listed, func(a Alias) string { return a.Name }, in.Limit, in.Marker, 50)
	if err != nil {
		return nil, err
	}
	out := &kmsapi.ListAliasesOutput{Aliases: []kmsapi.AliasListEntry{}, NextMarker: next, Truncated: next != nil}
	for _, a := range page {
		out.Aliases = append(out.Aliases, kmsapi.AliasListEntry{
			AliasName:       ptr(a.Name),
			AliasArn:        ptr(a.ARN()),
			TargetKeyId:     ptr(a.TargetKeyID),
			CreationDate:    kmsapi.At(a.CreationDate),
			LastUpdatedDate: kmsapi.At(a.LastUpdatedDate),
		})
	}
	return out, nil
}
