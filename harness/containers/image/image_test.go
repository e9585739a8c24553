package image

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kmsconform/kmsconform/harness/containers"
	"github.com/kmsconform/kmsconform/harness/containers/containerstest"
	"github.com/kmsconform/kmsconform/harness/containers/localkms"
)

func TestParse(t *testing.T) {
	spec, err := Parse("image=registry.example.com/kms:1.4,port=8080,env=MODE=dev,env=OPTS=a=b,env=EMPTY=,startup-timeout=90s")
	if err != nil {
		t.Fatal(err)
	}
	if spec.Image != "registry.example.com/kms:1.4" || spec.Port != 8080 || spec.StartupTimeout != 90*time.Second {
		t.Fatalf("spec %+v", spec)
	}
	if spec.Env["MODE"] != "dev" || spec.Env["OPTS"] != "a=b" || len(spec.Env) != 3 {
		t.Fatalf("env %v", spec.Env)
	}
	// Order does not matter.
	if spec, err := Parse("port=1,image=kms"); err != nil || spec.Image != "kms" || spec.Port != 1 {
		t.Fatalf("reordered: %+v, %v", spec, err)
	}
}

func TestParseRefusesBadTargets(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"image=kms", "port is missing"},
		{"port=8080", "image is missing"},
		{"image=kms,port=http", `port "http" is not a TCP port number`},
		{"image=kms,port=70000", "not a TCP port number"},
		{"image=kms,port=8080,prot=1", `unknown key "prot"`},
		{"image=kms,port=8080,image=other", "image is given twice"},
		{"image=kms,port=8080,env=A=1,env=A=2", "env A is given twice"},
		{"image=kms,port=8080,env=1BAD=x", `env "1BAD"`},
		{"image=kms,port=8080,env=NOVALUE", `env "NOVALUE"`},
		{"image=kms,port=8080,startup-timeout=soon", "not a positive duration"},
		{"image=kms,port=8080,", "is not key=value"},
		{"image=my kms,port=8080", "has a space"},
	} {
		_, err := Parse(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), Syntax) {
			t.Errorf("Parse(%q): %v, want an error saying %q and the form", tc.in, err, tc.want)
		}
	}
}

func TestParseNeverPrintsEnvValues(t *testing.T) {
	_, err := Parse("image=kms,port=http,env=LICENCE=s3cr3t-value,env=LICENCE=again")
	if err == nil || strings.Contains(err.Error(), "s3cr3t-value") || strings.Contains(err.Error(), "again") {
		t.Fatalf("error shows an env value: %v", err)
	}
}

// TestRun starts local-kms's image as a user's image: the port and the
// environment (local-kms's PORT) as --target image=... gives them.
func TestRun(t *testing.T) {
	containerstest.RequireDocker(t)
	ctx := context.Background()
	s := containerstest.Settings(t)
	ref, err := localkms.Image(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	spec, err := Parse("image=" + ref + ",port=" + strconv.Itoa(port) + ",env=PORT=" + strconv.Itoa(port) + ",env=KMS_REGION=us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	ep, stop, err := Run(ctx, WithSpec(spec), WithSettings(s))
	if err != nil {
		t.Fatal(err)
	}
	if ep.Image != ref {
		t.Errorf("endpoint %+v", ep)
	}
	if err := stop(ctx); err != nil {
		t.Fatal(err)
	}
	if left := containerstest.ContainersLabelled(t, containers.LabelRunID, s.Labels[containers.LabelRunID]); len(left) > 0 {
		t.Fatalf("Stop left containers %v", left)
	}
}

// TestRunRefusesAPortInUse: with host networking the image's port is this
// machine's; if something listens there, the readiness check could be
// answered by it, so Run refuses before starting anything.
func TestRunRefusesAPortInUse(t *testing.T) {
	containerstest.RequireDocker(t)
	s := containerstest.Settings(t)
	s.Network = containers.NetworkHost
	ctx := context.Background()
	ref, err := localkms.Image(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	_, _, err = Run(ctx, WithSpec(Spec{Image: ref, Port: port}), WithSettings(s))
	if err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("Run on a port in use: %v", err)
	}
}

func TestRunAbsentImage(t *testing.T) {
	containerstest.RequireDocker(t)
	_, _, err := Run(context.Background(), WithSpec(Spec{Image: "kmsconform-absent:never-built", Port: 8080}), WithSettings(containerstest.Settings(t)))
	if !containers.IsUnavailable(err) {
		t.Fatalf("Run of an absent image: %v", err)
	}
}

func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
