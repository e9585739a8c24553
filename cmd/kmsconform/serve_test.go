package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"

	"github.com/kmsconform/kmsconform/harness/reference"
	"github.com/kmsconform/kmsconform/suites/catalogue"
)

func runServe(ctx context.Context, args ...string) (string, error) {
	var out bytes.Buffer
	root := newRootCommand()
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(append([]string{"serve"}, args...))
	err := root.ExecuteContext(ctx)
	return out.String(), err
}

func TestServe(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	root := newRootCommand()
	root.SetOut(pw)
	root.SetArgs([]string{"serve", "--addr", "127.0.0.1:0", "--profile", "2025", "--region", "eu-west-1", "--account-id", "444455556666"})
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx); pw.Close() }()

	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("no output: %v", err)
	}
	url, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
	if !ok || !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("first line %q", line)
	}
	go io.Copy(io.Discard, pr)

	c := kms.New(kms.Options{
		Region: "eu-west-1", BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
	})
	out, err := c.CreateKey(ctx, &kms.CreateKeyInput{Origin: types.OriginTypeExternal})
	if err != nil {
		t.Fatal(err)
	}
	if arn := *out.KeyMetadata.Arn; !strings.HasPrefix(arn, "arn:aws:kms:eu-west-1:444455556666:key/") {
		t.Fatalf("ARN %s", arn)
	}
	if _, err := c.RotateKeyOnDemand(ctx, &kms.RotateKeyOnDemandInput{KeyId: out.KeyMetadata.KeyId}); err == nil {
		t.Fatal("RotateKeyOnDemand of a key in PendingImport succeeded")
	}

	cancel() // as SIGINT does
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve ended with %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
	}
}

func TestServeMutant(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	root := newRootCommand()
	root.SetOut(pw)
	root.SetArgs([]string{"serve", "--addr", "127.0.0.1:0", "--profile", "2022", "--mutant", "allow-hmac-import"})
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx); pw.Close() }()
	line, _ := bufio.NewReader(pr).ReadString('\n')
	go io.Copy(io.Discard, pr)
	url := strings.TrimPrefix(strings.TrimSpace(line), "listening on ")
	c := kms.New(kms.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), Credentials: credentials.NewStaticCredentialsProvider("a", "b", "")})
	if _, err := c.CreateKey(ctx, &kms.CreateKeyInput{KeySpec: types.KeySpecHmac256, KeyUsage: types.KeyUsageTypeGenerateVerifyMac, Origin: types.OriginTypeExternal}); err != nil {
		t.Fatalf("the mutant is not on: %v", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestListMutants(t *testing.T) {
	out, err := runServe(context.Background(), "--list-mutants")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range reference.Mutants() {
		if !strings.Contains(out, string(m.Name)) || !strings.Contains(out, m.Rules[0]) {
			t.Errorf("--list-mutants lacks %s", m.Name)
		}
	}
}

func TestServeUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"--addr", "0.0.0.0:4599"},
		{"--addr", ":4599"},
		{"--addr", "192.0.2.1:4599"},
		{"--addr", "nonsense"},
		{"--profile", "2024", "--addr", "127.0.0.1:0"},
		{"--mutant", "no-such-fault", "--addr", "127.0.0.1:0"},
		{"--token-lifetime", "-1h", "--addr", "127.0.0.1:0"},
		{"--account", "AKIAEXAMPLE", "--addr", "127.0.0.1:0"},
		{"--account", "AKIAEXAMPLE:=111122223333", "--addr", "127.0.0.1:0"},
		{"--account", "=111122223333", "--addr", "127.0.0.1:0"},
		{"--account", "AKIAEXAMPLE:secret=", "--addr", "127.0.0.1:0"},
		{"--account", "AKIAEXAMPLE:secret=1234", "--addr", "127.0.0.1:0"},
		{"--account", "AKIA/EXAMPLE=111122223333", "--addr", "127.0.0.1:0"},
		{"--account", "AKIAEXAMPLE=111122223333", "--account", "AKIAEXAMPLE=444455556666", "--addr", "127.0.0.1:0"},
		{"--account", "AKIAEXAMPLE=111122223333", "--account-id", "111122223333", "--addr", "127.0.0.1:0"},
		{"--regions", "us-east-1,Mars", "--addr", "127.0.0.1:0"},
		{"--regions", "us-east-1,us-east-1", "--addr", "127.0.0.1:0"},
		{"--regions", "us-east-1,cn-north-1", "--addr", "127.0.0.1:0"},
		{"--regions", "us-west-2", "--region", "us-east-1", "--addr", "127.0.0.1:0"},
		{"--region", "Mars", "--addr", "127.0.0.1:0"},
	} {
		_, err := runServe(context.Background(), args...)
		if err == nil || exitCode(err) != 2 {
			t.Errorf("serve %v: %v (exit %d), want a usage error (exit 2)", args, err, exitCode(err))
		}
	}
	_, err := runServe(context.Background(), "--addr", "0.0.0.0:4599")
	if err == nil || !strings.Contains(err.Error(), "--allow-remote") {
		t.Errorf("the non-loopback refusal does not name --allow-remote: %v", err)
	}
	_, err = runServe(context.Background(), "--account", "AKIAEXAMPLE:top-secret", "--addr", "127.0.0.1:0")
	if err == nil || strings.Contains(err.Error(), "top-secret") || !strings.Contains(err.Error(), "ACCESS_KEY_ID[:SECRET]=ACCOUNT_ID") {
		t.Errorf("a bad --account: %v", err)
	}
	_, err = runServe(context.Background(), "--regions", "us-east-1,Mars", "--addr", "127.0.0.1:0")
	if err == nil || !strings.Contains(err.Error(), `"Mars"`) {
		t.Errorf("an unknown Region: %v", err)
	}
}

