package main

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// `kmsconform rules --format json` lists every rule of the profile with its
// specs and the capabilities it needs, as a user deciding what to declare
// reads it.
func TestRulesListsSpecsAndNeeds(t *testing.T) {
	cmd := newRulesCommand()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetArgs([]string{"--profile", "2025", "--format", "json"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	var listing []ruleListing
	if err := json.Unmarshal(out.Bytes(), &listing); err != nil {
		t.Fatalf("rules --format json is not a JSON list: %v", err)
	}
	byID := map[string]ruleListing{}
	for _, r := range listing {
		byID[r.ID] = r
		if len(r.Specs) == 0 && r.Ineligible == "" {
			t.Errorf("%s is listed with neither a spec nor an ineligibility reason", r.ID)
		}
	}
	for id, need := range map[string]string{"IMP-058": "token-lifetime", "IMP-094": "expiry-wait", "IMP-082": "expiry-wait", "IMP-017": "second-account", "IMP-134": "multi-region"} {
		if !slices.Contains(byID[id].Needs, need) {
			t.Errorf("%s needs %v, want %s among them", id, byID[id].Needs, need)
		}
	}
	if needs := byID["IMP-057"].Needs; len(needs) != 0 {
		t.Errorf("IMP-057 needs %v, want none", needs)
	}

	cmd = newRulesCommand()
	out.Reset()
	cmd.SetOut(&out)
	cmd.SetArgs([]string{"--profile", "2022"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "NEEDS") || strings.Contains(out.String(), "IMP-082") {
		t.Errorf("the 2022 table lacks the NEEDS column or lists a 2025-only rule:\n%s", out.String())
	}
}
