// Package reference is the embedded reference KMS of kmsconform: an AWS KMS
// endpoint, over the AWS JSON 1.1 protocol, that behaves as AWS did in one of
// the profiles (2022, 2023, 2025), with real cryptography, and optionally with
// named faults (mutants) that break specific rules on purpose.
//
// It is built in three layers, each testable alone:
//
//   - rules: the decisions. A key record, a request, the profile and the
//     time go in; a new record and a response, or an AWS error, come out.
//     Every rule of the research catalogue the reference shows is there,
//     next to its rule ID.
//   - store: key records per account, with a lock per key.
//   - jsonapi: the wire protocol; no rule lives in it.
//
// This package joins them: a Server is an http.Handler (use it with
// httptest.NewServer or http.Server) that decides each request with rules
// against the records in store. It keeps no global state: any number of
// servers can run in one process.
package reference

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsconform/kmsconform/harness/profile"
	"github.com/kmsconform/kmsconform/harness/reference/clock"
	"github.com/kmsconform/kmsconform/harness/reference/importtoken"
	"github.com/kmsconform/kmsconform/harness/reference/jsonapi"
	"github.com/kmsconform/kmsconform/harness/reference/kmsapi"
	"github.com/kmsconform/kmsconform/harness/reference/mutant"
	"github.com/kmsconform/kmsconform/harness/reference/rules"
	"github.com/kmsconform/kmsconform/harness/reference/store"
	"github.com/kmsconform/kmsconform/harness/reference/wrappool"
)

// Defaults of Options.
const (
	DefaultAccountID     = "111122223333"
	DefaultRegion        = "us-east-1"
	DefaultTokenLifetime = 24 * time.Hour // research IMP-012
	// DefaultMaxBodyBytes leaves ample room above the largest legitimate
	// request (ImportKeyMaterial: two blobs of at most 6144 bytes, base64).
	DefaultMaxBodyBytes = 1 << 20
)

// Options configure a Server. The zero value is a valid configuration: the
// default profile, the system clock, AWS's token lifetime, the documentation
// account and us-east-1, no mutants.
type Options struct {
	Profile       profile.Profile // default profile.Default
	Clock         clock.Clock     // default clock.Real
	TokenLifetime time.Duration   // default DefaultTokenLifetime
	AccountID     string          // default DefaultAccountID
	Region        string          // default DefaultRegion
	// Mutants names the faults to switch on (see Mutants).
	Mutants []string
	// WrappingKeys hands out the RSA wrapping key pairs. Servers may share
	// one source, to pay for key generation once; its owner closes it.
	// Without one, the server starts its own wrappool.Pool.
	WrappingKeys WrappingKeySource
	// MaxBodyBytes bounds request bodies; bigger ones are answered 413.
	// Default DefaultMaxBodyBytes.
	MaxBodyBytes int64
}

// WrappingKeySource hands out RSA wrapping key pairs. A key pair must go
// to one GetParametersForImport response only: the token of one response
// must not accept material wrapped for another (research IMP-060).
// *wrappool.Pool is the implementation.
type WrappingKeySource interface {
	Take(ctx context.Context, spec types.WrappingKeySpec) (*rsa.PrivateKey, error)
}

var (
	accountIDPattern = regexp.MustCompile(`^[0-9]{12}$`)
	regionPattern    = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
)

// Server is a reference KMS.
type Server struct {
	profile       profile.Profile
	clock         clock.Clock
	tokenLifetime time.Duration
	accountID     string
	region        string
	mutants       mutant.Set
	tokens        *importtoken.Sealer
	pool          WrappingKeySource
	ownPool       *wrappool.Pool
	keys          *store.Store[rules.Key]
	handler       http.Handler
}

// Mutants lists the faults a server can be started with.
func Mutants() []mutant.Mutant { return mutant.All() }

