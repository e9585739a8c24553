package rules

import (
	"bytes"
	"crypto/rsa"
	"reflect"
	"regexp"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsconform/kmsconform/fixtures/material"
	"github.com/kmsconform/kmsconform/fixtures/wrap"
	"github.com/kmsconform/kmsconform/harness/profile"
	"github.com/kmsconform/kmsconform/harness/reference/awserr"
	"github.com/kmsconform/kmsconform/harness/reference/importtoken"
	"github.com/kmsconform/kmsconform/harness/reference/kmsapi"
	"github.com/kmsconform/kmsconform/harness/reference/mutant"
)

var now = time.Date(2025, 7, 1, 12, 0, 0, 0, time.UTC)

// testEnv is a decision environment at now, with a token sealer and the
// embedded test keys as wrapping keys (taken in turn, so consecutive
// parameter sets differ).
func testEnv(t *testing.T, p profile.Profile, mutants ...string) Env {
	t.Helper()
	sealer, err := importtoken.NewSealer()
	if err != nil {
		t.Fatal(err)
	}
	set, err := mutant.Parse(mutants)
	if err != nil {
		t.Fatal(err)
	}
	var turn atomic.Int64
	return Env{
		Profile: p, Now: now, AccountID: "111122223333", Region: "us-east-1", Mutants: set,
		Tokens: sealer, TokenLifetime: 24 * time.Hour,
		WrappingKey: func(spec types.WrappingKeySpec) (*rsa.PrivateKey, error) {
			keys, err := material.TestRSAKeys(map[types.WrappingKeySpec]int{"RSA_2048": 2048, "RSA_3072": 3072, "RSA_4096": 4096}[spec])
			if err != nil {
				return nil, err
			}
			return keys[int(turn.Add(1))%len(keys)], nil
		},
	}
}

func ptrTo[T any](v T) *T { return &v }

