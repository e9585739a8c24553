// Package reportstest opens report.html in headless Chromium for tests: the
// reports package's own page test and the end-to-end test of a real run's
// bundle in cmd/kmsconform share it, so both see the page as a person does.
package reportstest

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// EnvScreenshotDir names a directory where browser tests leave their
// screenshots (.ci/run sets it to out/screenshots); without it they go to
// the test's artifact directory (kept with `go test -artifacts -outputdir
// DIR`).
const EnvScreenshotDir = "KMSCONFORM_SCREENSHOT_DIR"

// Chromium finds a Chromium to drive. Without one the test skips, except
// in CI (CI=true), where a missing browser must fail: .ci/run installs it.
func Chromium(t *testing.T) string {
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

// Page is a report page open in a headless Chromium of its own.
type Page struct {
	t   *testing.T
	ctx context.Context
}

// Open starts Chromium (skipping the test without one, see Chromium), opens
// the page at path and waits for its rule list. The browser ends with the
// test.
func Open(t *testing.T, path string) *Page {
	t.Helper()
	exe := Chromium(t)
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
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
		chromedp.UserDataDir(filepath.Join(t.TempDir(), "profile")),
		chromedp.WindowSize(1280, 900),
	)
	t.Cleanup(cancelAlloc)
	ctx, cancelTab := chromedp.NewContext(ctx)
	t.Cleanup(cancelTab)
	if err := chromedp.Do(ctx,
		chromedp.Navigate((&url.URL{Scheme: "file", Path: abs}).String()),
		chromedp.WaitVisible(chromedp.CSS("#rules")),
	); err != nil {
		t.Fatalf("opening %s: %v", path, err)
	}
	return &Page{t: t, ctx: ctx}
}

// Eval evaluates a JavaScript expression that yields a string.
func (p *Page) Eval(js string) string {
	p.t.Helper()
	out, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](js))
	if err != nil {
		p.t.Fatalf("evaluating %s: %v", js, err)
	}
	return out
}

// Visible lists, sorted and space-separated, the data-rule of the elements
// matching selector that are shown.
func (p *Page) Visible(selector string) string {
	p.t.Helper()
	quoted, err := json.Marshal(selector) // a JSON string is a JavaScript string
	if err != nil {
		p.t.Fatal(err)
	}
	return p.Eval(`Array.from(document.querySelectorAll(` + string(quoted) + `)).filter(e => e.offsetParent !== null).map(e => e.dataset.rule).sort().join(" ")`)
}

// Click clicks the first element matching a CSS selector.
func (p *Page) Click(selector string) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, chromedp.Click(chromedp.CSS(selector))); err != nil {
		p.t.Fatalf("clicking %s: %v", selector, err)
	}
}

// Screenshot saves the whole page as name in $KMSCONFORM_SCREENSHOT_DIR, or
// in the test's artifact directory.
func (p *Page) Screenshot(name string) {
	p.t.Helper()
	png, err := chromedp.Run(p.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		p.t.Fatalf("screenshot: %v", err)
	}
	out := os.Getenv(EnvScreenshotDir)
	if out == "" {
		out = p.t.ArtifactDir()
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		p.t.Fatal(err)
	}
	path := filepath.Join(out, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		p.t.Fatal(err)
	}
	p.t.Logf("screenshot: %s", path)
}
