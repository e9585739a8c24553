package mutation

import (
	"github.com/kmsconform/kmsconform/harness/profile"
	"github.com/kmsconform/kmsconform/harness/reference/mutant"
)

// exemptionKey names one run of the self-test: a mutant in a profile.
type exemptionKey struct {
	Mutant  mutant.Name
	Profile profile.Profile
}

// exemptions are the runs allowed to end NotKillable without failing the
// self-test, each with the reason a reviewer accepted. A not-killable run
// proves nothing about the suite, so the list is empty unless a run truly
// cannot be killed by the embedded reference (a rule whose only specs need
// a capability it cannot provide); an entry is a reviewed change, never a
// way to make a red self-test green. Exempted runs still count in the
// score's N as not killed, so a score below N/N shows them.
// TestExemptions checks every entry.
var exemptions = map[exemptionKey]string{}

// exemption returns the reviewed reason run may end NotKillable, or "".
func exemption(run Run) string {
	return exemptions[exemptionKey{run.Mutant.Name, run.Profile}]
}
