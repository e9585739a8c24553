// Package catalogue is the machine-readable list of the rules kmsconform checks: every documented
// rule of AWS KMS key-material import (IMP-001 onward), the profiles it belongs to, what a target
// must answer and how sure the project is of that answer, plus the rules no single endpoint can
// show and the wrapping matrix. Specs, the reference KMS, reports and the CLI read rules from here,
// so a rule's expectation is stated in exactly one place. README.md describes the files.
package catalogue

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/kmsconform/kmsconform/harness/profile"
)

var (
	//go:embed rules.yaml
	rulesYAML []byte
	//go:embed ineligible.yaml
	ineligibleYAML []byte
	//go:embed wrapping.yaml
	wrappingYAML []byte
)

// Tier says whether a failure blocks certification.
type Tier string

const (
	// Conformance rules are documented (or observed) and unambiguous; a failure blocks
	// certification.
	Conformance Tier = "conformance"
	// Provisional rules or cases rest on a statement AWS's own documents leave ambiguous or
	// contradict; they are run and reported but never block certification.
	Provisional Tier = "provisional"
)

// Evidence says where an expected outcome comes from, and so how strictly it is asserted.
type Evidence string

const (
	// Documented outcomes are stated by AWS documentation.
	Documented Evidence = "documented"
	// Observed outcomes were recorded from real AWS responses.
	Observed Evidence = "observed"
	// Inferred outcomes are the project's reading where AWS names no outcome; the case's note
	// says why.
	Inferred Evidence = "inferred"
)

// Outcome is what a case expects the target to answer.
type Outcome string

const (
	// OutcomeSuccess expects the call to succeed.
	OutcomeSuccess Outcome = "success"
	// OutcomeError expects the call to fail with the case's error code.
	OutcomeError Outcome = "error"
)

// Revision says whether a rule is AWS's current behaviour or an older one.
type Revision string

const (
	// Current rules are what AWS documents today.
	Current Revision = "current"
	// Legacy rules held for a period that has ended (Until).
	Legacy Revision = "legacy"
)

// Category says why a rule is ineligible.
type Category string

// The categories of ineligible rules.
const (
	CustomKeyStore Category = "custom-key-store"
	ChinaOnly      Category = "china-only"
	IAM            Category = "iam"
	ServerFault    Category = "server-fault"
	NotApplicable  Category = "not-applicable"
	Superseded     Category = "superseded"
	Contradicted   Category = "contradicted"
)

// Rule is one catalogue entry. Values returned by a Catalogue share storage with it and must be
// treated as read-only.
type Rule struct {
	ID         string   `yaml:"id"`
	Title      string   `yaml:"title"`
	Statement  string   `yaml:"statement"`
	Operations []string `yaml:"operations"`
	Area       string   `yaml:"area"`
	Source     string   `yaml:"source"`
	Also       []string `yaml:"also"`
	Revision   Revision `yaml:"revision"`
	// Since and Until are ISO dates (YYYY-MM-DD), empty when open; Until is exclusive.
	Since    string            `yaml:"since"`
	Until    string            `yaml:"until"`
	Profiles []profile.Profile `yaml:"profiles"`
	Tier     Tier              `yaml:"tier"`
	// Capabilities the target must declare before the rule can be checked at all.
	Capabilities []string      `yaml:"capabilities"`
	Note         string        `yaml:"note"`
	Expect       []Expectation `yaml:"expect"`
}

// Expectation is one case of a rule: a situation and the answer the target must give.
//
// After loading, Profiles, Tier and Capabilities hold the effective values: the rule's profiles
// and tier when the document gives none for the case, and the rule's capabilities plus the case's
// own.
type Expectation struct {
	Case         string            `yaml:"case"`
	Outcome      Outcome           `yaml:"outcome"`
	Error        string            `yaml:"error"`
	Evidence     Evidence          `yaml:"evidence"`
	Note         string            `yaml:"note"`
	Profiles     []profile.Profile `yaml:"profiles"`
	Tier         Tier              `yaml:"tier"`
	Capabilities []string          `yaml:"capabilities"`
}

// Ineligible is a rule that a single KMS endpoint cannot show at all, and why.
type Ineligible struct {
	ID       string   `yaml:"id"`
	Category Category `yaml:"category"`
	Reason   string   `yaml:"reason"`
}

// Catalogue is the loaded, validated set of rules, ineligible rules and wrapping cells.
type Catalogue struct {
	rules      []Rule
	index      map[string]int
	ineligible []Ineligible
	wrapping   map[profile.Profile][]WrappingCell
	hash       string
}

var loadEmbedded = sync.OnceValues(func() (*Catalogue, error) {
	return Parse(rulesYAML, ineligibleYAML, wrappingYAML)
})

// Load returns the catalogue embedded in the binary. It is parsed once; every call returns the
// same Catalogue.
func Load() (*Catalogue, error) { return loadEmbedded() }

