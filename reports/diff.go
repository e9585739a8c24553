package reports

import (
	"fmt"
	"io"
	"sort"
)

// Diff is how a rule's status moved between two runs.
type Diff struct {
	Regressed    []RuleChange // did not fail before, fails now
	NewlyPassing []RuleChange // did not pass before, passes now
	Appeared     []RuleChange // only in the new run (a rule added to the catalogue or profile)
	Disappeared  []RuleChange // only in the old run
	Changed      []RuleChange // any other change of status (fail to error, pass to skip...)
	// Warnings say why the two runs may not be comparable.
	Warnings []string
}

// RuleChange is one rule's status in the old and the new run; a status is
// empty where the rule was not in that run.
type RuleChange struct {
	Rule   string
	Title  string
	Old    Status
	New    Status
	Blocks bool // the new failure blocks certification (not provisional only)
}

// DiffResults compares two runs rule by rule.
func DiffResults(old, new Results) Diff {
	var d Diff
	if old.Profile != new.Profile {
		d.Warnings = append(d.Warnings, fmt.Sprintf("the runs claim different profiles (%s, then %s)", old.Profile, new.Profile))
	}
	if old.CatalogueHash != new.CatalogueHash {
		d.Warnings = append(d.Warnings, fmt.Sprintf("the runs used different catalogues (kmsconform %s, then %s): rules may have changed meaning", old.Suite.Version, new.Suite.Version))
	}
	if old.Target != new.Target {
		d.Warnings = append(d.Warnings, fmt.Sprintf("the runs checked different targets (%s, then %s)", old.Target, new.Target))
	}
	before := map[string]RuleResult{}
	for _, r := range old.Rules {
		before[r.ID] = r
	}
	for _, r := range new.Rules {
		o, ok := before[r.ID]
		delete(before, r.ID)
		c := RuleChange{Rule: r.ID, Title: r.Title, Old: o.Status, New: r.Status, Blocks: r.Blocks()}
		switch {
		case !ok:
			d.Appeared = append(d.Appeared, c)
		case o.Status == r.Status:
		case r.Status.Failed() && !o.Status.Failed():
			d.Regressed = append(d.Regressed, c)
		case r.Status == StatusPass:
			d.NewlyPassing = append(d.NewlyPassing, c)
		default:
			d.Changed = append(d.Changed, c)
		}
	}
	for _, o := range before {
		d.Disappeared = append(d.Disappeared, RuleChange{Rule: o.ID, Title: o.Title, Old: o.Status})
	}
	sort.Slice(d.Disappeared, func(i, j int) bool { return d.Disappeared[i].Rule < d.Disappeared[j].Rule })
	return d
}

// Empty reports whether no rule changed.
func (d Diff) Empty() bool {
	return len(d.Regressed)+len(d.NewlyPassing)+len(d.Appeared)+len(d.Disappeared)+len(d.Changed) == 0
}

// Write prints the diff for a person.
func (d Diff) Write(w io.Writer) {
	for _, warning := range d.Warnings {
		fmt.Fprintf(w, "warning: %s\n", warning)
	}
	if d.Empty() {
		fmt.Fprintln(w, "no rule changed status")
		return
	}
	section := func(title string, changes []RuleChange) {
		if len(changes) == 0 {
			return
		}
		fmt.Fprintf(w, "%s (%d):\n", title, len(changes))
		for _, c := range changes {
			old, new := string(c.Old), string(c.New)
			if old == "" {
				old = "absent"
			}
			if new == "" {
				new = "absent"
			}
			note := ""
			if c.New.Failed() && !c.Blocks {
				note = " (provisional: does not block)"
			}
			fmt.Fprintf(w, "  %s %-11s -> %-11s %s%s\n", c.Rule, old, new, c.Title, note)
		}
	}
	section("regressed", d.Regressed)
	section("newly passing", d.NewlyPassing)
	section("changed", d.Changed)
	section("appeared", d.Appeared)
	section("disappeared", d.Disappeared)
}
