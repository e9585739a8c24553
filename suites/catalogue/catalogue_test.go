package catalogue

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsconform/kmsconform/harness/config"
	"github.com/kmsconform/kmsconform/harness/profile"
)

func load(t *testing.T) *Catalogue {
	t.Helper()
	c, err := Load()
	if err != nil {
		t.Fatalf("embedded catalogue does not load:\n%v", err)
	}
	return c
}

func TestEmbeddedCatalogueHasRules001To148(t *testing.T) {
	c := load(t)
	rules := c.Rules()
	if len(rules) != 148 {
		t.Fatalf("got %d rules, want 148", len(rules))
	}
	for i, r := range rules {
		if want := fmt.Sprintf("IMP-%03d", i+1); r.ID != want {
			t.Fatalf("rule %d is %s, want %s (ids are contiguous and ordered)", i, r.ID, want)
		}
	}
}

func TestIneligibleRulesAreKnownAndInNoProfile(t *testing.T) {
	c := load(t)
	if len(c.Ineligible()) == 0 {
		t.Fatal("no ineligible rules")
	}
	for _, x := range c.Ineligible() {
		r, ok := c.Rule(x.ID)
		if !ok {
			t.Errorf("ineligible %s is not a rule", x.ID)
			continue
		}
		if len(r.Profiles) > 0 {
			t.Errorf("ineligible %s is in profiles %v", x.ID, r.Profiles)
		}
		if !c.IsIneligible(x.ID) {
			t.Errorf("IsIneligible(%s) = false", x.ID)
		}
	}
	if c.IsIneligible("IMP-057") {
		t.Error("IsIneligible(IMP-057) = true")
	}
}

// The spot checks pin facts of the research that the specs and the reference rely on.
func TestSpotChecks(t *testing.T) {
	c := load(t)
	expect := func(id, caseName string, outcome Outcome, code string, ev Evidence) {
		t.Helper()
		r, ok := c.Rule(id)
		if !ok {
			t.Fatalf("no rule %s", id)
		}
		e, err := r.Expectation(caseName)
		if err != nil {
			t.Fatal(err)
		}
		if e.Outcome != outcome || e.Error != code || e.Evidence != ev {
			t.Errorf("%s %q = %s %s %s, want %s %s %s", id, caseName, e.Outcome, e.Error, e.Evidence, outcome, code, ev)
		}
	}
	expect("IMP-057", "other-key", OutcomeError, "InvalidImportTokenException", Documented)
	expect("IMP-057", "garbage", OutcomeError, "InvalidImportTokenException", Documented)
	expect("IMP-050", "expiration-model-omitted", OutcomeError, "ValidationException", Observed)
	expect("IMP-015", "", OutcomeError, "UnsupportedOperationException", Documented)
	expect("IMP-076", "", OutcomeError, "KMSInvalidStateException", Observed)

	profiles := func(id string, want ...profile.Profile) {
		t.Helper()
		r, _ := c.Rule(id)
		if !slices.Equal(r.Profiles, want) {
			t.Errorf("%s profiles = %v, want %v", id, r.Profiles, want)
		}
	}
	profiles("IMP-006", profile.P2022)
	profiles("IMP-075", profile.P2025)
	profiles("IMP-114", profile.P2023)
	profiles("IMP-065", profile.P2022, profile.P2023, profile.P2025)

	r, _ := c.Rule("IMP-041")
	if e, _ := r.Expectation("longer-than-spec-length"); e.Tier != Provisional {
		t.Errorf("IMP-041 longer-than-spec-length tier = %s, want provisional", e.Tier)
	}
	if e, _ := r.Expectation("spec-length"); e.Tier != Conformance {
		t.Errorf("IMP-041 spec-length tier = %s, want conformance (the rule's)", e.Tier)
	}
	r, _ = c.Rule("IMP-004")
	if e, _ := r.Expectation("ECC_NIST_EDWARDS25519"); !slices.Equal(e.Profiles, []profile.Profile{profile.P2025}) {
		t.Errorf("IMP-004 Ed25519 case profiles = %v, want [2025]", e.Profiles)
	}
	if got := len(r.ExpectationsIn(profile.P2023)); got != 12 {
		t.Errorf("IMP-004 has %d cases in 2023, want 12", got)
	}
	r, _ = c.Rule("IMP-104")
	if e, _ := r.Expectation("cross-account"); !slices.Equal(e.Capabilities, []string{"second-account"}) {
		t.Errorf("IMP-104 cross-account capabilities = %v, want [second-account]", e.Capabilities)
	}
}

