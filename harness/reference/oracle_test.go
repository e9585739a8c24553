package reference_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsconform/kmsconform/harness/profile"
	"github.com/kmsconform/kmsconform/harness/reference/awserr"
	"github.com/kmsconform/kmsconform/harness/reference/kmsapi"
	"github.com/kmsconform/kmsconform/harness/reference/mutant"
)

// TestPredictionIsTheServersAnswer: PredictImportKeyMaterial answers as
// the server then does, for a key that does not exist and for a good
// import, also with a mutant that changes how the lookup fails (so the
// prediction takes the server's lookup, not one of its own), and keeps
// nothing: the key is unchanged until the server itself imports.
func TestPredictionIsTheServersAnswer(t *testing.T) {
	for _, mutants := range [][]string{nil, {string(mutant.UnknownKey500)}} {
		k := newKMS(t, profile.P2022, mutants...)
		id := k.external(types.KeySpecSymmetricDefault)
		alg, wspec := wrappingFor(types.KeySpecSymmetricDefault)
		p := k.params(id, alg, wspec)
		never := types.ExpirationModelTypeKeyMaterialDoesNotExpire
		good := kmsapi.ImportKeyMaterialInput{
			KeyId: &id, ImportToken: p.ImportToken, ExpirationModel: &never,
			EncryptedKeyMaterial: wrapped(t, alg, p.PublicKey, newMaterial(t, types.KeySpecSymmetricDefault).Bytes),
		}
		unknownID := "0123abcd-0000-4000-8000-000000000000"
		unknown := good
		unknown.KeyId = &unknownID

		_, predicted := k.srv.PredictImportKeyMaterial(&unknown, k.clk.Now())
		_, got := k.srv.ImportKeyMaterial(context.Background(), kmsapi.Caller{}, &unknown)
		if predicted == nil || awserr.CodeOf(predicted) != awserr.CodeOf(got) {
			t.Errorf("mutants %v, unknown key: predicted %v, the server answered %v", mutants, predicted, got)
		}

		next, err := k.srv.PredictImportKeyMaterial(&good, k.clk.Now())
		if err != nil || next.State != types.KeyStateEnabled {
			t.Fatalf("mutants %v, good import: predicted %v with the key %s afterwards, want success and Enabled", mutants, err, next.State)
		}
		if stored, _ := k.srv.Key(id); stored.State != types.KeyStatePendingImport {
			t.Fatalf("mutants %v: the prediction changed the key: %s, want PendingImport", mutants, stored.State)
		}
		k.wantState(id, types.KeyStatePendingImport)
		if _, err := k.srv.ImportKeyMaterial(context.Background(), kmsapi.Caller{}, &good); err != nil {
			t.Fatalf("mutants %v: the server refused the import the prediction accepted: %v", mutants, err)
		}
		k.wantState(id, types.KeyStateEnabled)
	}
}
