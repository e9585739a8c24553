package fuzz

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsconform/kmsconform/fixtures/material"
	"github.com/kmsconform/kmsconform/fixtures/wrap"
	"github.com/kmsconform/kmsconform/harness/reference/kmsapi"
)

// The choices of a FuzzImportRequest input. Each list starts with the plain,
// valid choice, so the zero input is a valid request.

// materialChoice is the key material of a request.
type materialChoice byte

const (
	materialOwn       materialChoice = iota // the key's own material
	materialOtherKey                        // the other key's material: valid, but not this key's
	materialTruncated                       // the key's material cut to a length
	materialExtended                        // the key's material with bytes appended
	materialRandom                          // bytes of a length
	materialXOR                             // the key's material with one byte changed
	materialEmpty                           // no bytes
	materialEncoding                        // the key's private key in another encoding (asymmetric keys)
	materialChoices
)

// expirationChoice is the ExpirationModel member.
type expirationChoice byte

const (
	expirationNever expirationChoice = iota // KEY_MATERIAL_DOES_NOT_EXPIRE
	expirationAbsent
	expirationExpires   // KEY_MATERIAL_EXPIRES
	expirationEmpty     // ""
	expirationUnknown   // not in the enum
	expirationLowerCase // key_material_expires
	expirationChoices
)

// validToChoice is the ValidTo member, relative to the time the input is
// decoded at.
type validToChoice byte

const (
	validToAbsent       validToChoice = iota
	validToHour                       // an hour ahead
	validToPastDay                    // a day ago
	validToPastMilli                  // a millisecond ago
	validToNow                        // now, to the millisecond
	validToFraction                   // hours ahead, with microseconds
	validTo365Minus                   // 365 days ahead less a second
	validTo365                        // exactly 365 days ahead
	validTo365Plus                    // 365 days and a second ahead
	validTo365PlusMilli               // 365 days and a millisecond ahead
	validToYear9999                   // the last second of 9999
	validToHuge                       // 10^15 seconds
	validToEpoch                      // 0
	validToNegative                   // -1
	validToOffset                     // now plus a signed offset from the input (positive ones at least a minute)
	validToExponent                   // a number in exponent notation (now + 2 days)
	validToChoices
)

// importTypeChoice is the ImportType member (profile 2025; members before
// it are ignored, as AWS ignored members it did not know).
type importTypeChoice byte

const (
	importTypeAbsent importTypeChoice = iota
	importTypeNew
	importTypeExisting
	importTypeEmpty
	importTypeUnknown
	importTypeChoices
)

// materialIDChoice is the KeyMaterialId member.
type materialIDChoice byte

const (
	materialIDAbsent    materialIDChoice = iota
	materialIDOwn                        // the ID the world gave the key's material (a made-up one if it gave none)
	materialIDRandom                     // 64 lowercase hex digits of no material
	materialIDShort                      // 63 hex digits
	materialIDUpperCase                  // 64 uppercase hex digits
	materialIDEmpty
	materialIDChoices
)

// descriptionChoice is the KeyMaterialDescription member.
type descriptionChoice byte

const (
	descriptionAbsent descriptionChoice = iota
	descriptionValid
	descriptionEmpty
	descriptionBadCharacter
	descriptionTooLong // 257 characters
	descriptionChoices
)

// keyIDChoice is how the request names the key.
type keyIDChoice byte

const (
	keyIDPlain   keyIDChoice = iota // the key ID
	keyIDARN                        // the key ARN
	keyIDAlias                      // an alias name
	keyIDUnknown                    // a key ID of no key
	keyIDBadARN                     // a string that starts like an ARN and is not one
	keyIDTooLong                    // 2049 characters
	keyIDChoices
)

// requestInput is a FuzzImportRequest input: a whole ImportKeyMaterial
// request, decoded field by field.
type requestInput struct {
	keySpec     byte
	role        role
	combo       byte
	blobAlg     byte // 0: the token's algorithm; else one of fixtures/wrap's algorithms
	material    materialChoice
	length      int    // materialTruncated, materialExtended, materialRandom: a length
	at          int    // materialXOR: the byte; materialEncoding: which encoding
	bytes       []byte // materialRandom, materialExtended: the bytes
	expiration  expirationChoice
	validTo     validToChoice
	offset      uint32 // validToFraction, validToOffset
	importType  importTypeChoice
	materialID  materialIDChoice
	description descriptionChoice
	keyID       keyIDChoice
}

