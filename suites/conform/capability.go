package conform

import (
	"fmt"

	"github.com/onsi/ginkgo/v2"

	"github.com/kmsconform/kmsconform/harness/config"
	"github.com/kmsconform/kmsconform/reports"
)

// Require disables the running spec unless the target declared capability
// c. A disabled spec is reported `disabled` with the reason, never failed and
// never passed.
func Require(c config.Capability) {
	ginkgo.GinkgoHelper()
	if session.Config.Capabilities.Has(c) {
		return
	}
	Disable(fmt.Sprintf("needs capability %s; declare it with --kms.capabilities=%s if the target has it", c, c))
}

// Disable ends the running spec as disabled, with the reason in the report.
func Disable(reason string) {
	ginkgo.GinkgoHelper()
	ginkgo.AddReportEntry(reports.DisabledEntry, reason, ginkgo.ReportEntryVisibilityNever)
	ginkgo.Skip("disabled: " + reason)
}
