package mutation

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kmsconform/kmsconform/harness/profile"
	"github.com/kmsconform/kmsconform/harness/reference/mutant"
	"github.com/kmsconform/kmsconform/reports"
	"github.com/kmsconform/kmsconform/suites/catalogue"
)

func mustCatalogue(t *testing.T) *catalogue.Catalogue {
	t.Helper()
	cat, err := catalogue.Load()
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// fakeMutant claims IMP-057 and IMP-058 (both in every profile) and
// IMP-133 (multi-Region, no spec yet).
var fakeMutant = mutant.Mutant{Name: "fake", Area: "token", Rules: []string{"IMP-058", "IMP-057", "IMP-133"}}

func spec(name string, status reports.Status) reports.SpecResult {
	s := reports.SpecResult{Name: name, Status: status}
	switch status {
	case reports.StatusFail:
		s.Failure = "IMP-057: the target accepted a request that must be rejected"
	case reports.StatusDisabled:
		s.Reason = "needs capability second-account"
	}
	return s
}

func rule(id string, specs ...reports.SpecResult) reports.RuleResult {
	r := reports.RuleResult{ID: id, Specs: specs, Status: reports.StatusSkip}
	for _, s := range specs {
		if s.Status == reports.StatusFail || (s.Status == reports.StatusPass && r.Status != reports.StatusFail) {
			r.Status = s.Status
		}
		if s.Status == reports.StatusDisabled && r.Status == reports.StatusSkip {
			r.Status = s.Status
		}
	}
	return r
}

// results is a 2023 run's results with the given rules.
func results(rules ...reports.RuleResult) reports.Results {
	return reports.Results{Format: reports.Format, Profile: "2023", Rules: rules}
}

func result(res reports.Results) Result {
	return Result{Run: Run{Mutant: fakeMutant, Profile: profile.P2023}, Results: res, Took: 1500 * time.Millisecond}
}

func TestJudge(t *testing.T) {
	cat := mustCatalogue(t)
	pass, fail := reports.StatusPass, reports.StatusFail
	for _, tc := range []struct {
		name     string
		res      Result
		base     Baseline
		want     Verdict
		killing  []string
		unconf   []string
		unchkd   []string
		other    []string
		failed   bool
		evidence string
	}{
		{
			name: "killed by one claimed rule, another failing rule listed apart",
			res: result(results(
				rule("IMP-057", spec("IMP-057 passes", pass), spec("IMP-057 rejects a token of another key", fail)),
				rule("IMP-058", spec("IMP-058 a", fail)),
				rule("IMP-133"),
				rule("IMP-104", spec("IMP-104 b", fail)),
				rule("IMP-001", spec("IMP-001 c", pass)),
			)),
			want: Killed, killing: []string{"IMP-057", "IMP-058"}, unchkd: []string{"IMP-133"}, other: []string{"IMP-104"},
			evidence: "IMP-057 rejects a token of another key",
		},
		{
			name: "killed, with a claim its specs do not confirm",
			res: result(results(
				rule("IMP-057", spec("IMP-057 a", fail)),
				rule("IMP-058", spec("IMP-058 a", pass)),
				rule("IMP-133"),
			)),
			want: Killed, killing: []string{"IMP-057"}, unconf: []string{"IMP-058"}, unchkd: []string{"IMP-133"}, failed: true,
		},
		{
			name: "survived: the claimed rules' specs ran and passed",
			res: result(results(
				rule("IMP-057", spec("IMP-057 a", pass)),
				rule("IMP-058", spec("IMP-058 a", pass)),
				rule("IMP-133"),
			)),
			want: Survived, unconf: []string{"IMP-057", "IMP-058"}, unchkd: []string{"IMP-133"}, failed: true,
		},
		{
			name: "not killable: no spec of a claimed rule ran",
			res: result(results(
				rule("IMP-057", spec("IMP-057 a", reports.StatusDisabled)),
				rule("IMP-058"),
				rule("IMP-133"),
			)),
			want: NotKillable, unchkd: []string{"IMP-057", "IMP-058", "IMP-133"}, failed: true,
		},
		{
			name: "a rule that fails without the mutant does not kill it",
			res: result(results(
				rule("IMP-057", spec("IMP-057 a", fail)),
				rule("IMP-058", spec("IMP-058 a", fail)),
				rule("IMP-104", spec("IMP-104 a", fail)),
				rule("IMP-133"),
			)),
			base: Baseline{Profile: "2023", Failing: []string{"IMP-057", "IMP-104"}},
			want: Killed, killing: []string{"IMP-058"}, unchkd: []string{"IMP-057", "IMP-133"},
		},
		{
			name:   "broken: no results",
			res:    Result{Run: Run{Mutant: fakeMutant, Profile: profile.P2023}, Err: errors.New("exit status 2")},
			want:   Broken,
			failed: true,
		},
		{
			name:   "broken: the suite failed outside its specs",
			res:    result(reports.Results{Profile: "2023", SuiteFailures: []string{"BeforeSuite failed"}, Rules: []reports.RuleResult{rule("IMP-057", spec("x", reports.StatusError))}}),
			want:   Broken,
			failed: true,
		},
		{
			name:   "broken: results of another profile",
			res:    result(reports.Results{Profile: "2025", Rules: []reports.RuleResult{rule("IMP-057", spec("x", fail))}}),
			want:   Broken,
			failed: true,
		},
		{
			name:   "broken: the profile's run without a mutant broke",
			res:    result(results(rule("IMP-057", spec("x", fail)))),
			base:   Baseline{Profile: "2023", Error: "exit status 2"},
			want:   Broken,
			failed: true,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := Judge(tc.res, cat, tc.base)
			if o.Verdict != tc.want {
				t.Fatalf("verdict %s, want %s (%+v)", o.Verdict, tc.want, o)
			}
			if !slices.Equal(o.Claimed, []string{"IMP-057", "IMP-058", "IMP-133"}) {
				t.Errorf("claimed %v", o.Claimed)
			}
			var unchecked []string
			for _, u := range o.Unchecked {
				if u.Reason == "" {
					t.Errorf("%s unchecked without a reason", u.Rule)
				}
				unchecked = append(unchecked, u.Rule)
			}
			for what, got := range map[string][2][]string{
				"killing":     {o.Killing, tc.killing},
				"unconfirmed": {o.Unconfirmed, tc.unconf},
				"unchecked":   {unchecked, tc.unchkd},
				"other":       {o.Other, tc.other},
			} {
				if !slices.Equal(got[0], got[1]) {
					t.Errorf("%s %v, want %v", what, got[0], got[1])
				}
			}
			if o.Failed() != tc.failed {
				t.Errorf("Failed() = %t, want %t", o.Failed(), tc.failed)
			}
			if (o.Error != "") != (tc.want == Broken) {
				t.Errorf("error %q with verdict %s", o.Error, o.Verdict)
			}
			if tc.evidence != "" {
				if len(o.Evidence) == 0 || o.Evidence[0].Spec != tc.evidence || o.Evidence[0].Failure == "" {
					t.Errorf("evidence %+v, want the failed spec %q with its failure", o.Evidence, tc.evidence)
				}
			}
			if tc.res.Err == nil && o.Seconds != 1.5 {
				t.Errorf("seconds %v, want 1.5", o.Seconds)
			}
		})
	}
}

