package reports

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// WriteMarkdownSummary writes summary.md: a page that fits a CI job summary
// (GitHub's $GITHUB_STEP_SUMMARY): the verdict, counts per status, and every
// rule that failed with what was expected and what was observed. It is
// rendered from the results alone, so `report render` reproduces it.
func WriteMarkdownSummary(w io.Writer, r Results) error {
	var b strings.Builder
	verdict := "PASS"
	if !r.Passed() {
		verdict = "FAIL"
	}
	fmt.Fprintf(&b, "# kmsconform: %s\n\n", verdict)
	fmt.Fprintf(&b, "Profile **%s** against **%s**, kmsconform `%s`%s, catalogue `%s`.\n",
		mdText(r.Profile), mdText(r.Target), mdText(r.Suite.Version), commitText(r), shortHash(r.CatalogueHash))
	fmt.Fprintf(&b, "Capabilities: %s. Started %s, took %s.\n\n",
		listOrNone(r.Capabilities), r.StartedAt.UTC().Format("2006-01-02 15:04:05 MST"), r.FinishedAt.Sub(r.StartedAt).Round(100*time.Millisecond))

	b.WriteString("| status | rules |\n|---|---:|\n")
	for _, s := range Statuses() {
		if n := r.Summary[s]; n > 0 {
			fmt.Fprintf(&b, "| %s | %d |\n", s, n)
		}
	}
	fmt.Fprintf(&b, "\n**Certification: %s**\n", mdText(certificationText(r)))

	if len(r.SuiteFailures) > 0 {
		b.WriteString("\n## Suite failures\n\n")
		for _, f := range r.SuiteFailures {
			fmt.Fprintf(&b, "- %s\n", mdText(firstLine(f)))
		}
	}
	var blocking, provisional []RuleResult
	for _, rule := range r.Rules {
		switch {
		case rule.Blocks():
			blocking = append(blocking, rule)
		case rule.Status.Failed():
			provisional = append(provisional, rule)
		}
	}
	if len(blocking) > 0 {
		b.WriteString("\n## Failed rules\n\n")
		failureTable(&b, blocking)
	}
	if incomplete := r.IncompleteRules(); len(incomplete) > 0 {
		b.WriteString("\n## Rules passed with cases no spec asserted (a kmsconform defect: the run fails)\n\n| rule | title | unchecked cases |\n|---|---|---|\n")
		for _, rule := range r.Rules {
			if slices.Contains(incomplete, rule.ID) {
				fmt.Fprintf(&b, "| %s | %s | %s |\n", rule.ID, mdText(rule.Title), mdText(strings.Join(rule.Unchecked, ", ")))
			}
		}
	}
	if len(provisional) > 0 {
		b.WriteString("\n## Provisional failures (do not block certification)\n\n")
		failureTable(&b, provisional)
	}
	if r.Baseline != nil {
		b.WriteString("\n")
		r.Baseline.writeMarkdown(&b)
	}

	var set []RuleResult
	for _, rule := range r.Rules {
		if rule.Status == StatusDisabled || rule.Status == StatusUnsupported || (rule.Status == StatusPass && len(rule.Disabled) > 0) {
			set = append(set, rule)
		}
	}
	if len(set) > 0 {
		fmt.Fprintf(&b, "\n<details><summary>Disabled and unsupported rules (%d)</summary>\n\n", len(set))
		b.WriteString("| rule | status | why |\n|---|---|---|\n")
		for _, rule := range set {
			why := rule.reason()
			if rule.Status == StatusPass {
				why = "cases disabled: " + strings.Join(rule.Disabled, ", ") + " (capabilities the target did not declare; it declared: " + listOrNone(r.Capabilities) + ")"
			}
			fmt.Fprintf(&b, "| %s | %s | %s |\n", rule.ID, rule.Status, mdText(why))
		}
		b.WriteString("\n</details>\n")
	}
	var notRun []string
	for _, rule := range r.Rules {
		if rule.Status == StatusSkip {
			notRun = append(notRun, rule.ID)
		}
	}
	if len(notRun) > 0 {
		fmt.Fprintf(&b, "\n<details><summary>Rules not run (%d)</summary>\n\n%s\n\n</details>\n", len(notRun), strings.Join(notRun, ", "))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func failureTable(b *strings.Builder, rules []RuleResult) {
	b.WriteString("| rule | title | expected | observed |\n|---|---|---|---|\n")
	for _, rule := range rules {
		fmt.Fprintf(b, "| %s | %s | %s | %s |\n", rule.ID, mdText(rule.Title), mdLines(rule.Expected), mdLines(rule.observed()))
	}
}

// reason is why a rule was disabled or unsupported, from its first spec
// that says.
func (r RuleResult) reason() string {
	for _, s := range r.Specs {
		if s.Status == r.Status && s.Reason != "" {
			return s.Reason
		}
	}
	return ""
}

func commitText(r Results) string {
	if r.Suite.Commit == "" {
		return ""
	}
	c := r.Suite.Commit
	if len(c) > 12 {
		c = c[:12]
	}
	if r.Suite.Modified {
		c += ", modified"
	}
	return fmt.Sprintf(" (commit `%s`)", c)
}

func shortHash(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

func listOrNone(items []string) string {
	if len(items) == 0 {
		return "none"
	}
	return strings.Join(items, ", ")
}

// mdText makes text from a run safe in a Markdown table cell: the target's
// messages are untrusted, so HTML is escaped and table syntax neutralised.
func mdText(s string) string {
	s = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "|", `\|`, "\r", " ", "\n", " ").Replace(s)
	return strings.TrimSpace(s)
}

func mdLines(lines []string) string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = mdText(l)
	}
	return strings.Join(out, "<br>")
}
