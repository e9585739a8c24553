// Package containerstest is what the container tests share: whether they can
// run (a Docker engine), settings that never pull, and a look at the
// containers a test left behind.
package containerstest

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"

	"github.com/kmsconform/kmsconform/harness/containers"
)

var (
	checkOnce sync.Once
	dockerErr error
)

// RequireDocker skips t when no Docker engine is reachable, saying how to
// get one; under CI=true a missing engine fails t instead, since CI must
// run the container tests. The engine is looked for once per test binary.
func RequireDocker(t testing.TB) {
	t.Helper()
	checkOnce.Do(func() {
		// The tests remove every container they start, and must never
		// reach for a registry, which testcontainers' reaper (Ryuk) would
		// be pulled from. Set before testcontainers reads its configuration,
		// and inherited by the kmsconform processes the tests start.
		if os.Getenv("TESTCONTAINERS_RYUK_DISABLED") == "" {
			os.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
		}
		dockerErr = containers.CheckDocker(context.Background())
	})
	requireDocker(t, dockerErr, os.Getenv("CI") == "true")
}

func requireDocker(t testing.TB, dockerErr error, ci bool) {
	t.Helper()
	switch {
	case dockerErr == nil:
	case ci:
		t.Fatalf("CI=true and the container tests cannot run: %v", dockerErr)
	default:
		t.Skipf("container test skipped: %v (`.ci/run` installs and starts one)", dockerErr)
	}
}

// Settings are the settings container tests run with: the network mode of
// the environment (KMSCONFORM_DOCKER_NETWORK), never a pull (a test must
// not reach for a registry), progress lines in the test log, and a label
// naming the test so ContainersLabelled can find what it left.
func Settings(t testing.TB) containers.Settings {
	return containers.Settings{
		Pull:     containers.PullNever,
		Progress: logWriter{t},
		Labels:   map[string]string{containers.LabelRunID: RunID(t)},
	}
}

// RunID is a run id unique to the test, for the LabelRunID label.
func RunID(t testing.TB) string {
	return fmt.Sprintf("test-%d-%s", time.Now().UnixNano(), t.Name())
}

// ContainersLabelled returns the ids of the containers, running or not,
// that carry label=value.
func ContainersLabelled(t testing.TB, label, value string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cli, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	list, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: client.Filters{}.Add("label", label+"="+value)})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range list.Items {
		ids = append(ids, c.ID)
	}
	return ids
}

type logWriter struct{ t testing.TB }

func (w logWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}