func TestJudgeReasons(t *testing.T) {
	cat := mustCatalogue(t)
	o := Judge(result(results(
		rule("IMP-057", spec("IMP-057 a", reports.StatusDisabled)),
		rule("IMP-058"),
	)), cat, Baseline{Profile: "2023"})
	want := []Unchecked{
		{"IMP-057", "its specs were disabled: needs capability second-account"},
		{"IMP-058", "no spec of the rule in profile 2023"},
		{"IMP-133", "the run has no result for it"},
	}
	if !slices.Equal(o.Unchecked, want) {
		t.Fatalf("unchecked %+v, want %+v", o.Unchecked, want)
	}
}

func TestEvidenceIsBounded(t *testing.T) {
	cat := mustCatalogue(t)
	long := spec("IMP-057 long", reports.StatusFail)
	for range 100 {
		long.Failure += "é very long failure message "
	}
	o := Judge(result(results(rule("IMP-057", long))), cat, Baseline{Profile: "2023"})
	if n := len([]rune(o.Evidence[0].Failure)); n > failureLimit+3 {
		t.Fatalf("evidence of %d characters", n)
	}
}

// specsOf says that the given rules, and no others, have a spec in profile
// 2023.
func specsOf(ids ...string) Specs {
	s := Specs{profile.P2023: map[string]bool{}}
	for _, id := range ids {
		s[profile.P2023][id] = true
	}
	return s
}

