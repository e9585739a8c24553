package reports

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/reporters"
	"github.com/onsi/ginkgo/v2/types"
)

func ruleByID(t *testing.T, r Results, id string) RuleResult {
	t.Helper()
	i := slices.IndexFunc(r.Rules, func(rr RuleResult) bool { return rr.ID == id })
	if i < 0 {
		t.Fatalf("%s is not in the results", id)
	}
	return r.Rules[i]
}

func TestBuildStatusesAndTiers(t *testing.T) {
	res := buildFixture(t, fixtureReport())
	want := map[string]struct {
		status Status
		blocks bool
	}{
		"IMP-001": {StatusFail, true},      // conformance spec failed
		"IMP-002": {StatusFail, false},     // only its provisional case failed
		"IMP-003": {StatusError, false},    // provisional rule panicked
		"IMP-004": {StatusDisabled, false}, // capability not declared
		"IMP-005": {StatusSkip, false},     // no spec
	}
	var ids []string
	for _, r := range res.Rules {
		ids = append(ids, r.ID)
	}
	if !slices.Equal(ids, []string{"IMP-001", "IMP-002", "IMP-003", "IMP-004", "IMP-005"}) {
		t.Fatalf("rules %v: want the profile-2022 rules only, ineligible and 2023-only rules left out", ids)
	}
	for id, w := range want {
		r := ruleByID(t, res, id)
		if r.Status != w.status || r.Blocks() != w.blocks {
			t.Errorf("%s: status %s blocks %v, want %s blocks %v", id, r.Status, r.Blocks(), w.status, w.blocks)
		}
	}
	if !slices.Equal(res.Blocking, []string{"IMP-001"}) || res.Passed() {
		t.Errorf("blocking %v passed %v: want only IMP-001 to block", res.Blocking, res.Passed())
	}
	if got := ruleByID(t, res, "IMP-002").Specs; got[0].Tier != "conformance" || got[1].Tier != "provisional" {
		t.Errorf("IMP-002 spec tiers %s/%s, want conformance/provisional", got[0].Tier, got[1].Tier)
	}
	if r := ruleByID(t, res, "IMP-004"); !strings.Contains(r.Specs[0].Reason, "expiry-wait") {
		t.Errorf("IMP-004 reason %q does not name the capability", r.Specs[0].Reason)
	}
}

func TestPassedIgnoresProvisionalFailures(t *testing.T) {
	report := passingReport()
	for i := range report.SpecReports {
		if report.SpecReports[i].LeafNodeText == "IMP-002 rejects 33 bytes of symmetric material" {
			report.SpecReports[i].State = types.SpecStateFailed
		}
	}
	res := buildFixture(t, report)
	if !res.Passed() || ruleByID(t, res, "IMP-002").Status != StatusFail {
		t.Errorf("a provisional failure must show as fail and not block: passed=%v blocking=%v", res.Passed(), res.BlockingRules())
	}
}

func TestOldResultsWithoutTiersBlock(t *testing.T) {
	// A results file from before tiers were recorded: a failure must block.
	r := RuleResult{ID: "IMP-001", Tier: "conformance", Status: StatusFail, Specs: []SpecResult{{Name: "x", Status: StatusFail}}}
	if !r.Blocks() {
		t.Error("a failed spec without a tier does not block; it must count as conformance")
	}
}

func TestSetupFailureMakesRulesError(t *testing.T) {
	report := fixtureReport()
	report.SpecReports[0].State = types.SpecStateFailed
	report.SpecReports[0].Failure = types.Failure{Message: "target did not start"}
	for i := 1; i < len(report.SpecReports); i++ {
		report.SpecReports[i].State, report.SpecReports[i].Failure = types.SpecStateSkipped, types.Failure{}
	}
	res := buildFixture(t, report)
	if r := ruleByID(t, res, "IMP-001"); r.Status != StatusError || !r.Blocks() {
		t.Errorf("after a failed BeforeSuite IMP-001 is %s (blocks %v), want a blocking error", r.Status, r.Blocks())
	}
	if r := ruleByID(t, res, "IMP-003"); r.Blocks() {
		t.Error("a provisional rule blocks after a setup failure")
	}
	if len(res.SuiteFailures) == 0 || res.Passed() {
		t.Errorf("suite failures %v: want the setup failure recorded and the run failed", res.SuiteFailures)
	}
}

func TestJUnitGolden(t *testing.T) {
	report := fixtureReport()
	var b bytes.Buffer
	if err := WriteJUnit(&b, report, buildFixture(t, report)); err != nil {
		t.Fatal(err)
	}
	golden(t, "junit.xml", b.Bytes())
}

