package mutation

import (
	"slices"
	"strings"
	"testing"

	"github.com/kmsconform/kmsconform/harness/profile"
	"github.com/kmsconform/kmsconform/harness/reference/mutant"
	"github.com/kmsconform/kmsconform/suites/catalogue"
	_ "github.com/kmsconform/kmsconform/suites/importkm" // the specs SpecTree previews
)

// TestEveryConformanceRuleIsClaimed: in every profile, every rule of tier
// conformance is claimed by a mutant that runs in that profile, so the
// mutation run can show that the rule's specs fail when the rule is broken.
// No rule is exempted: each can be broken in the reference.
func TestEveryConformanceRuleIsClaimed(t *testing.T) {
	cat := mustCatalogue(t)
	for _, p := range profile.All() {
		claimed := map[string][]mutant.Name{}
		for _, m := range mutant.All() {
			if slices.Contains(Profiles(m, cat), p) {
				for _, id := range Claimed(m, p, cat) {
					claimed[id] = append(claimed[id], m.Name)
				}
			}
		}
		n := 0
		for _, rule := range cat.InProfile(p) {
			if rule.Tier != catalogue.Conformance || cat.IsIneligible(rule.ID) {
				continue
			}
			n++
			if len(claimed[rule.ID]) == 0 {
				t.Errorf("profile %s: conformance rule %s (%s, area %s) is claimed by no mutant that runs in the profile: add a mutant to harness/reference/mutant that breaks it", p, rule.ID, rule.Title, rule.Area)
			}
		}
		t.Logf("profile %s: %d conformance rules, each claimed by a mutant", p, n)
	}
}

// TestClaims: every rule a mutant claims is in the catalogue, can be checked
// (not ineligible), and belongs to a profile where the mutant runs; its area
// is a catalogue area.
func TestClaims(t *testing.T) {
	cat := mustCatalogue(t)
	for _, m := range mutant.All() {
		if !slices.Contains(catalogue.Areas(), m.Area) {
			t.Errorf("%s: area %q is not a catalogue area (%v)", m.Name, m.Area, catalogue.Areas())
		}
		profiles := Profiles(m, cat)
		for _, id := range m.Rules {
			rule, ok := cat.Rule(id)
			switch {
			case !ok:
				t.Errorf("%s claims %s, which is not in the catalogue", m.Name, id)
			case cat.IsIneligible(id):
				t.Errorf("%s claims %s, which is ineligible: no spec can catch it", m.Name, id)
			case !slices.ContainsFunc(rule.Profiles, func(p profile.Profile) bool { return slices.Contains(profiles, p) }):
				t.Errorf("%s claims %s (profiles %v), but runs only in %v: no run can confirm the claim", m.Name, id, rule.Profiles, profiles)
			}
		}
		if sorted := slices.Sorted(slices.Values(m.Rules)); len(slices.Compact(sorted)) != len(m.Rules) {
			t.Errorf("%s claims a rule twice: %v", m.Name, m.Rules)
		}
	}
}

// TestProfiles: a mutant runs in every profile of the rules it claims,
// unless its registry entry names fewer (the fault has no effect in the
// others); those must be fewer, and each must hold a rule it claims.
func TestProfiles(t *testing.T) {
	cat := mustCatalogue(t)
	for _, m := range mutant.All() {
		var ofRules []profile.Profile
		for _, id := range m.Rules {
			if rule, ok := cat.Rule(id); ok {
				ofRules = append(ofRules, rule.Profiles...)
			}
		}
		ofRules = inProfileOrder(ofRules)
		got := Profiles(m, cat)
		if len(m.Profiles) == 0 {
			if !slices.Equal(got, ofRules) {
				t.Errorf("%s runs in %v, want the profiles of its rules %v", m.Name, got, ofRules)
			}
			continue
		}
		if slices.Equal(got, ofRules) {
			t.Errorf("%s names profiles %v, which are those of its rules anyway: drop the entry", m.Name, m.Profiles)
		}
		for _, p := range m.Profiles {
			if !slices.Contains(ofRules, p) {
				t.Errorf("%s names profile %s, where none of its rules %v belongs", m.Name, p, m.Rules)
			}
		}
	}
}

// TestClaimedButNotYetKillable lists the claimed rules that have no spec
// in a profile, from the linked spec tree: the mutants claiming them cannot
// be killed there until the specs exist, and then must be (the mutation run
// makes their runs as soon as a spec exists). Such a rule must need a
// capability (a second account, several Regions) the specs are waiting for;
// any other rule without a spec is a gap suites/coverage reports.
func TestClaimedButNotYetKillable(t *testing.T) {
	cat := mustCatalogue(t)
	specs := SpecTree()
	if !specs.Has(profile.P2022, "IMP-057") {
		t.Fatal("the spec tree has no spec of IMP-057: is suites/importkm linked?")
	}
	for _, run := range Plan(mutant.All(), cat, nil) {
		var waiting []string
		for _, id := range Claimed(run.Mutant, run.Profile, cat) {
			if specs.Has(run.Profile, id) {
				continue
			}
			rule, _ := cat.Rule(id)
			if len(rule.Capabilities) == 0 {
				t.Errorf("%s: %s has no spec, and needs no capability: add its spec (suites/coverage says so too)", run, id)
			}
			waiting = append(waiting, id+" ("+strings.Join(rule.Capabilities, ", ")+")")
		}
		if len(waiting) > 0 {
			t.Logf("%s: claimed but not yet killable: %s", run, strings.Join(waiting, ", "))
		}
	}
}

// TestEveryRunHasASpec: every planned run has a spec of a rule it claims in
// its profile, so that no run is NotKillable before it is even made (such a
// run fails the self-test; `kmsconform mutate` would say so only after
// every suite run).
func TestEveryRunHasASpec(t *testing.T) {
	cat := mustCatalogue(t)
	specs := SpecTree()
	for _, run := range Plan(mutant.All(), cat, nil) {
		if o, ok := WithoutSpecs(run, cat, specs); ok && o.Failed() {
			t.Errorf("%s: no rule it claims (%v) has a spec in the profile: it cannot be killed there; add a spec, correct the claim or its profiles", run, o.Claimed)
		}
	}
}

// TestExemptions: every exemption names a mutant in a profile where it
// runs, with a reason.
func TestExemptions(t *testing.T) {
	cat := mustCatalogue(t)
	for k, reason := range exemptions {
		m, ok := mutant.Lookup(string(k.Mutant))
		switch {
		case !ok:
			t.Errorf("exemption of %s in profile %s: no such mutant", k.Mutant, k.Profile)
		case !slices.Contains(Profiles(m, cat), k.Profile):
			t.Errorf("exemption of %s in profile %s: the mutant does not run there (%v)", k.Mutant, k.Profile, Profiles(m, cat))
		}
		if strings.TrimSpace(reason) == "" {
			t.Errorf("exemption of %s in profile %s has no reason", k.Mutant, k.Profile)
		}
	}
}
