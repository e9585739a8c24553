package rules

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/kmsconform/kmsconform/harness/reference/awserr"
)

// violations collects the constraint violations of one request, as AWS does
// before it looks at any key: every violation is reported, in the form
// "N validation error(s) detected: Value 'X' at 'field' failed to satisfy
// constraint: ..." (research IMP-142). Field names are the members' names
// with a lowercase initial, as in AWS's messages. Values of blobs are never
// echoed: they can be secrets.
type violations struct {
	list []string
}

func (v *violations) add(value, field, constraint string) {
	v.list = append(v.list, fmt.Sprintf("%s at '%s' failed to satisfy constraint: %s", value, field, constraint))
}

func quoted(s string) string { return "Value '" + s + "'" }

func (v *violations) required(field string, present bool) bool {
	if !present {
		v.add("Value null", field, "Member must not be null")
	}
	return present
}

// length checks a string's length in characters.
func (v *violations) length(field string, s *string, min, max int) {
	if s == nil {
		return
	}
	n := utf8.RuneCountInString(*s)
	switch {
	case n < min:
		v.add(quoted(*s), field, fmt.Sprintf("Member must have length greater than or equal to %d", min))
	case n > max:
		v.add(quoted(*s), field, fmt.Sprintf("Member must have length less than or equal to %d", max))
	}
}

func (v *violations) requiredString(field string, s *string, min, max int) {
	if v.required(field, s != nil) {
		v.length(field, s, min, max)
	}
}

// blob checks a blob's length in bytes; nil is absent.
func (v *violations) blob(field string, b []byte, min, max int) {
	if b == nil {
		return
	}
	switch {
	case len(b) < min:
		v.add("Value", field, fmt.Sprintf("Member must have length greater than or equal to %d", min))
	case len(b) > max:
		v.add("Value", field, fmt.Sprintf("Member must have length less than or equal to %d", max))
	}
}

func (v *violations) requiredBlob(field string, b []byte, min, max int) {
	if v.required(field, b != nil) {
		v.blob(field, b, min, max)
	}
}

func (v *violations) pattern(field string, s *string, re *regexp.Regexp) {
	if s != nil && !re.MatchString(*s) {
		v.add(quoted(*s), field, "Member must satisfy regular expression pattern: "+re.String())
	}
}

func (v *violations) intRange(field string, n *int32, min, max int32) {
	if n == nil {
		return
	}
	switch {
	case *n < min:
		v.add(quoted(fmt.Sprint(*n)), field, fmt.Sprintf("Member must have value greater than or equal to %d", min))
	case *n > max:
		v.add(quoted(fmt.Sprint(*n)), field, fmt.Sprintf("Member must have value less than or equal to %d", max))
	}
}

// enum checks an enum member against the values the profile's model has.
func enum[E ~string](v *violations, field string, e *E, allowed []E) {
	if e == nil || slices.Contains(allowed, *e) {
		return
	}
	names := make([]string, len(allowed))
	for i, a := range allowed {
		names[i] = string(a)
	}
	v.add(quoted(string(*e)), field, "Member must satisfy enum value set: ["+strings.Join(names, ", ")+"]")
}

// grantTokens checks the GrantTokens list (0 to 10 tokens of 1 to 8192
// characters); the reference has no grants and ignores them otherwise.
func (v *violations) grantTokens(tokens []string) {
	if len(tokens) > 10 {
		v.add("Value", "grantTokens", "Member must have length less than or equal to 10")
	}
	for i := range tokens {
		v.length(fmt.Sprintf("grantTokens.%d.member", i+1), &tokens[i], 1, 8192)
	}
}

func (v *violations) err() error {
	switch len(v.list) {
	case 0:
		return nil
	case 1:
		return awserr.New(awserr.Validation, "1 validation error detected: %s", v.list[0])
	}
	return awserr.New(awserr.Validation, "%d validation errors detected: %s", len(v.list), strings.Join(v.list, "; "))
}

// validation is a ValidationException that is not a model constraint.
func validation(format string, args ...any) error {
	return awserr.New(awserr.Validation, format, args...)
}

// Model patterns.
var (
	keyMaterialIDPattern          = regexp.MustCompile(`^[a-f0-9]+$`)
	keyMaterialDescriptionPattern = regexp.MustCompile(`^[a-zA-Z0-9:/_\s.-]+$`)
	markerPattern                 = regexp.MustCompile(`^[\x{0020}-\x{00FF}]*$`)
)

// Model limits shared by several operations.
const (
	keyIDMax      = 2048
	blobMax       = 6144 // CiphertextType and the import blobs
	plaintextMax  = 4096
	listLimitMax  = 1000
	markerMax     = 1024
	tagKeyMax     = 128
	tagValueMax   = 256
	tagsPerKeyMax = 50
)
