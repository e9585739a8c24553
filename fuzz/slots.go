package fuzz

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsconform/kmsconform/fixtures/material"
	"github.com/kmsconform/kmsconform/fixtures/wrap"
	"github.com/kmsconform/kmsconform/harness/keys"
	"github.com/kmsconform/kmsconform/harness/reference/kmsapi"
	"github.com/kmsconform/kmsconform/harness/reference/rules"
)

// role is what a slot's key is for.
type role byte

const (
	// bound keys hold their slot's material, imported without expiry: the
	// reimport rules apply, and an earlier ciphertext (MAC, signature) must
	// keep working after every rejected call.
	bound role = iota
	// fresh keys have never had material: the first-import rules apply.
	fresh
)

func (r role) String() string {
	if r == bound {
		return "bound"
	}
	return "fresh"
}

// slotID names a slot: a key spec and a role.
type slotID struct {
	spec types.KeySpec
	role role
}

// slot is a key the fuzzers import into, made the same way on the target
// and in the oracle. Every input starts from the slot as it was made: an
// input whose accepted call changes the key (new expiry, new material, a
// first import) or that finds a fault retires the slot, and the next input
// gets a new one. So an input's outcome does not depend on the inputs before
// it, and a failure replays from its input alone.
type slot struct {
	id slotID
	// material is the slot's own material: what a bound key holds, what a
	// fresh key is offered.
	material material.Material
	target   worldKey
	oracle   worldKey
	canary   canary // bound keys only
	// before is the target's key as it was when the slot was made;
	// fingerprint is the oracle's record then.
	before      keyView
	fingerprint string
}

// worldKey is a slot's key in one world, the target or the oracle.
type worldKey struct {
	id     string
	arn    string
	params map[combo]*[2]paramSet
	// wrapped holds the slot's material wrapped for the latest parameter
	// set of a combination: made once, used by every input that sends it
	// (wrapping is randomised; any correct wrapping will do).
	wrapped map[combo][]byte
	// materialID is the KeyMaterialId the world gave the slot's material
	// (profile 2025); "" when it reports none.
	materialID string
}

// paramSet is one GetParametersForImport response.
type paramSet struct {
	token     []byte
	publicKey []byte
	validTo   time.Time
}

// The two parameter sets a slot's key holds per combination, in the order
// they were fetched.
const (
	earlier = 0
	latest  = 1
)

// paramsRefresh is how long before their expiry a key's parameters are
// fetched anew (they live 24 hours, IMP-012, and are reused until then).
const paramsRefresh = time.Hour

// slot returns the slot for id, making it when there is none.
func (s *Session) slot(ctx context.Context, id slotID) (*slot, error) {
	if sl, ok := s.slots[id]; ok {
		return sl, nil
	}
	sl, err := s.newSlot(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("setting up a %s %s key: %w", id.role, id.spec, err)
	}
	s.slots[id] = sl
	return sl, nil
}

// retire takes a slot out of use and schedules the deletion of its target
// key at once, so that keys do not pile up on an endpoint over a long run.
// Cleanup never fails an input: a key left behind is `kmsconform sweep`'s.
func (s *Session) retire(ctx context.Context, sl *slot) {
	if s.slots[sl.id] == sl {
		delete(s.slots, sl.id)
		_ = s.deleteKey(ctx, sl.target.id)
	}
}

func (s *Session) newSlot(ctx context.Context, id slotID) (*slot, error) {
	m, err := material.New(id.spec)
	if err != nil {
		return nil, err
	}
	sl := &slot{id: id, material: m}
	spec, usage, origin := id.spec, keyUsage(id.spec), types.OriginTypeExternal
	desc := "kmsconform fuzz key, run " + s.runID
	tagKey, tagValue := keys.RunTagKey, s.runID
	in := kmsapi.CreateKeyInput{KeySpec: &spec, KeyUsage: &usage, Origin: &origin, Description: &desc}
	oracleOut, err := s.oracle.createKey(&in)
	if err != nil {
		return nil, fmt.Errorf("the oracle refused CreateKey: %w", err)
	}
	in.Tags = []kmsapi.Tag{{TagKey: &tagKey, TagValue: &tagValue}}
	var targetOut kmsapi.CreateKeyOutput
	if a := s.target.call(ctx, "CreateKey", &in, &targetOut); !a.OK() || a.Malformed != "" || targetOut.KeyMetadata == nil || targetOut.KeyMetadata.KeyId == nil {
		return nil, failure("CreateKey (Origin EXTERNAL)", a)
	}
	sl.target = worldKey{id: *targetOut.KeyMetadata.KeyId, arn: deref(targetOut.KeyMetadata.Arn), params: map[combo]*[2]paramSet{}, wrapped: map[combo][]byte{}}
	sl.oracle = worldKey{id: *oracleOut.KeyMetadata.KeyId, arn: deref(oracleOut.KeyMetadata.Arn), params: map[combo]*[2]paramSet{}, wrapped: map[combo][]byte{}}
	if err := s.prepare(ctx, sl); err != nil {
		_ = s.deleteKey(ctx, sl.target.id)
		return nil, err
	}
	return sl, nil
}

