package mutation

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kmsconform/kmsconform/harness/profile"
	"github.com/kmsconform/kmsconform/reports"
	"github.com/kmsconform/kmsconform/suites/catalogue"
)

// Verdict is what one run of the self-test showed about its mutant.
type Verdict string

// The verdicts.
const (
	// Killed: a spec of a rule the mutant claims failed.
	Killed Verdict = "killed"
	// Survived: specs of the rules the mutant claims ran, and all passed.
	Survived Verdict = "survived"
	// NotKillable: no spec of a rule the mutant claims could tell in the
	// profile: the rules have no spec yet, their specs need a capability
	// the embedded reference does not declare, or they fail without the
	// mutant too. The run proves nothing either way, so it counts in the
	// score as not killed and fails the self-test, unless the run is one of
	// the reviewed exemptions (exemptions.go): otherwise a self-test whose
	// specs all ended skipped or disabled would pass with nothing proven.
	NotKillable Verdict = "not-killable"
	// Broken: the run gave no usable results (the child process failed, or
	// the suite failed outside its specs).
	Broken Verdict = "error"
)

// Outcome is what one run of the self-test showed.
type Outcome struct {
	Mutant  string  `json:"mutant"`
	Profile string  `json:"profile"`
	Verdict Verdict `json:"verdict"`
	// Claimed are the rules of the profile the mutant claims.
	Claimed []string `json:"claimed"`
	// Killing are the claimed rules with a failed spec; Evidence names
	// every failed spec of each, with its failure (bounded).
	Killing  []string      `json:"killing,omitempty"`
	Evidence []SpecFailure `json:"evidence,omitempty"`
	// Unconfirmed are claimed rules whose specs ran and all passed: the
	// registry says their specs catch the fault, and they did not. A killed
	// mutant with unconfirmed claims still fails the self-test.
	Unconfirmed []string `json:"unconfirmed,omitempty"`
	// Unchecked are claimed rules whose specs could not tell, and why: none
	// ran, or they fail without the mutant too.
	Unchecked []Unchecked `json:"unchecked,omitempty"`
	// Other are rules the mutant does not claim whose specs failed, though
	// they pass without it: specs that fail for more than their rule, or a
	// mutant that breaks more than it claims.
	Other []string `json:"other,omitempty"`
	// OtherEvidence names every failed spec of the Other rules, with its
	// failure (bounded): what to read to decide which of the two it is.
	OtherEvidence []SpecFailure `json:"otherEvidence,omitempty"`
	// Exemption is the reviewed reason a NotKillable run does not fail the
	// self-test (exemptions.go); "" for every other run.
	Exemption string `json:"exemption,omitempty"`
	// Error says why a Broken run gave no usable results.
	Error   string  `json:"error,omitempty"`
	Seconds float64 `json:"seconds"`
	// NotRun is true for a run that was not made because no rule the
	// mutant claims has a spec in the profile (WithoutSpecs).
	NotRun bool `json:"notRun,omitempty"`
}

// SpecFailure is a failed spec of a rule.
type SpecFailure struct {
	Rule    string `json:"rule"`
	Spec    string `json:"spec"`
	Failure string `json:"failure"`
}

// Unchecked is a claimed rule whose specs could not tell, and why.
type Unchecked struct {
	Rule   string `json:"rule"`
	Reason string `json:"reason"`
}

// Failed reports whether the outcome fails the self-test: the mutant
// survived, the run broke, no spec could tell (unless the run is exempted),
// or a claim was not confirmed.
func (o Outcome) Failed() bool {
	return o.Verdict == Survived || o.Verdict == Broken || (o.Verdict == NotKillable && o.Exemption == "") || len(o.Unconfirmed) > 0
}

// Baseline is the suite run of a profile against the reference without a
// mutant. It must pass: a rule it fails fails without any fault, so its
// failure under a mutant says nothing about the mutant. And it must have
// run every conformance rule of the profile that has a spec: a rule whose
// specs were skipped or disabled without a mutant are skipped or disabled
// with one too, so no mutant could ever be killed by them, and a self-test
// whose specs stopped running would otherwise look clean.
type Baseline struct {
	Profile string   `json:"profile"`
	Failing []string `json:"failing,omitempty"`
	// NotRun are the conformance rules with a spec in the profile that the
	// run did not pass or fail, and why.
	NotRun  []Unchecked `json:"notRun,omitempty"`
	Error   string      `json:"error,omitempty"`
	Seconds float64     `json:"seconds"`
}

// Passed reports whether the baseline run ran and passed every conformance
// rule that has a spec.
func (b Baseline) Passed() bool { return b.Error == "" && len(b.Failing) == 0 && len(b.NotRun) == 0 }

// Clean is the run of profile p without a mutant, for its Baseline.
func Clean(p profile.Profile) Run { return Run{Profile: p} }

// JudgeBaseline reads the baseline of a profile from its clean run: the
// rules that failed, and the conformance rules with a spec in specs (the
// linked spec tree) that ended neither passed nor failed.
func JudgeBaseline(r Result, cat *catalogue.Catalogue, specs Specs) Baseline {
	p := r.Run.Profile
	b := Baseline{Profile: string(p), Seconds: r.Took.Seconds()}
	if err := usable(r); err != nil {
		b.Error = err.Error()
		return b
	}
	results := map[string]reports.RuleResult{}
	for _, rule := range r.Results.Rules {
		results[rule.ID] = rule
		if rule.Status.Failed() {
			b.Failing = append(b.Failing, rule.ID)
		}
	}
	for _, rule := range cat.InProfile(p) {
		if rule.Tier != catalogue.Conformance || cat.IsIneligible(rule.ID) || !specs.Has(p, rule.ID) {
			continue
		}
		rr, ok := results[rule.ID]
		switch {
		case !ok:
			b.NotRun = append(b.NotRun, Unchecked{rule.ID, "the run has no result for it"})
		case rr.Status == reports.StatusPass || rr.Status.Failed():
		case len(rr.Specs) == 0:
			b.NotRun = append(b.NotRun, Unchecked{rule.ID, "the run has none of its specs (filtered out?)"})
		default:
			b.NotRun = append(b.NotRun, Unchecked{rule.ID, fmt.Sprintf("it ended %s: %s", rr.Status, specReasons(rr))})
		}
	}
	return b
}