func newKey(t *testing.T, env Env, spec types.KeySpec, origin types.OriginType) Key {
	t.Helper()
	usage := types.KeyUsageTypeEncryptDecrypt
	switch {
	case isHMAC(spec):
		usage = types.KeyUsageTypeGenerateVerifyMac
	case !isSymmetric(spec):
		usage = types.KeyUsageTypeSignVerify
	}
	k, _, err := CreateKey(&kmsapi.CreateKeyInput{KeySpec: &spec, KeyUsage: &usage, Origin: &origin}, 0, env)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// params issues import parameters for k and returns the key as it is after.
func params(t *testing.T, k Key, env Env, alg types.AlgorithmSpec) (Key, *kmsapi.GetParametersForImportOutput) {
	t.Helper()
	in := &kmsapi.GetParametersForImportInput{KeyId: &k.ID, WrappingAlgorithm: &alg, WrappingKeySpec: ptrTo(types.WrappingKeySpecRsa2048)}
	if err := GetParametersForImport.Validate(in, env); err != nil {
		t.Fatal(err)
	}
	k, out, err := GetParametersForImport.Decide(k, in, env)
	if err != nil {
		t.Fatal(err)
	}
	return k, out
}

func importInput(t *testing.T, k Key, p *kmsapi.GetParametersForImportOutput, alg types.AlgorithmSpec, plain []byte) *kmsapi.ImportKeyMaterialInput {
	t.Helper()
	blob, err := wrap.Wrap(alg, p.PublicKey, plain)
	if err != nil {
		t.Fatal(err)
	}
	return &kmsapi.ImportKeyMaterialInput{
		KeyId: &k.ID, ImportToken: p.ImportToken, EncryptedKeyMaterial: blob,
		ExpirationModel: ptrTo(types.ExpirationModelTypeKeyMaterialDoesNotExpire),
	}
}

func codeOf(err error) string {
	if err == nil {
		return "ok"
	}
	return string(awserr.CodeOf(err))
}

// TestImportCheckOrder: when a request has several faults, the first in
// ImportKeyMaterial's documented order decides the answer.
func TestImportCheckOrder(t *testing.T) {
	env := testEnv(t, profile.P2025)
	m, _ := material.New(types.KeySpecSymmetricDefault)
	ext, p := params(t, newKey(t, env, types.KeySpecSymmetricDefault, types.OriginTypeExternal), env, types.AlgorithmSpecRsaesOaepSha256)
	_, otherParams := params(t, newKey(t, env, types.KeySpecSymmetricDefault, types.OriginTypeExternal), env, types.AlgorithmSpecRsaesOaepSha256)
	awsKey := newKey(t, env, types.KeySpecSymmetricDefault, types.OriginTypeAwsKms)
	pendingDeletion := ext
	pendingDeletion.State, pendingDeletion.DeletionDate = types.KeyStatePendingDeletion, now.Add(7*24*time.Hour)
	hmacKey, hp := params(t, newKey(t, env, types.KeySpecHmac256, types.OriginTypeExternal), env, types.AlgorithmSpecRsaesOaepSha256)

	good := func() *kmsapi.ImportKeyMaterialInput {
		return importInput(t, ext, p, types.AlgorithmSpecRsaesOaepSha256, m.Bytes)
	}
	later := env
	later.Now = now.Add(25 * time.Hour)

	cases := []struct {
		name string
		key  Key
		in   func() *kmsapi.ImportKeyMaterialInput
		env  Env
		want awserr.Code
	}{
		{"constraints before ValidTo", ext, func() *kmsapi.ImportKeyMaterialInput {
			in := good()
			in.ImportToken, in.ExpirationModel = []byte{}, nil
			return in
		}, env, awserr.Validation},
		{"ValidTo before the key", awsKey, func() *kmsapi.ImportKeyMaterialInput { in := good(); in.ExpirationModel = nil; return in }, env, awserr.Validation},
		{"origin before the token", awsKey, func() *kmsapi.ImportKeyMaterialInput { in := good(); in.ImportToken = []byte("forged"); return in }, env, awserr.UnsupportedOperation},
		{"pending deletion before the token", pendingDeletion, func() *kmsapi.ImportKeyMaterialInput { in := good(); in.ImportToken = []byte("forged"); return in }, env, awserr.KMSInvalidState},
		{"ImportType on HMAC before the token", hmacKey, func() *kmsapi.ImportKeyMaterialInput {
			in := importInput(t, hmacKey, hp, types.AlgorithmSpecRsaesOaepSha256, bytes.Repeat([]byte{1}, 32))
			in.ImportToken, in.ImportType = []byte("forged"), ptrTo(types.ImportTypeNewKeyMaterial)
			return in
		}, env, awserr.UnsupportedOperation},
		{"forged token before expiry", ext, func() *kmsapi.ImportKeyMaterialInput { in := good(); in.ImportToken = []byte("forged"); return in }, later, awserr.InvalidImportToken},
		{"foreign token before expiry", ext, func() *kmsapi.ImportKeyMaterialInput {
			return importInput(t, ext, otherParams, types.AlgorithmSpecRsaesOaepSha256, m.Bytes)
		}, later, awserr.InvalidImportToken},
		{"expiry before unwrapping", ext, func() *kmsapi.ImportKeyMaterialInput { in := good(); in.EncryptedKeyMaterial = []byte{1}; return in }, later, awserr.ExpiredImportToken},
		{"unwrapping before the material", ext, func() *kmsapi.ImportKeyMaterialInput { in := good(); in.EncryptedKeyMaterial = []byte{1}; return in }, env, awserr.InvalidCiphertext},
		{"material", ext, func() *kmsapi.ImportKeyMaterialInput {
			return importInput(t, ext, p, types.AlgorithmSpecRsaesOaepSha256, m.Bytes[:31])
		}, env, awserr.IncorrectKeyMaterial},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := c.key.clone()
			got, out, err := DecideImportKeyMaterial(c.key, c.in(), c.env)
			if awserr.CodeOf(err) != c.want || err == nil || out != nil {
				t.Fatalf("got %s (%v), want %s", codeOf(err), err, c.want)
			}
			if !reflect.DeepEqual(got, before.at(c.env)) || !reflect.DeepEqual(c.key, before) {
				t.Fatal("a rejected request changed the key")
			}
		})
	}
	got, out, err := DecideImportKeyMaterial(ext, good(), env)
	if err != nil || got.State != types.KeyStateEnabled || out.KeyMaterialId == nil {
		t.Fatalf("the good request: %v, state %s", err, got.State)
	}
	if ext.State != types.KeyStatePendingImport || len(ext.Materials) != 0 {
		t.Fatal("the decision changed the record it was given")
	}
}

