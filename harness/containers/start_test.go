package containers_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kmsconform/kmsconform/harness/containers"
	"github.com/kmsconform/kmsconform/harness/containers/containerstest"
	"github.com/kmsconform/kmsconform/harness/containers/localkms"
)

// These tests start local-kms's image (built from the pinned source) as a
// plain Service, to see Start fail the ways a broken target fails, and
// leave nothing behind.

func localKMSImage(t *testing.T, s containers.Settings) string {
	t.Helper()
	ref, err := localkms.Image(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

func TestStartReportsAServiceThatExits(t *testing.T) {
	containerstest.RequireDocker(t)
	s := containerstest.Settings(t)
	_, stop, err := containers.Start(context.Background(), containers.Service{
		Name:  "local-kms",
		Image: localKMSImage(t, s),
		Port:  8080,
		// local-kms cannot listen on this port, and exits.
		Listen: func(string, int) (map[string]string, []string) {
			return map[string]string{"PORT": "not-a-port"}, nil
		},
	}, s)
	if err == nil {
		_ = stop(context.Background())
		t.Fatal("a service that exits at once was reported started")
	}
	for _, want := range []string{"local-kms exited with code 2", "its last output", "panic"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q:\n%v", want, err)
		}
	}
	if left := containerstest.ContainersLabelled(t, containers.LabelRunID, s.Labels[containers.LabelRunID]); len(left) > 0 {
		t.Fatalf("a failed start left containers %v", left)
	}
}

func TestStartGivesUpOnAServiceThatNeverAnswers(t *testing.T) {
	containerstest.RequireDocker(t)
	s := containerstest.Settings(t)
	s.StartupTimeout = 3 * time.Second
	start := time.Now()
	_, stop, err := containers.Start(context.Background(), containers.Service{
		Name:  "local-kms",
		Image: localKMSImage(t, s),
		Port:  8080,
		// local-kms listens one port beside the one the readiness check calls.
		Listen: func(_ string, port int) (map[string]string, []string) {
			return map[string]string{"PORT": strconv.Itoa(port + 1)}, nil
		},
	}, s)
	if err == nil {
		_ = stop(context.Background())
		t.Fatal("a service that never answers was reported started")
	}
	if !strings.Contains(err.Error(), "did not answer ListKeys within 3s") {
		t.Errorf("error does not name the timeout:\n%v", err)
	}
	if took := time.Since(start); took > time.Minute {
		t.Errorf("giving up took %s", took)
	}
	if left := containerstest.ContainersLabelled(t, containers.LabelRunID, s.Labels[containers.LabelRunID]); len(left) > 0 {
		t.Fatalf("a failed start left containers %v", left)
	}
}

func TestEnsurePresentWithoutPulling(t *testing.T) {
	containerstest.RequireDocker(t)
	s := containerstest.Settings(t)
	err := containers.EnsurePresent(context.Background(), "kmsconform-absent:never-built", s)
	if !containers.IsUnavailable(err) {
		t.Fatalf("EnsurePresent of an absent image with pulling off: %v, want an UnavailableError", err)
	}
	for _, want := range []string{"kmsconform-absent:never-built", "not present locally", "KMSCONFORM_DOCKER_PULL=never", "docker pull"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q: %v", want, err)
		}
	}
	if err := containers.EnsurePresent(context.Background(), localKMSImage(t, s), s); err != nil {
		t.Fatalf("EnsurePresent of a built image: %v", err)
	}
}
