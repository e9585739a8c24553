package mutant

import (
	"regexp"
	"slices"
	"testing"

	"github.com/kmsconform/kmsconform/harness/profile"
)

var ruleID = regexp.MustCompile(`^IMP-\d{3}$`)

func TestRegistry(t *testing.T) {
	seen := map[Name]bool{}
	for _, m := range All() {
		if seen[m.Name] {
			t.Errorf("%s is registered twice", m.Name)
		}
		seen[m.Name] = true
		if m.Description == "" || m.Area == "" || len(m.Rules) == 0 {
			t.Errorf("%s lacks a description, area or rule", m.Name)
		}
		for _, r := range m.Rules {
			if !ruleID.MatchString(r) {
				t.Errorf("%s names rule %q, not an IMP-NNN ID", m.Name, r)
			}
		}
		if got, ok := Lookup(string(m.Name)); !ok || got.Name != m.Name {
			t.Errorf("Lookup(%s) = %v, %v", m.Name, got, ok)
		}
	}
}

func TestParse(t *testing.T) {
	s, err := Parse([]string{string(AcceptForeignToken), string(Crypto500)})
	if err != nil {
		t.Fatal(err)
	}
	if !s.Has(AcceptForeignToken) || !s.Has(Crypto500) || s.Has(IgnoreExpiry) {
		t.Fatalf("Set = %v", s.Names())
	}
	if _, err := Parse([]string{"no-such-mutant"}); err == nil {
		t.Fatal("Parse accepted an unknown mutant")
	}
	var zero Set
	if zero.Has(Crypto500) {
		t.Fatal("the zero Set has a mutant")
	}
}

// TestNarrowerProfiles: the profiles a registry entry narrows its mutant to
// are real profiles, of a registered mutant, and reach Lookup and All.
// (harness/mutation checks them against the profiles of the mutant's rules.)
func TestNarrowerProfiles(t *testing.T) {
	for name, ps := range narrowerProfiles {
		m, ok := Lookup(string(name))
		if !ok {
			t.Errorf("narrowerProfiles names %s, which is not registered", name)
			continue
		}
		if len(ps) == 0 || !slices.Equal(m.Profiles, ps) {
			t.Errorf("%s: profiles %v, Lookup gives %v", name, ps, m.Profiles)
		}
		for _, p := range ps {
			if _, err := profile.Parse(string(p)); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
	}
	for _, m := range All() {
		if _, narrowed := narrowerProfiles[m.Name]; !narrowed && m.Profiles != nil {
			t.Errorf("%s has profiles %v without an entry in narrowerProfiles", m.Name, m.Profiles)
		}
	}
}

// TestMutantsAreCopies: a Mutant handed out shares no storage with the
// registry.
func TestMutantsAreCopies(t *testing.T) {
	m, _ := Lookup(string(RefuseExternalSecp256k1))
	m.Rules[0], m.Profiles[0] = "IMP-999", profile.P2022
	again, _ := Lookup(string(RefuseExternalSecp256k1))
	if again.Rules[0] == "IMP-999" || again.Profiles[0] == profile.P2022 {
		t.Fatal("changing a looked-up Mutant changed the registry")
	}
}
