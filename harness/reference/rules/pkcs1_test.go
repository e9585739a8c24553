package rules

import (
	"crypto/x509"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsconform/kmsconform/fixtures/material"
	"github.com/kmsconform/kmsconform/fixtures/wrap"
	"github.com/kmsconform/kmsconform/harness/profile"
	"github.com/kmsconform/kmsconform/harness/reference/awserr"
	"github.com/kmsconform/kmsconform/harness/reference/importtoken"
)

// TestPKCS1CodesFollowAWSDocs pins the deliberate choice documented at
// unwrapMaterial (IMP-026, IMP-059): under an RSAES_PKCS1_V1_5 token (2022
// only) a blob that passes PKCS#1 v1.5 decoding but carries material of the
// wrong length is IncorrectKeyMaterialException, one that does not decode
// InvalidCiphertextException, as AWS documents the two codes. Changing
// either answer changes what the 2022 profile claims about AWS, so it must
// be a decision, not a side effect.
func TestPKCS1CodesFollowAWSDocs(t *testing.T) {
	keys, err := material.TestRSAKeys(2048)
	if err != nil {
		t.Fatal(err)
	}
	key := keys[0]
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	env := testEnv(t, profile.P2022)
	p := importtoken.Parameters{WrappingAlgorithm: types.AlgorithmSpecRsaesPkcs1V15, WrappingKey: key}
	// decide is steps 11 and 12 of ImportKeyMaterial; "" for success.
	decide := func(blob []byte) awserr.Code {
		plain, err := unwrapMaterial(p, blob, env)
		if err == nil {
			_, err = parseMaterial(types.KeySpecSymmetricDefault, plain, env)
		}
		if err == nil {
			return ""
		}
		return awserr.CodeOf(err)
	}

	short, err := wrap.Wrap(types.AlgorithmSpecRsaesPkcs1V15, pub, make([]byte, 10))
	if err != nil {
		t.Fatal(err)
	}
	if got := decide(short); got != awserr.IncorrectKeyMaterial {
		t.Errorf("a PKCS#1-conformant blob of 10 bytes of material: %s, want IncorrectKeyMaterialException", got)
	}
	notPKCS1, err := wrap.RandomNotPKCS1(pub)
	if err != nil {
		t.Fatal(err)
	}
	if got := decide(notPKCS1); got != awserr.InvalidCiphertext {
		t.Errorf("a blob that is not PKCS#1 v1.5: %s, want InvalidCiphertextException", got)
	}
	good, err := wrap.Wrap(types.AlgorithmSpecRsaesPkcs1V15, pub, make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	if got := decide(good); got != "" {
		t.Errorf("32 bytes of material: %s, want success", got)
	}
}
