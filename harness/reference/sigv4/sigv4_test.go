package sigv4

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/kmsconform/kmsconform/harness/reference/awserr"
)

var signedAt = time.Date(2025, 7, 1, 12, 0, 0, 0, time.UTC)

const (
	keyID  = "AKIDEXAMPLE"
	secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	body   = `{"KeyId":"alias/x"}`
)

// signed is a KMS request signed by the SDK's signer, as a client sends it
// (with an Accept-Encoding header added after signing, as Go's transport
// does), and as the server receives it.
func signed(t *testing.T, secret, service, region string, at time.Time) *http.Request {
	t.Helper()
	out := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:4599/", strings.NewReader(body))
	out.Header.Set("Content-Type", "application/x-amz-json-1.1")
	out.Header.Set("X-Amz-Target", "TrentService.DescribeKey")
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: keyID, SecretAccessKey: secret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, out, hex.EncodeToString(sum[:]), service, region, at); err != nil {
		t.Fatal(err)
	}
	out.Header.Set("Accept-Encoding", "gzip")
	out.Header.Set("User-Agent", "test")
	return out
}

func verify(t *testing.T, r *http.Request, b []byte, secret string, now time.Time) error {
	t.Helper()
	a, err := Parse(r.Header.Get("Authorization"))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return a.Verify(r, b, secret, now)
}

func wantCode(t *testing.T, err error, code awserr.Code, message string) {
	t.Helper()
	if awserr.CodeOf(err) != code || (err != nil && !strings.Contains(err.Error(), message)) {
		t.Fatalf("error %v, want %s containing %q", err, code, message)
	}
}

func TestVerify(t *testing.T) {
	r := signed(t, secret, "kms", "eu-west-1", signedAt)
	a, err := Parse(r.Header.Get("Authorization"))
	if err != nil {
		t.Fatal(err)
	}
	if a.AccessKeyID != keyID || a.Region != "eu-west-1" || a.Service != "kms" || a.Date != "20250701" {
		t.Fatalf("parsed %+v", a)
	}
	if err := a.Verify(r, []byte(body), secret, signedAt.Add(4*time.Minute)); err != nil {
		t.Fatalf("a good signature: %v", err)
	}

	const mismatch = "The request signature we calculated does not match"
	wantCode(t, verify(t, r, []byte(body), "another secret", signedAt), awserr.InvalidSignature, mismatch)
	wantCode(t, verify(t, r, []byte(`{"KeyId":"alias/y"}`), secret, signedAt), awserr.InvalidSignature, mismatch)
	altered := r.Clone(r.Context())
	altered.Header.Set("X-Amz-Target", "TrentService.ScheduleKeyDeletion")
	wantCode(t, verify(t, altered, []byte(body), secret, signedAt), awserr.InvalidSignature, mismatch)
	// Headers the client did not sign may change on the way.
	unsigned := r.Clone(r.Context())
	unsigned.Header.Set("X-Forwarded-For", "192.0.2.1")
	if err := verify(t, unsigned, []byte(body), secret, signedAt); err != nil {
		t.Fatalf("an unsigned header was added: %v", err)
	}

	wantCode(t, verify(t, r, []byte(body), secret, signedAt.Add(5*time.Minute+time.Second)), awserr.InvalidSignature, "Signature expired: 20250701T120000Z is now earlier than 20250701T120001Z (20250701T120501Z - 5 min.)")
	wantCode(t, verify(t, r, []byte(body), secret, signedAt.Add(-6*time.Minute)), awserr.InvalidSignature, "Signature not yet current")
	wantCode(t, verify(t, signed(t, secret, "s3", "eu-west-1", signedAt), []byte(body), secret, signedAt), awserr.InvalidSignature, "correct service: 'kms'")

	noDate := r.Clone(r.Context())
	noDate.Header.Del("X-Amz-Date")
	wantCode(t, verify(t, noDate, []byte(body), secret, signedAt), awserr.IncompleteSignature, "X-Amz-Date")
	badDate := r.Clone(r.Context())
	badDate.Header.Set("X-Amz-Date", "yesterday")
	wantCode(t, verify(t, badDate, []byte(body), secret, signedAt), awserr.IncompleteSignature, "ISO-8601")
	otherDay := r.Clone(r.Context())
	otherDay.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "/20250701/", "/20250630/", 1))
	wantCode(t, verify(t, otherDay, []byte(body), secret, signedAt), awserr.InvalidSignature, "Date in Credential scope does not match")
}

