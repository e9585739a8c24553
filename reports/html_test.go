package reports

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// renderFixtureHTML renders report.html of the fixture run.
func renderFixtureHTML(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := WriteHTML(&b, buildFixture(t, fixtureReport())); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestHTMLIsSelfContained parses report.html and checks that nothing in it
// loads anything: no external script, style, image, frame or font, and a
// Content-Security-Policy that forbids all but its own inline style and
// script.
func TestHTMLIsSelfContained(t *testing.T) {
	page := renderFixtureHTML(t)
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	var csp string
	var scripts, styles int
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		attr := map[string]string{}
		for _, a := range n.Attr {
			attr[a.Key] = a.Val
		}
		switch n.Data {
		case "script":
			scripts++
			if _, ok := attr["src"]; ok {
				t.Errorf("a script loads %s", attr["src"])
			}
		case "style":
			styles++
		case "link", "img", "iframe", "object", "embed", "audio", "video", "source", "base", "form":
			t.Errorf("report.html has a <%s> element %v", n.Data, n.Attr)
		case "meta":
			if attr["http-equiv"] == "Content-Security-Policy" {
				csp = attr["content"]
			}
		case "a":
			if href := attr["href"]; !strings.HasPrefix(href, "#") && !strings.HasPrefix(href, "https://docs.aws.amazon.com/") {
				t.Errorf("a link to %q: only rule anchors and the rules' sources are linked", href)
			}
		}
		if _, ok := attr["style"]; ok {
			t.Errorf("<%s> has a style attribute, which the policy forbids", n.Data)
		}
		for k := range attr {
			if strings.HasPrefix(k, "on") {
				t.Errorf("<%s> has an inline handler %s, which the policy forbids", n.Data, k)
			}
		}
	}
	if scripts != 1 || styles != 1 {
		t.Errorf("%d scripts and %d styles, want one of each, inline", scripts, styles)
	}
	wantCSP := "default-src 'none'; style-src '" + cspHash(htmlStyle) + "'; script-src '" + cspHash(htmlScript) + "'"
	if csp != wantCSP {
		t.Errorf("Content-Security-Policy %q, want %q", csp, wantCSP)
	}
	// The target's messages are untrusted text.
	if bytes.Contains(page, []byte("<script>alert")) || bytes.Contains(page, []byte("<b>bad</b>")) {
		t.Error("a message from the target is not escaped")
	}
}

func TestHTMLShowsEveryRule(t *testing.T) {
	page := string(renderFixtureHTML(t))
	res := buildFixture(t, fixtureReport())
	for _, r := range res.Rules {
		for _, want := range []string{
			`<tr class="rule" id="` + r.ID + `" data-rule="` + r.ID + `" data-status="` + string(r.Status) + `"`,
			`href="#` + r.ID + `" data-rule="` + r.ID + `" data-status="` + string(r.Status) + `"`,
			r.Source,
		} {
			if !strings.Contains(page, want) {
				t.Errorf("report.html lacks %s", want)
			}
		}
	}
	for _, want := range []string{
		"chip status-fail provisional", // IMP-002 failed in a provisional spec only
		"Certification: FAIL: 1 rule blocks (IMP-001); 2 provisional failures do not block",
		"case other-key: expected InvalidImportTokenException (documented), got success",
		"needs capability expiry-wait",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
}
