package reports

import (
	"fmt"
	"io"
	"sync"

	"github.com/onsi/ginkgo/v2/types"
)

// Progress prints one line per finished spec with a running count, e.g.
//
//	[ 12/77] pass        IMP-057 rejects an import token issued for another key (0.4s) •
//
// Ginkgo's own non-verbose output is a stream of one-character denoters
// with no names and no count, and a denoter ends no line, so line-buffered
// CI logs and the line-prefixed output of `kmsconform run --parallel`
// shards show nothing until the run ends. Ginkgo runs ReportAfterEach
// before it prints its denoter, so the line is left open for the denoter
// (printed with Ginkgo's --force-newlines, which ends it), except where
// Ginkgo prints a block of its own (a failure, report entries meant to be
// seen), which starts on a line of its own.
type Progress struct {
	mu    sync.Mutex
	w     io.Writer
	total int
	done  int
}

// NewProgress returns a Progress writing to w.
func NewProgress(w io.Writer) *Progress { return &Progress{w: w} }

// Begin records how many specs will run (ReportBeforeSuite).
func (p *Progress) Begin(report types.Report) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.total = report.PreRunStats.SpecsThatWillRun
}

// Spec prints the line of a finished spec (ReportAfterEach). Specs the run
// left out (other profiles, a label filter) print nothing.
func (p *Progress) Spec(spec types.SpecReport) {
	if spec.LeafNodeType != types.NodeTypeIt || notRun(spec) {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done++
	sr := specResult(spec)
	status := string(sr.Status)
	if sr.Status.Failed() && sr.Tier == "provisional" {
		status += " (prov.)"
	}
	width := len(fmt.Sprint(p.total))
	line := fmt.Sprintf("[%*d/%d] %-11s %s (%.1fs) ", width, p.done, p.total, status, spec.LeafNodeText, spec.RunTime.Seconds())
	if spec.State.Is(types.SpecStateFailureStates) || spec.ReportEntries.HasVisibility(types.ReportEntryVisibilityAlways) {
		line += "\n"
	}
	fmt.Fprint(p.w, line)
}