// prepare gives a new slot's bound keys their material and canary, and
// records how the keys look.
func (s *Session) prepare(ctx context.Context, sl *slot) error {
	if sl.id.role == bound {
		if err := s.importOwnMaterial(ctx, sl); err != nil {
			return err
		}
		var err error
		if sl.canary, err = s.makeCanary(ctx, sl); err != nil {
			return err
		}
	}
	record := s.record(sl)
	targetView, oracleView, err := s.views(ctx, sl, record)
	if err != nil {
		return err
	}
	if targetView != oracleView {
		return fmt.Errorf("after setup the target's key is %s, the oracle's %s", targetView, oracleView)
	}
	sl.before = targetView
	sl.fingerprint = recordFingerprint(record)
	return nil
}

// importOwnMaterial gives a bound slot's keys their material, without
// expiry, with the first wrapping combination the key spec accepts and a
// parameter set of its own, fetched just before: a target that honours only
// a key's latest parameters (against IMP-018) fails the inputs that use
// earlier ones, not the making of every key.
func (s *Session) importOwnMaterial(ctx context.Context, sl *slot) error {
	c := s.combos[sl.id.spec][0]
	target, oracle, err := s.fetchParams(ctx, sl, c, 1)
	if err != nil {
		return err
	}
	never := types.ExpirationModelTypeKeyMaterialDoesNotExpire
	for _, w := range []*worldKey{&sl.target, &sl.oracle} {
		p := target[0]
		if w == &sl.oracle {
			p = oracle[0]
		}
		blob, err := wrap.Wrap(c.Algorithm, p.publicKey, sl.material.Bytes)
		if err != nil {
			return fmt.Errorf("wrapping the key's material with %s: %w", c, err)
		}
		in := kmsapi.ImportKeyMaterialInput{KeyId: &w.id, ImportToken: p.token, EncryptedKeyMaterial: blob, ExpirationModel: &never}
		var out *kmsapi.ImportKeyMaterialOutput
		if w == &sl.oracle {
			if out, err = s.oracle.importMaterial(&in); err != nil {
				return fmt.Errorf("the oracle refused the key's first import: %w", err)
			}
		} else {
			out = &kmsapi.ImportKeyMaterialOutput{}
			if a := s.target.call(ctx, "ImportKeyMaterial", &in, out); !a.OK() || a.Malformed != "" {
				return failure("ImportKeyMaterial of valid material wrapped with "+c.String(), a)
			}
		}
		if out.KeyMaterialId != nil {
			w.materialID = *out.KeyMaterialId
		}
	}
	return nil
}

// params makes sure both worlds hold two live parameter sets of the slot's
// key for c, which the inputs use until an hour before they expire: the
// latest, which the inputs send unless they are about earlier parameters,
// and the one fetched just before it (IMP-018, IMP-060).
func (s *Session) params(ctx context.Context, sl *slot, c combo) error {
	stale := func(p *[2]paramSet) bool { return p == nil || time.Until(p[0].validTo) < paramsRefresh }
	if !stale(sl.target.params[c]) && !stale(sl.oracle.params[c]) {
		return nil
	}
	target, oracle, err := s.fetchParams(ctx, sl, c, 2)
	if err != nil {
		return err
	}
	sl.target.params[c], sl.oracle.params[c] = &[2]paramSet{target[0], target[1]}, &[2]paramSet{oracle[0], oracle[1]}
	delete(sl.target.wrapped, c)
	delete(sl.oracle.wrapped, c)
	return nil
}

