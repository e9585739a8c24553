package reference_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/kmsconform/kmsconform/harness/profile"
	"github.com/kmsconform/kmsconform/harness/reference"
	"github.com/kmsconform/kmsconform/harness/reference/wrappool"
)

// FuzzServeHTTP sends arbitrary bodies to every operation of a 2025 server:
// no input may cause a 5xx, a panic or a response that is not an AWS JSON
// body. `go test` replays the seeds; `-fuzz FuzzServeHTTP` explores.
func FuzzServeHTTP(f *testing.F) {
	for _, seed := range []struct{ op, body string }{
		{"CreateKey", `{"Origin":"EXTERNAL","KeySpec":"HMAC_256","KeyUsage":"GENERATE_VERIFY_MAC"}`},
		{"ImportKeyMaterial", `{"KeyId":"k","ImportToken":"AQ==","EncryptedKeyMaterial":"AQ==","ValidTo":1e9}`},
		{"GetParametersForImport", `{"KeyId":"arn:aws:kms:us-east-1:111122223333:key/x","WrappingAlgorithm":"RSAES_OAEP_SHA_256","WrappingKeySpec":"RSA_2048"}`},
		{"Decrypt", `{"CiphertextBlob":"AQRrZXk="}`},
		{"ListKeys", `{"Limit":0,"Marker":"\u0000"}`},
		{"TagResource", `{"KeyId":"k","Tags":[{"TagKey":null}]}`},
		{"Sign", `{"KeyId":"k","Message":"","SigningAlgorithm":"ED25519_SHA_512","MessageType":"EXTERNAL_MU"}`},
		{"ListKeyRotations", `{"KeyId":"k","IncludeKeyMaterial":"ALL_KEY_MATERIAL"}`},
		{"GenerateDataKeyWithoutPlaintext", `{"KeyId":"alias/x","NumberOfBytes":1025}`},
		{"ReEncrypt", `{"CiphertextBlob":"AQRrZXk=","DestinationKeyId":"alias/x","SourceEncryptionContext":{"a":"b"}}`},
		{"DeriveSharedSecret", `{"KeyId":"k","KeyAgreementAlgorithm":"ECDH","PublicKey":"MA==","Recipient":{"AttestationDocument":""}}`},
		{"CreateAlias", `{"AliasName":"alias/x","TargetKeyId":"arn:aws:kms:us-east-1:111122223333:key/k"}`},
		{"ListAliases", `{"KeyId":"k","Limit":100,"Marker":"alias/x"}`},
		{"ReplicateKey", `{"KeyId":"mrk-1","ReplicaRegion":"us-west-2","Tags":[{"TagKey":"a","TagValue":"b"}]}`},
	} {
		f.Add(seed.op, []byte(seed.body))
	}
	srv, err := reference.New(reference.Options{Profile: profile.P2025, Regions: []string{"us-east-1", "us-west-2"}, WrappingKeys: &wrappool.Cycle{}})
	if err != nil {
		f.Fatal(err)
	}
	defer srv.Close()
	f.Fuzz(func(t *testing.T, op string, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header.Set("X-Amz-Target", "TrentService."+op)
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %q: HTTP %d %s", op, body, rec.Code, rec.Body)
		}
		var out map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("%s %q: body %q is not a JSON object", op, body, rec.Body)
		}
		if rec.Code != 200 {
			if _, ok := out["__type"].(string); !ok {
				t.Fatalf("%s %q: error without __type: %s", op, body, rec.Body)
			}
		}
	})
}
