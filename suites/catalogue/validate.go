package catalogue

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"
	"go.yaml.in/yaml/v3"

	"github.com/kmsconform/kmsconform/harness/profile"
)

const (
	rulesFile      = "rules.yaml"
	ineligibleFile = "ineligible.yaml"
	wrappingFile   = "wrapping.yaml"
)

type rulesDoc struct {
	Rules []Rule `yaml:"rules"`
}

type ineligibleDoc struct {
	Ineligible []Ineligible `yaml:"ineligible"`
}

// ValidationError lists every problem found in the catalogue's documents, each naming the file,
// the rule or entry, and what to fix.
type ValidationError struct {
	Problems []string
}

func (e *ValidationError) Error() string {
	if len(e.Problems) == 1 {
		return "catalogue: " + e.Problems[0]
	}
	return fmt.Sprintf("catalogue: %d problems:\n  %s", len(e.Problems), strings.Join(e.Problems, "\n  "))
}

// problems collects findings so that one run reports all of them, not just the first.
type problems []string

func (p *problems) addf(format string, args ...any) { *p = append(*p, fmt.Sprintf(format, args...)) }

func (p problems) err() error { return &ValidationError{Problems: slices.Clone(p)} }

// The rule areas, for reports, mutants and the HTML matrix.
var areas = []string{
	"createkey", "parameters", "token", "wrapping", "material", "import", "reimport", "validto",
	"expiry", "delete", "describe", "keystate", "rotation", "multimaterial", "crypto", "errors",
	"crossaccount", "multiregion",
}

// The optional capabilities a target can declare (DESIGN.md section 3).
var capabilities = []string{"expiry-wait", "token-lifetime", "second-account", "multi-region", "sm2"}

// Areas returns the rule areas in their report order.
func Areas() []string { return slices.Clone(areas) }

// Capabilities returns the capability names a rule or case may require.
func Capabilities() []string { return slices.Clone(capabilities) }

var (
	idPattern   = regexp.MustCompile(`^IMP-[0-9]{3}$`)
	casePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)
)

// window is the period a profile models, as ISO dates; to is exclusive and empty when the
// profile runs to today.
type window struct{ from, to string }

var windows = map[profile.Profile]window{
	profile.P2022: {"2022-11-29", "2023-02-28"},
	profile.P2023: {"2023-10-10", "2025-06-05"},
	profile.P2025: {"2025-06-05", ""},
}

// profilesFor returns the profiles whose window overlaps a rule's since..until (until exclusive).
// ISO dates compare correctly as strings.
func profilesFor(since, until string) []profile.Profile {
	var out []profile.Profile
	for _, p := range profile.All() {
		w := windows[p]
		if (until == "" || until > w.from) && (since == "" || w.to == "" || since < w.to) {
			out = append(out, p)
		}
	}
	return out
}

