// Package reports turns a run's Ginkgo report into results keyed by rule,
// and writes them where people and CI read them: a report bundle of
// results.json (the bundle's core, from which the views can be re-rendered),
// Ginkgo's report.json, a trimmed JUnit, a Markdown summary, a
// self-contained HTML page and SHA256SUMS. It also checks a bundle as a
// certification (Verify, against releases.yaml), compares two runs
// (DiffResults) and compares a run with a baseline of known failures.
package reports

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/kmsconform/kmsconform/harness/profile"
	"github.com/kmsconform/kmsconform/harness/version"
	"github.com/kmsconform/kmsconform/suites/catalogue"
)

// Status is the result of a spec or a rule.
type Status string

// The statuses, from worst to best: a rule's status is the worst of its
// specs' statuses in this order.
const (
	StatusError       Status = "error"       // the suite or the infrastructure failed, not the target
	StatusFail        Status = "fail"        // the target broke the rule
	StatusUnsupported Status = "unsupported" // the target answered an optional feature with UnsupportedOperationException
	StatusPass        Status = "pass"        // the target kept the rule
	StatusDisabled    Status = "disabled"    // the rule needs a capability the target did not declare
	StatusSkip        Status = "skip"        // not run (filtered out, or a precondition was missing)
)

// Statuses lists every status, worst first.
func Statuses() []Status {
	return []Status{StatusError, StatusFail, StatusUnsupported, StatusPass, StatusDisabled, StatusSkip}
}

func (s Status) rank() int { return slices.Index(Statuses(), s) }

// Report entry names the specs add and the results read.
const (
	ObservationEntry = "kmsconform.observation"
	DisabledEntry    = "kmsconform.disabled"
	UnsupportedEntry = "kmsconform.unsupported"
)

// Observation is what a spec recorded about one expectation: what the
// catalogue expected and what the target answered.
type Observation struct {
	Rule     string `json:"rule"`
	Case     string `json:"case,omitempty"`
	Expected string `json:"expected"` // "success" or the expected error code
	Evidence string `json:"evidence"`
	Outcome  string `json:"outcome"`           // "success" or "error"
	Code     string `json:"code,omitempty"`    // the AWS error code that came back
	Status   int    `json:"status,omitempty"`  // the HTTP status that came back
	Message  string `json:"message,omitempty"` // the target's message: reported, never asserted
}

// Format names the results.json schema; it changes only with a migration.
const Format = "kmsconform-results/v1"

// Results is a whole run, keyed by rule.
type Results struct {
	Format        string         `json:"format"`
	Suite         version.Info   `json:"suite"`
	CatalogueHash string         `json:"catalogueHash"`
	Profile       string         `json:"profile"`
	Capabilities  []string       `json:"capabilities"`
	Strict        bool           `json:"strict"`
	Target        string         `json:"target"`
	Config        map[string]any `json:"config"` // redacted
	// What selected the specs. A certifying run selects by profile only:
	// LabelFilter is exactly the profile's filter and the rest is empty.
	LabelFilter       string   `json:"labelFilter"`
	FocusStrings      []string `json:"focusStrings,omitempty"`
	SkipStrings       []string `json:"skipStrings,omitempty"`
	FocusFiles        []string `json:"focusFiles,omitempty"`
	SkipFiles         []string `json:"skipFiles,omitempty"`
	ProgrammaticFocus bool     `json:"programmaticFocus,omitempty"`
	DryRun            bool     `json:"dryRun,omitempty"` // Ginkgo reported specs without running them

	StartedAt     time.Time      `json:"startedAt"`
	FinishedAt    time.Time      `json:"finishedAt"`
	SuiteFailures []string       `json:"suiteFailures,omitempty"` // failures outside specs (setup, special reasons)
	Summary       map[Status]int `json:"summary"`                 // rules per status
	// Blocking lists the rules whose failure blocks certification: a
	// conformance-tier spec failed or errored. Provisional failures are
	// reported but never listed here.
	Blocking   []string         `json:"blocking"`
	Rules      []RuleResult     `json:"rules"`
	Ineligible []IneligibleRule `json:"ineligible"`
	// Baseline is the comparison with a baseline of known failures, when the
	// run was given one; it decides the run's exit status, not certification.
	Baseline *BaselineCheck `json:"baseline,omitempty"`
}

