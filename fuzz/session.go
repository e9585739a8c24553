package fuzz

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"golang.org/x/time/rate"

	"github.com/kmsconform/kmsconform/fixtures/material"
	"github.com/kmsconform/kmsconform/fixtures/wrap"
	"github.com/kmsconform/kmsconform/harness/client"
	"github.com/kmsconform/kmsconform/harness/config"
	"github.com/kmsconform/kmsconform/harness/keys"
	"github.com/kmsconform/kmsconform/harness/profile"
	"github.com/kmsconform/kmsconform/harness/reference/kmsapi"
	"github.com/kmsconform/kmsconform/harness/target"
	"github.com/kmsconform/kmsconform/suites/catalogue"
)

// Environment variables of the fuzzers, besides those harness/config reads
// (KMSCONFORM_ENDPOINT, AWS_ENDPOINT_URL_KMS, KMSCONFORM_RUN_ID) and the AWS
// SDK's own (credentials, AWS_REGION).
const (
	EnvTarget      = "KMSCONFORM_TARGET"           // a target name of harness/target.Resolve
	EnvProfile     = "KMSCONFORM_PROFILE"          // 2022 (default), 2023, 2025
	EnvMutant      = "KMSCONFORM_REFERENCE_MUTANT" // a mutant of the embedded reference
	EnvConfigFile  = "KMSCONFORM_CONFIG"           // the YAML file of --kms.config
	EnvStrict      = "KMSCONFORM_STRICT"           // "1": demand inferred error codes too
	EnvRate        = "KMSCONFORM_FUZZ_RATE"        // requests per second to the target
	EnvCallTimeout = "KMSCONFORM_FUZZ_CALL_TIMEOUT"
	EnvClockSkew   = "KMSCONFORM_FUZZ_CLOCK_SKEW"
)

// Defaults of Options.
const (
	DefaultCallTimeout = 10 * time.Second
	// DefaultRemoteRate is the request rate against an endpoint that is not
	// on this machine: well below AWS KMS's quotas for the import
	// operations, per fuzz worker process.
	DefaultRemoteRate = 5
	// DefaultLoopbackRate is the request rate against a container or
	// another local process.
	DefaultLoopbackRate = 200
)

// Options configure a Session.
type Options struct {
	// Config names the target (endpoint, target name or the embedded
	// reference, with its mutant), the claimed profile and the credentials.
	Config config.Config
	// Rate bounds the requests per second to the target; 0 is the default
	// for the target (unbounded for the embedded reference).
	Rate rate.Limit
	// CallTimeout is the deadline of every call; an answer that takes
	// longer is a hang. Default DefaultCallTimeout.
	CallTimeout time.Duration
	// ClockSkew is how far the target's clock may be from this machine's:
	// ValidTo at the boundaries (now, 365 days) is judged against any time
	// within the call's duration widened by it.
	ClockSkew time.Duration
}

// OptionsFromEnv reads Options from the environment.
func OptionsFromEnv(getenv func(string) string) (Options, error) {
	if v := getenv(EnvProfile); v != "" {
		if _, err := profile.Parse(v); err != nil {
			return Options{}, fmt.Errorf("%s: %w", EnvProfile, err)
		}
	}
	cfg, err := config.Resolve(config.Flags{
		Target:          getenv(EnvTarget),
		Profile:         getenv(EnvProfile),
		ConfigFile:      getenv(EnvConfigFile),
		Strict:          getenv(EnvStrict) == "1",
		ReferenceMutant: getenv(EnvMutant),
	}, getenv)
	if err != nil {
		return Options{}, err
	}
	opts := Options{Config: cfg}
	if v := getenv(EnvRate); v != "" {
		r, err := strconv.ParseFloat(v, 64)
		if err != nil || r <= 0 {
			return Options{}, fmt.Errorf("%s=%q: give requests per second, a positive number", EnvRate, v)
		}
		opts.Rate = rate.Limit(r)
	}
	for _, d := range []struct {
		name string
		into *time.Duration
	}{{EnvCallTimeout, &opts.CallTimeout}, {EnvClockSkew, &opts.ClockSkew}} {
		if v := getenv(d.name); v != "" {
			if *d.into, err = time.ParseDuration(v); err != nil || *d.into < 0 {
				return Options{}, fmt.Errorf("%s=%q: give a duration such as 10s", d.name, v)
			}
		}
	}
	return opts, nil
}