// errorCodes are the codes a case may expect: every KMS exception in the SDK's model, plus the
// generic AWS answers that KMS does not model (research section 2) and the authentication errors
// of AWS JSON 1.1 services, which come before any operation's own checks (IMP-148).
var errorCodes = func() []string {
	codes := []string{"ValidationException", "AccessDeniedException", "UnknownOperationException", "InvalidSignatureException", "UnrecognizedClientException"}
	for _, e := range []smithy.APIError{
		&types.AlreadyExistsException{},
		&types.CloudHsmClusterInUseException{},
		&types.CloudHsmClusterInvalidConfigurationException{},
		&types.CloudHsmClusterNotActiveException{},
		&types.CloudHsmClusterNotFoundException{},
		&types.CloudHsmClusterNotRelatedException{},
		&types.ConflictException{},
		&types.CustomKeyStoreHasCMKsException{},
		&types.CustomKeyStoreInvalidStateException{},
		&types.CustomKeyStoreNameInUseException{},
		&types.CustomKeyStoreNotFoundException{},
		&types.DependencyTimeoutException{},
		&types.DisabledException{},
		&types.DryRunOperationException{},
		&types.ExpiredImportTokenException{},
		&types.IncorrectKeyException{},
		&types.IncorrectKeyMaterialException{},
		&types.IncorrectTrustAnchorException{},
		&types.InvalidAliasNameException{},
		&types.InvalidArnException{},
		&types.InvalidCiphertextException{},
		&types.InvalidGrantIdException{},
		&types.InvalidGrantTokenException{},
		&types.InvalidImportTokenException{},
		&types.InvalidKeyUsageException{},
		&types.InvalidMarkerException{},
		&types.KeyUnavailableException{},
		&types.KMSInternalException{},
		&types.KMSInvalidMacException{},
		&types.KMSInvalidSignatureException{},
		&types.KMSInvalidStateException{},
		&types.LimitExceededException{},
		&types.MalformedPolicyDocumentException{},
		&types.NotFoundException{},
		&types.TagException{},
		&types.UnsupportedOperationException{},
		&types.XksKeyAlreadyInUseException{},
		&types.XksKeyInvalidConfigurationException{},
		&types.XksKeyNotFoundException{},
		&types.XksProxyIncorrectAuthenticationCredentialException{},
		&types.XksProxyInvalidConfigurationException{},
		&types.XksProxyInvalidResponseException{},
		&types.XksProxyUriEndpointInUseException{},
		&types.XksProxyUriInUseException{},
		&types.XksProxyUriUnreachableException{},
		&types.XksProxyVpcEndpointServiceInUseException{},
		&types.XksProxyVpcEndpointServiceInvalidConfigurationException{},
		&types.XksProxyVpcEndpointServiceNotFoundException{},
	} {
		codes = append(codes, e.ErrorCode())
	}
	return codes
}()

// isOperation reports whether name is a KMS API operation: the SDK client has one method per
// operation, taking (ctx, input, optFns...).
func isOperation(name string) bool {
	m, ok := reflect.TypeFor[*kms.Client]().MethodByName(name)
	return ok && m.Type.NumIn() == 4
}

func (p *problems) decode(name string, data []byte, v any) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	err := dec.Decode(v)
	var typeErr *yaml.TypeError
	switch {
	case errors.Is(err, io.EOF):
		p.addf("%s: the document is empty", name)
		return
	case errors.As(err, &typeErr):
		// One line per field, so every unknown or mistyped field is reported.
		for _, e := range typeErr.Errors {
			p.addf("%s: %s (remove the field or fix its name or value)", name, e)
		}
		return
	case err != nil:
		p.addf("%s: %v", name, err)
		return
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		p.addf("%s: holds more than one YAML document; keep exactly one", name)
	}
}

func ruleName(id string, i int) string {
	if id == "" {
		return fmt.Sprintf("entry %d (no id)", i+1)
	}
	return id
}

func (p *problems) checkRules(c *Catalogue) {
	if len(c.rules) == 0 {
		p.addf("%s: no rules: the document needs a top-level `rules:` list", rulesFile)
		return
	}
	for i := range c.rules {
		r := &c.rules[i]
		where := rulesFile + ": " + ruleName(r.ID, i)
		if !idPattern.MatchString(r.ID) {
			p.addf("%s: id %q does not match IMP-NNN (IMP- and three digits)", where, r.ID)
		}
		if _, dup := c.index[r.ID]; dup {
			p.addf("%s: duplicate id: ids are never reused, number a new rule after the highest id", where)
			continue
		}
		c.index[r.ID] = i
		p.checkRule(where, r)
	}
}

