package reports

import (
	"bytes"
	"encoding/xml"
	"slices"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/reporters"
	"github.com/onsi/ginkgo/v2/types"
)

const (
	specIMP002Longer = "IMP-002 rejects 33 bytes of symmetric material" // the provisional case of a conformance rule
	unsupportedWhy   = "ImportKeyMaterial answered UnsupportedOperationException: the target does not offer this"
)

// withEntries returns the report with one spec's state and report entries
// replaced, as a spec that ended that way would have left them.
func withEntries(report types.Report, text string, state types.SpecState, entries ...types.ReportEntry) types.Report {
	found := false
	for i := range report.SpecReports {
		s := &report.SpecReports[i]
		if s.LeafNodeText == text {
			s.State, s.Failure, s.ReportEntries = state, types.Failure{}, entries
			if state == types.SpecStateSkipped {
				s.Failure = types.Failure{Message: "skipped by the spec", Location: location(98)}
			}
			found = true
		}
	}
	if !found {
		panic("no spec " + text + " in the fixture")
	}
	return report
}

// junitCase finds a test case of a JUnit file by name.
func junitCase(t *testing.T, report types.Report, res Results, name string) reporters.JUnitTestCase {
	t.Helper()
	var b bytes.Buffer
	if err := WriteJUnit(&b, report, res); err != nil {
		t.Fatal(err)
	}
	var doc reporters.JUnitTestSuites
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	for _, tc := range doc.TestSuites[0].TestCases {
		if tc.Name == name {
			return tc
		}
	}
	t.Fatalf("junit.xml has no test case %q", name)
	return reporters.JUnitTestCase{}
}

func renderAll(t *testing.T, res Results) (terminal, markdown, html string) {
	t.Helper()
	var term, md, page bytes.Buffer
	WriteTerminalSummary(&term, res)
	if err := WriteMarkdownSummary(&md, res); err != nil {
		t.Fatal(err)
	}
	if err := WriteHTML(&page, res); err != nil {
		t.Fatal(err)
	}
	return term.String(), md.String(), page.String()
}

// An optional feature the target answers with UnsupportedOperationException
// (the entry a provisional spec records) is reported unsupported everywhere
// and does not block certification.
func TestUnsupportedProvisionalSpec(t *testing.T) {
	report := withEntries(passingReport(), specIMP002Longer, types.SpecStateSkipped, entry(UnsupportedEntry, unsupportedWhy))
	res := buildFixture(t, report)

	r := ruleByID(t, res, "IMP-002")
	if r.Status != StatusUnsupported || r.Blocks() {
		t.Fatalf("IMP-002: status %s blocks %v, want unsupported, not blocking", r.Status, r.Blocks())
	}
	if i := slices.IndexFunc(r.Specs, func(s SpecResult) bool { return s.Name == specIMP002Longer }); r.Specs[i].Status != StatusUnsupported || r.Specs[i].Reason != unsupportedWhy {
		t.Errorf("spec: %s %q, want unsupported with the recorded reason", r.Specs[i].Status, r.Specs[i].Reason)
	}
	if res.Summary[StatusUnsupported] != 1 || !res.Passed() {
		t.Errorf("summary %v passed %v: want one unsupported rule and a passing run", res.Summary, res.Passed())
	}

	terminal, markdown, html := renderAll(t, res)
	if !strings.Contains(terminal, "UNSUPPORTED IMP-002") || !strings.Contains(terminal, unsupportedWhy) || !strings.Contains(terminal, "1 unsupported") {
		t.Errorf("terminal summary does not show the unsupported rule with its reason:\n%s", terminal)
	}
	if !strings.Contains(markdown, "| unsupported | 1 |") || !strings.Contains(markdown, "| IMP-002 | unsupported | "+unsupportedWhy+" |") {
		t.Errorf("summary.md does not show the unsupported rule:\n%s", markdown)
	}
	if !strings.Contains(html, `class="chip status-unsupported" href="#IMP-002"`) || !strings.Contains(html, `<div class="reason">`+unsupportedWhy+`</div>`) {
		t.Errorf("report.html has no unsupported chip for IMP-002 with its reason")
	}
	tc := junitCase(t, report, res, specIMP002Longer)
	if tc.Skipped == nil || tc.Skipped.Message != "unsupported: "+unsupportedWhy || tc.Failure != nil || tc.Status != "unsupported" {
		t.Errorf("JUnit case %+v: want skipped with the unsupported reason", tc)
	}

	v := Verify(writeBundle(t, report), verifyOptions(t))
	if !v.OK() {
		t.Fatalf("an unsupported provisional feature was refused:\n%s", strings.Join(v.Problems, "\n"))
	}
	if !slices.ContainsFunc(v.Notes, func(n string) bool { return strings.Contains(n, "unsupported") && strings.Contains(n, "IMP-002") }) {
		t.Errorf("notes %q: want IMP-002 noted unsupported", v.Notes)
	}
}

