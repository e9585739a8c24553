package reports

import (
	"bytes"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/kmsconform/kmsconform/harness/profile"
)

// withSpec returns the fixture report with one spec's state changed.
func withSpec(report types.Report, text string, state types.SpecState) types.Report {
	for i := range report.SpecReports {
		if report.SpecReports[i].LeafNodeText == text {
			report.SpecReports[i].State = state
			if state == types.SpecStatePassed {
				report.SpecReports[i].Failure = types.Failure{}
			} else {
				report.SpecReports[i].Failure = types.Failure{Message: "it failed", Location: location(99)}
			}
		}
	}
	return report
}

const (
	specIMP001 = "IMP-001 rejects an import token issued for another key"
	specIMP005 = "IMP-005 rejects a ValidTo more than 365 days ahead"
)

func TestBaselineGenerateAndRead(t *testing.T) {
	res := buildFixture(t, fixtureReport())
	var b bytes.Buffer
	if err := WriteBaseline(&b, BaselineFromResults(res, "fixture-kms")); err != nil {
		t.Fatal(err)
	}
	golden(t, "baseline.yaml", b.Bytes())
	parsed, err := ParseBaseline(b.Bytes(), "generated")
	if err != nil {
		t.Fatalf("a generated baseline does not parse: %v", err)
	}
	if len(parsed.Entries) != 1 || parsed.Entries[0].Rule != "IMP-001" || parsed.Entries[0].Status != StatusFail {
		t.Errorf("entries %+v: want only the blocking IMP-001 (provisional failures never fail a run)", parsed.Entries)
	}
	if err := parsed.CheckAgainst(fixtureCatalogue(t), profile.P2022, "generated"); err != nil {
		t.Error(err)
	}
	if err := parsed.CheckAgainst(fixtureCatalogue(t), profile.P2023, "generated"); err == nil || !strings.Contains(err.Error(), "recorded for profile 2022, the run claims profile 2023") {
		t.Errorf("a baseline of another profile: %v", err)
	}
}

func TestBaselineRejectsBadFiles(t *testing.T) {
	cases := map[string]struct{ yaml, want string }{
		"not yaml":      {"{", "not a baseline file"},
		"unknown field": {"format: kmsconform-baseline/v1\nimplementation: x\nprofile: \"2022\"\nsuiteVersion: v1\nentires: []\n", "field entires not found"},
		"format":        {"format: v0\nimplementation: x\nprofile: \"2022\"\nsuiteVersion: v1\n", `format is "v0"`},
		"profile":       {"format: kmsconform-baseline/v1\nimplementation: x\nprofile: \"2024\"\nsuiteVersion: v1\n", "profile:"},
		"no name":       {"format: kmsconform-baseline/v1\nprofile: \"2022\"\nsuiteVersion: v1\n", "implementation is empty"},
		"status": {"format: kmsconform-baseline/v1\nimplementation: x\nprofile: \"2022\"\nsuiteVersion: v1\nentries:\n  - rule: IMP-001\n    status: pass\n    observed: x\n",
			`status "pass": a baseline lists failures`},
		"duplicate": {"format: kmsconform-baseline/v1\nimplementation: x\nprofile: \"2022\"\nsuiteVersion: v1\nentries:\n  - {rule: IMP-001, status: fail, observed: x}\n  - {rule: IMP-001, status: fail, observed: x}\n",
			"listed twice"},
		"rule id":  {"format: kmsconform-baseline/v1\nimplementation: x\nprofile: \"2022\"\nsuiteVersion: v1\nentries:\n  - {rule: IMP-1, status: fail, observed: x}\n", "is not a rule id"},
		"observed": {"format: kmsconform-baseline/v1\nimplementation: x\nprofile: \"2022\"\nsuiteVersion: v1\nentries:\n  - {rule: IMP-001, status: fail}\n", "observed is empty"},
	}
	for name, c := range cases {
		if _, err := ParseBaseline([]byte(c.yaml), "b.yaml"); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error containing %q", name, err, c.want)
		}
	}
	b := Baseline{Profile: "2022", Entries: []BaselineEntry{{Rule: "IMP-099", Status: StatusFail}, {Rule: "IMP-006", Status: StatusFail}, {Rule: "IMP-007", Status: StatusFail}}}
	err := b.CheckAgainst(fixtureCatalogue(t), profile.P2022, "b.yaml")
	for _, want := range []string{"IMP-099 is not in the rule catalogue", "IMP-006 is not checked in profile 2022", "IMP-007 is not checked in profile 2022"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckAgainst: %v, want %q", err, want)
		}
	}
}

func baselineOf(t *testing.T, report types.Report) Baseline {
	return BaselineFromResults(buildFixture(t, report), "fixture-kms")
}

func TestBaselineExactFailuresPass(t *testing.T) {
	b := baselineOf(t, fixtureReport())
	res := buildFixture(t, fixtureReport())
	c := CompareBaseline(res, b, "b.yaml")
	res.Baseline = &c
	if !c.Passed() || !res.RunPassed() || res.Passed() {
		t.Fatalf("the known failures did not pass the run: %+v", c)
	}
	if len(c.Known) != 1 || c.Known[0].Rule != "IMP-001" {
		t.Errorf("known %+v, want IMP-001", c.Known)
	}
}

