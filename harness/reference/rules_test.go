package reference_test

import (
	"testing"

	"github.com/kmsconform/kmsconform/harness/profile"
)

// ruleTest checks one rule of the research catalogue through the SDK, in
// every profile it lists.
type ruleTest struct {
	rule     string
	name     string
	profiles []profile.Profile
	run      func(k *kmsTest)
}

var (
	all       = profile.All()
	only2022  = []profile.Profile{profile.P2022}
	only2023  = []profile.Profile{profile.P2023}
	since2023 = []profile.Profile{profile.P2023, profile.P2025}
	only2025  = []profile.Profile{profile.P2025}
	before25  = []profile.Profile{profile.P2022, profile.P2023}
)

// runRules runs each rule test on a fresh server per profile, in parallel.
func runRules(t *testing.T, tests []ruleTest) {
	t.Helper()
	runRulesOn(t, func(t *testing.T, p profile.Profile) *kmsTest { return newKMS(t, p) }, tests)
}

// runRulesOn runs each rule test on a fresh server per profile that
// newServer starts, in parallel.
func runRulesOn(t *testing.T, newServer func(*testing.T, profile.Profile) *kmsTest, tests []ruleTest) {
	t.Helper()
	for _, rt := range tests {
		for _, p := range rt.profiles {
			t.Run(rt.rule+"/"+string(p)+"/"+rt.name, func(t *testing.T) {
				t.Parallel()
				rt.run(newServer(t, p))
			})
		}
	}
}
