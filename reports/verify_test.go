package reports

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/kmsconform/kmsconform/harness/version"
)

// verifyOptions are the options of a verifying binary of the fixture's
// release, with the fixture catalogue.
func verifyOptions(t *testing.T) VerifyOptions {
	cat := fixtureCatalogue(t)
	return VerifyOptions{Catalogue: cat, Binary: fixtureVersion, Releases: fixtureReleases(cat)}
}

// expectProblem asserts that verification failed with a problem containing
// each of the given texts.
func expectProblem(t *testing.T, v Verification, texts ...string) {
	t.Helper()
	if v.OK() {
		t.Fatalf("the bundle was accepted; want a problem mentioning %q", texts)
	}
	all := strings.Join(v.Problems, "\n")
	for _, text := range texts {
		if !strings.Contains(all, text) {
			t.Errorf("no problem mentions %q; problems:\n%s", text, all)
		}
	}
}

// editResults rewrites results.json of a bundle, optionally refreshing
// SHA256SUMS as a careless (or dishonest) editor would.
func editResults(t *testing.T, dir string, edit func(*Results), rehash bool) {
	t.Helper()
	res, err := ReadResults(dir)
	if err != nil {
		t.Fatal(err)
	}
	edit(&res)
	if err := WriteResults(dir, res); err != nil {
		t.Fatal(err)
	}
	if rehash {
		if err := WriteSums(dir); err != nil {
			t.Fatal(err)
		}
	}
}

func TestVerifyAcceptsACertifyingBundle(t *testing.T) {
	dir := writeBundle(t, passingReport())
	v := Verify(dir, verifyOptions(t))
	if !v.OK() {
		t.Fatalf("a complete, passing bundle of a release was rejected:\n%s", strings.Join(v.Problems, "\n"))
	}
	if len(v.Notes) != 1 || !strings.Contains(v.Notes[0], "IMP-004") {
		t.Errorf("notes %q: want the disabled rule IMP-004 noted", v.Notes)
	}
	// The sums are sha256sum's own format.
	if _, err := exec.LookPath("sha256sum"); err == nil {
		cmd := exec.Command("sha256sum", "--check", "--strict", SumsFile)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("sha256sum -c rejects SHA256SUMS: %v\n%s", err, out)
		}
	}
}

func TestVerifyRejectsAFailedRule(t *testing.T) {
	v := Verify(writeBundle(t, fixtureReport()), verifyOptions(t))
	expectProblem(t, v, "IMP-001 Import token must belong to the key: fail; observed case other-key", "IMP-005 ValidTo is at most 365 days ahead has no spec")
	for _, p := range v.Problems {
		if strings.Contains(p, "IMP-002") || strings.Contains(p, "IMP-003") {
			t.Errorf("a provisional failure is a problem: %s", p)
		}
	}
	if !strings.Contains(strings.Join(v.Notes, "\n"), "failed in provisional specs only (reported, not blocking): IMP-002, IMP-003") {
		t.Errorf("notes %q do not list the provisional failures", v.Notes)
	}
}

func TestVerifyRejectsTamperedResults(t *testing.T) {
	flip := func(r *Results) {
		for i := range r.Rules {
			if r.Rules[i].ID == "IMP-005" {
				r.Rules[i].Status = StatusDisabled
			}
		}
	}
	t.Run("hash mismatch", func(t *testing.T) {
		dir := writeBundle(t, passingReport())
		editResults(t, dir, flip, false)
		expectProblem(t, Verify(dir, verifyOptions(t)), "results.json does not match its hash in SHA256SUMS")
	})
	t.Run("rehashed", func(t *testing.T) {
		dir := writeBundle(t, passingReport())
		editResults(t, dir, flip, true)
		expectProblem(t, Verify(dir, verifyOptions(t)), "IMP-005: results.json says disabled, report.json says pass")
	})
}

func TestVerifyRejectsAMissingRule(t *testing.T) {
	dir := writeBundle(t, passingReport())
	editResults(t, dir, func(r *Results) {
		r.Rules = r.Rules[:len(r.Rules)-1]
	}, true)
	expectProblem(t, Verify(dir, verifyOptions(t)), "IMP-005 (ValidTo is at most 365 days ahead) is missing from results.json")
}

