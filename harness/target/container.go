package target

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/kmsconform/kmsconform/harness/config"
	"github.com/kmsconform/kmsconform/harness/containers"
	"github.com/kmsconform/kmsconform/harness/containers/image"
	"github.com/kmsconform/kmsconform/harness/containers/localkms"
	"github.com/kmsconform/kmsconform/harness/containers/localstack"
	refcontainer "github.com/kmsconform/kmsconform/harness/containers/reference"
)

// ContainerTargets describes the --target values that start a container,
// for help texts and errors.
const ContainerTargets = "reference, local-kms[=IMAGE], localstack[=IMAGE] or " + image.Syntax

// Container is a KMS the harness starts as a Docker container (see
// harness/containers) and removes when the run ends.
type Container struct {
	name string
	run  func(ctx context.Context) (containers.Endpoint, containers.Stop, error)

	mu   sync.Mutex
	stop containers.Stop
}

// Name implements Target.
func (c *Container) Name() string { return c.name }

// Start implements Target: it builds or finds the image, starts the
// container and returns once the service answers ListKeys.
func (c *Container) Start(ctx context.Context) (Endpoint, error) {
	ep, stop, err := c.run(ctx)
	if err != nil {
		return Endpoint{}, err
	}
	c.mu.Lock()
	c.stop = stop
	c.mu.Unlock()
	return Endpoint{URL: ep.URL, Region: ep.Region, Loopback: true}, nil
}

// Stop implements Target: it removes the container, also when ctx is
// cancelled (an interrupted run).
func (c *Container) Stop(ctx context.Context) error {
	c.mu.Lock()
	stop := c.stop
	c.stop = nil
	c.mu.Unlock()
	if stop == nil {
		return nil
	}
	return stop(ctx)
}

// containerTarget resolves a --target value that names a container.
func containerTarget(cfg config.Config) (Target, error) {
	settings := containers.Settings{
		Progress: os.Stderr,
		Labels:   map[string]string{containers.LabelRunID: cfg.RunID},
	}
	name, value, hasValue := strings.Cut(cfg.Target, "=")
	switch {
	case name == "reference" && !hasValue:
		opts := []refcontainer.Option{
			refcontainer.WithProfile(cfg.Reference.Profile),
			refcontainer.WithRegion(cfg.Region),
			refcontainer.WithSettings(settings),
		}
		described := fmt.Sprintf("container reference (profile %s)", cfg.Reference.Profile)
		if cfg.Reference.Mutant != "" {
			opts = append(opts, refcontainer.WithMutant(cfg.Reference.Mutant))
			described += " with mutant " + cfg.Reference.Mutant
		}
		// A declared token lifetime is a claim about the target: make the
		// reference issue tokens that live that long.
		if d := cfg.Capabilities.TokenLifetime(); d > 0 {
			opts = append(opts, refcontainer.WithTokenLifetime(d))
		}
		return &Container{name: described, run: func(ctx context.Context) (containers.Endpoint, containers.Stop, error) {
			return refcontainer.Run(ctx, opts...)
		}}, nil

	case name == "local-kms":
		opts := []localkms.Option{localkms.WithRegion(cfg.Region), localkms.WithSettings(settings)}
		described := "container local-kms"
		if hasValue {
			if value == "" {
				return nil, fmt.Errorf("target local-kms=: give an image after =, such as local-kms=%s, or just local-kms to build it from the pinned source", localkms.PublishedImage)
			}
			opts = append(opts, localkms.WithImage(value))
			described += " (image " + value + ")"
		}
		return &Container{name: described, run: func(ctx context.Context) (containers.Endpoint, containers.Stop, error) {
			return localkms.Run(ctx, opts...)
		}}, nil

	case name == "localstack":
		ref := localstack.DefaultImage
		if hasValue {
			if value == "" {
				return nil, fmt.Errorf("target localstack=: give an image after =, such as localstack=%s, or just localstack", localstack.DefaultImage)
			}
			ref = value
		}
		return &Container{name: "container localstack (image " + ref + ")", run: func(ctx context.Context) (containers.Endpoint, containers.Stop, error) {
			return localstack.Run(ctx, localstack.WithImage(ref), localstack.WithSettings(settings))
		}}, nil

	case name == "image":
		spec, err := image.Parse(cfg.Target)
		if err != nil {
			return nil, fmt.Errorf("target %s: %w", config.RedactTarget(cfg.Target), err)
		}
		return &Container{name: "container image " + spec.Image, run: func(ctx context.Context) (containers.Endpoint, containers.Stop, error) {
			return image.Run(ctx, image.WithSpec(spec), image.WithSettings(settings))
		}}, nil
	}
	return nil, fmt.Errorf("unknown target %q: use %s (started in a Docker container), or give an endpoint URL (--endpoint) instead, or neither for the embedded reference", config.RedactTarget(cfg.Target), ContainerTargets)
}