func TestJUnitNamesAreStable(t *testing.T) {
	report := fixtureReport()
	var b bytes.Buffer
	if err := WriteJUnit(&b, report, buildFixture(t, report)); err != nil {
		t.Fatal(err)
	}
	var doc reporters.JUnitTestSuites
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("junit.xml does not parse: %v", err)
	}
	name := regexp.MustCompile(`^IMP-[0-9]{3} [^\[\]]+$`)
	var names []string
	for _, tc := range doc.TestSuites[0].TestCases {
		names = append(names, tc.Name)
		if !name.MatchString(tc.Name) {
			t.Errorf("test name %q: want the rule id and the spec text, no labels, node type or containers", tc.Name)
		}
		passed := tc.Failure == nil && tc.Error == nil
		if passed && (tc.SystemOut != "" || tc.SystemErr != "") {
			t.Errorf("%s passed but carries output", tc.Name)
		}
	}
	if slices.Contains(names, "IMP-006 imports HMAC material") {
		t.Error("a spec of another profile is listed")
	}
	if len(names) != 5 {
		t.Errorf("%d test cases %v, want the 5 specs of profile 2022", len(names), names)
	}
}

func TestJUnitTruncatesLongFailures(t *testing.T) {
	report := fixtureReport()
	report.SpecReports[1].Failure.Message = strings.Repeat("é", 10000)
	var b bytes.Buffer
	if err := WriteJUnit(&b, report, buildFixture(t, report)); err != nil {
		t.Fatal(err)
	}
	if b.Len() > 20000 || !strings.Contains(b.String(), "more bytes: the whole failure is in report.json") {
		t.Errorf("a 20 kB failure message was not truncated (junit.xml is %d bytes)", b.Len())
	}
}

func TestSummaryGolden(t *testing.T) {
	var b bytes.Buffer
	if err := WriteMarkdownSummary(&b, buildFixture(t, fixtureReport())); err != nil {
		t.Fatal(err)
	}
	golden(t, "summary.md", b.Bytes())
}

func TestTerminalSummaryShowsProvisionalDistinctly(t *testing.T) {
	var b bytes.Buffer
	WriteTerminalSummary(&b, buildFixture(t, fixtureReport()))
	out := b.String()
	for _, want := range []string{
		"FAIL        IMP-001",
		"FAIL (provisional: does not block) IMP-002",
		"ERROR (provisional: does not block) IMP-003",
		"certification: FAIL: 1 rule blocks (IMP-001); 2 provisional failures do not block",
		"observed case other-key: expected InvalidImportTokenException (documented), got success",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("terminal summary lacks %q:\n%s", want, out)
		}
	}
}

func TestResultsJSONRoundTrip(t *testing.T) {
	dir := writeBundle(t, fixtureReport())
	res, err := ReadResults(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := buildFixture(t, fixtureReport())
	a, _ := json.Marshal(res)
	b, _ := json.Marshal(want)
	if !bytes.Equal(a, b) {
		t.Errorf("results.json does not read back as written:\n%s\n%s", a, b)
	}
	// Build from the report.json Ginkgo's JSON round trip gives the same rules.
	report, err := ReadReport(dir)
	if err != nil {
		t.Fatal(err)
	}
	rebuilt := buildFixture(t, report)
	rebuilt.StartedAt, rebuilt.FinishedAt = want.StartedAt, want.FinishedAt
	c, _ := json.Marshal(rebuilt.Rules)
	d, _ := json.Marshal(want.Rules)
	if !bytes.Equal(c, d) {
		t.Errorf("results rebuilt from report.json differ:\n%s\n%s", c, d)
	}
}

func TestProgressLines(t *testing.T) {
	var b bytes.Buffer
	p := NewProgress(&b)
	report := fixtureReport()
	p.Begin(report)
	for _, s := range report.SpecReports {
		p.Spec(s)
	}
	lines := strings.Split(b.String(), "\n")
	want := []string{
		"[1/5] fail        IMP-001 rejects an import token issued for another key (1.2s) ",
		"[2/5] pass        IMP-002 accepts 32 bytes of symmetric material (0.5s) [3/5] fail (prov.) IMP-002 rejects 33 bytes of symmetric material (0.8s) ",
		"[4/5] error (prov.) IMP-003 rejects material that does not decrypt (0.1s) ",
		"[5/5] disabled    IMP-004 deletes expired material (0.0s) ",
	}
	if !slices.Equal(lines, want) {
		t.Errorf("progress:\n%q\nwant:\n%q\n(a passing line is left open for Ginkgo's denoter, a failing one is ended before Ginkgo's block; specs that did not run print nothing)", lines, want)
	}
}

func TestCertificationTextSaysWhenARunCannotCertify(t *testing.T) {
	if got := certificationText(buildFixture(t, passingReport())); got != "PASS" {
		t.Errorf("a complete passing run: %q, want PASS", got)
	}
	report := passingReport()
	report.SuiteConfig.LabelFilter = "(IMP-001) && " + ProfileFilter("2022")
	if got := certificationText(buildFixture(t, report)); !strings.HasPrefix(got, "PASS; not a certification: specs were selected by more than the profile") {
		t.Errorf("a filtered run: %q", got)
	}
	report = passingReport()
	report.SpecReports = report.SpecReports[:len(report.SpecReports)-1] // IMP-005 loses its spec
	if got := certificationText(buildFixture(t, report)); got != "PASS; not a certification: 1 conformance rule was not run" {
		t.Errorf("a run with a rule not run: %q", got)
	}
}
