package fuzz

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kmsconform/kmsconform/harness/config"
)

// The fuzz targets. Each decodes its input deterministically into a request
// (see the Run methods), sends it to the session's target and fails when the
// target disagrees with the oracle or breaks an invariant. Without -fuzz,
// `go test` replays the seed corpus in testdata/fuzz.

func FuzzImportEncryptedKeyMaterial(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		check(t, sharedSession(t).RunEncryptedKeyMaterial(context.Background(), data))
	})
}

func FuzzImportToken(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		check(t, sharedSession(t).RunImportToken(context.Background(), data))
	})
}

func FuzzImportRequest(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		check(t, sharedSession(t).RunImportRequest(context.Background(), data))
	})
}

func FuzzWireRequest(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		check(t, sharedSession(t).RunWireRequest(context.Background(), data))
	})
}

// check fails the test with the result's report when the target failed.
func check(t *testing.T, r Result) {
	t.Helper()
	if r.Failed() {
		t.Fatalf("the target failed on this input:\n%s  reproduce with the same environment: %s", r.Report(), reproduceEnv())
	}
}

// reproduceEnv lists the fuzz settings of the environment (never
// credentials), for a failure report.
func reproduceEnv() string {
	var parts []string
	for _, name := range []string{config.EnvEndpoint, config.EnvSDKEndpoint, EnvTarget, EnvProfile, EnvMutant, EnvStrict, EnvClockSkew} {
		if v := os.Getenv(name); v != "" {
			parts = append(parts, name+"="+v)
		}
	}
	if len(parts) == 0 {
		return "(defaults: the embedded reference, profile 2022)"
	}
	return strings.Join(parts, " ")
}

// The session of the test binary: started by the first input that needs it
// (so a fuzzing coordinator, which runs no inputs, starts none), closed by
// TestMain.
var (
	sessionOnce sync.Once
	session     *Session
	sessionErr  error
)

func sharedSession(tb testing.TB) *Session {
	sessionOnce.Do(func() {
		opts, err := OptionsFromEnv(config.Getenv)
		if err != nil {
			sessionErr = err
			return
		}
		session, sessionErr = Start(context.Background(), opts)
	})
	if sessionErr != nil {
		tb.Fatalf("starting the fuzz target: %v", sessionErr)
	}
	return session
}

func TestMain(m *testing.M) {
	flag.Parse()
	dir, temporary, mutant, err := mutantWorkdir(config.Getenv)
	if err != nil {
		fmt.Fprintf(os.Stderr, "fuzz: %v\n", err)
		os.Exit(2)
	}
	fuzzing := flag.Lookup("test.fuzz").Value.String() != ""
	if dir != "" && flag.Lookup("test.fuzzworker").Value.String() != "true" {
		fmt.Fprintln(os.Stderr, workdirNote(dir, mutant))
	}
	code := m.Run()
	if temporary && !fuzzing {
		// A replay writes nothing: its copy holds nothing to keep.
		_ = os.RemoveAll(dir)
	}
	if session != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		if err := session.Close(ctx); err != nil {
			fmt.Fprintf(os.Stderr, "closing the fuzz session: %v\n", err)
		}
		cancel()
	}
	os.Exit(code)
}
