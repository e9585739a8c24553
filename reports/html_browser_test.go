package reports

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// envScreenshotDir names a directory where the browser test leaves its
// screenshots; without it they go to the test's artifact directory (kept
// with `go test -artifacts -outputdir DIR`).
const envScreenshotDir = "KMSCONFORM_SCREENSHOT_DIR"

// chromium finds a Chromium to drive. Without one the test skips, except
// in CI (CI=true), where a missing browser must fail: .ci/run installs it.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("Chromium is not installed, and CI must check report.html in a browser: apt-get install -y chromium")
	}
	t.Skip("Chromium not found: apt-get install -y chromium to check report.html in a browser")
	return ""
}

// TestHTMLInChromium opens report.html in headless Chromium and checks what
// a person sees: every rule in the matrix and the list, the script and style
// running under the page's own Content-Security-Policy, and the filters
// working when clicked. It leaves screenshots as artefacts.
func TestHTMLInChromium(t *testing.T) {
	exe := chromium(t)

	res := buildFixture(t, fixtureReport())
	// One rule of profile 2022 only, so the profile filter has something to hide.
	for i := range res.Rules {
		if res.Rules[i].ID == "IMP-005" {
			res.Rules[i].Profiles = []string{"2022"}
		}
	}
	dir := t.TempDir()
	page := filepath.Join(dir, HTMLFile)
	f, err := os.Create(page)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteHTML(f, res); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	ctx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(exe),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(filepath.Join(dir, "profile")),
		chromedp.WindowSize(1280, 900),
	)
	defer cancelAlloc()
	ctx, cancelTab := chromedp.NewContext(ctx)
	defer cancelTab()

	eval := func(js string) string {
		t.Helper()
		out, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("evaluating %s: %v", js, err)
		}
		return out
	}
	// visible lists the rule ids of the visible rows, and of the visible
	// matrix chips.
	visible := func(selector string) string {
		return eval(`Array.from(document.querySelectorAll("` + selector + `")).filter(e => e.offsetParent !== null).map(e => e.dataset.rule).sort().join(" ")`)
	}
	screenshot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot: %v", err)
		}
		out := os.Getenv(envScreenshotDir)
		if out == "" {
			out = t.ArtifactDir()
		}
		if err := os.MkdirAll(out, 0o755); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(out, name)
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", path)
	}

	if err := chromedp.Do(ctx,
		chromedp.Navigate((&url.URL{Scheme: "file", Path: page}).String()),
		chromedp.WaitVisible(chromedp.CSS("#rules")),
	); err != nil {
		t.Fatalf("opening report.html: %v", err)
	}
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

	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`button[data-filter-status="fail"]`))); err != nil {
		t.Fatalf("clicking the fail filter: %v", err)
	}
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
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`button[data-filter-status="disabled"]`))); err != nil {
		t.Fatal(err)
	}
	if got := visible("tr.rule"); got != "IMP-001 IMP-002 IMP-004" {
		t.Errorf("fail and disabled pressed: rows %q", got)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#clear-filters`))); err != nil {
		t.Fatal(err)
	}
	if got := visible("tr.rule"); got != all {
		t.Errorf("after show all: rows %q", got)
	}

	// The profile filter: IMP-005 belongs to profile 2022 only.
	eval(`(() => { const s = document.getElementById("profile-filter"); s.value = "2025"; s.dispatchEvent(new Event("change")); return s.value; })()`)
	if got := visible("tr.rule"); strings.Contains(got, "IMP-005") || got != "IMP-001 IMP-002 IMP-003 IMP-004" {
		t.Errorf("profile 2025: rows %q, want IMP-005 hidden", got)
	}
}
