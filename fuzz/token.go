package fuzz

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsconform/kmsconform/fixtures/wrap"
	"github.com/kmsconform/kmsconform/harness/reference/kmsapi"
)

// tokenChoice is which import token an input sends, and under which public
// key the material is wrapped.
type tokenChoice byte

const (
	tokenOwn          tokenChoice = iota // the key's latest parameter set, material wrapped for it
	tokenEarlierSet                      // the key's earlier parameter set, material wrapped for the latest (IMP-060)
	tokenEarlierOwn                      // the key's earlier parameter set, material wrapped for it (IMP-018)
	tokenOtherKey                        // a token of the other key of the same spec, material wrapped for that key (IMP-057)
	tokenOtherKeyMine                    // a token of the other key, material wrapped for this key's latest set (IMP-057)
	tokenOtherCombo                      // this key's token for another wrapping, material wrapped for this one (IMP-038)
	tokenEdited                          // this key's token, edited (IMP-057)
	tokenEmpty                           // an empty token (IMP-047)
	tokenRandom                          // bytes that were never a token (IMP-057)
	tokenOversize                        // this key's token padded past 6144 bytes (IMP-047)
	tokenChoices
)

var tokenChoiceNames = [...]string{
	tokenOwn:          "the key's own token, material wrapped for it",
	tokenEarlierSet:   "the token of the key's earlier GetParametersForImport response, material wrapped under the latest response's public key",
	tokenEarlierOwn:   "the token of the key's earlier GetParametersForImport response, material wrapped for it",
	tokenOtherKey:     "a token issued for the other key of the same spec, material wrapped under that response's public key",
	tokenOtherKeyMine: "a token issued for the other key of the same spec, material wrapped for this key's own parameters",
	tokenOtherCombo:   "this key's token of another wrapping combination, material wrapped for this one",
	tokenEdited:       "this key's own token, edited",
	tokenEmpty:        "an empty token",
	tokenRandom:       "bytes that never were a token",
	tokenOversize:     "this key's own token padded with zeros past the 6144-byte limit",
}

var tokenChoiceRules = [...][]string{
	tokenOwn:          nil, // validImportRules
	tokenEarlierSet:   {"IMP-060", "IMP-038", "IMP-014"},
	tokenEarlierOwn:   {"IMP-018", "IMP-039"},
	tokenOtherKey:     {"IMP-057"},
	tokenOtherKeyMine: {"IMP-057"},
	tokenOtherCombo:   {"IMP-038"},
	tokenEdited:       {"IMP-057", "IMP-047"},
	tokenEmpty:        {"IMP-047"},
	tokenRandom:       {"IMP-057"},
	tokenOversize:     {"IMP-047"},
}

// tokenInput is a FuzzImportToken input: a key, a wrapping combination, the
// token choice and, for tokenEdited, the edits (tokenRandom takes its length
// and bytes from the input too). The material is the key's own, the rest of
// the request valid (ExpirationModel KEY_MATERIAL_DOES_NOT_EXPIRE).
type tokenInput struct {
	keySpec byte
	role    role
	combo   byte
	choice  tokenChoice
	other   byte   // tokenOtherCombo: which other combination
	edits   []edit // tokenEdited
	random  []byte // tokenRandom: 1 to 1024 bytes
}

func decodeToken(data []byte) tokenInput {
	src := &source{data: data}
	in := tokenInput{
		keySpec: src.byte(),
		role:    role(src.byte() & 1),
		combo:   src.byte(),
		choice:  tokenChoice(src.choose(int(tokenChoices))),
	}
	switch in.choice {
	case tokenOtherCombo:
		in.other = src.byte()
	case tokenEdited:
		in.edits = decodeEdits(src)
		if len(in.edits) == 0 {
			in.edits = []edit{{kind: editFlipBit}}
		}
	case tokenRandom:
		n := src.uint16()%1024 + 1
		in.random = fill(src.take(n), n)
	}
	return in
}

func (in tokenInput) encode() []byte {
	enc := &encoder{}
	enc.byte(in.keySpec)
	enc.byte(byte(in.role))
	enc.byte(in.combo)
	enc.byte(byte(in.choice))
	switch in.choice {
	case tokenOtherCombo:
		enc.byte(in.other)
	case tokenEdited:
		encodeEdits(enc, in.edits)
	case tokenRandom:
		enc.uint16(len(in.random) - 1)
		enc.bytes(in.random)
	}
	return enc.out
}

// RunImportToken runs one FuzzImportToken input.
func (s *Session) RunImportToken(ctx context.Context, data []byte) Result {
	const fuzzer = "FuzzImportToken"
	s.mu.Lock()
	defer s.mu.Unlock()
	in := decodeToken(data)
	spec, c := s.keyAndCombo(in.keySpec, in.combo)
	what := fmt.Sprintf("%s %s key, %s, %s", in.role, spec, c, tokenChoiceNames[in.choice])
	a, err := s.tokenAttempt(ctx, in, spec, c)
	if err != nil {
		return s.setupFailure(fuzzer, what, err)
	}
	return s.runImport(ctx, fuzzer, a, time.Now())
}

