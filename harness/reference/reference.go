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
//   - store: key and alias records per account and Region, with a lock per
//     record.
//   - jsonapi: the wire protocol; no rule lives in it.
//
// This package joins them: a Server is an http.Handler (use it with
// httptest.NewServer or http.Server) that authenticates each request
// (package sigv4, when accounts with secrets are configured), decides it with
// rules against the records in store, and keeps the result. The keys of a
// multi-Region key set are decided on together, under one lock per set. It
// keeps no global state: any number of servers can run in one process.
package reference

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsconform/kmsconform/harness/profile"
	"github.com/kmsconform/kmsconform/harness/reference/awserr"
	"github.com/kmsconform/kmsconform/harness/reference/clock"
	"github.com/kmsconform/kmsconform/harness/reference/importtoken"
	"github.com/kmsconform/kmsconform/harness/reference/jsonapi"
	"github.com/kmsconform/kmsconform/harness/reference/kmsapi"
	"github.com/kmsconform/kmsconform/harness/reference/mutant"
	"github.com/kmsconform/kmsconform/harness/reference/rules"
	"github.com/kmsconform/kmsconform/harness/reference/sigv4"
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
// account and us-east-1, any credentials accepted, no mutants.
type Options struct {
	Profile       profile.Profile // default profile.Default
	Clock         clock.Clock     // default clock.Real
	TokenLifetime time.Duration   // default DefaultTokenLifetime
	// AccountID is the one account of a server without Accounts: every
	// request acts in it, whatever its credentials, signed or not. Default
	// DefaultAccountID. Give AccountID or Accounts, not both.
	AccountID string
	// Accounts are the accounts the server knows, by access key ID; the
	// first is the default account (Env, Key). With Accounts, a request
	// must be signed (SigV4) with one of their access key IDs, and acts in
	// that key's account.
	Accounts []Account
	// Region is the one Region of a server without Regions. Default
	// DefaultRegion. Give Region or Regions, not both.
	Region string
	// Regions are the Regions the server serves, all of one partition; the
	// first is the default Region. A request acts in the Region of its
	// SigV4 credential scope (the default Region if unsigned). A server of
	// one Region serves every request in it, whatever the scope names.
	Regions []string
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

// Account is an account of the server and one access key of it.
type Account struct {
	AccessKeyID string
	// SecretAccessKey, when set, is checked: requests with this access key
	// ID must carry a valid SigV4 signature made with it, at most five
	// minutes from the server's clock. When empty, the signature is not
	// checked.
	SecretAccessKey string
	AccountID       string // 12 digits
}

// WrappingKeySource hands out RSA wrapping key pairs. A key pair must go
// to one GetParametersForImport response only: the token of one response
// must not accept material wrapped for another (research IMP-060).
// *wrappool.Pool is the implementation.
type WrappingKeySource interface {
	Take(ctx context.Context, spec types.WrappingKeySpec) (*rsa.PrivateKey, error)
}

var (
	accountIDPattern   = regexp.MustCompile(`^[0-9]{12}$`)
	accessKeyIDPattern = regexp.MustCompile(`^[A-Za-z0-9]+$`)
	regionPattern      = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
)

// Server is a reference KMS.
type Server struct {
	profile        profile.Profile
	clock          clock.Clock
	tokenLifetime  time.Duration
	defaultAccount string
	// accounts by access key ID; empty: any credentials act in the default
	// account.
	accounts map[string]Account
	regions  []string // the first is the default
	mutants  mutant.Set
	tokens   *importtoken.Sealer
	pool     WrappingKeySource
	ownPool  *wrappool.Pool
	keys     *store.Store[rules.Key]
	keyQuota int // keys per account and Region: AWS's, lower in tests
	aliases  *store.Store[rules.Alias]
	sets     setLocks
	handler  http.Handler
}

// Mutants lists the faults a server can be started with.
func Mutants() []mutant.Mutant { return mutant.All() }

// New starts a server. Close it to stop its background key generation.
func New(opts Options) (*Server, error) {
	s := &Server{
		profile:       opts.Profile,
		clock:         opts.Clock,
		tokenLifetime: opts.TokenLifetime,
		pool:          opts.WrappingKeys,
		keys:          store.New[rules.Key](),
		keyQuota:      rules.KeysPerAccountMax,
		aliases:       store.New[rules.Alias](),
		sets:          setLocks{locks: map[setID]*sync.Mutex{}},
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
	var err error
	if s.defaultAccount, s.accounts, err = accounts(opts.AccountID, opts.Accounts); err != nil {
		return nil, err
	}
	if s.regions, err = regions(opts.Region, opts.Regions); err != nil {
		return nil, err
	}
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
		sizes := PoolSizes(s.profile)
		if len(opts.Mutants) > 0 {
			// A faulty server may hand out wrapping keys of a spec its
			// profile's API does not have (wrapping-key-spec-ignored).
			sizes = wrappool.DefaultSizes()
		}
		if s.ownPool, err = wrappool.New(sizes); err != nil {
			return nil, err
		}
		s.pool = s.ownPool
	}
	s.handler = jsonapi.NewHandler(s, maxBody)
	return s, nil
}

// accounts checks the account options and returns the default account and
// the accounts by access key ID.
func accounts(accountID string, list []Account) (string, map[string]Account, error) {
	if len(list) == 0 {
		if accountID == "" {
			accountID = DefaultAccountID
		}
		if !accountIDPattern.MatchString(accountID) {
			return "", nil, fmt.Errorf("reference: account ID %q is not 12 digits", accountID)
		}
		return accountID, nil, nil
	}
	if accountID != "" {
		return "", nil, errors.New("reference: give AccountID or Accounts, not both (the first of Accounts is the default account)")
	}
	byKey := map[string]Account{}
	for _, a := range list {
		if !accessKeyIDPattern.MatchString(a.AccessKeyID) {
			return "", nil, fmt.Errorf("reference: access key ID %q is not letters and digits", a.AccessKeyID)
		}
		if !accountIDPattern.MatchString(a.AccountID) {
			return "", nil, fmt.Errorf("reference: account ID %q of access key %s is not 12 digits", a.AccountID, a.AccessKeyID)
		}
		if _, dup := byKey[a.AccessKeyID]; dup {
			return "", nil, fmt.Errorf("reference: access key ID %s is given twice", a.AccessKeyID)
		}
		byKey[a.AccessKeyID] = a
	}
	return list[0].AccountID, byKey, nil
}

// regions checks the Region options and returns the Regions served.
func regions(region string, list []string) ([]string, error) {
	switch {
	case len(list) == 0 && region == "":
		list = []string{DefaultRegion}
	case len(list) == 0:
		list = []string{region}
	case region != "":
		return nil, errors.New("reference: give Region or Regions, not both (the first of Regions is the default Region)")
	}
	for i, r := range list {
		if !regionPattern.MatchString(r) {
			return nil, fmt.Errorf("reference: Region %q is not a Region name such as us-east-1", r)
		}
		if slices.Contains(list[:i], r) {
			return nil, fmt.Errorf("reference: Region %s is given twice", r)
		}
		// ReplicateKey stays within a partition (API-RK).
		if rules.Partition(r) != rules.Partition(list[0]) {
			return nil, fmt.Errorf("reference: Regions %s and %s are in different partitions (%s, %s); a server serves one partition", list[0], r, rules.Partition(list[0]), rules.Partition(r))
		}
	}
	return slices.Clone(list), nil
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

// Regions are the Regions the server serves; the first is the default.
func (s *Server) Regions() []string { return slices.Clone(s.regions) }

// Authenticate says who sent a request: without Accounts, anyone, in the
// default account; with Accounts, the account of the request's access key
// ID, once its signature is verified where a secret is known. The Region is
// the one the credential scope names. Failures are AWS's: no Authorization
// header is MissingAuthenticationTokenException, one that cannot be read
// IncompleteSignatureException, an unknown access key ID
// UnrecognizedClientException, a bad or expired signature or a Region the
// server does not serve InvalidSignatureException.
func (s *Server) Authenticate(r *http.Request, body []byte) (kmsapi.Caller, error) {
	header := r.Header.Get("Authorization")
	if len(s.accounts) == 0 {
		c := kmsapi.Caller{AccountID: s.defaultAccount, Region: s.regions[0]}
		auth, err := sigv4.Parse(header)
		if err != nil {
			// Nothing is checked: an unsigned request, or one whose
			// signature cannot be read, acts in the default Region.
			return c, nil
		}
		if c.Region, err = s.region(auth.Region); err != nil {
			return kmsapi.Caller{}, err
		}
		c.AccessKeyID = auth.AccessKeyID
		return c, nil
	}
	if header == "" {
		return kmsapi.Caller{}, awserr.New(awserr.MissingAuthenticationToken, "Missing Authentication Token")
	}
	auth, err := sigv4.Parse(header)
	if err != nil {
		return kmsapi.Caller{}, err
	}
	account, ok := s.accounts[auth.AccessKeyID]
	if !ok {
		return kmsapi.Caller{}, awserr.New(awserr.UnrecognizedClient, "The security token included in the request is invalid.")
	}
	if account.SecretAccessKey != "" && !s.mutants.Has(mutant.SkipSignatureVerification) { // IMP-148
		if err := auth.Verify(r, body, account.SecretAccessKey, s.clock.Now()); err != nil {
			return kmsapi.Caller{}, err
		}
	}
	region, err := s.region(auth.Region)
	if err != nil {
		return kmsapi.Caller{}, err
	}
	return kmsapi.Caller{AccessKeyID: auth.AccessKeyID, AccountID: account.AccountID, Region: region}, nil
}

// region is the Region a request whose credential scope names scope acts
// in: the scope's, which the server must serve; on a server of one Region,
// that Region whatever the scope names.
func (s *Server) region(scope string) (string, error) {
	if len(s.regions) == 1 {
		return s.regions[0], nil
	}
	if slices.Contains(s.regions, scope) {
		return scope, nil
	}
	return "", awserr.New(awserr.InvalidSignature, "Credential should be scoped to a valid region, not '%s'. This endpoint serves %s.", scope, strings.Join(s.regions, ", "))
}

// env is the decision environment of a request of caller c arriving now.
// A caller without account or Region (a zero Caller, as a Go program that
// calls the operations directly may pass) acts in the default account or
// Region. Time is taken at millisecond precision, the precision of
// timestamps on the wire, so a time the server reports is exactly the time
// it decided on.
func (s *Server) env(ctx context.Context, c kmsapi.Caller) rules.Env {
	if c.AccountID == "" {
		c.AccountID = s.defaultAccount
	}
	if c.Region == "" {
		c.Region = s.regions[0]
	}
	return rules.Env{
		Profile:       s.profile,
		Now:           s.clock.Now().UTC().Truncate(time.Millisecond),
		AccountID:     c.AccountID,
		Region:        c.Region,
		Regions:       s.regions,
		Mutants:       s.mutants,
		Tokens:        s.tokens,
		TokenLifetime: s.tokenLifetime,
		WrappingKey: func(spec types.WrappingKeySpec) (*rsa.PrivateKey, error) {
			return s.pool.Take(ctx, spec)
		},
	}
}

// defaultCaller acts in the default account and Region.
func (s *Server) defaultCaller() kmsapi.Caller {
	return kmsapi.Caller{AccountID: s.defaultAccount, Region: s.regions[0]}
}

// Env is the decision environment of a request of the default account in
// the default Region arriving now: with Key, what a fuzz oracle needs to
// call rules.DecideImportKeyMaterial for this server.
func (s *Server) Env() rules.Env { return s.env(context.Background(), s.defaultCaller()) }

// Key returns the record of a key of the default account in the default
// Region as it is stored (expiry not yet applied: the decisions apply it).
func (s *Server) Key(keyID string) (rules.Key, bool) {
	c := s.defaultCaller()
	return s.keys.Get(store.Scope{AccountID: c.AccountID, Region: c.Region}, keyID)
}

// Supports reports whether an operation exists in the server's profile.
func (s *Server) Supports(operation string) bool { return rules.Supports(s.profile, operation) }

// decision is a decision on one key record (under its lock): the record as
// it must be kept, the result, and the new keys it creates (only
// ReplicateKey creates one: the replica).
type decision[Out any] func(k rules.Key, env rules.Env) (rules.Key, *Out, []rules.Key, error)

func decisionOf[In, Out any](op rules.KeyOperation[In, Out], in *In) decision[Out] {
	return func(k rules.Key, env rules.Env) (rules.Key, *Out, []rules.Key, error) {
		next, out, err := op.Decide(k, in, env)
		return next, out, nil, err
	}
}

// onKey runs a key operation: validate the request, find the key it names
// and decide on its record.
func onKey[In, Out any](s *Server, ctx context.Context, c kmsapi.Caller, op rules.KeyOperation[In, Out], in *In) (*Out, error) {
	return onKeyIn(s, s.env(ctx, c), op, in, decisionOf(op, in), true)
}

// onKeyIn is onKey in env with decide as the decision. With keep false it
// is a dry run that keeps nothing: PredictImportKeyMaterial takes the
// server's own steps this way, so that the fuzz oracle's prediction cannot
// drift from the server's answer.
func onKeyIn[In, Out any](s *Server, env rules.Env, op rules.KeyOperation[In, Out], in *In, decide decision[Out], keep bool) (*Out, error) {
	if err := op.Validate(in, env); err != nil {
		return nil, err
	}
	ref, err := op.KeyRef(in)
	if err != nil {
		return nil, err
	}
	scope, id, err := locate(s, op, ref, env)
	if err != nil {
		return nil, err
	}
	return decideOnIn(s, scope, id, env, decide, keep)
}

// locate finds the key a reference names for an operation: the operation's
// rules on what it may name (rules.KeyOperation.Locate), then, for an alias,
// the key the alias points at, in the alias's account and Region.
func locate[In, Out any](s *Server, op rules.KeyOperation[In, Out], ref string, env rules.Env) (store.Scope, string, error) {
	t, err := op.Locate(ref, env)
	if err != nil {
		return store.Scope{}, "", err
	}
	scope := store.Scope{AccountID: t.AccountID, Region: t.Region}
	if t.AliasName == "" {
		return scope, t.KeyID, nil
	}
	a, ok := s.aliases.Get(scope, t.AliasName)
	if !ok {
		return store.Scope{}, "", rules.NotFound(t)
	}
	return scope, a.TargetKeyID, nil
}

// decideOn decides on the record of key id in scope under the record's lock
// and keeps the result. A key whose deletion waiting period is over is not
// found, and is removed for good. A multi-Region key is decided on together
// with its set (decideOnSet).
func decideOn[Out any](s *Server, scope store.Scope, id string, env rules.Env, decide decision[Out]) (*Out, error) {
	return decideOnIn(s, scope, id, env, decide, true)
}

// decideOnIn is decideOn, keeping nothing when keep is false (a dry run:
// the record stays as stored, a deleted key is not removed).
func decideOnIn[Out any](s *Server, scope store.Scope, id string, env rules.Env, decide decision[Out], keep bool) (*Out, error) {
	if rules.IsMultiRegionKeyID(id) {
		return decideOnSet(s, scope, id, env, decide, keep)
	}
	var out *Out
	gone := false
	err := s.keys.Update(scope, id, func(k rules.Key) (rules.Key, error) {
		if k.Deleted(env.Now) {
			gone = true
			return k, rules.UnknownKey(env, scope.AccountID, scope.Region, id)
		}
		// Only ReplicateKey creates keys, and only from a multi-Region key.
		next, o, _, err := decide(k, env)
		out = o
		if !keep {
			return k, err
		}
		return next, err
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, rules.UnknownKey(env, scope.AccountID, scope.Region, id)
	}
	if gone && keep {
		s.keys.Remove(scope, id)
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// decideOnSet decides on a key of a multi-Region key set, holding the lock
// of the whole set: the keys of the set, one per Region, are brought to now
// and made to agree (rules.SyncMultiRegion), the decision is made with the
// other keys as env.Related, the keys it creates join the set, the set is
// made to agree again and kept (unless keep is false).
func decideOnSet[Out any](s *Server, scope store.Scope, id string, env rules.Env, decide decision[Out], keep bool) (*Out, error) {
	unlock := s.sets.lock(setID{scope.AccountID, id})
	defer unlock()
	var stored []rules.Key
	for _, region := range s.regions {
		if k, ok := s.keys.Get(store.Scope{AccountID: scope.AccountID, Region: region}, id); ok {
			stored = append(stored, k)
		}
	}
	live, gone := rules.SyncMultiRegion(stored, env)
	if keep {
		defer func() { s.keepSet(scope.AccountID, id, live, gone) }()
	}
	i := slices.IndexFunc(live, func(k rules.Key) bool { return k.Region == scope.Region })
	if i < 0 {
		return nil, rules.UnknownKey(env, scope.AccountID, scope.Region, id)
	}
	env.Related = slices.Delete(slices.Clone(live), i, i+1)
	next, out, created, err := decide(live[i], env)
	live[i] = next
	live, _ = rules.SyncMultiRegion(append(live, created...), env)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// keepSet stores the keys of a set that still exist and removes the others.
func (s *Server) keepSet(account, id string, live, gone []rules.Key) {
	for _, k := range live {
		s.keys.Put(store.Scope{AccountID: account, Region: k.Region}, id, k)
	}
	for _, k := range gone {
		s.keys.Remove(store.Scope{AccountID: account, Region: k.Region}, id)
	}
}

// setID names a multi-Region key set: an account and a key ID.
type setID struct{ account, keyID string }

// setLocks holds a lock per multi-Region key set, so that a decision on one
// key of a set sees and leaves the whole set consistent.
type setLocks struct {
	mu    sync.Mutex
	locks map[setID]*sync.Mutex
}

func (l *setLocks) lock(id setID) (unlock func()) {
	l.mu.Lock()
	m, ok := l.locks[id]
	if !ok {
		m = &sync.Mutex{}
		l.locks[id] = m
	}
	l.mu.Unlock()
	m.Lock()
	return m.Unlock
}