func TestInProfile(t *testing.T) {
	c := load(t)
	for _, p := range profile.All() {
		rules := c.InProfile(p)
		if len(rules) == 0 {
			t.Fatalf("profile %s has no rules", p)
		}
		for _, r := range rules {
			if !r.InProfile(p) || c.IsIneligible(r.ID) {
				t.Errorf("%s listed in profile %s", r.ID, p)
			}
			if len(r.ExpectationsIn(p)) == 0 {
				t.Errorf("%s has no case for profile %s", r.ID, p)
			}
		}
	}
}

func TestWrapping2022IsThreeAlgorithmsUnderRSA2048(t *testing.T) {
	cells := load(t).Wrapping(profile.P2022)
	var got []string
	for _, c := range cells {
		if !c.Allowed || c.KeySpec != types.KeySpecSymmetricDefault || c.WrappingKeySpec != types.WrappingKeySpecRsa2048 {
			t.Errorf("unexpected 2022 cell %v (allowed %v)", c, c.Allowed)
		}
		got = append(got, string(c.Algorithm))
	}
	slices.Sort(got)
	want := []string{"RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256", "RSAES_PKCS1_V1_5"}
	if !slices.Equal(got, want) {
		t.Errorf("2022 algorithms = %v, want %v", got, want)
	}
}

func TestWrappingP521OAEPUnderRSA2048IsRejected(t *testing.T) {
	for _, p := range []profile.Profile{profile.P2023, profile.P2025} {
		for _, alg := range []types.AlgorithmSpec{types.AlgorithmSpecRsaesOaepSha256, types.AlgorithmSpecRsaesOaepSha1} {
			c := findCell(t, p, types.KeySpecEccNistP521, alg, types.WrappingKeySpecRsa2048)
			if c.Allowed || c.Error != "UnsupportedOperationException" || c.Rule != "IMP-032" || c.Evidence != Inferred {
				t.Errorf("%s %v = %+v, want rejected by IMP-032 with UnsupportedOperationException", p, c, c)
			}
		}
	}
	c := findCell(t, profile.P2023, types.KeySpecEccNistP521, types.AlgorithmSpecRsaesOaepSha256, types.WrappingKeySpecRsa3072)
	if !c.Allowed || c.Rule != "IMP-031" {
		t.Errorf("2023 %v = %+v, want allowed by IMP-031", c, c)
	}
	c = findCell(t, profile.P2023, types.KeySpecHmac256, types.AlgorithmSpecRsaAesKeyWrapSha256, types.WrappingKeySpecRsa4096)
	if !c.Allowed || c.Rule != "IMP-035" || c.Tier != Provisional {
		t.Errorf("2023 %v = %+v, want allowed by IMP-035, provisional", c, c)
	}
}

func findCell(t *testing.T, p profile.Profile, ks types.KeySpec, alg types.AlgorithmSpec, wks types.WrappingKeySpec) WrappingCell {
	t.Helper()
	for _, c := range load(t).Wrapping(p) {
		if c.KeySpec == ks && c.Algorithm == alg && c.WrappingKeySpec == wks {
			return c
		}
	}
	t.Fatalf("no %s cell %s %s %s", p, ks, alg, wks)
	return WrappingCell{}
}

func TestWrappingCellsCoverEachProfileOnce(t *testing.T) {
	for p, want := range map[profile.Profile]int{
		profile.P2022: 1 * 3 * 1,  // SYMMETRIC_DEFAULT x 3 algorithms x RSA_2048
		profile.P2023: 12 * 5 * 3, // 12 key specs x 5 algorithms x 3 wrapping key specs
		profile.P2025: 13 * 5 * 3, // + ECC_NIST_EDWARDS25519
	} {
		cells := load(t).Wrapping(p)
		if len(cells) != want {
			t.Errorf("%s has %d cells, want %d", p, len(cells), want)
		}
		seen := map[string]bool{}
		for _, c := range cells {
			if seen[c.String()] {
				t.Errorf("%s cell %v twice", p, c)
			}
			seen[c.String()] = true
			if c.Profile != p || c.Rule == "" || c.Evidence == "" || c.Tier == "" {
				t.Errorf("%s cell %+v is incomplete", p, c)
			}
		}
	}
}