func TestVerifyRejectsSelection(t *testing.T) {
	cases := map[string]struct {
		edit func(*types.Report)
		want string
	}{
		"focus":        {func(r *types.Report) { r.SuiteConfig.FocusStrings = []string{"IMP-00"} }, `focus strings ["IMP-00"]`},
		"skip":         {func(r *types.Report) { r.SuiteConfig.SkipStrings = []string{"IMP-005"} }, `skip strings ["IMP-005"]`},
		"label filter": {func(r *types.Report) { r.SuiteConfig.LabelFilter = "(area:token) && profile: containsAny 2022" }, `label filter "(area:token) && profile: containsAny 2022"`},
		"programmatic": {func(r *types.Report) { r.SuiteHasProgrammaticFocus = true }, "programmatic focus"},
		"dry run":      {func(r *types.Report) { r.SuiteConfig.DryRun = true }, "dry run"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			report := passingReport()
			c.edit(&report)
			expectProblem(t, Verify(writeBundle(t, report), verifyOptions(t)), c.want)
		})
	}
}

func TestVerifyRejectsUnknownVersion(t *testing.T) {
	dir := writeBundle(t, passingReport())
	editResults(t, dir, func(r *Results) { r.Suite.Version = "v9.9.9" }, true)
	expectProblem(t, Verify(dir, verifyOptions(t)), "suite version v9.9.9 is not a known release")
}

func TestVerifyRejectsChangedCatalogue(t *testing.T) {
	dir := writeBundle(t, passingReport())
	editResults(t, dir, func(r *Results) { r.CatalogueHash = strings.Repeat("ab", 32) }, true)
	expectProblem(t, Verify(dir, verifyOptions(t)), "differs from the one kmsconform v0.1.0 was released with")
}

func TestVerifyDevelopmentBundles(t *testing.T) {
	devel := func(t *testing.T) string {
		dir := writeBundle(t, passingReport())
		editResults(t, dir, func(r *Results) { r.Suite = version.Info{Version: "v0.0.0-20260101000000-0123456789ab"} }, true)
		return dir
	}
	opts := verifyOptions(t)
	opts.Binary = version.Info{Version: "devel"}
	expectProblem(t, Verify(devel(t), opts), "development build", "not certifiable", "--allow-devel")

	opts.AllowDevel = true
	if v := Verify(devel(t), opts); !v.OK() {
		t.Errorf("--allow-devel rejected a development bundle with the binary's catalogue:\n%s", strings.Join(v.Problems, "\n"))
	}

	dir := devel(t)
	editResults(t, dir, func(r *Results) { r.CatalogueHash = strings.Repeat("cd", 32) }, true)
	expectProblem(t, Verify(dir, opts), "a development bundle verifies only with the binary's own catalogue")

	// A release version built from a modified tree is a development build.
	dir = writeBundle(t, passingReport())
	editResults(t, dir, func(r *Results) { r.Suite.Modified = true }, true)
	expectProblem(t, Verify(dir, verifyOptions(t)), "built from a modified tree")
}

func TestVerifyRejectsAnUnlistedRelease(t *testing.T) {
	// A release build missing from releases.yaml does not certify, not even
	// when the verifying binary claims the same version: a version string
	// is only a -ldflags away.
	opts := verifyOptions(t)
	opts.Releases = nil
	expectProblem(t, Verify(writeBundle(t, passingReport()), opts), "suite version v0.1.0 is not a known release")

	// With --allow-devel it is checked, as the release being made is before
	// its entry is added, and noted as no certification.
	opts.AllowDevel = true
	v := Verify(writeBundle(t, passingReport()), opts)
	if !v.OK() {
		t.Fatalf("--allow-devel rejected an unlisted release build:\n%s", strings.Join(v.Problems, "\n"))
	}
	if !slices.ContainsFunc(v.Notes, func(n string) bool {
		return strings.Contains(n, "not in reports/releases.yaml") && strings.Contains(n, "not a certification")
	}) {
		t.Errorf("notes %q: want the unlisted release noted as no certification", v.Notes)
	}
}

func TestVerifyReleaseCommit(t *testing.T) {
	opts := verifyOptions(t)
	opts.Releases[0].Commit = fixtureVersion.Commit
	if v := Verify(writeBundle(t, passingReport()), opts); !v.OK() {
		t.Fatalf("a bundle of the released commit was rejected:\n%s", strings.Join(v.Problems, "\n"))
	}

	other := strings.Repeat("9", 40)
	dir := writeBundle(t, passingReport())
	editResults(t, dir, func(r *Results) { r.Suite.Commit = other }, true)
	expectProblem(t, Verify(dir, opts), "built from commit "+other, "released from commit "+fixtureVersion.Commit)
	opts.AllowDevel = true
	expectProblem(t, Verify(dir, opts), "built from commit "+other) // a stamped version is no development build

	// `go install ...@vX.Y.Z` builds carry no commit: the module checksum
	// vouches for the source instead.
	opts.AllowDevel = false
	dir = writeBundle(t, passingReport())
	editResults(t, dir, func(r *Results) { r.Suite.Commit = "" }, true)
	if v := Verify(dir, opts); !v.OK() {
		t.Errorf("a bundle of a module-installed release (no commit) was rejected:\n%s", strings.Join(v.Problems, "\n"))
	}
}

