package main

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
)

func init() { subcommands = append(subcommands, newVersionCommand) }

// version is set at build time with -ldflags "-X main.version=v1.2.3"; a
// plain `go build` reports the module version or "devel".
var version = ""

func suiteVersion() (ver, commit string) {
	ver = version
	info, ok := debug.ReadBuildInfo()
	if ok {
		if ver == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			ver = info.Main.Version
		}
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" {
				commit = s.Value
			}
		}
	}
	if ver == "" {
		ver = "devel"
	}
	return ver, commit
}

func newVersionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the suite version and commit",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ver, commit := suiteVersion()
			if commit == "" {
				commit = "unknown"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "kmsconform %s (commit %s)\n", ver, commit)
			return nil
		},
	}
}
