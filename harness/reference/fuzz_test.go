package reference_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsconform/kmsconform/fixtures/material"
	"github.com/kmsconform/kmsconform/fixtures/wrap"
	"github.com/kmsconform/kmsconform/harness/profile"
	"github.com/kmsconform/kmsconform/harness/reference"
	"github.com/kmsconform/kmsconform/harness/reference/clock"
	"github.com/kmsconform/kmsconform/harness/reference/wrappool"
)

// fuzzProfileEnv pins FuzzServeHTTP to one profile (as `make fuzz
// PROFILE=...` does); unset, the fuzz input chooses the profile.
const fuzzProfileEnv = "KMSCONFORM_PROFILE"

// fuzzServer is a fresh server of one profile holding keys in known states.
// Request bodies name them by placeholder, replaced before sending:
//
//	$sym$       symmetric EXTERNAL key with material, Enabled
//	$disabled$  the same, Disabled
//	$deleting$  the same, PendingDeletion
//	$pending$   symmetric EXTERNAL key without material, PendingImport
//	$token$     base64 import token for $pending$ (RSAES_OAEP_SHA_256, RSA_2048)
//	$blob$      base64 32-byte material wrapped for $token$
//	$ct$        base64 ciphertext of "m" under $sym$
//	$awskms$    symmetric AWS_KMS key
//	$mrk$       multi-Region symmetric EXTERNAL primary with material
//	$hmac$      HMAC_256 EXTERNAL key with material (2023 on; else $sym$)
//	$ecc$       ECC_NIST_P256 SIGN_VERIFY EXTERNAL key with material (2023 on; else $sym$)
//
// and alias/fuzz points at $sym$. Each input gets its own server, so an
// input that changes a key cannot change what a later input meets: every
// finding replays from its corpus file alone.
type fuzzServer struct {
	srv  *reference.Server
	subs map[string]string
	ids  []string // the keys above, whose records a refused request must not change
}

