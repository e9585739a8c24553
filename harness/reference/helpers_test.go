package reference_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"

	"github.com/kmsconform/kmsconform/fixtures/material"
	"github.com/kmsconform/kmsconform/fixtures/wrap"
	"github.com/kmsconform/kmsconform/harness/profile"
	"github.com/kmsconform/kmsconform/harness/reference"
	"github.com/kmsconform/kmsconform/harness/reference/clock"
	"github.com/kmsconform/kmsconform/harness/reference/wrappool"
)

// wrappingKeys is the production pool the tests that need fresh key pairs
// share, so its key generation is paid once per test binary. It starts on
// first use, so benchmarks do not compete with it.
var wrappingKeys = sync.OnceValue(func() *wrappool.Pool {
	pool, err := wrappool.New(map[types.WrappingKeySpec]int{
		types.WrappingKeySpecRsa2048: 4,
		types.WrappingKeySpecRsa3072: 1,
		types.WrappingKeySpecRsa4096: 1,
	})
	if err != nil {
		panic(err)
	}
	return pool
})

var poolStarted atomic.Bool

func TestMain(m *testing.M) {
	code := m.Run()
	if poolStarted.Load() {
		wrappingKeys().Close()
	}
	os.Exit(code)
}

// start is where every test clock starts.
var start = time.Date(2025, 7, 1, 12, 0, 0, 0, time.UTC)

// kmsTest is one reference server reached through the AWS SDK over HTTP, as
// the suite reaches any target.
type kmsTest struct {
	t       *testing.T
	ctx     context.Context
	c       *kms.Client
	srv     *reference.Server
	clk     *clock.Manual
	url     string
	profile profile.Profile
}

func newKMS(t *testing.T, p profile.Profile, mutants ...string) *kmsTest {
	t.Helper()
	return newKMSFrom(t, p, &wrappool.Cycle{}, mutants...)
}

// newKMSWithPool is newKMS with wrapping keys from the production pool.
func newKMSWithPool(t *testing.T, p profile.Profile, mutants ...string) *kmsTest {
	t.Helper()
	poolStarted.Store(true)
	return newKMSFrom(t, p, wrappingKeys(), mutants...)
}

func newKMSFrom(t *testing.T, p profile.Profile, keys reference.WrappingKeySource, mutants ...string) *kmsTest {
	t.Helper()
	return newKMSWith(t, reference.Options{Profile: p, Clock: clock.NewManual(start), Mutants: mutants, WrappingKeys: keys})
}

// newKMSWith starts a server with opts (its Clock, when set, must be a
// *clock.Manual) and reaches it as the default client of the first
// account (or, without Accounts, any credentials) in the first Region.
func newKMSWith(t *testing.T, opts reference.Options) *kmsTest {
	t.Helper()
	if opts.Clock == nil {
		opts.Clock = clock.NewManual(start)
	}
	if opts.WrappingKeys == nil {
		opts.WrappingKeys = &wrappool.Cycle{}
	}
	srv, err := reference.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() { hs.Close(); srv.Close() })
	k := &kmsTest{t: t, ctx: context.Background(), srv: srv, clk: opts.Clock.(*clock.Manual), url: hs.URL, profile: srv.Profile()}
	keyID, secret := "AKIDEXAMPLE", "secret"
	if len(opts.Accounts) > 0 {
		keyID, secret = opts.Accounts[0].AccessKeyID, opts.Accounts[0].SecretAccessKey
	}
	k.c = clientFor(hs.URL, keyID, secret, srv.Regions()[0])
	return k
}

func newClient(url string) *kms.Client { return clientFor(url, "AKIDEXAMPLE", "secret", "us-east-1") }

// clientFor is a client that signs with the access key for the Region.
func clientFor(url, accessKeyID, secret, region string) *kms.Client {
	return kms.New(kms.Options{
		Region:       region,
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider(accessKeyID, secret, ""),
		Retryer:      aws.NopRetryer{}, // a 5xx must show, not be retried away
	})
}

// as returns the same test with another client: that of another access
// key or Region of the same server.
func (k *kmsTest) as(accessKeyID, secret, region string) *kmsTest {
	other := *k
	other.c = clientFor(k.url, accessKeyID, secret, region)
	return &other
}

// usageFor is the natural KeyUsage of a key spec.
func usageFor(spec types.KeySpec) types.KeyUsageType {
	switch {
	case spec == types.KeySpecSymmetricDefault:
		return types.KeyUsageTypeEncryptDecrypt
	case material.HMACLength(spec) > 0:
		return types.KeyUsageTypeGenerateVerifyMac
	}
	return types.KeyUsageTypeSignVerify
}

