package reports

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/kmsconform/kmsconform/harness/profile"
	"github.com/kmsconform/kmsconform/suites/catalogue"
)

// BaselineFormat names the baseline file schema.
const BaselineFormat = "kmsconform-baseline/v1"

// Baseline is the checked-in list of the rules an implementation is known
// to fail (as protobuf's failure_list_*.txt and the s3-tests baselines are):
// a nightly run against it fails only when something changes.
type Baseline struct {
	Format         string          `yaml:"format"`
	Implementation string          `yaml:"implementation"`
	Profile        string          `yaml:"profile"`
	SuiteVersion   string          `yaml:"suiteVersion"`            // the kmsconform version it was recorded with
	CatalogueHash  string          `yaml:"catalogueHash,omitempty"` // the catalogue it was recorded with
	Entries        []BaselineEntry `yaml:"entries"`
}

// BaselineEntry is one known failure.
type BaselineEntry struct {
	Rule     string `yaml:"rule"`
	Status   Status `yaml:"status"`   // fail or error
	Observed string `yaml:"observed"` // what the implementation does instead, for the reader
	// Answers are the wrong answers the implementation gave, one per case,
	// as "case C: CODE (HTTP 4xx)" or "case C: success" (answerKeys): what a
	// run compares, so a known failure that starts answering differently is
	// found. Observed is free text for people; the answers are not, and
	// leave out messages, key ids and exact HTTP statuses, which change from
	// run to run.
	Answers []string `yaml:"answers,flow"`
}

var ruleIDPattern = regexp.MustCompile(`^IMP-[0-9]{3}$`)

// ReadBaseline reads and checks a baseline file.
func ReadBaseline(path string) (Baseline, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Baseline{}, fmt.Errorf("baseline: %w", err)
	}
	return ParseBaseline(data, path)
}

// ParseBaseline parses a baseline; name says where it came from in errors.
// Every problem is reported, each with what to change.
func ParseBaseline(data []byte, name string) (Baseline, error) {
	var b Baseline
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&b); err != nil {
		return Baseline{}, fmt.Errorf("baseline %s: not a baseline file: %v (generate one with `kmsconform report baseline DIR`)", name, err)
	}
	var problems []error
	add := func(format string, args ...any) {
		problems = append(problems, fmt.Errorf("baseline %s: "+format, append([]any{name}, args...)...))
	}
	if b.Format != BaselineFormat {
		add("format is %q, want %q", b.Format, BaselineFormat)
	}
	if strings.TrimSpace(b.Implementation) == "" {
		add("implementation is empty: name the KMS implementation the failures belong to")
	}
	if _, err := profile.Parse(b.Profile); err != nil {
		add("profile: %v", err)
	}
	if strings.TrimSpace(b.SuiteVersion) == "" {
		add("suiteVersion is empty: record the kmsconform version the baseline was made with")
	}
	seen := map[string]bool{}
	for i, e := range b.Entries {
		where := fmt.Sprintf("entry %d (%s)", i+1, e.Rule)
		if !ruleIDPattern.MatchString(e.Rule) {
			add("%s: rule %q is not a rule id (IMP-NNN)", where, e.Rule)
		}
		if seen[e.Rule] {
			add("%s: listed twice: keep one entry per rule", where)
		}
		seen[e.Rule] = true
		if !e.Status.Failed() {
			add("%s: status %q: a baseline lists failures, use fail or error", where, e.Status)
		}
		if strings.TrimSpace(e.Observed) == "" {
			add("%s: observed is empty: say what the implementation does instead", where)
		}
	}
	if len(problems) > 0 {
		return Baseline{}, errors.Join(problems...)
	}
	return b, nil
}

// CheckAgainst checks that the baseline fits a run of profile p with the
// catalogue: same catalogue (a rule's cases and expected answers, and so
// what its failure looks like, may have changed since), same profile, and
// every rule is one the run checks.
func (b Baseline) CheckAgainst(cat *catalogue.Catalogue, p profile.Profile, name string) error {
	var problems []error
	rerecord := fmt.Sprintf("re-record it: `kmsconform run --profile %s --report-dir DIR` against %s (with the options of the run the baseline is for), review, then `kmsconform report baseline DIR --implementation %s > %s`", b.Profile, b.Implementation, b.Implementation, name)
	switch b.CatalogueHash {
	case cat.Hash():
	case "":
		problems = append(problems, fmt.Errorf("baseline %s records no catalogueHash, so it cannot say which rules it was recorded against: %s", name, rerecord))
	default:
		problems = append(problems, fmt.Errorf("baseline %s was recorded with catalogue %s, this suite has %s: %s", name, b.CatalogueHash, cat.Hash(), rerecord))
	}
	if b.Profile != string(p) {
		problems = append(problems, fmt.Errorf("baseline %s was recorded for profile %s, the run claims profile %s: use the baseline of this profile", name, b.Profile, p))
	}
	for _, e := range b.Entries {
		rule, ok := cat.Rule(e.Rule)
		switch {
		case !ok:
			problems = append(problems, fmt.Errorf("baseline %s: %s is not in the rule catalogue: remove the entry", name, e.Rule))
		case !rule.InProfile(p) || cat.IsIneligible(e.Rule):
			problems = append(problems, fmt.Errorf("baseline %s: %s is not checked in profile %s: remove the entry", name, e.Rule, p))
		}
	}
	return errors.Join(problems...)
}

