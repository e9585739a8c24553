package mutant

import (
	"regexp"
	"testing"
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
