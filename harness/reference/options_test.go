package reference_test

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsconform/kmsconform/harness/profile"
	"github.com/kmsconform/kmsconform/harness/reference"
	"github.com/kmsconform/kmsconform/harness/reference/awserr"
	"github.com/kmsconform/kmsconform/harness/reference/clock"
	"github.com/kmsconform/kmsconform/harness/reference/kmsapi"
	"github.com/kmsconform/kmsconform/harness/reference/rules"
	"github.com/kmsconform/kmsconform/harness/reference/wrappool"
)

func TestOptions(t *testing.T) {
	clk := clock.NewManual(start)
	srv, err := reference.New(reference.Options{
		Profile: profile.P2023, Clock: clk, TokenLifetime: time.Hour,
		AccountID: "444455556666", Region: "eu-west-1", WrappingKeys: &wrappool.Cycle{},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	hs := httptest.NewServer(srv)
	defer hs.Close()
	k := &kmsTest{t: t, ctx: t.Context(), c: newClient(hs.URL), srv: srv, clk: clk, url: hs.URL, profile: profile.P2023}

	id := k.external(sym)
	md := k.describe(id)
	if *md.Arn != "arn:aws:kms:eu-west-1:444455556666:key/"+id || *md.AWSAccountId != "444455556666" {
		t.Fatalf("ARN %s account %s", *md.Arn, *md.AWSAccountId)
	}
	p := k.params(id, oaep256, rsa2048)
	if !p.ParametersValidTo.Equal(start.Add(time.Hour)) {
		t.Fatalf("ParametersValidTo %v with a one-hour token lifetime", p.ParametersValidTo)
	}
	clk.Advance(time.Hour + time.Second)
	wantCode(t, asError(k.c.ImportKeyMaterial(k.ctx, &kms.ImportKeyMaterialInput{
		KeyId: &id, ImportToken: p.ImportToken, EncryptedKeyMaterial: wrapped(t, oaep256, p.PublicKey, newMaterial(t, sym).Bytes),
		ExpirationModel: types.ExpirationModelTypeKeyMaterialDoesNotExpire,
	})), "ExpiredImportTokenException")

	for _, bad := range []reference.Options{{Profile: "2024"}, {TokenLifetime: -time.Second}, {AccountID: "123"}, {Region: "Mars"}} {
		bad.WrappingKeys = &wrappool.Cycle{}
		if s, err := reference.New(bad); err == nil {
			s.Close()
			t.Errorf("New(%+v) succeeded", bad)
		}
	}
}

func asError[T any](_ T, err error) error { return err }

// TestManyServers: servers share nothing (no global state).
func TestManyServers(t *testing.T) {
	a, b := newKMS(t, profile.P2025), newKMS(t, profile.P2025)
	id := a.external(sym)
	_, err := b.c.DescribeKey(b.ctx, &kms.DescribeKeyInput{KeyId: &id})
	wantCode(t, err, "NotFoundException")
	out, err := b.c.ListKeys(b.ctx, &kms.ListKeysInput{})
	wantOK(t, err)
	if len(out.Keys) != 0 {
		t.Fatalf("server b lists a's keys: %v", out.Keys)
	}
}

// TestOracle: what rules.DecideImportKeyMaterial predicts from a server's
// decision environment and key record is the class of answer the server
// gives over HTTP. This is how the fuzz oracle uses the decision layer.
func TestOracle(t *testing.T) {
	k := newKMS(t, profile.P2025)
	id := k.external(sym)
	m := newMaterial(t, sym)
	p := k.params(id, oaep256, rsa2048)
	good := wrapped(t, oaep256, p.PublicKey, m.Bytes)
	requests := []*kmsapi.ImportKeyMaterialInput{
		{KeyId: &id, ImportToken: p.ImportToken, EncryptedKeyMaterial: good},
		{KeyId: &id, ImportToken: []byte("forged"), EncryptedKeyMaterial: good, ExpirationModel: ptr(types.ExpirationModelTypeKeyMaterialDoesNotExpire)},
		{KeyId: &id, ImportToken: p.ImportToken, EncryptedKeyMaterial: good[:100], ExpirationModel: ptr(types.ExpirationModelTypeKeyMaterialDoesNotExpire)},
		{KeyId: &id, ImportToken: p.ImportToken, EncryptedKeyMaterial: good, ValidTo: kmsapi.At(start.Add(400 * 24 * time.Hour))},
		{KeyId: &id, ImportToken: p.ImportToken, EncryptedKeyMaterial: good, ExpirationModel: ptr(types.ExpirationModelTypeKeyMaterialDoesNotExpire)},
		{KeyId: &id, ImportToken: p.ImportToken, EncryptedKeyMaterial: good, ImportType: ptr(types.ImportTypeNewKeyMaterial), ExpirationModel: ptr(types.ExpirationModelTypeKeyMaterialDoesNotExpire)},
	}
	for i, in := range requests {
		key, ok := k.srv.Key(id)
		if !ok {
			t.Fatal("no record")
		}
		_, _, predicted := rules.DecideImportKeyMaterial(key, in, k.srv.Env())
		_, err := k.c.ImportKeyMaterial(k.ctx, &kms.ImportKeyMaterialInput{
			KeyId: in.KeyId, ImportToken: in.ImportToken, EncryptedKeyMaterial: in.EncryptedKeyMaterial,
			ExpirationModel: deref(in.ExpirationModel), ImportType: deref(in.ImportType), ValidTo: validTo(in.ValidTo),
		})
		want, got := "ok", outcome(err)
		if predicted != nil {
			want = string(awserr.CodeOf(predicted))
		}
		if got != want {
			t.Errorf("request %d: the server answered %s, the oracle predicted %s", i, got, want)
		}
	}
}

func ptr[T any](v T) *T { return &v }

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func validTo(ts *kmsapi.Timestamp) *time.Time {
	if ts == nil {
		return nil
	}
	return aws.Time(ts.Time)
}