// IMP-027: whatever made it, a 2022 key of a spec the profile does not
// import gets no parameters and takes no material.
func TestLegacyKeyTypes(t *testing.T) {
	env := testEnv(t, profile.P2022)
	for _, spec := range []types.KeySpec{types.KeySpecHmac256, types.KeySpecEccNistP256, types.KeySpecRsa2048} {
		k := newKey(t, testEnv(t, profile.P2025), spec, types.OriginTypeExternal)
		in := &kmsapi.GetParametersForImportInput{KeyId: &k.ID, WrappingAlgorithm: ptrTo(types.AlgorithmSpecRsaesOaepSha256), WrappingKeySpec: ptrTo(types.WrappingKeySpecRsa2048)}
		if _, _, err := GetParametersForImport.Decide(k, in, env); awserr.CodeOf(err) != awserr.UnsupportedOperation {
			t.Errorf("%s: GetParametersForImport %v, want UnsupportedOperationException", spec, err)
		}
	}
}

func TestMaterialID(t *testing.T) {
	m, _ := material.New(types.KeySpecSymmetricDefault)
	k, err := material.Parse(m.Spec, m.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	a := materialID("key-a", k)
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(a) {
		t.Fatalf("material ID %q", a)
	}
	if materialID("key-a", k) != a || materialID("key-b", k) == a {
		t.Fatal("material IDs are not stable per key and distinct across keys")
	}
	// An asymmetric key has one ID whatever its encoding.
	ec, _ := material.New(types.KeySpecEccNistP256)
	ber, err := material.BER(ec)
	if err != nil {
		t.Fatal(err)
	}
	k1, _ := material.Parse(ec.Spec, ec.Bytes)
	k2, _ := material.Parse(ec.Spec, ber)
	if materialID("k", k1) != materialID("k", k2) {
		t.Fatal("DER and BER of one key have different material IDs")
	}
}

// at applies expiry without touching the record it was given.
func TestExpiryIsLazyAndPure(t *testing.T) {
	env := testEnv(t, profile.P2023)
	k := newKey(t, env, types.KeySpecSymmetricDefault, types.OriginTypeExternal)
	m, _ := material.New(types.KeySpecSymmetricDefault)
	k, p := params(t, k, env, types.AlgorithmSpecRsaesOaepSha256)
	in := importInput(t, k, p, types.AlgorithmSpecRsaesOaepSha256, m.Bytes)
	in.ExpirationModel, in.ValidTo = nil, kmsapi.At(now.Add(time.Hour))
	k, _, err := DecideImportKeyMaterial(k, in, env)
	if err != nil {
		t.Fatal(err)
	}
	later := env
	later.Now = now.Add(time.Hour)
	expired := k.at(later)
	if expired.State != types.KeyStatePendingImport || expired.Materials[0].Key != nil {
		t.Fatalf("after ValidTo: state %s", expired.State)
	}
	if k.State != types.KeyStateEnabled || k.Materials[0].Key == nil {
		t.Fatal("at changed the record it was given")
	}
	if k.at(env).State != types.KeyStateEnabled {
		t.Fatal("expired before ValidTo")
	}
}

// TestLocate: how a key reference is read, for an operation that takes
// aliases and keys of other accounts (DescribeKey) and for one that takes
// neither (GetParametersForImport: IMP-010, IMP-017).
func TestLocate(t *testing.T) {
	env := testEnv(t, profile.P2025)
	key := func(account, id string) Target {
		return Target{Partition: "aws", AccountID: account, Region: "us-east-1", KeyID: id}
	}
	alias := Target{Partition: "aws", AccountID: "111122223333", Region: "us-east-1", AliasName: "alias/x"}
	cases := []struct {
		ref                      string
		describe                 Target
		describeCode, importCode awserr.Code
	}{
		{"abc", key("111122223333", "abc"), "", ""},
		{"arn:aws:kms:us-east-1:111122223333:key/abc", key("111122223333", "abc"), "", ""},
		{"arn:aws:kms:us-west-2:111122223333:key/abc", Target{}, awserr.NotFound, awserr.NotFound},
		{"arn:aws-cn:kms:us-east-1:111122223333:key/abc", Target{}, awserr.NotFound, awserr.NotFound},
		{"alias/x", alias, "", awserr.NotFound},
		{"arn:aws:kms:us-east-1:111122223333:alias/x", alias, "", awserr.NotFound},
		{"arn:aws:kms:us-east-1:444455556666:key/abc", key("444455556666", "abc"), "", awserr.AccessDenied},
		{"arn:aws:kms:us-east-1:111122223333:key/", Target{}, awserr.InvalidArn, awserr.InvalidArn},
		{"arn:aws:kms:us-east-1:111122223333", Target{}, awserr.InvalidArn, awserr.InvalidArn},
		{"arn:aws:iam::111122223333:key/abc", Target{}, awserr.InvalidArn, awserr.InvalidArn},
		{"arn:aws:kms:us-east-1:111122223333:grant/abc", Target{}, awserr.InvalidArn, awserr.InvalidArn},
	}
	for _, c := range cases {
		got, err := DescribeKey.Locate(c.ref, env)
		if got != c.describe || (err == nil) != (c.describeCode == "") || (err != nil && awserr.CodeOf(err) != c.describeCode) {
			t.Errorf("DescribeKey.Locate(%q) = %+v, %v; want %+v, %s", c.ref, got, err, c.describe, c.describeCode)
		}
		_, err = GetParametersForImport.Locate(c.ref, env)
		if (err == nil) != (c.importCode == "") || (err != nil && awserr.CodeOf(err) != c.importCode) {
			t.Errorf("GetParametersForImport.Locate(%q): %v, want %s", c.ref, err, c.importCode)
		}
	}
}

func TestSupports(t *testing.T) {
	for _, op := range []string{"RotateKeyOnDemand", "ListKeyRotations"} {
		if Supports(profile.P2022, op) || !Supports(profile.P2023, op) || !Supports(profile.P2025, op) {
			t.Errorf("%s: wrong profiles", op)
		}
	}
	if !Supports(profile.P2022, "ImportKeyMaterial") {
		t.Error("ImportKeyMaterial missing in 2022")
	}
}

func TestValidationMessages(t *testing.T) {
	var v violations
	v.requiredString("keyId", nil, 1, 2048)
	v.length("description", ptrTo("abc"), 5, 10)
	enum(&v, "origin", ptrTo(types.OriginType("X")), []types.OriginType{"A", "B"})
	err := v.err()
	want := "3 validation errors detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null; " +
		"Value 'abc' at 'description' failed to satisfy constraint: Member must have length greater than or equal to 5; " +
		"Value 'X' at 'origin' failed to satisfy constraint: Member must satisfy enum value set: [A, B]"
	if e, ok := err.(*awserr.Error); !ok || e.Code != awserr.Validation || e.Message != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
}

func TestKeyQuota(t *testing.T) {
	env := testEnv(t, profile.P2025)
	if _, _, err := CreateKey(&kmsapi.CreateKeyInput{}, KeysPerAccountMax, env); awserr.CodeOf(err) != awserr.LimitExceeded {
		t.Fatalf("CreateKey beyond the quota: %v", err)
	}
	if _, _, err := CreateKey(&kmsapi.CreateKeyInput{}, KeysPerAccountMax-1, env); err != nil {
		t.Fatalf("CreateKey within the quota: %v", err)
	}
}
