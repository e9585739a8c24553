package target

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/kmsconform/kmsconform/harness/config"
	"github.com/kmsconform/kmsconform/harness/profile"
	"github.com/kmsconform/kmsconform/harness/reference"
	"github.com/kmsconform/kmsconform/harness/reference/clock"
	"github.com/kmsconform/kmsconform/harness/reference/wrappool"
)

// Embedded is the reference KMS run in this process and reached over HTTP on
// a loopback port, so the suite tests it exactly as it tests a vendor's
// endpoint. It is the default target.
//
// Its wrapping key pairs come from a wrappool.Cycle of pre-generated test
// keys, not from freshly generated ones: a 2025 run asks for dozens of
// RSA-4096 wrapping keys, and generating each takes most of a second.
// `kmsconform serve` keeps generating a fresh key pair for every response.
//
// It serves two accounts (config.TestCredentials and
// config.SecondTestCredentials, whose signatures it verifies) and two
// regions (the run's and a second one), so the cross-account and
// multi-Region rules run in every default run.
type Embedded struct {
	Profile profile.Profile
	// Mutant, when set, is the named fault the reference runs with.
	Mutant string
	// Region is the run's region; the reference also serves SecondRegion.
	Region string

	mu      sync.Mutex
	started bool
	servers []*http.Server
	refs    []*reference.Server
}

// Name implements Target.
func (e *Embedded) Name() string {
	name := fmt.Sprintf("embedded reference (profile %s)", e.Profile)
	if e.Mutant != "" {
		name += " with mutant " + e.Mutant
	}
	return name
}

// Start implements Target.
func (e *Embedded) Start(context.Context) (Endpoint, error) {
	url, err := e.serve(e.options(nil))
	if err != nil {
		return Endpoint{}, err
	}
	e.mu.Lock()
	e.started = true
	e.mu.Unlock()
	second := config.SecondTestCredentials
	return Endpoint{
		URL: url, Loopback: true, Clocks: e, Credentials: &config.TestCredentials,
		Provides: Provided{
			Capabilities:  []config.Capability{config.SecondAccount, config.MultiRegion},
			SecondAccount: &second,
			SecondRegion:  e.secondRegion(),
		},
	}, nil
}

// options are the reference's options: the run's profile and mutant, the
// two test accounts, the two regions and the fixed wrapping key cycle. An
// instance with a movable clock does not verify signatures: SigV4 refuses a
// request dated more than five minutes from the server's clock, and moving
// that clock a day ahead is the instance's purpose.
func (e *Embedded) options(c clock.Clock) reference.Options {
	account := func(creds config.Credentials) reference.Account {
		a := reference.Account{AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey, AccountID: creds.AccountID}
		if c != nil {
			a.SecretAccessKey = ""
		}
		return a
	}
	return reference.Options{
		Profile: e.Profile, Mutants: e.mutants(), WrappingKeys: &wrappool.Cycle{}, Clock: c,
		Accounts: []reference.Account{account(config.TestCredentials), account(config.SecondTestCredentials)},
		Regions:  []string{e.region(), e.secondRegion()},
	}
}

func (e *Embedded) region() string {
	if e.Region == "" {
		return config.DefaultRegion
	}
	return e.Region
}

// secondRegion is where the multi-Region specs put replicas.
func (e *Embedded) secondRegion() string {
	if e.region() == "us-west-2" {
		return "us-east-1"
	}
	return "us-west-2"
}

// NewClockedInstance implements ClockedInstances: a second reference, with
// the same profile and mutant, whose clock starts at the real time and moves
// only when Advance is called. It shares the wrapping key pool.
func (e *Embedded) NewClockedInstance(context.Context) (*ClockedInstance, error) {
	e.mu.Lock()
	started := e.started
	e.mu.Unlock()
	if !started {
		return nil, errors.New("the embedded reference is not started")
	}
	manual := clock.NewManual(time.Now())
	ref, err := reference.New(e.options(manual))
	if err != nil {
		return nil, err
	}
	srv, url, err := listen(ref)
	if err != nil {
		ref.Close()
		return nil, err
	}
	return &ClockedInstance{
		URL:     url,
		Advance: manual.Advance,
		Close: func() {
			_ = srv.Close()
			ref.Close()
		},
	}, nil
}

func (e *Embedded) mutants() []string {
	if e.Mutant == "" {
		return nil
	}
	return []string{e.Mutant}
}

func (e *Embedded) serve(opts reference.Options) (string, error) {
	ref, err := reference.New(opts)
	if err != nil {
		return "", err
	}
	srv, url, err := listen(ref)
	if err != nil {
		ref.Close()
		return "", err
	}
	e.mu.Lock()
	e.servers = append(e.servers, srv)
	e.refs = append(e.refs, ref)
	e.mu.Unlock()
	return url, nil
}

// listen serves h on a free loopback port.
func listen(h http.Handler) (*http.Server, string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", fmt.Errorf("listening on a loopback port for the embedded reference: %w", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return srv, "http://" + ln.Addr().String(), nil
}

// Stop implements Target.
func (e *Embedded) Stop(ctx context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	var errs []error
	for _, s := range e.servers {
		errs = append(errs, s.Shutdown(ctx))
	}
	for _, r := range e.refs {
		r.Close()
	}
	e.servers, e.refs, e.started = nil, nil, false
	return errors.Join(errs...)
}
