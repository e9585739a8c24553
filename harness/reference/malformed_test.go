package reference_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/kmsconform/kmsconform/harness/profile"
)

// rawCall sends a request as it comes, bypassing the SDK's own checks.
func rawCall(t *testing.T, url, target, contentType, method string, body []byte) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if target != "" {
		req.Header.Set("X-Amz-Target", target)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("HTTP %d body is not a JSON object: %q", resp.StatusCode, raw)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/x-amz-json-1.1" {
		t.Fatalf("Content-Type %q", ct)
	}
	return resp.StatusCode, out
}

// TestMalformedRequests: every malformed request gets a 4xx and a
// well-formed AWS JSON error body, never a 5xx or a dropped connection.
func TestMalformedRequests(t *testing.T) {
	k := newKMS(t, profile.P2025)
	id := k.external(sym)
	token := base64.StdEncoding.EncodeToString(k.params(id, oaep256, rsa2048).ImportToken)
	const ct = "application/x-amz-json-1.1"
	b64 := func(n int) string { return base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, n)) }
	cases := []struct {
		name, target, contentType, method, body, code string
		status                                        int
	}{
		{"unknown operation", "TrentService.FlyToMoon", ct, "POST", `{}`, "UnknownOperationException", 400},
		{"operation of another service", "DynamoDB_20120810.ListTables", ct, "POST", `{}`, "UnknownOperationException", 400},
		{"missing target", "", ct, "POST", `{}`, "UnknownOperationException", 400},
		{"wrong content type", "TrentService.ListKeys", "application/json", "POST", `{}`, "SerializationException", 400},
		{"missing content type", "TrentService.ListKeys", "", "POST", `{}`, "SerializationException", 400},
		{"GET", "TrentService.ListKeys", ct, "GET", ``, "MethodNotAllowedException", 405},
		{"truncated JSON", "TrentService.DescribeKey", ct, "POST", `{"KeyId": "abc`, "SerializationException", 400},
		{"trailing garbage", "TrentService.DescribeKey", ct, "POST", `{"KeyId": "abc"} x`, "SerializationException", 400},
		{"array body", "TrentService.DescribeKey", ct, "POST", `["KeyId"]`, "SerializationException", 400},
		{"null body", "TrentService.DescribeKey", ct, "POST", `null`, "SerializationException", 400},
		{"number for a string", "TrentService.DescribeKey", ct, "POST", `{"KeyId": 5}`, "SerializationException", 400},
		{"object for a string", "TrentService.DescribeKey", ct, "POST", `{"KeyId": {"a": 1}}`, "SerializationException", 400},
		{"string for an integer", "TrentService.ListKeys", ct, "POST", `{"Limit": "5"}`, "SerializationException", 400},
		{"fraction for an integer", "TrentService.ListKeys", ct, "POST", `{"Limit": 5.5}`, "SerializationException", 400},
		{"integer overflow", "TrentService.ListKeys", ct, "POST", `{"Limit": 99999999999}`, "SerializationException", 400},
		{"string for a boolean", "TrentService.CreateKey", ct, "POST", `{"MultiRegion": "yes"}`, "SerializationException", 400},
		{"string for a timestamp", "TrentService.ImportKeyMaterial", ct, "POST", `{"KeyId":"` + id + `","ImportToken":"` + token + `","EncryptedKeyMaterial":"` + b64(256) + `","ValidTo":"2030-01-01"}`, "SerializationException", 400},
		{"timestamp out of range", "TrentService.ImportKeyMaterial", ct, "POST", `{"KeyId":"` + id + `","ImportToken":"` + token + `","EncryptedKeyMaterial":"` + b64(256) + `","ValidTo":1e300}`, "SerializationException", 400},
		{"bad base64", "TrentService.ImportKeyMaterial", ct, "POST", `{"KeyId":"` + id + `","ImportToken":"!!not base64!!","EncryptedKeyMaterial":"` + b64(256) + `"}`, "SerializationException", 400},
		{"number for a blob", "TrentService.Encrypt", ct, "POST", `{"KeyId":"` + id + `","Plaintext":12}`, "SerializationException", 400},
		{"list of wrong type", "TrentService.TagResource", ct, "POST", `{"KeyId":"` + id + `","Tags":[1]}`, "SerializationException", 400},
		{"missing KeyId", "TrentService.DescribeKey", ct, "POST", `{}`, "ValidationException", 400},
		{"empty KeyId", "TrentService.DescribeKey", ct, "POST", `{"KeyId": ""}`, "ValidationException", 400},
		{"miscased member is not KeyId", "TrentService.DescribeKey", ct, "POST", `{"keyid": "` + id + `"}`, "ValidationException", 400},
		{"huge KeyId", "TrentService.DescribeKey", ct, "POST", `{"KeyId": "` + strings.Repeat("k", 100000) + `"}`, "ValidationException", 400},
		{"missing wrapping parameters", "TrentService.GetParametersForImport", ct, "POST", `{"KeyId":"` + id + `"}`, "ValidationException", 400},
		{"empty token", "TrentService.ImportKeyMaterial", ct, "POST", `{"KeyId":"` + id + `","ImportToken":"","EncryptedKeyMaterial":"` + b64(256) + `","ExpirationModel":"KEY_MATERIAL_DOES_NOT_EXPIRE"}`, "ValidationException", 400},
		{"huge token", "TrentService.ImportKeyMaterial", ct, "POST", `{"KeyId":"` + id + `","ImportToken":"` + b64(6145) + `","EncryptedKeyMaterial":"` + b64(256) + `","ExpirationModel":"KEY_MATERIAL_DOES_NOT_EXPIRE"}`, "ValidationException", 400},
		{"huge wrapped material", "TrentService.ImportKeyMaterial", ct, "POST", `{"KeyId":"` + id + `","ImportToken":"` + token + `","EncryptedKeyMaterial":"` + b64(6145) + `","ExpirationModel":"KEY_MATERIAL_DOES_NOT_EXPIRE"}`, "ValidationException", 400},
		{"empty wrapped material", "TrentService.ImportKeyMaterial", ct, "POST", `{"KeyId":"` + id + `","ImportToken":"` + token + `","EncryptedKeyMaterial":"","ExpirationModel":"KEY_MATERIAL_DOES_NOT_EXPIRE"}`, "ValidationException", 400},
		{"missing token", "TrentService.ImportKeyMaterial", ct, "POST", `{"KeyId":"` + id + `","EncryptedKeyMaterial":"` + b64(256) + `","ExpirationModel":"KEY_MATERIAL_DOES_NOT_EXPIRE"}`, "ValidationException", 400},
		{"unknown enum", "TrentService.ImportKeyMaterial", ct, "POST", `{"KeyId":"` + id + `","ImportToken":"` + token + `","EncryptedKeyMaterial":"` + b64(256) + `","ExpirationModel":"SOMETIMES"}`, "ValidationException", 400},
		{"empty plaintext", "TrentService.Encrypt", ct, "POST", `{"KeyId":"` + id + `","Plaintext":""}`, "ValidationException", 400},
		{"huge plaintext", "TrentService.Encrypt", ct, "POST", `{"KeyId":"` + id + `","Plaintext":"` + b64(4097) + `"}`, "ValidationException", 400},
		{"body over the limit", "TrentService.DescribeKey", ct, "POST", `{"KeyId": "` + strings.Repeat("k", 2<<20) + `"}`, "RequestEntityTooLargeException", 413},
		{"garbage token", "TrentService.ImportKeyMaterial", ct, "POST", `{"KeyId":"` + id + `","ImportToken":"` + b64(100) + `","EncryptedKeyMaterial":"` + b64(256) + `","ExpirationModel":"KEY_MATERIAL_DOES_NOT_EXPIRE"}`, "InvalidImportTokenException", 400},
		{"garbage wrapped material", "TrentService.ImportKeyMaterial", ct, "POST", `{"KeyId":"` + id + `","ImportToken":"` + token + `","EncryptedKeyMaterial":"` + b64(256) + `","ExpirationModel":"KEY_MATERIAL_DOES_NOT_EXPIRE"}`, "InvalidCiphertextException", 400},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, body := rawCall(t, k.url, c.target, c.contentType, c.method, []byte(c.body))
			if status != c.status || body["__type"] != c.code {
				t.Fatalf("HTTP %d %v, want %d %s", status, body, c.status, c.code)
			}
			if _, ok := body["message"].(string); !ok {
				t.Fatalf("no message in %v", body)
			}
		})
	}
	// Unknown members are ignored, as AWS ignores them, and an empty body is
	// an empty request.
	status, body := rawCall(t, k.url, "TrentService.ListKeys", ct, "POST", []byte(`{"Unknown": [1, {"x": null}], "Limit": null}`))
	if status != 200 || body["Keys"] == nil {
		t.Fatalf("HTTP %d %v", status, body)
	}
	if status, _ := rawCall(t, k.url, "TrentService.ListKeys", ct+"; charset=utf-8", "POST", nil); status != 200 {
		t.Fatalf("empty body: HTTP %d", status)
	}
	// The server is still fine.
	k.mustImport(id, newMaterial(t, sym))
}
