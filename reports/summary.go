package reports

import (
	"fmt"
	"io"
	"strings"

	"github.com/kmsconform/kmsconform/harness/profile"
	"github.com/kmsconform/kmsconform/suites/catalogue"
)

// WriteTerminalSummary prints what a person at a terminal needs after a run:
// the counts per status, then every rule that did not pass with what was
// expected and what came back, the certification verdict and, when the run
// had one, the comparison with its baseline.
func WriteTerminalSummary(w io.Writer, r Results) {
	fmt.Fprintf(w, "\nkmsconform %s: profile %s against %s\n", r.Suite.Version, r.Profile, r.Target)
	fmt.Fprintf(w, "rules: %s (of %d in the profile; %d ineligible)\n", countsText(r), len(r.Rules), len(r.Ineligible))
	for _, f := range r.SuiteFailures {
		fmt.Fprintf(w, "suite failure: %s\n", f)
	}
	for _, rule := range r.Rules {
		switch rule.Status {
		case StatusPass, StatusSkip:
			continue
		}
		label := strings.ToUpper(string(rule.Status))
		if rule.Status.Failed() && !rule.Blocks() {
			label += " (provisional: does not block)"
		}
		fmt.Fprintf(w, "\n%-11s %s %s\n", label, rule.ID, rule.Title)
		fmt.Fprintf(w, "            expected: %s\n", strings.Join(rule.Expected, "; "))
		for _, spec := range rule.Specs {
			switch spec.Status {
			case StatusFail, StatusError:
				fmt.Fprintf(w, "            spec %q: %s\n", spec.Name, firstLine(spec.Failure))
				for _, o := range spec.Observations {
					fmt.Fprintf(w, "              observed %s\n", o.describe())
				}
			case StatusDisabled, StatusUnsupported:
				fmt.Fprintf(w, "            spec %q: %s\n", spec.Name, spec.Reason)
			}
		}
	}
	var disabledCases []string
	for _, rule := range r.Rules {
		if rule.Status == StatusPass && len(rule.Unchecked) > 0 {
			fmt.Fprintf(w, "\n%-11s %s %s\n", "ERROR", rule.ID, rule.Title)
			fmt.Fprintf(w, "            %s\n", rule.incompleteText())
		}
		if rule.Status == StatusPass && len(rule.Disabled) > 0 {
			disabledCases = append(disabledCases, fmt.Sprintf("%s (%s)", rule.ID, strings.Join(rule.Disabled, ", ")))
		}
	}
	if len(disabledCases) > 0 {
		fmt.Fprintf(w, "\npassed, with cases disabled for capabilities the target did not declare (it declared: %s): %s\n", listOrNone(r.Capabilities), strings.Join(disabledCases, "; "))
	}
	fmt.Fprintf(w, "\ncertification: %s\n", certificationText(r))
	if r.Baseline != nil {
		fmt.Fprintln(w)
		r.Baseline.write(w)
	}
}

// countsText is "36 pass, 2 fail, 48 skip": the statuses present, worst first.
func countsText(r Results) string {
	var counts []string
	for _, s := range Statuses() {
		if n := r.Summary[s]; n > 0 {
			counts = append(counts, fmt.Sprintf("%d %s", n, s))
		}
	}
	if len(counts) == 0 {
		return "none"
	}
	return strings.Join(counts, ", ")
}

