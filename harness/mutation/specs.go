package mutation

import (
	"slices"
	"strings"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/kmsconform/kmsconform/harness/profile"
	"github.com/kmsconform/kmsconform/suites/catalogue"
)

// Specs says which rules have a spec in which profile.
type Specs map[profile.Profile]map[string]bool

// Has reports whether rule id has a spec in profile p.
func (s Specs) Has(p profile.Profile, id string) bool { return s[p][id] }

// SpecTree previews the spec tree linked into the running binary (nothing
// runs) and returns which rules have a spec in which profile, read from the
// labels conform.It gives every spec: its rule id and its profiles.
func SpecTree() Specs {
	s := Specs{}
	for _, p := range profile.All() {
		s[p] = map[string]bool{}
	}
	for _, spec := range ginkgo.PreviewSpecs("kmsconform mutation plan").SpecReports {
		if spec.LeafNodeType != types.NodeTypeIt {
			continue
		}
		labels := spec.Labels()
		for _, id := range labels {
			if !strings.HasPrefix(id, "IMP-") {
				continue
			}
			for _, p := range profile.All() {
				if slices.Contains(labels, "profile:"+string(p)) {
					s[p][id] = true
				}
			}
		}
	}
	return s
}

// WithoutSpecs returns the outcome of a run that cannot kill its mutant
// because no rule it claims has a spec in the run's profile, and true; or
// false when some claimed rule has one, and the run must be made. A mutant
// that is not killable for this reason needs no suite run to show it, and
// fails the self-test like any not-killable run unless it is exempted.
func WithoutSpecs(run Run, cat *catalogue.Catalogue, specs Specs) (Outcome, bool) {
	o := Outcome{Mutant: string(run.Mutant.Name), Profile: string(run.Profile), Claimed: Claimed(run.Mutant, run.Profile, cat), Verdict: NotKillable, NotRun: true, Exemption: exemption(run)}
	for _, id := range o.Claimed {
		if specs.Has(run.Profile, id) {
			return Outcome{}, false
		}
		o.Unchecked = append(o.Unchecked, Unchecked{id, noSpec(run.Profile)})
	}
	return o, true
}