// maxMaterialLength bounds decoded material lengths: above the largest
// valid material (an RSA-4096 PKCS#8 key, about 2.4 KB).
const maxMaterialLength = 4096

// notableLengths are the material lengths where the length rules draw their
// lines (IMP-040, IMP-041): the other AES key sizes, none, one byte, one short
// of and one over 32 bytes, and each side of the HMAC bounds (28, 32, 48 and
// 64 bytes at least, 128 at most). A length byte below len(notableLengths)
// picks one; any other byte is followed by a length of two bytes.
var notableLengths = []int{16, 24, 31, 33, 0, 1, 27, 28, 47, 48, 63, 64, 127, 128, 129}

func decodeRequest(data []byte) requestInput {
	src := &source{data: data}
	in := requestInput{
		keySpec:  src.byte(),
		role:     role(src.byte() & 1),
		combo:    src.byte(),
		blobAlg:  src.byte(),
		material: materialChoice(src.choose(int(materialChoices))),
	}
	switch in.material {
	case materialTruncated, materialExtended, materialRandom:
		if b := int(src.byte()); b < len(notableLengths) {
			in.length = notableLengths[b]
		} else {
			in.length = src.uint16() % (maxMaterialLength + 1)
		}
		if in.material != materialTruncated {
			in.bytes = fill(src.take(in.length), in.length)
		}
	case materialXOR, materialEncoding:
		in.at = src.uint16()
	}
	in.expiration = expirationChoice(src.choose(int(expirationChoices)))
	in.validTo = validToChoice(src.choose(int(validToChoices)))
	if in.validTo == validToFraction || in.validTo == validToOffset {
		in.offset = src.uint32()
	}
	in.importType = importTypeChoice(src.choose(int(importTypeChoices)))
	in.materialID = materialIDChoice(src.choose(int(materialIDChoices)))
	in.description = descriptionChoice(src.choose(int(descriptionChoices)))
	in.keyID = keyIDChoice(src.choose(int(keyIDChoices)))
	return in
}

func (in requestInput) encode() []byte {
	enc := &encoder{}
	enc.byte(in.keySpec)
	enc.byte(byte(in.role))
	enc.byte(in.combo)
	enc.byte(in.blobAlg)
	enc.byte(byte(in.material))
	switch in.material {
	case materialTruncated, materialExtended, materialRandom:
		if i := slices.Index(notableLengths, in.length); i >= 0 {
			enc.byte(byte(i))
		} else {
			enc.byte(0xff)
			enc.uint16(in.length)
		}
		if in.material != materialTruncated {
			enc.bytes(in.bytes)
		}
	case materialXOR, materialEncoding:
		enc.uint16(in.at)
	}
	enc.byte(byte(in.expiration))
	enc.byte(byte(in.validTo))
	if in.validTo == validToFraction || in.validTo == validToOffset {
		enc.uint32(in.offset)
	}
	enc.byte(byte(in.importType))
	enc.byte(byte(in.materialID))
	enc.byte(byte(in.description))
	enc.byte(byte(in.keyID))
	return enc.out
}

// RunImportRequest runs one FuzzImportRequest input.
func (s *Session) RunImportRequest(ctx context.Context, data []byte) Result {
	const fuzzer = "FuzzImportRequest"
	s.mu.Lock()
	defer s.mu.Unlock()
	in := decodeRequest(data)
	spec, c := s.keyAndCombo(in.keySpec, in.combo)
	now := time.Now().UTC().Truncate(time.Millisecond)
	a, err := s.requestAttempt(ctx, in, spec, c, now)
	if err != nil {
		return s.setupFailure(fuzzer, fmt.Sprintf("%s %s key, %s", in.role, spec, c), err)
	}
	return s.runImport(ctx, fuzzer, a, now)
}