// BaselineFromResults records the rules that block certification in a run
// as the known failures of implementation. Provisional failures are left
// out: they never fail a run, so a baseline need not excuse them.
func BaselineFromResults(r Results, implementation string) Baseline {
	b := Baseline{
		Format: BaselineFormat, Implementation: implementation, Profile: r.Profile,
		SuiteVersion: r.Suite.Version, CatalogueHash: r.CatalogueHash, Entries: []BaselineEntry{},
	}
	for _, rule := range r.Rules {
		if rule.Blocks() {
			b.Entries = append(b.Entries, BaselineEntry{Rule: rule.ID, Status: rule.Status, Observed: strings.Join(rule.observed(), "; "), Answers: rule.answerKeys()})
		}
	}
	return b
}

// WriteBaseline writes b as YAML, with a header saying how it is used.
func WriteBaseline(w io.Writer, b Baseline) error {
	var body bytes.Buffer
	enc := yaml.NewEncoder(&body)
	enc.SetIndent(2)
	if err := enc.Encode(b); err != nil {
		return err
	}
	header := fmt.Sprintf(`# kmsconform baseline: the rules %s is known to fail in profile %s.
# A run with --baseline passes when exactly these rules fail as recorded. It fails on a
# regression (another rule fails, or one of these fails differently) and on an unexpected pass
# (a rule below passes: remove its entry so the baseline stays tight).
# Regenerate from a report directory: kmsconform report baseline DIR > FILE
`, b.Implementation, b.Profile)
	_, err := io.WriteString(w, header+body.String())
	return err
}

// BaselineCheck is how a run compared with its baseline.
type BaselineCheck struct {
	File           string `json:"file"`
	Implementation string `json:"implementation"`
	Profile        string `json:"profile"`
	SuiteVersion   string `json:"suiteVersion"`
	// Known failures fail as recorded.
	Known []BaselineFinding `json:"known"`
	// Regressions are rules that block certification and are not in the
	// baseline, or fail differently from how it records them.
	Regressions []BaselineFinding `json:"regressions"`
	// UnexpectedPasses are baselined rules that no longer fail.
	UnexpectedPasses []BaselineFinding `json:"unexpectedPasses"`
	// NoLongerChecked are baselined rules a run of the whole profile did
	// not check: disabled (a capability no longer declared), unsupported,
	// not run. The baseline no longer describes the run, so this fails it.
	NoLongerChecked []BaselineFinding `json:"noLongerChecked"`
	// NotChecked are baselined rules left out by a selection narrower than
	// the profile (--label-filter, focus, skip): neither a pass nor a
	// failure.
	NotChecked []BaselineFinding `json:"notChecked"`
}

// BaselineFinding is one rule of a BaselineCheck.
type BaselineFinding struct {
	Rule     string `json:"rule"`
	Title    string `json:"title"`
	Expected Status `json:"expected"` // the baseline's status, pass when the rule is not in it
	Got      Status `json:"got"`
	Recorded string `json:"recorded,omitempty"` // the baseline's observed behaviour
	Observed string `json:"observed,omitempty"` // this run's
	// The answers the baseline recorded and this run's, when a known
	// failure now answers differently.
	RecordedAnswers []string `json:"recordedAnswers,omitempty"`
	Answers         []string `json:"answers,omitempty"`
}