func TestExpectationErrorNamesTheCases(t *testing.T) {
	r, _ := load(t).Rule("IMP-057")
	_, err := r.Expectation("nope")
	if err == nil || !strings.Contains(err.Error(), `"other-key", "garbage"`) {
		t.Errorf("error = %v, want it to list the valid cases", err)
	}
}

func TestHash(t *testing.T) {
	c := load(t)
	if len(c.Hash()) != 64 || c.Hash() != hashFiles(rulesYAML, ineligibleYAML, wrappingYAML) {
		t.Errorf("Hash() = %q", c.Hash())
	}
	again, err := Parse(rulesYAML, ineligibleYAML, wrappingYAML)
	if err != nil {
		t.Fatal(err)
	}
	if again.Hash() != c.Hash() {
		t.Error("the same files gave different hashes")
	}
	edited := append([]byte("# a comment\n"), rulesYAML...)
	if other, err := Parse(edited, ineligibleYAML, wrappingYAML); err != nil || other.Hash() == c.Hash() {
		t.Errorf("an edited rules.yaml kept the hash (err %v)", err)
	}
}

// A minimal valid catalogue; each validation test breaks it in one place.
const (
	okRules = `rules:
- id: IMP-001
  title: One
  statement: Must one.
  operations: [ImportKeyMaterial]
  area: import
  source: https://docs.example/one
  revision: current
  profiles: ["2022", "2023", "2025"]
  tier: conformance
  expect:
    - case: ""
      outcome: success
      evidence: documented
- id: IMP-002
  title: Two
  statement: Must two.
  operations: [GetParametersForImport]
  area: wrapping
  source: https://docs.example/two
  revision: current
  profiles: ["2022", "2023", "2025"]
  tier: conformance
  expect:
    - case: good
      outcome: success
      evidence: documented
    - case: bad
      outcome: error
      error: UnsupportedOperationException
      evidence: inferred
      note: Why.
- id: IMP-003
  title: Three
  statement: Was three.
  operations: [CreateKey]
  area: createkey
  source: https://docs.example/three
  revision: legacy
  until: "2023-06-05"
  profiles: ["2022"]
  tier: conformance
  expect:
    - case: ""
      outcome: success
      evidence: documented
- id: IMP-004
  title: Four
  statement: Needs a custom key store.
  operations: [CreateKey]
  area: createkey
  source: https://docs.example/four
  revision: current
  profiles: []
  tier: conformance
  expect: []
`
	okIneligible = `ineligible:
- id: IMP-004
  category: custom-key-store
  reason: Needs a custom key store.
`
	okWrappingProfile = `
- profile: "%s"
  algorithms: [RSAES_OAEP_SHA_256, RSAES_PKCS1_V1_5]
  wrappingKeySpecs: [RSA_2048]
  classes:
    - class: SYMMETRIC_DEFAULT
      keySpecs: [SYMMETRIC_DEFAULT]
      combinations:
        - algorithms: [RSAES_OAEP_SHA_256]
          wrappingKeySpecs: [RSA_2048]
          outcome: allowed
          rule: IMP-002
          case: good
          tier: conformance
        - algorithms: [RSAES_PKCS1_V1_5]
          wrappingKeySpecs: [RSA_2048]
          outcome: rejected
          error: UnsupportedOperationException
          rule: IMP-002
          case: bad
          tier: conformance
`
)

var okWrapping = "profiles:" + fmt.Sprintf(okWrappingProfile, "2022") +
	fmt.Sprintf(okWrappingProfile, "2023") + fmt.Sprintf(okWrappingProfile, "2025")

func TestMinimalCatalogueIsValid(t *testing.T) {
	c, err := Parse([]byte(okRules), []byte(okIneligible), []byte(okWrapping))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(c.Wrapping(profile.P2023)); n != 2 {
		t.Errorf("2023 has %d cells, want 2", n)
	}
}

