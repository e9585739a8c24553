package jsonapi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsconform/kmsconform/harness/reference/awserr"
	"github.com/kmsconform/kmsconform/harness/reference/kmsapi"
)

func TestDecode(t *testing.T) {
	var in kmsapi.ImportKeyMaterialInput
	body := `{"KeyId":"k","ImportToken":"AQID","EncryptedKeyMaterial":"","ValidTo":1700000000.123,"ExpirationModel":"KEY_MATERIAL_EXPIRES","keyMaterialId":"ignored","Unknown":{"a":[1]}}`
	if err := decode([]byte(body), &in); err != nil {
		t.Fatal(err)
	}
	if *in.KeyId != "k" || string(in.ImportToken) != "\x01\x02\x03" || in.EncryptedKeyMaterial == nil || len(in.EncryptedKeyMaterial) != 0 {
		t.Fatalf("decoded %+v", in)
	}
	if want := time.Unix(1700000000, 123000000).UTC(); !in.ValidTo.Equal(want) {
		t.Fatalf("ValidTo = %v, want %v", in.ValidTo.Time, want)
	}
	if *in.ExpirationModel != types.ExpirationModelTypeKeyMaterialExpires || in.KeyMaterialId != nil {
		t.Fatalf("decoded %+v (members are matched by exact name)", in)
	}

	var tags kmsapi.TagResourceInput
	if err := decode([]byte(`{"KeyId":null,"Tags":[{"TagKey":"a","TagValue":""}]}`), &tags); err != nil {
		t.Fatal(err)
	}
	if tags.KeyId != nil || *tags.Tags[0].TagKey != "a" || *tags.Tags[0].TagValue != "" {
		t.Fatalf("decoded %+v", tags)
	}

	var enc kmsapi.EncryptInput
	if err := decode([]byte(` {"EncryptionContext":{"k":"v"},"DryRun":true} `), &enc); err != nil {
		t.Fatal(err)
	}
	if enc.EncryptionContext["k"] != "v" || !*enc.DryRun {
		t.Fatalf("decoded %+v", enc)
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, body := range []string{
		`{`, `[]`, `"x"`, `null`, `{} {}`,
		`{"KeyId":1}`, `{"KeyId":true}`, `{"ImportToken":"%%%"}`, `{"ImportToken":7}`,
		`{"ValidTo":"2030-01-01T00:00:00Z"}`, `{"ValidTo":1e20}`, `{"ValidTo":-1e17}`, `{"ValidTo":[1]}`,
	} {
		var in kmsapi.ImportKeyMaterialInput
		err := decode([]byte(body), &in)
		if awserr.CodeOf(err) != awserr.Serialization {
			t.Errorf("decode(%s) = %v, want SerializationException", body, err)
		}
	}
	for _, body := range []string{`{"Limit":1.5}`, `{"Limit":"1"}`, `{"Limit":2147483648}`, `{"Marker":{}}`} {
		var in kmsapi.ListKeysInput
		if err := decode([]byte(body), &in); awserr.CodeOf(err) != awserr.Serialization {
			t.Errorf("decode(%s) = %v, want SerializationException", body, err)
		}
	}
	for _, body := range []string{`{"EncryptionContext":{"k":1}}`, `{"EncryptionContext":[]}`, `{"GrantTokens":"x"}`, `{"DryRun":"yes"}`} {
		var in kmsapi.EncryptInput
		if err := decode([]byte(body), &in); awserr.CodeOf(err) != awserr.Serialization {
			t.Errorf("decode(%s) = %v, want SerializationException", body, err)
		}
	}
}

// headerCallerService is the test double the protocol layer is checked
// against: it authenticates the caller named in the X-Caller header and
// refuses any other, answers ListKeys, panics in DescribeKey, and knows no
// RotateKeyOnDemand; every other method is the nil interface's (unused).
type headerCallerService struct{ Service }

func (headerCallerService) Authenticate(r *http.Request, body []byte) (kmsapi.Caller, error) {
	id := r.Header.Get("X-Caller")
	if id == "" {
		return kmsapi.Caller{}, awserr.New(awserr.UnrecognizedClient, "The security token included in the request is invalid.")
	}
	return kmsapi.Caller{AccessKeyID: id}, nil
}

func (headerCallerService) Supports(op string) bool { return op != "RotateKeyOnDemand" }

func (headerCallerService) ListKeys(context.Context, kmsapi.Caller, *kmsapi.ListKeysInput) (*kmsapi.ListKeysOutput, error) {
	return &kmsapi.ListKeysOutput{Keys: []kmsapi.KeyListEntry{}}, nil
}

func (headerCallerService) DescribeKey(context.Context, kmsapi.Caller, *kmsapi.DescribeKeyInput) (*kmsapi.DescribeKeyOutput, error) {
	panic("a bug in the service")
}

func (headerCallerService) EnableKey(_ context.Context, c kmsapi.Caller, _ *kmsapi.KeyIDInput) (*kmsapi.EmptyOutput, error) {
	return nil, awserr.New(awserr.NotFound, "caller %s", c.AccessKeyID)
}

func call(t *testing.T, h http.Handler, op, body string, header http.Header) (int, map[string]any) {
	t.Helper()
	req := httptest.NewRequest("POST", "/", strings.NewReader(body))
	req.Header.Set("Content-Type", ContentType)
	req.Header.Set("X-Amz-Target", "TrentService."+op)
	req.Header.Set("X-Caller", "AKIDEXAMPLE")
	for k, v := range header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("%s: body %q is not JSON", op, rec.Body.String())
	}
	return rec.Code, out
}

func TestHandler(t *testing.T) {
	h := NewHandler(headerCallerService{}, 1024)
	if code, out := call(t, h, "ListKeys", `{}`, nil); code != 200 || out["Keys"] == nil {
		t.Fatalf("ListKeys: %d %v", code, out)
	}
	if code, out := call(t, h, "RotateKeyOnDemand", `{}`, nil); code != 400 || out["__type"] != "UnknownOperationException" {
		t.Fatalf("an operation the service does not support: %d %v", code, out)
	}
	if code, out := call(t, h, "DescribeKey", `{}`, nil); code != 500 || out["__type"] != "KMSInternalException" {
		t.Fatalf("a panic: %d %v", code, out)
	}
	if code, out := call(t, h, "EnableKey", `{}`, nil); code != 400 || out["__type"] != "NotFoundException" || out["message"] != "caller AKIDEXAMPLE" {
		t.Fatalf("an AWS error: %d %v", code, out)
	}
	// Authentication comes before anything else of the request.
	for _, op := range []string{"ListKeys", "NoSuchOperation"} {
		if code, out := call(t, h, op, `{`, http.Header{"X-Caller": {""}}); code != 400 || out["__type"] != "UnrecognizedClientException" {
			t.Fatalf("%s without a known caller: %d %v", op, code, out)
		}
	}
	if code, out := call(t, h, "ListKeys", `{"Marker":"`+strings.Repeat("m", 2000)+`"}`, nil); code != 413 || out["__type"] != "RequestEntityTooLargeException" {
		t.Fatalf("a body over the limit: %d %v", code, out)
	}
}

// Every operation the handler routes has a Service method and is one of the
// operations the reference KMS is built to serve.
func TestOperations(t *testing.T) {
	if got := len(Operations()); got != 34 {
		t.Fatalf("%d operations, want 34", got)
	}
}
