package mutation

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kmsconform/kmsconform/harness/profile"
	"github.com/kmsconform/kmsconform/harness/version"
	"github.com/kmsconform/kmsconform/suites/catalogue"
)

// Format names the mutation.json schema; it changes only with a migration.
const Format = "kmsconform-mutation/v1"

// File is the name of the report in a report directory.
const File = "mutation.json"

// Report is a whole mutation run, as mutation.json holds it.
type Report struct {
	Format        string       `json:"format"`
	Suite         version.Info `json:"suite"`
	CatalogueHash string       `json:"catalogueHash"`
	StartedAt     time.Time    `json:"startedAt"`
	FinishedAt    time.Time    `json:"finishedAt"`
	// Complete is true when every mutant ran in each of its profiles that
	// the run covered: only then do the profiles' rule lists say which
	// conformance rules the run proved.
	Complete bool `json:"complete"`
	// Baselines are the runs of each profile without a mutant.
	Baselines []Baseline       `json:"baselines"`
	Profiles  []ProfileSummary `json:"profiles"`
	Total     Score            `json:"total"`
	Outcomes  []Outcome        `json:"outcomes"`
}

// Score counts the outcomes of runs.
type Score struct {
	Killed      int `json:"killed"`
	Survived    int `json:"survived"`
	Broken      int `json:"errors"`
	NotKillable int `json:"notKillable"`
	// Unconfirmed counts the runs with a claim their rule's specs did not
	// confirm.
	Unconfirmed int `json:"unconfirmed"`
}

// Counted is the N of the score K/N: every run. A not-killable run counts
// as not killed: leaving it out would let a self-test whose specs all ended
// skipped or disabled score N/N with N shrunk to nothing.
func (s Score) Counted() int { return s.Killed + s.Survived + s.Broken + s.NotKillable }

// String is the score as K/N.
func (s Score) String() string { return fmt.Sprintf("%d/%d", s.Killed, s.Counted()) }

func (s *Score) add(o Outcome) {
	switch o.Verdict {
	case Killed:
		s.Killed++
	case Survived:
		s.Survived++
	case Broken:
		s.Broken++
	case NotKillable:
		s.NotKillable++
	}
	if len(o.Unconfirmed) > 0 {
		s.Unconfirmed++
	}
}

// ProfileSummary is the score of one profile and what it says about the
// profile's conformance rules.
type ProfileSummary struct {
	Profile string `json:"profile"`
	Score
	// Proven are the conformance rules whose specs killed a mutant that
	// claims them.
	Proven []string `json:"proven"`
	// AwaitingSpecs are conformance rules claimed by a mutant of which no
	// spec ran: they have no spec yet, or need a capability.
	AwaitingSpecs []string `json:"awaitingSpecs,omitempty"`
	// FailingWithoutMutant are conformance rules the profile's run without
	// a mutant failed: no mutant can be killed by them until the suite and
	// the reference agree.
	FailingWithoutMutant []string `json:"failingWithoutMutant,omitempty"`
	// Unproven are the other conformance rules of the profile (listed when
	// the run is complete): no mutant killed by them.
	Unproven []string `json:"unproven,omitempty"`
}

// Summarize builds the report of a mutation run from the baselines of its
// profiles and the outcomes of its mutants, which it lists by profile, oldest
// first, then by mutant. complete says whether every mutant ran in each
// covered profile.
func Summarize(baselines []Baseline, outcomes []Outcome, cat *catalogue.Catalogue, complete bool, started, finished time.Time) Report {
	outcomes = slices.Clone(outcomes)
	slices.SortStableFunc(outcomes, func(a, b Outcome) int {
		if a.Profile != b.Profile {
			return profileIndex(profile.Profile(a.Profile)) - profileIndex(profile.Profile(b.Profile))
		}
		return cmp.Compare(a.Mutant, b.Mutant)
	})
	r := Report{
		Format: Format, Suite: version.Get(), CatalogueHash: cat.Hash(),
		StartedAt: started, FinishedAt: finished, Complete: complete, Baselines: baselines, Outcomes: outcomes,
	}
	for _, p := range profile.All() {
		var of []Outcome
		for _, o := range outcomes {
			if o.Profile == string(p) {
				of = append(of, o)
				r.Total.add(o)
			}
		}
		if len(of) > 0 {
			r.Profiles = append(r.Profiles, summarizeProfile(p, of, baselines, cat, complete))
		}
	}
	return r
}