// Session is one target and the oracle kept in step with it, with the keys
// the fuzzers use on both. A test binary starts one (see the tests'
// TestMain); every fuzz input runs against it in turn. Its methods are safe
// for concurrent use, though inputs run one at a time.
type Session struct {
	mu sync.Mutex

	profile    profile.Profile
	targetName string
	embedded   bool // the target is the embedded reference
	runID      string
	strict     bool
	skew       time.Duration
	catalogue  *catalogue.Catalogue

	target *endpoint
	oracle *oracle
	stop   func(context.Context) error

	// specs are the key specs the profile can import, combos the
	// (wrapping algorithm, wrapping key spec) pairs each accepts, as the
	// oracle answers them.
	specs  []types.KeySpec
	combos map[types.KeySpec][]combo
	slots  map[slotID]*slot
}

// Start resolves and starts the target of opts, checks that it answers, and
// starts the oracle.
func Start(ctx context.Context, opts Options) (*Session, error) {
	cfg := opts.Config
	t, err := target.Resolve(cfg)
	if err != nil {
		return nil, err
	}
	ep, err := t.Start(ctx)
	if err != nil {
		return nil, fmt.Errorf("starting %s: %w", t.Name(), err)
	}
	s := &Session{
		profile:    cfg.Profile,
		targetName: t.Name(),
		runID:      cfg.RunID,
		skew:       opts.ClockSkew,
		stop:       t.Stop,
		slots:      map[slotID]*slot{},
	}
	_, s.embedded = t.(*target.Embedded)
	// The embedded reference is the oracle's own code: it must give the
	// very code the oracle predicts, whatever the catalogue's evidence.
	s.strict = cfg.Strict || s.embedded
	if err := s.connect(ctx, cfg, ep, opts); err != nil {
		_ = t.Stop(ctx)
		return nil, err
	}
	if s.oracle, err = newOracle(cfg.Profile); err != nil {
		_ = t.Stop(ctx)
		return nil, err
	}
	if s.catalogue, err = catalogue.Load(); err != nil {
		s.Close(ctx)
		return nil, err
	}
	if s.specs, s.combos, err = s.oracle.importable(); err != nil {
		s.Close(ctx)
		return nil, err
	}
	return s, nil
}

