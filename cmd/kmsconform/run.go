package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/onsi/ginkgo/v2/types"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	tclog "github.com/testcontainers/testcontainers-go/log"

	"github.com/kmsconform/kmsconform/harness/config"
	"github.com/kmsconform/kmsconform/harness/target"
	"github.com/kmsconform/kmsconform/reports"
	"github.com/kmsconform/kmsconform/suites/conform"
	_ "github.com/kmsconform/kmsconform/suites/importkm" // the specs this binary runs
)

func init() { subcommands = append(subcommands, newRunCommand) }

// runOptions are the flags of `kmsconform run`.
type runOptions struct {
	config.Flags
	labelFilter string
	parallel    int
	verbose     bool
	shard       string // "i/N": this process is shard i of a --parallel run
}

func newRunCommand() *cobra.Command {
	var o runOptions
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run the conformance suite against an endpoint, a started target or the embedded reference",
		Long: `Run the conformance suite linked into this binary (no Go toolchain needed).

Without --endpoint or --target the suite runs against the embedded reference
KMS, started in-process. The exit status is 0 only if no conformance rule
failed or errored (provisional rules never block) and no rule passed with
cases no spec asserted (the suite's own error), 1 otherwise, 2 for a usage
or configuration error.

With --report-dir the run writes a report bundle: report.json (Ginkgo),
junit.xml, results.json, summary.md, report.html and SHA256SUMS; check it
with ` + "`kmsconform report verify DIR`" + `.

With --baseline FILE the run passes when its failures are exactly the known
ones in FILE, and fails on a regression (another rule fails, or a known one
fails with another answer), an unexpected pass (a known failure now passes:
tighten the baseline) or a known failure the run no longer checks. FILE must
be recorded with this suite's catalogue.`,
		Example: `  kmsconform run
  kmsconform run --endpoint http://127.0.0.1:4599 --profile 2023 --report-dir out/
  kmsconform run --target local-kms --baseline reports/baselines/local-kms-2022.yaml
  kmsconform run --profile 2025 --label-filter 'area:token' -v`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.parallel < 1 {
				return errors.New("--parallel must be at least 1")
			}
			if o.parallel > 1 {
				return runSharded(cmd, o)
			}
			return runInProcess(cmd, o)
		},
	}
	addConfigFlags(cmd.Flags(), &o.Flags)
	cmd.Flags().StringVar(&o.labelFilter, "label-filter", "", "Ginkgo label filter narrowing the run, e.g. 'area:token' or 'IMP-057 || IMP-058'")
	cmd.Flags().IntVar(&o.parallel, "parallel", 1, "run the rules in N processes (shards of this binary), then merge their results")
	cmd.Flags().BoolVarP(&o.verbose, "verbose", "v", false, "print every spec and its steps, not only failures")
	cmd.Flags().StringVar(&o.shard, "shard", "", "internal: run as shard i/N of a --parallel run")
	_ = cmd.Flags().MarkHidden("shard")
	return cmd
}

// addConfigFlags registers the flags every command that resolves a run
// configuration shares; they are the --kms.* flags of `ginkgo run`, without
// the prefix (config.Flags.Register defines both).
func addConfigFlags(fs *pflag.FlagSet, f *config.Flags) {
	gofs := flag.NewFlagSet("config", flag.ContinueOnError)
	f.Register(gofs, "", target.ContainerTargets)
	fs.AddGoFlagSet(gofs)
}

// runInProcess runs the linked-in specs in this process. Ginkgo runs a suite
// once per process, serially (RunSpecs); that is why --parallel starts
// shards as child processes instead of running specs on goroutines.
func runInProcess(cmd *cobra.Command, o runOptions) error {
	if !o.verbose {
		// testcontainers-go logs a banner and every step of a container to
		// stderr; a container target prints a line per slow step itself.
		tclog.SetDefault(tclog.NewNoopLogger())
	}
	conform.Flags = o.Flags
	conform.Flags.Prefix = "--"
	filter := o.labelFilter
	if o.shard != "" {
		shardFilter, err := shardLabelFilter(o.shard, o.Flags)
		if err != nil {
			return err
		}
		filter = joinFilters(filter, shardFilter)
	}
	var results reports.Results
	var got bool
	runOpts := conform.RunOptions{
		LabelFilter: filter,
		Configure: func(s *types.SuiteConfig, r *types.ReporterConfig) {
			r.Verbose = o.verbose
			r.NoColor = os.Getenv("NO_COLOR") != ""
			if !o.verbose {
				// Progress prints a line per spec; Ginkgo's denoter ends it,
				// and the specs of other profiles are not worth an "S" each.
				r.ForceNewlines = true
				r.SilenceSkips = true
			}
			s.RandomizeAllSpecs = true
		},
		OnResults: func(r reports.Results) { results, got = r, true },
	}
	if !o.verbose {
		runOpts.Progress = cmd.OutOrStdout()
	}
	_, err := conform.Run(&cliT{}, "kmsconform", runOpts)
	if err != nil {
		return err
	}
	if !got {
		return &exitError{code: 1, err: errors.New("the suite ended without results: see the output above")}
	}
	if o.shard != "" {
		// The parent merges the shards and gives the verdict.
		return nil
	}
	reports.WriteTerminalSummary(cmd.OutOrStdout(), results)
	return runVerdict(results)
}

// runVerdict turns a run's results into the exit status: 0 when the run
// passed (no conformance rule failed, or the failures are exactly its
// baseline's), 1 with the reason when not. Whether a bundle certifies is
// `report verify`'s to say.
func runVerdict(r reports.Results) error {
	if r.RunPassed() {
		return nil
	}
	incomplete := r.IncompleteRules()
	if b := r.Baseline; b != nil {
		return &exitError{code: 1, err: fmt.Errorf("the run does not match baseline %s: %d regressions, %d unexpected passes, %d rules passed with unchecked cases, %d suite failures", b.File, len(b.Regressions), len(b.UnexpectedPasses), len(incomplete), len(r.SuiteFailures))}
	}
	var why []string
	if blocking := r.BlockingRules(); len(blocking) > 0 {
		why = append(why, "blocking rules "+strings.Join(blocking, ", "))
	}
	if len(incomplete) > 0 {
		why = append(why, "rules "+strings.Join(incomplete, ", ")+" passed with cases no spec asserted (a kmsconform defect, shown as ERROR above)")
	}
	if n := len(r.SuiteFailures); n > 0 {
		why = append(why, fmt.Sprintf("%d suite failures", n))
	}
	return &exitError{code: 1, err: fmt.Errorf("the run failed: %s", strings.Join(why, "; "))}
}

// cliT stands in for testing.T: Ginkgo only needs to be told of a failure,
// which the results already carry.
type cliT struct{ failed bool }

func (t *cliT) Fail() { t.failed = true }
