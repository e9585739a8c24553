package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/kmsconform/kmsconform/harness/config"
	"github.com/kmsconform/kmsconform/harness/mutation"
	"github.com/kmsconform/kmsconform/harness/profile"
	"github.com/kmsconform/kmsconform/harness/reference/mutant"
	"github.com/kmsconform/kmsconform/reports"
	"github.com/kmsconform/kmsconform/suites/catalogue"
	"github.com/kmsconform/kmsconform/suites/conform"
)

func init() { subcommands = append(subcommands, newMutateCommand) }

// mutateOptions are the flags of `kmsconform mutate`.
type mutateOptions struct {
	profile   string
	reportDir string
	mutants   []string
	parallel  int
	verbose   bool
}

// childTimeout bounds one suite run: a whole profile takes seconds against
// the embedded reference, so a run still going after this hangs.
const childTimeout = 10 * time.Minute

func newMutateCommand() *cobra.Command {
	var o mutateOptions
	cmd := &cobra.Command{
		Use:   "mutate",
		Short: "Run the suite against every mutant of the reference KMS: the suite's proof that each rule can fail",
		Long: `Run the mutation self-test. For each named fault of the reference KMS (a
mutant, see ` + "`kmsconform serve --list-mutants`" + `), in each profile where the fault
has an effect, run the suite of that profile against the embedded reference
with the fault switched on, and record which specs failed.

First each profile's suite runs without a mutant. It must pass, and run
every conformance rule of the profile that has a spec: a rule it fails says
nothing about any mutant, and a rule whose specs were skipped or disabled
can kill none; either fails the self-test.

A mutant is killed when a spec of a rule it claims fails, and survives when
the specs of its rules ran and all passed. Every claim is checked: a claimed
rule whose specs ran and passed fails the self-test even when another rule
killed the mutant. Specs that fail for rules the mutant does not claim are
listed separately: they show a spec that fails for more than its rule, or a
mutant that breaks more than it claims. A mutant none of whose rules has a
spec in a profile, or whose rules' specs did not run, is not killable there:
it counts in the score as not killed and fails the self-test, unless the run
is one of the reviewed exemptions of harness/mutation/exemptions.go.

Each suite run is a child process of this binary (` + "`kmsconform run --mutant M`" + `),
--parallel at a time. The output is a table of the runs and the score per
profile and in total; the last line is "mutation score: K/N". With
--report-dir, mutation.json holds every run's outcome, with every failed
spec of each killing rule and of each other failing rule as evidence (its
failure message cut to 300 characters), and runs/ keeps the results.json of
every run that failed the self-test.

The exit status is 0 when every profile ran and passed without a mutant,
every mutant was killed and every claim confirmed; 1 when not, or a run failed;
2 for a usage error.`,
		Example: `  kmsconform mutate
  kmsconform mutate --profile 2025 --report-dir out/mutation
  kmsconform mutate --mutant accept-foreign-token --mutant crypto-500 -v`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runMutate(cmd, o) },
	}
	cmd.Flags().StringVar(&o.profile, "profile", "", "run the mutants of this profile only: 2022, 2023 or 2025 (default: every profile)")
	cmd.Flags().StringVar(&o.reportDir, "report-dir", "", "directory (new or empty) for mutation.json and the results of failed runs")
	cmd.Flags().StringArrayVar(&o.mutants, "mutant", nil, "run this mutant only (repeatable; default: every mutant)")
	cmd.Flags().IntVar(&o.parallel, "parallel", runtime.NumCPU(), "suite runs at a time")
	cmd.Flags().BoolVarP(&o.verbose, "verbose", "v", false, "print each suite run's output")
	return cmd
}

