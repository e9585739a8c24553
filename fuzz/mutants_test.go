package fuzz

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kmsconform/kmsconform/harness/config"
	"github.com/kmsconform/kmsconform/harness/profile"
	"github.com/kmsconform/kmsconform/harness/reference/mutant"
)

// oracleMutants are faults of the reference each with the fuzz target whose
// checked-in seed corpus must catch it: between them the token binding, the
// public-key/token pairing, the material checks, the unwrap error class and
// code, the ValidTo rules and the key lookup. A seed corpus that no longer
// exercises one of them, or a check that stopped comparing, fails
// TestOracleCatchesMutants.
var oracleMutants = []struct {
	mutant mutant.Name
	fuzzer string
}{
	{mutant.AcceptForeignToken, "FuzzImportToken"},
	{mutant.AcceptMismatchedPublicKey, "FuzzImportToken"},
	{mutant.RejectEarlierToken, "FuzzImportToken"},
	{mutant.SkipMaterialLengthCheck, "FuzzImportRequest"},
	{mutant.Crypto500, "FuzzImportEncryptedKeyMaterial"},
	{mutant.WrongErrorCode, "FuzzImportEncryptedKeyMaterial"},
	{mutant.AcceptPastValidTo, "FuzzImportRequest"},
	{mutant.SkipValidToMax, "FuzzImportRequest"},
	{mutant.DropValidToSilently, "FuzzWireRequest"},
	{mutant.DefaultDoesNotExpire, "FuzzWireRequest"},
	{mutant.UnknownKey500, "FuzzWireRequest"},
}

// TestOracleCatchesMutants proves the fuzz checks can fail: the seed
// corpus of each fuzz target, replayed against the embedded reference with
// one of oracleMutants switched on (the machinery of
// KMSCONFORM_REFERENCE_MUTANT, in this process), must give at least one
// input on which the target disagrees with the oracle once its request was
// sent (a setup failure does not count: it shows the fault, not the check),
// and that input must pass against the reference without the mutant, so
// that the disagreement is the mutant's. The profile is KMSCONFORM_PROFILE's
// (2022 by default); the target settings of the environment are ignored.
// The replay of a corpus stops at its first disagreement.
func TestOracleCatchesMutants(t *testing.T) {
	p := profile.P2022
	if v := config.Getenv(EnvProfile); v != "" {
		var err error
		if p, err = profile.Parse(v); err != nil {
			t.Fatalf("%s: %v", EnvProfile, err)
		}
	}
	clean := startSession(t, referenceOptions(t, p, ""))
	for _, c := range oracleMutants {
		m, ok := mutant.Lookup(string(c.mutant))
		if !ok {
			t.Fatalf("no mutant %s", c.mutant)
		}
		t.Run(string(c.mutant), func(t *testing.T) {
			entries, err := readCorpus(c.fuzzer)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			s := startSession(t, referenceOptions(t, p, c.mutant))
			run, runClean := fuzzers(s)[c.fuzzer], fuzzers(clean)[c.fuzzer]
			for i, e := range entries {
				r := run(context.Background(), e.data)
				if !r.Failed() || r.setup {
					continue
				}
				if cr := runClean(context.Background(), e.data); cr.Failed() {
					t.Fatalf("%s/%s disagrees with the oracle without the mutant too, so it says nothing about %s:\n%s", c.fuzzer, e.name, c.mutant, cr.Report())
				}
				t.Logf("caught by %s/%s, input %d of %d (%v): %s", c.fuzzer, e.name, i+1, len(entries), time.Since(start).Round(time.Millisecond), r.Problems[0])
				return
			}
			t.Errorf("no input of the %s seed corpus (%d inputs, profile %s) disagrees with the oracle against the reference with mutant %s (rules %v: %s): the fuzz checks cannot see this fault. Add a seed that exercises it (seeds_test.go, then `go test ./fuzz -run TestSeedCorpus -update-corpus`), or find which check stopped comparing",
				c.fuzzer, len(entries), p, c.mutant, m.Rules, strings.TrimSuffix(m.Description, "."))
		})
	}
}

// referenceOptions are the Options of a session against the embedded
// reference of profile p with mutant m ("" for none), whatever target the
// environment names: the getenv the fuzz targets read, with only the
// profile and the mutant set.
func referenceOptions(t *testing.T, p profile.Profile, m mutant.Name) Options {
	t.Helper()
	env := map[string]string{EnvProfile: string(p), EnvMutant: string(m)}
	opts, err := OptionsFromEnv(func(name string) string { return env[name] })
	if err != nil {
		t.Fatal(err)
	}
	return opts
}