func (s *Session) requestAttempt(ctx context.Context, in requestInput, spec types.KeySpec, c combo, now time.Time) (attempt, error) {
	sl, err := s.slot(ctx, slotID{spec, in.role})
	if err != nil {
		return attempt{}, err
	}
	if err := s.params(ctx, sl, c); err != nil {
		return attempt{}, err
	}
	var otherMaterial []byte
	if in.material == materialOtherKey {
		other, err := s.slot(ctx, slotID{spec, 1 - in.role})
		if err != nil {
			return attempt{}, err
		}
		otherMaterial = other.material.Bytes
	}
	blobAlg := c.Algorithm
	if in.blobAlg != 0 {
		algs := wrap.Algorithms()
		blobAlg = algs[int(in.blobAlg-1)%len(algs)]
	}
	plain, materialWhat, rules := in.keyMaterial(sl.material, otherMaterial)
	if capacity := wrap.Capacity(blobAlg, c.Spec); len(plain) > capacity {
		plain = plain[:capacity]
		materialWhat += fmt.Sprintf(", cut to the %d bytes %s carries under %s", capacity, blobAlg, c.Spec)
	}
	if blobAlg != c.Algorithm {
		rules = append(rules, "IMP-038")
	}
	if len(plain) == 0 && (blobAlg == types.AlgorithmSpecRsaAesKeyWrapSha1 || blobAlg == types.AlgorithmSpecRsaAesKeyWrapSha256) {
		materialWhat += " (AES-KWP wraps no empty message: the blob is the RSA block alone)"
	}
	a := attempt{slot: sl, rules: rules}
	a.pkcs1 = blobAlg != c.Algorithm && (blobAlg == types.AlgorithmSpecRsaesPkcs1V15 || c.Algorithm == types.AlgorithmSpecRsaesPkcs1V15)

	validToText, validToWhat, validToRules := in.validToText(now)
	a.rules = append(a.rules, validToRules...)
	var fields []string
	for _, world := range []string{"oracle", "target"} {
		w := &sl.oracle
		if world == "target" {
			w = &sl.target
		}
		p := w.params[c][latest]
		blob, err := wrapRequestMaterial(blobAlg, p.publicKey, plain, c.Spec)
		if err != nil {
			return attempt{}, fmt.Errorf("wrapping %d bytes with %s under the %s public key: %w", len(plain), blobAlg, c.Spec, err)
		}
		req := importRequest{in: kmsapi.ImportKeyMaterialInput{ImportToken: p.token, EncryptedKeyMaterial: blob}}
		var keyWhat string
		req.in.KeyId, keyWhat = in.keyRef(w)
		if validToText != "" {
			if err := req.setValidTo(validToText); err != nil {
				return attempt{}, fmt.Errorf("ValidTo %s does not read as a timestamp: %w", validToText, err)
			}
		}
		fieldsWhat := in.optionalMembers(&req.in, w)
		if world == "oracle" {
			a.oracle = req
			fields = append([]string{keyWhat}, fieldsWhat...)
		} else {
			a.target = req
		}
	}
	a.rules = append(a.rules, in.memberRules(spec)...)
	a.rules = append(a.rules, validImportRules(in.role)...)
	a.request = fmt.Sprintf("ImportKeyMaterial into a %s %s key; KeyId: %s; ImportToken: the key's own (%s); EncryptedKeyMaterial: %s wrapped with %s under the token's %s public key (%s); ValidTo: %s; %s",
		in.role, spec, fields[0], c, materialWhat, blobAlg, c.Spec, redact(a.oracle.in.EncryptedKeyMaterial), validToWhat, strings.Join(fields[1:], "; "))
	return a, nil
}

// wrapRequestMaterial wraps material as a client does. Empty material
// under RSA_AES_KEY_WRAP_* has no wrapping (AES-KWP takes at least one
// byte): what a client then sends is the RSA-OAEP block of the AES key
// alone.
func wrapRequestMaterial(alg types.AlgorithmSpec, publicKey, plain []byte, spec types.WrappingKeySpec) ([]byte, error) {
	if len(plain) > 0 || (alg != types.AlgorithmSpecRsaAesKeyWrapSha1 && alg != types.AlgorithmSpecRsaAesKeyWrapSha256) {
		return wrap.Wrap(alg, publicKey, plain)
	}
	blob, err := wrap.Wrap(alg, publicKey, []byte{0})
	if err != nil {
		return nil, err
	}
	return blob[:modulusBytes(spec)], nil
}