// plan returns the runs the options ask for, and whether they are every
// mutant's runs in the profiles asked for (so the report can say which rules
// the run proved).
func (o mutateOptions) plan() ([]mutation.Run, bool, error) {
	if o.parallel < 1 {
		return nil, false, errors.New("--parallel must be at least 1")
	}
	var only []profile.Profile
	if o.profile != "" {
		p, err := profile.Parse(o.profile)
		if err != nil {
			return nil, false, err
		}
		only = []profile.Profile{p}
	}
	mutants := mutant.All()
	if len(o.mutants) > 0 {
		if _, err := mutant.Parse(o.mutants); err != nil {
			return nil, false, err
		}
		mutants = slices.DeleteFunc(mutants, func(m mutant.Mutant) bool { return !slices.Contains(o.mutants, string(m.Name)) })
	}
	runs := mutation.Plan(mutants, conform.Catalogue(), only)
	if len(runs) == 0 {
		var where []string
		for _, m := range mutants {
			where = append(where, fmt.Sprintf("%s runs in %v", m.Name, mutation.Profiles(m, conform.Catalogue())))
		}
		return nil, false, fmt.Errorf("nothing to run in profile %s: %s", o.profile, strings.Join(where, "; "))
	}
	return runs, len(o.mutants) == 0, nil
}

func runMutate(cmd *cobra.Command, o mutateOptions) error {
	runs, complete, err := o.plan()
	if err != nil {
		return err
	}
	if o.reportDir != "" {
		if err := newReportDir(o.reportDir); err != nil {
			return err
		}
	}
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("mutate runs the suite in copies of this binary, but its path is unknown: %w", err)
	}
	work, err := os.MkdirTemp("", "kmsconform-mutate-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	cat := conform.Catalogue()
	// Progress lines and, with -v, the runs' output come from several
	// goroutines.
	out := &lockedWriter{w: cmd.OutOrStdout()}
	specs := mutation.SpecTree()
	t := selfTest{cat: cat, specs: specs, parallel: o.parallel, child: suiteChild(self, work, o.verbose, out), work: work, reportDir: o.reportDir, out: out}
	toRun, outcomes := withSpecs(runs, cat, specs)
	clean := cleanRuns(toRun)
	fmt.Fprintf(out, "mutation self-test: %d suite runs without a mutant, then %d with one, %d at a time\n", len(clean), len(toRun), o.parallel)
	if len(outcomes) > 0 {
		fmt.Fprintf(out, "(%d runs of a mutant in a profile are not made: no rule the mutant claims has a spec there, so they are not killable)\n", len(outcomes))
	}
	started := time.Now()
	baselines := t.baselines(ctx, clean)
	outcomes = append(outcomes, t.mutants(ctx, toRun, baselines)...)
	var baselineList []mutation.Baseline
	for _, p := range profile.All() {
		if b, ok := baselines[p]; ok {
			baselineList = append(baselineList, b)
		}
	}
	report := mutation.Summarize(baselineList, outcomes, cat, complete, started, time.Now())
	if o.reportDir != "" {
		if err := mutation.WriteJSON(o.reportDir, report); err != nil {
			return fmt.Errorf("writing %s: %w", mutation.File, err)
		}
	}
	fmt.Fprintln(out)
	if err := mutation.WriteText(out, report); err != nil {
		return err
	}
	if failures := report.Failures(); len(failures) > 0 {
		return &exitError{code: 1, err: fmt.Errorf("the mutation self-test failed (%d of the failures listed above)", len(failures))}
	}
	return nil
}

// withSpecs splits runs into those to make and the outcomes of those that
// cannot kill their mutant because no rule it claims has a spec in their
// profile: a run could only show that again.
func withSpecs(runs []mutation.Run, cat *catalogue.Catalogue, specs mutation.Specs) ([]mutation.Run, []mutation.Outcome) {
	var toRun []mutation.Run
	var notRun []mutation.Outcome
	for _, r := range runs {
		if oc, ok := mutation.WithoutSpecs(r, cat, specs); ok {
			notRun = append(notRun, oc)
			continue
		}
		toRun = append(toRun, r)
	}
	return toRun, notRun
}

