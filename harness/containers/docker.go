package containers

import (
	"context"
	"fmt"
	"time"

	"github.com/testcontainers/testcontainers-go"
)

// CheckDocker reports whether a Docker engine is reachable, with an error
// that says how to get one.
func CheckDocker(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	cli, err := dockerClient(ctx)
	if err != nil {
		return err
	}
	return cli.Close()
}

// dockerClient connects to the Docker engine testcontainers-go finds
// (DOCKER_HOST, the Docker context, the default socket).
func dockerClient(ctx context.Context) (*testcontainers.DockerClient, error) {
	cli, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return nil, fmt.Errorf("no Docker engine is reachable (%v): start one (Docker Desktop, or `dockerd`; in a sandbox without a bridge network: `dockerd --storage-driver=vfs --bridge=none --iptables=false` and %s=host), or point DOCKER_HOST at it", err, EnvNetwork)
	}
	return cli, nil
}
