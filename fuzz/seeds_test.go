package fuzz

import (
	"fmt"
	"strings"
)

// Seed indexes. A key spec byte indexes the profile's importable key specs,
// which the oracle lists in fixtures/material's order: in profiles 2023 and
// 2025 RSA_2048, RSA_3072, RSA_4096, ECC_NIST_P256, ECC_NIST_P384,
// ECC_NIST_P521, ECC_SECG_P256K1, SYMMETRIC_DEFAULT, HMAC_224 to HMAC_512,
// then (2025) ECC_NIST_EDWARDS25519. In profile 2022 every index is
// SYMMETRIC_DEFAULT, the one importable spec. A combo byte indexes the key
// spec's wrapping combinations (wrapping key size, then algorithm).
const (
	seedRSA2048   = 0
	seedP256      = 3
	seedP521      = 5
	seedSymmetric = 7
	seedHMAC256   = 9
	seedEd25519   = 12
)

// namedSeeds are the seed corpus, by fuzzer: each a decoded input with a
// name that says what it checks.
func namedSeeds() map[string][]corpusEntry {
	return map[string][]corpusEntry{
		"FuzzImportEncryptedKeyMaterial": encryptedSeeds(),
		"FuzzImportToken":                tokenSeeds(),
		"FuzzImportRequest":              requestSeeds(),
		"FuzzWireRequest":                wireSeeds(),
	}
}

var editNames = [...]string{
	editFlipBit: "flip-bit", editXORByte: "xor-byte", editTruncate: "truncate", editAppend: "append",
	editDelete: "delete", editInsert: "insert", editSwapParts: "swap-parts", editReplace: "replace",
	editEmpty: "empty", editOversize: "oversize", editDouble: "double",
}

func encryptedSeeds() []corpusEntry {
	var out []corpusEntry
	add := func(name string, in encryptedInput) { out = append(out, corpusEntry{name, in.encode()}) }
	// A correct wrapping of every key spec, each with another combination.
	for spec := byte(0); spec <= seedEd25519; spec++ {
		add(fmt.Sprintf("valid-spec%02d-bound", spec), encryptedInput{keySpec: spec, role: bound, combo: spec})
	}
	add("valid-symmetric-fresh", encryptedInput{keySpec: seedSymmetric, role: fresh, combo: 1})
	add("valid-hmac-fresh", encryptedInput{keySpec: seedHMAC256, role: fresh, combo: 2})
	// Every edit once, on a symmetric key, across the wrapping combinations.
	for kind := editKind(0); kind < editKinds; kind++ {
		e := edit{kind: kind, pos: 17 + int(kind), arg: 3}
		if kind == editAppend || kind == editInsert {
			e.data = fill([]byte(editNames[kind]), int(e.arg)+1)
		}
		add("symmetric-"+editNames[kind], encryptedInput{keySpec: seedSymmetric, role: role(kind % 2), combo: byte(kind), edits: []edit{e}})
	}
	// The RSA_AES_KEY_WRAP layout: parts swapped, the key wrap cut or
	// extended, the RSA block changed (RSA and ECC keys wrap this way).
	add("rsa-swap-parts", encryptedInput{keySpec: seedRSA2048, role: bound, edits: []edit{{kind: editSwapParts}}})
	add("rsa-truncate-keywrap", encryptedInput{keySpec: seedRSA2048, role: bound, combo: 1, edits: []edit{{kind: editTruncate, pos: 300}}})
	add("rsa-flip-rsa-block", encryptedInput{keySpec: seedRSA2048, role: fresh, edits: []edit{{kind: editFlipBit, pos: 5, arg: 7}}})
	add("ecc-xor-keywrap", encryptedInput{keySpec: seedP521, role: bound, combo: 3, edits: []edit{{kind: editXORByte, pos: 1000, arg: 0x80}}})
	// Two edits that cancel: the blob is intact again and imports.
	add("flip-twice-restores", encryptedInput{keySpec: seedSymmetric, role: bound, combo: 1, edits: []edit{{kind: editFlipBit, pos: 9, arg: 1}, {kind: editFlipBit, pos: 9, arg: 1}}})
	add("truncate-then-append", encryptedInput{keySpec: seedSymmetric, role: bound, combo: 2, edits: []edit{{kind: editTruncate, pos: 100}, {kind: editAppend, arg: 1, data: []byte{0, 0}}}})
	return out
}

var tokenChoiceSeedNames = [...]string{
	tokenOwn: "own", tokenEarlierSet: "earlier-set-latest-public-key", tokenEarlierOwn: "earlier-set",
	tokenOtherKey: "other-key", tokenOtherKeyMine: "other-key-own-public-key", tokenOtherCombo: "other-combination",
	tokenEdited: "edited", tokenEmpty: "empty", tokenRandom: "random", tokenOversize: "oversize",
}