// startServe runs serve with args until the test ends and returns its URL.
func startServe(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	root := newRootCommand()
	root.SetOut(pw)
	root.SetArgs(append([]string{"serve", "--addr", "127.0.0.1:0"}, args...))
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx); pw.Close() }()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("serve %v printed nothing: %v (%v)", args, err, <-done)
	}
	go io.Copy(io.Discard, pr)
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve ended with %v", err)
		}
	})
	return strings.TrimPrefix(strings.TrimSpace(line), "listening on ")
}

// TestServeAccountsAndRegions: --account checks signatures and keeps keys
// per account; --regions serves the Region of each request's scope.
func TestServeAccountsAndRegions(t *testing.T) {
	url := startServe(t, "--profile", "2025", "--account", "AKIAACCOUNTA:secret-a=111122223333", "--account", "AKIAACCOUNTB:secret:b=444455556666", "--regions", "us-east-1,us-west-2")
	client := func(id, secret, region string) *kms.Client {
		return kms.New(kms.Options{Region: region, BaseEndpoint: aws.String(url), Credentials: credentials.NewStaticCredentialsProvider(id, secret, ""), Retryer: aws.NopRetryer{}})
	}
	ctx := context.Background()
	out, err := client("AKIAACCOUNTB", "secret:b", "us-west-2").CreateKey(ctx, &kms.CreateKeyInput{Origin: types.OriginTypeExternal})
	if err != nil {
		t.Fatal(err)
	}
	if arn := *out.KeyMetadata.Arn; !strings.HasPrefix(arn, "arn:aws:kms:us-west-2:444455556666:key/") {
		t.Fatalf("ARN %s", arn)
	}
	if _, err := client("AKIAACCOUNTA", "secret-a", "us-east-1").ListKeys(ctx, &kms.ListKeysInput{}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		client *kms.Client
		code   string
	}{
		{client("AKIAACCOUNTA", "secret-b", "us-east-1"), "InvalidSignatureException"},
		{client("AKIAUNKNOWN", "secret-a", "us-east-1"), "UnrecognizedClientException"},
		{client("AKIAACCOUNTA", "secret-a", "eu-west-1"), "InvalidSignatureException"},
	} {
		_, err := c.client.ListKeys(ctx, &kms.ListKeysInput{})
		var api smithy.APIError
		if !errors.As(err, &api) || api.ErrorCode() != c.code {
			t.Errorf("ListKeys: %v, want %s", err, c.code)
		}
	}
}

func TestCheckLoopback(t *testing.T) {
	for addr, ok := range map[string]bool{"127.0.0.1:1": true, "[::1]:1": true, "localhost:1": true, "127.1.2.3:1": true, "10.0.0.1:1": false, "[::]:1": false} {
		if err := checkLoopback(addr, false); (err == nil) != ok {
			t.Errorf("checkLoopback(%s) = %v", addr, err)
		}
	}
	if err := checkLoopback("0.0.0.0:1", true); err != nil {
		t.Errorf("--allow-remote: %v", err)
	}
}

// TestMutantRulesAreInTheCatalogue: every rule a mutant claims is a rule of
// the catalogue that some profile checks (ineligible rules have no specs to
// catch anything).
func TestMutantRulesAreInTheCatalogue(t *testing.T) {
	cat, err := catalogue.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range reference.Mutants() {
		for _, id := range m.Rules {
			r, ok := cat.Rule(id)
			if !ok || len(r.Profiles) == 0 {
				t.Errorf("mutant %s claims %s, which no profile checks", m.Name, id)
			}
		}
	}
}
