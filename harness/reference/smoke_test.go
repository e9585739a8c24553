package reference_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsconform/kmsconform/harness/profile"
)

func TestSmoke(t *testing.T) {
	for _, p := range profile.All() {
		k := newKMS(t, p)
		id := k.external(types.KeySpecSymmetricDefault)
		k.wantState(id, types.KeyStatePendingImport)
		m := newMaterial(t, types.KeySpecSymmetricDefault)
		out := k.mustImport(id, m)
		t.Logf("%s: import response %+v", p, out)
		k.wantState(id, types.KeyStateEnabled)
		ct := k.mustEncrypt(id, []byte("hello"))
		k.mustDecrypt(id, ct, "hello")
	}
}
