// Command kmsconform runs the KMS import conformance suite against an
// endpoint, serves the reference KMS, and works with the reports a run
// leaves behind. Each subcommand lives in its own file.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

func main() {
	if err := newRootCommand().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "kmsconform:", err)
		os.Exit(exitCode(err))
	}
}

// exitError carries a specific exit status through cobra, e.g. 1 for "the
// suite ran and something failed" against 2 for "bad usage".
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func exitCode(err error) int {
	if e, ok := err.(*exitError); ok {
		return e.code
	}
	return 2
}

func newRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "kmsconform",
		Short:         "Conformance suite and fuzz harness for AWS-KMS-compatible key import (BYOK)",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	for _, add := range subcommands {
		root.AddCommand(add())
	}
	return root
}

// subcommands is filled by each command's file in its init function, so a
// command is added or removed by adding or removing one file.
var subcommands []func() *cobra.Command