func (p *problems) checkRule(where string, r *Rule) {
	if strings.TrimSpace(r.Title) == "" {
		p.addf("%s: missing title", where)
	}
	if strings.TrimSpace(r.Statement) == "" {
		p.addf("%s: missing statement", where)
	}
	p.checkURL(where, "source", r.Source)
	for _, a := range r.Also {
		if strings.TrimSpace(a) == "" {
			p.addf("%s: empty entry in also", where)
		}
	}
	if len(r.Operations) == 0 {
		p.addf("%s: missing operations: name the KMS operations the rule is about", where)
	}
	for _, op := range r.Operations {
		if !isOperation(op) {
			p.addf("%s: unknown operation %q: use a KMS API operation name such as ImportKeyMaterial", where, op)
		}
	}
	if !slices.Contains(areas, r.Area) {
		p.addf("%s: unknown area %q: use one of %s", where, r.Area, strings.Join(areas, ", "))
	}
	datesOK := p.checkDates(where, r)
	p.checkProfiles(where, r.Profiles)
	if !slices.Contains([]Tier{Conformance, Provisional}, r.Tier) {
		p.addf("%s: unknown tier %q: use conformance or provisional", where, r.Tier)
	}
	p.checkCapabilities(where, r.Capabilities)

	seen := map[string]bool{}
	for i := range r.Expect {
		e := &r.Expect[i]
		cw := fmt.Sprintf("%s, case %q", where, e.Case)
		if seen[e.Case] {
			p.addf("%s: duplicate case name", cw)
			continue
		}
		seen[e.Case] = true
		if e.Case == "" && len(r.Expect) > 1 {
			p.addf("%s: case name is empty: a rule with several cases must name each one", cw)
		} else if e.Case != "" && !casePattern.MatchString(e.Case) {
			p.addf("%s: case name must be letters, digits, '_', '.' or '-', starting with a letter or digit", cw)
		}
		p.checkExpectation(cw, r, e)
	}

	if len(r.Profiles) == 0 {
		// Ineligible: checked against ineligible.yaml.
		return
	}
	if len(r.Expect) == 0 {
		p.addf("%s: no expect cases: a rule in a profile needs at least one", where)
	}
	for _, pr := range r.Profiles {
		if !slices.ContainsFunc(r.Expect, func(e Expectation) bool { return len(e.Profiles) == 0 || slices.Contains(e.Profiles, pr) }) {
			p.addf("%s: no case applies to profile %s: add one or drop the profile", where, pr)
		}
	}
	if datesOK {
		if want := profilesFor(r.Since, r.Until); !sameProfiles(r.Profiles, want) {
			p.addf("%s: profiles [%s] do not match since %q / until %q, which cover [%s]: fix the profiles or the dates",
				where, joinStrings(r.Profiles), r.Since, r.Until, joinStrings(want))
		}
	}
	if r.Tier == Conformance && len(r.Expect) > 0 &&
		!slices.ContainsFunc(r.Expect, func(e Expectation) bool { return e.Tier == "" || e.Tier == Conformance }) {
		p.addf("%s: tier is conformance but every case is provisional: make the rule provisional", where)
	}
}

func (p *problems) checkExpectation(where string, r *Rule, e *Expectation) {
	switch e.Outcome {
	case OutcomeSuccess:
		if e.Error != "" {
			p.addf("%s: outcome success with error %q: remove the error or make the outcome error", where, e.Error)
		}
	case OutcomeError:
		if e.Error == "" {
			p.addf("%s: outcome error needs an error code (the AWS exception name)", where)
		} else if !slices.Contains(errorCodes, e.Error) {
			p.addf("%s: unknown error code %q: use the exception name exactly as AWS returns it, e.g. KMSInvalidStateException", where, e.Error)
		}
	default:
		p.addf("%s: unknown outcome %q: use success or error", where, e.Outcome)
	}
	switch e.Evidence {
	case Documented, Observed:
	case Inferred:
		if strings.TrimSpace(e.Note) == "" {
			p.addf("%s: evidence inferred needs a note saying why this outcome is expected", where)
		}
	default:
		p.addf("%s: unknown evidence %q: use documented, observed or inferred", where, e.Evidence)
	}
	p.checkProfiles(where, e.Profiles)
	for _, pr := range e.Profiles {
		if !slices.Contains(r.Profiles, pr) {
			p.addf("%s: profile %s is not one of the rule's profiles", where, pr)
		}
	}
	switch e.Tier {
	case "", Provisional:
	case Conformance:
		if r.Tier == Provisional {
			p.addf("%s: a case of a provisional rule cannot be conformance: make the rule conformance and mark its other cases provisional", where)
		}
	default:
		p.addf("%s: unknown tier %q: use conformance or provisional, or leave it out to use the rule's", where, e.Tier)
	}
	p.checkCapabilities(where, e.Capabilities)
}

