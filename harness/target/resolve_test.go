package target

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kmsconform/kmsconform/harness/config"
	"github.com/kmsconform/kmsconform/harness/profile"
)

func resolve(t *testing.T, target string, mutate ...func(*config.Config)) (Target, error) {
	t.Helper()
	cfg := config.Config{Target: target, Region: "us-east-1", Profile: profile.P2022, RunID: "test-run"}
	cfg.Reference.Profile = profile.P2022
	for _, m := range mutate {
		m(&cfg)
	}
	return Resolve(cfg)
}

func TestResolveNamesContainerTargets(t *testing.T) {
	for target, name := range map[string]string{
		"reference":                        "container reference (profile 2022)",
		"local-kms":                        "container local-kms",
		"local-kms=nsmithuk/local-kms:3":   "container local-kms (image nsmithuk/local-kms:3)",
		"localstack":                       "container localstack (image localstack/localstack:4.4)",
		"localstack=localstack/localstack": "container localstack (image localstack/localstack)",
		"image=vendor/kms:2,port=9000":     "container image vendor/kms:2",
	} {
		tg, err := resolve(t, target)
		if err != nil {
			t.Errorf("%s: %v", target, err)
			continue
		}
		if _, ok := tg.(*Container); !ok || tg.Name() != name {
			t.Errorf("%s resolved to %T %q, want a container named %q", target, tg, tg.Name(), name)
		}
	}
	tg, err := resolve(t, "reference", func(c *config.Config) { c.Reference.Mutant = "accept-foreign-token" })
	if err != nil || !strings.Contains(tg.Name(), "with mutant accept-foreign-token") {
		t.Errorf("reference with a mutant: %v, %v", tg, err)
	}
	for _, embedded := range []string{"", "embedded"} {
		if tg, err := resolve(t, embedded); err != nil || !strings.HasPrefix(tg.Name(), "embedded reference") {
			t.Errorf("target %q: %v, %v; want the embedded reference", embedded, tg, err)
		}
	}
}

func TestResolveRefusesUnknownAndMalformedTargets(t *testing.T) {
	for target, want := range map[string]string{
		"local-stack":                     `unknown target "local-stack"`,
		"reference=foo":                   `unknown target "reference=foo"`,
		"local-kms=":                      "give an image after =",
		"localstack=":                     "give an image after =",
		"image=vendor/kms":                "port is missing",
		"image=kms,port=1,env=KEY=s3cr3t": "",
	} {
		_, err := resolve(t, target)
		switch {
		case want == "" && err != nil:
			t.Errorf("%s: %v", target, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("%s: %v, want an error saying %q", target, err, want)
		}
	}
	_, err := resolve(t, "nonsense,env=KEY=s3cr3t")
	if err == nil || strings.Contains(err.Error(), "s3cr3t") || !strings.Contains(err.Error(), ContainerTargets) {
		t.Errorf("unknown target error %v: it must list the targets and hide env values", err)
	}
	_, err = resolve(t, "image=kms,port=x,env=KEY=s3cr3t")
	if err == nil || strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("bad image target error %v: it must hide env values", err)
	}
}

func TestContainerStopBeforeStart(t *testing.T) {
	tg, err := resolve(t, "local-kms")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := tg.Stop(ctx); err != nil {
		t.Fatalf("Stop before Start: %v", err)
	}
}