// Parse builds a catalogue from the three documents (rules.yaml, ineligible.yaml,
// wrapping.yaml). It reports every problem it finds in one *ValidationError.
func Parse(rules, ineligible, wrapping []byte) (*Catalogue, error) {
	var p problems
	var rd rulesDoc
	var id ineligibleDoc
	var wd wrappingDoc
	p.decode(rulesFile, rules, &rd)
	p.decode(ineligibleFile, ineligible, &id)
	p.decode(wrappingFile, wrapping, &wd)
	if len(p) > 0 {
		// The cross-checks below would only repeat what the decoder already said.
		return nil, p.err()
	}

	c := &Catalogue{
		rules:      rd.Rules,
		index:      make(map[string]int, len(rd.Rules)),
		ineligible: id.Ineligible,
		hash:       hashFiles(rules, ineligible, wrapping),
	}
	slices.SortStableFunc(c.rules, func(a, b Rule) int { return strings.Compare(a.ID, b.ID) })
	slices.SortStableFunc(c.ineligible, func(a, b Ineligible) int { return strings.Compare(a.ID, b.ID) })
	p.checkRules(c)
	p.checkIneligible(c)
	fillDefaults(c.rules)
	c.wrapping = p.expandWrapping(c, wd)
	if len(p) > 0 {
		return nil, p.err()
	}
	return c, nil
}

// fillDefaults gives every case the effective profiles, tier and capabilities, so that users of
// an Expectation never have to consult its rule.
func fillDefaults(rules []Rule) {
	for i := range rules {
		r := &rules[i]
		for j := range r.Expect {
			e := &r.Expect[j]
			if len(e.Profiles) == 0 {
				e.Profiles = slices.Clone(r.Profiles)
			}
			if e.Tier == "" {
				e.Tier = r.Tier
			}
			e.Capabilities = union(r.Capabilities, e.Capabilities)
		}
	}
}

func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, s := range b {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// hashFiles identifies the catalogue a run used. Each file is framed by its name and length so
// that moving bytes from one file to another changes the hash.
func hashFiles(rules, ineligible, wrapping []byte) string {
	h := sha256.New()
	for _, f := range []struct {
		name string
		data []byte
	}{{rulesFile, rules}, {ineligibleFile, ineligible}, {wrappingFile, wrapping}} {
		fmt.Fprintf(h, "%s\n%d\n", f.name, len(f.data))
		h.Write(f.data)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Hash is the hex SHA-256 of the catalogue's three files; reports record it so that a result can
// be tied to the exact rules it was checked against.
func (c *Catalogue) Hash() string { return c.hash }

// Rule returns the rule with the given id.
func (c *Catalogue) Rule(id string) (Rule, bool) {
	i, ok := c.index[id]
	if !ok {
		return Rule{}, false
	}
	return c.rules[i], true
}

// Rules returns every rule, eligible or not, ordered by id.
func (c *Catalogue) Rules() []Rule { return slices.Clone(c.rules) }

// InProfile returns the rules that belong to profile p, ordered by id.
func (c *Catalogue) InProfile(p profile.Profile) []Rule {
	var out []Rule
	for _, r := range c.rules {
		if r.InProfile(p) {
			out = append(out, r)
		}
	}
	return out
}

// Ineligible returns the rules no single endpoint can show, ordered by id.
func (c *Catalogue) Ineligible() []Ineligible { return slices.Clone(c.ineligible) }

// IsIneligible reports whether the rule with the given id is ineligible.
func (c *Catalogue) IsIneligible(id string) bool {
	return slices.ContainsFunc(c.ineligible, func(x Ineligible) bool { return x.ID == id })
}

// Wrapping returns every cell of profile p's wrapping matrix: one per key spec, wrapping
// algorithm and wrapping key spec of the profile, in the order of wrapping.yaml.
func (c *Catalogue) Wrapping(p profile.Profile) []WrappingCell {
	return slices.Clone(c.wrapping[p])
}

// InProfile reports whether the rule belongs to profile p.
func (r Rule) InProfile(p profile.Profile) bool { return slices.Contains(r.Profiles, p) }

// Expectation returns the case with the given name ("" for a rule's only, unnamed case). The
// error names the rule's valid cases.
func (r Rule) Expectation(caseName string) (Expectation, error) {
	names := make([]string, 0, len(r.Expect))
	for _, e := range r.Expect {
		if e.Case == caseName {
			return e, nil
		}
		names = append(names, strconv.Quote(e.Case))
	}
	if len(names) == 0 {
		return Expectation{}, fmt.Errorf("%s has no expectation cases", r.ID)
	}
	return Expectation{}, fmt.Errorf("%s has no case %q: use one of %s", r.ID, caseName, strings.Join(names, ", "))
}

// ExpectationsIn returns the rule's cases that apply to profile p.
func (r Rule) ExpectationsIn(p profile.Profile) []Expectation {
	var out []Expectation
	for _, e := range r.Expect {
		if e.InProfile(p) {
			out = append(out, e)
		}
	}
	return out
}

// InProfile reports whether the case applies to profile p.
func (e Expectation) InProfile(p profile.Profile) bool { return slices.Contains(e.Profiles, p) }
