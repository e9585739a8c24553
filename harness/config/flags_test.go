package config

import (
	"flag"
	"slices"
	"testing"
)

// Args spells back exactly the flags Register reads, under any prefix: a
// shard given Args resolves the configuration its parent had.
func TestFlagsArgsRoundTrip(t *testing.T) {
	in := Flags{Endpoint: "http://127.0.0.1:4599", Profile: "2025", Capabilities: "expiry-wait,token-lifetime=3s", Strict: true, ReferenceMutant: "crypto-500", ReportDir: "out/x"}
	for _, prefix := range []string{"", "kms."} {
		var out Flags
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		out.Register(fs, prefix, "reference")
		if err := fs.Parse(in.Args(prefix)); err != nil {
			t.Fatalf("prefix %q: %v", prefix, err)
		}
		if out != in {
			t.Errorf("prefix %q: round trip gave %+v, want %+v", prefix, out, in)
		}
	}
	if got := (Flags{}).Args(""); len(got) != 0 {
		t.Errorf("unset flags spelt as %v", got)
	}
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	new(Flags).Register(fs, "kms.", "reference")
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	if !slices.Contains(names, "kms.endpoint") || !slices.Contains(names, "kms.strict") || !slices.Contains(names, "kms.mutant") {
		t.Errorf("registered %v", names)
	}
}
