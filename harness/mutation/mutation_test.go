package mutation

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kmsconform/kmsconform/harness/profile"
	"github.com/kmsconform/kmsconform/harness/reference/mutant"
	"github.com/kmsconform/kmsconform/reports"
)

func mustMutant(t *testing.T, name mutant.Name) mutant.Mutant {
	t.Helper()
	m, ok := mutant.Lookup(string(name))
	if !ok {
		t.Fatalf("no mutant %s", name)
	}
	return m
}

func TestProfilesOfMutants(t *testing.T) {
	cat := mustCatalogue(t)
	for name, want := range map[mutant.Name][]profile.Profile{
		mutant.AcceptForeignToken:               profile.All(),                  // IMP-057: every profile
		mutant.AllowHMACImport:                  {profile.P2022},                // its rules are 2022's
		mutant.RotateWithoutPending:             {profile.P2025},                // IMP-109 is 2025's
		mutant.CurrentResponsesInLegacyProfiles: {profile.P2022, profile.P2023}, // IMP-049, IMP-084
		mutant.RefuseExternalSecp256k1:          {profile.P2023, profile.P2025}, // narrower than IMP-009's
		mutant.AcceptLaterWrappingKeySpecs:      {profile.P2022},                // narrower than IMP-021's
	} {
		if got := Profiles(mustMutant(t, name), cat); !slices.Equal(got, want) {
			t.Errorf("Profiles(%s) = %v, want %v", name, got, want)
		}
	}
}

func TestClaimed(t *testing.T) {
	cat := mustCatalogue(t)
	m := mustMutant(t, mutant.KeyIDInsteadOfARN) // IMP-011 (all), IMP-048 and IMP-083 (2025)
	if got := Claimed(m, profile.P2022, cat); !slices.Equal(got, []string{"IMP-011"}) {
		t.Errorf("Claimed in 2022 = %v", got)
	}
	if got := Claimed(m, profile.P2025, cat); !slices.Equal(got, []string{"IMP-011", "IMP-048", "IMP-083"}) {
		t.Errorf("Claimed in 2025 = %v", got)
	}
}

func TestPlan(t *testing.T) {
	cat := mustCatalogue(t)
	ms := []mutant.Mutant{mustMutant(t, mutant.RotateWithoutPending), mustMutant(t, mutant.AcceptForeignToken), mustMutant(t, mutant.AllowHMACImport)}
	var got []string
	for _, r := range Plan(ms, cat, nil) {
		got = append(got, r.String())
	}
	want := []string{
		"accept-foreign-token in profile 2025", "rotate-without-pending in profile 2025",
		"accept-foreign-token in profile 2023",
		"accept-foreign-token in profile 2022", "allow-hmac-import in profile 2022",
	}
	if !slices.Equal(got, want) {
		t.Errorf("Plan = %v, want %v", got, want)
	}
	got = nil
	for _, r := range Plan(ms, cat, []profile.Profile{profile.P2022}) {
		got = append(got, r.String())
	}
	if want := []string{"accept-foreign-token in profile 2022", "allow-hmac-import in profile 2022"}; !slices.Equal(got, want) {
		t.Errorf("Plan for 2022 = %v, want %v", got, want)
	}
	if runs := Plan(mutant.All(), cat, nil); len(runs) < len(mutant.All()) {
		t.Errorf("Plan of every mutant has %d runs for %d mutants", len(runs), len(mutant.All()))
	}
}

func TestWithoutSpecs(t *testing.T) {
	cat := mustCatalogue(t)
	specs := Specs{profile.P2025: {"IMP-057": true}}
	if _, ok := WithoutSpecs(Run{Mutant: mustMutant(t, mutant.AcceptForeignToken), Profile: profile.P2025}, cat, specs); ok {
		t.Error("a run with a spec of a claimed rule (IMP-057) was found not to need running")
	}
	o, ok := WithoutSpecs(Run{Mutant: mustMutant(t, mutant.RotateReplica), Profile: profile.P2025}, cat, specs)
	if !ok || o.Verdict != NotKillable || !o.NotRun || len(o.Unchecked) != 1 || o.Unchecked[0].Rule != "IMP-116" {
		t.Errorf("WithoutSpecs(rotate-replica) = %+v, %t", o, ok)
	}
}

func TestExecute(t *testing.T) {
	var runs []Run
	for i := range 9 {
		runs = append(runs, Run{Mutant: mutant.Mutant{Name: mutant.Name(fmt.Sprint("m", i))}, Profile: profile.P2022})
	}
	var running, most atomic.Int32
	var mu sync.Mutex
	var done []string
	suite := func(ctx context.Context, r Run) (reports.Results, error) {
		n := running.Add(1)
		defer running.Add(-1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		time.Sleep(5 * time.Millisecond)
		if r.Mutant.Name == "m4" {
			return reports.Results{}, errors.New("no results")
		}
		return reports.Results{Profile: string(r.Profile)}, nil
	}
	results := Execute(context.Background(), runs, 3, suite, func(r Result) {
		mu.Lock()
		done = append(done, string(r.Run.Mutant.Name))
		mu.Unlock()
	})
	if most.Load() > 3 || most.Load() < 2 {
		t.Errorf("%d runs at a time, want at most 3 (and more than one)", most.Load())
	}
	if len(done) != len(runs) {
		t.Errorf("done called %d times for %d runs", len(done), len(runs))
	}
	for i, r := range results {
		if r.Run.Mutant.Name != runs[i].Mutant.Name {
			t.Fatalf("result %d is of %s, want %s", i, r.Run.Mutant.Name, runs[i].Mutant.Name)
		}
		if (r.Err != nil) != (r.Run.Mutant.Name == "m4") || r.Took <= 0 {
			t.Errorf("result %d: %+v", i, r)
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, r := range Execute(ctx, runs, 2, suite, nil) {
		if !errors.Is(r.Err, context.Canceled) {
			t.Fatalf("a run after the context ended: %+v", r)
		}
	}
}