// RuleResult is one rule of the claimed profile.
type RuleResult struct {
	ID        string       `json:"id"`
	Title     string       `json:"title"`
	Statement string       `json:"statement"`
	Area      string       `json:"area"`
	Tier      string       `json:"tier"`
	Source    string       `json:"source"`
	Profiles  []string     `json:"profiles"`
	Expected  []string     `json:"expected"` // "case: outcome (evidence)"
	Status    Status       `json:"status"`
	Specs     []SpecResult `json:"specs"`
	// Unchecked lists the rule's cases, in the claimed profile and within the
	// declared capabilities, that no spec asserted in this run: a spec that
	// failed before reaching them, or a spec missing. A full passing run
	// against the reference has none, and a rule that passed with one fails
	// the run: the suite, not the target, left part of the rule unchecked.
	Unchecked []string `json:"unchecked,omitempty"`
	// Disabled lists the cases no spec asserted because the target did not
	// declare a capability: the case needs one in the catalogue, or a spec of
	// the rule was disabled at run time (it needed a clock the suite could
	// move, or time to wait). They are allowed, as disabled rules are.
	Disabled []string `json:"disabled,omitempty"`
}

// Blocks reports whether the rule blocks certification: it failed or
// errored, and not only in provisional-tier specs. A spec without a tier (a
// results file written before tiers were recorded) counts as conformance,
// so an old file can never pass by omission.
func (r RuleResult) Blocks() bool {
	if r.Status == StatusUnsupported {
		// Build turns a conformance spec answered with
		// UnsupportedOperationException into a failure; a results file made
		// any other way must not certify by calling a required feature
		// optional.
		return slices.ContainsFunc(r.Specs, func(s SpecResult) bool {
			return s.Status == StatusUnsupported && s.Tier != string(catalogue.Provisional)
		})
	}
	if !r.Status.Failed() {
		return false
	}
	for _, s := range r.Specs {
		if s.Status.Failed() && s.Tier != string(catalogue.Provisional) {
			return true
		}
	}
	// The rule failed without a failed spec of its own (the suite's setup
	// failed): it blocks unless the rule itself is provisional.
	if !slices.ContainsFunc(r.Specs, func(s SpecResult) bool { return s.Status.Failed() }) {
		return r.Tier != string(catalogue.Provisional)
	}
	return false
}

// Failed reports whether the status is a failure: fail or error.
func (s Status) Failed() bool { return s == StatusFail || s == StatusError }

// SpecResult is one spec of a rule.
type SpecResult struct {
	Name         string        `json:"name"`
	Tier         string        `json:"tier"` // conformance or provisional (a provisional case of a conformance rule)
	Status       Status        `json:"status"`
	Reason       string        `json:"reason,omitempty"`  // why disabled, skipped or unsupported
	Failure      string        `json:"failure,omitempty"` // the failure message
	Location     string        `json:"location,omitempty"`
	Duration     float64       `json:"durationSeconds"`
	Observations []Observation `json:"observations,omitempty"`
	Notes        []string      `json:"notes,omitempty"` // what else the spec reported (AddReportEntry)
}

// IneligibleRule is a rule a single endpoint cannot show.
type IneligibleRule struct {
	ID       string `json:"id"`
	Category string `json:"category"`
	Reason   string `json:"reason"`
}

// Run describes the run a Ginkgo report came from.
type Run struct {
	Profile      profile.Profile
	Capabilities []string
	Strict       bool
	Target       string
	Config       map[string]any
}

