package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"

	"github.com/kmsconform/kmsconform/fixtures/material"
	"github.com/kmsconform/kmsconform/fixtures/wrap"
	"github.com/kmsconform/kmsconform/harness/profile"
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

// serveClient is an SDK client of a serve URL that shows every answer as
// it came (no retries).
func serveClient(url string) *kms.Client {
	return kms.New(kms.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		Retryer:     aws.NopRetryer{},
	})
}

func apiCode(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return ""
}

// TestServeImportFlow: in every profile, serve (its own wrapping key pool,
// real HTTP) takes a symmetric key through the whole import: CreateKey
// EXTERNAL, GetParametersForImport, material wrapped as a client wraps it,
// ImportKeyMaterial, and Encrypt/Decrypt with the imported material.
func TestServeImportFlow(t *testing.T) {
	for _, p := range profile.All() {
		t.Run(string(p), func(t *testing.T) {
			c := serveClient(startServe(t, "--profile", string(p)))
			ctx := context.Background()
			created, err := c.CreateKey(ctx, &kms.CreateKeyInput{Origin: types.OriginTypeExternal})
			if err != nil {
				t.Fatal(err)
			}
			id := created.KeyMetadata.KeyId
			if created.KeyMetadata.KeyState != types.KeyStatePendingImport {
				t.Fatalf("a new EXTERNAL key is %s", created.KeyMetadata.KeyState)
			}
			params, err := c.GetParametersForImport(ctx, &kms.GetParametersForImportInput{KeyId: id, WrappingAlgorithm: types.AlgorithmSpecRsaesOaepSha256, WrappingKeySpec: types.WrappingKeySpecRsa2048})
			if err != nil {
				t.Fatal(err)
			}
			m, err := material.New(types.KeySpecSymmetricDefault)
			if err != nil {
				t.Fatal(err)
			}
			blob, err := wrap.Wrap(types.AlgorithmSpecRsaesOaepSha256, params.PublicKey, m.Bytes)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.ImportKeyMaterial(ctx, &kms.ImportKeyMaterialInput{KeyId: id, ImportToken: params.ImportToken, EncryptedKeyMaterial: blob, ExpirationModel: types.ExpirationModelTypeKeyMaterialDoesNotExpire}); err != nil {
				t.Fatalf("ImportKeyMaterial: %v", err)
			}
			d, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: id})
			if err != nil || d.KeyMetadata.KeyState != types.KeyStateEnabled {
				t.Fatalf("after the import: %v, %+v", err, d)
			}
			plain := []byte("imported through serve, profile " + string(p))
			enc, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: id, Plaintext: plain})
			if err != nil {
				t.Fatalf("Encrypt: %v", err)
			}
			if bytes.Contains(enc.CiphertextBlob, plain) {
				t.Fatal("the ciphertext holds the plaintext")
			}
			dec, err := c.Decrypt(ctx, &kms.DecryptInput{KeyId: id, CiphertextBlob: enc.CiphertextBlob})
			if err != nil {
				t.Fatalf("Decrypt: %v", err)
			}
			if !bytes.Equal(dec.Plaintext, plain) || *dec.KeyId != *created.KeyMetadata.Arn {
				t.Fatalf("Decrypt = %q under %s, want %q under %s", dec.Plaintext, *dec.KeyId, plain, *created.KeyMetadata.Arn)
			}
			// The material decides: once it is deleted and other material
			// imported, the key no longer decrypts what the first made.
			if _, err := c.DeleteImportedKeyMaterial(ctx, &kms.DeleteImportedKeyMaterialInput{KeyId: id}); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Decrypt(ctx, &kms.DecryptInput{KeyId: id, CiphertextBlob: enc.CiphertextBlob}); apiCode(err) != "KMSInvalidStateException" {
				t.Fatalf("Decrypt without material: %v, want KMSInvalidStateException", err)
			}
		})
	}
}

// TestServeTokenLifetime: --token-lifetime sets how long an import token
// is valid, and one used after its ParametersValidTo is refused with
// ExpiredImportTokenException over HTTP, leaving the key as it was.
func TestServeTokenLifetime(t *testing.T) {
	const lifetime = 2 * time.Second
	c := serveClient(startServe(t, "--profile", "2023", "--token-lifetime", lifetime.String()))
	ctx := context.Background()
	created, err := c.CreateKey(ctx, &kms.CreateKeyInput{Origin: types.OriginTypeExternal})
	if err != nil {
		t.Fatal(err)
	}
	id := created.KeyMetadata.KeyId
	m, err := material.New(types.KeySpecSymmetricDefault)
	if err != nil {
		t.Fatal(err)
	}
	getParams := func() (*kms.GetParametersForImportOutput, []byte) {
		t.Helper()
		before := time.Now()
		params, err := c.GetParametersForImport(ctx, &kms.GetParametersForImportInput{KeyId: id, WrappingAlgorithm: types.AlgorithmSpecRsaesOaepSha256, WrappingKeySpec: types.WrappingKeySpecRsa2048})
		if err != nil {
			t.Fatal(err)
		}
		// The server's clock is this machine's: the token must expire
		// lifetime after the call, give or take the call itself.
		if validFor := params.ParametersValidTo.Sub(before); validFor < lifetime-time.Second || validFor > lifetime+5*time.Second {
			t.Fatalf("ParametersValidTo is %v after the call, want about %v", validFor, lifetime)
		}
		blob, err := wrap.Wrap(types.AlgorithmSpecRsaesOaepSha256, params.PublicKey, m.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		return params, blob
	}
	params, blob := getParams()
	// Wait, in short steps and for a bounded time, until the token is past
	// its ParametersValidTo by more than the server's millisecond precision.
	deadline := time.Now().Add(lifetime + 10*time.Second)
	for time.Now().Before(params.ParametersValidTo.Add(50 * time.Millisecond)) {
		if time.Now().After(deadline) {
			t.Fatalf("ParametersValidTo %v is not reached by %v", params.ParametersValidTo, deadline)
		}
		time.Sleep(50 * time.Millisecond)
	}
	_, err = c.ImportKeyMaterial(ctx, &kms.ImportKeyMaterialInput{KeyId: id, ImportToken: params.ImportToken, EncryptedKeyMaterial: blob, ExpirationModel: types.ExpirationModelTypeKeyMaterialDoesNotExpire})
	if apiCode(err) != "ExpiredImportTokenException" {
		t.Fatalf("ImportKeyMaterial with an expired token: %v, want ExpiredImportTokenException", err)
	}
	d, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: id})
	if err != nil || d.KeyMetadata.KeyState != types.KeyStatePendingImport {
		t.Fatalf("after the refused import: %v, %+v", err, d.KeyMetadata)
	}
	// The same material under a token still valid is accepted: the refusal
	// was the expiry's.
	params, blob = getParams()
	if _, err := c.ImportKeyMaterial(ctx, &kms.ImportKeyMaterialInput{KeyId: id, ImportToken: params.ImportToken, EncryptedKeyMaterial: blob, ExpirationModel: types.ExpirationModelTypeKeyMaterialDoesNotExpire}); err != nil {
		t.Fatalf("ImportKeyMaterial with a fresh token: %v", err)
	}
}