// wrappingFor is a wrapping algorithm and key spec that can carry material of
// the spec in every profile that can import it: OAEP for secrets,
// RSA_AES_KEY_WRAP for private keys (which may be long, in BER).
func wrappingFor(spec types.KeySpec) (types.AlgorithmSpec, types.WrappingKeySpec) {
	if spec == types.KeySpecSymmetricDefault || material.HMACLength(spec) > 0 {
		return types.AlgorithmSpecRsaesOaepSha256, types.WrappingKeySpecRsa2048
	}
	return types.AlgorithmSpecRsaAesKeyWrapSha256, types.WrappingKeySpecRsa2048
}

func (k *kmsTest) createKey(in *kms.CreateKeyInput) string {
	k.t.Helper()
	out, err := k.c.CreateKey(k.ctx, in)
	if err != nil {
		k.t.Fatalf("CreateKey: %v", err)
	}
	return *out.KeyMetadata.KeyId
}

// external creates an EXTERNAL key of the spec.
func (k *kmsTest) external(spec types.KeySpec) string {
	k.t.Helper()
	return k.createKey(&kms.CreateKeyInput{KeySpec: spec, KeyUsage: usageFor(spec), Origin: types.OriginTypeExternal})
}

// externalSharedWith creates an EXTERNAL key whose policy also lets the
// other account use it, with every KMS action.
func (k *kmsTest) externalSharedWith(spec types.KeySpec, other reference.Account) string {
	k.t.Helper()
	policy := `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + other.AccountID + `:root"},"Action":"kms:*","Resource":"*"}]}`
	return k.createKey(&kms.CreateKeyInput{KeySpec: spec, KeyUsage: usageFor(spec), Origin: types.OriginTypeExternal, Policy: &policy})
}

// awsKMS creates an AWS_KMS key of the spec.
func (k *kmsTest) awsKMS(spec types.KeySpec) string {
	k.t.Helper()
	return k.createKey(&kms.CreateKeyInput{KeySpec: spec, KeyUsage: usageFor(spec)})
}

func (k *kmsTest) params(keyID string, alg types.AlgorithmSpec, spec types.WrappingKeySpec) *kms.GetParametersForImportOutput {
	k.t.Helper()
	out, err := k.c.GetParametersForImport(k.ctx, &kms.GetParametersForImportInput{KeyId: &keyID, WrappingAlgorithm: alg, WrappingKeySpec: spec})
	if err != nil {
		k.t.Fatalf("GetParametersForImport(%s, %s): %v", alg, spec, err)
	}
	return out
}

