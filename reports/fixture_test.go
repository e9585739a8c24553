package reports

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/kmsconform/kmsconform/harness/profile"
	"github.com/kmsconform/kmsconform/harness/version"
	"github.com/kmsconform/kmsconform/suites/catalogue"
)

// update rewrites the golden files: go test ./reports -run Golden -update
var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// fixtureVersion is the suite version the fixture bundles claim: a release,
// listed in fixtureReleases.
var fixtureVersion = version.Info{Version: "v0.1.0", Commit: "0123456789abcdef0123456789abcdef01234567"}

// fixtureCatalogue is the small catalogue in testdata/catalogue, so golden
// files do not change with suites/catalogue.
func fixtureCatalogue(t *testing.T) *catalogue.Catalogue {
	t.Helper()
	read := func(name string) []byte {
		data, err := os.ReadFile(filepath.Join("testdata", "catalogue", name))
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	cat, err := catalogue.Parse(read("rules.yaml"), read("ineligible.yaml"), read("wrapping.yaml"))
	if err != nil {
		t.Fatalf("the fixture catalogue is invalid: %v", err)
	}
	return cat
}

func fixtureReleases(cat *catalogue.Catalogue) []Release {
	return []Release{{Version: fixtureVersion.Version, CatalogueHash: cat.Hash()}}
}

var fixtureStart = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func labels(rule, tier, area string, profiles ...string) []string {
	l := []string{rule, "tier:" + tier, "area:" + area}
	for _, p := range profiles {
		l = append(l, "profile:"+p)
	}
	return l
}

func entry(name string, value any) types.ReportEntry {
	return types.ReportEntry{Name: name, Value: types.WrapEntryValue(value), Visibility: types.ReportEntryVisibilityNever}
}

func location(line int) types.CodeLocation {
	return types.CodeLocation{FileName: "suites/importkm/fixture.go", LineNumber: line}
}

// fixtureReport is a Ginkgo report of a profile-2022 run with one spec in
// each situation a report must show: a conformance failure, a pass, a
// provisional failure, a provisional error, a disabled spec, a spec of
// another profile (left out by the filter) and a rule without a spec.
func fixtureReport() types.Report {
	all := []string{"2022", "2023", "2025"}
	specs := []types.SpecReport{
		{
			LeafNodeType: types.NodeTypeSynchronizedBeforeSuite, State: types.SpecStatePassed,
			LeafNodeLocation: location(1), RunTime: 10 * time.Millisecond,
		},
		{
			ContainerHierarchyTexts: []string{"Import tokens"},
			LeafNodeType:            types.NodeTypeIt, LeafNodeText: "IMP-001 rejects an import token issued for another key",
			LeafNodeLocation: location(10), LeafNodeLabels: labels("IMP-001", "conformance", "token", all...),
			State: types.SpecStateFailed, RunTime: 1250 * time.Millisecond,
			Failure: types.Failure{
				Message:  "IMP-001: the target accepted a request that must be rejected with InvalidImportTokenException (documented)\nExpected\n    <bool>: true\nto be false",
				Location: location(24),
			},
			SpecEvents: []types.SpecEvent{
				{SpecEventType: types.SpecEventByStart, Message: "creating two EXTERNAL keys"},
				{SpecEventType: types.SpecEventByStart, Message: "importing with the token of the other key"},
			},
			CapturedGinkgoWriterOutput: "key 1234abcd-12ab-34cd-56ef-1234567890ab\n",
			ReportEntries: types.ReportEntries{entry(ObservationEntry, Observation{
				Rule: "IMP-001", Case: "other-key", Expected: "InvalidImportTokenException", Evidence: "documented", Outcome: "success",
			})},
		},
		{
			LeafNodeType: types.NodeTypeIt, LeafNodeText: "IMP-002 accepts 32 bytes of symmetric material",
			LeafNodeLocation: location(30), LeafNodeLabels: labels("IMP-002", "conformance", "material", all...),
			State: types.SpecStatePassed, RunTime: 500 * time.Millisecond,
			ReportEntries: types.ReportEntries{entry(ObservationEntry, Observation{
				Rule: "IMP-002", Case: "exact", Expected: "success", Evidence: "documented", Outcome: "success",
			})},
		},
		{
			LeafNodeType: types.NodeTypeIt, LeafNodeText: "IMP-002 rejects 33 bytes of symmetric material",
			LeafNodeLocation: location(40), LeafNodeLabels: labels("IMP-002", "provisional", "material", all...),
			State: types.SpecStateFailed, RunTime: 750 * time.Millisecond,
			Failure: types.Failure{
				Message:  "IMP-002: the target rejected <script>alert(1)</script> with | a pipe",
				Location: location(45),
			},
			ReportEntries: types.ReportEntries{entry(ObservationEntry, Observation{
				Rule: "IMP-002", Case: "longer", Expected: "IncorrectKeyMaterialException", Evidence: "inferred",
				Outcome: "error", Code: "ValidationException", Status: 400, Message: "<b>bad</b> length",
			})},
		},
		{
			LeafNodeType: types.NodeTypeIt, LeafNodeText: "IMP-003 rejects material that does not decrypt",
			LeafNodeLocation: location(50), LeafNodeLabels: labels("IMP-003", "provisional", "wrapping", all...),
			State: types.SpecStatePanicked, RunTime: 100 * time.Millisecond,
			Failure: types.Failure{Message: "Test Panicked", ForwardedPanic: "runtime error: index out of range", Location: location(55)},
		},
		{
			LeafNodeType: types.NodeTypeIt, LeafNodeText: "IMP-004 deletes expired material",
			LeafNodeLocation: location(60), LeafNodeLabels: append(labels("IMP-004", "conformance", "expiry", all...), "capability:expiry-wait"),
			State:   types.SpecStateSkipped,
			Failure: types.Failure{Message: "disabled: needs capability expiry-wait", Location: location(61)},
			ReportEntries: types.ReportEntries{entry(DisabledEntry,
				"needs capability expiry-wait; declare it with --kms.capabilities=expiry-wait if the target has it")},
		},
		{
			LeafNodeType: types.NodeTypeIt, LeafNodeText: "IMP-006 imports HMAC material",
			LeafNodeLocation: location(70), LeafNodeLabels: labels("IMP-006", "conformance", "material", "2023", "2025"),
			State: types.SpecStateSkipped,
		},
	}
	return types.Report{
		SuitePath: "/src/kmsconform", SuiteDescription: "kmsconform",
		SuiteConfig:    types.SuiteConfig{LabelFilter: ProfileFilter(profile.P2022), RandomSeed: 42},
		SuiteSucceeded: false,
		PreRunStats:    types.PreRunStats{TotalSpecs: 6, SpecsThatWillRun: 5},
		StartTime:      fixtureStart, EndTime: fixtureStart.Add(12500 * time.Millisecond), RunTime: 12500 * time.Millisecond,
		SpecReports: specs,
	}
}

// fixtureRun is the run the fixture report came from.
func fixtureRun() Run {
	return Run{
		Profile: profile.P2022, Target: "endpoint http://127.0.0.1:4599",
		Config: map[string]any{"endpoint": "http://127.0.0.1:4599", "profile": "2022", "region": "us-east-1"},
	}
}

// buildFixture builds the results of a report as the run would, with the
// fixture's suite version.
func buildFixture(t *testing.T, report types.Report) Results {
	t.Helper()
	res := Build(report, fixtureCatalogue(t), fixtureRun())
	res.Suite = fixtureVersion
	return res
}

// passingReport is the fixture made to certify: every failure fixed and
// the rule without a spec given one.
func passingReport() types.Report {
	r := fixtureReport()
	for i := range r.SpecReports {
		s := &r.SpecReports[i]
		if s.State.Is(types.SpecStateFailureStates) {
			s.State, s.Failure = types.SpecStatePassed, types.Failure{}
		}
		// The panicked spec, now passing, got as far as its assertion.
		if s.LeafNodeText == "IMP-003 rejects material that does not decrypt" {
			s.ReportEntries = types.ReportEntries{entry(ObservationEntry, Observation{
				Rule: "IMP-003", Expected: "InvalidCiphertextException", Evidence: "documented",
				Outcome: "error", Code: "InvalidCiphertextException", Status: 400,
			})}
		}
	}
	r.SpecReports = append(r.SpecReports, types.SpecReport{
		LeafNodeType: types.NodeTypeIt, LeafNodeText: "IMP-005 rejects a ValidTo more than 365 days ahead",
		LeafNodeLocation: location(80), LeafNodeLabels: labels("IMP-005", "conformance", "validto", "2022", "2023", "2025"),
		State: types.SpecStatePassed, RunTime: 200 * time.Millisecond,
		ReportEntries: types.ReportEntries{entry(ObservationEntry, Observation{
			Rule: "IMP-005", Expected: "ValidationException", Evidence: "inferred",
			Outcome: "error", Code: "ValidationException", Status: 400,
		})},
	})
	r.SuiteSucceeded = true
	return r
}

// writeBundle writes the bundle of a report into a new directory.
func writeBundle(t *testing.T, report types.Report) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "bundle")
	if err := WriteBundle(dir, report, buildFixture(t, report)); err != nil {
		t.Fatal(err)
	}
	return dir
}

// golden compares got with testdata/golden/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (create it with: go test ./reports -run %s -update)", err, t.Name())
	}
	if string(got) != string(want) {
		t.Errorf("%s differs from the golden file; if the change is intended, rerun with -update and review the diff.\n--- got ---\n%s", path, got)
	}
}
