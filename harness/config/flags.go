package config

import "flag"

// The run-configuration flags are defined once, here, for the three places
// that spell them: `ginkgo run`/`go test` (prefix "kms."), the kmsconform
// CLI (no prefix), and the command line of a --parallel shard (Args).

// stringFlag is one string-valued flag: its name without prefix, its usage
// and the field it fills.
type stringFlag struct {
	name, usage string
	value       *string
}

// stringFlags lists them; targets describes the --target values
// (target.ContainerTargets, which this package cannot import).
func (f *Flags) stringFlags(targets string) []stringFlag {
	return []stringFlag{
		{"endpoint", "KMS endpoint URL (default: " + EnvEndpoint + ", then " + EnvSDKEndpoint + ", then the embedded reference KMS)", &f.Endpoint},
		{"target", "a KMS the harness starts in a Docker container and removes afterwards: " + targets, &f.Target},
		{"region", "AWS region (default: AWS_REGION, then " + DefaultRegion + ")", &f.Region},
		{"profile", "import-rule profile the target claims: 2022, 2023 or 2025 (default 2022)", &f.Profile},
		{"config", "YAML configuration file", &f.ConfigFile},
		{"capabilities", "capabilities the target has: expiry-wait, token-lifetime=DUR, second-account, multi-region, sm2", &f.Capabilities},
		{"report-dir", "directory for the report bundle (an empty or new one): results.json, report.json, junit.xml, summary.md, report.html, SHA256SUMS", &f.ReportDir},
		{"baseline", "baseline file of known failures: the run passes when exactly these fail (made with kmsconform report baseline; not with ginkgo -p)", &f.Baseline},
		{"second-region", "another region of the service, where the multi-Region specs put replicas (capability multi-region)", &f.SecondRegion},
		{"reference-profile", "profile the embedded reference behaves as (default: the claimed profile)", &f.ReferenceProfile},
		{"mutant", "run the embedded reference with this named fault (kmsconform serve --list-mutants lists them)", &f.ReferenceMutant},
	}
}

const strictUsage = "also demand the exact error code where AWS does not document it (inferred evidence)"

// Register defines the flags on fs, each named prefix+name, filling f;
// targets describes the --target values for its help text.
func (f *Flags) Register(fs *flag.FlagSet, prefix, targets string) {
	for _, s := range f.stringFlags(targets) {
		fs.StringVar(s.value, prefix+s.name, "", s.usage)
	}
	fs.BoolVar(&f.Strict, prefix+"strict", false, strictUsage)
}

// Args spells the flags that are set as command-line arguments, each
// --prefix+name=value: what a child process needs to resolve the same
// configuration.
func (f Flags) Args(prefix string) []string {
	var a []string
	for _, s := range f.stringFlags("") {
		if *s.value != "" {
			a = append(a, "--"+prefix+s.name+"="+*s.value)
		}
	}
	if f.Strict {
		a = append(a, "--"+prefix+"strict")
	}
	return a
}
