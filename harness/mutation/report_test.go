package mutation

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"
)

// sampleOutcomes is a small mutation run over two profiles: three mutants
// killed (one of them with a rule failing it does not claim), one not
// killable.
func sampleOutcomes() []Outcome {
	return []Outcome{
		{Mutant: "m-b", Profile: "2025", Verdict: Killed, Claimed: []string{"IMP-057"}, Killing: []string{"IMP-057"}, Other: []string{"IMP-104"}},
		{Mutant: "m-a", Profile: "2025", Verdict: Killed, Claimed: []string{"IMP-058"}, Killing: []string{"IMP-058"}},
		{Mutant: "m-c", Profile: "2025", Verdict: NotKillable, Claimed: []string{"IMP-130"}, Unchecked: []Unchecked{{"IMP-130", "no spec of the rule in profile 2025"}}, NotRun: true},
		{Mutant: "m-a", Profile: "2022", Verdict: Killed, Claimed: []string{"IMP-058"}, Killing: []string{"IMP-058"}},
	}
}

func sampleBaselines() []Baseline {
	return []Baseline{{Profile: "2022"}, {Profile: "2025"}}
}

func TestSummarize(t *testing.T) {
	cat := mustCatalogue(t)
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	r := Summarize(sampleBaselines(), sampleOutcomes(), cat, true, start, start.Add(150*time.Second))
	var order []string
	for _, o := range r.Outcomes {
		order = append(order, o.Profile+" "+o.Mutant)
	}
	if want := []string{"2022 m-a", "2025 m-a", "2025 m-b", "2025 m-c"}; !slices.Equal(order, want) {
		t.Errorf("outcomes in order %v, want %v", order, want)
	}
	if r.Total != (Score{Killed: 3, NotKillable: 1}) || r.Total.Counted() != 4 {
		t.Errorf("total %+v", r.Total)
	}
	if len(r.Profiles) != 2 || r.Profiles[0].Profile != "2022" || r.Profiles[1].Killed != 2 {
		t.Fatalf("profiles %+v", r.Profiles)
	}
	p := r.Profiles[1]
	if !slices.Equal(p.Proven, []string{"IMP-057", "IMP-058"}) || !slices.Equal(p.AwaitingSpecs, []string{"IMP-130"}) {
		t.Errorf("2025: proven %v, awaiting %v", p.Proven, p.AwaitingSpecs)
	}
	if slices.Contains(p.Unproven, "IMP-057") || !slices.Contains(p.Unproven, "IMP-001") || slices.Contains(p.Unproven, "IMP-035") {
		t.Errorf("2025 unproven %v: want the conformance rules no mutant killed (IMP-001), not the proven or the provisional ones", p.Unproven)
	}
	if f := r.Failures(); len(f) != 1 || !strings.Contains(f[0], "m-c in profile 2025 is not killable") {
		t.Errorf("failures %q, want the not-killable m-c alone", f)
	}
	if killed := Summarize(sampleBaselines(), sampleOutcomes()[:2], cat, true, start, start); !killed.Passed() {
		t.Errorf("a run with every mutant killed failed: %v", killed.Failures())
	}
	if r.SuiteRuns() != 5 {
		t.Errorf("%d suite runs, want 2 without a mutant and 3 with one", r.SuiteRuns())
	}
	if partial := Summarize(sampleBaselines(), sampleOutcomes(), cat, false, start, start); len(partial.Profiles[1].Unproven) != 0 {
		t.Errorf("a partial run lists unproven rules %v", partial.Profiles[1].Unproven)
	}
	failing := Summarize([]Baseline{{Profile: "2022"}, {Profile: "2025", Failing: []string{"IMP-104"}}}, sampleOutcomes(), cat, true, start, start)
	if p := failing.Profiles[1]; !slices.Equal(p.FailingWithoutMutant, []string{"IMP-104"}) || slices.Contains(p.Unproven, "IMP-104") {
		t.Errorf("2025 with IMP-104 failing without a mutant: %+v", p)
	}
}