// serveChild starts `kmsconform serve` as a child process (this test
// binary acting as the command) and returns it with its URL. The child is
// killed when the test ends if it is still running.
func serveChild(t *testing.T, args ...string) (*exec.Cmd, string, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), envRunCLI+"=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("serve printed nothing: %v; stderr: %s", err, stderr.String())
	}
	url, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
	if !ok {
		t.Fatalf("serve's first line is %q", line)
	}
	return cmd, url, &stderr
}

// stopChild sends sig and waits, for at most limit, for the child to end;
// it returns the exit status and how long the child took.
func stopChild(t *testing.T, cmd *exec.Cmd, sig syscall.Signal, limit time.Duration) (int, time.Duration) {
	t.Helper()
	start := time.Now()
	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(limit):
		t.Fatalf("serve did not end within %v of %v", limit, sig)
	}
	return cmd.ProcessState.ExitCode(), time.Since(start)
}

// TestServeStopsOnSignal: a serve process stops cleanly (exit 0) on
// SIGINT and on SIGTERM.
func TestServeStopsOnSignal(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd, url, stderr := serveChild(t, "--profile", "2022")
			if _, err := serveClient(url).CreateKey(context.Background(), &kms.CreateKeyInput{Origin: types.OriginTypeExternal}); err != nil {
				t.Fatal(err)
			}
			if code, _ := stopChild(t, cmd, sig, 10*time.Second); code != 0 {
				t.Fatalf("serve ended with exit %d on %v; stderr: %s", code, sig, stderr.String())
			}
		})
	}
}

// TestServeStopsWhileRequestsWaitForWrappingKeys: SIGTERM while requests
// wait in the wrapping key pool behind RSA-4096 generations (each up to
// seconds, more than the shutdown grace once several queue up) ends those
// requests at once and the process with exit 0, well within the grace.
func TestServeStopsWhileRequestsWaitForWrappingKeys(t *testing.T) {
	cmd, url, stderr := serveChild(t, "--profile", "2025")
	c := serveClient(url)
	ctx := context.Background()
	const waiting = 10 // more RSA_4096 key pairs than the pool holds, and than the grace allows to make
	var ids []*string
	for range waiting {
		out, err := c.CreateKey(ctx, &kms.CreateKeyInput{Origin: types.OriginTypeExternal})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, out.KeyMetadata.KeyId)
	}
	var wg sync.WaitGroup
	results := make(chan error, waiting)
	for _, id := range ids {
		wg.Go(func() {
			_, err := c.GetParametersForImport(ctx, &kms.GetParametersForImportInput{KeyId: id, WrappingAlgorithm: types.AlgorithmSpecRsaesOaepSha256, WrappingKeySpec: types.WrappingKeySpecRsa4096})
			results <- err
		})
	}
	time.Sleep(300 * time.Millisecond) // the requests reach the pool
	code, took := stopChild(t, cmd, syscall.SIGTERM, 2*shutdownTimeout)
	wg.Wait()
	close(results)
	if code != 0 {
		t.Fatalf("serve ended with exit %d after %v; stderr: %s", code, took, stderr.String())
	}
	if took >= shutdownTimeout {
		t.Fatalf("serve took %v to stop, not less than the shutdown grace %v", took, shutdownTimeout)
	}
	// Each request got an answer: a wrapping key, or KMSInternalException
	// because the server stopped before it had one.
	var answered, cut []string
	for err := range results {
		switch {
		case err == nil:
			answered = append(answered, "ok")
		case apiCode(err) == "KMSInternalException":
			cut = append(cut, "KMSInternalException")
		default:
			t.Errorf("a GetParametersForImport waiting at shutdown: %v", err)
		}
	}
	// Ten RSA-4096 generations take seconds on any machine: some request
	// must have been waiting, or this run checked nothing.
	if len(cut) == 0 {
		t.Errorf("no request was still waiting at SIGTERM (%d answered), so the cut was not exercised", len(answered))
	}
	t.Logf("stopped in %v: %d answered, %d cut", took, len(answered), len(cut))
}