func TestJudgeBaseline(t *testing.T) {
	cat := mustCatalogue(t)
	b := JudgeBaseline(Result{Run: Clean(profile.P2023), Results: results(
		rule("IMP-057", spec("a", reports.StatusPass)),
		rule("IMP-104", spec("b", reports.StatusFail)),
	), Took: time.Second}, cat, specsOf("IMP-057", "IMP-104"))
	if b.Passed() || !slices.Equal(b.Failing, []string{"IMP-104"}) || len(b.NotRun) != 0 || b.Error != "" || b.Seconds != 1 {
		t.Fatalf("baseline %+v", b)
	}
	b = JudgeBaseline(Result{Run: Clean(profile.P2023), Results: results(rule("IMP-057", spec("a", reports.StatusPass)))}, cat, specsOf("IMP-057"))
	if !b.Passed() {
		t.Fatalf("baseline %+v", b)
	}
	b = JudgeBaseline(Result{Run: Clean(profile.P2023), Err: errors.New("no results")}, cat, specsOf("IMP-057"))
	if b.Passed() || b.Error == "" {
		t.Fatalf("baseline %+v", b)
	}
	if got := Clean(profile.P2025).String(); got != "no mutant in profile 2025" {
		t.Errorf("Clean().String() = %q", got)
	}
}

// TestJudgeBaselineNotRun: a clean run that did not run a conformance rule
// with a spec (skipped, disabled, missing from the results) does not pass,
// and says which rules and why; rules without a spec, provisional and
// ineligible rules are not demanded.
func TestJudgeBaselineNotRun(t *testing.T) {
	cat := mustCatalogue(t)
	skipped := spec("IMP-058 a", reports.StatusSkip)
	skipped.Reason = "a precondition was missing"
	res := results(
		rule("IMP-057", spec("IMP-057 a", reports.StatusPass), spec("IMP-057 b", reports.StatusDisabled)),
		rule("IMP-058", skipped),
		rule("IMP-104", spec("IMP-104 a", reports.StatusDisabled)),
		rule("IMP-001"),
		rule("IMP-035"), // provisional: never demanded
	)
	b := JudgeBaseline(Result{Run: Clean(profile.P2023), Results: res}, cat, specsOf("IMP-057", "IMP-058", "IMP-104", "IMP-001", "IMP-002", "IMP-035"))
	want := []Unchecked{
		{"IMP-001", "the run has none of its specs (filtered out?)"},
		{"IMP-002", "the run has no result for it"},
		{"IMP-058", "it ended skip: skip (a precondition was missing)"},
		{"IMP-104", "it ended disabled: disabled (needs capability second-account)"},
	}
	if !slices.Equal(b.NotRun, want) {
		t.Errorf("not run %+v,\nwant %+v", b.NotRun, want)
	}
	if b.Passed() || len(b.Failing) != 0 {
		t.Errorf("baseline %+v passed", b)
	}
	r := Summarize([]Baseline{b}, nil, cat, true, time.Time{}, time.Time{})
	if f := strings.Join(r.Failures(), "\n"); r.Passed() || !strings.Contains(f, "profile 2023 did not run 4 conformance rules that have specs") || !strings.Contains(f, "IMP-104: it ended disabled") {
		t.Errorf("failures %q", f)
	}
	if rule, _ := cat.Rule("IMP-035"); rule.Tier == catalogue.Conformance {
		t.Fatal("IMP-035 is no longer provisional: pick another provisional rule for this test")
	}
}

