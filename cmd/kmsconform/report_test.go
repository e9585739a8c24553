package main

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/reporters"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/kmsconform/kmsconform/harness/profile"
	"github.com/kmsconform/kmsconform/harness/version"
	"github.com/kmsconform/kmsconform/reports"
	"github.com/kmsconform/kmsconform/reports/reportstest"
	"github.com/kmsconform/kmsconform/suites/conform"
)

// envRunCLI makes the test binary act as the kmsconform command: a suite
// runs once per process, so every `kmsconform run` of these tests is a
// child process of the test binary itself.
const envRunCLI = "KMSCONFORM_TEST_RUN_CLI"

func TestMain(m *testing.M) {
	if os.Getenv(envRunCLI) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// kmsconform runs the command in a child process and returns its output and
// exit status.
func kmsconform(t *testing.T, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), envRunCLI+"=1", "NO_COLOR=1")
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return string(out), 0
	case errors.As(err, &exit):
		return string(out), exit.ExitCode()
	}
	t.Fatalf("kmsconform %v: %v", args, err)
	return "", 0
}

// reportCommand runs `kmsconform report ...` in this process.
func reportCommand(args ...string) (string, error) {
	var out bytes.Buffer
	root := newRootCommand()
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(append([]string{"report"}, args...))
	err := root.Execute()
	return out.String(), err
}

func TestProfileFilterMatchesConform(t *testing.T) {
	for _, p := range profile.All() {
		if reports.ProfileFilter(p) != conform.ProfileFilter(p) {
			t.Errorf("profile %s: reports checks %q, conform runs %q", p, reports.ProfileFilter(p), conform.ProfileFilter(p))
		}
	}
}