// connect builds the HTTP side: the SDK client resolves credentials and
// Region as a conformance run does (static test credentials for a loopback
// target) and checks the target answers; requests are then signed with the
// same credentials.
func (s *Session) connect(ctx context.Context, cfg config.Config, ep target.Endpoint, opts Options) error {
	c, err := client.New(ctx, cfg, ep)
	if err != nil {
		return err
	}
	if err := client.Check(ctx, c, ep.URL, cfg.EndpointSource); err != nil {
		return err
	}
	limit := opts.Rate
	if limit == 0 {
		switch {
		case s.embedded:
			limit = rate.Inf
		case ep.Loopback:
			limit = DefaultLoopbackRate
		default:
			limit = DefaultRemoteRate
		}
	}
	timeout := opts.CallTimeout
	if timeout == 0 {
		timeout = DefaultCallTimeout
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	s.target = &endpoint{
		url:     ep.URL,
		client:  &http.Client{Transport: transport},
		creds:   c.Options().Credentials,
		region:  c.Options().Region,
		signer:  v4.NewSigner(),
		limiter: rate.NewLimiter(limit, 1),
		timeout: timeout,
	}
	return nil
}

// Close schedules the deletion of the keys still in use on the target and
// stops the target and the oracle.
func (s *Session) Close(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	if s.target != nil {
		for _, sl := range s.slots {
			if err := s.deleteKey(ctx, sl.target.id); err != nil {
				errs = append(errs, err)
			}
		}
		s.target.client.CloseIdleConnections()
	}
	if s.oracle != nil {
		s.oracle.close()
	}
	errs = append(errs, s.stop(ctx))
	return errors.Join(errs...)
}

// deleteKey schedules the deletion of a key the session made on the target,
// with the shortest waiting period. The embedded reference's keys go with
// the process. A key already pending deletion or gone is not an error.
func (s *Session) deleteKey(ctx context.Context, id string) error {
	if s.embedded {
		return nil
	}
	days := int32(keys.DeletionWindowDays)
	a := s.target.call(ctx, "ScheduleKeyDeletion", &kmsapi.ScheduleKeyDeletionInput{KeyId: &id, PendingWindowInDays: &days}, nil)
	if !a.OK() && a.Code != "KMSInvalidStateException" && a.Code != "NotFoundException" {
		return fmt.Errorf("scheduling the deletion of fuzz key %s: %v", id, a)
	}
	return nil
}

// Profile is the profile the session checks.
func (s *Session) Profile() profile.Profile { return s.profile }

// TargetName says what the target is.
func (s *Session) TargetName() string { return s.targetName }

// combo is a wrapping algorithm with a wrapping key spec: the parameters of
// one GetParametersForImport request.
type combo struct {
	Algorithm types.AlgorithmSpec
	Spec      types.WrappingKeySpec
}

func (c combo) String() string { return string(c.Algorithm) + "/" + string(c.Spec) }

// allCombos lists every combination fixtures/wrap can wrap for, in a fixed
// order; which of them a key accepts depends on its key spec and the profile.
func allCombos() []combo {
	var out []combo
	for _, spec := range []types.WrappingKeySpec{types.WrappingKeySpecRsa2048, types.WrappingKeySpecRsa3072, types.WrappingKeySpecRsa4096} {
		for _, alg := range wrap.Algorithms() {
			out = append(out, combo{alg, spec})
		}
	}
	return out
}

// keyUsage is the usage the fuzzers create a key of a spec with: the one
// whose operations prove the key usable with cheap public-key checks
// (Verify) where there is a choice.
func keyUsage(spec types.KeySpec) types.KeyUsageType {
	switch {
	case spec == types.KeySpecSymmetricDefault:
		return types.KeyUsageTypeEncryptDecrypt
	case material.HMACLength(spec) > 0:
		return types.KeyUsageTypeGenerateVerifyMac
	}
	return types.KeyUsageTypeSignVerify
}

// importable asks the oracle which key specs the profile lets a key with
// Origin=EXTERNAL have, and which wrapping combinations each accepts: the
// decision layer's answer, not a table of the fuzzers' own.
func (o *oracle) importable() ([]types.KeySpec, map[types.KeySpec][]combo, error) {
	var specs []types.KeySpec
	combos := map[types.KeySpec][]combo{}
	origin := types.OriginTypeExternal
	for _, spec := range material.Importable() {
		usage := keyUsage(spec)
		out, err := o.createKey(&kmsapi.CreateKeyInput{KeySpec: &spec, KeyUsage: &usage, Origin: &origin})
		if err != nil {
			continue
		}
		for _, c := range allCombos() {
			if _, err := o.getParameters(&kmsapi.GetParametersForImportInput{KeyId: out.KeyMetadata.KeyId, WrappingAlgorithm: &c.Algorithm, WrappingKeySpec: &c.Spec}); err == nil {
				combos[spec] = append(combos[spec], c)
			}
		}
		if len(combos[spec]) > 0 {
			specs = append(specs, spec)
		}
	}
	if len(specs) == 0 {
		return nil, nil, errors.New("the oracle accepts no key spec for import: the reference is broken")
	}
	return specs, combos, nil
}

// exactCode reports whether a predicted error code must be matched exactly:
// always against the embedded reference or with KMSCONFORM_STRICT=1,
// otherwise when one of the rules the input exercises documents the code (or
// it was observed from AWS) in the profile. Where AWS names no code (evidence
// "inferred") any client error is accepted, as the suite does without
// --strict.
func (s *Session) exactCode(ruleIDs []string, code string) bool {
	if s.strict {
		return true
	}
	for _, id := range ruleIDs {
		r, ok := s.catalogue.Rule(id)
		if !ok {
			continue
		}
		for _, e := range r.ExpectationsIn(s.profile) {
			if e.Error == code && e.Evidence != catalogue.Inferred {
				return true
			}
		}
	}
	return false
}
