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
	if (c == config.ExpiryWait || c == config.TokenLifetime) && InProcess() {
		// The embedded reference needs neither: TokenClock and ExpiryClock
		// give the spec a private instance whose clock it moves.
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

// unsupported ends the running spec as unsupported: the target answered an
// optional (provisional) feature with UnsupportedOperationException.
func unsupported(reason string) {
	ginkgo.GinkgoHelper()
	ginkgo.AddReportEntry(reports.UnsupportedEntry, reason, ginkgo.ReportEntryVisibilityNever)
	ginkgo.Skip("unsupported: " + reason)
}