// New starts a server. Close it to stop its background key generation.
func New(opts Options) (*Server, error) {
	s := &Server{
		profile:       opts.Profile,
		clock:         opts.Clock,
		tokenLifetime: opts.TokenLifetime,
		accountID:     opts.AccountID,
		region:        opts.Region,
		pool:          opts.WrappingKeys,
		keys:          store.New[rules.Key](),
	}
	if s.profile == "" {
		s.profile = profile.Default
	}
	if _, err := profile.Parse(string(s.profile)); err != nil {
		return nil, err
	}
	if s.clock == nil {
		s.clock = clock.Real{}
	}
	if s.tokenLifetime == 0 {
		s.tokenLifetime = DefaultTokenLifetime
	}
	if s.tokenLifetime < 0 {
		return nil, fmt.Errorf("reference: token lifetime %v is negative", s.tokenLifetime)
	}
	if s.accountID == "" {
		s.accountID = DefaultAccountID
	}
	if !accountIDPattern.MatchString(s.accountID) {
		return nil, fmt.Errorf("reference: account ID %q is not 12 digits", s.accountID)
	}
	if s.region == "" {
		s.region = DefaultRegion
	}
	if !regionPattern.MatchString(s.region) {
		return nil, fmt.Errorf("reference: Region %q is not a Region name such as us-east-1", s.region)
	}
	var err error
	if s.mutants, err = mutant.Parse(opts.Mutants); err != nil {
		return nil, err
	}
	if s.tokens, err = importtoken.NewSealer(); err != nil {
		return nil, err
	}
	maxBody := opts.MaxBodyBytes
	if maxBody == 0 {
		maxBody = DefaultMaxBodyBytes
	}
	if s.pool == nil {
		if s.ownPool, err = wrappool.New(PoolSizes(s.profile)); err != nil {
			return nil, err
		}
		s.pool = s.ownPool
	}
	s.handler = jsonapi.NewHandler(s, maxBody)
	return s, nil
}

// PoolSizes is the wrapping key pool a server of profile p needs: the
// default sizes for the wrapping key specs the profile accepts (2022: only
// RSA_2048, research IMP-022).
func PoolSizes(p profile.Profile) map[types.WrappingKeySpec]int {
	sizes := wrappool.DefaultSizes()
	if !p.AtLeast(profile.P2023) {
		return map[types.WrappingKeySpec]int{types.WrappingKeySpecRsa2048: sizes[types.WrappingKeySpecRsa2048]}
	}
	return sizes
}

// ServeHTTP answers one AWS JSON 1.1 request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Close stops the server's own wrapping key pool. Requests still being
// served that need a wrapping key fail with KMSInternalException.
func (s *Server) Close() {
	if s.ownPool != nil {
		s.ownPool.Close()
	}
}

// Profile is the profile the server behaves as.
func (s *Server) Profile() profile.Profile { return s.profile }

// account is the account a caller acts in. Accounts will be keyed by access
// key ID; today there is one.
func (s *Server) account(kmsapi.Caller) string { return s.accountID }

// env is the decision environment of a request arriving now. Time is taken
// at millisecond precision, the precision of timestamps on the wire, so a
// time the server reports is exactly the time it decided on.
func (s *Server) env(ctx context.Context, c kmsapi.Caller) rules.Env {
	return rules.Env{
		Profile:       s.profile,
		Now:           s.clock.Now().UTC().Truncate(time.Millisecond),
		AccountID:     s.account(c),
		Region:        s.region,
		Mutants:       s.mutants,
		Tokens:        s.tokens,
		TokenLifetime: s.tokenLifetime,
		WrappingKey: func(spec types.WrappingKeySpec) (*rsa.PrivateKey, error) {
			return s.pool.Take(ctx, spec)
		},
	}
}

// Env is the decision environment of a request of the server's account
// arriving now: with Key, what a fuzz oracle needs to call
// rules.DecideImportKeyMaterial for this server.
func (s *Server) Env() rules.Env { return s.env(context.Background(), kmsapi.Caller{}) }

// Key returns the record of a key of the server's account as it is stored
// (expiry not yet applied: the decisions apply it).
func (s *Server) Key(keyID string) (rules.Key, bool) { return s.keys.Get(s.accountID, keyID) }

// Supports reports whether an operation exists in the server's profile.
func (s *Server) Supports(operation string) bool { return rules.Supports(s.profile, operation) }

// onKey runs a key operation: validate the request, resolve the key it
// names, decide on the key's record under its lock and keep the result.
func onKey[In, Out any](s *Server, ctx context.Context, c kmsapi.Caller, op rules.KeyOperation[In, Out], in *In) (*Out, error) {
	env := s.env(ctx, c)
	if err := op.Validate(in, env); err != nil {
		return nil, err
	}
	ref, err := op.KeyRef(in)
	if err != nil {
		return nil, err
	}
	id, err := rules.ResolveKeyRef(ref, env)
	if err != nil {
		return nil, err
	}
	var out *Out
	gone := false
	err = s.keys.Update(env.AccountID, id, func(k rules.Key) (rules.Key, error) {
		if k.Deleted(env.Now) {
			gone = true
			return k, rules.NotFound(env, id)
		}
		next, o, err := op.Decide(k, in, env)
		out = o
		return next, err
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, rules.NotFound(env, id)
	}
	if gone {
		// The waiting period is over: the key and its material are gone
		// for good.
		s.keys.Remove(env.AccountID, id)
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}
