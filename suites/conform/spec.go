package conform

import (
	"fmt"
	"time"

	"github.com/onsi/ginkgo/v2"

	"github.com/kmsconform/kmsconform/harness/config"
	"github.com/kmsconform/kmsconform/harness/profile"
	"github.com/kmsconform/kmsconform/suites/catalogue"
)

// DefaultSpecTimeout bounds every spec that does not set its own: long enough
// for an RSA-4096 import against a remote KMS, short enough that a target
// that hangs fails the spec instead of the run.
const DefaultSpecTimeout = 2 * time.Minute

// rules is the embedded catalogue. Specs are declared at package
// initialisation, so an unknown rule id must be caught then: loading here
// makes a broken catalogue fail the build's tests, not a run in the field.
var rules = mustLoadCatalogue()

func mustLoadCatalogue() *catalogue.Catalogue {
	c, err := catalogue.Load()
	if err != nil {
		panic(fmt.Sprintf("kmsconform: the embedded rule catalogue is invalid: %v", err))
	}
	return c
}

// Catalogue returns the embedded rule catalogue the specs are declared against.
func Catalogue() *catalogue.Catalogue { return rules }

// It declares a spec for one rule; It and ItCase are the only ways a spec is
// declared. The spec's text starts with the rule id, so JUnit names and focus
// expressions are stable ("IMP-057 rejects an import token issued for another
// key"); it carries the rule's labels (its id, profiles, tier, area,
// capabilities), so a run selects it by profile; and it panics while the spec
// tree is built if the id is not in the catalogue.
//
// The body receives the rule; its Case(name).Expect... methods assert what the
// catalogue records, as strictly as the evidence allows.
func It(ruleID, text string, body func(ctx ginkgo.SpecContext, r Rule), decorators ...any) bool {
	rule := mustRule(ruleID)
	args := append([]any{ginkgo.Offset(1), Labels(rule, ""), ginkgo.SpecTimeout(DefaultSpecTimeout)}, decorators...)
	args = append(args, func(ctx ginkgo.SpecContext) {
		requireCapabilities(rule.Capabilities)
		body(ctx, Rule{Rule: rule})
	})
	return ginkgo.It(ruleID+" "+text, args...)
}

// ItCase declares a spec for one expectation case of a rule. It differs from
// It in that the spec carries the case's own profiles, tier and capabilities:
// a case that holds only from the 2023 profile runs only there, and a
// provisional case of a conformance rule is labelled tier:provisional, so its
// failure is reported but never blocks certification.
func ItCase(ruleID, caseName, text string, body func(ctx ginkgo.SpecContext, c Case), decorators ...any) bool {
	rule, exp := mustCase(ruleID, caseName)
	args := append([]any{ginkgo.Offset(1), Labels(rule, caseName), ginkgo.SpecTimeout(DefaultSpecTimeout)}, decorators...)
	args = append(args, func(ctx ginkgo.SpecContext) {
		requireCapabilities(exp.Capabilities)
		body(ctx, Case{rule: rule, exp: exp})
	})
	return ginkgo.It(ruleID+" "+text, args...)
}

// DescribeTable declares a table of specs, one per Entry, each for the rule
// case its entry names. Use it for rules checked over a matrix generated from
// the catalogue (the wrapping matrix, key-state cells); the body receives the
// entry's case and its parameter.
func DescribeTable[P any](text string, body func(ctx ginkgo.SpecContext, c Case, p P), entries ...ginkgo.TableEntry) bool {
	args := []any{ginkgo.Offset(1), func(ctx ginkgo.SpecContext, c Case, p P) {
		requireCapabilities(c.exp.Capabilities)
		body(ctx, c, p)
	}}
	for _, e := range entries {
		args = append(args, e)
	}
	return ginkgo.DescribeTable(text, args...)
}

// Entry declares one entry of a conform.DescribeTable for a rule case, with
// the case's labels, as ItCase does.
func Entry[P any](ruleID, caseName, text string, p P, decorators ...any) ginkgo.TableEntry {
	rule, exp := mustCase(ruleID, caseName)
	args := append([]any{ginkgo.Offset(1), Labels(rule, caseName), ginkgo.SpecTimeout(DefaultSpecTimeout)}, decorators...)
	args = append(args, Case{rule: rule, exp: exp}, p)
	return ginkgo.Entry(ruleID+" "+text, args...)
}

func mustRule(id string) catalogue.Rule {
	rule, ok := rules.Rule(id)
	if !ok {
		panic(fmt.Sprintf("kmsconform: a spec names rule %q, which is not in suites/catalogue/rules.yaml: use an existing id or add the rule (new ids continue at IMP-146)", id))
	}
	return rule
}

func mustCase(ruleID, caseName string) (catalogue.Rule, catalogue.Expectation) {
	rule := mustRule(ruleID)
	exp, err := rule.Expectation(caseName)
	if err != nil {
		panic(fmt.Sprintf("kmsconform: a spec names %v", err))
	}
	return rule, exp
}

// Labels returns the Ginkgo labels of a rule, or of one of its cases when
// caseName is not empty: the rule id, one `profile:P` per profile, `tier:T`,
// `area:A` and one `capability:C` per capability needed. A run selects its
// profile with the label-set filter `profile: containsAny 2023`.
func Labels(rule catalogue.Rule, caseName string) ginkgo.Labels {
	tier, profiles, capabilities := rule.Tier, rule.Profiles, rule.Capabilities
	if caseName != "" {
		exp, err := rule.Expectation(caseName)
		if err != nil {
			panic(fmt.Sprintf("kmsconform: %v", err))
		}
		tier, profiles, capabilities = exp.Tier, exp.Profiles, exp.Capabilities
	}
	labels := ginkgo.Labels{rule.ID, "tier:" + string(tier), "area:" + rule.Area}
	for _, p := range profiles {
		labels = append(labels, "profile:"+string(p))
	}
	for _, c := range capabilities {
		labels = append(labels, "capability:"+c)
	}
	return labels
}

func requireCapabilities(capabilities []string) {
	ginkgo.GinkgoHelper()
	for _, c := range capabilities {
		Require(config.Capability(c))
	}
}

// Cases returns the names of a rule's cases that hold in profile p, for
// specs that loop over them.
func Cases(ruleID string, p profile.Profile) []string {
	var out []string
	for _, e := range mustRule(ruleID).ExpectationsIn(p) {
		out = append(out, e.Case)
	}
	return out
}
