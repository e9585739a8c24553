package rules

import (
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsconform/kmsconform/fixtures/material"
	"github.com/kmsconform/kmsconform/harness/reference/awserr"
	"github.com/kmsconform/kmsconform/harness/reference/kmsapi"
	"github.com/kmsconform/kmsconform/harness/reference/mutant"
)

// DescribeKey works in every key state (IMP-104).
var DescribeKey = KeyOperation[kmsapi.DescribeKeyInput, kmsapi.DescribeKeyOutput]{
	Name:         "DescribeKey",
	ByAlias:      true,
	CrossAccount: true,
	Validate: func(in *kmsapi.DescribeKeyInput, env Env) error {
		var v violations
		v.requiredString("keyId", in.KeyId, 1, keyIDMax)
		v.grantTokens(in.GrantTokens)
		return v.err()
	},
	KeyRef: func(in *kmsapi.DescribeKeyInput) (string, error) { return keyRef(in.KeyId) },
	decide: func(k Key, in *kmsapi.DescribeKeyInput, env Env) (Key, *kmsapi.DescribeKeyOutput, error) {
		md := metadata(k, env)
		if env.Mutants.Has(mutant.DescribeKeyIDIsARN) { // IMP-104
			md.KeyId = md.Arn
		}
		return k, &kmsapi.DescribeKeyOutput{KeyMetadata: md}, nil
	},
}

// metadata is the KeyMetadata of k.
func metadata(k Key, env Env) *kmsapi.KeyMetadata {
	arn := k.ARN()
	md := &kmsapi.KeyMetadata{
		AWSAccountId: ptr(k.AccountID),
		KeyId:        ptr(k.ID),
		Arn:          &arn,
		CreationDate: kmsapi.At(k.CreationDate),
		Enabled:      k.State == types.KeyStateEnabled && !(k.Origin == types.OriginTypeExternal && env.Mutants.Has(mutant.EnabledFlagFalseForExternal)), // IMP-064, IMP-099
		Description:  ptr(k.Description),
		KeyUsage:     k.Usage,
		KeyState:     k.State,
		Origin:       reportedOrigin(k, env),
		KeyManager:   types.KeyManagerTypeCustomer,
		KeySpec:      k.Spec,
		MultiRegion:  ptr(k.MultiRegion),
	}
	if slices.Contains(legacyKeySpecs, k.Spec) {
		md.CustomerMasterKeySpec = types.CustomerMasterKeySpec(k.Spec)
	}
	md.EncryptionAlgorithms, md.SigningAlgorithms, md.MacAlgorithms, md.KeyAgreementAlgorithms = algorithms(k, env)
	if k.pendingDeletion() {
		// A primary pending replica deletion has no deletion date yet.
		if !k.DeletionDate.IsZero() {
			md.DeletionDate = kmsapi.At(k.DeletionDate)
		}
		md.PendingDeletionWindowInDays = ptr(k.PendingWindowInDays)
	}
	if k.MultiRegion {
		md.MultiRegionConfiguration = multiRegionConfiguration(k)
	}
	if k.Origin == types.OriginTypeExternal {
		// ExpirationModel only for EXTERNAL keys and, as observed, only
		// while the current material is imported (IMP-100, IMP-091);
		// ValidTo is the earliest expiry of any permanently associated
		// material (IMP-095, IMP-101).
		if c := k.current(); c >= 0 {
			md.ExpirationModel = k.Materials[c].ExpirationModel
		}
		var earliest time.Time
		for _, m := range k.Materials {
			if m.associated() && !m.ValidTo.IsZero() && (earliest.IsZero() || m.ValidTo.Before(earliest)) {
				earliest = m.ValidTo
			}
		}
		if !earliest.IsZero() {
			if env.Mutants.Has(mutant.DescribeValidToShifted) { // IMP-054, IMP-095, IMP-096, IMP-101, IMP-134
				earliest = earliest.Add(time.Hour)
			}
			md.ValidTo = kmsapi.At(earliest)
		}
	}
	// CurrentKeyMaterialId: symmetric keys only, since 2025, once material
	// was imported (IMP-102); it stays when the material is deleted
	// (IMP-091). A replica knows its primary's materials before it imports
	// them, and shows none until then.
	if c := currentShown(k, env); env.rev().multiMaterial && c >= 0 && k.Materials[c].Imports > 0 {
		md.CurrentKeyMaterialId = ptr(k.Materials[c].ID)
	}
	return md
}

// reportedOrigin is the Origin KeyMetadata shows: the key's, which never
// changes (IMP-003, IMP-098).
func reportedOrigin(k Key, env Env) types.OriginType {
	if k.Origin == types.OriginTypeExternal && k.complete() && env.Mutants.Has(mutant.OriginAWSKMSAfterImport) { // IMP-003, IMP-098
		return types.OriginTypeAwsKms
	}
	return k.Origin
}

