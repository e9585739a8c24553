// Package config resolves what a conformance run targets and claims: the
// endpoint (or the embedded reference), region, profile, capabilities,
// strictness, report directory and credentials, from flags, a YAML file and
// the environment. Every bad value is refused before any spec runs, with an
// error that says what to change.
//
// Precedence, first hit wins: a flag, then the YAML file given with
// --kms.config, then the environment (KMSCONFORM_ENDPOINT, then
// AWS_ENDPOINT_URL_KMS, the SDK's own convention), then the defaults (the
// embedded reference KMS, profile 2022, region us-east-1).
package config

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/kmsconform/kmsconform/harness/profile"
)

// Environment variables the resolver reads.
const (
	EnvEndpoint    = "KMSCONFORM_ENDPOINT"
	EnvSDKEndpoint = "AWS_ENDPOINT_URL_KMS"
	EnvRunID       = "KMSCONFORM_RUN_ID"
)

// DefaultRegion is used when neither a flag, the file nor AWS_REGION names one.
const DefaultRegion = "us-east-1"

// Config is a resolved, validated run configuration.
type Config struct {
	// Endpoint is the KMS endpoint URL; empty means a target is started
	// (Target, or the embedded reference when Target is empty too).
	Endpoint string
	// EndpointSource says where Endpoint came from (flag, file, env name),
	// so an unreachable endpoint's error can name the setting to change.
	EndpointSource string
	// Target names a target the harness starts (e.g. "reference",
	// "local-kms"); empty with an empty Endpoint means the embedded reference.
	Target       string
	Region       string
	Profile      profile.Profile
	Capabilities Capabilities
	// Strict demands the inferred error code too, not only a 4xx.
	Strict    bool
	ReportDir string
	// Baseline is the path of a baseline of known failures: with one, the
	// run passes when its failures are exactly the baseline's.
	Baseline string
	// Reference configures the embedded reference KMS when it is the target.
	Reference ReferenceOptions
	// Credentials, when set, replace the SDK's default credential chain.
	Credentials *Credentials
	// SecondRegion is another region of the same service, for the
	// multi-Region rules (capability multi-region): replicas go there.
	SecondRegion string
	// SecondAccount holds the credentials of another account for the
	// cross-account rules (capability second-account).
	SecondAccount *Credentials
	// RunID tags every key the run creates so cleanup and `sweep` touch
	// only the suite's own keys.
	RunID string
}

// ReferenceOptions configure the embedded reference KMS. By default it
// behaves as the claimed profile without faults; a different profile or a
// mutant makes the run a check that the suite notices the difference.
type ReferenceOptions struct {
	Profile profile.Profile
	Mutant  string
}

// Credentials are static AWS credentials. They are never printed: Redacted
// replaces the secret.
type Credentials struct {
	AccessKeyID     string `yaml:"access-key-id"`
	SecretAccessKey string `yaml:"secret-access-key"`
	SessionToken    string `yaml:"session-token"`
	// AccountID is only needed for the second account, whose keys' ARNs the
	// cross-account rules build.
	AccountID string `yaml:"account-id"`
}

// Flags holds the raw values of the command-line flags; empty means unset.
type Flags struct {
	// Prefix is how the flags are spelt where they were given: "--kms."
	// for `ginkgo run ... -- --kms.profile=2023`, "--" for `kmsconform run
	// --profile 2023`; errors name the flag the user typed. Default "--kms.".
	Prefix string

	Endpoint         string
	Target           string
	Region           string
	Profile          string
	ConfigFile       string
	Capabilities     string
	Strict           bool
	ReportDir        string
	Baseline         string
	ReferenceProfile string
	ReferenceMutant  string
	SecondRegion     string
}