// fetchParams asks both worlds for n parameter sets of the slot's key for
// c. Each world's are fetched back to back, so that a correct target gives
// them different wrapping key pairs even when, like the embedded reference,
// it hands out key pairs from a small cycle.
func (s *Session) fetchParams(ctx context.Context, sl *slot, c combo, n int) (target, oracle []paramSet, err error) {
	for range n {
		in := kmsapi.GetParametersForImportInput{KeyId: &sl.target.id, WrappingAlgorithm: &c.Algorithm, WrappingKeySpec: &c.Spec}
		var out kmsapi.GetParametersForImportOutput
		if a := s.target.call(ctx, "GetParametersForImport", &in, &out); !a.OK() || a.Malformed != "" || len(out.ImportToken) == 0 || len(out.PublicKey) == 0 {
			return nil, nil, failure("GetParametersForImport "+c.String(), a)
		}
		// IMP-013: the wrappings of both worlds must be equally long for
		// an input to make the same request of both.
		if pub, err := wrap.ParseWrappingKey(out.PublicKey); err != nil || pub.Size() != modulusBytes(c.Spec) {
			return nil, nil, fmt.Errorf("GetParametersForImport %s returned a PublicKey that is not an RSA key of %d bits (IMP-013)", c, 8*modulusBytes(c.Spec))
		}
		target = append(target, paramSet{token: out.ImportToken, publicKey: out.PublicKey, validTo: validToOf(out.ParametersValidTo)})
	}
	for range n {
		in := kmsapi.GetParametersForImportInput{KeyId: &sl.oracle.id, WrappingAlgorithm: &c.Algorithm, WrappingKeySpec: &c.Spec}
		out, err := s.oracle.getParameters(&in)
		if err != nil {
			return nil, nil, fmt.Errorf("the oracle refused GetParametersForImport %s: %w", c, err)
		}
		oracle = append(oracle, paramSet{token: out.ImportToken, publicKey: out.PublicKey, validTo: validToOf(out.ParametersValidTo)})
	}
	return target, oracle, nil
}

// ownWrapping returns the slot's material wrapped for the latest parameter
// set of c in world w.
func (sl *slot) ownWrapping(w *worldKey, c combo) ([]byte, error) {
	if blob, ok := w.wrapped[c]; ok {
		return blob, nil
	}
	blob, err := wrap.Wrap(c.Algorithm, w.params[c][latest].publicKey, sl.material.Bytes)
	if err != nil {
		return nil, fmt.Errorf("wrapping the key's material with %s: %w", c, err)
	}
	w.wrapped[c] = blob
	return blob, nil
}

// validToOf is a ParametersValidTo; a target that sends none is taken to
// give AWS's 24 hours.
func validToOf(t *kmsapi.Timestamp) time.Time {
	if t == nil {
		return time.Now().Add(24 * time.Hour)
	}
	return t.Time
}

// keyView is what the checks after each call compare: the parts of
// DescribeKey an import can change. ValidTo is compared in whole seconds.
type keyView struct {
	State           types.KeyState
	Enabled         bool
	ExpirationModel types.ExpirationModelType
	ValidTo         int64 // Unix seconds; 0 when absent
}

func (v keyView) String() string {
	s := fmt.Sprintf("%s (Enabled=%v", v.State, v.Enabled)
	if v.ExpirationModel != "" {
		s += ", " + string(v.ExpirationModel)
	}
	if v.ValidTo != 0 {
		s += ", ValidTo " + time.Unix(v.ValidTo, 0).UTC().Format(time.RFC3339)
	}
	return s + ")"
}

func viewOf(m *kmsapi.KeyMetadata) keyView {
	v := keyView{State: m.KeyState, Enabled: m.Enabled, ExpirationModel: m.ExpirationModel}
	if m.ValidTo != nil {
		v.ValidTo = m.ValidTo.Unix()
	}
	return v
}

// views describes the slot's key in both worlds: the target's as
// DescribeKey answers, the oracle's as DescribeKey decides on record (the
// oracle's record of the key now, or after a call as the oracle predicts
// it).
func (s *Session) views(ctx context.Context, sl *slot, record rules.Key) (target, oracle keyView, err error) {
	var out kmsapi.DescribeKeyOutput
	a := s.target.call(ctx, "DescribeKey", &kmsapi.DescribeKeyInput{KeyId: &sl.target.id}, &out)
	if !a.OK() || a.Malformed != "" || out.KeyMetadata == nil {
		return keyView{}, keyView{}, failure("DescribeKey", a)
	}
	oracle, err = s.oracle.view(record, time.Now())
	if err != nil {
		return keyView{}, keyView{}, fmt.Errorf("the oracle refused DescribeKey: %w", err)
	}
	return viewOf(out.KeyMetadata), oracle, nil
}

