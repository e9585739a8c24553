package reference_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kmsconform/kmsconform/harness/profile"
	"github.com/kmsconform/kmsconform/harness/reference"
	"github.com/kmsconform/kmsconform/harness/reference/clock"
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
		{"GenerateDataKeyWithoutPlaintext with both sizes", "TrentService.GenerateDataKeyWithoutPlaintext", ct, "POST", `{"KeyId":"` + id + `","KeySpec":"AES_256","NumberOfBytes":32}`, "ValidationException", 400},
		{"GenerateDataKeyWithoutPlaintext of a key in PendingImport", "TrentService.GenerateDataKeyWithoutPlaintext", ct, "POST", `{"KeyId":"` + id + `","KeySpec":"AES_256"}`, "KMSInvalidStateException", 400},
		{"ReEncrypt without anything", "TrentService.ReEncrypt", ct, "POST", `{}`, "ValidationException", 400},
		{"ReEncrypt without ciphertext", "TrentService.ReEncrypt", ct, "POST", `{"DestinationKeyId":"` + id + `"}`, "ValidationException", 400},
		{"ReEncrypt of garbage", "TrentService.ReEncrypt", ct, "POST", `{"CiphertextBlob":"` + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{5}, 100)) + `","DestinationKeyId":"` + id + `"}`, "InvalidCiphertextException", 400},
		{"ReEncrypt with a number for a map", "TrentService.ReEncrypt", ct, "POST", `{"CiphertextBlob":"AQ==","DestinationKeyId":"k","SourceEncryptionContext":5}`, "SerializationException", 400},
		{"ReEncrypt with an unknown algorithm", "TrentService.ReEncrypt", ct, "POST", `{"CiphertextBlob":"AQ==","DestinationKeyId":"k","DestinationEncryptionAlgorithm":"ROT13"}`, "ValidationException", 400},
		{"DeriveSharedSecret without anything", "TrentService.DeriveSharedSecret", ct, "POST", `{}`, "ValidationException", 400},
		{"DeriveSharedSecret with bad base64", "TrentService.DeriveSharedSecret", ct, "POST", `{"KeyId":"k","KeyAgreementAlgorithm":"ECDH","PublicKey":"%%"}`, "SerializationException", 400},
		{"DeriveSharedSecret with a number for Recipient", "TrentService.DeriveSharedSecret", ct, "POST", `{"KeyId":"k","KeyAgreementAlgorithm":"ECDH","PublicKey":"AQ==","Recipient":5}`, "SerializationException", 400},
		{"DeriveSharedSecret with a huge public key", "TrentService.DeriveSharedSecret", ct, "POST", `{"KeyId":"k","KeyAgreementAlgorithm":"ECDH","PublicKey":"` + b64(8193) + `"}`, "ValidationException", 400},
		{"DeriveSharedSecret with a symmetric key", "TrentService.DeriveSharedSecret", ct, "POST", `{"KeyId":"` + id + `","KeyAgreementAlgorithm":"ECDH","PublicKey":"AQ=="}`, "KMSInvalidStateException", 400},
		{"CreateAlias without anything", "TrentService.CreateAlias", ct, "POST", `{}`, "ValidationException", 400},
		{"CreateAlias to a malformed ARN", "TrentService.CreateAlias", ct, "POST", `{"AliasName":"alias/x","TargetKeyId":"arn:aws:kms"}`, "InvalidArnException", 400},
		{"CreateAlias with a list for a name", "TrentService.CreateAlias", ct, "POST", `{"AliasName":["alias/x"],"TargetKeyId":"k"}`, "SerializationException", 400},
		{"DeleteAlias without a name", "TrentService.DeleteAlias", ct, "POST", `{}`, "ValidationException", 400},
		{"DeleteAlias of no alias", "TrentService.DeleteAlias", ct, "POST", `{"AliasName":"x"}`, "NotFoundException", 400},
		{"ListAliases with limit 0", "TrentService.ListAliases", ct, "POST", `{"Limit":0}`, "ValidationException", 400},
		{"ListAliases with an unknown marker", "TrentService.ListAliases", ct, "POST", `{"Marker":"nope"}`, "InvalidMarkerException", 400},
		{"ListAliases of a malformed ARN", "TrentService.ListAliases", ct, "POST", `{"KeyId":"arn:"}`, "InvalidArnException", 400},
		{"ReplicateKey without anything", "TrentService.ReplicateKey", ct, "POST", `{}`, "ValidationException", 400},
		{"ReplicateKey to no Region", "TrentService.ReplicateKey", ct, "POST", `{"KeyId":"k","ReplicaRegion":"Mars"}`, "ValidationException", 400},
		{"ReplicateKey of an unknown key", "TrentService.ReplicateKey", ct, "POST", `{"KeyId":"mrk-00","ReplicaRegion":"us-west-2"}`, "NotFoundException", 400},
		{"ReplicateKey of a single-Region key", "TrentService.ReplicateKey", ct, "POST", `{"KeyId":"` + id + `","ReplicaRegion":"us-west-2"}`, "UnsupportedOperationException", 400},
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