// Resolve combines flags, the YAML file named by flags.ConfigFile and the
// environment into a Config. getenv is os.Getenv outside tests.
func Resolve(flags Flags, getenv func(string) string) (Config, error) {
	var file File
	if flags.ConfigFile != "" {
		var err error
		if file, err = ReadFile(flags.ConfigFile); err != nil {
			return Config{}, err
		}
	}
	prefix := flags.Prefix
	if prefix == "" {
		prefix = "--kms."
	}
	var problems []error
	note := func(err error) {
		if err != nil {
			problems = append(problems, err)
		}
	}
	cfg := Config{Strict: flags.Strict || file.Strict}

	cfg.Endpoint, cfg.EndpointSource = first(
		sourced{flags.Endpoint, prefix + "endpoint"},
		sourced{file.Endpoint, "endpoint in " + flags.ConfigFile},
		sourced{getenv(EnvEndpoint), EnvEndpoint},
		sourced{getenv(EnvSDKEndpoint), EnvSDKEndpoint},
	)
	if cfg.Endpoint != "" {
		note(checkEndpoint(cfg.Endpoint, cfg.EndpointSource))
	}
	cfg.Target, _ = first(sourced{flags.Target, ""}, sourced{file.Target, ""})
	if cfg.Target != "" && cfg.Endpoint != "" {
		note(fmt.Errorf("both a target (%q) and an endpoint (%q from %s) are set: give one; a target is started by the harness, an endpoint is already running", RedactTarget(cfg.Target), cfg.Endpoint, cfg.EndpointSource))
	}

	cfg.Region, _ = first(sourced{flags.Region, ""}, sourced{file.Region, ""}, sourced{getenv("AWS_REGION"), ""}, sourced{getenv("AWS_DEFAULT_REGION"), ""}, sourced{DefaultRegion, ""})

	profileName, profileSource := first(sourced{flags.Profile, prefix + "profile"}, sourced{file.Profile, "profile in " + flags.ConfigFile}, sourced{string(profile.Default), ""})
	p, err := profile.Parse(profileName)
	if err != nil && profileSource != "" {
		err = fmt.Errorf("%s: %w", profileSource, err)
	}
	note(err)
	cfg.Profile = p

	if flags.Capabilities != "" {
		cfg.Capabilities, err = ParseCapabilities(flags.Capabilities)
		if err != nil {
			err = fmt.Errorf("%scapabilities: %w", prefix, err)
		}
	} else {
		cfg.Capabilities, err = capabilitiesFromList(file.Capabilities)
		if err != nil {
			err = fmt.Errorf("capabilities in %s: %w", flags.ConfigFile, err)
		}
	}
	note(err)

	cfg.ReportDir, _ = first(sourced{flags.ReportDir, ""}, sourced{file.ReportDir, ""})
	cfg.Baseline = strings.TrimSpace(flags.Baseline)

	cfg.Reference.Profile = cfg.Profile
	refProfile, _ := first(sourced{flags.ReferenceProfile, ""}, sourced{file.Reference.Profile, ""})
	if refProfile != "" {
		rp, err := profile.Parse(refProfile)
		if err != nil {
			note(fmt.Errorf("reference profile: %w", err))
		}
		cfg.Reference.Profile = rp
	}
	cfg.Reference.Mutant, _ = first(sourced{flags.ReferenceMutant, ""}, sourced{file.Reference.Mutant, ""})
	if (refProfile != "" || cfg.Reference.Mutant != "") && (cfg.Endpoint != "" || (cfg.Target != "" && cfg.Target != "reference")) {
		note(errors.New("reference profile and mutant apply only to the embedded or containerised reference KMS, not to another endpoint or target: drop them or drop the endpoint"))
	}

	cfg.Credentials = file.Credentials
	if cfg.Credentials != nil {
		note(cfg.Credentials.check("credentials in " + flags.ConfigFile))
	}
	cfg.SecondAccount = file.SecondAccount
	if cfg.SecondAccount != nil {
		note(cfg.SecondAccount.check("second-account in " + flags.ConfigFile))
		if cfg.SecondAccount.AccountID == "" {
			note(fmt.Errorf("second-account in %s: account-id is missing: the cross-account rules build the other account's key ARNs from it", flags.ConfigFile))
		}
	}
	cfg.SecondRegion, _ = first(sourced{flags.SecondRegion, ""}, sourced{file.SecondRegion, ""})
	if cfg.SecondRegion != "" && cfg.SecondRegion == cfg.Region {
		note(fmt.Errorf("%ssecond-region %s is the run's own region: give another region of the service, where replicas go", prefix, cfg.SecondRegion))
	}
	// The embedded reference provides a second account and region itself
	// (target.Endpoint.Provides); any other target needs them configured.
	if !cfg.Embedded() {
		if cfg.Capabilities.Has(SecondAccount) && cfg.SecondAccount == nil {
			note(fmt.Errorf("capability second-account is declared but no second-account credentials are configured: add a second-account section (access-key-id, secret-access-key, account-id) to the %sconfig file", prefix))
		}
		if cfg.Capabilities.Has(MultiRegion) && cfg.SecondRegion == "" {
			note(fmt.Errorf("capability multi-region is declared but no second region is configured: give %ssecond-region REGION (another region of the same service, where replicas go)", prefix))
		}
	}

	cfg.RunID = getenv(EnvRunID)
	if cfg.RunID == "" {
		cfg.RunID = NewRunID(time.Now())
	}
	if len(problems) > 0 {
		return Config{}, errors.Join(problems...)
	}
	return cfg, nil
}