// summarizeProfile scores the outcomes of profile p and sorts its
// conformance rules by what the runs showed of them.
func summarizeProfile(p profile.Profile, outcomes []Outcome, baselines []Baseline, cat *catalogue.Catalogue, complete bool) ProfileSummary {
	s := ProfileSummary{Profile: string(p), Proven: []string{}}
	proven, awaiting, failing := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, b := range baselines {
		if b.Profile == string(p) {
			for _, id := range b.Failing {
				failing[id] = true
			}
		}
	}
	for _, o := range outcomes {
		s.add(o)
		for _, id := range o.Killing {
			proven[id] = true
		}
		for _, u := range o.Unchecked {
			awaiting[u.Rule] = true
		}
	}
	for _, rule := range cat.InProfile(p) {
		if rule.Tier != catalogue.Conformance || cat.IsIneligible(rule.ID) {
			continue
		}
		switch {
		case proven[rule.ID]:
			s.Proven = append(s.Proven, rule.ID)
		case failing[rule.ID]:
			s.FailingWithoutMutant = append(s.FailingWithoutMutant, rule.ID)
		case awaiting[rule.ID]:
			s.AwaitingSpecs = append(s.AwaitingSpecs, rule.ID)
		case complete:
			s.Unproven = append(s.Unproven, rule.ID)
		}
	}
	return s
}

// Passed reports whether the self-test passed: every profile ran and passed
// its rules without a mutant, every mutant was killed (or its run is
// exempted), no run broke, and every claim that could be checked was
// confirmed.
func (r Report) Passed() bool { return len(r.Failures()) == 0 }

// Failures lists, one line each, why the self-test did not pass.
func (r Report) Failures() []string {
	var out []string
	for _, b := range r.Baselines {
		if b.Error != "" {
			out = append(out, fmt.Sprintf("the run of profile %s without a mutant failed: %s", b.Profile, b.Error))
			continue
		}
		if len(b.Failing) > 0 {
			out = append(out, fmt.Sprintf("without a mutant, profile %s fails %s: the suite and the reference disagree, and no mutant can be killed by those rules", b.Profile, strings.Join(b.Failing, ", ")))
		}
		if len(b.NotRun) > 0 {
			out = append(out, fmt.Sprintf("without a mutant, profile %s did not run %d conformance rules that have specs (%s): no mutant can be killed by rules whose specs do not run; make their specs run against the embedded reference (a capability it lacks, a precondition, a filter)", b.Profile, len(b.NotRun), uncheckedText(b.NotRun)))
		}
	}
	for _, o := range r.Outcomes {
		switch o.Verdict {
		case Survived:
			out = append(out, fmt.Sprintf("%s survived in profile %s: the specs of %s ran and passed", o.Mutant, o.Profile, strings.Join(o.Unconfirmed, ", ")))
			continue
		case Broken:
			out = append(out, fmt.Sprintf("%s in profile %s: the run failed: %s", o.Mutant, o.Profile, o.Error))
			continue
		case NotKillable:
			if o.Exemption == "" {
				out = append(out, fmt.Sprintf("%s in profile %s is not killable: no spec of the rules it claims could tell (%s); add or enable their specs, or correct the claim (an exemption needs a reviewed entry with its reason in harness/mutation/exemptions.go)", o.Mutant, o.Profile, uncheckedText(o.Unchecked)))
			}
			continue
		}
		if len(o.Unconfirmed) > 0 {
			out = append(out, fmt.Sprintf("%s in profile %s claims %s, whose specs ran and passed: tighten the specs or correct the claim", o.Mutant, o.Profile, strings.Join(o.Unconfirmed, ", ")))
		}
	}
	return out
}

// SuiteRuns counts the suite runs the report rests on: the baselines and
// every mutant's run that was made.
func (r Report) SuiteRuns() int {
	n := len(r.Baselines)
	for _, o := range r.Outcomes {
		if !o.NotRun {
			n++
		}
	}
	return n
}

// WriteJSON writes the report to dir/mutation.json.
func WriteJSON(dir string, r Report) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, File), append(data, '\n'), 0o644)
}

