package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kmsconform/kmsconform/harness/config"
	"github.com/kmsconform/kmsconform/harness/containers"
	"github.com/kmsconform/kmsconform/harness/containers/containerstest"
)

// The container targets end to end: `kmsconform run --target ...` against
// the reference container and local-kms, and the container gone after a
// pass, a failure and an interrupt. Each run carries its own run id, which
// its container is labelled with, so a test can see what it left.

// localKMSBaseline is local-kms's recorded result in profile 2022.
const localKMSBaseline = "../../reports/baselines/local-kms-2022.yaml"

var (
	staticOnce   sync.Once
	staticBinary string
	staticErr    error
)

// staticKmsconform builds kmsconform as `make build` does (static, for
// Linux), the binary a user runs: `run --target reference` then copies
// itself into the reference image instead of building from source.
func staticKmsconform(t *testing.T) string {
	t.Helper()
	staticOnce.Do(func() {
		dir, err := os.MkdirTemp("", "kmsconform-static-")
		if err != nil {
			staticErr = err
			return
		}
		staticBinary = filepath.Join(dir, "kmsconform")
		staticErr = containers.BuildStatic(context.Background(), "./cmd/kmsconform", staticBinary, containers.Settings{})
	})
	if staticErr != nil {
		t.Fatal(staticErr)
	}
	return staticBinary
}

// runWithID runs the static kmsconform with a fresh run id, and returns its
// output, exit status and the run id. (Not this test binary: under -race
// it would also judge the specs' own code, which is not what these tests
// are about.)
func runWithID(t *testing.T, args ...string) (string, int, string) {
	t.Helper()
	runID := containerstest.RunID(t)
	cmd := exec.Command(staticKmsconform(t), args...)
	cmd.Env = append(os.Environ(), "NO_COLOR=1", config.EnvRunID+"="+runID)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return string(out), 0, runID
	case errors.As(err, &exit):
		return string(out), exit.ExitCode(), runID
	}
	t.Fatalf("kmsconform %v: %v", args, err)
	return "", 0, ""
}

func requireNoContainers(t *testing.T, runID string) {
	t.Helper()
	if left := containerstest.ContainersLabelled(t, containers.LabelRunID, runID); len(left) > 0 {
		t.Fatalf("run %s left containers %v", runID, left)
	}
}

// TestRunAgainstReferenceContainer: the whole 2022 profile passes against
// the reference in a container, exactly as against the embedded one.
func TestRunAgainstReferenceContainer(t *testing.T) {
	containerstest.RequireDocker(t)
	dir := filepath.Join(t.TempDir(), "out")
	out, code, runID := runWithID(t, "run", "--target", "reference", "--profile", "2022", "--report-dir", dir)
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	if strings.Contains(out, "building kmsconform") || strings.Contains(out, "go build") {
		t.Errorf("a static kmsconform built the reference from source instead of copying itself:\n%s", out)
	}
	var results struct{ Target string }
	data, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err == nil {
		err = json.Unmarshal(data, &results)
	}
	if err != nil || results.Target != "container reference (profile 2022)" {
		t.Errorf("results.json target %q (%v)", results.Target, err)
	}
	requireNoContainers(t, runID)
}

// TestLocalKMSMatchesBaseline fails when local-kms's result in profile
// 2022 differs from reports/baselines/local-kms-2022.yaml: a rule that
// newly fails (regression) or a known failure that now passes (tighten
// the baseline). Re-record it as the baseline's header says.
func TestLocalKMSMatchesBaseline(t *testing.T) {
	containerstest.RequireDocker(t)
	out, code, runID := runWithID(t, "run", "--target", "local-kms", "--profile", "2022", "--baseline", localKMSBaseline)
	if code != 0 || !strings.Contains(out, "local-kms-2022.yaml (local-kms, profile 2022") {
		t.Fatalf("local-kms no longer matches its baseline %s (exit %d):\n%s", localKMSBaseline, code, tailLines(out, 60))
	}
	requireNoContainers(t, runID)
}

// TestFailedRunRemovesItsContainer: a run whose rules fail (the reference
// with a fault) still removes its container.
func TestFailedRunRemovesItsContainer(t *testing.T) {
	containerstest.RequireDocker(t)
	out, code, runID := runWithID(t, "run", "--target", "reference", "--mutant", "accept-foreign-token", "--label-filter", "IMP-057")
	if code != 1 || !strings.Contains(out, "IMP-057") {
		t.Fatalf("exit %d, want 1 with IMP-057 failing:\n%s", code, tailLines(out, 40))
	}
	requireNoContainers(t, runID)
}

// TestInterruptRemovesTheContainer sends SIGINT to `kmsconform run
// --target local-kms` while the container starts and while specs run: the
// run ends and its container goes (testcontainers' reaper is off here, so
// nothing else would remove it).
func TestInterruptRemovesTheContainer(t *testing.T) {
	containerstest.RequireDocker(t)
	for _, tc := range []struct{ name, after string }{
		{"while starting", "starting local-kms"},
		{"while specs run", "local-kms answers at"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			runID := containerstest.RunID(t)
			cmd := exec.Command(staticKmsconform(t), "run", "--target", "local-kms", "--profile", "2022")
			cmd.Env = append(os.Environ(), "NO_COLOR=1", config.EnvRunID+"="+runID)
			pr, pw := io.Pipe()
			cmd.Stdout, cmd.Stderr = pw, pw
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait(); pw.Close() }()

			var output strings.Builder
			seen := make(chan struct{})
			go func() {
				s := bufio.NewScanner(pr)
				signalled := false
				for s.Scan() {
					fmt.Fprintln(&output, s.Text())
					if !signalled && strings.Contains(s.Text(), tc.after) {
						signalled = true
						close(seen)
					}
				}
			}()
			select {
			case <-seen:
			case err := <-exited:
				t.Fatalf("the run ended (%v) before %q", err, tc.after)
			case <-time.After(3 * time.Minute):
				_ = cmd.Process.Kill()
				t.Fatalf("no %q within 3 minutes", tc.after)
			}
			if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
				t.Fatal(err)
			}
			select {
			case <-exited:
			case <-time.After(time.Minute):
				_ = cmd.Process.Kill()
				t.Fatal("the run did not end within a minute of SIGINT")
			}
			requireNoContainers(t, runID)
		})
	}
}

func tailLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
