// Package coverage checks, in both directions, that the specs and the rule
// catalogue agree: every rule of every profile has a spec (or is listed as
// ineligible), and every spec names a known rule. It previews the spec tree
// of suites/importkm without running it.
package coverage

import (
	"slices"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/kmsconform/kmsconform/harness/profile"
	"github.com/kmsconform/kmsconform/suites/catalogue"
	_ "github.com/kmsconform/kmsconform/suites/importkm" // the specs under test
)

func TestEveryRuleHasASpecAndEverySpecARule(t *testing.T) {
	cat, err := catalogue.Load()
	if err != nil {
		t.Fatal(err)
	}
	report := ginkgo.PreviewSpecs("kmsconform coverage")
	specs := 0
	covered := map[profile.Profile]map[string]bool{}
	for _, p := range profile.All() {
		covered[p] = map[string]bool{}
	}
	for _, spec := range report.SpecReports {
		if spec.LeafNodeType != types.NodeTypeIt {
			continue
		}
		specs++
		labels := spec.Labels()
		ids := idsIn(labels)
		if len(ids) != 1 {
			t.Errorf("spec %q carries rule ids %v: declare every spec with conform.It or conform.ItCase, one rule each", spec.FullText(), ids)
			continue
		}
		rule, ok := cat.Rule(ids[0])
		if !ok {
			t.Errorf("spec %q names unknown rule %s", spec.FullText(), ids[0])
			continue
		}
		if cat.IsIneligible(rule.ID) {
			t.Errorf("spec %q checks %s, which ineligible.yaml says no single endpoint can show: remove one or the other", spec.FullText(), rule.ID)
		}
		if !strings.HasPrefix(spec.LeafNodeText, rule.ID+" ") {
			t.Errorf("spec %q does not start with its rule id %s", spec.LeafNodeText, rule.ID)
		}
		for _, p := range profile.All() {
			if slices.Contains(labels, "profile:"+string(p)) {
				covered[p][rule.ID] = true
			}
		}
	}
	if specs == 0 {
		t.Fatal("the preview found no specs: is suites/importkm linked?")
	}
	for _, p := range profile.All() {
		for _, rule := range cat.InProfile(p) {
			if !cat.IsIneligible(rule.ID) && !covered[p][rule.ID] {
				t.Errorf("profile %s: rule %s (%s) has no spec: add one in suites/importkm, or list the rule in suites/catalogue/ineligible.yaml with a reason", p, rule.ID, rule.Title)
			}
		}
	}
	t.Logf("%d specs; rules covered per profile: 2022=%d 2023=%d 2025=%d", specs, len(covered[profile.P2022]), len(covered[profile.P2023]), len(covered[profile.P2025]))
}

func idsIn(labels []string) []string {
	var ids []string
	for _, l := range labels {
		if strings.HasPrefix(l, "IMP-") {
			ids = append(ids, l)
		}
	}
	return ids
}