// A conformance spec answered with UnsupportedOperationException fails: the
// claimed profile requires the feature.
func TestUnsupportedConformanceSpecFails(t *testing.T) {
	report := withEntries(passingReport(), specIMP005, types.SpecStateSkipped, entry(UnsupportedEntry, unsupportedWhy))
	res := buildFixture(t, report)

	r := ruleByID(t, res, "IMP-005")
	if r.Status != StatusFail || !r.Blocks() || res.Passed() {
		t.Fatalf("IMP-005: status %s blocks %v, run passed %v: want a blocking failure", r.Status, r.Blocks(), res.Passed())
	}
	if f := r.Specs[0].Failure; !strings.Contains(f, "UnsupportedOperationException") || !strings.Contains(f, "requires this feature") {
		t.Errorf("failure %q does not say that the profile requires the feature", f)
	}
	if tc := junitCase(t, report, res, specIMP005); tc.Failure == nil || !strings.Contains(tc.Failure.Message, "UnsupportedOperationException") {
		t.Errorf("JUnit case %+v: want a failure", tc)
	}
	v := Verify(writeBundle(t, report), verifyOptions(t))
	expectProblem(t, v, "IMP-005 ValidTo is at most 365 days ahead: fail", "UnsupportedOperationException")

	// A spec that failed as well as recording the entry stays a failure.
	failed := withEntries(passingReport(), specIMP002Longer, types.SpecStateFailed, entry(UnsupportedEntry, unsupportedWhy))
	if r := ruleByID(t, buildFixture(t, failed), "IMP-002"); r.Status != StatusFail {
		t.Errorf("a failed spec that recorded unsupported: %s, want fail", r.Status)
	}
}

// A results file that calls a conformance spec unsupported (Build never
// writes one) must not certify.
func TestUnsupportedConformanceSpecBlocksInAnyFile(t *testing.T) {
	r := RuleResult{ID: "IMP-005", Tier: "conformance", Status: StatusUnsupported,
		Specs: []SpecResult{{Name: "x", Tier: "conformance", Status: StatusUnsupported, Reason: unsupportedWhy}}}
	if !r.Blocks() {
		t.Error("an unsupported conformance spec does not block")
	}
	r.Specs[0].Tier = "provisional"
	if r.Blocks() {
		t.Error("an unsupported provisional spec blocks")
	}
}

// A spec disabled at run time (no capability in the catalogue names it)
// leaves its cases disabled, not unchecked: the run passes and verifies.
func TestDisabledSpecCasesAreNotUnchecked(t *testing.T) {
	why := "needs a target whose clock the suite controls or capability expiry-wait"
	report := withEntries(passingReport(), specIMP002Longer, types.SpecStateSkipped, entry(DisabledEntry, why))
	res := buildFixture(t, report)

	r := ruleByID(t, res, "IMP-002")
	if r.Status != StatusPass || len(r.Unchecked) != 0 || !slices.Equal(r.Disabled, []string{"longer"}) {
		t.Fatalf("IMP-002: status %s unchecked %q disabled %q, want pass with case longer disabled", r.Status, r.Unchecked, r.Disabled)
	}
	if !res.Passed() {
		t.Errorf("a run whose only gap is a disabled case does not pass: incomplete %v", res.IncompleteRules())
	}
	terminal, markdown, _ := renderAll(t, res)
	if !strings.Contains(terminal, "passed, with cases disabled") || !strings.Contains(terminal, "IMP-002 (longer)") || strings.Contains(terminal, "ERROR") {
		t.Errorf("terminal summary:\n%s", terminal)
	}
	if !strings.Contains(markdown, "| IMP-002 | pass | cases disabled: longer") {
		t.Errorf("summary.md does not list the disabled case:\n%s", markdown)
	}
	v := Verify(writeBundle(t, report), verifyOptions(t))
	if !v.OK() {
		t.Fatalf("a bundle with a disabled case was refused:\n%s", strings.Join(v.Problems, "\n"))
	}
	if !slices.ContainsFunc(v.Notes, func(n string) bool { return strings.Contains(n, "IMP-002 (longer)") }) {
		t.Errorf("notes %q: want the disabled case noted", v.Notes)
	}

	// A case that needs a capability in the catalogue is disabled as well.
	if r := ruleByID(t, buildFixture(t, fixtureReport()), "IMP-004"); len(r.Unchecked) != 0 || len(r.Disabled) != 1 {
		t.Errorf("IMP-004 (needs expiry-wait): unchecked %q disabled %q", r.Unchecked, r.Disabled)
	}
}

// A rule that passed with a case no spec asserted, and no spec disabled,
// fails the run as the suite's error, and the bundle does not verify.
func TestPassWithUncheckedCaseFailsTheRun(t *testing.T) {
	report := passingReport()
	report.SpecReports = slices.DeleteFunc(report.SpecReports, func(s types.SpecReport) bool { return s.LeafNodeText == specIMP002Longer })
	res := buildFixture(t, report)

	if r := ruleByID(t, res, "IMP-002"); r.Status != StatusPass || !slices.Equal(r.Unchecked, []string{"longer"}) {
		t.Fatalf("IMP-002: status %s unchecked %q, want pass with case longer unchecked", r.Status, r.Unchecked)
	}
	if res.Passed() || res.RunPassed() || !slices.Equal(res.IncompleteRules(), []string{"IMP-002"}) {
		t.Errorf("passed %v, incomplete %v: want the run failed for IMP-002", res.Passed(), res.IncompleteRules())
	}
	terminal, markdown, _ := renderAll(t, res)
	if !strings.Contains(terminal, "ERROR       IMP-002") || !strings.Contains(terminal, "no spec asserted its cases longer") ||
		!strings.Contains(terminal, "certification: FAIL: 1 rule passed with cases no spec asserted (IMP-002)") {
		t.Errorf("terminal summary does not show the error:\n%s", terminal)
	}
	if !strings.Contains(markdown, "# kmsconform: FAIL") || !strings.Contains(markdown, "| IMP-002 | Symmetric material is 32 bytes | longer |") {
		t.Errorf("summary.md does not show the error:\n%s", markdown)
	}
	expectProblem(t, Verify(writeBundle(t, report), verifyOptions(t)), "IMP-002", "no spec asserted its cases longer")

	// With a baseline as well: the suite's own gap is no known failure.
	res.Baseline = &BaselineCheck{}
	if res.RunPassed() {
		t.Error("a run with an incomplete rule passed its baseline")
	}
}
