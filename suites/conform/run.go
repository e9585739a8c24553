package conform

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	"github.com/onsi/gomega"

	"github.com/kmsconform/kmsconform/reports"
)

// Run runs the specs linked into this binary against the configured target.
// Both `go test`/`ginkgo` (from the suite's TestX function) and `kmsconform
// run` call it, once per process.
//
// Everything that can be wrong before a spec runs is checked first and comes
// back as an error: a bad flag or file, a report directory holding other
// files, a baseline that does not fit the run, a target that does not start,
// an endpoint that does not answer as KMS. After that the outcome is in
// Ginkgo's report, and in the report directory when one is configured; an
// error then means the report bundle could not be written.
// Reports are written by a ReportAfterSuite node, which Ginkgo runs once, on
// the first process, with every process's specs.
//
// With a baseline (--kms.baseline) the result is the baseline's verdict:
// known failures do not fail t, regressions and unexpected passes do.
func Run(t ginkgo.GinkgoTestingT, description string, opts RunOptions) (bool, error) {
	cfg, err := Resolve()
	if err != nil {
		return false, err
	}
	if cfg.ReportDir != "" {
		if err := reports.CheckReportDir(cfg.ReportDir); err != nil {
			return false, err
		}
	}
	suiteConfig, reporterConfig := SuiteConfiguration(cfg, opts.LabelFilter)
	if opts.Configure != nil {
		opts.Configure(&suiteConfig, &reporterConfig)
	}
	var baseline *reports.Baseline
	if cfg.Baseline != "" {
		if suiteConfig.ParallelTotal > 1 {
			return false, errors.New("a baseline needs the whole run's results in one process to decide the run, and `ginkgo -p` decides per process: run without -p, or use `kmsconform run --parallel N --baseline FILE`")
		}
		b, err := reports.ReadBaseline(cfg.Baseline)
		if err == nil {
			err = b.CheckAgainst(Catalogue(), cfg.Profile, cfg.Baseline)
		}
		if err != nil {
			return false, err
		}
		baseline = &b
	}

	// No signal may end the process while it holds a target: a container
	// would outlive it (testcontainers' reaper is disabled where no
	// registry is reachable, so removing it is ours). Until the specs
	// start, a signal cancels the target's start; while they run, Ginkgo
	// interrupts them on SIGINT and SIGTERM and reports, and a hung-up
	// terminal or a closed output pipe (`| head`) only loses the output.
	// Either way Run returns, and the deferred Stop removes the container.
	ctx, stopSignals := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGPIPE)
	defer stopSignals()
	s, err := Start(ctx, cfg)
	if err != nil {
		if ctx.Err() != nil {
			return false, fmt.Errorf("interrupted while starting the target: %w", err)
		}
		return false, err
	}
	defer func() { _ = s.Target.Stop(context.WithoutCancel(ctx)) }()
	Use(s)
	gomega.RegisterFailHandler(ginkgo.Fail)

	// The first process picks the run id; every process tags its keys with
	// it, so `sweep --run-id` finds a whole parallel run's keys.
	ginkgo.SynchronizedBeforeSuite(func() []byte {
		return []byte(cfg.RunID)
	}, func(runID []byte) {
		session.Config.RunID = string(runID)
	})

	if opts.Progress != nil {
		progress := reports.NewProgress(opts.Progress)
		ginkgo.ReportBeforeSuite(progress.Begin)
		ginkgo.ReportAfterEach(progress.Spec)
	}

	var results *reports.Results
	var writeErr error
	ginkgo.ReportAfterSuite("kmsconform results", func(report types.Report) {
		res := reports.Build(report, Catalogue(), reports.Run{
			Profile: cfg.Profile, Capabilities: cfg.Capabilities.List(), Strict: cfg.Strict,
			Target: s.Target.Name(), Config: cfg.Redacted(),
		})
		if baseline != nil {
			check := reports.CompareBaseline(res, *baseline, cfg.Baseline)
			res.Baseline = &check
		}
		results = &res
		if opts.OnResults != nil {
			opts.OnResults(res)
		}
		if cfg.ReportDir != "" {
			if err := reports.WriteBundle(cfg.ReportDir, report, res); err != nil {
				writeErr = fmt.Errorf("writing the report bundle to %s: %w", cfg.ReportDir, err)
				ginkgo.Fail(writeErr.Error())
			}
		}
	})

	if baseline == nil {
		passed := ginkgo.RunSpecs(t, description, suiteConfig, reporterConfig)
		return passed && writeErr == nil, writeErr
	}
	// Known failures must not fail t: Ginkgo reports to a stand-in, and the
	// baseline's verdict decides.
	ginkgo.RunSpecs(ignoreFailures{}, description, suiteConfig, reporterConfig)
	passed := results != nil && results.RunPassed() && writeErr == nil
	if results != nil && opts.OnResults == nil {
		// `go test` shows Ginkgo's FAIL for the known failures; say why the
		// test passes or fails all the same.
		reports.WriteTerminalSummary(os.Stdout, *results)
	}
	if !passed {
		t.Fail()
	}
	return passed, writeErr
}

// ignoreFailures stands in for testing.T when a baseline decides the run:
// Ginkgo's failures are in the results the baseline is compared with.
type ignoreFailures struct{}

func (ignoreFailures) Fail() {}

// RunOptions adjust a run beyond the configuration: what the kmsconform
// command sets where `ginkgo` users pass Ginkgo's own flags.
type RunOptions struct {
	// LabelFilter narrows the run further (on top of the profile filter and
	// any --ginkgo.label-filter).
	LabelFilter string
	// Configure may change Ginkgo's configuration last (verbosity, timeouts).
	Configure func(*types.SuiteConfig, *types.ReporterConfig)
	// OnResults receives the results on the first process after the suite.
	// Without it, a run with a baseline prints the results' summary itself.
	OnResults func(reports.Results)
	// Progress, when set, receives a line per finished spec with a running
	// count (see reports.Progress); `kmsconform run` sets it unless verbose.
	Progress io.Writer
}
