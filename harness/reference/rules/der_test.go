package rules

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsconform/kmsconform/fixtures/material"
)

// TestIsDER: the check of the mutant reject-ber-material tells the
// fixtures' DER PKCS#8 keys from their BER re-encodings, for every family
// of asymmetric key.
func TestIsDER(t *testing.T) {
	for _, spec := range []types.KeySpec{types.KeySpecRsa2048, types.KeySpecEccNistP256, types.KeySpecEccSecgP256k1, types.KeySpecEccNistEdwards25519} {
		m, err := material.New(spec)
		if err != nil {
			t.Fatal(err)
		}
		if !isDER(m.Bytes) {
			t.Errorf("%s: isDER says the DER PKCS#8 key is not DER", spec)
		}
		ber, err := material.BER(m)
		if err != nil {
			t.Fatal(err)
		}
		if isDER(ber) {
			t.Errorf("%s: isDER says the BER PKCS#8 key is DER", spec)
		}
	}
	if isDER([]byte{0x30, 0x03, 0x02, 0x01}) {
		t.Error("isDER accepts a truncated SEQUENCE")
	}
}