func TestBaselineRegression(t *testing.T) {
	b := baselineOf(t, fixtureReport())
	report := withSpec(fixtureReport(), "IMP-002 accepts 32 bytes of symmetric material", types.SpecStateFailed)
	c := CompareBaseline(buildFixture(t, report), b, "b.yaml")
	if c.Passed() || len(c.Regressions) != 1 || c.Regressions[0].Rule != "IMP-002" || c.Regressions[0].Expected != StatusPass {
		t.Fatalf("a new conformance failure is not a regression: %+v", c)
	}
	// A known failure that now fails differently is a regression too.
	b.Entries[0].Status = StatusError
	c = CompareBaseline(buildFixture(t, fixtureReport()), b, "b.yaml")
	if c.Passed() || len(c.Regressions) != 1 || c.Regressions[0].Expected != StatusError || c.Regressions[0].Got != StatusFail {
		t.Errorf("fail instead of the recorded error: %+v", c)
	}
}

func TestBaselineUnexpectedPass(t *testing.T) {
	b := baselineOf(t, fixtureReport())
	res := buildFixture(t, withSpec(fixtureReport(), specIMP001, types.SpecStatePassed))
	c := CompareBaseline(res, b, "reports/baselines/fixture.yaml")
	res.Baseline = &c
	if c.Passed() || res.RunPassed() || len(c.UnexpectedPasses) != 1 || c.UnexpectedPasses[0].Rule != "IMP-001" {
		t.Fatalf("a baselined rule that passes did not fail the run: %+v", c)
	}
	var out bytes.Buffer
	WriteTerminalSummary(&out, res)
	for _, want := range []string{
		"baseline reports/baselines/fixture.yaml (fixture-kms, profile 2022, recorded with kmsconform v0.1.0): FAIL: 1 unexpected pass",
		"UNEXPECTED PASS IMP-001 Import token must belong to the key: the baseline expects fail, got pass: remove the entry from reports/baselines/fixture.yaml",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, out.String())
		}
	}
}

func TestBaselineRuleNoLongerChecked(t *testing.T) {
	b := Baseline{Implementation: "x", Profile: "2022", Entries: []BaselineEntry{
		{Rule: "IMP-001", Status: StatusFail, Observed: "accepts a foreign token", Answers: []string{"case other-key: success"}},
		{Rule: "IMP-004", Status: StatusFail, Observed: "keeps expired material"},
	}}
	// A run of the whole profile in which a baselined rule was disabled (a
	// capability no longer declared) no longer matches the baseline.
	res := buildFixture(t, fixtureReport())
	c := CompareBaseline(res, b, "b.yaml")
	res.Baseline = &c
	if c.Passed() || len(c.NoLongerChecked) != 1 || c.NoLongerChecked[0].Rule != "IMP-004" || c.NoLongerChecked[0].Got != StatusDisabled {
		t.Fatalf("a baselined rule that was disabled: %+v, want it reported and the run failed", c)
	}
	var out bytes.Buffer
	WriteTerminalSummary(&out, res)
	for _, want := range []string{"FAIL: 1 known failure no longer checked", "NOT CHECKED     IMP-004", "declare the capability the rule needs again, or remove the entry from b.yaml"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, out.String())
		}
	}
	var md bytes.Buffer
	if err := WriteMarkdownSummary(&md, res); err != nil || !strings.Contains(md.String(), "**Known failures no longer checked**") {
		t.Errorf("summary.md (%v) does not show the rule no longer checked:\n%s", err, md.String())
	}

	// A run narrowed on purpose leaves rules out: neither pass nor fail.
	narrowed := fixtureReport()
	narrowed.SuiteConfig.LabelFilter = "IMP-001"
	c = CompareBaseline(buildFixture(t, narrowed), b, "b.yaml")
	if !c.Passed() || len(c.NotChecked) != 1 || c.NotChecked[0].Rule != "IMP-004" || len(c.NoLongerChecked) != 0 {
		t.Errorf("a baselined rule left out by --label-filter: %+v, want it not checked and the run passing", c)
	}
}

