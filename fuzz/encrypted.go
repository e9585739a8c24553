package fuzz

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsconform/kmsconform/harness/reference/kmsapi"
	"github.com/kmsconform/kmsconform/harness/reference/wrappool"
)

// encryptedInput is a FuzzImportEncryptedKeyMaterial input: a key (its spec
// and role), a wrapping combination, and the edits made to a correct
// wrapping of the key's own material under the key's latest parameter set.
// Everything else of the request is valid: the token, and
// ExpirationModel KEY_MATERIAL_DOES_NOT_EXPIRE.
type encryptedInput struct {
	keySpec byte // index into the profile's importable key specs
	role    role
	combo   byte // index into the key spec's wrapping combinations
	edits   []edit
}

func decodeEncrypted(data []byte) encryptedInput {
	src := &source{data: data}
	return encryptedInput{
		keySpec: src.byte(),
		role:    role(src.byte() & 1),
		combo:   src.byte(),
		edits:   decodeEdits(src),
	}
}

func (in encryptedInput) encode() []byte {
	enc := &encoder{}
	enc.byte(in.keySpec)
	enc.byte(byte(in.role))
	enc.byte(in.combo)
	encodeEdits(enc, in.edits)
	return enc.out
}

// keyAndCombo resolves the key spec and wrapping choices of an input.
func (s *Session) keyAndCombo(keySpec, combo byte) (types.KeySpec, combo) {
	spec := s.specs[int(keySpec)%len(s.specs)]
	combos := s.combos[spec]
	return spec, combos[int(combo)%len(combos)]
}

// modulusBytes is the size of a wrapping key spec's modulus in bytes: where
// the RSA block of an RSA_AES_KEY_WRAP blob ends (0 for a spec without an
// RSA modulus, which the fuzzers never pick).
func modulusBytes(spec types.WrappingKeySpec) int {
	n, _ := wrappool.ModulusBits(spec)
	return n / 8
}

// RunEncryptedKeyMaterial runs one FuzzImportEncryptedKeyMaterial input.
func (s *Session) RunEncryptedKeyMaterial(ctx context.Context, data []byte) Result {
	const fuzzer = "FuzzImportEncryptedKeyMaterial"
	s.mu.Lock()
	defer s.mu.Unlock()
	in := decodeEncrypted(data)
	spec, c := s.keyAndCombo(in.keySpec, in.combo)
	sl, err := s.slot(ctx, slotID{spec, in.role})
	if err == nil {
		err = s.params(ctx, sl, c)
	}
	if err != nil {
		return s.setupFailure(fuzzer, fmt.Sprintf("%s %s key, %s", in.role, spec, c), err)
	}
	never := types.ExpirationModelTypeKeyMaterialDoesNotExpire
	a := attempt{slot: sl}
	var description string
	for _, w := range []*worldKey{&sl.oracle, &sl.target} {
		p := w.params[c][latest]
		blob, err := sl.ownWrapping(w, c)
		if err != nil {
			return s.setupFailure(fuzzer, fmt.Sprintf("%s %s key, %s", in.role, spec, c), err)
		}
		edited, what := applyEdits(blob, in.edits, modulusBytes(c.Spec))
		req := importRequest{in: kmsapi.ImportKeyMaterialInput{KeyId: &w.id, ImportToken: p.token, EncryptedKeyMaterial: edited, ExpirationModel: &never}}
		if w == &sl.oracle {
			a.oracle = req
			intact := bytes.Equal(edited, blob)
			a.pkcs1 = !intact && c.Algorithm == types.AlgorithmSpecRsaesPkcs1V15
			a.rules = editRules(in.edits)
			if intact {
				a.rules = validImportRules(in.role)
			}
			description = fmt.Sprintf("ImportKeyMaterial into a %s %s key with its %s parameters; EncryptedKeyMaterial: the key's material (%s) wrapped correctly, then %s: %s; ExpirationModel %s",
				in.role, spec, c, redact(sl.material.Bytes), describeEdits(what), redact(edited), never)
		} else {
			a.target = req
		}
	}
	a.request = description
	return s.runImport(ctx, fuzzer, a, time.Now())
}

// validImportRules are the rules a valid import exercises: with parameters
// that are not the key's latest (IMP-018), a first import, or a reimport.
func validImportRules(r role) []string {
	if r == fresh {
		return []string{"IMP-064", "IMP-069", "IMP-018"}
	}
	return []string{"IMP-065", "IMP-069", "IMP-018"}
}

// setupFailure is the result of an input whose key or parameters could not
// be set up: on the target that is a failure of the target (a KMS must
// create an EXTERNAL key of an importable spec and give parameters for it).
func (s *Session) setupFailure(fuzzer, what string, err error) Result {
	r := Result{Fuzzer: fuzzer, Target: s.targetName, Profile: s.profile, Input: what, setup: true}
	r.problem("setting up the input failed: %v", err)
	return r
}