func (p *problems) checkURL(where, field, u string) {
	if u == "" {
		p.addf("%s: missing %s: give the full https URL of the document that states the rule", where, field)
		return
	}
	parsed, err := url.Parse(u)
	if err != nil || parsed.Scheme != "https" || parsed.Host == "" {
		p.addf("%s: %s %q is not an https URL", where, field, u)
	}
}

// checkDates reports whether since and until are usable for the profile check.
func (p *problems) checkDates(where string, r *Rule) bool {
	ok := true
	for _, d := range []struct{ field, value string }{{"since", r.Since}, {"until", r.Until}} {
		if d.value == "" {
			continue
		}
		if _, err := time.Parse(time.DateOnly, d.value); err != nil {
			p.addf("%s: %s %q is not an ISO date (YYYY-MM-DD)", where, d.field, d.value)
			ok = false
		}
	}
	if ok && r.Since != "" && r.Until != "" && r.Since >= r.Until {
		p.addf("%s: since %s is not before until %s", where, r.Since, r.Until)
		ok = false
	}
	switch r.Revision {
	case Current:
		if r.Until != "" {
			p.addf("%s: a current rule has no until date: make it legacy or remove until", where)
			ok = false
		}
	case Legacy:
		if r.Until == "" {
			p.addf("%s: a legacy rule needs the until date on which it stopped holding", where)
			ok = false
		}
	default:
		p.addf("%s: unknown revision %q: use current or legacy", where, r.Revision)
		ok = false
	}
	return ok
}

func (p *problems) checkProfiles(where string, ps []profile.Profile) {
	seen := map[profile.Profile]bool{}
	for _, pr := range ps {
		if _, err := profile.Parse(string(pr)); err != nil {
			p.addf("%s: %v", where, err)
		}
		if seen[pr] {
			p.addf("%s: profile %s listed twice", where, pr)
		}
		seen[pr] = true
	}
}

func (p *problems) checkCapabilities(where string, cs []string) {
	for _, c := range cs {
		if !slices.Contains(capabilities, c) {
			p.addf("%s: unknown capability %q: use one of %s", where, c, strings.Join(capabilities, ", "))
		}
	}
}

func (p *problems) checkIneligible(c *Catalogue) {
	categories := []Category{CustomKeyStore, ChinaOnly, IAM, ServerFault, NotApplicable, Superseded, Contradicted}
	listed := map[string]bool{}
	for i, x := range c.ineligible {
		where := ineligibleFile + ": " + ruleName(x.ID, i)
		if listed[x.ID] {
			p.addf("%s: listed twice", where)
			continue
		}
		listed[x.ID] = true
		if ri, ok := c.index[x.ID]; !ok {
			p.addf("%s: no rule with this id in %s", where, rulesFile)
		} else if r := c.rules[ri]; len(r.Profiles) > 0 {
			p.addf("%s: the rule is in profiles [%s] and so gets a spec: remove this entry or empty the rule's profiles",
				where, joinStrings(r.Profiles))
		}
		if !slices.Contains(categories, x.Category) {
			p.addf("%s: unknown category %q: use one of %s", where, x.Category, joinStrings(categories))
		}
		if strings.TrimSpace(x.Reason) == "" {
			p.addf("%s: missing reason: say why a single endpoint cannot show the rule", where)
		}
	}
	for _, r := range c.rules {
		if len(r.Profiles) == 0 && idPattern.MatchString(r.ID) && !listed[r.ID] {
			p.addf("%s: %s is in no profile: give it profiles or list it in %s with a reason", rulesFile, r.ID, ineligibleFile)
		}
	}
}

// checkEnum reports values that are not real KMS enum values (valid lists the SDK's) and values
// listed twice.
func checkEnum[T ~string](p *problems, where, field string, values, valid []T) {
	if len(values) == 0 {
		p.addf("%s: %s is empty", where, field)
	}
	seen := map[T]bool{}
	for _, v := range values {
		if !slices.Contains(valid, v) {
			p.addf("%s: %s: %q is not a KMS value; use one of %s", where, field, v, joinStrings(valid))
		}
		if seen[v] {
			p.addf("%s: %s: %s listed twice", where, field, v)
		}
		seen[v] = true
	}
}

func sameProfiles(a, b []profile.Profile) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func joinStrings[T ~string](vs []T) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}