// record returns the oracle's record of the slot's key as it holds it.
func (s *Session) record(sl *slot) rules.Key {
	k, _ := s.oracle.record(sl.oracle.id)
	return k
}

// recordFingerprint is a key record without what every import changes
// (counters): what must be unchanged for a slot to stay in use.
func recordFingerprint(k rules.Key) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s", k.State)
	for _, m := range k.Materials {
		fmt.Fprintf(&b, "|%s %s %s %d %q %v", m.ID, m.State, m.ExpirationModel, m.ValidTo.UnixMilli(), m.Description, m.Key != nil)
	}
	return b.String()
}

// canary is something done with a bound key when it was made (a ciphertext,
// a MAC, a signature) that must keep working as long as the key holds the
// same material: after every rejected call, and after a reimport.
type canary struct {
	operation string
	in        any
	message   []byte
}

var canaryMessage = []byte("kmsconform fuzz canary")

func (s *Session) makeCanary(ctx context.Context, sl *slot) (canary, error) {
	id := &sl.target.id
	switch keyUsage(sl.id.spec) {
	case types.KeyUsageTypeEncryptDecrypt:
		var out kmsapi.EncryptOutput
		if a := s.target.call(ctx, "Encrypt", &kmsapi.EncryptInput{KeyId: id, Plaintext: canaryMessage}, &out); !a.OK() || a.Malformed != "" {
			return canary{}, failure("Encrypt with the imported material", a)
		}
		return canary{operation: "Decrypt", in: &kmsapi.DecryptInput{KeyId: id, CiphertextBlob: out.CiphertextBlob}, message: canaryMessage}, nil
	case types.KeyUsageTypeGenerateVerifyMac:
		alg := material.MacAlgorithm(sl.id.spec)
		var out kmsapi.GenerateMacOutput
		if a := s.target.call(ctx, "GenerateMac", &kmsapi.GenerateMacInput{KeyId: id, Message: canaryMessage, MacAlgorithm: &alg}, &out); !a.OK() || a.Malformed != "" {
			return canary{}, failure("GenerateMac with the imported material", a)
		}
		return canary{operation: "VerifyMac", in: &kmsapi.VerifyMacInput{KeyId: id, Message: canaryMessage, MacAlgorithm: &alg, Mac: out.Mac}}, nil
	}
	alg := material.SigningAlgorithms(sl.id.spec)[0]
	raw := types.MessageTypeRaw
	var out kmsapi.SignOutput
	if a := s.target.call(ctx, "Sign", &kmsapi.SignInput{KeyId: id, Message: canaryMessage, MessageType: &raw, SigningAlgorithm: &alg}, &out); !a.OK() || a.Malformed != "" {
		return canary{}, failure("Sign with the imported material", a)
	}
	return canary{operation: "Verify", in: &kmsapi.VerifyInput{KeyId: id, Message: canaryMessage, MessageType: &raw, SigningAlgorithm: &alg, Signature: out.Signature}}, nil
}

// checkCanary reports whether the slot's canary still works.
func (s *Session) checkCanary(ctx context.Context, sl *slot) error {
	var out struct {
		Plaintext      []byte
		MacValid       bool
		SignatureValid bool
	}
	a := s.target.call(ctx, sl.canary.operation, sl.canary.in, &out)
	switch {
	case !a.OK() || a.Malformed != "":
		return failure(sl.canary.operation+" of what the key made before", a)
	case sl.canary.operation == "Decrypt" && !bytes.Equal(out.Plaintext, sl.canary.message):
		return fmt.Errorf("the ciphertext the key made before decrypts to other plaintext (%d bytes)", len(out.Plaintext))
	case sl.canary.operation == "VerifyMac" && !out.MacValid:
		return errors.New("the MAC the key made before no longer verifies (VerifyMac answered MacValid=false)")
	case sl.canary.operation == "Verify" && !out.SignatureValid:
		return errors.New("the signature the key made before no longer verifies (Verify answered SignatureValid=false)")
	}
	return nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