// CompareBaseline compares a run with a baseline read from file.
func CompareBaseline(r Results, b Baseline, file string) BaselineCheck {
	c := BaselineCheck{
		File: file, Implementation: b.Implementation, Profile: b.Profile, SuiteVersion: b.SuiteVersion,
		Known: []BaselineFinding{}, Regressions: []BaselineFinding{}, UnexpectedPasses: []BaselineFinding{},
		NoLongerChecked: []BaselineFinding{}, NotChecked: []BaselineFinding{},
	}
	narrowed := r.narrowedSelection()
	notChecked := func(f BaselineFinding) {
		if narrowed {
			c.NotChecked = append(c.NotChecked, f)
		} else {
			c.NoLongerChecked = append(c.NoLongerChecked, f)
		}
	}
	entries := map[string]BaselineEntry{}
	for _, e := range b.Entries {
		entries[e.Rule] = e
	}
	for _, rule := range r.Rules {
		e, listed := entries[rule.ID]
		delete(entries, rule.ID)
		f := BaselineFinding{Rule: rule.ID, Title: rule.Title, Expected: StatusPass, Got: rule.Status, Recorded: e.Observed, Observed: strings.Join(rule.observed(), "; ")}
		if listed {
			f.Expected = e.Status
		}
		switch {
		case listed && rule.Status == e.Status && rule.Blocks() && !slices.Equal(rule.answerKeys(), nonNil(e.Answers)):
			// Fails as recorded, but answers differently: another code,
			// another status class, success where it refused. That is a
			// change in the implementation the baseline must not hide.
			f.RecordedAnswers, f.Answers = nonNil(e.Answers), rule.answerKeys()
			c.Regressions = append(c.Regressions, f)
		case listed && rule.Status == e.Status:
			c.Known = append(c.Known, f)
		case rule.Blocks():
			c.Regressions = append(c.Regressions, f)
		case !listed:
			// passed, or failed only in provisional specs: nothing to compare
		case rule.Status == StatusSkip || rule.Status == StatusDisabled || rule.Status == StatusUnsupported:
			notChecked(f)
		case !rule.Status.Failed():
			c.UnexpectedPasses = append(c.UnexpectedPasses, f)
		default:
			// A baselined provisional failure that now fails differently
			// still does not block.
			c.Known = append(c.Known, f)
		}
	}
	for _, e := range b.Entries {
		if _, left := entries[e.Rule]; left {
			notChecked(BaselineFinding{Rule: e.Rule, Expected: e.Status, Got: StatusSkip, Recorded: e.Observed})
		}
	}
	return c
}

// narrowedSelection reports whether the run selected fewer specs than its
// whole profile, so rules it did not check were left out on purpose.
func (r Results) narrowedSelection() bool {
	return r.LabelFilter != ProfileFilter(profile.Profile(r.Profile)) ||
		len(r.FocusStrings)+len(r.SkipStrings)+len(r.FocusFiles)+len(r.SkipFiles) > 0 || r.ProgrammaticFocus || r.DryRun
}

// answerKeys are the wrong answers of a rule's failed specs, sorted and
// without repeats: for each observation that differs from the catalogue,
// "case C: " (when the rule has cases) and then "success", or the AWS error
// code and the HTTP status class. A failed spec without such an observation
// (it failed on something else, like the key's state after a refusal)
// contributes nothing: its message holds key ids and changes every run.
func (r RuleResult) answerKeys() []string {
	seen := map[string]bool{}
	out := []string{}
	for _, spec := range r.Specs {
		if !spec.Status.Failed() {
			continue
		}
		for _, o := range spec.Observations {
			if !o.differs() {
				continue
			}
			key := "success"
			if o.Outcome == "error" {
				key = o.Code
				if key == "" {
					key = "error without an AWS error code"
				}
				if o.Status != 0 {
					key += fmt.Sprintf(" (HTTP %dxx)", o.Status/100)
				}
			}
			if o.Case != "" {
				key = "case " + o.Case + ": " + key
			}
			if !seen[key] {
				seen[key] = true
				out = append(out, key)
			}
		}
	}
	slices.Sort(out)
	return out
}

// Passed reports whether the run matched its baseline: no regression, no
// unexpected pass and no baselined rule left unchecked by a run of the whole
// profile. An unexpected pass fails the run on purpose: a baseline that
// still excuses a fixed rule would hide that rule breaking again.
func (c BaselineCheck) Passed() bool {
	return len(c.Regressions) == 0 && len(c.UnexpectedPasses) == 0 && len(c.NoLongerChecked) == 0
}

// RunPassed is the run's verdict, its exit status: with a baseline, the
// failures are exactly the known ones, no rule passed with cases the suite
// did not assert, and the suite itself did not fail; without one, the run
// certifies (Passed).
func (r Results) RunPassed() bool {
	if r.Baseline != nil {
		return r.Baseline.Passed() && len(r.IncompleteRules()) == 0 && len(r.SuiteFailures) == 0
	}
	return r.Passed()
}

func (c BaselineCheck) verdict() string {
	if c.Passed() {
		return "PASS"
	}
	var why []string
	if n := len(c.Regressions); n > 0 {
		why = append(why, plural(n, "regression", "regressions"))
	}
	if n := len(c.UnexpectedPasses); n > 0 {
		why = append(why, plural(n, "unexpected pass", "unexpected passes"))
	}
	if n := len(c.NoLongerChecked); n > 0 {
		why = append(why, plural(n, "known failure no longer checked", "known failures no longer checked"))
	}
	return "FAIL: " + strings.Join(why, ", ")
}

