package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	"github.com/spf13/cobra"

	"github.com/kmsconform/kmsconform/harness/profile"
	"github.com/kmsconform/kmsconform/suites/catalogue"
	"github.com/kmsconform/kmsconform/suites/conform"
)

func init() { subcommands = append(subcommands, newRulesCommand) }

// ruleListing is one rule as `kmsconform rules` shows it.
type ruleListing struct {
	ID       string   `json:"id"`
	Title    string   `json:"title"`
	Area     string   `json:"area"`
	Tier     string   `json:"tier"`
	Profiles []string `json:"profiles"`
	Source   string   `json:"source"`
	Expected []string `json:"expected"`
	Specs    []string `json:"specs"`
	// Needs are the capabilities the rule or some of its cases need; their
	// specs are disabled on a target that does not declare them.
	Needs      []string `json:"needs"`
	Ineligible string   `json:"ineligible,omitempty"` // the reason, for rules no single endpoint can show
}

func newRulesCommand() *cobra.Command {
	var profileName, format string
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "List the rule catalogue with the specs that check each rule",
		Example: `  kmsconform rules --profile 2023
  kmsconform rules --format json | jq '.[] | select(.specs == [])'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var p profile.Profile
			if profileName != "" {
				var err error
				if p, err = profile.Parse(profileName); err != nil {
					return fmt.Errorf("--profile: %w", err)
				}
			}
			if format != "table" && format != "json" {
				return fmt.Errorf("--format %q: use table or json", format)
			}
			listing := listRules(conform.Catalogue(), p, specsByRule())
			if format == "json" {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(listing)
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tAREA\tTIER\tPROFILES\tSPECS\tNEEDS\tTITLE")
			for _, r := range listing {
				specs := fmt.Sprint(len(r.Specs))
				if r.Ineligible != "" {
					specs = "ineligible"
				}
				needs := strings.Join(r.Needs, ",")
				if needs == "" {
					needs = "-"
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Area, r.Tier, strings.Join(r.Profiles, ","), specs, needs, r.Title)
			}
			return w.Flush()
		},
	}
	cmd.Flags().StringVar(&profileName, "profile", "", "only the rules of this profile (2022, 2023 or 2025)")
	cmd.Flags().StringVar(&format, "format", "table", "table or json")
	return cmd
}

// specsByRule previews the linked-in spec tree (without running anything) and
// maps each rule id to the names of its specs.
func specsByRule() map[string][]string {
	report := ginkgo.PreviewSpecs("kmsconform rules")
	out := map[string][]string{}
	for _, spec := range report.SpecReports {
		if spec.LeafNodeType != types.NodeTypeIt {
			continue
		}
		for _, l := range spec.Labels() {
			if strings.HasPrefix(l, "IMP-") {
				out[l] = append(out[l], spec.LeafNodeText)
			}
		}
	}
	return out
}

func listRules(cat *catalogue.Catalogue, p profile.Profile, specs map[string][]string) []ruleListing {
	ineligible := map[string]string{}
	for _, in := range cat.Ineligible() {
		ineligible[in.ID] = fmt.Sprintf("%s: %s", in.Category, in.Reason)
	}
	var out []ruleListing
	for _, r := range cat.Rules() {
		if p != "" && !r.InProfile(p) {
			continue
		}
		l := ruleListing{ID: r.ID, Title: r.Title, Area: r.Area, Tier: string(r.Tier), Source: r.Source,
			Specs: specs[r.ID], Ineligible: ineligible[r.ID], Profiles: []string{}, Needs: slices.Clone(r.Capabilities)}
		for _, rp := range r.Profiles {
			l.Profiles = append(l.Profiles, string(rp))
		}
		for _, e := range r.Expect {
			if p != "" && !slices.Contains(e.Profiles, p) {
				continue
			}
			what := string(e.Outcome)
			if e.Outcome == catalogue.OutcomeError {
				what = e.Error
			}
			if e.Case != "" {
				what = e.Case + ": " + what
			}
			l.Expected = append(l.Expected, fmt.Sprintf("%s (%s)", what, e.Evidence))
			for _, c := range e.Capabilities {
				if !slices.Contains(l.Needs, c) {
					l.Needs = append(l.Needs, c)
				}
			}
		}
		if l.Needs == nil {
			l.Needs = []string{}
		}
		if l.Specs == nil {
			l.Specs = []string{}
		}
		out = append(out, l)
	}
	return out
}