// cleanRuns are the runs without a mutant of the profiles of runs, newest
// (longest) first: each must pass, or a rule's failure under a mutant would
// say nothing about the mutant.
func cleanRuns(runs []mutation.Run) []mutation.Run {
	var clean []mutation.Run
	for _, p := range slices.Backward(profile.All()) {
		if slices.ContainsFunc(runs, func(r mutation.Run) bool { return r.Profile == p }) {
			clean = append(clean, mutation.Clean(p))
		}
	}
	return clean
}

// selfTest is one `kmsconform mutate`: how its suite runs are made and
// where their results go.
type selfTest struct {
	cat       *catalogue.Catalogue
	specs     mutation.Specs // which rules have a spec in which profile
	parallel  int
	child     mutation.RunSuite
	work      string    // holds each run's report directory while it is judged
	reportDir string    // --report-dir, "" without
	out       io.Writer // progress; safe for concurrent use
}

// baselines makes the clean runs and returns the baseline of each profile.
func (t selfTest) baselines(ctx context.Context, clean []mutation.Run) map[profile.Profile]mutation.Baseline {
	baselines := map[profile.Profile]mutation.Baseline{}
	mutation.Execute(ctx, clean, t.parallel, t.child, func(r mutation.Result) {
		b := mutation.JudgeBaseline(r, t.cat, t.specs)
		baselines[r.Run.Profile] = b
		verdict := "passed"
		switch {
		case b.Error != "":
			verdict = "error: " + b.Error
		case len(b.Failing) > 0 || len(b.NotRun) > 0:
			var notRun []string
			for _, u := range b.NotRun {
				notRun = append(notRun, u.Rule)
			}
			verdict = strings.TrimSpace(fmt.Sprintf("%s %s", orNothing("FAILS ", b.Failing), orNothing("DID NOT RUN ", notRun)))
		}
		fmt.Fprintf(t.out, "[clean] profile %s without a mutant: %s (%.1fs)\n", b.Profile, verdict, b.Seconds)
		_ = os.RemoveAll(childDir(t.work, r.Run))
	})
	return baselines
}

// mutants makes the runs of the mutants and judges each against its
// profile's baseline. The runs of a profile whose clean run gave no results
// are not made: nothing could be judged from them.
func (t selfTest) mutants(ctx context.Context, runs []mutation.Run, baselines map[profile.Profile]mutation.Baseline) []mutation.Outcome {
	var outcomes []mutation.Outcome
	var toRun []mutation.Run
	for _, r := range runs {
		if base := baselines[r.Profile]; base.Error != "" {
			outcomes = append(outcomes, mutation.Judge(mutation.Result{Run: r}, t.cat, base))
			continue
		}
		toRun = append(toRun, r)
	}
	mutation.Execute(ctx, toRun, t.parallel, t.child, func(r mutation.Result) {
		oc := mutation.Judge(r, t.cat, baselines[r.Run.Profile])
		outcomes = append(outcomes, oc)
		fmt.Fprintf(t.out, "[%3d/%d] %-12s %s %s %s (%.1fs)\n", len(outcomes), len(runs), oc.Verdict, oc.Profile, oc.Mutant, verdictDetail(oc), oc.Seconds)
		if oc.Failed() && t.reportDir != "" {
			if err := keepResults(childDir(t.work, r.Run), t.reportDir, oc); err != nil {
				fmt.Fprintf(t.out, "        (its results are lost: %v)\n", err)
			}
		}
		_ = os.RemoveAll(childDir(t.work, r.Run))
	})
	return outcomes
}

// verdictDetail is the short reason a progress line gives for its verdict.
func verdictDetail(o mutation.Outcome) string {
	switch {
	case o.Verdict == mutation.Broken:
		return o.Error
	case len(o.Killing) > 0:
		return "by " + strings.Join(o.Killing, ",")
	case len(o.Unconfirmed) > 0:
		return "specs of " + strings.Join(o.Unconfirmed, ",") + " passed"
	}
	return "no spec of its rules could tell"
}

