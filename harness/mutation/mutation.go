// Package mutation is the conformance suite's self-test: it runs the suite
// against the reference KMS with one named fault (a mutant, package
// harness/reference/mutant) switched on at a time, and reads from each run
// whether the suite caught the fault. A mutant is killed in a profile when at
// least one spec of a rule it claims fails there; it survives when the specs
// of its rules ran and all passed. Every conformance rule is claimed by some
// mutant, so a mutation run where every mutant is killed shows that each
// rule's specs can fail.
//
// The package plans the runs (each mutant in the profiles where its fault has
// an effect), judges each run from its results (reports.Results), and
// summarises them (score, the rules each profile proved, mutation.json and
// the terminal table). Running the suite is the caller's: Ginkgo runs a suite
// once per process, so `kmsconform mutate` runs each one as a child process
// of the kmsconform binary (Execute takes that as a function).
package mutation

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/kmsconform/kmsconform/harness/profile"
	"github.com/kmsconform/kmsconform/harness/reference/mutant"
	"github.com/kmsconform/kmsconform/suites/catalogue"
)

// Run is one suite run of the self-test: the suite of a profile against the
// reference of that profile with one mutant switched on, or none (Clean).
type Run struct {
	Mutant  mutant.Mutant
	Profile profile.Profile
}

func (r Run) String() string {
	if r.Mutant.Name == "" {
		return fmt.Sprintf("no mutant in profile %s", r.Profile)
	}
	return fmt.Sprintf("%s in profile %s", r.Mutant.Name, r.Profile)
}

// Profiles returns the profiles in which mutant m runs: those its registry
// entry names when its fault has an effect in fewer profiles than its rules
// belong to, else every profile of the rules it claims. A rule missing from
// the catalogue adds no profile (TestClaims reports it).
func Profiles(m mutant.Mutant, cat *catalogue.Catalogue) []profile.Profile {
	if len(m.Profiles) > 0 {
		return inProfileOrder(m.Profiles)
	}
	var out []profile.Profile
	for _, id := range m.Rules {
		if rule, ok := cat.Rule(id); ok {
			out = append(out, rule.Profiles...)
		}
	}
	return inProfileOrder(out)
}

// Claimed returns the rules m claims that belong to profile p, in rule id
// order.
func Claimed(m mutant.Mutant, p profile.Profile, cat *catalogue.Catalogue) []string {
	var out []string
	for _, id := range m.Rules {
		if rule, ok := cat.Rule(id); ok && rule.InProfile(p) {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Plan returns the runs of mutants: each in each of its profiles, limited to
// only when it is not empty. Runs are ordered newest profile first, whose
// suite is the longest, so that workers taking runs in order end on short
// ones; then by mutant name.
func Plan(mutants []mutant.Mutant, cat *catalogue.Catalogue, only []profile.Profile) []Run {
	var runs []Run
	for _, p := range slices.Backward(profile.All()) {
		if len(only) > 0 && !slices.Contains(only, p) {
			continue
		}
		for _, m := range mutants {
			if slices.Contains(Profiles(m, cat), p) {
				runs = append(runs, Run{Mutant: m, Profile: p})
			}
		}
	}
	slices.SortStableFunc(runs, func(a, b Run) int {
		if a.Profile != b.Profile {
			return profileIndex(b.Profile) - profileIndex(a.Profile)
		}
		return cmp.Compare(a.Mutant.Name, b.Mutant.Name)
	})
	return runs
}

func profileIndex(p profile.Profile) int { return slices.Index(profile.All(), p) }

// inProfileOrder returns the distinct profiles of ps in the order of
// profile.All.
func inProfileOrder(ps []profile.Profile) []profile.Profile {
	var out []profile.Profile
	for _, p := range profile.All() {
		if slices.Contains(ps, p) {
			out = append(out, p)
		}
	}
	return out
}
