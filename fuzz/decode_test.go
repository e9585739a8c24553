package fuzz

import (
	"bytes"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsconform/kmsconform/fixtures/material"
	"github.com/kmsconform/kmsconform/suites/catalogue"
)

// TestEncodeInvertsDecode: every named seed decodes to the input it was
// encoded from, so seed names say what the seeds are.
func TestEncodeInvertsDecode(t *testing.T) {
	reencode := map[string]func([]byte) []byte{
		"FuzzImportEncryptedKeyMaterial": func(b []byte) []byte { return decodeEncrypted(b).encode() },
		"FuzzImportToken":                func(b []byte) []byte { return decodeToken(b).encode() },
		"FuzzImportRequest":              func(b []byte) []byte { return decodeRequest(b).encode() },
		"FuzzWireRequest":                func(b []byte) []byte { return decodeWire(b).encode() },
	}
	for fuzzer, seeds := range namedSeeds() {
		for _, seed := range seeds {
			if got := reencode[fuzzer](seed.data); !bytes.Equal(got, seed.data) {
				t.Errorf("%s/%s: encoded as %x, decodes and encodes again as %x", fuzzer, seed.name, seed.data, got)
			}
		}
	}
}

// TestDecodeAnyBytes: every input decodes, the empty one included.
func TestDecodeAnyBytes(t *testing.T) {
	for _, data := range [][]byte{nil, {0xff}, bytes.Repeat([]byte{0xff}, 64), fill([]byte("any"), 5000)} {
		decodeEncrypted(data)
		decodeToken(data)
		decodeRequest(data)
		decodeWire(data)
	}
}

// TestEditsChangeTheBytes: every edit changes a non-empty input, so an edit
// means the same defect in both worlds.
func TestEditsChangeTheBytes(t *testing.T) {
	original := fill([]byte("a wrapped key"), 300)
	for kind := editKind(0); kind < editKinds; kind++ {
		for _, pos := range []int{0, 1, 299, 300, 65535} {
			e := edit{kind: kind, pos: pos, arg: 0, data: []byte{0}}
			got, _ := applyEdits(original, []edit{e}, 256)
			if bytes.Equal(got, original) {
				t.Errorf("%s at %d left the bytes as they were", editNames[kind], pos)
			}
		}
	}
}

// TestEditedTokens: edits that leave one world's token empty, over the
// limit or as it was are evened out.
func TestEditedTokens(t *testing.T) {
	oracle, target := fill([]byte("oracle token"), 1345), fill([]byte("target token"), 1344)
	edit2 := func(edits ...edit) [2][]byte {
		var out [2][]byte
		out[0], _ = applyEdits(oracle, edits, 0)
		out[1], _ = applyEdits(target, edits, 0)
		got, _ := editedTokens(oracle, target, out, edits)
		return got
	}
	// Swapping the halves twice restores the even-length target token
	// only: its first byte is changed.
	swap := edit{kind: editSwapParts}
	if got := edit2(swap, swap); bytes.Equal(got[1], target) || bytes.Equal(got[0], oracle) {
		t.Errorf("two swaps: a token is left as it was (oracle %v, target %v)", bytes.Equal(got[0], oracle), bytes.Equal(got[1], target))
	}
	// Truncating at 1344 empties the target's token only: both are
	// emptied.
	if got := edit2(edit{kind: editTruncate, pos: 1344}); len(got[0]) != 0 || len(got[1]) != 0 {
		t.Errorf("a truncation that empties one token: got lengths %d, %d, want both empty", len(got[0]), len(got[1]))
	}
	// Padding past the limit does so in both worlds.
	if got := edit2(edit{kind: editOversize}); len(got[0]) <= maxBlob || len(got[1]) <= maxBlob {
		t.Errorf("padding past the limit: got lengths %d, %d", len(got[0]), len(got[1]))
	}
}

