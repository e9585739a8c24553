package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kmsconform/kmsconform/harness/profile"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestResolveDefaults(t *testing.T) {
	cfg, err := Resolve(Flags{}, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Endpoint != "" || cfg.Target != "" {
		t.Errorf("default endpoint/target = %q/%q, want the embedded reference (both empty)", cfg.Endpoint, cfg.Target)
	}
	if cfg.Profile != profile.P2022 || cfg.Region != DefaultRegion || cfg.Strict {
		t.Errorf("defaults = %+v", cfg)
	}
	if cfg.Reference.Profile != profile.P2022 {
		t.Errorf("reference profile = %q, want the claimed profile", cfg.Reference.Profile)
	}
	if cfg.RunID == "" {
		t.Error("no run id")
	}
}

func TestEndpointPrecedence(t *testing.T) {
	file := writeFile(t, "endpoint: http://127.0.0.1:2\n")
	vars := map[string]string{EnvEndpoint: "http://127.0.0.1:3", EnvSDKEndpoint: "http://127.0.0.1:4"}
	cases := []struct {
		name       string
		flags      Flags
		vars       map[string]string
		want, from string
	}{
		{"flag wins", Flags{Endpoint: "http://127.0.0.1:1", ConfigFile: file}, vars, "http://127.0.0.1:1", "--kms.endpoint"},
		{"file next", Flags{ConfigFile: file}, vars, "http://127.0.0.1:2", "endpoint in " + file},
		{"KMSCONFORM_ENDPOINT next", Flags{}, vars, "http://127.0.0.1:3", EnvEndpoint},
		{"AWS_ENDPOINT_URL_KMS last", Flags{}, map[string]string{EnvSDKEndpoint: "http://127.0.0.1:4"}, "http://127.0.0.1:4", EnvSDKEndpoint},
	}
	for _, c := range cases {
		cfg, err := Resolve(c.flags, env(c.vars))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if cfg.Endpoint != c.want || cfg.EndpointSource != c.from {
			t.Errorf("%s: endpoint %q from %q, want %q from %q", c.name, cfg.Endpoint, cfg.EndpointSource, c.want, c.from)
		}
	}
}

func TestResolveRejectsBadValues(t *testing.T) {
	cases := []struct {
		name  string
		flags Flags
		file  string
		want  string
	}{
		{"profile", Flags{Profile: "2024"}, "", `--kms.profile: unknown profile "2024": use one of 2022, 2023, 2025`},
		{"endpoint not a URL", Flags{Endpoint: "127.0.0.1:4599"}, "", `is not an endpoint URL: use the form http://127.0.0.1:4599`},
		{"endpoint with path", Flags{Endpoint: "http://127.0.0.1:4599/kms"}, "", `has a path (/kms)`},
		{"capability", Flags{Capabilities: "expiry-wait,teleport"}, "", `unknown capability "teleport": use any of expiry-wait, token-lifetime=DUR, second-account, multi-region, sm2`},
		{"token lifetime without value", Flags{Capabilities: "token-lifetime"}, "", `needs a duration`},
		{"token lifetime not a duration", Flags{Capabilities: "token-lifetime=soon"}, "", `is not a positive duration`},
		{"value on a plain capability", Flags{Capabilities: "expiry-wait=1s"}, "", `takes no value`},
		{"target and endpoint", Flags{Target: "local-kms", Endpoint: "http://127.0.0.1:1"}, "", `give one`},
		{"mutant with endpoint", Flags{ReferenceMutant: "accept-foreign-token", Endpoint: "http://127.0.0.1:1"}, "", `apply only to the embedded or containerised reference`},
		{"unknown file key", Flags{}, "endpont: http://127.0.0.1:1\n", `field endpont not found`},
		{"file profile", Flags{}, "profile: \"2021\"\n", `profile in `},
		{"file capabilities", Flags{}, "capabilities: [fly]\n", `capabilities in `},
		{"half credentials", Flags{}, "credentials: {access-key-id: AKIAEXAMPLE}\n", `both access-key-id and secret-access-key are needed`},
		{"second-account capability without credentials", Flags{Capabilities: "second-account", Endpoint: "http://127.0.0.1:1"}, "", `no second-account credentials are configured`},
		{"multi-region capability without a second region", Flags{Capabilities: "multi-region", Endpoint: "http://127.0.0.1:1"}, "", `no second region is configured: give --kms.second-region REGION`},
		{"second region equal to the region", Flags{Region: "eu-west-1", SecondRegion: "eu-west-1"}, "", `is the run's own region`},
		{"second account without account id", Flags{}, "second-account: {access-key-id: A, secret-access-key: B}\n", `account-id is missing`},
	}
	for _, c := range cases {
		flags := c.flags
		if c.file != "" {
			flags.ConfigFile = writeFile(t, c.file)
		}
		_, err := Resolve(flags, env(nil))
		if err == nil {
			t.Errorf("%s: accepted", c.name)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %q does not contain %q", c.name, err, c.want)
		}
	}
}