// keyMaterial returns the material of the request, what it is, and the
// rules a defect of it exercises.
func (in requestInput) keyMaterial(own material.Material, other []byte) ([]byte, string, []string) {
	spec := own.Spec
	lengthRules := materialRules(spec)
	switch in.material {
	case materialOtherKey:
		return other, "the other key's material (" + redact(other) + ")", []string{"IMP-067", "IMP-072", "IMP-078", "IMP-064"}
	case materialTruncated:
		n := min(in.length, len(own.Bytes))
		if n == len(own.Bytes) && n > 0 {
			n--
		}
		b := own.Bytes[:n]
		return b, fmt.Sprintf("the key's material cut to %d bytes (%s)", n, redact(b)), lengthRules
	case materialExtended:
		b := append(append([]byte(nil), own.Bytes...), in.bytes...)
		return b, fmt.Sprintf("the key's material with %d bytes appended (%s)", len(in.bytes), redact(b)), lengthRules
	case materialRandom:
		return in.bytes, fmt.Sprintf("%d bytes that are not the key's material (%s)", len(in.bytes), redact(in.bytes)), append(lengthRules, "IMP-067")
	case materialXOR:
		b := append([]byte(nil), own.Bytes...)
		if len(b) > 0 {
			b[in.at%len(b)] ^= 0x5a
		}
		return b, fmt.Sprintf("the key's material with byte %d changed (%s)", in.at%max(1, len(b)), redact(b)), append(lengthRules, "IMP-067")
	case materialEmpty:
		return []byte{}, "no material (0 bytes)", lengthRules
	case materialEncoding:
		if b, what, ok := otherEncoding(own, in.at); ok {
			return b, what + " (" + redact(b) + ")", lengthRules
		}
	}
	return own.Bytes, "the key's own material (" + redact(own.Bytes) + ")", nil
}

// otherEncoding re-encodes an asymmetric key's material: not PKCS#8 (which
// KMS rejects), BER rather than DER, a compressed EC point (which KMS
// accepts), or DER cut by one byte.
func otherEncoding(own material.Material, which int) ([]byte, string, bool) {
	if own.PublicKeyDER == nil {
		return nil, "", false
	}
	type encoding struct {
		what string
		make func(material.Material) ([]byte, error)
	}
	encodings := []encoding{
		{"the key's private key not in PKCS#8", material.NotPKCS8},
		{"the key's private key in BER, not DER", material.BER},
		{"the key's private key with a compressed public point", material.CompressedPointEC},
		{"the key's PKCS#8 cut by one byte", func(m material.Material) ([]byte, error) { return material.TruncatedDER(m), nil }},
	}
	e := encodings[which%len(encodings)]
	b, err := e.make(own)
	if err != nil {
		// Not applicable to this key type (a compressed point of an RSA
		// key): the cut DER instead.
		return material.TruncatedDER(own), "the key's PKCS#8 cut by one byte", true
	}
	return b, e.what, true
}

// materialRules are the rules on the material of a key spec.
func materialRules(spec types.KeySpec) []string {
	switch {
	case spec == types.KeySpecSymmetricDefault:
		return []string{"IMP-040", "IMP-068"}
	case material.HMACLength(spec) > 0:
		return []string{"IMP-041", "IMP-068"}
	case material.RSABits(spec) > 0:
		return []string{"IMP-042", "IMP-045", "IMP-068"}
	}
	return []string{"IMP-043", "IMP-045", "IMP-068"}
}