// Build turns a Ginkgo report into results for the run's profile. Every rule
// of the profile appears, run or not; specs are attributed to a rule by the
// rule-id label conform.It puts on them.
func Build(report types.Report, cat *catalogue.Catalogue, run Run) Results {
	res := Results{
		Format: Format, Suite: version.Get(), CatalogueHash: cat.Hash(),
		Profile: string(run.Profile), Capabilities: nonNil(run.Capabilities), Strict: run.Strict,
		Target: run.Target, Config: run.Config,
		LabelFilter: report.SuiteConfig.LabelFilter, FocusStrings: report.SuiteConfig.FocusStrings,
		SkipStrings: report.SuiteConfig.SkipStrings, FocusFiles: report.SuiteConfig.FocusFiles,
		SkipFiles: report.SuiteConfig.SkipFiles, ProgrammaticFocus: report.SuiteHasProgrammaticFocus,
		DryRun:    report.SuiteConfig.DryRun,
		StartedAt: report.StartTime, FinishedAt: report.EndTime,
		SuiteFailures: append([]string(nil), report.SpecialSuiteFailureReasons...),
		Summary:       map[Status]int{},
	}
	specsByRule := map[string][]SpecResult{}
	setupFailed := ""
	for _, spec := range report.SpecReports {
		if spec.LeafNodeType != types.NodeTypeIt {
			if spec.State.Is(types.SpecStateFailureStates) {
				setupFailed = fmt.Sprintf("%s failed: %s", spec.LeafNodeType, spec.Failure.Message)
				res.SuiteFailures = append(res.SuiteFailures, setupFailed)
			}
			continue
		}
		id := ruleID(spec.LeafNodeLabels)
		if id == "" {
			continue
		}
		specsByRule[id] = append(specsByRule[id], specResult(spec))
	}
	for _, rule := range cat.InProfile(run.Profile) {
		if cat.IsIneligible(rule.ID) {
			continue
		}
		rr := RuleResult{
			ID: rule.ID, Title: rule.Title, Statement: rule.Statement, Area: rule.Area, Tier: string(rule.Tier),
			Source: rule.Source, Profiles: profileNames(rule.Profiles), Expected: expectedText(rule, run.Profile),
			Specs: specsByRule[rule.ID],
		}
		rr.Status = ruleStatus(rr.Specs)
		rr.Unchecked, rr.Disabled = uncheckedCases(rule, run, rr.Specs)
		if setupFailed != "" && (len(rr.Specs) == 0 || rr.Status == StatusSkip) {
			rr.Status = StatusError
		}
		res.Summary[rr.Status]++
		res.Rules = append(res.Rules, rr)
	}
	for _, in := range cat.Ineligible() {
		res.Ineligible = append(res.Ineligible, IneligibleRule{ID: in.ID, Category: string(in.Category), Reason: in.Reason})
	}
	sort.Slice(res.Rules, func(i, j int) bool { return res.Rules[i].ID < res.Rules[j].ID })
	res.Blocking = res.BlockingRules()
	return res
}

// BlockingRules returns the ids of the rules that block certification,
// computed from the rules (not read from the Blocking field).
func (r Results) BlockingRules() []string {
	ids := []string{}
	for _, rule := range r.Rules {
		if rule.Blocks() {
			ids = append(ids, rule.ID)
		}
	}
	return ids
}

// Passed reports whether the run certifies: no rule blocks, no rule passed
// with cases no spec asserted, and the suite itself had no failure.
// Provisional failures do not count. Without a baseline it is what
// `kmsconform run` turns into its exit status.
func (r Results) Passed() bool {
	return len(r.BlockingRules()) == 0 && len(r.IncompleteRules()) == 0 && len(r.SuiteFailures) == 0
}

// IncompleteRules returns the ids of the rules that passed although some of
// their cases were not asserted (RuleResult.Unchecked). The target did
// nothing wrong: a spec of the suite is missing or returned early, so the
// run must not count as a pass, with or without a baseline.
func (r Results) IncompleteRules() []string {
	var ids []string
	for _, rule := range r.Rules {
		if rule.Status == StatusPass && len(rule.Unchecked) > 0 {
			ids = append(ids, rule.ID)
		}
	}
	return ids
}

func ruleStatus(specs []SpecResult) Status {
	if len(specs) == 0 {
		return StatusSkip
	}
	worst := StatusSkip
	for _, s := range specs {
		if s.Status.rank() < worst.rank() {
			worst = s.Status
		}
	}
	return worst
}