// specReasons says, once per distinct reason, why a rule's specs did not
// run.
func specReasons(r reports.RuleResult) string {
	var why []string
	for _, s := range r.Specs {
		reason := string(s.Status)
		if s.Reason != "" {
			reason += " (" + s.Reason + ")"
		}
		if !slices.Contains(why, reason) {
			why = append(why, reason)
		}
	}
	return strings.Join(why, "; ")
}

// Judge decides a mutant's run from its result and the baseline of its
// profile.
func Judge(r Result, cat *catalogue.Catalogue, base Baseline) Outcome {
	run := r.Run
	o := Outcome{Mutant: string(run.Mutant.Name), Profile: string(run.Profile), Claimed: Claimed(run.Mutant, run.Profile, cat), Seconds: r.Took.Seconds()}
	if base.Error != "" {
		return o.broken(fmt.Errorf("the run of profile %s without a mutant failed, so nothing can be judged: %s", run.Profile, base.Error))
	}
	if err := usable(r); err != nil {
		return o.broken(err)
	}
	results := map[string]reports.RuleResult{}
	for _, rr := range r.Results.Rules {
		results[rr.ID] = rr
	}
	for _, id := range o.Claimed {
		rr, ok := results[id]
		switch {
		case !ok:
			o.Unchecked = append(o.Unchecked, Unchecked{id, "the run has no result for it"})
		case slices.Contains(base.Failing, id):
			o.Unchecked = append(o.Unchecked, Unchecked{id, "its specs fail without the mutant too"})
		case rr.Status.Failed():
			o.Killing = append(o.Killing, id)
			o.Evidence = append(o.Evidence, failures(rr)...)
		case ran(rr):
			o.Unconfirmed = append(o.Unconfirmed, id)
		default:
			o.Unchecked = append(o.Unchecked, Unchecked{id, whyNotRun(rr, run)})
		}
	}
	for _, rr := range r.Results.Rules {
		if rr.Status.Failed() && !slices.Contains(o.Claimed, rr.ID) && !slices.Contains(base.Failing, rr.ID) {
			o.Other = append(o.Other, rr.ID)
			o.OtherEvidence = append(o.OtherEvidence, failures(rr)...)
		}
	}
	switch {
	case len(o.Killing) > 0:
		o.Verdict = Killed
	case len(o.Unconfirmed) > 0:
		o.Verdict = Survived
	default:
		o.Verdict = NotKillable
		o.Exemption = exemption(run)
	}
	return o
}

// usable says why a run's result cannot be judged, or nil.
func usable(r Result) error {
	switch {
	case r.Err != nil:
		return r.Err
	case r.Results.Profile != string(r.Run.Profile):
		return fmt.Errorf("the results are of profile %q, not %s", r.Results.Profile, r.Run.Profile)
	case len(r.Results.SuiteFailures) > 0:
		// A setup failure errors every rule: no rule's failure says
		// anything about the mutant.
		return fmt.Errorf("the suite failed outside its specs: %s", strings.Join(r.Results.SuiteFailures, "; "))
	}
	return nil
}

func (o Outcome) broken(err error) Outcome {
	o.Verdict, o.Error = Broken, err.Error()
	return o
}

// ran reports whether a spec of the rule ran to a verdict on the target.
func ran(r reports.RuleResult) bool {
	return slices.ContainsFunc(r.Specs, func(s reports.SpecResult) bool {
		return s.Status == reports.StatusPass || s.Status == reports.StatusUnsupported || s.Status.Failed()
	})
}

// whyNotRun says why no spec of a rule ran.
func whyNotRun(r reports.RuleResult, run Run) string {
	if len(r.Specs) == 0 {
		return noSpec(run.Profile)
	}
	s := r.Specs[0]
	return fmt.Sprintf("its specs were %s: %s", s.Status, s.Reason)
}

func noSpec(p profile.Profile) string { return "no spec of the rule in profile " + string(p) }

// failureLimit bounds the failure message kept as evidence, in characters:
// its beginning says what was asserted.
const failureLimit = 300

// failures lists every failed spec of a failed rule, each failure bounded
// to failureLimit characters.
func failures(r reports.RuleResult) []SpecFailure {
	var out []SpecFailure
	for _, s := range r.Specs {
		if s.Status.Failed() {
			msg := strings.TrimSpace(s.Failure)
			if runes := []rune(msg); len(runes) > failureLimit {
				msg = string(runes[:failureLimit]) + "..."
			}
			out = append(out, SpecFailure{Rule: r.ID, Spec: s.Name, Failure: msg})
		}
	}
	if len(out) == 0 {
		// A rule errored without a failed spec of its own (reports.Build
		// marks every rule errored when setup fails; Judge refuses such
		// runs first).
		out = append(out, SpecFailure{Rule: r.ID, Failure: string(r.Status)})
	}
	return out
}