// validToText returns ValidTo as written on the wire ("" when absent), what
// it is, and the rules it exercises.
func (in requestInput) validToText(now time.Time) (string, string, []string) {
	seconds := func(t time.Time) string {
		return strconv.FormatFloat(float64(t.UnixMilli())/1e3, 'f', -1, 64)
	}
	const year = 365 * 24 * time.Hour
	switch in.validTo {
	case validToHour:
		return seconds(now.Add(time.Hour)), "an hour ahead", []string{"IMP-052"}
	case validToPastDay:
		return seconds(now.Add(-24 * time.Hour)), "a day ago", []string{"IMP-052"}
	case validToPastMilli:
		return seconds(now.Add(-time.Millisecond)), "a millisecond ago", []string{"IMP-052"}
	case validToNow:
		return seconds(now), "now", []string{"IMP-052"}
	case validToFraction:
		hours := time.Duration(in.offset%48+1) * time.Hour
		t := now.Add(hours).Truncate(time.Second)
		micros := in.offset % 1_000_000
		return fmt.Sprintf("%d.%06d", t.Unix(), micros), fmt.Sprintf("%v ahead with %d microseconds", hours, micros), []string{"IMP-053"}
	case validTo365Minus:
		return seconds(now.Add(year - time.Second)), "365 days ahead less a second", []string{"IMP-053"}
	case validTo365:
		return seconds(now.Add(year)), "exactly 365 days ahead", []string{"IMP-053"}
	case validTo365Plus:
		return seconds(now.Add(year + time.Second)), "365 days and a second ahead", []string{"IMP-053"}
	case validTo365PlusMilli:
		return seconds(now.Add(year + time.Millisecond)), "365 days and a millisecond ahead", []string{"IMP-053"}
	case validToYear9999:
		return "253402300799", "the last second of 9999", []string{"IMP-053"}
	case validToHuge:
		return "1000000000000000", "10^15 seconds after 1970", []string{"IMP-053"}
	case validToEpoch:
		return "0", "1970-01-01", []string{"IMP-052"}
	case validToNegative:
		return "-1", "a second before 1970", []string{"IMP-052"}
	case validToOffset:
		d := time.Duration(int32(in.offset)) * time.Second
		if d > 0 && d < time.Minute {
			d += time.Minute
		}
		return seconds(now.Add(d)), fmt.Sprintf("now %+v", d), []string{"IMP-052", "IMP-053"}
	case validToExponent:
		t := now.Add(48 * time.Hour).Truncate(time.Second)
		return strconv.FormatFloat(float64(t.Unix()), 'e', -1, 64), "two days ahead in exponent notation", []string{"IMP-052"}
	}
	return "", "absent", nil
}

// keyRef returns how the request names the world's key, and what that is.
func (in requestInput) keyRef(w *worldKey) (*string, string) {
	ref := w.id
	switch in.keyID {
	case keyIDARN:
		ref = w.arn
		return &ref, "the key ARN"
	case keyIDAlias:
		ref = "alias/kmsconform-fuzz-no-such-alias"
		return &ref, ref
	case keyIDUnknown:
		ref = "0000aaaa-bb11-cc22-dd33-eeeeee444444"
		return &ref, "the ID of no key (" + ref + ")"
	case keyIDBadARN:
		ref = "arn:aws:kms:key/" + w.id
		return &ref, "an ARN without Region and account"
	case keyIDTooLong:
		ref = strings.Repeat("k", 2049)
		return &ref, "2049 characters"
	}
	return &ref, "the key ID"
}