func tokenSeeds() []corpusEntry {
	var out []corpusEntry
	add := func(name string, in tokenInput) { out = append(out, corpusEntry{name, in.encode()}) }
	for choice := tokenChoice(0); choice < tokenChoices; choice++ {
		for _, r := range []role{bound, fresh} {
			in := tokenInput{keySpec: seedSymmetric, role: r, combo: byte(choice), choice: choice, other: 1}
			switch choice {
			case tokenEdited:
				in.edits = []edit{{kind: editXORByte, pos: 40 + int(r), arg: 9}}
			case tokenRandom:
				in.random = fill([]byte("never a token"), 64)
			}
			add(fmt.Sprintf("symmetric-%s-%s", r, tokenChoiceSeedNames[choice]), in)
		}
	}
	// The binding rules on the other key families.
	for _, spec := range []byte{seedHMAC256, seedRSA2048, seedP256, seedEd25519} {
		add(fmt.Sprintf("spec%02d-earlier-set-latest-public-key", spec), tokenInput{keySpec: spec, role: bound, choice: tokenEarlierSet})
		add(fmt.Sprintf("spec%02d-other-key", spec), tokenInput{keySpec: spec, role: fresh, choice: tokenOtherKey})
	}
	// Edits of every kind on the token.
	for kind := editKind(0); kind < editKinds; kind++ {
		e := edit{kind: kind, pos: 3 * int(kind), arg: 1}
		if kind == editAppend || kind == editInsert {
			e.data = fill(nil, 2)
		}
		add("edited-"+editNames[kind], tokenInput{keySpec: seedSymmetric, role: bound, combo: 1, choice: tokenEdited, edits: []edit{e}})
	}
	return out
}

func requestSeeds() []corpusEntry {
	var out []corpusEntry
	add := func(name string, in requestInput) { out = append(out, corpusEntry{name, in.encode()}) }
	sym := func(r role) requestInput { return requestInput{keySpec: seedSymmetric, role: r} }
	add("valid-default", requestInput{})
	add("valid-symmetric-fresh", sym(fresh))
	// Material.
	for _, n := range []int{0, 16, 24, 31} {
		in := sym(fresh)
		in.material, in.length = materialTruncated, n
		add(fmt.Sprintf("symmetric-fresh-material-%d-bytes", n), in)
	}
	for _, r := range []role{bound, fresh} {
		in := sym(r)
		in.material, in.length, in.bytes = materialExtended, 1, []byte{0x33}
		add("symmetric-"+r.String()+"-material-33-bytes", in)
		in = sym(r)
		in.material, in.length, in.bytes = materialRandom, 32, fill([]byte("other 32 bytes"), 32)
		add("symmetric-"+r.String()+"-other-32-bytes", in)
		in = sym(r)
		in.material = materialOtherKey
		add("symmetric-"+r.String()+"-other-key-material", in)
		in = sym(r)
		in.material, in.at = materialXOR, 5
		add("symmetric-"+r.String()+"-material-byte-changed", in)
		in = sym(r)
		in.material = materialEmpty
		add("symmetric-"+r.String()+"-material-empty", in)
	}
	for _, n := range []int{27, 28, 128, 129} {
		in := requestInput{keySpec: seedHMAC256 - 1, role: fresh, material: materialRandom, length: n, bytes: fill(nil, n)}
		add(fmt.Sprintf("hmac224-fresh-material-%d-bytes", n), in)
	}
	for _, spec := range []byte{seedRSA2048, seedP256, seedEd25519} {
		for which := range 4 {
			add(fmt.Sprintf("spec%02d-bound-encoding-%d", spec, which), requestInput{keySpec: spec, role: bound, material: materialEncoding, at: which})
		}
		add(fmt.Sprintf("spec%02d-fresh-truncated", spec), requestInput{keySpec: spec, role: fresh, material: materialTruncated, length: 200})
	}
	// Empty material under RSA_AES_KEY_WRAP: there is no key wrap of
	// nothing, so the blob is the RSA block alone.
	emptyKeyWrap := sym(fresh)
	emptyKeyWrap.material, emptyKeyWrap.blobAlg = materialEmpty, 4
	add("symmetric-fresh-material-empty-rsa-aes-key-wrap", emptyKeyWrap)
	// Wrapping the material with another algorithm than the token's.
	for alg := byte(1); alg <= 5; alg++ {
		in := sym(bound)
		in.combo, in.blobAlg = 1, alg
		add(fmt.Sprintf("symmetric-blob-algorithm-%d", alg), in)
	}
	// ExpirationModel without ValidTo, and with one.
	for e := expirationChoice(0); e < expirationChoices; e++ {
		in := sym(bound)
		in.expiration = e
		add(fmt.Sprintf("expiration-%d-without-validto", e), in)
		in.validTo = validToHour
		add(fmt.Sprintf("expiration-%d-validto-hour", e), in)
	}
	// Every ValidTo with KEY_MATERIAL_EXPIRES.
	for v := validToChoice(1); v < validToChoices; v++ {
		in := sym(fresh)
		in.expiration, in.validTo, in.offset = expirationExpires, v, 0x1234abcd
		add(fmt.Sprintf("validto-%02d", v), in)
	}
	negative := sym(bound)
	negative.expiration, negative.validTo, negative.offset = expirationAbsent, validToOffset, 0xfffff000
	add("validto-offset-negative", negative)
	// ImportType, KeyMaterialId and KeyMaterialDescription (profile 2025;
	// ignored before).
	for _, r := range []role{bound, fresh} {
		for t := importTypeChoice(0); t < importTypeChoices; t++ {
			for _, id := range []materialIDChoice{materialIDAbsent, materialIDOwn, materialIDRandom} {
				in := sym(r)
				in.importType, in.materialID = t, id
				add(fmt.Sprintf("symmetric-%s-importtype-%d-materialid-%d", r, t, id), in)
			}
		}
	}
	newOther := sym(bound)
	newOther.importType, newOther.material = importTypeNew, materialOtherKey
	add("symmetric-bound-new-material", newOther)
	for id := materialIDShort; id < materialIDChoices; id++ {
		in := sym(bound)
		in.materialID = id
		add(fmt.Sprintf("symmetric-materialid-%d", id), in)
	}
	for d := descriptionChoice(1); d < descriptionChoices; d++ {
		in := sym(bound)
		in.description = d
		add(fmt.Sprintf("symmetric-description-%d", d), in)
		in.keySpec = seedHMAC256
		add(fmt.Sprintf("hmac-description-%d", d), in)
	}
	hmacType := requestInput{keySpec: seedHMAC256, role: bound, importType: importTypeExisting}
	add("hmac-importtype-existing", hmacType)
	// How the key is named.
	for k := keyIDChoice(1); k < keyIDChoices; k++ {
		in := sym(bound)
		in.keyID = k
		add(fmt.Sprintf("keyid-%d", k), in)
	}
	return out
}