// certificationText is the verdict with its reasons, e.g. "FAIL: 2 rules
// block (IMP-057, IMP-058); 1 provisional failure does not block". A run
// without failures that cannot certify all the same says why; `report
// verify` has the last word.
func certificationText(r Results) string {
	var reasons []string
	if n := len(r.SuiteFailures); n > 0 {
		reasons = append(reasons, plural(n, "suite failure", "suite failures"))
	}
	if blocking := r.BlockingRules(); len(blocking) > 0 {
		reasons = append(reasons, fmt.Sprintf("%s (%s)", plural(len(blocking), "rule blocks", "rules block"), strings.Join(blocking, ", ")))
	}
	if incomplete := r.IncompleteRules(); len(incomplete) > 0 {
		reasons = append(reasons, fmt.Sprintf("%s with cases no spec asserted (%s)", plural(len(incomplete), "rule passed", "rules passed"), strings.Join(incomplete, ", ")))
	}
	verdict := "PASS"
	if len(reasons) > 0 {
		verdict = "FAIL: " + strings.Join(reasons, "; ")
	}
	if n := len(r.provisionalFailures()); n > 0 {
		verdict += fmt.Sprintf("; %s not block", plural(n, "provisional failure does", "provisional failures do"))
	}
	if why := r.partial(); why != "" && len(reasons) == 0 {
		verdict += "; not a certification: " + why
	}
	return verdict
}

// partial says why a run cannot certify even without a failure: it
// selected specs by more than its profile, or left conformance rules
// unchecked. Empty for a complete run.
func (r Results) partial() string {
	if r.LabelFilter != ProfileFilter(profile.Profile(r.Profile)) || len(r.FocusStrings)+len(r.SkipStrings)+len(r.FocusFiles)+len(r.SkipFiles) > 0 || r.ProgrammaticFocus || r.DryRun {
		return fmt.Sprintf("specs were selected by more than the profile (label filter %q)", r.LabelFilter)
	}
	notRun := 0
	for _, rule := range r.Rules {
		if rule.Status == StatusSkip && rule.Tier != string(catalogue.Provisional) {
			notRun++
		}
	}
	if notRun > 0 {
		return plural(notRun, "conformance rule was not run", "conformance rules were not run")
	}
	return ""
}

// incompleteText says what is wrong with a rule that passed with
// unchecked cases, and what to do.
func (r RuleResult) incompleteText() string {
	return fmt.Sprintf("passed, but no spec asserted its cases %s: the suite did not check the whole rule (a kmsconform defect, not the target's: report it with this bundle)", strings.Join(r.Unchecked, ", "))
}

// provisionalFailures are the rules that failed only in provisional specs.
func (r Results) provisionalFailures() []RuleResult {
	var out []RuleResult
	for _, rule := range r.Rules {
		if rule.Status.Failed() && !rule.Blocks() {
			out = append(out, rule)
		}
	}
	return out
}

// describe says what one observation saw, e.g. "case other-key: expected
// InvalidImportTokenException (documented), got success".
func (o Observation) describe() string {
	name := ""
	if o.Case != "" {
		name = "case " + o.Case + ": "
	}
	return fmt.Sprintf("%sexpected %s (%s), got %s", name, o.Expected, o.Evidence, o.got())
}

// got is the target's answer: "success", or the error code and HTTP status.
func (o Observation) got() string {
	if o.Outcome != "error" {
		return "success"
	}
	got := o.Code
	if got == "" {
		got = o.Message
	}
	if o.Status != 0 {
		got += fmt.Sprintf(" (HTTP %d)", o.Status)
	}
	return got
}

// observed is what a rule's failing specs saw: each answer that differs
// from the expectation, and the failure message where none does (the spec
// failed on something else, such as the key changing after a rejection).
func (r RuleResult) observed() []string {
	var out []string
	for _, spec := range r.Specs {
		if !spec.Status.Failed() {
			continue
		}
		differed := false
		for _, o := range spec.Observations {
			if o.differs() {
				out = append(out, o.describe())
				differed = true
			}
		}
		if !differed {
			out = append(out, firstLine(spec.Failure))
		}
	}
	return out
}

// differs reports whether the answer was not the expected one: an error
// where success was expected, success where an error was, or another code.
func (o Observation) differs() bool {
	if o.Expected == "success" {
		return o.Outcome != "success"
	}
	return o.Outcome != "error" || o.Code != o.Expected
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
