package reports

import (
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/onsi/ginkgo/v2/reporters"
	"github.com/onsi/ginkgo/v2/types"
)

// WriteJUnit writes a trimmed JUnit report of a run, for CI systems.
//
// It is trimmed as Kubernetes trims its conformance JUnit (output made the
// file too big for CI viewers): a test case is named by the spec's own text,
// which starts with the rule id ("IMP-057 rejects an import token issued for
// another key"), without labels, node types or container texts, so the name
// stays the same across releases and CI history follows it; output is kept
// for failures only. Specs outside the run's profile are left out rather
// than listed as thousands of skips. Suite setup nodes appear only when they
// failed, since every spec after them then reports nothing useful.
//
// The XML is Ginkgo's own JUnit schema (reporters.JUnitTestSuites).
func WriteJUnit(w io.Writer, report types.Report, res Results) error {
	suite := reporters.JUnitTestSuite{
		Name:      "kmsconform profile " + res.Profile,
		Package:   "github.com/kmsconform/kmsconform",
		Time:      report.RunTime.Seconds(),
		Timestamp: report.StartTime.UTC().Format("2006-01-02T15:04:05"),
		Properties: reporters.JUnitProperties{Properties: []reporters.JUnitProperty{
			{Name: "SuiteVersion", Value: res.Suite.Version},
			{Name: "SuiteCommit", Value: res.Suite.Commit},
			{Name: "CatalogueHash", Value: res.CatalogueHash},
			{Name: "Profile", Value: res.Profile},
			{Name: "Capabilities", Value: strings.Join(res.Capabilities, ",")},
			{Name: "Target", Value: res.Target},
			{Name: "LabelFilter", Value: report.SuiteConfig.LabelFilter},
			{Name: "FocusStrings", Value: strings.Join(report.SuiteConfig.FocusStrings, ",")},
			{Name: "SkipStrings", Value: strings.Join(report.SuiteConfig.SkipStrings, ",")},
			{Name: "SuiteSucceeded", Value: fmt.Sprint(report.SuiteSucceeded)},
			{Name: "Certified", Value: fmt.Sprint(res.Passed())},
		}},
	}
	profileLabel := "profile:" + res.Profile
	for _, spec := range report.SpecReports {
		if spec.LeafNodeType != types.NodeTypeIt {
			if spec.State.Is(types.SpecStateFailureStates) {
				suite.TestCases = append(suite.TestCases, setupCase(spec))
			}
			continue
		}
		if !slices.Contains(spec.Labels(), profileLabel) {
			continue
		}
		suite.TestCases = append(suite.TestCases, specCase(spec))
	}
	// Execution order is random; name order makes two runs' files diffable.
	slices.SortStableFunc(suite.TestCases, func(a, b reporters.JUnitTestCase) int {
		return strings.Compare(a.Classname+"\x00"+a.Name, b.Classname+"\x00"+b.Name)
	})
	for _, tc := range suite.TestCases {
		suite.Tests++
		switch {
		case tc.Failure != nil:
			suite.Failures++
		case tc.Error != nil:
			suite.Errors++
		case tc.Skipped != nil:
			suite.Skipped++
		}
	}
	doc := reporters.JUnitTestSuites{
		Tests: suite.Tests, Disabled: suite.Skipped, Errors: suite.Errors, Failures: suite.Failures,
		Time: suite.Time, TestSuites: []reporters.JUnitTestSuite{suite},
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func specCase(spec types.SpecReport) reporters.JUnitTestCase {
	sr := specResult(spec)
	tc := reporters.JUnitTestCase{
		Name:      spec.LeafNodeText,
		Classname: "kmsconform." + labelValue(spec.LeafNodeLabels, "area:"),
		Status:    string(sr.Status),
		Time:      spec.RunTime.Seconds(),
	}
	switch sr.Status {
	case StatusFail, StatusError:
		message := truncate(firstLine(sr.Failure), maxFailureLine)
		kind := string(sr.Status)
		if sr.Tier == "provisional" {
			message = "[provisional: does not block certification] " + message
			kind = "provisional"
		}
		description := failureDescription(sr)
		if sr.Status == StatusFail {
			tc.Failure = &reporters.JUnitFailure{Message: message, Type: kind, Description: description}
		} else {
			tc.Error = &reporters.JUnitError{Message: message, Type: kind, Description: description}
		}
		tc.SystemOut = failureOutput(spec)
	case StatusSkip, StatusDisabled, StatusUnsupported:
		reason := sr.Reason
		if reason == "" {
			reason = "not run: excluded by the label filter or the run stopped early"
		}
		tc.Skipped = &reporters.JUnitSkipped{Message: string(sr.Status) + ": " + reason}
	}
	return tc
}

func setupCase(spec types.SpecReport) reporters.JUnitTestCase {
	return reporters.JUnitTestCase{
		Name:      fmt.Sprintf("[%s] %s", spec.LeafNodeType, spec.LeafNodeText),
		Classname: "kmsconform.suite",
		Status:    string(StatusError),
		Time:      spec.RunTime.Seconds(),
		Error: &reporters.JUnitError{
			Message:     truncate(firstLine(spec.Failure.Message), maxFailureLine),
			Type:        "setup",
			Description: spec.Failure.Location.String() + "\n" + truncate(spec.Failure.Message, maxFailureText),
		},
		SystemOut: failureOutput(spec),
	}
}

// failureDescription is the failure with where it happened and what the
// target answered to each expectation.
func failureDescription(sr SpecResult) string {
	var b strings.Builder
	if sr.Location != "" {
		fmt.Fprintf(&b, "%s\n", sr.Location)
	}
	b.WriteString(truncate(strings.TrimSpace(sr.Failure), maxFailureText))
	b.WriteString("\n")
	for _, o := range sr.Observations {
		fmt.Fprintf(&b, "observed: %s\n", o.describe())
	}
	return b.String()
}

// maxFailureText bounds a failure's text in the JUnit file: a matcher's
// dump of an SDK error runs to tens of kilobytes, which CI viewers choke on
// (Kubernetes trimmed its JUnit for the same reason). The whole text stays
// in report.json and results.json.
const (
	maxFailureText = 4000
	maxFailureLine = 500
)

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + fmt.Sprintf("\n... (%d more bytes: the whole failure is in %s and %s)", len(s)-n, ReportFile, ResultsFile)
}

// failureOutput is what a failed spec did: its steps and what it wrote to
// GinkgoWriter. Timestamps are left out: they say nothing about the failure
// and would make every report differ.
func failureOutput(spec types.SpecReport) string {
	var b strings.Builder
	for _, ev := range spec.SpecEvents {
		if ev.SpecEventType == types.SpecEventByStart {
			fmt.Fprintf(&b, "STEP: %s\n", ev.Message)
		}
	}
	if out := strings.TrimSpace(spec.CapturedGinkgoWriterOutput); out != "" {
		b.WriteString(out + "\n")
	}
	if out := strings.TrimSpace(spec.CapturedStdOutErr); out != "" {
		b.WriteString(out + "\n")
	}
	return b.String()
}
