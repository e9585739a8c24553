package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/kmsconform/kmsconform/harness/version"
	"github.com/kmsconform/kmsconform/reports"
	"github.com/kmsconform/kmsconform/suites/conform"
)

func init() { subcommands = append(subcommands, newReportCommand) }

func newReportCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Check, compare and re-render the report bundles runs leave in --report-dir",
		Long: `Work with report bundles: the directory ` + "`kmsconform run --report-dir DIR`" + ` writes,
holding report.json (Ginkgo), junit.xml, results.json, summary.md, report.html
and SHA256SUMS.`,
	}
	cmd.AddCommand(newReportVerifyCommand(), newReportDiffCommand(), newReportRenderCommand(),
		newReportBaselineCommand(), newReportReleaseEntryCommand())
	return cmd
}

func newReportVerifyCommand() *cobra.Command {
	var allowDevel bool
	cmd := &cobra.Command{
		Use:   "verify DIR",
		Short: "Check a certification bundle: complete, unmodified, from a released suite, nothing failed",
		Long: `Check a report bundle as a certification submission and print every problem found.

The bundle is accepted only when:
  - SHA256SUMS lists exactly the bundle's files and every hash matches;
  - it was made by a kmsconform release listed in this binary's
    reports/releases.yaml, with that release's rule catalogue and, when both
    record one, its commit; any other build's bundle (a development build,
    or a release not listed) is checked only with --allow-devel, only by a
    binary with the same catalogue, and never certifies;
  - specs were selected by the profile alone: no --label-filter, focus or
    skip, no dry run;
  - every conformance rule of the profile ran, none failed or errored, and
    results.json agrees with Ginkgo's report.json.

Provisional rules never block; they are listed as notes. The hashes detect
changes and damage, not forgery: sign SHA256SUMS to prove who made a bundle.
Exit status: 0 accepted, 1 rejected, 2 usage error.`,
		Example: `  kmsconform report verify out/`,
		Args:    exactArgs(1, "give the report directory to verify"),
		RunE: func(cmd *cobra.Command, args []string) error {
			releases, err := reports.Releases()
			if err != nil {
				return fmt.Errorf("this kmsconform's own list of releases is broken: %w", err)
			}
			v := reports.Verify(args[0], reports.VerifyOptions{
				Catalogue: conform.Catalogue(), Binary: version.Get(), Releases: releases, AllowDevel: allowDevel,
			})
			out := cmd.OutOrStdout()
			res := v.Results
			if res.Format != "" {
				fmt.Fprintf(out, "bundle %s: kmsconform %s, profile %s, target %s\n", args[0], res.Suite.Version, res.Profile, res.Target)
			}
			for _, n := range v.Notes {
				fmt.Fprintf(out, "note: %s\n", n)
			}
			for _, p := range v.Problems {
				fmt.Fprintf(out, "problem: %s\n", p)
			}
			if !v.OK() {
				return &exitError{code: 1, err: fmt.Errorf("%s is not a valid certification bundle: %d problems", args[0], len(v.Problems))}
			}
			fmt.Fprintf(out, "OK: %s certifies %s for profile %s (%d rules)\n", args[0], res.Target, res.Profile, len(res.Rules))
			return nil
		},
	}
	cmd.Flags().BoolVar(&allowDevel, "allow-devel", false, "check a bundle from a development build or an unlisted release (same catalogue as this binary); it still is no certification")
	return cmd
}

func newReportDiffCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "diff OLD NEW",
		Short: "Compare two runs rule by rule: regressions, new passes, rules that appeared or disappeared",
		Long: `Compare two runs, each given as a report directory or a results.json file.
Exit status: 0 when no rule regressed, 1 when one did, 2 usage error.`,
		Example: `  kmsconform report diff nightly-2026-01-01/ nightly-2026-01-02/`,
		Args:    exactArgs(2, "give the old and the new report directory (or results.json)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			old, err := readResultsArg(args[0])
			if err != nil {
				return err
			}
			new, err := readResultsArg(args[1])
			if err != nil {
				return err
			}
			d := reports.DiffResults(old, new)
			d.Write(cmd.OutOrStdout())
			if len(d.Regressed) > 0 {
				return &exitError{code: 1, err: fmt.Errorf("%d rules regressed", len(d.Regressed))}
			}
			return nil
		},
	}
}

func newReportRenderCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "render DIR",
		Short: "Re-render summary.md and report.html from results.json and refresh SHA256SUMS",
		Long: `Re-render the views of a bundle (summary.md, report.html) from its results.json,
for instance with a newer kmsconform, and refresh SHA256SUMS. Refuses a bundle
whose results.json, report.json or junit.xml no longer match SHA256SUMS.`,
		Args: exactArgs(1, "give the report directory to re-render"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := reports.Render(args[0]); err != nil {
				return &exitError{code: 1, err: err}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "rendered %s and %s in %s\n", reports.SummaryFile, reports.HTMLFile, args[0])
			return nil
		},
	}
}

func newReportBaselineCommand() *cobra.Command {
	var implementation string
	cmd := &cobra.Command{
		Use:   "baseline DIR",
		Short: "Print a baseline of the failures of a run, for `kmsconform run --baseline`",
		Long: `Print a baseline (YAML) recording the rules that block certification in a run
as the known failures of the implementation. Review it, then commit it and
pass it to ` + "`kmsconform run --baseline FILE`" + ` so nightly runs fail only when
something changes.`,
		Example: `  kmsconform run --target local-kms --report-dir out/
  kmsconform report baseline out/ --implementation local-kms > reports/baselines/local-kms-2022.yaml`,
		Args: exactArgs(1, "give the report directory (or results.json) of the run to record"),
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := readResultsArg(args[0])
			if err != nil {
				return err
			}
			name := implementation
			if name == "" {
				name = res.Target
			}
			return reports.WriteBaseline(cmd.OutOrStdout(), reports.BaselineFromResults(res, name))
		},
	}
	cmd.Flags().StringVar(&implementation, "implementation", "", "the implementation's name (default: the run's target)")
	return cmd
}

func newReportReleaseEntryCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "release-entry",
		Short: "Print this build's entry for reports/releases.yaml (for making a release)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v := version.Get()
			if !reports.IsReleaseBuild(v) {
				return fmt.Errorf("this is a development build (version %s): build the release with -ldflags \"-X github.com/kmsconform/kmsconform/harness/version.Version=vX.Y.Z\" from an unmodified tree", v.Version)
			}
			if v.Commit == "" {
				return errors.New("this build records no git commit (built outside a git checkout, or with -buildvcs=false): build the release in a clean checkout of the commit to release, so its entry names that commit")
			}
			fmt.Fprintf(cmd.OutOrStdout(), "  - version: %s\n    catalogueHash: %s\n    commit: %s\n", v.Version, conform.Catalogue().Hash(), v.Commit)
			return nil
		},
	}
}

// readResultsArg reads the results of a run from a report directory or a
// results.json file.
func readResultsArg(path string) (reports.Results, error) {
	info, err := os.Stat(path)
	if err != nil {
		return reports.Results{}, fmt.Errorf("%w: give a report directory or its results.json", err)
	}
	if info.IsDir() {
		return reports.ReadResults(path)
	}
	if filepath.Base(path) != reports.ResultsFile {
		return reports.Results{}, fmt.Errorf("%s: give a report directory or a %s file", path, reports.ResultsFile)
	}
	return reports.ReadResults(filepath.Dir(path))
}

// exactArgs is cobra.ExactArgs with a message that says what to give.
func exactArgs(n int, what string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) != n {
			return errors.New(what)
		}
		return nil
	}
}
