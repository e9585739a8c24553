package reports

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kmsconform/kmsconform/harness/profile"
	"github.com/kmsconform/kmsconform/harness/version"
	"github.com/kmsconform/kmsconform/suites/catalogue"
)

// VerifyOptions is what a verification checks a bundle against: the
// verifying binary's own catalogue and version, and the released versions.
type VerifyOptions struct {
	Catalogue *catalogue.Catalogue
	Binary    version.Info
	Releases  []Release
	// AllowDevel accepts a bundle from a development build, or from a
	// release build not in Releases, as long as its catalogue is the
	// verifying binary's: a check, never a certification.
	AllowDevel bool
}

// Verification is the outcome of checking a bundle: every problem found
// (the bundle certifies only when there is none) and notes that do not
// block, such as provisional failures.
type Verification struct {
	Results  Results
	Problems []string
	Notes    []string
}

// OK reports whether the bundle certifies its target for its profile.
func (v Verification) OK() bool { return len(v.Problems) == 0 }

func (v *Verification) problem(format string, args ...any) {
	v.Problems = append(v.Problems, fmt.Sprintf(format, args...))
}

func (v *Verification) note(format string, args ...any) {
	v.Notes = append(v.Notes, fmt.Sprintf(format, args...))
}

// Verify checks a certification bundle, in the spirit of Kubernetes'
// verify-conformance bot, and reports every problem rather than the first:
//
//   - the files: SHA256SUMS lists exactly the bundle's files, all present,
//     all matching (this catches corruption and edits, not forgery: the
//     hashes are not a signature);
//   - the suite: a version listed in releases.yaml, with that release's
//     catalogue hash and, when both record one, its commit; with
//     AllowDevel, any other build with the verifying binary's catalogue, as
//     a note and never a certification;
//   - the selection: specs selected by the profile only (label filter
//     exactly `profile: containsAny P`), no focus or skip, no dry run;
//   - completeness: every conformance rule of the profile was run, none
//     failed or errored, the suite itself did not fail;
//   - consistency: results.json says what Ginkgo's report.json says.
func Verify(dir string, opts VerifyOptions) Verification {
	var v Verification
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		v.problem("%s is not a directory: give the --report-dir of a run", dir)
		return v
	}
	v.checkFiles(dir)

	res, err := ReadResults(dir)
	if err != nil {
		v.problem("%v", err)
		return v
	}
	v.Results = res
	cat := v.checkSuite(res, opts)
	v.checkSelection(res)
	v.checkOutcome(res, cat)
	if cat != nil {
		v.checkConsistency(dir, res, cat)
	}
	return v
}

