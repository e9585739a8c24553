package fuzz

import (
	"context"
	"flag"
	"fmt"
	"sort"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/kmsconform/kmsconform/harness/config"
)

// The differential mode: the same inputs (the seed corpus, plus -generated
// inputs per fuzzer) against the embedded reference and another target,
// listing by rule id where their answers differ.
//
//	go test ./fuzz -run TestDifferential -args -endpoint http://127.0.0.1:4599
//	go test ./fuzz -run TestDifferential -args -mutant accept-foreign-token
//	go test ./fuzz -run TestDifferential -args -target local-kms -generated 500
//
// The profile is KMSCONFORM_PROFILE's; credentials and rate limits are as
// for the fuzzers. The test fails when the other target fails an input (it
// disagrees with the oracle or breaks an invariant); answers that differ only
// in a code the rules merely infer are listed, not failed.
var (
	diffEndpoint  = flag.String("endpoint", "", "TestDifferential: the endpoint URL to compare with the embedded reference")
	diffMutant    = flag.String("mutant", "", "TestDifferential: a mutant of the embedded reference to compare with the reference")
	diffTarget    = flag.String("target", "", "TestDifferential: a target name of harness/target.Resolve to compare with the reference")
	diffGenerated = flag.Int("generated", 0, "TestDifferential: inputs to generate per fuzzer besides the seed corpus")
)

// fuzzers maps each fuzzer to its Run method.
func fuzzers(s *Session) map[string]func(context.Context, []byte) Result {
	return map[string]func(context.Context, []byte) Result{
		"FuzzImportEncryptedKeyMaterial": s.RunEncryptedKeyMaterial,
		"FuzzImportToken":                s.RunImportToken,
		"FuzzImportRequest":              s.RunImportRequest,
		"FuzzWireRequest":                s.RunWireRequest,
	}
}

// disagreement is one input on which the two targets answered differently,
// or the other target failed.
type disagreement struct {
	input     string // fuzzer/name
	reference Result
	other     Result
}

func TestDifferential(t *testing.T) {
	if *diffEndpoint == "" && *diffMutant == "" && *diffTarget == "" {
		t.Skip("differential mode: give -args -endpoint URL, -mutant NAME or -target NAME to compare that target with the embedded reference")
	}
	ctx := context.Background()
	// The reference side ignores the endpoint settings of the environment.
	referenceEnv := func(name string) string {
		if name == config.EnvEndpoint || name == config.EnvSDKEndpoint || name == EnvTarget || name == EnvMutant {
			return ""
		}
		return config.Getenv(name)
	}
	refOpts, err := OptionsFromEnv(referenceEnv)
	if err != nil {
		t.Fatal(err)
	}
	otherEnv := func(name string) string {
		switch name {
		case config.EnvEndpoint:
			return *diffEndpoint
		case config.EnvSDKEndpoint:
			return ""
		case EnvTarget:
			return *diffTarget
		case EnvMutant:
			return *diffMutant
		}
		return config.Getenv(name)
	}
	otherOpts, err := OptionsFromEnv(otherEnv)
	if err != nil {
		t.Fatal(err)
	}
	reference := startSession(t, refOpts)
	other := startSession(t, otherOpts)

	var inputs, failures int
	var found []disagreement
	names := []string{"FuzzImportEncryptedKeyMaterial", "FuzzImportToken", "FuzzImportRequest", "FuzzWireRequest"}
	for _, fuzzer := range names {
		entries, err := readCorpus(fuzzer)
		if err != nil {
			t.Fatal(err)
		}
		for i := range *diffGenerated {
			seed := fmt.Sprintf("%s generated %d", fuzzer, i)
			entries = append(entries, corpusEntry{fmt.Sprintf("generated-%d", i), fill([]byte(seed), 8+i%120)})
		}
		runRef, runOther := fuzzers(reference)[fuzzer], fuzzers(other)[fuzzer]
		for _, e := range entries {
			inputs++
			r1, r2 := runRef(ctx, e.data), runOther(ctx, e.data)
			if r1.Failed() {
				t.Errorf("the embedded reference fails its own oracle on %s/%s (a bug of the reference):\n%s", fuzzer, e.name, r1.Report())
			}
			if r2.Failed() {
				failures++
			}
			if r2.Failed() || answerClass(r1.Actual) != answerClass(r2.Actual) {
				found = append(found, disagreement{fuzzer + "/" + e.name, r1, r2})
			}
		}
	}
	t.Logf("differential: %s against %s, profile %s: %d inputs, %d answered differently, %d failed by the other target\n%s",
		other.TargetName(), reference.TargetName(), reference.Profile(), inputs, len(found), failures, disagreementTable(found))
	for _, d := range found {
		if d.other.Failed() {
			t.Logf("%s:\n%s", d.input, d.other.Report())
		}
	}
	if failures > 0 {
		t.Errorf("%s failed %d of %d inputs (listed above by rule id)", other.TargetName(), failures, inputs)
	}
}

func startSession(t *testing.T, opts Options) *Session {
	t.Helper()
	s, err := Start(context.Background(), opts)
	if err != nil {
		t.Fatalf("starting a target: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := s.Close(ctx); err != nil {
			t.Logf("closing %s: %v", s.TargetName(), err)
		}
	})
	return s
}

// answerClass is what the differential compares: success, the error code,
// or the way the answer failed.
func answerClass(a Answer) string {
	switch {
	case a.Err != nil:
		return "no answer"
	case a.Status >= 500:
		return fmt.Sprintf("HTTP %d", a.Status)
	case a.OK():
		return "success"
	case a.Code == "":
		return fmt.Sprintf("HTTP %d without a code", a.Status)
	}
	return a.Code
}

// disagreementTable lists disagreements by rule id: how many inputs, how
// many the other target failed, and the first input with both answers.
func disagreementTable(found []disagreement) string {
	type row struct {
		inputs, failed int
		example        disagreement
	}
	rows := map[string]*row{}
	for _, d := range found {
		ids := d.other.Rules
		if len(ids) == 0 {
			ids = []string{"(setup)"}
		}
		for _, id := range ids {
			r, ok := rows[id]
			if !ok {
				r = &row{example: d}
				rows[id] = r
			}
			r.inputs++
			if d.other.Failed() {
				r.failed++
			}
		}
	}
	ids := make([]string, 0, len(rows))
	for id := range rows {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "rule\tinputs\tfailed\texample\treference\tother\toracle")
	for _, id := range ids {
		r := rows[id]
		fmt.Fprintf(w, "%s\t%d\t%d\t%s\t%s\t%s\t%s\n", id, r.inputs, r.failed, r.example.input,
			answerClass(r.example.reference.Actual), answerClass(r.example.other.Actual), r.example.other.Expected)
	}
	w.Flush()
	return b.String()
}
