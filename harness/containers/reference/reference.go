// Package reference starts the project's reference KMS in a container:
// `kmsconform serve` in an image built FROM scratch from a static kmsconform
// binary. It is the path a vendor's image takes (a container, reached over
// a port), with a KMS whose behaviour is known, so the container plumbing
// itself is tested.
//
// The binary comes from, first hit wins: WithBinary; the running
// executable, when it is a static Linux kmsconform (`make build`, or
// `CGO_ENABLED=0 go install`); a `go build` of ./cmd/kmsconform when the
// working directory is a checkout of this module. The image is tagged with
// the binary's hash, so it is built once per binary.
package reference

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/kmsconform/kmsconform/harness/containers"
	"github.com/kmsconform/kmsconform/harness/profile"
	"github.com/kmsconform/kmsconform/harness/reference/mutant"
)

// Repository is the name of the images this package builds.
const Repository = "kmsconform-reference"

// MainPackage is the command whose binary the image runs.
const MainPackage = containers.ModulePath + "/cmd/kmsconform"

// port is where `serve` listens in the container's own network.
const port = 4599

// Option configures Run.
type Option func(*options)

type options struct {
	profile       profile.Profile
	mutants       []string
	tokenLifetime time.Duration
	region        string
	binary        string
	settings      containers.Settings
}

// WithProfile makes the reference behave as AWS did in profile p (default
// profile.Default).
func WithProfile(p profile.Profile) Option { return func(o *options) { o.profile = p } }

// WithMutant switches on a named fault (see `kmsconform serve
// --list-mutants`); it may be given more than once.
func WithMutant(name string) Option {
	return func(o *options) { o.mutants = append(o.mutants, name) }
}

// WithTokenLifetime sets how long import tokens stay valid (default AWS's
// 24 hours), so expired-token rules can be checked over HTTP in seconds.
func WithTokenLifetime(d time.Duration) Option { return func(o *options) { o.tokenLifetime = d } }

// WithRegion sets the region of the keys (default `serve`'s, us-east-1).
func WithRegion(region string) Option { return func(o *options) { o.region = region } }

// WithBinary puts the static Linux kmsconform binary at path in the image,
// instead of this executable or a fresh build.
func WithBinary(path string) Option { return func(o *options) { o.binary = path } }

// WithSettings sets what every launcher takes: network, pull policy,
// progress output, labels, startup timeout.
func WithSettings(s containers.Settings) Option { return func(o *options) { o.settings = s } }

// Run builds (or reuses) the reference image and starts `kmsconform serve`
// in it, returning once it answers ListKeys.
func Run(ctx context.Context, opts ...Option) (containers.Endpoint, containers.Stop, error) {
	o := options{profile: profile.Default}
	for _, opt := range opts {
		opt(&o)
	}
	if _, err := profile.Parse(string(o.profile)); err != nil {
		return containers.Endpoint{}, nil, err
	}
	if _, err := mutant.Parse(o.mutants); err != nil {
		return containers.Endpoint{}, nil, fmt.Errorf("%w (see `kmsconform serve --list-mutants`)", err)
	}
	if o.tokenLifetime < 0 {
		return containers.Endpoint{}, nil, fmt.Errorf("token lifetime %v: give a positive duration", o.tokenLifetime)
	}

	binary, cleanup, err := findBinary(ctx, o)
	if err != nil {
		return containers.Endpoint{}, nil, err
	}
	defer cleanup()
	image, err := containers.ScratchImage{Repository: Repository, Binary: binary, Name: "kmsconform"}.Ensure(ctx, o.settings)
	if err != nil {
		return containers.Endpoint{}, nil, err
	}

	args := []string{"serve", "--profile", string(o.profile)}
	for _, m := range o.mutants {
		args = append(args, "--mutant", m)
	}
	if o.tokenLifetime > 0 {
		args = append(args, "--token-lifetime", o.tokenLifetime.String())
	}
	if o.region != "" {
		args = append(args, "--region", o.region)
	}
	return containers.Start(ctx, containers.Service{
		Name:  "reference",
		Image: image,
		Port:  port,
		Listen: func(host string, port int) (map[string]string, []string) {
			args := []string{"--addr", fmt.Sprintf("%s:%d", host, port)}
			if host != "127.0.0.1" {
				// In its own network namespace the container must listen
				// beyond its loopback for the published port to reach it;
				// the port is published on the host's loopback only.
				args = append(args, "--allow-remote")
			}
			return nil, args
		},
		Args:   args,
		Region: o.region,
	}, o.settings)
}

// findBinary returns the path of a static Linux kmsconform binary for the
// image, and what to remove once the image is built.
func findBinary(ctx context.Context, o options) (string, func(), error) {
	nothing := func() {}
	if o.binary != "" {
		return o.binary, nothing, nil
	}
	self, whyNotSelf := containers.StaticSelf(MainPackage)
	if whyNotSelf == nil {
		return self, nothing, nil
	}
	dir, err := os.MkdirTemp("", "kmsconform-reference-")
	if err != nil {
		return "", nothing, err
	}
	cleanup := func() { os.RemoveAll(dir) }
	binary := filepath.Join(dir, "kmsconform")
	err = containers.BuildStatic(ctx, "./cmd/kmsconform", binary, o.settings)
	if errors.Is(err, containers.ErrNoSource) {
		cleanup()
		return "", nothing, fmt.Errorf("the reference container needs a static Linux kmsconform binary: this executable cannot be used (%v), and it cannot be built here (%v). Build one with `CGO_ENABLED=0 GOOS=linux go install %s@VERSION` (or `make build` in a checkout) and run that kmsconform", whyNotSelf, err, MainPackage)
	}
	if err != nil {
		cleanup()
		return "", nothing, err
	}
	return binary, cleanup, nil
}
