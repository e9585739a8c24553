package reports

import (
	"fmt"

	"github.com/onsi/ginkgo/v2/types"
)

// Merge combines the results of shards of one run (kmsconform run
// --parallel): each shard ran a disjoint set of rules and reported the rest
// as skipped, so each rule takes its result from the shard that ran it.
//
// Each shard selected its rules with a label filter of its own; the merged
// LabelFilter is shard 1's, and the caller replaces it with the filter of
// the whole run (see MergeReports).
func Merge(shards []Results) (Results, error) {
	if len(shards) == 0 {
		return Results{}, fmt.Errorf("no shard results to merge")
	}
	out := shards[0]
	out.Rules = nil
	out.Summary = map[Status]int{}
	out.SuiteFailures = nil
	byID := map[string]RuleResult{}
	var order []string
	for i, s := range shards {
		if s.Profile != out.Profile || s.CatalogueHash != out.CatalogueHash {
			return Results{}, fmt.Errorf("shard %d ran profile %s with catalogue %s, shard 1 profile %s with %s: not one run", i+1, s.Profile, s.CatalogueHash, out.Profile, out.CatalogueHash)
		}
		if s.StartedAt.Before(out.StartedAt) {
			out.StartedAt = s.StartedAt
		}
		if s.FinishedAt.After(out.FinishedAt) {
			out.FinishedAt = s.FinishedAt
		}
		out.DryRun = out.DryRun || s.DryRun
		out.ProgrammaticFocus = out.ProgrammaticFocus || s.ProgrammaticFocus
		for _, f := range s.SuiteFailures {
			out.SuiteFailures = append(out.SuiteFailures, fmt.Sprintf("shard %d: %s", i+1, f))
		}
		for _, r := range s.Rules {
			prev, seen := byID[r.ID]
			if !seen {
				order = append(order, r.ID)
			}
			if !seen || (prev.Status == StatusSkip && r.Status != StatusSkip) {
				byID[r.ID] = r
			}
		}
	}
	for _, id := range order {
		r := byID[id]
		out.Rules = append(out.Rules, r)
		out.Summary[r.Status]++
	}
	out.Blocking = out.BlockingRules()
	return out, nil
}

// MergeReports combines the Ginkgo reports of the shards of one run into
// the report a single process would have written: every spec once, taken
// from the shard that ran it, and the suite nodes (setup) of every shard.
// labelFilter is the filter of the whole run, which replaces the shards' own.
func MergeReports(shards []types.Report, labelFilter string) (types.Report, error) {
	if len(shards) == 0 {
		return types.Report{}, fmt.Errorf("no shard reports to merge")
	}
	out := shards[0]
	out.SuiteConfig.LabelFilter = labelFilter
	out.SpecReports = nil
	out.SpecialSuiteFailureReasons = nil
	out.PreRunStats.SpecsThatWillRun = 0
	index := map[string]int{} // spec identity -> position in out.SpecReports
	for i, s := range shards {
		if s.PreRunStats.TotalSpecs != out.PreRunStats.TotalSpecs {
			return types.Report{}, fmt.Errorf("shard %d has %d specs, shard 1 has %d: not one run", i+1, s.PreRunStats.TotalSpecs, out.PreRunStats.TotalSpecs)
		}
		if s.StartTime.Before(out.StartTime) {
			out.StartTime = s.StartTime
		}
		if s.EndTime.After(out.EndTime) {
			out.EndTime = s.EndTime
		}
		out.SuiteSucceeded = out.SuiteSucceeded && s.SuiteSucceeded
		out.SuiteHasProgrammaticFocus = out.SuiteHasProgrammaticFocus || s.SuiteHasProgrammaticFocus
		out.PreRunStats.SpecsThatWillRun += s.PreRunStats.SpecsThatWillRun
		for _, reason := range s.SpecialSuiteFailureReasons {
			out.SpecialSuiteFailureReasons = append(out.SpecialSuiteFailureReasons, fmt.Sprintf("shard %d: %s", i+1, reason))
		}
		for _, spec := range s.SpecReports {
			if spec.LeafNodeType != types.NodeTypeIt {
				out.SpecReports = append(out.SpecReports, spec)
				continue
			}
			id := spec.LeafNodeLocation.String() + "\x00" + spec.FullText()
			at, seen := index[id]
			switch {
			case !seen:
				index[id] = len(out.SpecReports)
				out.SpecReports = append(out.SpecReports, spec)
			case notRun(out.SpecReports[at]) && !notRun(spec):
				out.SpecReports[at] = spec
			}
		}
	}
	out.RunTime = out.EndTime.Sub(out.StartTime)
	return out, nil
}

// notRun reports whether a spec was left out of a run (by the label filter,
// or because the run stopped early) rather than run and skipped by itself,
// which leaves a reason.
func notRun(spec types.SpecReport) bool {
	return spec.State == types.SpecStateSkipped && spec.Failure.IsZero()
}