func (v *Verification) checkFiles(dir string) {
	sums, err := ReadSums(dir)
	if err != nil {
		v.problem("%v", err)
		return
	}
	for _, name := range BundleFiles() {
		if _, listed := sums[name]; !listed {
			v.problem("%s is not listed in %s: a bundle lists every one of its files", name, SumsFile)
		}
	}
	listed := make([]string, 0, len(sums))
	for name := range sums {
		listed = append(listed, name)
	}
	slices.Sort(listed)
	for _, name := range listed {
		got, err := FileSHA256(filepath.Join(dir, name))
		switch {
		case os.IsNotExist(err):
			v.problem("%s is listed in %s but missing from the bundle", name, SumsFile)
		case err != nil:
			v.problem("%s: %v", name, err)
		case got != sums[name]:
			v.problem("%s does not match its hash in %s: it was changed after the run (or the bundle was damaged in transfer)", name, SumsFile)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		v.problem("%v", err)
		return
	}
	for _, e := range entries {
		if _, ok := sums[e.Name()]; !ok && e.Name() != SumsFile {
			v.problem("%s is in the bundle but not listed in %s: a bundle holds nothing else", e.Name(), SumsFile)
		}
	}
}

// checkSuite checks the suite version and catalogue, and returns the
// catalogue the bundle's rules can be checked against: the verifying
// binary's when the hashes match, else nil.
func (v *Verification) checkSuite(res Results, opts VerifyOptions) *catalogue.Catalogue {
	bundle, binary := res.Suite, opts.Binary
	binaryHash := opts.Catalogue.Hash()
	releaseIdx := slices.IndexFunc(opts.Releases, func(r Release) bool { return r.Version == bundle.Version })
	switch {
	case IsReleaseBuild(bundle) && releaseIdx >= 0:
		release := opts.Releases[releaseIdx]
		if res.CatalogueHash != release.CatalogueHash {
			v.problem("catalogue hash %s differs from the one kmsconform %s was released with (%s): the rules were changed; rerun with an unmodified release", res.CatalogueHash, bundle.Version, release.CatalogueHash)
			return nil
		}
		// A binary installed with `go install ...@vX.Y.Z` carries no commit
		// (the module proxy and checksum database vouch for its source
		// instead); one built from a checkout does, and it must be the
		// release's, or the version was stamped on other code.
		if release.Commit != "" && bundle.Commit != "" && bundle.Commit != release.Commit {
			v.problem("the bundle was made by kmsconform %s built from commit %s, but %s was released from commit %s: the version was stamped on another tree; rerun with the released kmsconform (go install github.com/kmsconform/kmsconform/cmd/kmsconform@%s)", bundle.Version, bundle.Commit, bundle.Version, release.Commit, bundle.Version)
			return nil
		}
	case IsReleaseBuild(bundle) && !opts.AllowDevel:
		v.problem("suite version %s is not a known release (not in reports/releases.yaml of kmsconform %s): run a released kmsconform, or verify with a newer one (--allow-devel checks it as a development build)", bundle.Version, binary.Version)
		return nil
	default:
		what := fmt.Sprintf("the bundle was made by a development build of kmsconform (version %s%s)", bundle.Version, modifiedText(bundle))
		if IsReleaseBuild(bundle) {
			// A release build not (yet) listed: the release being made, checked
			// before its entry is added. It certifies only once listed.
			what = fmt.Sprintf("the bundle was made by kmsconform %s, which is not in reports/releases.yaml of kmsconform %s", bundle.Version, binary.Version)
		}
		if res.CatalogueHash != binaryHash {
			v.problem("%s with catalogue %s, and this kmsconform has catalogue %s: a development bundle verifies only with the binary's own catalogue", what, res.CatalogueHash, binaryHash)
			return nil
		}
		if opts.AllowDevel {
			v.note("%s: accepted with --allow-devel, but it is not a certification", what)
		} else {
			v.problem("%s: not certifiable; run a released kmsconform (or pass --allow-devel to check it anyway)", what)
		}
	}
	if res.CatalogueHash != binaryHash {
		v.problem("the bundle's catalogue %s (kmsconform %s) is not this kmsconform's (%s, version %s), so its completeness cannot be checked here: verify with kmsconform %s", res.CatalogueHash, bundle.Version, binaryHash, binary.Version, bundle.Version)
		return nil
	}
	return opts.Catalogue
}

func modifiedText(v version.Info) string {
	if v.Modified {
		return ", built from a modified tree"
	}
	return ""
}

func (v *Verification) checkSelection(res Results) {
	p, err := profile.Parse(res.Profile)
	if err != nil {
		v.problem("results.json: profile: %v", err)
		return
	}
	if want := ProfileFilter(p); res.LabelFilter != want {
		v.problem("the run selected specs with label filter %q; a certifying run selects by profile only (%q): rerun without --label-filter", res.LabelFilter, want)
	}
	for _, sel := range []struct {
		what   string
		values []string
	}{{"focus strings", res.FocusStrings}, {"skip strings", res.SkipStrings}, {"focus files", res.FocusFiles}, {"skip files", res.SkipFiles}} {
		if len(sel.values) > 0 {
			v.problem("the run used %s %q: a certifying run has no focus or skip; rerun without them", sel.what, sel.values)
		}
	}
	if res.ProgrammaticFocus {
		v.problem("the suite had programmatic focus (FIt, FDescribe...): it is not the released suite; rerun with an unmodified kmsconform")
	}
	if res.DryRun {
		v.problem("the run was a dry run: no spec was run; rerun without --dry-run")
	}
}

// checkOutcome checks what the run found: no suite failure, every
// conformance rule of the profile run, none blocking.
func (v *Verification) checkOutcome(res Results, cat *catalogue.Catalogue) {
	for _, f := range res.SuiteFailures {
		v.problem("the suite itself failed: %s", firstLine(f))
	}
	byID := map[string]RuleResult{}
	for _, r := range res.Rules {
		byID[r.ID] = r
	}
	if cat != nil {
		p := profile.Profile(res.Profile)
		for _, rule := range cat.InProfile(p) {
			if cat.IsIneligible(rule.ID) {
				continue
			}
			if _, ok := byID[rule.ID]; !ok {
				v.problem("%s (%s) is missing from results.json: every rule of profile %s must be reported", rule.ID, rule.Title, p)
			}
		}
		for _, r := range res.Rules {
			if rule, ok := cat.Rule(r.ID); !ok || !rule.InProfile(p) || cat.IsIneligible(r.ID) {
				v.problem("%s is in results.json but not a rule of profile %s", r.ID, p)
			}
		}
	}
	var disabled, disabledCases, unsupported, provisional []string
	for _, r := range res.Rules {
		switch {
		case r.Blocks():
			v.problem("%s %s: %s; observed %s", r.ID, r.Title, r.Status, strings.Join(r.observed(), "; "))
		case r.Status.Failed():
			provisional = append(provisional, r.ID)
		case r.Status == StatusSkip && r.Tier != string(catalogue.Provisional) && len(r.Specs) == 0:
			v.problem("%s %s has no spec in kmsconform %s: a suite version certifies a profile only once every conformance rule has a spec", r.ID, r.Title, res.Suite.Version)
		case r.Status == StatusSkip && r.Tier != string(catalogue.Provisional):
			v.problem("%s %s was not run: a certifying run checks every conformance rule of the profile", r.ID, r.Title)
		case r.Status == StatusPass && len(r.Unchecked) > 0:
			v.problem("%s %s %s", r.ID, r.Title, r.incompleteText())
		case r.Status == StatusPass && len(r.Disabled) > 0:
			disabledCases = append(disabledCases, fmt.Sprintf("%s (%s)", r.ID, strings.Join(r.Disabled, ", ")))
		case r.Status == StatusDisabled:
			disabled = append(disabled, r.ID)
		case r.Status == StatusUnsupported:
			unsupported = append(unsupported, r.ID)
		}
	}
	if len(disabled) > 0 {
		v.note("%s disabled for capabilities the target did not declare (it declared: %s): %s", plural(len(disabled), "rule", "rules"), capabilitiesText(res), strings.Join(disabled, ", "))
	}
	if len(disabledCases) > 0 {
		v.note("%s passed with cases disabled for capabilities the target did not declare (it declared: %s): %s", plural(len(disabledCases), "rule", "rules"), capabilitiesText(res), strings.Join(disabledCases, "; "))
	}
	if len(unsupported) > 0 {
		v.note("%s unsupported (an optional, provisional feature answered UnsupportedOperationException): %s", plural(len(unsupported), "rule", "rules"), strings.Join(unsupported, ", "))
	}
	if len(provisional) > 0 {
		v.note("%s failed in provisional specs only (reported, not blocking): %s", plural(len(provisional), "rule", "rules"), strings.Join(provisional, ", "))
	}
}

func capabilitiesText(res Results) string {
	return listOrNone(res.Capabilities)
}

// checkConsistency rebuilds the results from Ginkgo's report.json and
// compares them with results.json, so an edit to one alone is found.
func (v *Verification) checkConsistency(dir string, res Results, cat *catalogue.Catalogue) {
	report, err := ReadReport(dir)
	if err != nil {
		v.problem("%v", err)
		return
	}
	rebuilt := Build(report, cat, Run{
		Profile: profile.Profile(res.Profile), Capabilities: res.Capabilities, Strict: res.Strict,
		Target: res.Target, Config: res.Config,
	})
	if rebuilt.LabelFilter != res.LabelFilter || !slices.Equal(rebuilt.FocusStrings, res.FocusStrings) ||
		!slices.Equal(rebuilt.SkipStrings, res.SkipStrings) || !slices.Equal(rebuilt.FocusFiles, res.FocusFiles) ||
		!slices.Equal(rebuilt.SkipFiles, res.SkipFiles) || rebuilt.ProgrammaticFocus != res.ProgrammaticFocus ||
		rebuilt.DryRun != res.DryRun {
		v.problem("results.json and %s disagree on how specs were selected (label filter %q against %q)", ReportFile, res.LabelFilter, rebuilt.LabelFilter)
	}
	got := map[string]RuleResult{}
	for _, r := range res.Rules {
		got[r.ID] = r
	}
	for _, want := range rebuilt.Rules {
		r, ok := got[want.ID]
		if !ok {
			continue // reported as missing by checkOutcome
		}
		if r.Status != want.Status || !slices.Equal(specOutcomes(r), specOutcomes(want)) {
			v.problem("%s: results.json says %s, %s says %s: one of them was changed after the run", want.ID, r.Status, ReportFile, want.Status)
		}
	}
	for status, n := range res.Summary {
		if n != countStatus(res.Rules, status) {
			v.problem("results.json: summary counts %d %s rules, its rules list %d", n, status, countStatus(res.Rules, status))
		}
	}
	if !slices.Equal(res.Blocking, res.BlockingRules()) {
		v.problem("results.json: blocking lists %v, its rules say %v", res.Blocking, res.BlockingRules())
	}
}

// specOutcomes is a rule's specs as sorted "name: tier status" lines.
func specOutcomes(r RuleResult) []string {
	out := make([]string, len(r.Specs))
	for i, s := range r.Specs {
		out[i] = fmt.Sprintf("%s: %s %s", s.Name, s.Tier, s.Status)
	}
	slices.Sort(out)
	return out
}

func countStatus(rules []RuleResult, s Status) int {
	n := 0
	for _, r := range rules {
		if r.Status == s {
			n++
		}
	}
	return n
}

// ProfileFilter is the label filter a certifying run of profile p uses, as
// the conform package builds it.
func ProfileFilter(p profile.Profile) string {
	return fmt.Sprintf("profile: containsAny %s", p)
}