// A session token and a signed Content-Length take part as the client sent
// them.
func TestVerifySignedTokenAndLength(t *testing.T) {
	r := httptest.NewRequest(http.MethodPost, "http://localhost/", bytes.NewReader([]byte(body)))
	r.ContentLength = int64(len(body))
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: keyID, SecretAccessKey: secret, SessionToken: "token"}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, hex.EncodeToString(sum[:]), "kms", "us-east-1", signedAt); err != nil {
		t.Fatal(err)
	}
	if a, _ := Parse(r.Header.Get("Authorization")); !strings.Contains(strings.Join(a.SignedHeaders, ";"), "content-length") {
		t.Fatalf("the SDK did not sign content-length: %v", a.SignedHeaders)
	}
	if err := verify(t, r, []byte(body), secret, signedAt); err != nil {
		t.Fatal(err)
	}
	r.Header.Set("X-Amz-Security-Token", "another token")
	wantCode(t, verify(t, r, []byte(body), secret, signedAt), awserr.InvalidSignature, "does not match")
}

func TestParse(t *testing.T) {
	const good = "AWS4-HMAC-SHA256 Credential=AKID/20250701/us-east-1/kms/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	if _, err := Parse(good); err != nil {
		t.Fatalf("Parse(good): %v", err)
	}
	for _, h := range []string{
		"",
		"Basic dXNlcjpwYXNz",
		"AWS4-HMAC-SHA256",
		"AWS4-HMAC-SHA256 Credential=AKID/20250701/us-east-1/kms/aws4_request",
		"AWS4-HMAC-SHA256 Credential=AKID/us-east-1/kms/aws4_request, SignedHeaders=host, Signature=" + strings.Repeat("0", 64),
		"AWS4-HMAC-SHA256 Credential=AKID//us-east-1/kms/aws4_request, SignedHeaders=host, Signature=" + strings.Repeat("0", 64),
		"AWS4-HMAC-SHA256 Credential=AKID/20250701/us-east-1/kms/aws4_request, SignedHeaders=x-amz-date, Signature=" + strings.Repeat("0", 64),
		"AWS4-HMAC-SHA256 Credential=AKID/20250701/us-east-1/kms/aws4_request, SignedHeaders=Host, Signature=" + strings.Repeat("0", 64),
		"AWS4-HMAC-SHA256 Credential=AKID/20250701/us-east-1/kms/aws4_request, SignedHeaders=host, Signature=xyz",
		"AWS4-HMAC-SHA256 Credential=AKID/20250701/us-east-1/kms/aws4_request, SignedHeaders=host, Signature",
		"AWS4-HMAC-SHA256 Credential=\x00/\x00/\x00/\x00/\x00, SignedHeaders=host;;, Signature=" + strings.Repeat("0", 64),
	} {
		if _, err := Parse(h); awserr.CodeOf(err) != awserr.IncompleteSignature {
			t.Errorf("Parse(%q) = %v, want IncompleteSignatureException", h, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=AKID/20250701/us-east-1/kms/aws4_request, SignedHeaders=host, Signature=" + strings.Repeat("a", 64))
	f.Add("AWS4-HMAC-SHA256 ,,,==")
	f.Fuzz(func(t *testing.T, header string) {
		a, err := Parse(header)
		if err != nil {
			if awserr.CodeOf(err) != awserr.IncompleteSignature {
				t.Fatalf("Parse(%q): %v", header, err)
			}
			return
		}
		r := httptest.NewRequest(http.MethodPost, "http://localhost/", strings.NewReader(body))
		r.Header.Set("Authorization", header)
		r.Header.Set("X-Amz-Date", signedAt.Format("20060102T150405Z"))
		if err := a.Verify(r, []byte(body), secret, signedAt); err == nil || awserr.CodeOf(err) == awserr.KMSInternal {
			t.Fatalf("Verify of a made-up header %q: %v", header, err)
		}
	})
}