func newMaterial(t *testing.T, spec types.KeySpec) material.Material {
	t.Helper()
	m, err := material.New(spec)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func wrapped(t *testing.T, alg types.AlgorithmSpec, publicKey, plain []byte) []byte {
	t.Helper()
	b, err := wrap.Wrap(alg, publicKey, plain)
	if err != nil {
		t.Fatalf("Wrap(%s): %v", alg, err)
	}
	return b
}

// doesNotExpire and expiresIn are ImportKeyMaterial options.
func doesNotExpire(in *kms.ImportKeyMaterialInput) {
	in.ExpirationModel = types.ExpirationModelTypeKeyMaterialDoesNotExpire
}

func (k *kmsTest) expiresIn(d time.Duration) func(*kms.ImportKeyMaterialInput) {
	return func(in *kms.ImportKeyMaterialInput) {
		in.ExpirationModel = types.ExpirationModelTypeKeyMaterialExpires
		in.ValidTo = aws.Time(k.clk.Now().Add(d))
	}
}

// importRaw gets fresh parameters and imports plain (raw bytes, wrapped as
// the spec's material is), with KEY_MATERIAL_DOES_NOT_EXPIRE unless opts
// change it.
func (k *kmsTest) importRaw(keyID string, spec types.KeySpec, plain []byte, opts ...func(*kms.ImportKeyMaterialInput)) (*kms.ImportKeyMaterialOutput, error) {
	k.t.Helper()
	alg, wspec := wrappingFor(spec)
	p := k.params(keyID, alg, wspec)
	in := &kms.ImportKeyMaterialInput{
		KeyId:                &keyID,
		ImportToken:          p.ImportToken,
		EncryptedKeyMaterial: wrapped(k.t, alg, p.PublicKey, plain),
	}
	doesNotExpire(in)
	for _, o := range opts {
		o(in)
	}
	return k.c.ImportKeyMaterial(k.ctx, in)
}

func (k *kmsTest) importMaterial(keyID string, m material.Material, opts ...func(*kms.ImportKeyMaterialInput)) (*kms.ImportKeyMaterialOutput, error) {
	k.t.Helper()
	return k.importRaw(keyID, m.Spec, m.Bytes, opts...)
}

func (k *kmsTest) mustImport(keyID string, m material.Material, opts ...func(*kms.ImportKeyMaterialInput)) *kms.ImportKeyMaterialOutput {
	k.t.Helper()
	out, err := k.importMaterial(keyID, m, opts...)
	if err != nil {
		k.t.Fatalf("ImportKeyMaterial: %v", err)
	}
	return out
}

// imported creates an EXTERNAL key of the spec with material in it.
func (k *kmsTest) imported(spec types.KeySpec) (string, material.Material) {
	k.t.Helper()
	id := k.external(spec)
	m := newMaterial(k.t, spec)
	k.mustImport(id, m)
	return id, m
}

func (k *kmsTest) describe(keyID string) *types.KeyMetadata {
	k.t.Helper()
	out, err := k.c.DescribeKey(k.ctx, &kms.DescribeKeyInput{KeyId: &keyID})
	if err != nil {
		k.t.Fatalf("DescribeKey: %v", err)
	}
	return out.KeyMetadata
}

func (k *kmsTest) wantState(keyID string, want types.KeyState) {
	k.t.Helper()
	if got := k.describe(keyID).KeyState; got != want {
		k.t.Fatalf("KeyState = %s, want %s", got, want)
	}
}

func (k *kmsTest) encrypt(keyID string, plain []byte) ([]byte, error) {
	out, err := k.c.Encrypt(k.ctx, &kms.EncryptInput{KeyId: &keyID, Plaintext: plain})
	if err != nil {
		return nil, err
	}
	return out.CiphertextBlob, nil
}

func (k *kmsTest) mustEncrypt(keyID string, plain []byte) []byte {
	k.t.Helper()
	ct, err := k.encrypt(keyID, plain)
	if err != nil {
		k.t.Fatalf("Encrypt: %v", err)
	}
	return ct
}

func (k *kmsTest) decrypt(keyID string, ct []byte) ([]byte, error) {
	out, err := k.c.Decrypt(k.ctx, &kms.DecryptInput{KeyId: &keyID, CiphertextBlob: ct})
	if err != nil {
		return nil, err
	}
	return out.Plaintext, nil
}

func (k *kmsTest) mustDecrypt(keyID string, ct []byte, want string) {
	k.t.Helper()
	got, err := k.decrypt(keyID, ct)
	if err != nil {
		k.t.Fatalf("Decrypt: %v", err)
	}
	if string(got) != want {
		k.t.Fatalf("Decrypt = %q, want %q", got, want)
	}
}

func (k *kmsTest) deleteMaterial(keyID string) {
	k.t.Helper()
	if _, err := k.c.DeleteImportedKeyMaterial(k.ctx, &kms.DeleteImportedKeyMaterialInput{KeyId: &keyID}); err != nil {
		k.t.Fatalf("DeleteImportedKeyMaterial: %v", err)
	}
}

func (k *kmsTest) disable(keyID string) {
	k.t.Helper()
	if _, err := k.c.DisableKey(k.ctx, &kms.DisableKeyInput{KeyId: &keyID}); err != nil {
		k.t.Fatalf("DisableKey: %v", err)
	}
}

func (k *kmsTest) scheduleDeletion(keyID string) {
	k.t.Helper()
	if _, err := k.c.ScheduleKeyDeletion(k.ctx, &kms.ScheduleKeyDeletionInput{KeyId: &keyID, PendingWindowInDays: aws.Int32(7)}); err != nil {
		k.t.Fatalf("ScheduleKeyDeletion: %v", err)
	}
}

func (k *kmsTest) arn(keyID string) string {
	return "arn:aws:kms:us-east-1:111122223333:key/" + keyID
}

// wantCode fails unless err is an AWS error with the code, answered with a
// 4xx status (or 5xx for KMSInternalException).
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if err == nil {
		t.Fatalf("succeeded, want %s", code)
	}
	var api smithy.APIError
	if !errors.As(err, &api) {
		t.Fatalf("error %v is not an AWS API error, want %s", err, code)
	}
	if api.ErrorCode() != code {
		t.Fatalf("error %s (%s), want %s", api.ErrorCode(), api.ErrorMessage(), code)
	}
	var re *awshttp.ResponseError
	if !errors.As(err, &re) {
		t.Fatalf("error %v carries no HTTP response", err)
	}
	status := re.HTTPStatusCode()
	if code == "KMSInternalException" {
		if status != 500 {
			t.Fatalf("HTTP %d for %s, want 500", status, code)
		}
	} else if status < 400 || status > 499 {
		t.Fatalf("HTTP %d for %s, want 4xx", status, code)
	}
}

func wantOK(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

func errorMessage(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorMessage()
	}
	return ""
}