func specResult(spec types.SpecReport) SpecResult {
	sr := SpecResult{Name: spec.LeafNodeText, Tier: labelValue(spec.LeafNodeLabels, "tier:"), Duration: spec.RunTime.Seconds()}
	if sr.Tier == "" {
		sr.Tier = string(catalogue.Conformance)
	}
	var disabled, unsupported string
	for _, e := range spec.ReportEntries {
		switch e.Name {
		case ObservationEntry:
			var o Observation
			if decodeEntry(e, &o) == nil {
				sr.Observations = append(sr.Observations, o)
			}
		case DisabledEntry:
			disabled = e.StringRepresentation()
		case UnsupportedEntry:
			unsupported = e.StringRepresentation()
		default:
			sr.Notes = append(sr.Notes, e.Name+": "+e.StringRepresentation())
		}
	}
	switch spec.State {
	case types.SpecStatePassed:
		sr.Status = StatusPass
	case types.SpecStateSkipped, types.SpecStatePending:
		sr.Status = StatusSkip
		sr.Reason = spec.Failure.Message
		if disabled != "" {
			sr.Status, sr.Reason = StatusDisabled, disabled
		}
	case types.SpecStateFailed, types.SpecStateTimedout:
		// A timeout is the target's failure: it did not answer in time.
		sr.Status = StatusFail
	default: // panicked, interrupted, aborted: the suite did not finish the check
		sr.Status = StatusError
	}
	if spec.State.Is(types.SpecStateFailureStates) {
		sr.Failure = spec.Failure.Message
		if spec.Failure.ForwardedPanic != "" {
			sr.Failure += ": " + spec.Failure.ForwardedPanic
		}
		sr.Location = spec.Failure.Location.String()
	}
	// A spec that recorded UnsupportedOperationException and then ended
	// without failing (skipped, or passed what it could still check) did
	// not check the feature. A failure stays a failure: the target broke
	// something besides.
	if unsupported != "" && !sr.Status.Failed() {
		sr.Status, sr.Reason = StatusUnsupported, unsupported
		if sr.Tier != string(catalogue.Provisional) {
			// Only an optional feature may be unsupported: a conformance
			// spec belongs to the profile the target claims.
			sr.Status = StatusFail
			sr.Failure = "the target answered UnsupportedOperationException (" + unsupported + "), but the claimed profile requires this feature: only a provisional (optional) feature may be unsupported"
			sr.Location = spec.LeafNodeLocation.String()
		}
	}
	return sr
}

func decodeEntry(e types.ReportEntry, into any) error {
	raw := e.Value.GetRawValue()
	var data []byte
	if raw == nil {
		data = []byte(e.Value.AsJSON)
	} else {
		var err error
		if data, err = json.Marshal(raw); err != nil {
			return err
		}
	}
	return json.Unmarshal(data, into)
}

// ruleID finds the rule id among a spec's labels (conform.It labels every
// spec with exactly one IMP-NNN).
func ruleID(labels []string) string {
	for _, l := range labels {
		if strings.HasPrefix(l, "IMP-") {
			return l
		}
	}
	return ""
}

// labelValue returns the value of the first label of the form prefix+value.
func labelValue(labels []string, prefix string) string {
	for _, l := range labels {
		if v, ok := strings.CutPrefix(l, prefix); ok {
			return v
		}
	}
	return ""
}

func expectedText(rule catalogue.Rule, p profile.Profile) []string {
	var out []string
	for _, e := range rule.Expect {
		if len(e.Profiles) > 0 && !slices.Contains(e.Profiles, p) {
			continue
		}
		what := string(e.Outcome)
		if e.Outcome == catalogue.OutcomeError {
			what = e.Error
		}
		line := fmt.Sprintf("%s (%s)", what, e.Evidence)
		if e.Case != "" {
			line = e.Case + ": " + line
		}
		out = append(out, line)
	}
	return out
}

func profileNames(ps []profile.Profile) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = string(p)
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// uncheckedCases returns the cases of rule that hold in the run's profile
// and that no spec recorded an observation for, split into unchecked (the
// suite did not check them) and disabled (a capability was not declared).
//
// A spec does not say which cases it covers, so a case is put down to a
// disabled spec whenever the rule has one: a spec disabled at run time (for
// want of expiry-wait, say) names no capability in the catalogue. That
// cannot hide a case no spec covers at all: a run against the embedded
// reference disables nothing, and there such a case is unchecked.
func uncheckedCases(rule catalogue.Rule, run Run, specs []SpecResult) (unchecked, disabled []string) {
	seen := map[string]bool{}
	specDisabled := false
	for _, s := range specs {
		for _, o := range s.Observations {
			seen[o.Case] = true
		}
		specDisabled = specDisabled || s.Status == StatusDisabled
	}
	for _, e := range rule.ExpectationsIn(run.Profile) {
		if seen[e.Case] {
			continue
		}
		name := e.Case
		if name == "" {
			name = "(the rule's single case)"
		}
		if specDisabled || !subset(e.Capabilities, run.Capabilities) {
			disabled = append(disabled, name)
		} else {
			unchecked = append(unchecked, name)
		}
	}
	return unchecked, disabled
}

// subset reports whether every capability in need is declared in have
// (which may carry values, as in token-lifetime=3s).
func subset(need, have []string) bool {
	for _, n := range need {
		found := false
		for _, h := range have {
			if h == n || strings.HasPrefix(h, n+"=") {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}
