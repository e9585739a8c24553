// Package target starts and stops the KMS a run checks: an endpoint that is
// already running, the embedded reference KMS (in-process, over HTTP), or a
// container. The suite reaches every target the same way, through the
// Endpoint it returns, so the reference is tested exactly as a vendor is.
package target

import (
	"context"
	"strings"
	"time"

	"github.com/kmsconform/kmsconform/harness/config"
)

// Target is a KMS the suite can run against.
type Target interface {
	// Name says what the target is, for logs and results ("endpoint",
	// "embedded reference (profile 2023)", "container local-kms").
	Name() string
	// Start makes the target reachable and returns where it listens.
	Start(ctx context.Context) (Endpoint, error)
	// Stop releases what Start acquired. It is safe to call after a failed
	// Start and more than once.
	Stop(ctx context.Context) error
}

// Endpoint is where a started target listens.
type Endpoint struct {
	URL string
	// Region, when set, is the region the target serves; it overrides the
	// configured one (a container started for one region).
	Region string
	// Loopback is true when the endpoint is on this machine, where static test
	// credentials are used unless others are configured.
	Loopback bool
	// Clocks is non-nil only for in-process targets: it gives a spec a
	// private instance of the target whose clock the spec can move.
	Clocks ClockedInstances
	// Credentials, when set, are the credentials the target accepts, used
	// unless the configuration names others.
	Credentials *config.Credentials
	// Provides is what the target brings for the optional capabilities, so
	// a run against it declares them without configuration.
	Provides Provided
}

// Provided is what a target brings for the optional capabilities: the
// embedded reference serves a second account and a second region.
type Provided struct {
	Capabilities  []config.Capability
	SecondAccount *config.Credentials
	SecondRegion  string
}

// ApplyTo returns cfg with what the target provides filled in where the
// configuration left it empty.
func (p Provided) ApplyTo(cfg config.Config) (config.Config, error) {
	if len(p.Capabilities) > 0 {
		names := cfg.Capabilities.List()
		for _, c := range p.Capabilities {
			if !cfg.Capabilities.Has(c) {
				names = append(names, string(c))
			}
		}
		caps, err := config.ParseCapabilities(strings.Join(names, ","))
		if err != nil {
			return cfg, err
		}
		cfg.Capabilities = caps
	}
	if cfg.SecondAccount == nil {
		cfg.SecondAccount = p.SecondAccount
	}
	if cfg.SecondRegion == "" {
		cfg.SecondRegion = p.SecondRegion
	}
	return cfg, nil
}

// ClockedInstances is offered by targets whose time the suite controls (the
// embedded reference). Rules about expiry (24-hour import tokens, ValidTo)
// then run in milliseconds: each spec gets its own instance, so moving its
// clock cannot disturb specs running beside it.
type ClockedInstances interface {
	NewClockedInstance(ctx context.Context) (*ClockedInstance, error)
}

// ClockedInstance is a private target instance with a movable clock.
type ClockedInstance struct {
	URL string
	// Advance moves the instance's clock forward.
	Advance func(d time.Duration)
	// Close stops the instance.
	Close func()
}
