package conform

import (
	"fmt"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega"

	"github.com/kmsconform/kmsconform/harness/config"

	"github.com/kmsconform/kmsconform/reports"
	"github.com/kmsconform/kmsconform/suites/catalogue"
)

// Rule is a catalogue rule as a spec sees it: the expectation cases it
// records, with assertions that apply the catalogue's evidence levels.
type Rule struct {
	catalogue.Rule
}

// Case returns the named expectation case of the rule. An unknown case is a
// bug in the spec, reported at once.
func (r Rule) Case(name string) Case {
	ginkgo.GinkgoHelper()
	e, err := r.Expectation(name)
	if err != nil {
		ginkgo.Fail(fmt.Sprintf("spec bug: %v", err))
	}
	if !e.InProfile(Profile()) {
		ginkgo.Fail(fmt.Sprintf("spec bug: %s case %q is not part of profile %s", r.ID, name, Profile()))
	}
	if e.Tier == catalogue.Provisional && r.Tier == catalogue.Conformance {
		ginkgo.Fail(fmt.Sprintf("spec bug: %s case %q is provisional: check it in its own spec, declared with conform.ItCase", r.ID, name))
	}
	for _, c := range e.Capabilities {
		Require(config.Capability(c))
	}
	return Case{rule: r.Rule, exp: e}
}

// Case is one expectation of a rule: an outcome, an error code and the
// evidence behind it.
type Case struct {
	rule catalogue.Rule
	exp  catalogue.Expectation
}

// Expectation returns the catalogue's record of what is expected.
func (c Case) Expectation() catalogue.Expectation { return c.exp }

// ExpectError asserts the rule's single expected error (see Case.ExpectError).
func (r Rule) ExpectError(err error) { ginkgo.GinkgoHelper(); r.Case("").ExpectError(err) }

// ExpectSuccess asserts the rule's single expected success.
func (r Rule) ExpectSuccess(err error) { ginkgo.GinkgoHelper(); r.Case("").ExpectSuccess(err) }

// ExpectOutcome asserts the rule's single expectation, success or error.
func (r Rule) ExpectOutcome(err error) { ginkgo.GinkgoHelper(); r.Case("").ExpectOutcome(err) }

// ExpectOutcome asserts whatever the catalogue expects for this case: success
// or the error. Table specs built from the catalogue use it.
func (c Case) ExpectOutcome(err error) {
	ginkgo.GinkgoHelper()
	if c.exp.Outcome == catalogue.OutcomeSuccess {
		c.ExpectSuccess(err)
		return
	}
	c.ExpectError(err)
}

// ExpectError asserts that the call was rejected as the catalogue says, as
// strictly as the evidence allows:
//   - documented or observed: an HTTP 4xx with exactly the expected error code;
//   - inferred: any HTTP 4xx with an AWS error code (AWS does not name the
//     code, so the suite does not fail a target for choosing another one); with
//     --kms.strict, exactly the inferred code too.
//
// In every case the code and status that came back are recorded for the
// report. The caller checks separately that the key was left unchanged.
func (c Case) ExpectError(err error) {
	ginkgo.GinkgoHelper()
	if c.exp.Outcome != catalogue.OutcomeError {
		ginkgo.Fail(fmt.Sprintf("spec bug: %s case %q expects %s, not an error", c.rule.ID, c.exp.Case, c.exp.Outcome))
	}
	o := Observe(err)
	record(c, o)
	gomega.Expect(o.OK).To(gomega.BeFalse(), "%s: the target accepted a request that must be rejected with %s (%s)", c.rule.ID, c.exp.Error, c.exp.Evidence)
	gomega.Expect(err).To(BeKMSClientError(), "%s: expected a client error (%s, %s)", c.rule.ID, c.exp.Error, c.exp.Evidence)
	if c.exp.Evidence != catalogue.Inferred || session.Config.Strict {
		gomega.Expect(err).To(BeKMSError(c.exp.Error), "%s: expected %s (%s)", c.rule.ID, c.exp.Error, c.exp.Evidence)
	}
}

// ExpectSuccess asserts that the call succeeded, as the catalogue says it
// must, and records the answer.
func (c Case) ExpectSuccess(err error) {
	ginkgo.GinkgoHelper()
	if c.exp.Outcome != catalogue.OutcomeSuccess {
		ginkgo.Fail(fmt.Sprintf("spec bug: %s case %q expects %s, not success", c.rule.ID, c.exp.Case, c.exp.Error))
	}
	o := Observe(err)
	record(c, o)
	if !o.OK && o.Code == "UnsupportedOperationException" && c.exp.Tier == catalogue.Provisional {
		// A provisional expectation rests on what AWS leaves ambiguous, so
		// a target may not offer it: that is reported unsupported, not
		// failed (DESIGN section 9). Where the profile requires the feature
		// (tier conformance) the same answer fails below.
		unsupported(fmt.Sprintf("%s case %q is provisional and the target answered UnsupportedOperationException: %s", c.rule.ID, c.exp.Case, o))
	}
	if !o.OK {
		ginkgo.Fail(fmt.Sprintf("%s: the target rejected a request that must succeed: %s", c.rule.ID, o))
	}
}

func record(c Case, o Observed) {
	expected := string(c.exp.Outcome)
	if c.exp.Outcome == catalogue.OutcomeError {
		expected = c.exp.Error
	}
	obs := reports.Observation{
		Rule: c.rule.ID, Case: c.exp.Case, Expected: expected, Evidence: string(c.exp.Evidence),
		Outcome: "success", Code: o.Code, Status: o.Status,
	}
	if !o.OK {
		obs.Outcome = "error"
		obs.Message = o.Message
		if o.Code == "" {
			obs.Message = o.String()
		}
	}
	ginkgo.AddReportEntry(reports.ObservationEntry, obs, ginkgo.ReportEntryVisibilityNever)
}
