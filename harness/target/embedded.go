package target

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/kmsconform/kmsconform/harness/profile"
	"github.com/kmsconform/kmsconform/harness/reference"
	"github.com/kmsconform/kmsconform/harness/reference/clock"
	"github.com/kmsconform/kmsconform/harness/reference/wrappool"
)

// Embedded is the reference KMS run in this process and reached over HTTP on
// a loopback port, so the suite tests it exactly as it tests a vendor's
// endpoint. It is the default target.
type Embedded struct {
	Profile profile.Profile
	// Mutant, when set, is the named fault the reference runs with.
	Mutant string

	mu      sync.Mutex
	pool    *wrappool.Pool
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
	pool, err := wrappool.New(reference.PoolSizes(e.Profile))
	if err != nil {
		return Endpoint{}, err
	}
	e.mu.Lock()
	e.pool = pool
	e.mu.Unlock()
	url, err := e.serve(reference.Options{Profile: e.Profile, Mutants: e.mutants(), WrappingKeys: pool})
	if err != nil {
		return Endpoint{}, err
	}
	return Endpoint{URL: url, Loopback: true, Clocks: e}, nil
}

// NewClockedInstance implements ClockedInstances: a second reference, with
// the same profile and mutant, whose clock starts at the real time and moves
// only when Advance is called. It shares the wrapping key pool.
func (e *Embedded) NewClockedInstance(context.Context) (*ClockedInstance, error) {
	e.mu.Lock()
	pool := e.pool
	e.mu.Unlock()
	if pool == nil {
		return nil, errors.New("the embedded reference is not started")
	}
	manual := clock.NewManual(time.Now())
	ref, err := reference.New(reference.Options{Profile: e.Profile, Mutants: e.mutants(), WrappingKeys: pool, Clock: manual})
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
	if e.pool != nil {
		e.pool.Close()
	}
	e.servers, e.refs, e.pool = nil, nil, nil
	return errors.Join(errs...)
}