func TestValidationErrors(t *testing.T) {
	const (
		rulesDoc = iota
		ineligibleDoc
		wrappingDoc
	)
	tests := []struct {
		name     string
		doc      int
		old, new string
		want     string
	}{
		{"unknown field", rulesDoc, "  title: One\n", "  title: One\n  colour: red\n", "field colour not found"},
		{"unknown field in a case", rulesDoc, "      note: Why.\n", "      note: Why.\n      strict: true\n", "field strict not found"},
		{"duplicate id", rulesDoc, "- id: IMP-002", "- id: IMP-001", "IMP-001: duplicate id"},
		{"id not IMP-NNN", rulesDoc, "- id: IMP-001", "- id: IMP-1", `id "IMP-1" does not match IMP-NNN`},
		{"missing title", rulesDoc, "  title: One\n", "", "IMP-001: missing title"},
		{"missing statement", rulesDoc, "  statement: Must one.\n", "", "IMP-001: missing statement"},
		{"missing source", rulesDoc, "  source: https://docs.example/one\n", "", "IMP-001: missing source"},
		{"source not https", rulesDoc, "https://docs.example/one", "http://docs.example/one", `source "http://docs.example/one" is not an https URL`},
		{"unknown profile", rulesDoc, `  profiles: ["2022", "2023", "2025"]
  tier: conformance
  expect:
    - case: ""`, `  profiles: ["2022", "2024"]
  tier: conformance
  expect:
    - case: ""`, `unknown profile "2024"`},
		{"unknown tier", rulesDoc, "  tier: conformance\n", "  tier: certain\n", `unknown tier "certain"`},
		{"unknown area", rulesDoc, "  area: import\n", "  area: importing\n", `unknown area "importing"`},
		{"unknown evidence", rulesDoc, "      evidence: inferred\n", "      evidence: rumoured\n", `unknown evidence "rumoured"`},
		{"unknown outcome", rulesDoc, "      outcome: error\n", "      outcome: failure\n", `unknown outcome "failure"`},
		{"unknown category", ineligibleDoc, "custom-key-store", "custom-store", `unknown category "custom-store"`},
		{"error outcome without error code", rulesDoc, "      error: UnsupportedOperationException\n", "", "outcome error needs an error code"},
		{"unknown error code", rulesDoc, "error: UnsupportedOperationException\n      evidence: inferred", "error: UnsupportedOperation\n      evidence: inferred", `unknown error code "UnsupportedOperation"`},
		{"success with error code", rulesDoc, "      outcome: success\n      evidence: documented\n- id: IMP-002", "      outcome: success\n      error: NotFoundException\n      evidence: documented\n- id: IMP-002", "outcome success with error"},
		{"inferred without note", rulesDoc, "      note: Why.\n", "", "evidence inferred needs a note"},
		{"duplicate case names", rulesDoc, "    - case: bad\n", "    - case: good\n", `case "good": duplicate case name`},
		{"empty case name among several", rulesDoc, "    - case: good\n", "    - case: \"\"\n", "a rule with several cases must name each one"},
		{"case profile outside the rule's", rulesDoc, "  profiles: [\"2022\"]\n  tier: conformance\n  expect:\n    - case: \"\"\n", "  profiles: [\"2022\"]\n  tier: conformance\n  expect:\n    - case: \"\"\n      profiles: [\"2025\"]\n", "profile 2025 is not one of the rule's profiles"},
		{"unknown operation", rulesDoc, "[GetParametersForImport]", "[GetImportParameters]", `unknown operation "GetImportParameters"`},
		{"profiles do not match the dates", rulesDoc, "  until: \"2023-06-05\"\n  profiles: [\"2022\"]", "  until: \"2023-06-05\"\n  profiles: [\"2022\", \"2023\"]", "do not match since"},
		{"legacy rule without until", rulesDoc, "  until: \"2023-06-05\"\n", "", "a legacy rule needs the until date"},
		{"bad date", rulesDoc, "2023-06-05", "2023-6-5", `until "2023-6-5" is not an ISO date`},
		{"unknown capability", rulesDoc, "  tier: conformance\n  expect:\n    - case: good", "  tier: conformance\n  capabilities: [two-accounts]\n  expect:\n    - case: good", `unknown capability "two-accounts"`},
		{"rule in a profile without cases", rulesDoc, "  expect:\n    - case: \"\"\n      outcome: success\n      evidence: documented\n- id: IMP-002", "  expect: []\n- id: IMP-002", "IMP-001: no expect cases"},
		{"ineligible id unknown", ineligibleDoc, "IMP-004", "IMP-099", "IMP-099: no rule with this id"},
		{"ineligible rule with profiles", ineligibleDoc, "- id: IMP-004", "- id: IMP-001\n  category: iam\n  reason: No.\n- id: IMP-004", "IMP-001: the rule is in profiles"},
		{"ineligible without reason", ineligibleDoc, "  reason: Needs a custom key store.\n", "", "IMP-004: missing reason"},
		{"ineligible listed twice", ineligibleDoc, "- id: IMP-004", "- id: IMP-004\n  category: iam\n  reason: Twice.\n- id: IMP-004", "IMP-004: listed twice"},
		{"rule in no profile and not ineligible", ineligibleDoc, "- id: IMP-004\n  category: custom-key-store\n  reason: Needs a custom key store.\n", "", "IMP-004 is in no profile"},
		{"wrapping unknown rule id", wrappingDoc, "rule: IMP-002\n          case: good", "rule: IMP-200\n          case: good", `unknown rule id "IMP-200"`},
		{"wrapping enum not a KMS value", wrappingDoc, "wrappingKeySpecs: [RSA_2048]\n  classes", "wrappingKeySpecs: [RSA_2048, RSA_1024]\n  classes", `"RSA_1024" is not a KMS value`},
		{"wrapping key spec not a KMS value", wrappingDoc, "keySpecs: [SYMMETRIC_DEFAULT]", "keySpecs: [SYMMETRIC_DEFAULT, AES_256]", `"AES_256" is not a KMS value`},
		{"wrapping cell undecided", wrappingDoc, "algorithms: [RSAES_OAEP_SHA_256, RSAES_PKCS1_V1_5]", "algorithms: [RSAES_OAEP_SHA_256, RSAES_PKCS1_V1_5, RSAES_OAEP_SHA_1]", "no combination decides SYMMETRIC_DEFAULT RSAES_OAEP_SHA_1 RSA_2048"},
		{"wrapping outcome disagrees with the rule", wrappingDoc, "outcome: allowed\n          rule: IMP-002\n          case: good", "outcome: allowed\n          rule: IMP-002\n          case: bad", "disagrees with IMP-002 case \"bad\""},
		{"wrapping tier disagrees with the rule", wrappingDoc, "case: good\n          tier: conformance", "case: good\n          tier: provisional", "tier provisional disagrees"},
		{"wrapping unknown case", wrappingDoc, "case: good", "case: fine", `IMP-002 has no case "fine"`},
		{"wrapping rule not in profile", wrappingDoc, "rule: IMP-002\n          case: good", "rule: IMP-004\n          case: good", "rule IMP-004 is not in profile 2022"},
		{"wrapping profile missing", wrappingDoc, "- profile: \"2025\"", "- profile: \"2024\"", "profile 2025 is missing"},
		{"empty document", rulesDoc, okRules, "", "rules.yaml: the document is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			docs := []string{okRules, okIneligible, okWrapping}
			if !strings.Contains(docs[tt.doc], tt.old) {
				t.Fatalf("test is stale: %q not in the document", tt.old)
			}
			docs[tt.doc] = strings.Replace(docs[tt.doc], tt.old, tt.new, 1)
			_, err := Parse([]byte(docs[0]), []byte(docs[1]), []byte(docs[2]))
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Parse error = %v, want a *ValidationError", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error does not mention %q:\n%v", tt.want, err)
			}
		})
	}
}

func TestValidationCollectsEveryProblem(t *testing.T) {
	rules := strings.Replace(okRules, "  area: import\n", "  area: nowhere\n", 1)
	rules = strings.Replace(rules, "  tier: conformance\n", "  tier: certain\n", 1)
	rules = strings.Replace(rules, "      note: Why.\n", "", 1)
	_, err := Parse([]byte(rules), []byte(okIneligible), []byte(okWrapping))
	var ve *ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) < 3 {
		t.Fatalf("want at least 3 problems in one error, got %v", err)
	}
	for _, want := range []string{`unknown area "nowhere"`, `unknown tier "certain"`, "evidence inferred needs a note"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %q:\n%v", want, err)
		}
	}
}

// The capabilities a rule may name are exactly those a target can declare:
// a rule needing one no flag can declare would be disabled on every target.
func TestCapabilitiesAreTheConfigs(t *testing.T) {
	var known []string
	for _, c := range config.KnownCapabilities() {
		known = append(known, string(c))
	}
	if got := Capabilities(); !slices.Equal(got, known) {
		t.Errorf("catalogue capabilities %v, config's %v: keep them the same", got, known)
	}
}
