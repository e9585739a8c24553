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
	// mutant too. The run proves nothing either way; it is listed, never
	// counted as killed.
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
	// Killing are the claimed rules with a failed spec; Evidence names the
	// first failed spec of each, with its failure.
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
// survived, the run broke, or a claim was not confirmed.
func (o Outcome) Failed() bool {
	return o.Verdict == Survived || o.Verdict == Broken || len(o.Unconfirmed) > 0
}

// Baseline is the suite run of a profile against the reference without a
// mutant. It must pass: a rule it fails fails without any fault, so its
// failure under a mutant says nothing about the mutant.
type Baseline struct {
	Profile string   `json:"profile"`
	Failing []string `json:"failing,omitempty"`
	Error   string   `json:"error,omitempty"`
	Seconds float64  `json:"seconds"`
}

// Passed reports whether the baseline run passed every rule.
func (b Baseline) Passed() bool { return b.Error == "" && len(b.Failing) == 0 }

// Clean is the run of profile p without a mutant, for its Baseline.
func Clean(p profile.Profile) Run { return Run{Profile: p} }

// JudgeBaseline reads the baseline of a profile from its clean run.
func JudgeBaseline(r Result) Baseline {
	b := Baseline{Profile: string(r.Run.Profile), Seconds: r.Took.Seconds()}
	if err := usable(r); err != nil {
		b.Error = err.Error()
		return b
	}
	for _, rule := range r.Results.Rules {
		if rule.Status.Failed() {
			b.Failing = append(b.Failing, rule.ID)
		}
	}
	return b
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
			o.Evidence = append(o.Evidence, firstFailure(rr))
		case ran(rr):
			o.Unconfirmed = append(o.Unconfirmed, id)
		default:
			o.Unchecked = append(o.Unchecked, Unchecked{id, whyNotRun(rr, run)})
		}
	}
	for _, rr := range r.Results.Rules {
		if rr.Status.Failed() && !slices.Contains(o.Claimed, rr.ID) && !slices.Contains(base.Failing, rr.ID) {
			o.Other = append(o.Other, rr.ID)
		}
	}
	switch {
	case len(o.Killing) > 0:
		o.Verdict = Killed
	case len(o.Unconfirmed) > 0:
		o.Verdict = Survived
	default:
		o.Verdict = NotKillable
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

func firstFailure(r reports.RuleResult) SpecFailure {
	for _, s := range r.Specs {
		if s.Status.Failed() {
			msg := strings.TrimSpace(s.Failure)
			if runes := []rune(msg); len(runes) > failureLimit {
				msg = string(runes[:failureLimit]) + "..."
			}
			return SpecFailure{Rule: r.ID, Spec: s.Name, Failure: msg}
		}
	}
	// A rule errored without a failed spec of its own (reports.Build marks
	// every rule errored when setup fails; Judge refuses such runs first).
	return SpecFailure{Rule: r.ID, Failure: string(r.Status)}
}
