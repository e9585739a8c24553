package config

import (
	"strings"
	"testing"
)

func TestRedactTargetHidesEnvValues(t *testing.T) {
	got := RedactTarget("image=vendor/kms:2,port=9000,env=LICENCE=s3cr3t,env=MODE=dev")
	if want := "image=vendor/kms:2,port=9000,env=LICENCE=***,env=MODE=***"; got != want {
		t.Fatalf("RedactTarget = %q, want %q", got, want)
	}
	for _, plain := range []string{"", "reference", "local-kms=nsmithuk/local-kms:3"} {
		if got := RedactTarget(plain); got != plain {
			t.Errorf("RedactTarget(%q) = %q", plain, got)
		}
	}
	flags := Flags{Target: "image=vendor/kms:2,port=9000,env=LICENCE=s3cr3t", Endpoint: "http://127.0.0.1:4599"}
	_, err := Resolve(flags, func(string) string { return "" })
	if err == nil || strings.Contains(err.Error(), "s3cr3t") {
		t.Fatalf("target and endpoint together: %v; want an error without the env value", err)
	}
	cfg, err := Resolve(Flags{Target: "image=vendor/kms:2,port=9000,env=LICENCE=s3cr3t"}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if target := cfg.Redacted()["target"]; strings.Contains(target.(string), "s3cr3t") {
		t.Fatalf("Redacted shows the env value: %v", target)
	}
}
