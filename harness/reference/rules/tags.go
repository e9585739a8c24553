package rules

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/kmsconform/kmsconform/harness/reference/awserr"
	"github.com/kmsconform/kmsconform/harness/reference/kmsapi"
)

func tagConstraints(v *violations, tags []kmsapi.Tag) {
	for i, t := range tags {
		prefix := fmt.Sprintf("tags.%d.member.", i+1)
		v.requiredString(prefix+"tagKey", t.TagKey, 1, tagKeyMax)
		v.requiredString(prefix+"tagValue", t.TagValue, 0, tagValueMax)
	}
}

// mergeTags adds tags to existing ones (a tag of the same key is replaced).
// Tag keys beginning "aws:" are reserved and a key holds at most 50 tags:
// both are TagException.
func mergeTags(existing map[string]string, tags []kmsapi.Tag) (map[string]string, error) {
	out := maps.Clone(existing)
	if out == nil {
		out = map[string]string{}
	}
	for _, t := range tags {
		if strings.HasPrefix(*t.TagKey, "aws:") {
			return nil, awserr.New(awserr.Tag, "Tag keys beginning with aws: are reserved: %s", *t.TagKey)
		}
		out[*t.TagKey] = *t.TagValue
	}
	if len(out) > tagsPerKeyMax {
		return nil, awserr.New(awserr.Tag, "A KMS key can have at most %d tags.", tagsPerKeyMax)
	}
	return out, nil
}

// TagResource adds or replaces tags; not on a key pending deletion ([3]).
var TagResource = KeyOperation[kmsapi.TagResourceInput, kmsapi.EmptyOutput]{
	Name: "TagResource",
	Validate: func(in *kmsapi.TagResourceInput, env Env) error {
		var v violations
		v.requiredString("keyId", in.KeyId, 1, keyIDMax)
		v.required("tags", in.Tags != nil)
		tagConstraints(&v, in.Tags)
		return v.err()
	},
	KeyRef: func(in *kmsapi.TagResourceInput) (string, error) { return keyRef(in.KeyId) },
	decide: func(k Key, in *kmsapi.TagResourceInput, env Env) (Key, *kmsapi.EmptyOutput, error) {
		if k.pendingDeletion() {
			return k, nil, errPendingDeletion(k)
		}
		tags, err := mergeTags(k.Tags, in.Tags)
		if err != nil {
			return k, nil, err
		}
		k = k.clone()
		k.Tags = tags
		return k, &kmsapi.EmptyOutput{}, nil
	},
}

// ListResourceTags lists a key's tags sorted by tag key, in every key state.
var ListResourceTags = KeyOperation[kmsapi.ListResourceTagsInput, kmsapi.ListResourceTagsOutput]{
	Name: "ListResourceTags",
	Validate: func(in *kmsapi.ListResourceTagsInput, env Env) error {
		var v violations
		v.requiredString("keyId", in.KeyId, 1, keyIDMax)
		v.intRange("limit", in.Limit, 1, tagsPerKeyMax)
		v.length("marker", in.Marker, 1, markerMax)
		v.pattern("marker", in.Marker, markerPattern)
		return v.err()
	},
	KeyRef: func(in *kmsapi.ListResourceTagsInput) (string, error) { return keyRef(in.KeyId) },
	decide: func(k Key, in *kmsapi.ListResourceTagsInput, env Env) (Key, *kmsapi.ListResourceTagsOutput, error) {
		keys := slices.Sorted(maps.Keys(k.Tags))
		page, next, err := paginate(keys, func(s string) string { return s }, in.Limit, in.Marker, tagsPerKeyMax)
		if err != nil {
			return k, nil, err
		}
		out := &kmsapi.ListResourceTagsOutput{Tags: []kmsapi.Tag{}, NextMarker: next, Truncated: next != nil}
		for _, key := range page {
			out.Tags = append(out.Tags, kmsapi.Tag{TagKey: ptr(key), TagValue: ptr(k.Tags[key])})
		}
		return k, out, nil
	},
}
