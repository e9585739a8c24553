package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/onsi/ginkgo/v2/types"
	"github.com/spf13/cobra"

	"github.com/kmsconform/kmsconform/harness/config"
	"github.com/kmsconform/kmsconform/reports"
	"github.com/kmsconform/kmsconform/suites/conform"
)

// runSharded runs the suite as N child processes of this binary, each
// checking every N-th rule of the profile, and merges their results.
//
// Why shards: Ginkgo runs a suite once per process, and its own parallel
// mode needs the ginkgo CLI and a compiled test binary (its maintainer's
// advice in onsi/ginkgo issues 1451 and 1529). A kmsconform binary must run
// without a Go toolchain, so it parallelises the only way it can: by rules,
// across processes. Each shard starts its own target when none is running
// (the embedded reference), and all shards tag keys with one run id.
func runSharded(cmd *cobra.Command, o runOptions) error {
	o.Prefix = "--"
	cfg, err := config.Resolve(o.Flags, config.Getenv)
	if err != nil {
		return err
	}
	if cfg.ReportDir != "" {
		if err := reports.CheckReportDir(cfg.ReportDir); err != nil {
			return err
		}
	}
	// The shards run without the baseline: only the merged results can be
	// compared with it.
	var baseline *reports.Baseline
	if cfg.Baseline != "" {
		b, err := reports.ReadBaseline(cfg.Baseline)
		if err == nil {
			err = b.CheckAgainst(conform.Catalogue(), cfg.Profile, cfg.Baseline)
		}
		if err != nil {
			return err
		}
		baseline = &b
	}
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("--parallel starts copies of this binary, but its path is unknown: %w", err)
	}
	work, err := os.MkdirTemp("", "kmsconform-shards-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)

	var wg sync.WaitGroup
	var mu sync.Mutex
	out := cmd.OutOrStdout()
	exits := make([]error, o.parallel)
	for i := 1; i <= o.parallel; i++ {
		child := o
		child.parallel = 1
		child.shard = fmt.Sprintf("%d/%d", i, o.parallel)
		child.ReportDir = filepath.Join(work, strconv.Itoa(i))
		c := exec.CommandContext(cmd.Context(), self, append([]string{"run"}, child.args()...)...)
		c.Env = append(os.Environ(), config.EnvRunID+"="+cfg.RunID, "NO_COLOR=1")
		stdout, err := c.StdoutPipe()
		if err != nil {
			return err
		}
		c.Stderr = c.Stdout
		if err := c.Start(); err != nil {
			return fmt.Errorf("starting shard %d: %w", i, err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			prefixLines(out, &mu, fmt.Sprintf("[shard %d] ", i), stdout)
			exits[i-1] = c.Wait()
		}()
	}
	wg.Wait()

	var shards []reports.Results
	var shardReports []types.Report
	for i := 1; i <= o.parallel; i++ {
		dir := filepath.Join(work, strconv.Itoa(i))
		r, err := reports.ReadResults(dir)
		if err != nil {
			return &exitError{code: 1, err: fmt.Errorf("shard %d left no results (%v; it exited with %v)", i, err, exits[i-1])}
		}
		report, err := reports.ReadReport(dir)
		if err != nil {
			return &exitError{code: 1, err: fmt.Errorf("shard %d left no Ginkgo report (%v; it exited with %v)", i, err, exits[i-1])}
		}
		shards = append(shards, r)
		shardReports = append(shardReports, report)
	}
	// The merged run selected its specs as one unsharded run would have.
	suiteConfig, _ := conform.SuiteConfiguration(cfg, o.labelFilter)
	merged, err := reports.Merge(shards)
	if err != nil {
		return err
	}
	merged.LabelFilter = suiteConfig.LabelFilter
	mergedReport, err := reports.MergeReports(shardReports, suiteConfig.LabelFilter)
	if err != nil {
		return err
	}
	if baseline != nil {
		check := reports.CompareBaseline(merged, *baseline, cfg.Baseline)
		merged.Baseline = &check
	}
	if cfg.ReportDir != "" {
		if err := reports.WriteBundle(cfg.ReportDir, mergedReport, merged); err != nil {
			return fmt.Errorf("writing the report bundle to %s: %w", cfg.ReportDir, err)
		}
	}
	reports.WriteTerminalSummary(out, merged)
	return runVerdict(merged)
}

// args turns the options back into command-line flags for a child process.
func (o runOptions) args() []string {
	a := o.Flags.Args("")
	if o.labelFilter != "" {
		a = append(a, "--label-filter="+o.labelFilter)
	}
	if o.shard != "" {
		a = append(a, "--shard="+o.shard)
	}
	if o.verbose {
		a = append(a, "--verbose")
	}
	return a
}

// shardLabelFilter selects shard i of n: every n-th rule of the profile, by
// rule id order, so shards get similar mixes of areas.
func shardLabelFilter(shard string, flags config.Flags) (string, error) {
	is, ns, ok := strings.Cut(shard, "/")
	i, err1 := strconv.Atoi(is)
	n, err2 := strconv.Atoi(ns)
	if !ok || err1 != nil || err2 != nil || i < 1 || i > n {
		return "", fmt.Errorf("--shard %q: want i/N with 1 <= i <= N", shard)
	}
	cfg, err := config.Resolve(flags, config.Getenv)
	if err != nil {
		return "", err
	}
	var ids []string
	k := 0
	for _, rule := range conform.Catalogue().InProfile(cfg.Profile) {
		if conform.Catalogue().IsIneligible(rule.ID) {
			continue
		}
		if k%n == i-1 {
			ids = append(ids, rule.ID)
		}
		k++
	}
	if len(ids) == 0 {
		return "", errors.New("this shard has no rules: use fewer --parallel processes than rules")
	}
	return strings.Join(ids, " || "), nil
}

func joinFilters(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return "(" + a + ") && (" + b + ")"
}

func prefixLines(w io.Writer, mu *sync.Mutex, prefix string, r io.Reader) {
	s := bufio.NewScanner(r)
	s.Buffer(make([]byte, 64*1024), 1024*1024)
	for s.Scan() {
		mu.Lock()
		fmt.Fprintln(w, prefix+s.Text())
		mu.Unlock()
	}
}