// orNothing is prefix and the ids, or "" without ids.
func orNothing(prefix string, ids []string) string {
	if len(ids) == 0 {
		return ""
	}
	return prefix + strings.Join(ids, ",")
}

// suiteChild runs one suite run as a child process of this binary,
// `kmsconform run --profile P --mutant M --report-dir DIR`, against the
// embedded reference, and reads the results it leaves in DIR. The child's
// exit status is not the verdict (a killed mutant fails the run): its
// results are.
func suiteChild(self, work string, verbose bool, out io.Writer) mutation.RunSuite {
	return func(ctx context.Context, run mutation.Run) (reports.Results, error) {
		ctx, cancel := context.WithTimeout(ctx, childTimeout)
		defer cancel()
		dir := childDir(work, run)
		args := []string{"run", "--profile=" + string(run.Profile), "--report-dir=" + dir}
		if run.Mutant.Name != "" {
			args = append(args, "--mutant="+string(run.Mutant.Name))
		}
		c := exec.CommandContext(ctx, self, args...)
		c.Env = childEnv(os.Environ())
		var output bytes.Buffer
		c.Stdout, c.Stderr = &output, &output
		exitErr := c.Run()
		if verbose {
			fmt.Fprintf(out, "--- kmsconform %s (%s)\n%s", strings.Join(args, " "), run, output.Bytes())
		}
		res, err := reports.ReadResults(dir)
		if err != nil {
			return res, fmt.Errorf("the suite run left no results (%v; exit: %v): %s", err, exitErr, lastLines(output.String(), 3))
		}
		return res, nil
	}
}

// childEnv is the environment of a suite run: this process's, without the
// variables that would point the suite at an endpoint instead of the
// embedded reference, without colour and, unless the caller chose
// otherwise, with GOMAXPROCS=1: a suite run is serial (Ginkgo runs a
// process's specs one at a time) and runs run side by side, so a second
// processor per run would only add garbage-collector workers and thread
// handoffs (a tenth more CPU, measured on a profile 2025 run).
func childEnv(env []string) []string {
	gomaxprocs := false
	out := slices.DeleteFunc(slices.Clone(env), func(kv string) bool {
		name, _, _ := strings.Cut(kv, "=")
		gomaxprocs = gomaxprocs || name == "GOMAXPROCS"
		return name == config.EnvEndpoint || name == config.EnvSDKEndpoint
	})
	out = append(out, "NO_COLOR=1")
	if !gomaxprocs {
		out = append(out, "GOMAXPROCS=1")
	}
	return out
}

// childDir is the report directory of a run's child process.
func childDir(work string, run mutation.Run) string {
	name := string(run.Mutant.Name)
	if name == "" {
		name = "no-mutant"
	}
	return filepath.Join(work, string(run.Profile)+"-"+name)
}

// keepResults copies the results.json of a run that failed the self-test to
// reportDir/runs/, for the reader to see which specs ran and what they saw.
func keepResults(dir, reportDir string, o mutation.Outcome) error {
	data, err := os.ReadFile(filepath.Join(dir, reports.ResultsFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil // a broken run: its error says why
	}
	if err != nil {
		return err
	}
	runs := filepath.Join(reportDir, "runs")
	if err := os.MkdirAll(runs, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(runs, o.Profile+"-"+o.Mutant+".results.json"), data, 0o644)
}

// lockedWriter serialises writes to w.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// newReportDir makes sure dir is a new or empty directory.
func newReportDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return os.MkdirAll(dir, 0o755)
	}
	if err != nil {
		return err
	}
	if len(entries) > 0 {
		return fmt.Errorf("report directory %s is not empty: use a new or empty directory", dir)
	}
	return nil
}

// lastLines returns the last n lines of s, for an error message.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}