func TestFailures(t *testing.T) {
	cat := mustCatalogue(t)
	for _, tc := range []struct {
		name      string
		baselines []Baseline
		outcome   Outcome
		want      string
	}{
		{"survived", sampleBaselines(), Outcome{Mutant: "m", Profile: "2022", Verdict: Survived, Unconfirmed: []string{"IMP-057"}}, "m survived in profile 2022"},
		{"unconfirmed", sampleBaselines(), Outcome{Mutant: "m", Profile: "2022", Verdict: Killed, Killing: []string{"IMP-058"}, Unconfirmed: []string{"IMP-057"}}, "claims IMP-057, whose specs ran and passed"},
		{"broken", sampleBaselines(), Outcome{Mutant: "m", Profile: "2022", Verdict: Broken, Error: "exit status 2"}, "the run failed: exit status 2"},
		{"baseline fails", []Baseline{{Profile: "2022", Failing: []string{"IMP-104"}}}, Outcome{Mutant: "m", Profile: "2022", Verdict: Killed, Killing: []string{"IMP-058"}}, "without a mutant, profile 2022 fails IMP-104"},
		{"baseline broke", []Baseline{{Profile: "2022", Error: "exit status 2"}}, Outcome{Mutant: "m", Profile: "2022", Verdict: Broken, Error: "x"}, "without a mutant failed: exit status 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := Summarize(tc.baselines, []Outcome{tc.outcome}, cat, false, time.Time{}, time.Time{})
			if r.Passed() {
				t.Fatal("passed")
			}
			if f := strings.Join(r.Failures(), "\n"); !strings.Contains(f, tc.want) {
				t.Fatalf("failures %q, want one saying %q", f, tc.want)
			}
		})
	}
}

func TestWriteText(t *testing.T) {
	cat := mustCatalogue(t)
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	r := Summarize(sampleBaselines(), sampleOutcomes(), cat, true, start, start.Add(150*time.Second))
	var b bytes.Buffer
	if err := WriteText(&b, r); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if last := lines[len(lines)-1]; last != "mutation score: 3/4" {
		t.Errorf("last line %q, want %q", last, "mutation score: 3/4")
	}
	var row []string
	for _, l := range lines {
		if strings.HasPrefix(l, "m-b ") {
			row = strings.Fields(l)
		}
	}
	if want := []string{"m-b", "2025", "killed", "IMP-057", "IMP-104"}; !slices.Equal(row, want) {
		t.Errorf("the row of m-b is %q, want %q", row, want)
	}
	for _, want := range []string{
		"MUTANT  PROFILE  VERDICT  ",
		"failures:\n  m-c in profile 2025 is not killable: no spec of the rules it claims could tell (IMP-130: no spec of the rule in profile 2025)",
		"profile 2022 without a mutant: passed",
		"conformance rules proven in profile 2025: 2 of ", "awaiting specs: IMP-130",
		"5 suite runs in 2m30s; 1 not killable, counted as not killed", "mutation score 2022: 1/1", "mutation score 2025: 2/3",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the text lacks %q:\n%s", want, out)
		}
	}
	b.Reset()
	if err := WriteText(&b, Summarize(sampleBaselines(), sampleOutcomes()[:2], cat, true, start, start)); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "failures:") {
		t.Errorf("a passing run lists failures:\n%s", b.String())
	}
}

func TestJSONRoundTrip(t *testing.T) {
	cat := mustCatalogue(t)
	dir := t.TempDir()
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	r := Summarize(sampleBaselines(), sampleOutcomes(), cat, true, start, start.Add(time.Minute))
	if err := WriteJSON(dir, r); err != nil {
		t.Fatal(err)
	}
	got, err := ReadJSON(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got.Format != Format || got.CatalogueHash != cat.Hash() || got.Total != r.Total || len(got.Outcomes) != 4 || got.Outcomes[2].Other[0] != "IMP-104" || !got.FinishedAt.Equal(r.FinishedAt) {
		t.Errorf("read back %+v", got)
	}
	if _, err := ReadJSON(t.TempDir()); err == nil {
		t.Error("ReadJSON of an empty directory succeeded")
	}
}
