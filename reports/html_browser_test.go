package reports

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kmsconform/kmsconform/reports/reportstest"
)

// TestHTMLInChromium opens report.html in headless Chromium and checks what
// a person sees: every rule in the matrix and the list, the script and style
// running under the page's own Content-Security-Policy, and the filters
// working when clicked. It leaves screenshots as artefacts
// ($KMSCONFORM_SCREENSHOT_DIR). cmd/kmsconform opens a real run's page too.
func TestHTMLInChromium(t *testing.T) {
	reportstest.Chromium(t)

	res := buildFixture(t, fixtureReport())
	// One rule of profile 2022 only, so the profile filter has something to hide.
	for i := range res.Rules {
		if res.Rules[i].ID == "IMP-005" {
			res.Rules[i].Profiles = []string{"2022"}
		}
	}
	dir := t.TempDir()
	path := filepath.Join(dir, HTMLFile)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteHTML(f, res); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}

	page := reportstest.Open(t, path)
	eval, visible, screenshot := page.Eval, page.Visible, page.Screenshot

	all := "IMP-001 IMP-002 IMP-003 IMP-004 IMP-005"
	if got := visible("tr.rule"); got != all {
		t.Errorf("rule rows %q, want every rule %q", got, all)
	}
	if got := visible("#matrix .chip"); got != all {
		t.Errorf("matrix chips %q, want every rule %q", got, all)
	}
	// The script filled the counter and the stylesheet coloured the verdict:
	// both ran under the page's Content-Security-Policy.
	if got := eval(`document.getElementById("shown").textContent`); got != "5 of 5 rules" {
		t.Errorf("counter %q: the page's script did not run (Content-Security-Policy?)", got)
	}
	if got := eval(`getComputedStyle(document.getElementById("verdict")).backgroundColor`); got != "rgb(207, 34, 46)" {
		t.Errorf("verdict colour %q: the page's style did not apply", got)
	}
	if got := eval(`getComputedStyle(document.querySelector('#matrix .chip[data-rule="IMP-002"]')).borderTopStyle`); got != "dashed" {
		t.Errorf("IMP-002 (provisional failure) chip border %q, want dashed", got)
	}
	screenshot("report.png")

	page.Click(`button[data-filter-status="fail"]`)
	if got := visible("tr.rule"); got != "IMP-001 IMP-002" {
		t.Errorf("after clicking fail, rows %q, want only the failed rules", got)
	}
	if got := visible("#matrix .chip"); got != "IMP-001 IMP-002" {
		t.Errorf("after clicking fail, chips %q, want only the failed rules", got)
	}
	if got := eval(`document.getElementById("shown").textContent`); got != "2 of 5 rules" {
		t.Errorf("counter %q after filtering", got)
	}
	screenshot("report-filtered-fail.png")

	// A second status adds to the first; "show all" resets.
	page.Click(`button[data-filter-status="disabled"]`)
	if got := visible("tr.rule"); got != "IMP-001 IMP-002 IMP-004" {
		t.Errorf("fail and disabled pressed: rows %q", got)
	}
	page.Click(`#clear-filters`)
	if got := visible("tr.rule"); got != all {
		t.Errorf("after show all: rows %q", got)
	}

	// The profile filter: IMP-005 belongs to profile 2022 only.
	eval(`(() => { const s = document.getElementById("profile-filter"); s.value = "2025"; s.dispatchEvent(new Event("change")); return s.value; })()`)
	if got := visible("tr.rule"); strings.Contains(got, "IMP-005") || got != "IMP-001 IMP-002 IMP-003 IMP-004" {
		t.Errorf("profile 2025: rows %q, want IMP-005 hidden", got)
	}
}