func TestResolveReportsEveryProblem(t *testing.T) {
	_, err := Resolve(Flags{Profile: "1999", Capabilities: "warp"}, env(nil))
	if err == nil || !strings.Contains(err.Error(), "1999") || !strings.Contains(err.Error(), "warp") {
		t.Fatalf("want both problems in one error, got %v", err)
	}
}

func TestEmbeddedReferenceNeedsNoSecondAccountOrRegion(t *testing.T) {
	// The embedded reference brings both (target.Endpoint.Provides).
	if _, err := Resolve(Flags{Capabilities: "second-account,multi-region"}, env(nil)); err != nil {
		t.Fatal(err)
	}
}

func TestMissingConfigFile(t *testing.T) {
	_, err := Resolve(Flags{ConfigFile: filepath.Join(t.TempDir(), "nope.yaml")}, env(nil))
	if err == nil || !strings.Contains(err.Error(), "give an existing YAML file to --kms.config") {
		t.Fatalf("got %v", err)
	}
}

func TestFileValues(t *testing.T) {
	file := writeFile(t, `
region: eu-west-1
profile: "2025"
capabilities: [expiry-wait, token-lifetime=3s]
strict: true
report-dir: out
credentials: {access-key-id: AKIAIOSFODNN7EXAMPLE, secret-access-key: wJalrXUtnFEMI}
`)
	cfg, err := Resolve(Flags{ConfigFile: file}, env(map[string]string{"AWS_REGION": "ap-south-1"}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Region != "eu-west-1" || cfg.Profile != profile.P2025 || !cfg.Strict || cfg.ReportDir != "out" {
		t.Errorf("file values not applied: %+v", cfg)
	}
	if !cfg.Capabilities.Has(ExpiryWait) || cfg.Capabilities.TokenLifetime() != 3*time.Second || cfg.Capabilities.Has(MultiRegion) {
		t.Errorf("capabilities = %v", cfg.Capabilities)
	}
	red := cfg.Redacted()
	text := strings.Join([]string{red["credentials"].(map[string]string)["access-key-id"], red["credentials"].(map[string]string)["secret-access-key"]}, " ")
	if strings.Contains(text, "wJalr") || strings.Contains(text, "IOSFODNN7") {
		t.Errorf("redacted config leaks credentials: %s", text)
	}
	// A flag overrides the file.
	cfg, err = Resolve(Flags{ConfigFile: file, Profile: "2023"}, env(nil))
	if err != nil || cfg.Profile != profile.P2023 {
		t.Errorf("flag did not override the file: %v %v", cfg.Profile, err)
	}
}

func TestCapabilitiesRoundTrip(t *testing.T) {
	c, err := ParseCapabilities(" sm2 , token-lifetime=1m30s,expiry-wait ")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.String(), "expiry-wait,token-lifetime=1m30s,sm2"; got != want {
		t.Fatalf("String() = %q, want %q", got, want)
	}
	again, err := ParseCapabilities(c.String())
	if err != nil || again.String() != c.String() {
		t.Fatalf("round trip: %q %v", again, err)
	}
}

func TestIsLoopback(t *testing.T) {
	for endpoint, want := range map[string]bool{
		"http://127.0.0.1:4599":               true,
		"http://localhost:1":                  true,
		"http://[::1]:8080":                   true,
		"https://kms.us-east-1.amazonaws.com": false,
		"http://10.0.0.1:80":                  false,
	} {
		if got := IsLoopback(endpoint); got != want {
			t.Errorf("IsLoopback(%q) = %v", endpoint, got)
		}
	}
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kmsconform.yaml")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestBaselineFlag(t *testing.T) {
	cfg, err := Resolve(Flags{Baseline: " reports/baselines/local-kms-2022.yaml "}, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Baseline != "reports/baselines/local-kms-2022.yaml" {
		t.Errorf("baseline = %q, want the flag's path", cfg.Baseline)
	}
	if cfg, _ := Resolve(Flags{}, env(nil)); cfg.Baseline != "" {
		t.Errorf("baseline without the flag = %q, want none", cfg.Baseline)
	}
}
