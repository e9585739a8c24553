package reports

import (
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"html/template"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/kmsconform/kmsconform/suites/catalogue"
)

// The page's template, style and script. Style and script are inlined, so
// report.html is one self-contained file; its Content-Security-Policy allows
// exactly these two (by hash) and nothing else, so the page cannot load or
// send anything even though it shows a target's untrusted messages.
var (
	//go:embed html/report.html.tmpl
	htmlTemplate string
	//go:embed html/report.css
	htmlStyle string
	//go:embed html/report.js
	htmlScript string
)

var pageTemplate = template.Must(template.New("report.html").Funcs(template.FuncMap{
	"join": strings.Join,
}).Parse(htmlTemplate))

// htmlPage is what the template renders.
type htmlPage struct {
	Results
	Passed        bool
	Certification string
	Duration      string
	ConfigJSON    string
	Statuses      []statusCount
	Areas         []htmlArea
	Rules         []htmlRule
	Profiles      []string
	Style         template.CSS
	Script        template.JS
	CSP           string
}

type statusCount struct {
	Status Status
	Count  int
}

// htmlArea is one row of the matrix: the rules of an area, by status.
type htmlArea struct {
	Name  string
	Cells []htmlCell
}

type htmlCell struct {
	Status Status
	Rules  []htmlRule
}

type htmlRule struct {
	RuleResult
	Provisional bool // failed in provisional specs only: shown, never blocking
	Observed    []string
}

// WriteHTML writes report.html: a matrix of the rules by area and status,
// filters by status and profile, and for each rule its statement, source,
// expected and observed outcome and specs. It is rendered from the results
// alone, so `report render` reproduces it.
func WriteHTML(w io.Writer, r Results) error {
	page := htmlPage{
		Results: r, Passed: r.Passed(), Certification: certificationText(r),
		Duration: r.FinishedAt.Sub(r.StartedAt).Round(100 * time.Millisecond).String(),
		Style:    template.CSS(htmlStyle), Script: template.JS(htmlScript),
		CSP: "default-src 'none'; style-src '" + cspHash(htmlStyle) + "'; script-src '" + cspHash(htmlScript) + "'",
	}
	config, err := json.MarshalIndent(r.Config, "", "  ")
	if err != nil {
		return err
	}
	page.ConfigJSON = string(config)
	for _, s := range Statuses() {
		page.Statuses = append(page.Statuses, statusCount{s, r.Summary[s]})
	}
	byArea := map[string][]htmlRule{}
	profiles := map[string]bool{}
	for _, rule := range r.Rules {
		hr := htmlRule{RuleResult: rule, Provisional: rule.Status.Failed() && !rule.Blocks(), Observed: rule.observed()}
		page.Rules = append(page.Rules, hr)
		byArea[rule.Area] = append(byArea[rule.Area], hr)
		for _, p := range rule.Profiles {
			profiles[p] = true
		}
	}
	areas := catalogue.Areas()
	for area := range byArea {
		if !slices.Contains(areas, area) {
			areas = append(areas, area) // a results file from a newer catalogue
		}
	}
	for _, area := range areas {
		rules := byArea[area]
		if len(rules) == 0 {
			continue
		}
		row := htmlArea{Name: area}
		for _, s := range Statuses() {
			cell := htmlCell{Status: s}
			for _, hr := range rules {
				if hr.Status == s {
					cell.Rules = append(cell.Rules, hr)
				}
			}
			row.Cells = append(row.Cells, cell)
		}
		page.Areas = append(page.Areas, row)
	}
	for p := range profiles {
		page.Profiles = append(page.Profiles, p)
	}
	slices.Sort(page.Profiles)
	return pageTemplate.Execute(w, page)
}

// cspHash is the Content-Security-Policy source expression of an inline
// style or script.
func cspHash(content string) string {
	sum := sha256.Sum256([]byte(content))
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}
