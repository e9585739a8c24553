package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/kmsconform/kmsconform/harness/profile"
	"github.com/kmsconform/kmsconform/harness/reference"
)

func init() { subcommands = append(subcommands, newServeCommand) }

type serveFlags struct {
	addr          string
	profile       string
	mutants       []string
	listMutants   bool
	tokenLifetime time.Duration
	accountID     string
	accounts      []string
	region        string
	regions       []string
	allowRemote   bool
}

func newServeCommand() *cobra.Command {
	var f serveFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the reference KMS over HTTP (AWS JSON 1.1)",
		Long: `Serve the embedded reference KMS, the model of AWS KMS that the suite runs
against by default, so that other tools can reach it. It behaves as AWS did in
the given profile; --mutant switches on a named fault (see --list-mutants).

Without --account, any credentials are accepted, in one account (--account-id).
With --account ACCESS_KEY_ID:SECRET=ACCOUNT_ID (repeatable; the first is the
default account), requests must be signed (SigV4) with one of those access
keys, and act in its account; a key given without :SECRET is not checked.
Secrets given on the command line are visible in the process list: use test
credentials only.

--regions serves several Regions (for multi-Region keys); the Region of a
request is its credential scope's. With one Region (--region, the default),
every request is served in it.

It is a test server, not a KMS to keep keys in: keys live in memory only and
are gone when it stops, wrapping keys and tokens are sealed with keys made at
start, and it listens on loopback only, unless --allow-remote is given. Its
limits are AWS's where AWS documents them (100000 keys per account and
Region, request sizes).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.listMutants {
				return listMutants(cmd)
			}
			return serve(cmd, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.addr, "addr", "127.0.0.1:4599", "address to listen on (host:port; port 0 picks a free one)")
	fl.StringVar(&f.profile, "profile", string(profile.Default), "profile to behave as: 2022, 2023 or 2025")
	fl.StringArrayVar(&f.mutants, "mutant", nil, "switch on a named fault (repeatable; see --list-mutants)")
	fl.BoolVar(&f.listMutants, "list-mutants", false, "list the mutants with the rules they break, and exit")
	fl.DurationVar(&f.tokenLifetime, "token-lifetime", reference.DefaultTokenLifetime, "how long import tokens stay valid")
	fl.StringVar(&f.accountID, "account-id", reference.DefaultAccountID, "AWS account ID of the keys when no --account is given")
	fl.StringArrayVar(&f.accounts, "account", nil, "an account and access key, ACCESS_KEY_ID[:SECRET]=ACCOUNT_ID (repeatable; the first is the default account; with a SECRET, signatures are checked)")
	fl.StringVar(&f.region, "region", reference.DefaultRegion, "AWS Region of the keys (one Region)")
	fl.StringSliceVar(&f.regions, "regions", nil, "AWS Regions to serve, comma-separated (the first is the default), e.g. us-east-1,us-west-2")
	fl.BoolVar(&f.allowRemote, "allow-remote", false, "allow listening on a non-loopback address")
	return cmd
}

func listMutants(cmd *cobra.Command) error {
	w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "MUTANT\tAREA\tRULES\tDESCRIPTION")
	for _, m := range reference.Mutants() {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", m.Name, m.Area, strings.Join(m.Rules, ","), m.Description)
	}
	return w.Flush()
}

func serve(cmd *cobra.Command, f serveFlags) error {
	p, err := profile.Parse(f.profile)
	if err != nil {
		return err
	}
	if f.tokenLifetime <= 0 {
		return fmt.Errorf("--token-lifetime must be positive, not %v", f.tokenLifetime)
	}
	if err := checkLoopback(f.addr, f.allowRemote); err != nil {
		return err
	}
	opts := reference.Options{Profile: p, TokenLifetime: f.tokenLifetime, Mutants: f.mutants}
	flags := cmd.Flags()
	switch {
	case len(f.accounts) > 0 && flags.Changed("account-id"):
		return errors.New("give --account-id or --account, not both: the first --account is the default account")
	case len(f.accounts) > 0:
		for _, a := range f.accounts {
			account, err := parseAccount(a)
			if err != nil {
				return err
			}
			opts.Accounts = append(opts.Accounts, account)
		}
	default:
		opts.AccountID = f.accountID
	}
	switch {
	case len(f.regions) > 0 && flags.Changed("region"):
		return errors.New("give --region or --regions, not both: the first of --regions is the default Region")
	case len(f.regions) > 0:
		opts.Regions = f.regions
	default:
		opts.Region = f.region
	}
	srv, err := reference.New(opts)
	if err != nil {
		return err
	}
	defer srv.Close()

	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return &exitError{code: 1, err: err}
	}
	ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	hs := newHTTPServer(srv)
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	fmt.Fprintf(cmd.OutOrStdout(), "listening on http://%s\n", ln.Addr())

	select {
	case err := <-served:
		return &exitError{code: 1, err: err}
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(shutdown); err != nil {
		// Only a handler that ignores its context can get here: every wait
		// in the reference (the wrapping key pool) ends when it is cancelled.
		hs.Close()
		return &exitError{code: 1, err: fmt.Errorf("requests still running %v after the stop signal were cut off: %w", shutdownTimeout, err)}
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return &exitError{code: 1, err: err}
	}
	return nil
}

// The bounds of a request to serve. A client gets KMSInternalException
// rather than a hung connection when the wrapping key pool cannot keep up:
// a burst of RSA_4096 GetParametersForImport calls on two cores waits for
// one key generation after another, each up to a few seconds, so
// requestTimeout leaves room for several. Bodies are at most
// reference.DefaultMaxBodyBytes, so reading one takes well under
// readTimeout on any working connection; the write deadline is a backstop
// behind requestTimeout.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 30 * time.Second
	requestTimeout    = 60 * time.Second
	writeTimeout      = requestTimeout + 10*time.Second
	idleTimeout       = 2 * time.Minute
	// shutdownTimeout is how long a stop signal waits for requests to end.
	// It is ample: shutting down cancels every request's context, which
	// ends the only long wait a request has (for a wrapping key pair).
	shutdownTimeout = 5 * time.Second
)

// newHTTPServer serves srv with bounded reads, writes and idle connections.
// Every request's context is cancelled when Shutdown begins, so a request
// blocked in the wrapping key pool behind an RSA-4096 generation answers
// at once (KMSInternalException) instead of outlasting shutdownTimeout.
func newHTTPServer(srv http.Handler) *http.Server {
	base, cancelAll := context.WithCancel(context.Background())
	hs := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx, cancel := context.WithTimeout(r.Context(), requestTimeout)
			defer cancel()
			srv.ServeHTTP(w, r.WithContext(ctx))
		}),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		BaseContext:       func(net.Listener) context.Context { return base },
	}
	hs.RegisterOnShutdown(cancelAll)
	return hs
}

// parseAccount reads an --account value: ACCESS_KEY_ID[:SECRET]=ACCOUNT_ID.
// The account ID is after the last "=" and the access key ID before the
// first ":", so a secret may hold either.
func parseAccount(value string) (reference.Account, error) {
	usage := fmt.Errorf("--account %q: want ACCESS_KEY_ID[:SECRET]=ACCOUNT_ID, such as AKIAEXAMPLE:secret=123456789012", redactSecret(value))
	eq := strings.LastIndex(value, "=")
	if eq < 0 {
		return reference.Account{}, usage
	}
	accessKeyID, secret, hasSecret := strings.Cut(value[:eq], ":")
	if accessKeyID == "" || (hasSecret && secret == "") || value[eq+1:] == "" {
		return reference.Account{}, usage
	}
	return reference.Account{AccessKeyID: accessKeyID, SecretAccessKey: secret, AccountID: value[eq+1:]}, nil
}

// redactSecret hides the secret of an --account value in messages.
func redactSecret(value string) string {
	colon, eq := strings.Index(value, ":"), strings.LastIndex(value, "=")
	if colon < 0 {
		return value
	}
	if eq < colon {
		eq = len(value)
	}
	return value[:colon+1] + "****" + value[eq:]
}

// checkLoopback refuses to listen beyond this machine unless asked to: the
// reference accepts any credentials unless accounts are configured, and is
// a test service either way.
func checkLoopback(addr string, allowRemote bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--addr %q: %v", addr, err)
	}
	if allowRemote || host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("--addr %q is not a loopback address; the reference KMS is a test service (without --account it accepts any credentials), so pass --allow-remote to listen on it anyway", addr)
}