// currentShown is the index of the material DescribeKey names in
// CurrentKeyMaterialId: the CURRENT material of a symmetric key (IMP-075,
// IMP-102), or -1.
func currentShown(k Key, env Env) int {
	switch {
	case env.Mutants.Has(mutant.CurrentKeyMaterialIDIsNewest) && isSymmetric(k.Spec): // IMP-075
		return len(k.Materials) - 1
	case !isSymmetric(k.Spec) && !env.Mutants.Has(mutant.CurrentKeyMaterialIDForAllKeys): // IMP-102
		return -1
	}
	return k.current()
}

// multiRegionConfiguration describes the set of a multi-Region key: the
// primary, and every replica (a replica lists itself too, as AWS does).
func multiRegionConfiguration(k Key) *kmsapi.MultiRegionConfiguration {
	c := &kmsapi.MultiRegionConfiguration{
		MultiRegionKeyType: types.MultiRegionKeyTypePrimary,
		PrimaryKey:         &kmsapi.MultiRegionKey{Arn: ptr(keyARN(k.PrimaryRegion, k.AccountID, k.ID)), Region: ptr(k.PrimaryRegion)},
		ReplicaKeys:        []kmsapi.MultiRegionKey{},
	}
	if k.isReplica() {
		c.MultiRegionKeyType = types.MultiRegionKeyTypeReplica
	}
	for _, r := range k.ReplicaRegions {
		c.ReplicaKeys = append(c.ReplicaKeys, kmsapi.MultiRegionKey{Arn: ptr(keyARN(r, k.AccountID, k.ID)), Region: ptr(r)})
	}
	return c
}

// algorithms lists what the key can do, by key spec and usage.
func algorithms(k Key, env Env) ([]types.EncryptionAlgorithmSpec, []types.SigningAlgorithmSpec, []types.MacAlgorithmSpec, []types.KeyAgreementAlgorithmSpec) {
	switch k.Usage {
	case types.KeyUsageTypeEncryptDecrypt:
		return material.EncryptionAlgorithms(k.Spec), nil, nil, nil
	case types.KeyUsageTypeSignVerify:
		var algs []types.SigningAlgorithmSpec
		for _, a := range material.SigningAlgorithms(k.Spec) {
			if slices.Contains(env.rev().signingAlgorithms, a) {
				algs = append(algs, a)
			}
		}
		return nil, algs, nil, nil
	case types.KeyUsageTypeGenerateVerifyMac:
		return nil, nil, []types.MacAlgorithmSpec{material.MacAlgorithm(k.Spec)}, nil
	case types.KeyUsageTypeKeyAgreement:
		return nil, nil, nil, []types.KeyAgreementAlgorithmSpec{types.KeyAgreementAlgorithmSpecEcdh}
	}
	return nil, nil, nil, nil
}

// ListKeys lists the keys of the account in creation order; keys pending
// deletion are listed, deleted keys are not.
func ListKeys(keys []Key, in *kmsapi.ListKeysInput, env Env) (*kmsapi.ListKeysOutput, error) {
	var v violations
	v.intRange("limit", in.Limit, 1, listLimitMax)
	v.length("marker", in.Marker, 1, markerMax)
	v.pattern("marker", in.Marker, markerPattern)
	if err := v.err(); err != nil {
		return nil, err
	}
	live := keys[:0:0]
	for _, k := range keys {
		if !k.Deleted(env.Now) {
			live = append(live, k)
		}
	}
	page, next, err := paginate(live, func(k Key) string { return k.ID }, in.Limit, in.Marker, 100)
	if err != nil {
		return nil, err
	}
	out := &kmsapi.ListKeysOutput{Keys: []kmsapi.KeyListEntry{}, NextMarker: next, Truncated: next != nil}
	for _, k := range page {
		out.Keys = append(out.Keys, kmsapi.KeyListEntry{KeyId: ptr(k.ID), KeyArn: ptr(k.ARN())})
	}
	return out, nil
}

// paginate returns the page of items after the one whose name is marker,
// and the marker of the next page (nil on the last page). A marker that
// names no item is InvalidMarkerException.
func paginate[T any](items []T, name func(T) string, limit *int32, marker *string, defaultLimit int) ([]T, *string, error) {
	start := 0
	if marker != nil {
		i := slices.IndexFunc(items, func(t T) bool { return name(t) == *marker })
		if i < 0 {
			return nil, nil, awserr.New(awserr.InvalidMarker, "Invalid marker '%s'.", *marker)
		}
		start = i + 1
	}
	n := defaultLimit
	if limit != nil {
		n = int(*limit)
	}
	end := min(start+n, len(items))
	page := items[start:end]
	if end == len(items) {
		return page, nil, nil
	}
	return page, ptr(name(items[end-1])), nil
}

func ptr[T any](v T) *T { return &v }