func (s *Session) tokenAttempt(ctx context.Context, in tokenInput, spec types.KeySpec, c combo) (attempt, error) {
	sl, err := s.slot(ctx, slotID{spec, in.role})
	if err != nil {
		return attempt{}, err
	}
	if err := s.params(ctx, sl, c); err != nil {
		return attempt{}, err
	}
	// The other key of the same spec (the other role), whose parameters
	// tokenOtherKey* use, and the other combination of tokenOtherCombo.
	var other *slot
	if in.choice == tokenOtherKey || in.choice == tokenOtherKeyMine {
		if other, err = s.slot(ctx, slotID{spec, 1 - in.role}); err != nil {
			return attempt{}, err
		}
		if err := s.params(ctx, other, c); err != nil {
			return attempt{}, err
		}
	}
	otherCombo := c
	if in.choice == tokenOtherCombo {
		combos := s.combos[spec]
		otherCombo = combos[int(in.other)%len(combos)]
		if otherCombo == c {
			otherCombo = combos[(int(in.other)+1)%len(combos)]
		}
		if err := s.params(ctx, sl, otherCombo); err != nil {
			return attempt{}, err
		}
	}

	never := types.ExpirationModelTypeKeyMaterialDoesNotExpire
	a := attempt{slot: sl, rules: tokenChoiceRules[in.choice]}
	if in.choice == tokenOwn {
		a.rules = validImportRules(in.role)
	}
	worlds := [2]*worldKey{&sl.oracle, &sl.target}
	var tokens, blobs [2][]byte
	for i, own := range worlds {
		var otherKey *worldKey
		if other != nil {
			otherKey = [2]*worldKey{&other.oracle, &other.target}[i]
		}
		sets := own.params[c]
		token, wrapFor := sets[latest].token, sets[latest].publicKey
		switch in.choice {
		case tokenEarlierSet:
			token = sets[earlier].token
		case tokenEarlierOwn:
			token, wrapFor = sets[earlier].token, sets[earlier].publicKey
		case tokenOtherKey:
			token, wrapFor = otherKey.params[c][latest].token, otherKey.params[c][latest].publicKey
		case tokenOtherKeyMine:
			token = otherKey.params[c][latest].token
		case tokenOtherCombo:
			token = own.params[otherCombo][latest].token
		case tokenEdited:
			token, _ = applyEdits(token, in.edits, 0)
		case tokenEmpty:
			token = []byte{}
		case tokenRandom:
			token = in.random
		case tokenOversize:
			token = append(append([]byte(nil), token...), make([]byte, max(0, maxBlob+1-len(token)))...)
		}
		var blob []byte
		if bytes.Equal(wrapFor, sets[latest].publicKey) {
			blob, err = sl.ownWrapping(own, c)
		} else if blob, err = wrap.Wrap(c.Algorithm, wrapFor, sl.material.Bytes); err != nil {
			err = fmt.Errorf("wrapping the key's material with %s: %w", c, err)
		}
		if err != nil {
			return attempt{}, err
		}
		tokens[i], blobs[i] = token, blob
	}
	tokenWhat := redact(tokens[0])
	if in.choice == tokenEdited {
		var what []string
		tokens, what = editedTokens(sl.oracle.params[c][latest].token, sl.target.params[c][latest].token, tokens, in.edits)
		tokenWhat = describeEdits(what) + ": " + redact(tokens[0])
	}
	for i, w := range worlds {
		req := importRequest{in: kmsapi.ImportKeyMaterialInput{KeyId: &w.id, ImportToken: tokens[i], EncryptedKeyMaterial: blobs[i], ExpirationModel: &never}}
		if i == 0 {
			a.oracle = req
		} else {
			a.target = req
		}
	}
	// A PKCS#1 v1.5 block unwrapped with a key pair or algorithm other than
	// its own may pass its padding check by chance (see agree).
	pkcs1 := c.Algorithm == types.AlgorithmSpecRsaesPkcs1V15 || otherCombo.Algorithm == types.AlgorithmSpecRsaesPkcs1V15
	a.pkcs1 = pkcs1 && (in.choice == tokenEarlierSet || in.choice == tokenOtherCombo)
	desc := fmt.Sprintf("ImportKeyMaterial into a %s %s key with %s parameters; ImportToken: %s (%s)", in.role, spec, c, tokenChoiceNames[in.choice], tokenWhat)
	if in.choice == tokenOtherCombo {
		desc += fmt.Sprintf("; the token's combination: %s", otherCombo)
	}
	a.request = fmt.Sprintf("%s; EncryptedKeyMaterial: the key's material (%s), %s; ExpirationModel %s", desc, redact(sl.material.Bytes), redact(a.oracle.in.EncryptedKeyMaterial), never)
	return a, nil
}

// editedTokens makes the edited tokens of the two worlds the same kind of
// defect. The worlds' tokens differ in length (each issuer writes its own),
// so edits by position can leave one empty, over the 6144-byte limit, or
// back as it was where the other is not: then both are emptied, both padded
// past the limit, and a token left as it was has its first byte changed, so
// that the input stands for one request whatever the token lengths.
func editedTokens(oracleOriginal, targetOriginal []byte, edited [2][]byte, edits []edit) ([2][]byte, []string) {
	_, what := applyEdits(oracleOriginal, edits, 0)
	switch {
	case len(edited[0]) == 0 || len(edited[1]) == 0:
		if len(edited[0]) != len(edited[1]) {
			what = append(what, "empty (as the edits leave the other world's token)")
		}
		return [2][]byte{{}, {}}, what
	case len(edited[0]) > maxBlob || len(edited[1]) > maxBlob:
		if len(edited[0]) <= maxBlob || len(edited[1]) <= maxBlob {
			what = append(what, "padded past the limit (as the edits leave the other world's token)")
		}
		for i := range edited {
			if len(edited[i]) <= maxBlob {
				edited[i] = append(edited[i], make([]byte, maxBlob+1-len(edited[i]))...)
			}
		}
		return edited, what
	}
	for i, original := range [2][]byte{oracleOriginal, targetOriginal} {
		if bytes.Equal(edited[i], original) {
			edited[i] = append([]byte(nil), edited[i]...)
			edited[i][0] ^= 1
			if i == 0 {
				what = append(what, "the edits cancel out: flip bit 0 of byte 0")
			}
		}
	}
	return edited, what
}