// TestRunWritesAVerifiableBundle runs the whole profile against the embedded
// reference in two shards, checks the merged bundle, opens its report.html in
// Chromium, tampers with it and checks that verify notices. The reference
// is the project's model of AWS: every conformance rule must pass against
// it, and its bundle must verify without a single problem.
func TestRunWritesAVerifiableBundle(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	out, code := kmsconform(t, "run", "--parallel", "2", "--report-dir", dir)
	if code != 0 {
		t.Fatalf("run against the embedded reference exited %d, want 0:\n%s", code, out)
	}
	if !regexp.MustCompile(`(?m)^\[shard [12]\] \[ *1/\d+\] `).MatchString(out) {
		t.Errorf("no progress lines from the shards:\n%s", out)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	want := append(reports.BundleFiles(), reports.SumsFile)
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Fatalf("bundle holds %v, want %v", names, want)
	}

	res, err := reports.ReadResults(dir)
	if err != nil {
		t.Fatal(err)
	}
	if res.LabelFilter != conform.ProfileFilter(profile.P2022) {
		t.Errorf("merged label filter %q, want the profile's", res.LabelFilter)
	}
	if !res.Passed() || len(res.BlockingRules()) != 0 || len(res.IncompleteRules()) != 0 {
		t.Errorf("exit 0 but the results say passed=%v, blocking %v, passed with unchecked cases %v", res.Passed(), res.BlockingRules(), res.IncompleteRules())
	}
	// Every rule of the profile ran: none without a spec, none disabled (the
	// reference provides every capability), no case left unasserted.
	for _, r := range res.Rules {
		if r.Status == reports.StatusSkip || r.Status == reports.StatusDisabled || len(r.Unchecked)+len(r.Disabled) > 0 {
			t.Errorf("%s against the reference: %s, unchecked cases %q, disabled cases %q", r.ID, r.Status, r.Unchecked, r.Disabled)
		}
	}
	report, err := reports.ReadReport(dir)
	if err != nil {
		t.Fatal(err)
	}
	if report.SuiteConfig.LabelFilter != res.LabelFilter {
		t.Errorf("report.json label filter %q, results.json %q", report.SuiteConfig.LabelFilter, res.LabelFilter)
	}
	junit, err := os.ReadFile(filepath.Join(dir, reports.JUnitFile))
	if err != nil {
		t.Fatal(err)
	}
	var doc reporters.JUnitTestSuites
	if err := xml.Unmarshal(junit, &doc); err != nil {
		t.Fatalf("junit.xml: %v", err)
	}
	name := regexp.MustCompile(`^IMP-[0-9]{3} [^\[\]]+$`)
	for _, tc := range doc.TestSuites[0].TestCases {
		if !name.MatchString(tc.Name) {
			t.Errorf("JUnit test name %q is not `IMP-NNN spec text`", tc.Name)
		}
	}

	// verify: a development run of this tree is accepted with --allow-devel,
	// with no problem at all.
	out, err = reportCommand("verify", "--allow-devel", dir)
	if err != nil || strings.Contains(out, "problem: ") || !strings.Contains(out, "OK: ") {
		t.Errorf("verify --allow-devel of the reference's bundle: %v (exit %d), want exit 0 and no problem:\n%s", err, exitCode(err), out)
	}

	t.Run("report.html in Chromium", func(t *testing.T) { checkRealReportPage(t, dir, res) })

	// Without --allow-devel a development bundle does not certify.
	out, err = reportCommand("verify", dir)
	if err == nil || exitCode(err) != 1 || !strings.Contains(out, "not certifiable") {
		t.Errorf("verify of a development bundle without --allow-devel: %v\n%s", err, out)
	}

	// Tampering with results.json is found, and render refuses to re-hash it.
	resultsPath := filepath.Join(dir, reports.ResultsFile)
	data, err := os.ReadFile(resultsPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(resultsPath, bytes.Replace(data, []byte(`"status": "pass"`), []byte(`"status": "fail"`), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err = reportCommand("verify", "--allow-devel", dir)
	if err == nil || !strings.Contains(out, "problem: results.json does not match its hash in SHA256SUMS") {
		t.Errorf("verify of a tampered bundle: %v\n%s", err, out)
	}
	if _, err := reportCommand("render", dir); err == nil || exitCode(err) != 1 {
		t.Errorf("render of a tampered bundle: %v, want a refusal (exit 1)", err)
	}
}

// TestBaselineOnRealRuns records a baseline of a run against a faulty
// reference and checks the three outcomes on real runs: exactly the known
// failures, an unexpected pass, a regression.
func TestBaselineOnRealRuns(t *testing.T) {
	tmp := t.TempDir()
	rules := []string{"--label-filter", "IMP-057 || IMP-058"}
	faulty := filepath.Join(tmp, "faulty")
	out, code := kmsconform(t, append([]string{"run", "--mutant", "accept-foreign-token", "--report-dir", faulty}, rules...)...)
	if code != 1 || !strings.Contains(out, "IMP-057") {
		t.Fatalf("a run against accept-foreign-token exited %d; want IMP-057 to fail:\n%s", code, out)
	}
	baseline, err := reportCommand("baseline", "--implementation", "reference-accept-foreign-token", faulty)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := reports.ParseBaseline([]byte(baseline), "generated")
	if err != nil || len(parsed.Entries) != 1 || parsed.Entries[0].Rule != "IMP-057" || !strings.Contains(parsed.Entries[0].Observed, "got success") {
		t.Fatalf("generated baseline (%v):\n%s", err, baseline)
	}
	file := filepath.Join(tmp, "baseline.yaml")
	if err := os.WriteFile(file, []byte(baseline), 0o644); err != nil {
		t.Fatal(err)
	}

	out, code = kmsconform(t, append([]string{"run", "--mutant", "accept-foreign-token", "--baseline", file}, rules...)...)
	if code != 0 || !strings.Contains(out, ": PASS") {
		t.Errorf("the known failure only: exit %d, want 0:\n%s", code, out)
	}

	fixed := filepath.Join(tmp, "fixed")
	out, code = kmsconform(t, append([]string{"run", "--baseline", file, "--report-dir", fixed}, rules...)...)
	if code != 1 || !strings.Contains(out, "UNEXPECTED PASS IMP-057") || !strings.Contains(out, "remove the entry from "+file) {
		t.Errorf("the known failure fixed: exit %d, want 1 with the unexpected pass explained:\n%s", code, out)
	}
	summary, err := os.ReadFile(filepath.Join(fixed, reports.SummaryFile))
	if err != nil || !strings.Contains(string(summary), "Unexpected passes") {
		t.Errorf("summary.md does not show the unexpected pass (%v):\n%s", err, summary)
	}

	empty := filepath.Join(tmp, "empty.yaml")
	if err := os.WriteFile(empty, []byte(strings.SplitN(baseline, "entries:", 2)[0]+"entries: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, code = kmsconform(t, append([]string{"run", "--mutant", "accept-foreign-token", "--baseline", empty}, rules...)...)
	if code != 1 || !strings.Contains(out, "REGRESSION      IMP-057") {
		t.Errorf("a failure missing from the baseline: exit %d, want 1 with the regression:\n%s", code, out)
	}

	// diff: the fixed run against the faulty one.
	out, err = reportCommand("diff", faulty, filepath.Join(fixed, reports.ResultsFile))
	if err != nil || !strings.Contains(out, "newly passing (1):") || !strings.Contains(out, "IMP-057 fail        -> pass") {
		t.Errorf("diff faulty fixed: %v\n%s", err, out)
	}
	out, err = reportCommand("diff", fixed, faulty)
	if err == nil || exitCode(err) != 1 || !strings.Contains(out, "regressed (1):") {
		t.Errorf("diff fixed faulty: %v, want exit 1 with the regression\n%s", err, out)
	}
}

func TestRunRefusesBadInputsBeforeRunning(t *testing.T) {
	tmp := t.TempDir()
	busy := filepath.Join(tmp, "busy")
	if err := os.MkdirAll(busy, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(busy, "notes.txt"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	wrongProfile := filepath.Join(tmp, "b.yaml")
	if err := os.WriteFile(wrongProfile, []byte("format: kmsconform-baseline/v1\nimplementation: x\nprofile: \"2023\"\nsuiteVersion: devel\nentries: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "--report-dir", busy}, "holds files that are not part of a report bundle (notes.txt)"},
		{[]string{"run", "--parallel", "2", "--report-dir", busy}, "holds files that are not part of a report bundle"},
		{[]string{"run", "--baseline", filepath.Join(tmp, "missing.yaml")}, "baseline: open"},
		{[]string{"run", "--baseline", wrongProfile}, "recorded for profile 2023, the run claims profile 2022"},
	} {
		out, code := kmsconform(t, c.args...)
		if code != 2 || !strings.Contains(out, c.want) {
			t.Errorf("kmsconform %v: exit %d, want 2 with %q:\n%s", c.args, code, c.want, out)
		}
		if strings.Contains(out, "Running Suite") {
			t.Errorf("kmsconform %v ran the suite before refusing", c.args)
		}
	}
}

func TestReportUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"verify"},
		{"verify", "a", "b"},
		{"diff", "a"},
		{"diff", "nowhere", "nowhere"},
		{"render"},
		{"baseline"},
		{"baseline", "nowhere"},
	} {
		if _, err := reportCommand(args...); err == nil || exitCode(err) != 2 {
			t.Errorf("report %v: %v (exit %d), want a usage error (exit 2)", args, err, exitCode(err))
		}
	}
	out, err := reportCommand("verify", filepath.Join(t.TempDir(), "nowhere"))
	if err == nil || exitCode(err) != 1 || !strings.Contains(out, "is not a directory") {
		t.Errorf("verify of a missing directory: %v\n%s", err, out)
	}
	if _, err := reportCommand("release-entry"); err == nil || !strings.Contains(err.Error(), "development build") {
		t.Errorf("release-entry of a development build: %v", err)
	}
	// A release version without a commit (a test binary records none, as a
	// build outside a checkout would not) has no entry to print.
	if version.Get().Commit == "" {
		saved := version.Version
		version.Version = "v9.9.9"
		_, err := reportCommand("release-entry")
		version.Version = saved
		if err == nil || !strings.Contains(err.Error(), "records no git commit") {
			t.Errorf("release-entry of a release build without a commit: %v", err)
		}
	}
}

// checkRealReportPage opens the report.html of a real run in Chromium and
// checks that the matrix shows one chip and the list one row per rule of the
// profile, counted from the catalogue rather than from the page's own
// results, and every rule passing.
func checkRealReportPage(t *testing.T, dir string, res reports.Results) {
	cat := conform.Catalogue()
	p := profile.Profile(res.Profile)
	var want []string
	for _, rule := range cat.InProfile(p) {
		if !cat.IsIneligible(rule.ID) {
			want = append(want, rule.ID)
		}
	}
	slices.Sort(want)
	page := reportstest.Open(t, filepath.Join(dir, reports.HTMLFile))
	if got := page.Visible("#matrix .chip"); got != strings.Join(want, " ") {
		t.Errorf("the matrix shows %d chips, the profile has %d rules:\nchips %s\nrules %s", len(strings.Fields(got)), len(want), got, strings.Join(want, " "))
	}
	if got := page.Visible("tr.rule"); got != strings.Join(want, " ") {
		t.Errorf("the list shows %d rows, the profile has %d rules", len(strings.Fields(got)), len(want))
	}
	if got := page.Visible(`#matrix .chip[data-status="pass"]`); got != strings.Join(want, " ") {
		t.Errorf("pass chips %q: every rule passes against the reference", got)
	}
	if got := page.Eval(`document.getElementById("shown").textContent`); got != fmt.Sprintf("%d of %d rules", len(want), len(want)) {
		t.Errorf("counter %q, want all %d rules shown", got, len(want))
	}
	page.Screenshot("report-reference-" + res.Profile + ".png")
}

// TestSpecNamesAreUnique guards the JUnit names: a test case is named by its
// spec's text alone, so two specs of one profile with one text would merge
// in CI history.
func TestSpecNamesAreUnique(t *testing.T) {
	report := ginkgo.PreviewSpecs("kmsconform spec names")
	seen := map[string]bool{}
	for _, spec := range report.SpecReports {
		if spec.LeafNodeType != types.NodeTypeIt {
			continue
		}
		for _, label := range spec.Labels() {
			if p, ok := strings.CutPrefix(label, "profile:"); ok {
				key := p + ": " + spec.LeafNodeText
				if seen[key] {
					t.Errorf("two specs of profile %s are named %q: give one of them a text of its own", p, spec.LeafNodeText)
				}
				seen[key] = true
			}
		}
	}
	if len(seen) == 0 {
		t.Fatal("no specs are linked into kmsconform")
	}
}