func TestBaselineKnownFailureAnsweringDifferently(t *testing.T) {
	b := baselineOf(t, fixtureReport())
	if got := b.Entries[0].Answers; len(got) != 1 || got[0] != "case other-key: success" {
		t.Fatalf("recorded answers %q, want the success IMP-001 answered", got)
	}
	// IMP-001 still fails, but now with another code.
	report := fixtureReport()
	report.SpecReports[1].ReportEntries = types.ReportEntries{entry(ObservationEntry, Observation{
		Rule: "IMP-001", Case: "other-key", Expected: "InvalidImportTokenException", Evidence: "documented",
		Outcome: "error", Code: "InternalFailureException", Status: 500,
	})}
	c := CompareBaseline(buildFixture(t, report), b, "b.yaml")
	if c.Passed() || len(c.Regressions) != 1 || len(c.Known) != 0 {
		t.Fatalf("a known failure answering differently: %+v, want a regression", c)
	}
	if got := c.Regressions[0].regression(); !strings.Contains(got, "recorded [case other-key: success]") || !strings.Contains(got, "got [case other-key: InternalFailureException (HTTP 5xx)]") {
		t.Errorf("regression text %q does not show both answers", got)
	}
	// The same code with another status of the same class is the same answer.
	b.Entries[0].Answers = []string{"case other-key: InternalFailureException (HTTP 5xx)"}
	report.SpecReports[1].ReportEntries[0] = entry(ObservationEntry, Observation{
		Rule: "IMP-001", Case: "other-key", Expected: "InvalidImportTokenException", Evidence: "documented",
		Outcome: "error", Code: "InternalFailureException", Status: 503, Message: "a message that changes every run",
	})
	if c := CompareBaseline(buildFixture(t, report), b, "b.yaml"); !c.Passed() || len(c.Known) != 1 {
		t.Errorf("the recorded answer with another message and status of its class: %+v, want known", c)
	}
}

func TestBaselineCatalogueMustMatch(t *testing.T) {
	cat := fixtureCatalogue(t)
	b := baselineOf(t, fixtureReport())
	if err := b.CheckAgainst(cat, profile.P2022, "b.yaml"); err != nil {
		t.Fatalf("a baseline of this catalogue: %v", err)
	}
	b.CatalogueHash = strings.Repeat("ab", 32)
	err := b.CheckAgainst(cat, profile.P2022, "b.yaml")
	if err == nil || !strings.Contains(err.Error(), "baseline b.yaml was recorded with catalogue "+b.CatalogueHash+", this suite has "+cat.Hash()) ||
		!strings.Contains(err.Error(), "kmsconform report baseline DIR --implementation fixture-kms > b.yaml") {
		t.Errorf("a baseline of another catalogue: %v", err)
	}
	b.CatalogueHash = ""
	if err := b.CheckAgainst(cat, profile.P2022, "b.yaml"); err == nil || !strings.Contains(err.Error(), "records no catalogueHash") {
		t.Errorf("a baseline without a catalogue hash: %v", err)
	}
}

func TestBaselineSummaryGolden(t *testing.T) {
	b := baselineOf(t, fixtureReport())
	report := withSpec(fixtureReport(), specIMP001, types.SpecStatePassed)
	report = withSpec(report, "IMP-002 accepts 32 bytes of symmetric material", types.SpecStateFailed)
	res := buildFixture(t, report)
	c := CompareBaseline(res, b, "reports/baselines/fixture-2022.yaml")
	res.Baseline = &c
	var md bytes.Buffer
	if err := WriteMarkdownSummary(&md, res); err != nil {
		t.Fatal(err)
	}
	golden(t, "summary-baseline.md", md.Bytes())
}

func TestDiff(t *testing.T) {
	old := buildFixture(t, fixtureReport())
	report := withSpec(fixtureReport(), specIMP001, types.SpecStatePassed)
	report = withSpec(report, "IMP-002 accepts 32 bytes of symmetric material", types.SpecStateFailed)
	new := buildFixture(t, report)
	// IMP-005 disappears from the new run; IMP-006 appears.
	new.Rules = new.Rules[:4]
	new.Rules = append(new.Rules, RuleResult{ID: "IMP-006", Title: "HMAC keys take imported material", Status: StatusPass})

	d := DiffResults(old, new)
	check := func(name string, got []RuleChange, want ...string) {
		t.Helper()
		var ids []string
		for _, c := range got {
			ids = append(ids, c.Rule)
		}
		if strings.Join(ids, ",") != strings.Join(want, ",") {
			t.Errorf("%s: %v, want %v", name, ids, want)
		}
	}
	check("regressed", d.Regressed)
	check("newly passing", d.NewlyPassing, "IMP-001")
	check("appeared", d.Appeared, "IMP-006")
	check("disappeared", d.Disappeared, "IMP-005")
	check("changed", d.Changed)
	if len(d.Warnings) != 0 {
		t.Errorf("warnings %v for two runs of one target and catalogue", d.Warnings)
	}

	// IMP-002 was a provisional failure and is now a blocking one: its status
	// stays fail, so it is not listed as a change of status.
	d = DiffResults(buildFixture(t, passingReport()), old)
	check("regressed from passing", d.Regressed, "IMP-001", "IMP-002", "IMP-003")
	var out bytes.Buffer
	d.Write(&out)
	for _, want := range []string{"regressed (3):", "IMP-001 pass        -> fail        Import token must belong to the key", "IMP-002 pass        -> fail        Symmetric material is 32 bytes (provisional: does not block)", "changed (1):", "IMP-005 pass        -> skip"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("diff output lacks %q:\n%s", want, out.String())
		}
	}

	if d := DiffResults(old, old); !d.Empty() {
		t.Errorf("a run compared with itself: %+v", d)
	}
	other := old
	other.Profile, other.CatalogueHash = "2023", "other"
	if d := DiffResults(old, other); len(d.Warnings) != 2 {
		t.Errorf("warnings %v, want the profile and catalogue differences", d.Warnings)
	}
}
