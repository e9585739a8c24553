// Package containers starts KMS targets as Docker containers with
// testcontainers-go, so a run can check an implementation that ships as an
// image (or is built into one here) exactly as it checks any endpoint.
//
// Each launcher is a subpackage with the shape of testcontainers-go's own
// modules, Run(ctx, opts...) (Endpoint, Stop, error):
//
//   - reference: the project's reference KMS, in an image built FROM scratch
//     from a static kmsconform binary, running `kmsconform serve`;
//   - localkms: github.com/nsmithuk/local-kms, built FROM scratch from the
//     version pinned in go.mod, or its published image;
//   - image: any image, with the port and environment the user gives;
//   - localstack: LocalStack with SERVICES=kms, where its image is present or
//     can be pulled.
//
// This package holds what they share: starting a container so that it is
// reached on 127.0.0.1 (its port published there, or host networking in
// sandboxes without a bridge), waiting until it answers a real KMS call,
// removing it, and building and caching images by content hash so that a
// second run reuses the first run's image.
//
// Images are never pulled implicitly by testcontainers: an image is either
// built here or checked (and, when allowed, pulled once) before the
// container starts, so a machine without a registry gets a clear error
// instead of minutes of retries.
package containers

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"
)

// Environment variables the launchers read.
const (
	// EnvNetwork selects how containers are reached: "published" (the
	// default) or "host". See Network.
	EnvNetwork = "KMSCONFORM_DOCKER_NETWORK"
	// EnvPull selects whether a missing image may be pulled: "missing"
	// (the default) or "never". See PullPolicy.
	EnvPull = "KMSCONFORM_DOCKER_PULL"
)

// Labels every container started here carries, so that leftovers of a
// process that was killed outright can be found:
//
//	docker rm -f $(docker ps -aq --filter label=org.kmsconform.target)
const (
	LabelTarget = "org.kmsconform.target" // the launcher: reference, local-kms, image, localstack
	LabelRunID  = "org.kmsconform.run-id" // the run the container was started for, when known
	// LabelStart is unique to one Start, so that a container Docker
	// created while the start was being cancelled (SIGINT) can still be
	// found and removed.
	LabelStart = "org.kmsconform.start"
)

// Endpoint is where a started container serves KMS.
type Endpoint struct {
	// URL is the service's address on this machine, http://127.0.0.1:PORT.
	URL string
	// Region is the region the service was started for; empty when it
	// serves whatever region a request is signed for.
	Region string
	// Image is the image reference the container runs.
	Image string
	// ContainerID identifies the container to Docker.
	ContainerID string
}

// Stop removes a started container. It is safe to call more than once, and
// it removes the container even when ctx is already cancelled (an
// interrupted run must still clean up): it only bounds the time it takes.
type Stop func(ctx context.Context) error

// Network is how a container's service is reached from this machine.
type Network string

const (
	// NetworkPublished runs the container in Docker's default network and
	// publishes the service's port on 127.0.0.1 only, at a port Docker picks.
	// This is what a normal Docker host (or Docker Desktop) wants.
	NetworkPublished Network = "published"
	// NetworkHost runs the container in this machine's network namespace:
	// a free loopback port is chosen and passed to the service with its
	// flag or environment variable. This is for sandboxes whose engine runs
	// with --bridge=none --iptables=false, where published ports cannot work.
	NetworkHost Network = "host"
)

// ParseNetwork reads a network mode as EnvNetwork spells it; empty means
// NetworkPublished.
func ParseNetwork(s string) (Network, error) {
	switch Network(s) {
	case "", NetworkPublished:
		return NetworkPublished, nil
	case NetworkHost:
		return NetworkHost, nil
	}
	return "", fmt.Errorf("%s=%q: use host (host networking, for Docker engines without a bridge network) or published (the default: the port published on 127.0.0.1)", EnvNetwork, s)
}

// PullPolicy says whether an image that is not present locally may be
// pulled from its registry.
type PullPolicy string

const (
	// PullMissing pulls an image once when it is not present locally.
	PullMissing PullPolicy = "missing"
	// PullNever never pulls: a missing image makes its target unavailable.
	// For machines without a registry, where a pull can only fail.
	PullNever PullPolicy = "never"
)

// ParsePullPolicy reads a pull policy as EnvPull spells it; empty means
// PullMissing.
func ParsePullPolicy(s string) (PullPolicy, error) {
	switch PullPolicy(s) {
	case "", PullMissing:
		return PullMissing, nil
	case PullNever:
		return PullNever, nil
	}
	return "", fmt.Errorf("%s=%q: use missing (pull an image that is not present, the default) or never", EnvPull, s)
}

// Settings are what every launcher takes besides its own options. The zero
// value reads the network mode and pull policy from the environment and
// prints nothing.
type Settings struct {
	// Network is how the container is reached; empty: EnvNetwork, else
	// NetworkPublished.
	Network Network
	// Pull says whether a missing published image may be pulled; empty:
	// EnvPull, else PullMissing.
	Pull PullPolicy
	// Progress receives a line for each slow step (building a binary or an
	// image, pulling, starting a container); nil discards them.
	Progress io.Writer
	// Labels are added to the container's labels.
	Labels map[string]string
	// StartupTimeout bounds the wait for the service's first answer;
	// zero: the launcher's default.
	StartupTimeout time.Duration
}

// resolved fills the settings left empty from the environment.
func (s Settings) resolved() (Settings, error) {
	var err error
	if s.Network == "" {
		if s.Network, err = ParseNetwork(os.Getenv(EnvNetwork)); err != nil {
			return s, err
		}
	} else if s.Network, err = ParseNetwork(string(s.Network)); err != nil {
		return s, err
	}
	if s.Pull == "" {
		if s.Pull, err = ParsePullPolicy(os.Getenv(EnvPull)); err != nil {
			return s, err
		}
	} else if s.Pull, err = ParsePullPolicy(string(s.Pull)); err != nil {
		return s, err
	}
	if s.Progress == nil {
		s.Progress = io.Discard
	}
	return s, nil
}

// Progressf writes one progress line (nothing without Progress).
func (s Settings) Progressf(format string, args ...any) {
	if s.Progress != nil {
		fmt.Fprintf(s.Progress, format+"\n", args...)
	}
}
