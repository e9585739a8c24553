package importkm

import (
	"flag"
	"testing"

	// The ginkgo CLI tells a Ginkgo suite from a plain Go test package by
	// this import in a _test.go file. Without it, `ginkgo run` runs the
	// package as a plain test: serially, and dropping every flag after --.
	_ "github.com/onsi/ginkgo/v2"

	"github.com/kmsconform/kmsconform/suites/conform"
)

func init() { conform.RegisterFlags(flag.CommandLine) }

// TestImportKM runs the conformance specs under `go test` and `ginkgo`:
//
//	go tool ginkgo run ./suites/... -- --kms.endpoint=http://127.0.0.1:4599 --kms.profile=2023
func TestImportKM(t *testing.T) {
	if _, err := conform.Run(t, "KMS key import conformance", conform.RunOptions{}); err != nil {
		t.Fatalf("kmsconform: %v", err)
	}
}