// ReadJSON reads dir/mutation.json.
func ReadJSON(dir string) (Report, error) {
	var r Report
	data, err := os.ReadFile(filepath.Join(dir, File))
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return r, fmt.Errorf("%s: %w", filepath.Join(dir, File), err)
	}
	if r.Format != Format {
		return r, fmt.Errorf("%s: format %q, this suite reads %q", filepath.Join(dir, File), r.Format, Format)
	}
	return r, nil
}

// WriteText writes the report for a terminal: the table of runs (mutant,
// profile, verdict, the claimed rules that failed and, separately, the other
// failing rules), what failed the self-test, the mutants that could not be
// killed, the rules each profile proved, the time taken, and the scores per
// profile. The last line is the total score, "mutation score: K/N".
func WriteText(w io.Writer, r Report) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "MUTANT\tPROFILE\tVERDICT\tKILLED BY (claimed rules)\tOTHER FAILING RULES")
	for _, o := range r.Outcomes {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", o.Mutant, o.Profile, o.Verdict, orDash(o.Killing), orDash(o.Other))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	writeList(w, "failures:", r.Failures())
	writeList(w, "not killable, exempted after review (counted as not killed):", exempted(r))
	fmt.Fprintln(w)
	for _, b := range r.Baselines {
		verdict := "passed"
		if !b.Passed() {
			verdict = "FAILED (see failures)"
		}
		fmt.Fprintf(w, "profile %s without a mutant: %s\n", b.Profile, verdict)
	}
	for _, p := range r.Profiles {
		fmt.Fprintln(w, rulesProven(p, r.Complete))
	}
	fmt.Fprintf(w, "%d suite runs in %s", r.SuiteRuns(), r.FinishedAt.Sub(r.StartedAt).Round(time.Second))
	if n := r.Total.NotKillable; n > 0 {
		fmt.Fprintf(w, "; %d not killable, counted as not killed", n)
	}
	fmt.Fprintln(w)
	for _, p := range r.Profiles {
		fmt.Fprintf(w, "mutation score %s: %s\n", p.Profile, p.Score)
	}
	_, err := fmt.Fprintf(w, "mutation score: %s\n", r.Total)
	return err
}

// writeList writes a heading and its lines, indented, when there are any.
func writeList(w io.Writer, heading string, lines []string) {
	if len(lines) == 0 {
		return
	}
	fmt.Fprintln(w, "\n"+heading)
	for _, l := range lines {
		fmt.Fprintln(w, "  "+l)
	}
}

// exempted describes, one line each, the not-killable runs that are
// exempted, with the exemption's reason and the reason of each rule they
// claim (the others are failures).
func exempted(r Report) []string {
	var out []string
	for _, o := range r.Outcomes {
		if o.Verdict == NotKillable && o.Exemption != "" {
			out = append(out, fmt.Sprintf("%s in profile %s: %s (%s)", o.Mutant, o.Profile, o.Exemption, uncheckedText(o.Unchecked)))
		}
	}
	return out
}

// uncheckedText lists rules with the reason of each.
func uncheckedText(us []Unchecked) string {
	var why []string
	for _, u := range us {
		why = append(why, u.Rule+": "+u.Reason)
	}
	return strings.Join(why, "; ")
}

// rulesProven says how many of a profile's conformance rules the run proved
// and, for a complete run, which it did not and why.
func rulesProven(p ProfileSummary, complete bool) string {
	if !complete {
		return fmt.Sprintf("conformance rules proven in profile %s: %d (a partial run)", p.Profile, len(p.Proven))
	}
	n := len(p.Proven) + len(p.FailingWithoutMutant) + len(p.AwaitingSpecs) + len(p.Unproven)
	line := fmt.Sprintf("conformance rules proven in profile %s: %d of %d", p.Profile, len(p.Proven), n)
	for _, part := range []struct {
		what string
		ids  []string
	}{{"failing without a mutant", p.FailingWithoutMutant}, {"awaiting specs", p.AwaitingSpecs}, {"unproven", p.Unproven}} {
		if len(part.ids) > 0 {
			line += "; " + part.what + ": " + strings.Join(part.ids, ", ")
		}
	}
	return line
}

func orDash(ids []string) string {
	if len(ids) == 0 {
		return "-"
	}
	return strings.Join(ids, ",")
}