// rawSigned sends a ListKeys request with the given Authorization and
// X-Amz-Date headers (none when empty).
func rawSigned(t *testing.T, url, authorization, amzDate string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Amz-Target", "TrentService.ListKeys")
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	if amzDate != "" {
		req.Header.Set("X-Amz-Date", amzDate)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("HTTP %d: the body is not a JSON object: %v", resp.StatusCode, err)
	}
	return resp.StatusCode, out
}

// TestMalformedAuthorization: on a server with accounts, every bad or
// missing Authorization is a 4xx with AWS's code, never a 5xx.
func TestMalformedAuthorization(t *testing.T) {
	k := newKMSWith(t, reference.Options{Clock: clock.NewManual(time.Now()), Accounts: []reference.Account{accountA, accountC}, Regions: []string{"us-east-1", "us-west-2"}})
	now := time.Now().UTC()
	date := now.Format("20060102T150405Z")
	scope := func(key, region, service string) string {
		return "AWS4-HMAC-SHA256 Credential=" + key + "/" + now.Format("20060102") + "/" + region + "/" + service + "/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + strings.Repeat("0", 64)
	}
	a := accountA.AccessKeyID
	cases := []struct{ name, authorization, amzDate, code string }{
		{"none", "", date, "MissingAuthenticationTokenException"},
		{"another scheme", "Basic dXNlcjpwYXNz", date, "IncompleteSignatureException"},
		{"algorithm only", "AWS4-HMAC-SHA256", date, "IncompleteSignatureException"},
		{"no signature", "AWS4-HMAC-SHA256 Credential=" + a + "/20250701/us-east-1/kms/aws4_request, SignedHeaders=host", date, "IncompleteSignatureException"},
		{"short credential", "AWS4-HMAC-SHA256 Credential=" + a + "/us-east-1/kms, SignedHeaders=host, Signature=" + strings.Repeat("0", 64), date, "IncompleteSignatureException"},
		{"host not signed", strings.Replace(scope(a, "us-east-1", "kms"), "host;", "", 1), date, "IncompleteSignatureException"},
		{"signature not hex", strings.Replace(scope(a, "us-east-1", "kms"), strings.Repeat("0", 64), "zz", 1), date, "IncompleteSignatureException"},
		{"huge header", "AWS4-HMAC-SHA256 Credential=" + strings.Repeat("A", 100000), date, "IncompleteSignatureException"},
		{"not UTF-8", "AWS4-HMAC-SHA256 Credential=\xc3\x28/\xff\xfe/\x80/kms/aws4_request, SignedHeaders=\x80, Signature=\t", date, "IncompleteSignatureException"},
		{"unknown access key", scope("AKIAUNKNOWN", "us-east-1", "kms"), date, "UnrecognizedClientException"},
		{"no date", scope(a, "us-east-1", "kms"), "", "IncompleteSignatureException"},
		{"date not ISO 8601", scope(a, "us-east-1", "kms"), "yesterday", "IncompleteSignatureException"},
		{"an hour old", scope(a, "us-east-1", "kms"), now.Add(-time.Hour).Format("20060102T150405Z"), "InvalidSignatureException"},
		{"another service", scope(a, "us-east-1", "s3"), date, "InvalidSignatureException"},
		{"wrong signature", scope(a, "us-east-1", "kms"), date, "InvalidSignatureException"},
		{"a Region not served", scope(accountC.AccessKeyID, "eu-west-1", "kms"), date, "InvalidSignatureException"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, body := rawSigned(t, k.url, c.authorization, c.amzDate)
			if status != 400 || body["__type"] != c.code {
				t.Fatalf("HTTP %d %v, want 400 %s", status, body, c.code)
			}
		})
	}
	// An access key without a secret needs no valid signature.
	if status, body := rawSigned(t, k.url, scope(accountC.AccessKeyID, "us-west-2", "kms"), ""); status != 200 {
		t.Fatalf("account C: HTTP %d %v", status, body)
	}
}