// Embedded reports whether the run targets the embedded reference KMS
// (neither an endpoint nor another target).
func (c Config) Embedded() bool {
	return c.Endpoint == "" && (c.Target == "" || c.Target == "embedded")
}

// NewRunID makes a run id that sorts by time and is unique across machines.
func NewRunID(now time.Time) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

// IsLoopback reports whether the endpoint URL points at this machine, where
// static test credentials are a safe default.
func IsLoopback(endpoint string) bool {
	u, err := url.Parse(endpoint)
	if err != nil {
		return false
	}
	host := u.Hostname()
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func checkEndpoint(endpoint, source string) error {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%s: %q is not an endpoint URL: use the form http://127.0.0.1:4599 or https://kms.us-east-1.amazonaws.com", source, endpoint)
	}
	if u.Path != "" && u.Path != "/" {
		return fmt.Errorf("%s: %q has a path (%s): KMS endpoints are served at the root, use %s://%s", source, endpoint, u.Path, u.Scheme, u.Host)
	}
	return nil
}

func (c *Credentials) check(where string) error {
	if c.AccessKeyID == "" || c.SecretAccessKey == "" {
		return fmt.Errorf("%s: both access-key-id and secret-access-key are needed", where)
	}
	return nil
}

type sourced struct{ value, source string }

func first(candidates ...sourced) (value, source string) {
	for _, c := range candidates {
		if strings.TrimSpace(c.value) != "" {
			return strings.TrimSpace(c.value), c.source
		}
	}
	return "", ""
}

// Redacted returns the configuration as it may appear in logs and reports:
// secrets are replaced, access key ids shortened to their first four
// characters.
func (c Config) Redacted() map[string]any {
	out := map[string]any{
		"endpoint":     c.Endpoint,
		"target":       RedactTarget(c.Target),
		"region":       c.Region,
		"profile":      string(c.Profile),
		"capabilities": c.Capabilities.List(),
		"strict":       c.Strict,
		"run-id":       c.RunID,
	}
	if c.SecondRegion != "" {
		out["second-region"] = c.SecondRegion
	}
	if c.Endpoint == "" && (c.Target == "" || c.Target == "reference") {
		out["reference-profile"] = string(c.Reference.Profile)
		if c.Reference.Mutant != "" {
			out["reference-mutant"] = c.Reference.Mutant
		}
	}
	if c.Credentials != nil {
		out["credentials"] = c.Credentials.redacted()
	}
	if c.SecondAccount != nil {
		out["second-account"] = c.SecondAccount.redacted()
	}
	return out
}

// RedactTarget hides the values of a target's env=NAME=VALUE items
// (--target image=REF,port=N,env=LICENCE=...): they may be secrets.
func RedactTarget(target string) string {
	items := strings.Split(target, ",")
	for i, item := range items {
		if value, ok := strings.CutPrefix(item, "env="); ok {
			name, _, _ := strings.Cut(value, "=")
			items[i] = "env=" + name + "=***"
		}
	}
	return strings.Join(items, ",")
}

func (c *Credentials) redacted() map[string]string {
	id := c.AccessKeyID
	if len(id) > 4 {
		id = id[:4] + "****"
	}
	out := map[string]string{"access-key-id": id, "secret-access-key": "***REDACTED***"}
	if c.AccountID != "" {
		out["account-id"] = c.AccountID
	}
	return out
}

// Getenv is os.Getenv; a variable so callers read as Resolve(flags, config.Getenv).
var Getenv = os.Getenv

// Loopback test credentials: the embedded reference knows exactly these two
// accounts and verifies their signatures, and a run against any loopback
// endpoint signs with the first when nothing else is configured. They are
// not secret; they exist so the signing path is exercised for real.
var (
	TestCredentials = Credentials{
		AccessKeyID:     "AKIAKMSCONFORMTEST01",
		SecretAccessKey: "kmsconform-static-test-secret-not-a-real-credential",
		AccountID:       "111122223333",
	}
	SecondTestCredentials = Credentials{
		AccessKeyID:     "AKIAKMSCONFORMTEST02",
		SecretAccessKey: "kmsconform-second-test-secret-not-a-real-credential",
		AccountID:       "444455556666",
	}
)