func newFuzzServer(t testing.TB, p profile.Profile) *fuzzServer {
	t.Helper()
	srv, err := reference.New(reference.Options{
		Profile: p, Regions: []string{"us-east-1", "us-west-2"},
		WrappingKeys: &wrappool.Cycle{}, Clock: clock.NewManual(start), // nothing expires during an input
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	fs := &fuzzServer{srv: srv, subs: map[string]string{}}
	call := func(op string, in any) map[string]any {
		t.Helper()
		body, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		code, out := fs.send(op, body)
		if code != 200 {
			t.Fatalf("setup %s %s: HTTP %d %v", op, body, code, out)
		}
		return out
	}
	create := func(in map[string]any) string {
		return call("CreateKey", in)["KeyMetadata"].(map[string]any)["KeyId"].(string)
	}
	b64 := base64.StdEncoding.EncodeToString
	importInto := func(id string, spec types.KeySpec, alg types.AlgorithmSpec) {
		params := call("GetParametersForImport", map[string]any{"KeyId": id, "WrappingAlgorithm": alg, "WrappingKeySpec": "RSA_2048"})
		pub, _ := base64.StdEncoding.DecodeString(params["PublicKey"].(string))
		m, err := material.New(spec)
		if err != nil {
			t.Fatal(err)
		}
		blob, err := wrap.Wrap(alg, pub, m.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		call("ImportKeyMaterial", map[string]any{"KeyId": id, "ImportToken": params["ImportToken"], "EncryptedKeyMaterial": b64(blob), "ExpirationModel": "KEY_MATERIAL_DOES_NOT_EXPIRE"})
	}
	imported := func(spec types.KeySpec, usage string, alg types.AlgorithmSpec, extra map[string]any) string {
		in := map[string]any{"Origin": "EXTERNAL", "KeySpec": spec, "KeyUsage": usage}
		for k, v := range extra {
			in[k] = v
		}
		id := create(in)
		importInto(id, spec, alg)
		return id
	}
	oaep := types.AlgorithmSpecRsaesOaepSha256
	sym := imported(types.KeySpecSymmetricDefault, "ENCRYPT_DECRYPT", oaep, nil)
	fs.subs["$sym$"] = sym
	fs.subs["$disabled$"] = imported(types.KeySpecSymmetricDefault, "ENCRYPT_DECRYPT", oaep, nil)
	call("DisableKey", map[string]any{"KeyId": fs.subs["$disabled$"]})
	fs.subs["$deleting$"] = imported(types.KeySpecSymmetricDefault, "ENCRYPT_DECRYPT", oaep, nil)
	call("ScheduleKeyDeletion", map[string]any{"KeyId": fs.subs["$deleting$"], "PendingWindowInDays": 7})
	pending := create(map[string]any{"Origin": "EXTERNAL"})
	fs.subs["$pending$"] = pending
	params := call("GetParametersForImport", map[string]any{"KeyId": pending, "WrappingAlgorithm": oaep, "WrappingKeySpec": "RSA_2048"})
	fs.subs["$token$"] = params["ImportToken"].(string)
	pub, _ := base64.StdEncoding.DecodeString(params["PublicKey"].(string))
	m, err := material.New(types.KeySpecSymmetricDefault)
	if err != nil {
		t.Fatal(err)
	}
	blob, err := wrap.Wrap(oaep, pub, m.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	fs.subs["$blob$"] = b64(blob)
	fs.subs["$ct$"] = call("Encrypt", map[string]any{"KeyId": sym, "Plaintext": b64([]byte("m"))})["CiphertextBlob"].(string)
	fs.subs["$awskms$"] = create(map[string]any{})
	fs.subs["$mrk$"] = imported(types.KeySpecSymmetricDefault, "ENCRYPT_DECRYPT", oaep, map[string]any{"MultiRegion": true})
	fs.subs["$hmac$"], fs.subs["$ecc$"] = sym, sym
	if p.AtLeast(profile.P2023) {
		fs.subs["$hmac$"] = imported(types.KeySpecHmac256, "GENERATE_VERIFY_MAC", oaep, nil)
		fs.subs["$ecc$"] = imported(types.KeySpecEccNistP256, "SIGN_VERIFY", types.AlgorithmSpecRsaAesKeyWrapSha256, nil)
	}
	call("CreateAlias", map[string]any{"AliasName": "alias/fuzz", "TargetKeyId": sym})
	for _, name := range []string{"$sym$", "$disabled$", "$deleting$", "$pending$", "$awskms$", "$mrk$", "$hmac$", "$ecc$"} {
		fs.ids = append(fs.ids, fs.subs[name])
	}
	return fs
}

// send posts body to op and returns the status and the decoded JSON body
// (nil if it is not a JSON object).
func (fs *fuzzServer) send(op string, body []byte) (int, map[string]any) {
	req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "TrentService."+op)
	rec := httptest.NewRecorder()
	fs.srv.ServeHTTP(rec, req)
	var out map[string]any
	if json.Unmarshal(rec.Body.Bytes(), &out) != nil {
		out = nil
	}
	return rec.Code, out
}

func (fs *fuzzServer) expand(body []byte) []byte {
	for name, value := range fs.subs {
		body = bytes.ReplaceAll(body, []byte(name), []byte(value))
	}
	return body
}

// serveHTTPSeeds name the keys of fuzzServer, so that the seeds reach the
// decisions on real keys in every state, not only "not found".
var serveHTTPSeeds = []struct{ op, body string }{
	{"CreateKey", `{"Origin":"EXTERNAL","KeySpec":"HMAC_256","KeyUsage":"GENERATE_VERIFY_MAC"}`},
	{"CreateKey", `{"Origin":"EXTERNAL","MultiRegion":true,"Tags":[{"TagKey":"a","TagValue":"b"}]}`},
	{"ImportKeyMaterial", `{"KeyId":"$pending$","ImportToken":"$token$","EncryptedKeyMaterial":"$blob$","ExpirationModel":"KEY_MATERIAL_DOES_NOT_EXPIRE"}`},
	{"ImportKeyMaterial", `{"KeyId":"$pending$","ImportToken":"$token$","EncryptedKeyMaterial":"$blob$","ExpirationModel":"KEY_MATERIAL_EXPIRES","ValidTo":1e9}`},
	{"ImportKeyMaterial", `{"KeyId":"$sym$","ImportToken":"$token$","EncryptedKeyMaterial":"$blob$","ImportType":"NEW_KEY_MATERIAL"}`},
	{"ImportKeyMaterial", `{"KeyId":"$deleting$","ImportToken":"AQ==","EncryptedKeyMaterial":"AQ==","ValidTo":1e9}`},
	{"GetParametersForImport", `{"KeyId":"$pending$","WrappingAlgorithm":"RSAES_PKCS1_V1_5","WrappingKeySpec":"RSA_4096"}`},
	{"GetParametersForImport", `{"KeyId":"arn:aws:kms:us-east-1:111122223333:key/$ecc$","WrappingAlgorithm":"RSA_AES_KEY_WRAP_SHA_256","WrappingKeySpec":"RSA_3072"}`},
	{"GetParametersForImport", `{"KeyId":"$awskms$","WrappingAlgorithm":"RSAES_OAEP_SHA_1","WrappingKeySpec":"RSA_2048"}`},
	{"DeleteImportedKeyMaterial", `{"KeyId":"$sym$","KeyMaterialId":"0000"}`},
	{"DeleteImportedKeyMaterial", `{"KeyId":"$mrk$"}`},
	{"Decrypt", `{"CiphertextBlob":"$ct$"}`},
	{"Decrypt", `{"CiphertextBlob":"$ct$","KeyId":"$disabled$","EncryptionContext":{"a":"b"}}`},
	{"Decrypt", `{"CiphertextBlob":"AQRrZXk="}`},
	{"Encrypt", `{"KeyId":"alias/fuzz","Plaintext":"bQ==","EncryptionAlgorithm":"RSAES_OAEP_SHA_256"}`},
	{"Encrypt", `{"KeyId":"$deleting$","Plaintext":"bQ=="}`},
	{"ReEncrypt", `{"CiphertextBlob":"$ct$","DestinationKeyId":"$awskms$","SourceEncryptionContext":{"a":"b"}}`},
	{"GenerateDataKeyWithoutPlaintext", `{"KeyId":"alias/fuzz","NumberOfBytes":1025}`},
	{"GenerateDataKey", `{"KeyId":"$mrk$","KeySpec":"AES_128"}`},
	{"Sign", `{"KeyId":"$ecc$","Message":"","SigningAlgorithm":"ED25519_SHA_512","MessageType":"EXTERNAL_MU"}`},
	{"Sign", `{"KeyId":"$ecc$","Message":"bQ==","SigningAlgorithm":"ECDSA_SHA_256"}`},
	{"Verify", `{"KeyId":"$ecc$","Message":"bQ==","Signature":"MAYCAQECAQE=","SigningAlgorithm":"ECDSA_SHA_256"}`},
	{"GenerateMac", `{"KeyId":"$hmac$","Message":"bQ==","MacAlgorithm":"HMAC_SHA_256"}`},
	{"VerifyMac", `{"KeyId":"$hmac$","Message":"bQ==","Mac":"AA==","MacAlgorithm":"HMAC_SHA_512"}`},
	{"GetPublicKey", `{"KeyId":"$ecc$"}`},
	{"DescribeKey", `{"KeyId":"alias/fuzz"}`},
	{"EnableKey", `{"KeyId":"$pending$"}`},
	{"DisableKey", `{"KeyId":"$deleting$"}`},
	{"CancelKeyDeletion", `{"KeyId":"$deleting$"}`},
	{"ScheduleKeyDeletion", `{"KeyId":"$mrk$","PendingWindowInDays":6}`},
	{"RotateKeyOnDemand", `{"KeyId":"$sym$"}`},
	{"ListKeyRotations", `{"KeyId":"$sym$","IncludeKeyMaterial":"ALL_KEY_MATERIAL","Limit":1}`},
	{"EnableKeyRotation", `{"KeyId":"$awskms$","RotationPeriodInDays":90}`},
	{"GetKeyRotationStatus", `{"KeyId":"$sym$"}`},
	{"ListKeys", `{"Limit":0,"Marker":"\u0000"}`},
	{"TagResource", `{"KeyId":"$sym$","Tags":[{"TagKey":null}]}`},
	{"ListResourceTags", `{"KeyId":"$deleting$"}`},
	{"DeriveSharedSecret", `{"KeyId":"$ecc$","KeyAgreementAlgorithm":"ECDH","PublicKey":"MA==","Recipient":{"AttestationDocument":""}}`},
	{"CreateAlias", `{"AliasName":"alias/fuzz","TargetKeyId":"arn:aws:kms:us-east-1:111122223333:key/$pending$"}`},
	{"ListAliases", `{"KeyId":"$sym$","Limit":100,"Marker":"alias/x"}`},
	{"ReplicateKey", `{"KeyId":"$mrk$","ReplicaRegion":"us-west-2","Tags":[{"TagKey":"a","TagValue":"b"}]}`},
	{"PutKeyPolicy", `{"KeyId":"$sym$","PolicyName":"default","Policy":"{}"}`},
}

// FuzzServeHTTP sends arbitrary bodies to every operation of a server of
// any profile (the input's first byte chooses it, unless KMSCONFORM_PROFILE
// pins one) whose keys are in known states: no input may cause a 5xx, a
// panic or a response that is not an AWS JSON body, and a refused request
// must leave every key as it was. `go test` replays the seeds for every
// profile; `-fuzz FuzzServeHTTP` explores.
func FuzzServeHTTP(f *testing.F) {
	profiles := profile.All()
	if v := os.Getenv(fuzzProfileEnv); v != "" {
		p, err := profile.Parse(v)
		if err != nil {
			f.Fatalf("%s=%q: %v", fuzzProfileEnv, v, err)
		}
		profiles = []profile.Profile{p}
	}
	for i := range profiles {
		for _, seed := range serveHTTPSeeds {
			f.Add(uint8(i), seed.op, []byte(seed.body))
		}
	}
	f.Fuzz(func(t *testing.T, choice uint8, op string, body []byte) {
		p := profiles[int(choice)%len(profiles)]
		fs := newFuzzServer(t, p)
		before := fs.records()
		body = fs.expand(body)
		code, out := fs.send(op, body)
		switch {
		case code >= 500:
			t.Fatalf("%s %s %q: HTTP %d %v", p, op, body, code, out)
		case out == nil:
			t.Fatalf("%s %s %q: HTTP %d, the body is not a JSON object", p, op, body, code)
		case code != 200:
			if _, ok := out["__type"].(string); !ok {
				t.Fatalf("%s %s %q: error without __type: %v", p, op, body, out)
			}
			if after := fs.records(); !reflect.DeepEqual(before, after) {
				t.Fatalf("%s %s %q: refused with %v, but changed a key:\n%s", p, op, body, out["__type"], diffRecords(before, after))
			}
		}
	})
}

// records are the stored records of the server's known keys.
func (fs *fuzzServer) records() map[string]any {
	r := map[string]any{}
	for _, id := range fs.ids {
		k, _ := fs.srv.Key(id)
		r[id] = k
	}
	return r
}

func diffRecords(before, after map[string]any) string {
	var b strings.Builder
	for id := range before {
		if !reflect.DeepEqual(before[id], after[id]) {
			fmt.Fprintf(&b, "%s\n before %+v\n after  %+v\n", id, before[id], after[id])
		}
	}
	return b.String()
}

// TestServeHTTPSeedsReachKeys: the seeds that name a key of fuzzServer meet
// it in every profile (no NotFoundException), so the seeds exercise
// decisions on keys in each state, and each profile both accepts and
// refuses some of them.
func TestServeHTTPSeedsReachKeys(t *testing.T) {
	for _, p := range profile.All() {
		t.Run(string(p), func(t *testing.T) {
			ok, refused := 0, 0
			for _, seed := range serveHTTPSeeds {
				fs := newFuzzServer(t, p)
				code, out := fs.send(seed.op, fs.expand([]byte(seed.body)))
				if code == 200 {
					ok++
					continue
				}
				refused++
				typ, _ := out["__type"].(string)
				if strings.Contains(seed.body, "$") && strings.HasSuffix(typ, "NotFoundException") {
					t.Errorf("%s %s: %s, the seed's key is not found", seed.op, seed.body, typ)
				}
			}
			if ok == 0 || refused == 0 {
				t.Errorf("%d seeds accepted and %d refused: the seeds do not reach both outcomes", ok, refused)
			}
			t.Logf("%d seeds accepted, %d refused", ok, refused)
		})
	}
}
