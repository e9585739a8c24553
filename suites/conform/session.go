// Package conform is how the conformance specs are declared and run: It and
// Entry (the only way to declare a spec, one rule each), the matchers
// (BeKMSError, HaveKeyState), the assertions that apply the catalogue's
// evidence levels (Rule.ExpectError and friends), the check that a rejected
// call left the key unchanged, capabilities and clocks, and the run itself:
// flags -> config -> target -> client -> specs -> report.
package conform

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/kmsconform/kmsconform/harness/client"
	"github.com/kmsconform/kmsconform/harness/config"
	"github.com/kmsconform/kmsconform/harness/profile"
	"github.com/kmsconform/kmsconform/harness/target"
)

// Session is what every spec of a run shares: the resolved configuration,
// the started target and a client for it. A run has one per process.
type Session struct {
	Config   config.Config
	Target   target.Target
	Endpoint target.Endpoint
	Client   *kms.Client
}

// session is set before the first spec runs (in BeforeSuite) and read by
// specs. Ginkgo specs are closures declared at package level, so the run's
// state has to live at package level too; nothing writes it after setup.
var session Session

// Client returns the KMS client of the run's target.
func Client() *kms.Client { return session.Client }

// Profile returns the profile the run claims.
func Profile() profile.Profile { return session.Config.Profile }

// Config returns the run's configuration.
func Config() config.Config { return session.Config }

// InProcess reports whether the target is the embedded reference running in
// this process, which decides every call synchronously and whose clocks a
// spec can move. A container target (--target) has no endpoint URL in the
// config either, so this asks the target, not the config.
func InProcess() bool { return session.Endpoint.Clocks != nil }

// RunID returns the id the run's keys are tagged with.
func RunID() string { return session.Config.RunID }

// Flags are the suite's command-line flags, registered on the standard flag
// set by RegisterFlags so `ginkgo run ./suites/... -- --kms.endpoint=URL`
// and `go test ./suites/... -args --kms.profile=2023` work.
var Flags config.Flags

// RegisterFlags registers the --kms.* flags on fs.
func RegisterFlags(fs *flag.FlagSet) { Flags.Register(fs, "kms.", target.ContainerTargets) }

// ProfileFilter is the label filter that selects the specs of a profile.
func ProfileFilter(p profile.Profile) string {
	return fmt.Sprintf("profile: containsAny %s", p)
}

// SuiteConfiguration returns Ginkgo's configuration with the profile's label
// filter added to whatever filter the user gave, so a run executes exactly
// the rules of the claimed profile.
func SuiteConfiguration(cfg config.Config, extraFilter string) (types.SuiteConfig, types.ReporterConfig) {
	suiteConfig, reporterConfig := ginkgo.GinkgoConfiguration()
	filter := ProfileFilter(cfg.Profile)
	for _, user := range []string{extraFilter, suiteConfig.LabelFilter} {
		if user = strings.TrimSpace(user); user != "" {
			filter = "(" + user + ") && " + filter
		}
	}
	suiteConfig.LabelFilter = filter
	return suiteConfig, reporterConfig
}

// Resolve turns the registered flags and the environment into a
// configuration, or says what is wrong with them.
func Resolve() (config.Config, error) { return config.Resolve(Flags, config.Getenv) }

// Start starts the configured target, builds its client and checks that it
// answers as KMS. It is called once per process before any spec runs.
func Start(ctx context.Context, cfg config.Config) (Session, error) {
	t, err := target.Resolve(cfg)
	if err != nil {
		return Session{}, err
	}
	ep, err := t.Start(ctx)
	if err != nil {
		_ = t.Stop(ctx)
		return Session{}, fmt.Errorf("starting %s: %w", t.Name(), err)
	}
	if cfg, err = ep.Provides.ApplyTo(cfg); err != nil {
		_ = t.Stop(ctx)
		return Session{}, err
	}
	c, err := client.New(ctx, cfg, ep)
	if err == nil {
		source := cfg.EndpointSource
		if cfg.Endpoint == "" {
			source = t.Name()
		}
		err = client.Check(ctx, c, ep.URL, source)
	}
	if err != nil {
		_ = t.Stop(ctx)
		return Session{}, err
	}
	return Session{Config: cfg, Target: t, Endpoint: ep, Client: c}, nil
}

// Use makes s the session the specs of this process run with.
func Use(s Session) { session = s }
