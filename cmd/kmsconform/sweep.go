package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kmsconform/kmsconform/harness/client"
	"github.com/kmsconform/kmsconform/harness/config"
	"github.com/kmsconform/kmsconform/harness/keys"
	"github.com/kmsconform/kmsconform/harness/target"
)

func init() { subcommands = append(subcommands, newSweepCommand) }

func newSweepCommand() *cobra.Command {
	var flags config.Flags
	var runID string
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "sweep",
		Short: "Schedule deletion of keys left behind by earlier suite runs (only keys the suite tagged)",
		Long: `Schedule deletion (7-day window) of every key carrying the suite's run tag
(` + keys.RunTagKey + `), or only those of one run with --run-id. Keys without
the tag are never touched.`,
		Example: `  kmsconform sweep --endpoint http://127.0.0.1:4599 --dry-run
  kmsconform sweep --endpoint https://kms.eu-west-1.amazonaws.com --run-id 20261129T064000Z-1a2b3c4d`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			flags.Prefix = "--"
			cfg, err := config.Resolve(flags, config.Getenv)
			if err != nil {
				return err
			}
			if cfg.Endpoint == "" {
				return fmt.Errorf("sweep needs the endpoint whose keys to clean: give --endpoint URL (or %s)", config.EnvEndpoint)
			}
			ctx := context.Background()
			ep, err := target.Remote{URL: cfg.Endpoint}.Start(ctx)
			if err != nil {
				return err
			}
			c, err := client.New(ctx, cfg, ep)
			if err != nil {
				return err
			}
			if err := client.Check(ctx, c, cfg.Endpoint, cfg.EndpointSource); err != nil {
				return err
			}
			res, err := keys.Sweep(ctx, c, runID, dryRun)
			if err != nil {
				return err
			}
			verb := "scheduled for deletion"
			if dryRun {
				verb = "would schedule for deletion"
			}
			out := cmd.OutOrStdout()
			for _, id := range res.Scheduled {
				fmt.Fprintf(out, "%s %s\n", verb, id)
			}
			fmt.Fprintf(out, "%d suite keys %s, %d already pending deletion, %d keys left alone (not the suite's", len(res.Scheduled), verb, len(res.AlreadyPending), res.Skipped)
			if runID != "" {
				fmt.Fprintf(out, " or not run %s", runID)
			}
			fmt.Fprintln(out, ")")
			return nil
		},
	}
	cmd.Flags().StringVar(&flags.Endpoint, "endpoint", "", "KMS endpoint URL (default: "+config.EnvEndpoint+", then "+config.EnvSDKEndpoint+")")
	cmd.Flags().StringVar(&flags.Region, "region", "", "AWS region")
	cmd.Flags().StringVar(&flags.ConfigFile, "config", "", "YAML configuration file (credentials)")
	cmd.Flags().StringVar(&runID, "run-id", "", "only the keys of this run (its id is in results.json)")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "list what would be scheduled, change nothing")
	return cmd
}
