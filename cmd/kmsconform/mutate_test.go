package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kmsconform/kmsconform/harness/config"
	"github.com/kmsconform/kmsconform/harness/mutation"
	"github.com/kmsconform/kmsconform/harness/profile"
	"github.com/kmsconform/kmsconform/harness/reference/mutant"
)

func TestMutatePlan(t *testing.T) {
	runs, complete, err := mutateOptions{parallel: 2}.plan()
	if err != nil || !complete || len(runs) < len(mutant.All()) {
		t.Fatalf("every mutant: %d runs, complete %t, %v", len(runs), complete, err)
	}
	runs, complete, err = mutateOptions{parallel: 1, profile: "2022", mutants: []string{"allow-hmac-import", "accept-foreign-token"}}.plan()
	if err != nil || complete {
		t.Fatalf("two mutants: complete %t, %v", complete, err)
	}
	var got []string
	for _, r := range runs {
		got = append(got, r.String())
	}
	if want := []string{"accept-foreign-token in profile 2022", "allow-hmac-import in profile 2022"}; !slices.Equal(got, want) {
		t.Errorf("runs %v, want %v", got, want)
	}

	for _, tc := range []struct {
		o    mutateOptions
		want string
	}{
		{mutateOptions{parallel: 0}, "--parallel must be at least 1"},
		{mutateOptions{parallel: 1, profile: "2024"}, "2024"},
		{mutateOptions{parallel: 1, mutants: []string{"no-such-fault"}}, `unknown mutant "no-such-fault"`},
		{mutateOptions{parallel: 1, profile: "2025", mutants: []string{"allow-hmac-import"}}, "allow-hmac-import runs in [2022]"},
	} {
		if _, _, err := tc.o.plan(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want one saying %q", tc.o, err, tc.want)
		}
	}
}

func TestCleanRuns(t *testing.T) {
	runs := []mutation.Run{{Profile: profile.P2022}, {Profile: profile.P2025}, {Profile: profile.P2022}}
	var got []string
	for _, r := range cleanRuns(runs) {
		got = append(got, r.String())
	}
	if want := []string{"no mutant in profile 2025", "no mutant in profile 2022"}; !slices.Equal(got, want) {
		t.Errorf("cleanRuns = %v, want %v", got, want)
	}
}

func TestChildEnv(t *testing.T) {
	env := childEnv([]string{"HOME=/root", config.EnvEndpoint + "=http://127.0.0.1:4599", config.EnvSDKEndpoint + "=http://x", "AWS_REGION=eu-west-1"})
	if want := []string{"HOME=/root", "AWS_REGION=eu-west-1", "NO_COLOR=1", "GOMAXPROCS=1"}; !slices.Equal(env, want) {
		t.Errorf("childEnv = %v, want %v: a suite run of the self-test must reach the embedded reference", env, want)
	}
	if env := childEnv([]string{"GOMAXPROCS=4"}); !slices.Equal(env, []string{"GOMAXPROCS=4", "NO_COLOR=1"}) {
		t.Errorf("childEnv overrides the caller's GOMAXPROCS: %v", env)
	}
}

func TestNewReportDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new")
	if err := newReportDir(dir); err != nil {
		t.Fatal(err)
	}
	if err := newReportDir(dir); err != nil {
		t.Fatalf("an empty directory: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := newReportDir(dir); err == nil {
		t.Fatal("a directory holding a file was accepted")
	}
}

func TestLastLines(t *testing.T) {
	if got := lastLines("a\nb\nc\nd\n", 2); got != "c | d" {
		t.Errorf("lastLines = %q", got)
	}
}

// TestMutate runs `kmsconform mutate` for one mutant in one profile, in a
// child process whose own suite runs are children of it: the profile's run
// without a mutant, then the mutant's, which IMP-057's specs kill. Whether
// the profile passes without a mutant is the suite's and the reference's
// business (`make mutation` demands it); here the exit status must agree
// with the report.
func TestMutate(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suite twice")
	}
	dir := filepath.Join(t.TempDir(), "mutation")
	out, code := kmsconform(t, "mutate", "--profile", "2022", "--mutant", string(mutant.AcceptForeignToken), "--report-dir", dir)
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if !slices.Contains(lines, "mutation score: 1/1") {
		t.Errorf("no line %q:\n%s", "mutation score: 1/1", out)
	}
	r, err := mutation.ReadJSON(dir)
	if err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if passed := r.Passed(); (code == 0) != passed {
		t.Errorf("exit status %d, but the report says passed=%t:\n%s", code, passed, out)
	}
	if len(r.Baselines) != 1 || r.Baselines[0].Profile != "2022" || r.Baselines[0].Error != "" || len(r.Outcomes) != 1 {
		t.Fatalf("report %+v", r)
	}
	o := r.Outcomes[0]
	if o.Verdict != mutation.Killed || !slices.Contains(o.Killing, "IMP-057") || len(o.Evidence) == 0 || !strings.HasPrefix(o.Evidence[0].Spec, "IMP-057 ") {
		t.Errorf("outcome %+v", o)
	}
}