func (c BaselineCheck) write(w io.Writer) {
	fmt.Fprintf(w, "baseline %s (%s, profile %s, recorded with kmsconform %s): %s\n", c.File, c.Implementation, c.Profile, c.SuiteVersion, c.verdict())
	if len(c.Known) > 0 {
		fmt.Fprintf(w, "  %s as recorded: %s\n", plural(len(c.Known), "known failure still fails", "known failures still fail"), findingIDs(c.Known))
	}
	for _, f := range c.Regressions {
		fmt.Fprintf(w, "  REGRESSION      %s %s: %s\n", f.Rule, f.Title, f.regression())
	}
	for _, f := range c.UnexpectedPasses {
		fmt.Fprintf(w, "  UNEXPECTED PASS %s %s: %s\n", f.Rule, f.Title, f.unexpectedPass(c.File))
	}
	for _, f := range c.NoLongerChecked {
		fmt.Fprintf(w, "  NOT CHECKED     %s %s: %s\n", f.Rule, f.Title, f.noLongerChecked(c.File))
	}
	if len(c.NotChecked) > 0 {
		fmt.Fprintf(w, "  not checked in this run (neither pass nor fail): %s\n", findingIDs(c.NotChecked))
	}
}

func (c BaselineCheck) writeMarkdown(b *strings.Builder) {
	fmt.Fprintf(b, "## Baseline: %s\n\n", mdText(c.verdict()))
	fmt.Fprintf(b, "`%s`: %s, profile %s, recorded with kmsconform `%s`. %s as recorded.\n",
		mdText(c.File), mdText(c.Implementation), mdText(c.Profile), mdText(c.SuiteVersion), plural(len(c.Known), "known failure still fails", "known failures still fail"))
	if len(c.Regressions) > 0 {
		b.WriteString("\n**Regressions**\n\n| rule | title | what changed |\n|---|---|---|\n")
		for _, f := range c.Regressions {
			fmt.Fprintf(b, "| %s | %s | %s |\n", f.Rule, mdText(f.Title), mdText(f.regression()))
		}
	}
	if len(c.UnexpectedPasses) > 0 {
		b.WriteString("\n**Unexpected passes** (tighten the baseline)\n\n| rule | title | what changed |\n|---|---|---|\n")
		for _, f := range c.UnexpectedPasses {
			fmt.Fprintf(b, "| %s | %s | %s |\n", f.Rule, mdText(f.Title), mdText(f.unexpectedPass(c.File)))
		}
	}
	if len(c.NoLongerChecked) > 0 {
		b.WriteString("\n**Known failures no longer checked**\n\n| rule | title | what changed |\n|---|---|---|\n")
		for _, f := range c.NoLongerChecked {
			fmt.Fprintf(b, "| %s | %s | %s |\n", f.Rule, mdText(f.Title), mdText(f.noLongerChecked(c.File)))
		}
	}
	if len(c.NotChecked) > 0 {
		fmt.Fprintf(b, "\nNot checked in this run: %s.\n", findingIDs(c.NotChecked))
	}
}

func (f BaselineFinding) regression() string {
	if f.Answers != nil {
		return fmt.Sprintf("fails as recorded (%s) but answers differently: the baseline recorded %s, this run got %s", f.Got, answersText(f.RecordedAnswers), answersText(f.Answers))
	}
	s := fmt.Sprintf("the baseline expects %s, got %s", f.Expected, f.Got)
	if f.Expected == StatusPass {
		s = fmt.Sprintf("not in the baseline, got %s", f.Got)
	}
	if f.Observed != "" {
		s += " (" + f.Observed + ")"
	}
	return s
}

func (f BaselineFinding) unexpectedPass(file string) string {
	return fmt.Sprintf("the baseline expects %s, got %s: remove the entry from %s (or regenerate it with `kmsconform report baseline DIR`) so the baseline stays tight", f.Expected, f.Got, file)
}

func (f BaselineFinding) noLongerChecked(file string) string {
	return fmt.Sprintf("the baseline expects %s, but the run of the whole profile reports %s: declare the capability the rule needs again, or remove the entry from %s (or re-record it with `kmsconform report baseline DIR`)", f.Expected, f.Got, file)
}

func answersText(answers []string) string {
	if len(answers) == 0 {
		return "no wrong answer (the spec failed on something else)"
	}
	return "[" + strings.Join(answers, "; ") + "]"
}

func findingIDs(fs []BaselineFinding) string {
	ids := make([]string, len(fs))
	for i, f := range fs {
		ids[i] = f.Rule
	}
	slices.Sort(ids)
	return strings.Join(ids, ", ")
}