// TestEvidenceKeepsEveryFailedSpec: every failed spec of a killing rule,
// and of a rule the mutant does not claim, is kept with its failure.
func TestEvidenceKeepsEveryFailedSpec(t *testing.T) {
	cat := mustCatalogue(t)
	o := Judge(result(results(
		rule("IMP-057", spec("IMP-057 a", reports.StatusFail), spec("IMP-057 b", reports.StatusPass), spec("IMP-057 c", reports.StatusFail)),
		rule("IMP-058", spec("IMP-058 a", reports.StatusFail)),
		rule("IMP-104", spec("IMP-104 a", reports.StatusFail), spec("IMP-104 b", reports.StatusFail)),
	)), cat, Baseline{Profile: "2023"})
	names := func(fs []SpecFailure) []string {
		var out []string
		for _, f := range fs {
			if f.Failure == "" {
				t.Errorf("%s kept without its failure", f.Spec)
			}
			out = append(out, f.Rule+"/"+f.Spec)
		}
		return out
	}
	if got, want := names(o.Evidence), []string{"IMP-057/IMP-057 a", "IMP-057/IMP-057 c", "IMP-058/IMP-058 a"}; !slices.Equal(got, want) {
		t.Errorf("evidence %v, want %v", got, want)
	}
	if got, want := names(o.OtherEvidence), []string{"IMP-104/IMP-104 a", "IMP-104/IMP-104 b"}; !slices.Equal(got, want) {
		t.Errorf("other evidence %v, want %v", got, want)
	}
}

// TestNotKillableFails: a run no spec could tell fails the self-test and
// counts in N, so a self-test whose specs all stopped running cannot pass;
// only a reviewed exemption keeps it from failing, and it still counts as
// not killed.
func TestNotKillableFails(t *testing.T) {
	cat := mustCatalogue(t)
	disabled := result(results(rule("IMP-057", spec("IMP-057 a", reports.StatusDisabled)), rule("IMP-058", spec("IMP-058 a", reports.StatusSkip))))
	o := Judge(disabled, cat, Baseline{Profile: "2023"})
	if o.Verdict != NotKillable || !o.Failed() || o.Exemption != "" {
		t.Fatalf("outcome %+v", o)
	}
	r := Summarize([]Baseline{{Profile: "2023"}}, []Outcome{o, o}, cat, false, time.Time{}, time.Time{})
	if r.Total.String() != "0/2" {
		t.Errorf("score %s, want 0/2: not-killable runs count as not killed", r.Total)
	}
	if f := strings.Join(r.Failures(), "\n"); r.Passed() || !strings.Contains(f, "fake in profile 2023 is not killable") || !strings.Contains(f, "IMP-057: its specs were disabled") {
		t.Errorf("failures %q", f)
	}

	saved := exemptions
	t.Cleanup(func() { exemptions = saved })
	exemptions = map[exemptionKey]string{{"fake", profile.P2023}: "reviewed: the test's own reason"}
	o = Judge(disabled, cat, Baseline{Profile: "2023"})
	if o.Verdict != NotKillable || o.Failed() || o.Exemption != "reviewed: the test's own reason" {
		t.Fatalf("exempted outcome %+v", o)
	}
	r = Summarize([]Baseline{{Profile: "2023"}}, []Outcome{o}, cat, false, time.Time{}, time.Time{})
	if !r.Passed() || r.Total.String() != "0/1" {
		t.Errorf("exempted run: passed %t, score %s, failures %v; want passed with score 0/1", r.Passed(), r.Total, r.Failures())
	}
	if other := Judge(Result{Run: Run{Mutant: mustMutant(t, mutant.AcceptForeignToken), Profile: profile.P2023}, Results: results()}, cat, Baseline{Profile: "2023"}); other.Exemption != "" || !other.Failed() {
		t.Errorf("the exemption of fake in 2023 applied to %+v", other)
	}
}