// optionalMembers sets ExpirationModel, ImportType, KeyMaterialId and
// KeyMaterialDescription, and describes them.
func (in requestInput) optionalMembers(r *kmsapi.ImportKeyMaterialInput, w *worldKey) []string {
	var what []string
	set := func(name, value string) *string {
		what = append(what, fmt.Sprintf("%s %q", name, value))
		return &value
	}
	switch in.expiration {
	case expirationNever:
		v := types.ExpirationModelType(*set("ExpirationModel", string(types.ExpirationModelTypeKeyMaterialDoesNotExpire)))
		r.ExpirationModel = &v
	case expirationExpires:
		v := types.ExpirationModelType(*set("ExpirationModel", string(types.ExpirationModelTypeKeyMaterialExpires)))
		r.ExpirationModel = &v
	case expirationEmpty:
		v := types.ExpirationModelType(*set("ExpirationModel", ""))
		r.ExpirationModel = &v
	case expirationUnknown:
		v := types.ExpirationModelType(*set("ExpirationModel", "KEY_MATERIAL_NEVER_EXPIRES"))
		r.ExpirationModel = &v
	case expirationLowerCase:
		v := types.ExpirationModelType(*set("ExpirationModel", "key_material_expires"))
		r.ExpirationModel = &v
	default:
		what = append(what, "ExpirationModel absent")
	}
	switch in.importType {
	case importTypeNew:
		v := types.ImportType(*set("ImportType", string(types.ImportTypeNewKeyMaterial)))
		r.ImportType = &v
	case importTypeExisting:
		v := types.ImportType(*set("ImportType", string(types.ImportTypeExistingKeyMaterial)))
		r.ImportType = &v
	case importTypeEmpty:
		v := types.ImportType(*set("ImportType", ""))
		r.ImportType = &v
	case importTypeUnknown:
		v := types.ImportType(*set("ImportType", "ROTATE_KEY_MATERIAL"))
		r.ImportType = &v
	}
	fake := sha256.Sum256([]byte("kmsconform: a key material ID of no material"))
	switch in.materialID {
	case materialIDOwn:
		id := w.materialID
		if id == "" {
			id = hex.EncodeToString(fake[:])
		}
		r.KeyMaterialId = &id
		what = append(what, "KeyMaterialId: the ID the key's material got")
	case materialIDRandom:
		r.KeyMaterialId = set("KeyMaterialId", hex.EncodeToString(fake[:]))
	case materialIDShort:
		r.KeyMaterialId = set("KeyMaterialId", hex.EncodeToString(fake[:])[:63])
	case materialIDUpperCase:
		r.KeyMaterialId = set("KeyMaterialId", strings.ToUpper(hex.EncodeToString(fake[:])))
	case materialIDEmpty:
		r.KeyMaterialId = set("KeyMaterialId", "")
	}
	switch in.description {
	case descriptionValid:
		r.KeyMaterialDescription = set("KeyMaterialDescription", "kmsconform fuzz material")
	case descriptionEmpty:
		r.KeyMaterialDescription = set("KeyMaterialDescription", "")
	case descriptionBadCharacter:
		r.KeyMaterialDescription = set("KeyMaterialDescription", "no * allowed")
	case descriptionTooLong:
		v := strings.Repeat("d", 257)
		r.KeyMaterialDescription = &v
		what = append(what, "KeyMaterialDescription of 257 characters")
	}
	return what
}

// memberRules are the rules the members other than the material exercise.
func (in requestInput) memberRules(spec types.KeySpec) []string {
	var ids []string
	switch in.expiration {
	case expirationAbsent, expirationExpires:
		if in.validTo == validToAbsent {
			ids = append(ids, "IMP-050", "IMP-142")
		}
	case expirationNever:
		if in.validTo != validToAbsent {
			ids = append(ids, "IMP-051")
		}
	default:
		ids = append(ids, "IMP-047", "IMP-142")
	}
	multiMaterial := in.importType != importTypeAbsent || in.materialID != materialIDAbsent || in.description != descriptionAbsent
	if multiMaterial && spec != types.KeySpecSymmetricDefault {
		ids = append(ids, "IMP-074")
	}
	switch in.importType {
	case importTypeNew:
		ids = append(ids, "IMP-072", "IMP-075", "IMP-077")
		if in.materialID != materialIDAbsent {
			ids = append(ids, "IMP-079")
		}
	case importTypeExisting:
		ids = append(ids, "IMP-072", "IMP-078")
	case importTypeEmpty, importTypeUnknown:
		ids = append(ids, "IMP-047")
	}
	switch in.materialID {
	case materialIDOwn, materialIDRandom:
		ids = append(ids, "IMP-080")
	case materialIDShort, materialIDUpperCase, materialIDEmpty:
		ids = append(ids, "IMP-047")
	}
	switch in.description {
	case descriptionValid:
		ids = append(ids, "IMP-081")
	case descriptionEmpty, descriptionBadCharacter, descriptionTooLong:
		ids = append(ids, "IMP-047")
	}
	switch in.keyID {
	case keyIDAlias, keyIDTooLong:
		ids = append(ids, "IMP-047")
	case keyIDUnknown:
		ids = append(ids, "IMP-140")
	case keyIDBadARN:
		ids = append(ids, "IMP-141")
	}
	return ids
}