func TestClassify(t *testing.T) {
	for _, c := range []struct {
		status    int
		body      string
		code      string
		malformed bool
	}{
		{200, `{}`, "", false},
		{200, ``, "", false},
		{200, `<html>`, "", true},
		{400, `{"__type":"InvalidCiphertextException","message":"no"}`, "InvalidCiphertextException", false},
		{400, `{"__type":"com.amazonaws.kms#NotFoundException","Message":"no"}`, "NotFoundException", false},
		{400, `{"__type":"ValidationException:http://internal.amazon.com/coral/validate/"}`, "ValidationException", false},
		{400, `{"message":"no type"}`, "", true},
		{400, `{"__type":""}`, "", true},
		{500, `Internal Server Error`, "", true},
	} {
		a := classify(c.status, http.Header{}, []byte(c.body))
		if a.Code != c.code || (a.Malformed != "") != c.malformed {
			t.Errorf("HTTP %d %s: code %q, malformed %q; want code %q, malformed %v", c.status, c.body, a.Code, a.Malformed, c.code, c.malformed)
		}
	}
}

func TestAgree(t *testing.T) {
	ok := Answer{Status: 200}
	cipher := Answer{Status: 400, Code: "InvalidCiphertextException"}
	material := Answer{Status: 400, Code: "IncorrectKeyMaterialException"}
	fault := Answer{Status: 500, Code: "KMSInternalException"}
	expectCipher := Expectation{Code: "InvalidCiphertextException"}
	for _, c := range []struct {
		exp          Expectation
		act          Answer
		exact, pkcs1 bool
		want         bool
	}{
		{Expectation{OK: true}, ok, true, false, true},
		{Expectation{OK: true}, cipher, false, false, false},
		{expectCipher, ok, false, false, false},
		{expectCipher, cipher, true, false, true},
		{expectCipher, material, true, false, false},
		{expectCipher, material, false, false, true},
		{expectCipher, material, true, true, true},
		{expectCipher, fault, false, true, false},
	} {
		if got := agree(c.exp, c.act, c.exact, c.pkcs1); got != c.want {
			t.Errorf("agree(%v, %v, exact %v, pkcs1 %v) = %v", c.exp, c.act, c.exact, c.pkcs1, got)
		}
	}
}

// TestRuleIDsExist: every rule id the fuzzers attribute inputs to is in the
// catalogue.
func TestRuleIDsExist(t *testing.T) {
	cat, err := catalogue.Load()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, rules := range tokenChoiceRules {
		ids = append(ids, rules...)
	}
	for _, rules := range wireOperationRules {
		ids = append(ids, rules...)
	}
	ids = append(ids, validImportRules(bound)...)
	ids = append(ids, validImportRules(fresh)...)
	for kind := editKind(0); kind < editKinds; kind++ {
		ids = append(ids, editRules([]edit{{kind: kind}})...)
	}
	own, err := material.New(types.KeySpecSymmetricDefault)
	if err != nil {
		t.Fatal(err)
	}
	for _, spec := range material.Importable() {
		ids = append(ids, materialRules(spec)...)
		in := requestInput{}
		for in.material = 0; in.material < materialChoices; in.material++ {
			_, _, rules := in.keyMaterial(own, own.Bytes)
			ids = append(ids, rules...)
		}
		for in.validTo = 0; in.validTo < validToChoices; in.validTo++ {
			_, _, rules := in.validToText(time.Now())
			ids = append(ids, rules...)
		}
		for in.expiration = 0; in.expiration < expirationChoices; in.expiration++ {
			for in.importType = 0; in.importType < importTypeChoices; in.importType++ {
				for in.materialID = 0; in.materialID < materialIDChoices; in.materialID++ {
					for in.description = 0; in.description < descriptionChoices; in.description++ {
						for in.keyID = 0; in.keyID < keyIDChoices; in.keyID++ {
							ids = append(ids, in.memberRules(spec)...)
						}
					}
				}
			}
		}
	}
	for _, id := range ids {
		if _, ok := cat.Rule(id); !ok {
			t.Errorf("rule %s is not in the catalogue", id)
		}
	}
}