func TestVerifyCrossVersionNeedsThatVersion(t *testing.T) {
	opts := verifyOptions(t)
	opts.Releases = append(opts.Releases, Release{Version: "v0.0.9", CatalogueHash: strings.Repeat("ef", 32)})
	dir := writeBundle(t, passingReport())
	editResults(t, dir, func(r *Results) {
		r.Suite.Version = "v0.0.9"
		r.CatalogueHash = strings.Repeat("ef", 32)
	}, true)
	expectProblem(t, Verify(dir, opts), "verify with kmsconform v0.0.9")
}

func TestVerifyFiles(t *testing.T) {
	t.Run("missing file", func(t *testing.T) {
		dir := writeBundle(t, passingReport())
		if err := os.Remove(filepath.Join(dir, HTMLFile)); err != nil {
			t.Fatal(err)
		}
		expectProblem(t, Verify(dir, verifyOptions(t)), "report.html is listed in SHA256SUMS but missing")
	})
	t.Run("extra file", func(t *testing.T) {
		dir := writeBundle(t, passingReport())
		if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("hi"), 0o644); err != nil {
			t.Fatal(err)
		}
		expectProblem(t, Verify(dir, verifyOptions(t)), "notes.txt is in the bundle but not listed in SHA256SUMS")
	})
	t.Run("unlisted bundle file", func(t *testing.T) {
		dir := writeBundle(t, passingReport())
		sums, err := os.ReadFile(filepath.Join(dir, SumsFile))
		if err != nil {
			t.Fatal(err)
		}
		var kept []string
		for _, line := range strings.SplitAfter(string(sums), "\n") {
			if !strings.HasSuffix(line, "junit.xml\n") {
				kept = append(kept, line)
			}
		}
		if err := os.WriteFile(filepath.Join(dir, SumsFile), []byte(strings.Join(kept, "")), 0o644); err != nil {
			t.Fatal(err)
		}
		expectProblem(t, Verify(dir, verifyOptions(t)), "junit.xml is not listed in SHA256SUMS", "junit.xml is in the bundle but not listed")
	})
	t.Run("no SHA256SUMS", func(t *testing.T) {
		dir := writeBundle(t, passingReport())
		if err := os.Remove(filepath.Join(dir, SumsFile)); err != nil {
			t.Fatal(err)
		}
		expectProblem(t, Verify(dir, verifyOptions(t)), "SHA256SUMS")
	})
	t.Run("bad SHA256SUMS", func(t *testing.T) {
		dir := writeBundle(t, passingReport())
		if err := os.WriteFile(filepath.Join(dir, SumsFile), []byte("not a sum\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		expectProblem(t, Verify(dir, verifyOptions(t)), "is not `SHA256  FILE`")
	})
	t.Run("not a directory", func(t *testing.T) {
		expectProblem(t, Verify(filepath.Join(t.TempDir(), "nothing"), verifyOptions(t)), "is not a directory")
	})
	t.Run("not results", func(t *testing.T) {
		dir := writeBundle(t, passingReport())
		if err := os.WriteFile(filepath.Join(dir, ResultsFile), []byte(`{"format":"something-else"}`), 0o644); err != nil {
			t.Fatal(err)
		}
		expectProblem(t, Verify(dir, verifyOptions(t)), `format "something-else"`)
	})
}

func TestVerifyReportsEveryProblem(t *testing.T) {
	report := fixtureReport()
	report.SuiteConfig.FocusStrings = []string{"IMP-001"}
	dir := writeBundle(t, report)
	if err := os.WriteFile(filepath.Join(dir, "extra"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	expectProblem(t, Verify(dir, verifyOptions(t)), "extra is in the bundle", "focus strings", "IMP-001 Import token", "IMP-005")
}

func TestCheckReportDir(t *testing.T) {
	dir := t.TempDir()
	if err := CheckReportDir(filepath.Join(dir, "new")); err != nil {
		t.Errorf("a new directory: %v", err)
	}
	if err := CheckReportDir(writeBundle(t, fixtureReport())); err != nil {
		t.Errorf("a directory with an earlier bundle: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := CheckReportDir(dir); err == nil || !strings.Contains(err.Error(), "go.mod") {
		t.Errorf("a directory with other files: %v, want an error naming them", err)
	}
}

func TestRender(t *testing.T) {
	dir := writeBundle(t, fixtureReport())
	if err := os.Remove(filepath.Join(dir, HTMLFile)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, SummaryFile), []byte("stale"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Render(dir); err != nil {
		t.Fatal(err)
	}
	v := Verify(dir, verifyOptions(t))
	for _, p := range v.Problems {
		if strings.Contains(p, "SHA256SUMS") {
			t.Errorf("after render: %s", p)
		}
	}
	summary, _ := os.ReadFile(filepath.Join(dir, SummaryFile))
	if !strings.HasPrefix(string(summary), "# kmsconform: FAIL") {
		t.Errorf("summary.md was not re-rendered: %q", summary)
	}

	// Render refuses to re-hash an edited results.json.
	editResults(t, dir, func(r *Results) { r.Rules[0].Status = StatusPass }, false)
	if err := Render(dir); err == nil || !strings.Contains(err.Error(), "results.json does not match its hash") {
		t.Errorf("render of a tampered bundle: %v, want a refusal", err)
	}
}

func TestReleasesFile(t *testing.T) {
	if _, err := Releases(); err != nil {
		t.Fatalf("reports/releases.yaml: %v", err)
	}
	good := []byte("releases:\n  - version: v1.0.0\n    catalogueHash: " + strings.Repeat("a", 64) + "\n    commit: " + strings.Repeat("b", 40) + "\n")
	if rs, err := ParseReleases(good); err != nil || rs[0].Commit != strings.Repeat("b", 40) {
		t.Errorf("a release entry with a commit: %v %+v", err, rs)
	}
	bad := []byte("releases:\n  - version: v0.0.0-20260101000000-0123456789ab\n    catalogueHash: xyz\n  - version: v1.0.0\n    catalogueHash: " + strings.Repeat("a", 64) + "\n  - version: v1.0.0\n    catalogueHash: " + strings.Repeat("a", 64) + "\n    commit: 0123abc\n")
	_, err := ParseReleases(bad)
	for _, want := range []string{"is not a release version", "is not a lower-case hex SHA-256", "listed twice", `commit "0123abc" is not a full lower-case hex git commit id`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("bad releases list: %v, want %q", err, want)
		}
	}
	for v, want := range map[string]bool{"v1.2.3": true, "devel": false, "v1.2.3+dirty": false, "v0.0.0-20260101000000-0123456789ab": false, "v1.2.3-rc.1": true} {
		if IsReleaseVersion(v) != want {
			t.Errorf("IsReleaseVersion(%q) = %v, want %v", v, !want, want)
		}
	}
}

func TestMergeReportsAgreesWithMerge(t *testing.T) {
	// Two shards of the passing fixture, split by rule as `run --parallel`
	// splits them: shard 1 ran IMP-001, IMP-003 and IMP-005, shard 2 the
	// others; each reports the other's specs as not run.
	full := passingReport()
	shard := func(rules ...string) types.Report {
		r := passingReport()
		r.SuiteConfig.LabelFilter = "(" + strings.Join(rules, " || ") + ") && " + ProfileFilter("2022")
		for i := range r.SpecReports {
			s := &r.SpecReports[i]
			if s.LeafNodeType == types.NodeTypeIt && !slices.Contains(rules, ruleID(s.LeafNodeLabels)) {
				s.State, s.Failure, s.ReportEntries = types.SpecStateSkipped, types.Failure{}, nil
			}
		}
		return r
	}
	s1, s2 := shard("IMP-001", "IMP-003", "IMP-005"), shard("IMP-002", "IMP-004")
	merged, err := MergeReports([]types.Report{s1, s2}, ProfileFilter("2022"))
	if err != nil {
		t.Fatal(err)
	}
	fromReport := buildFixture(t, merged)
	fromResults, err := Merge([]Results{buildFixture(t, s1), buildFixture(t, s2)})
	if err != nil {
		t.Fatal(err)
	}
	want := buildFixture(t, full)
	a, _ := json.Marshal(fromReport.Rules)
	b, _ := json.Marshal(fromResults.Rules)
	c, _ := json.Marshal(want.Rules)
	if string(a) != string(c) || string(b) != string(c) {
		t.Errorf("merging shards differs from one run:\nreports: %s\nresults: %s\nwant:    %s", a, b, c)
	}
	if merged.SuiteConfig.LabelFilter != ProfileFilter("2022") {
		t.Errorf("merged label filter %q, want the whole run's", merged.SuiteConfig.LabelFilter)
	}
}

func TestVerifyRejectsAPassWithUncheckedCases(t *testing.T) {
	report := passingReport()
	for i := range report.SpecReports {
		if report.SpecReports[i].LeafNodeText == "IMP-005 rejects a ValidTo more than 365 days ahead" {
			report.SpecReports[i].ReportEntries = nil // the spec passed without asserting anything
		}
	}
	v := Verify(writeBundle(t, report), verifyOptions(t))
	if v.OK() || !strings.Contains(strings.Join(v.Problems, "\n"), "IMP-005") {
		t.Fatalf("a rule that passed without any asserted case was accepted: %q", v.Problems)
	}
}
