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
	region        string
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
It listens on loopback only, unless --allow-remote is given: it has no
authentication.`,
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
	fl.StringVar(&f.accountID, "account-id", reference.DefaultAccountID, "AWS account ID of the keys")
	fl.StringVar(&f.region, "region", reference.DefaultRegion, "AWS Region of the keys")
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
	srv, err := reference.New(reference.Options{
		Profile:       p,
		TokenLifetime: f.tokenLifetime,
		AccountID:     f.accountID,
		Region:        f.region,
		Mutants:       f.mutants,
	})
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
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	fmt.Fprintf(cmd.OutOrStdout(), "listening on http://%s\n", ln.Addr())

	select {
	case err := <-served:
		return &exitError{code: 1, err: err}
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdown); err != nil {
		return &exitError{code: 1, err: err}
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return &exitError{code: 1, err: err}
	}
	return nil
}

// checkLoopback refuses to listen beyond this machine unless asked to: the
// reference accepts any credentials.
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
	return fmt.Errorf("--addr %q is not a loopback address; the reference KMS has no authentication, so pass --allow-remote to listen on it anyway", addr)
}