func wireSeeds() []corpusEntry {
	var out []corpusEntry
	add := func(name string, in wireInput) { out = append(out, corpusEntry{name, in.encode()}) }
	imp := func() wireInput {
		return wireInput{operation: wireImport, keySpec: seedSymmetric, role: bound, combo: 1}
	}
	for op := wireOperation(0); op < wireOperations; op++ {
		for _, r := range []role{bound, fresh} {
			add(fmt.Sprintf("%s-%s-valid", strings.ToLower(wireOperationNames[op]), r), wireInput{operation: op, keySpec: seedSymmetric, role: r})
		}
	}
	for form := bodyForm(1); form < bodyForms; form++ {
		in := imp()
		in.form, in.cut, in.raw = form, 40, []byte(`{"KeyId": 1}`)
		add(fmt.Sprintf("body-form-%d", form), in)
	}
	for i := range contentTypes[1:] {
		in := imp()
		in.contentType = byte(i + 1)
		add(fmt.Sprintf("content-type-%d", i+1), in)
	}
	for i := 1; i < 6; i++ {
		in := imp()
		in.target = byte(i)
		add(fmt.Sprintf("target-%d", i), in)
	}
	for i := 1; i < len(methods); i++ {
		in := imp()
		in.method = byte(i)
		add(fmt.Sprintf("method-%d", i), in)
	}
	// Every value in every member of ImportKeyMaterial.
	for m := range wireMembers[wireImport] {
		for v := wireValue(0); v < valueChoices; v++ {
			if v == valueOverLimit && m > 0 {
				continue // one body over the limit is enough
			}
			in := imp()
			in.edits = []wireEdit{{kind: wireSet, member: byte(m), value: v, arg: byte(m)}}
			add(fmt.Sprintf("set-%s-value-%02d", strings.ToLower(wireMembers[wireImport][m]), v), in)
		}
		for _, kind := range []wireEditKind{wireRemove, wireUnknown, wireDuplicate, wireRename, wireMoveLast} {
			in := imp()
			in.edits = []wireEdit{{kind: kind, member: byte(m), value: valueString}}
			add(fmt.Sprintf("edit-%d-%s", kind, strings.ToLower(wireMembers[wireImport][m])), in)
		}
	}
	for op := wireParameters; op < wireOperations; op++ {
		for m := range wireMembers[op] {
			for _, v := range []wireValue{valueNumber, valueEmptyString, valueNull, valueEnum, valueHuge} {
				in := wireInput{operation: op, keySpec: seedSymmetric, role: bound, edits: []wireEdit{{kind: wireSet, member: byte(m), value: v}}}
				add(fmt.Sprintf("%s-set-%s-value-%02d", strings.ToLower(wireOperationNames[op]), strings.ToLower(wireMembers[op][m]), v), in)
			}
		}
	}
	same := imp()
	same.edits = []wireEdit{{kind: wireDuplicate, member: 3, value: valueEnum, arg: 1}}
	add("duplicate-same-value", same)
	return out
}
