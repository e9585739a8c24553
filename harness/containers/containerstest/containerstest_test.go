package containerstest

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// recorder stands in for a test to see what requireDocker does to it.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper()                        {}
func (r *recorder) Skipf(format string, a ...any)  { r.skipped = fmt.Sprintf(format, a...) }
func (r *recorder) Fatalf(format string, a ...any) { r.failed = fmt.Sprintf(format, a...) }

func TestRequireDocker(t *testing.T) {
	missing := errors.New("no Docker engine is reachable (cannot connect)")

	var r recorder
	requireDocker(&r, missing, false)
	if r.failed != "" || !strings.Contains(r.skipped, "no Docker engine") || !strings.Contains(r.skipped, ".ci/run") || strings.Contains(r.skipped, "\n") {
		t.Errorf("outside CI: skipped %q, failed %q; want one line saying how to enable the tests", r.skipped, r.failed)
	}

	r = recorder{}
	requireDocker(&r, missing, true)
	if r.skipped != "" || !strings.Contains(r.failed, "CI=true") {
		t.Errorf("under CI=true: skipped %q, failed %q; want a failure", r.skipped, r.failed)
	}

	r = recorder{}
	requireDocker(&r, nil, true)
	if r.skipped != "" || r.failed != "" {
		t.Errorf("with Docker: skipped %q, failed %q", r.skipped, r.failed)
	}
}
