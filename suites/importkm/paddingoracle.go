package importkm

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/kmsconform/kmsconform/fixtures/wrap"
	"github.com/kmsconform/kmsconform/harness/profile"
	"github.com/kmsconform/kmsconform/suites/catalogue"
	"github.com/kmsconform/kmsconform/suites/conform"
)

// A KMS that answers different undecryptable wrappings differently (another
// error code for bad OAEP padding than for a bad length, or for a failed
// AES-KWP integrity check than for a failed RSA decryption) is a padding
// oracle: Bleichenbacher's and Manger's attacks recover the plaintext of an
// RSA ciphertext, here the key material, from such answers. The spec in this
// file sends every malformed wrapping the fixtures can build, for every
// wrapping algorithm of the profile, and demands one and the same answer.

// oracleProbe is one malformed EncryptedKeyMaterial for a request shape.
type oracleProbe struct {
	what string
	// imp059 is the IMP-059 case the probe is an instance of; empty when the
	// probe's own rule (IMP-037, IMP-038) asserts it in its own spec, and
	// here only its code is compared.
	imp059 string
	build  func(publicKeyDER, m []byte) ([]byte, error)
}

// oracleShape is a request shape: a wrapping algorithm and a key that holds
// material imported with it, so that a probe the target wrongly unwraps
// would be a reimport of the same material and succeed visibly.
type oracleShape struct {
	alg     types.AlgorithmSpec
	keySpec types.KeySpec
}

// oracleShapes are the shapes of profile p, all under RSA_2048 wrapping
// keys, from the wrapping matrix at conformance tier: every algorithm for
// symmetric material, and every other algorithm with an ECC_NIST_P256 key
// (RSA_AES_KEY_WRAP from 2023, documented for ECC keys; for symmetric
// material it is provisional, IMP-035).
func oracleShapes(p profile.Profile) []oracleShape {
	var shapes []oracleShape
	symmetric := symmetricWrappingAlgorithms(p)
	for _, alg := range symmetric {
		shapes = append(shapes, oracleShape{alg, types.KeySpecSymmetricDefault})
	}
	for _, alg := range matrixAlgorithms(p, types.KeySpecEccNistP256, catalogue.Conformance) {
		if !slices.Contains(symmetric, alg) {
			shapes = append(shapes, oracleShape{alg, types.KeySpecEccNistP256})
		}
	}
	return shapes
}

// oracleFlipByte returns blob with the byte at i changed.
func oracleFlipByte(blob []byte, i int) []byte {
	out := bytes.Clone(blob)
	out[i] ^= 0x01
	return out
}

// oracleWrapped returns a correct wrapping of m changed by change.
func oracleWrapped(alg types.AlgorithmSpec, change func([]byte) []byte) func(pub, m []byte) ([]byte, error) {
	return func(pub, m []byte) ([]byte, error) {
		blob, err := wrap.Wrap(alg, pub, m)
		if err != nil {
			return nil, err
		}
		return change(blob), nil
	}
}

// oracleModulusAsCiphertext returns a correct wrapping whose RSA ciphertext
// (all of an RSAES blob, the first part of an RSA_AES_KEY_WRAP one) is
// replaced by the modulus: a value the RSA decryption primitive must refuse
// before computing anything, which a target might answer on its own path.
func oracleModulusAsCiphertext(alg types.AlgorithmSpec) func(pub, m []byte) ([]byte, error) {
	return func(pub, m []byte) ([]byte, error) {
		blob, err := wrap.Wrap(alg, pub, m)
		if err != nil {
			return nil, err
		}
		parsed, err := x509.ParsePKIXPublicKey(pub)
		if err != nil {
			return nil, err
		}
		key, ok := parsed.(*rsa.PublicKey)
		if !ok {
			return nil, fmt.Errorf("the wrapping public key is %T, not RSA", parsed)
		}
		key.N.FillBytes(blob[:key.Size()])
		return blob, nil
	}
}

// oracleCommonProbes are the probes of every algorithm: a correct wrapping
// with one byte changed or cut off or added, random bytes, a wrapping under
// another RSA key, and the wrappings of the profile's other algorithms.
//
// RSAES-PKCS1-v1_5 decoding accepts about one random block in 100,000 (and
// one OAEP block in 430), decoding it to a message of random length that a
// correct target refuses as IncorrectKeyMaterialException, a different answer
// that would fail this spec now and then. So under an RSAES_PKCS1_V1_5 token
// every probe whose decryption the client can choose decrypts to a block it
// knows fails decoding: random bytes are the RSA encryption of a random block
// that is not a PKCS#1 v1.5 block, an OAEP wrapping has an encoded block
// whose second octet is not 0x02, and the "corrupted" case is carried by the
// blocks of oraclePKCS1Probes (a correct block with one octet changed, and
// the like) instead of a ciphertext with one byte changed, whose decryption
// is unknowable. One probe keeps an unknowable decryption, at about 1e-5:
// the wrapping under another RSA key, which a chosen decryption would no
// longer be. The wrapping cut short by one byte is refused for its length
// (RFC 8017 7.2.2 step 1) before any decoding.
func oracleCommonProbes(p profile.Profile, alg types.AlgorithmSpec) []oracleProbe {
	cutShort := "corrupted"
	if wrapIsRSAAES(alg) {
		cutShort = "truncated-rsa-aes"
	}
	pkcs1 := alg == types.AlgorithmSpecRsaesPkcs1V15
	var probes []oracleProbe
	if !pkcs1 {
		probes = append(probes,
			oracleProbe{"a correct wrapping with its first byte changed", "corrupted", oracleWrapped(alg, func(b []byte) []byte { return oracleFlipByte(b, 0) })},
			oracleProbe{"a correct wrapping with a byte in the middle changed", "corrupted", oracleWrapped(alg, func(b []byte) []byte { return oracleFlipByte(b, len(b)/2) })},
			oracleProbe{"a correct wrapping with its last byte changed", "corrupted", oracleWrapped(alg, func(b []byte) []byte { return oracleFlipByte(b, len(b)-1) })},
		)
	}
	random := oracleProbe{"random bytes of the wrapping key's length", "random-bytes", func(pub, m []byte) ([]byte, error) { return materialRandom(256), nil }}
	if pkcs1 {
		random = oracleProbe{"random bytes of the wrapping key's length (RSA of a random non-PKCS#1 block)", "random-bytes", func(pub, m []byte) ([]byte, error) { return wrap.RandomNotPKCS1(pub) }}
	}
	probes = append(probes,
		oracleProbe{"a correct wrapping cut short by one byte", cutShort, oracleWrapped(alg, func(b []byte) []byte { return wrap.Truncate(b, len(b)-1) })},
		random,
		oracleProbe{"a correct wrapping with one byte appended", "", oracleWrapped(alg, func(b []byte) []byte { return append(b, 0x00) })},
		oracleProbe{"a wrapping under another RSA key", "", func(pub, m []byte) ([]byte, error) { return wrap.WrapUnderOtherKey(alg, pub, m) }},
		oracleProbe{"a correct wrapping whose RSA ciphertext is the modulus itself (out of range, RFC 8017 5.1.2 step 1)", "corrupted", oracleModulusAsCiphertext(alg)},
	)
	others := append(symmetricWrappingAlgorithms(p), matrixAlgorithms(p, types.KeySpecSymmetricDefault, catalogue.Provisional)...)
	for _, other := range others {
		if other != alg {
			probes = append(probes, oracleProbe{"a correct " + string(other) + " wrapping", "", wrapWithOtherAlgorithm(alg, other)})
		}
	}
	return probes
}

func wrapIsRSAAES(alg types.AlgorithmSpec) bool {
	return alg == types.AlgorithmSpecRsaAesKeyWrapSha256 || alg == types.AlgorithmSpecRsaAesKeyWrapSha1
}

// oracleOAEPProbes: the malformed OAEP blocks of Wycheproof's
// InvalidOaepPadding vectors, and OAEP with the wrong hash, MGF1 hash or
// label, each under an RSAES_OAEP_* token.
func oracleOAEPProbes(alg types.AlgorithmSpec) []oracleProbe {
	h := wrapOAEPHashOf(alg)
	var probes []oracleProbe
	for _, d := range wrap.OAEPDefects() {
		probe := oracleProbe{"an OAEP block with the defect " + d.String(), "corrupted", func(pub, m []byte) ([]byte, error) { return wrap.MalformedOAEP(pub, h, d, m) }}
		if d == wrap.NonEmptyLabel {
			probe.imp059 = "" // IMP-038 other-algorithm
		}
		probes = append(probes, probe)
	}
	return append(probes,
		oracleProbe{fmt.Sprintf("RSA-OAEP with %v for label and MGF1", wrapOtherOAEPHash(h)), "", func(pub, m []byte) ([]byte, error) {
			return wrap.WrapOAEPWith(pub, wrapOtherOAEPHash(h), wrapOtherOAEPHash(h), nil, m)
		}},
		oracleProbe{fmt.Sprintf("RSA-OAEP with %v for the label and MGF1-%v", h, wrapOtherOAEPHash(h)), "", func(pub, m []byte) ([]byte, error) {
			return wrap.WrapOAEPWith(pub, h, wrapOtherOAEPHash(h), nil, m)
		}})
}

// oraclePKCS1Probes: RSAES-PKCS1-v1_5 blocks that break RFC 8017 7.2.2 step
// 3 one way each, the blocks of Bleichenbacher's attack. Each certainly fails
// decoding, so they stand for the "corrupted" case under an RSAES_PKCS1_V1_5
// token, where a ciphertext with one byte changed would not (see
// oracleCommonProbes).
func oraclePKCS1Probes() []oracleProbe {
	block := func(what string, change func(em, m []byte) []byte) oracleProbe {
		return oracleProbe{what, "corrupted", func(pub, m []byte) ([]byte, error) {
			return wrap.RawRSA(pub, change(handPKCS1v15Block(256, m), m))
		}}
	}
	return []oracleProbe{
		block("a PKCS#1 v1.5 block whose first byte is 0x01", func(em, m []byte) []byte { em[0] = 0x01; return em }),
		block("a PKCS#1 v1.5 block of type 1 (signature padding) instead of 2", func(em, m []byte) []byte { em[1] = 0x01; return em }),
		block("a PKCS#1 v1.5 block with no zero octet after the padding", func(em, m []byte) []byte { handNonZeroRandom(em[2:]); return em }),
		block("a PKCS#1 v1.5 block with 7 octets of padding", func(em, m []byte) []byte {
			// PS shorter than 8 octets: 00 02 PS(7) 00 M', M' filling the rest.
			handNonZeroRandom(em[2:9])
			em[9] = 0x00
			return em
		}),
	}
}

// oracleKWPVectors are invalid AES-KWP ciphertexts of Wycheproof's
// aes_kwp_test.json (testGroups keySize 256, flag ModifiedPadding; Apache
// License 2.0, fixtures/testdata/wycheproof), tcId: comment, key, ct. Each
// unwraps under its key to a failed RFC 5649 integrity check.
var oracleKWPVectors = []struct{ name, key, ct string }{
	{"tcId 186 (Modified IV)", "4f710eb6b5e28703becfc3dc52fa8bc1dd44a4a6d38a84b4f94e89ac32d987e7", "98428fb83dc207033c1585e0242e699be98e0001f1ee15ba"},
	{"tcId 226 (Modified Padding)", "4f710eb6b5e28703becfc3dc52fa8bc1dd44a4a6d38a84b4f94e89ac32d987e7", "64956d333265a8f2547756feab37b81f97786a4ebf491f13"},
	{"tcId 239 (padding too long)", "48a53c11ef2d727db7eb9a834b134ea9602273aca929702eb2c31d96a58c9be2", "86175acf19ad0b7ac60d1fe4bb7850635e7ec6f8a314f85b6dd3d8f9349ea38d"},
	{"tcId 241 (incorrectly encoded length)", "48a53c11ef2d727db7eb9a834b134ea9602273aca929702eb2c31d96a58c9be2", "868c34495bd3d7b4e2c1861e7fcbbdb372099488dd96c9ea"},
	{"tcId 246 (data is incorrectly padded)", "48a53c11ef2d727db7eb9a834b134ea9602273aca929702eb2c31d96a58c9be2", "003f2916fea6827e01199028d3dc4e03889113f97b1860cc242e5a0f28a0f159"},
	{"tcId 248 (length = 0)", "48a53c11ef2d727db7eb9a834b134ea9602273aca929702eb2c31d96a58c9be2", "df9ef924eb59634be5b27cabd33d72bd6be6e01e4672ab05"},
	{"tcId 254 (invalid wrapping of 8 byte key)", "48a53c11ef2d727db7eb9a834b134ea9602273aca929702eb2c31d96a58c9be2", "b3941437f55e7cbc3f88050aff703967"},
}

// oracleRSAAESProbes: RSA_AES_KEY_WRAP blobs with a malformed OAEP block for
// the AES key, a KWP part that fails its integrity check, the parts in the
// wrong order, the other OAEP hash, and cut short. Not an AES-128 or AES-192
// key: whether AWS accepts those is UNCONFIRMED (IMP-037 aes-128-key is
// provisional), and a target that unwraps them correctly gives no oracle.
func oracleRSAAESProbes(alg types.AlgorithmSpec) []oracleProbe {
	h := wrapOAEPHashOf(alg)
	var probes []oracleProbe
	for _, d := range wrap.OAEPDefects() {
		if d == wrap.MessageTooLong {
			continue // the AES key is far below the OAEP capacity
		}
		probe := oracleProbe{"an RSA part with the OAEP defect " + d.String(), "corrupted", func(pub, m []byte) ([]byte, error) { return wrap.MalformedRSAAES(alg, pub, d, m) }}
		if d == wrap.NonEmptyLabel {
			probe.imp059 = ""
		}
		probes = append(probes, probe)
	}
	for _, v := range oracleKWPVectors {
		probes = append(probes, oracleProbe{"the Wycheproof AES-KWP vector " + v.name + " after its AES key", "corrupted", func(pub, m []byte) ([]byte, error) {
			key, _ := hex.DecodeString(v.key)
			ct, _ := hex.DecodeString(v.ct)
			if _, err := wrap.UnwrapKWP(key, ct); err == nil {
				return nil, fmt.Errorf("the Wycheproof vector %s unwraps", v.name)
			}
			return oracleRSAAESParts(pub, h, key, ct)
		}})
	}
	return append(probes,
		oracleProbe{"the RSA part alone", "truncated-rsa-aes", oracleWrapped(alg, func(b []byte) []byte { return wrap.Truncate(b, 256) })},
		oracleProbe{"a correct wrapping without its last AES-KWP block", "truncated-rsa-aes", oracleWrapped(alg, func(b []byte) []byte { return wrap.Truncate(b, len(b)-8) })},
		oracleProbe{"the AES-KWP part first and the RSA part last", "", func(pub, m []byte) ([]byte, error) { return wrap.SwappedRSAAES(alg, pub, m) }},
		oracleProbe{fmt.Sprintf("the AES key encrypted with RSA-OAEP-%v", wrapOtherOAEPHash(h)), "", func(pub, m []byte) ([]byte, error) {
			return wrap.WrapRSAAESWith(pub, wrap.RSAAESOptions{OAEPHash: wrapOtherOAEPHash(h)}, m)
		}},
		oracleProbe{fmt.Sprintf("the AES key encrypted with RSA-OAEP-%v and MGF1-%v", h, wrapOtherOAEPHash(h)), "", func(pub, m []byte) ([]byte, error) {
			return wrap.WrapRSAAESWith(pub, wrap.RSAAESOptions{OAEPHash: h, MGFHash: wrapOtherOAEPHash(h)}, m)
		}})
}

// oracleRSAAESParts is RSA-OAEP(aesKey) || kwp, for a KWP part made
// elsewhere.
func oracleRSAAESParts(publicKeyDER []byte, h crypto.Hash, aesKey, kwp []byte) ([]byte, error) {
	rsaPart, err := wrap.WrapOAEPWith(publicKeyDER, h, h, nil, aesKey)
	if err != nil {
		return nil, err
	}
	return append(rsaPart, kwp...), nil
}

// oracleProbes are all the probes of a shape in profile p.
func oracleProbes(p profile.Profile, alg types.AlgorithmSpec) []oracleProbe {
	probes := oracleCommonProbes(p, alg)
	switch {
	case alg == types.AlgorithmSpecRsaesPkcs1V15:
		probes = append(probes, oraclePKCS1Probes()...)
	case wrapIsRSAAES(alg):
		probes = append(probes, oracleRSAAESProbes(alg)...)
	default:
		probes = append(probes, oracleOAEPProbes(alg)...)
	}
	return probes
}

// oracleAnswer is what the target answered to one probe.
type oracleAnswer struct {
	shape oracleShape
	probe oracleProbe
	err   error
	obs   conform.Observed
}

var _ = Describe("No padding oracle", func() {
	conform.It("IMP-059", "answers every undecryptable wrapping, whatever its defect and wrapping algorithm, with one and the same error", func(ctx SpecContext, r conform.Rule) {
		kc := conform.Client()
		var answers []oracleAnswer
		for _, shape := range oracleShapes(conform.Profile()) {
			By(fmt.Sprintf("making an Enabled %s key imported with %s, and sending it malformed %s wrappings of the same material", shape.keySpec, shape.alg, shape.alg))
			m := mustNewMaterial(shape.keySpec)
			id := aws.ToString(mustCreateExternalKey(ctx, kc, shape.keySpec).KeyId)
			mustImport(ctx, kc, id, m.Bytes, shape.alg, types.WrappingKeySpecRsa2048, doesNotExpire)
			for _, probe := range oracleProbes(conform.Profile(), shape.alg) {
				before, err := importDefectiveWrapping(ctx, kc, id, shape.alg, probe.what+" under a "+string(shape.alg)+" token", func(p *kms.GetParametersForImportOutput) ([]byte, error) {
					return probe.build(p.PublicKey, m.Bytes)
				})
				// The answers are asserted together below, so that a
				// failure shows all of them; the key is checked now.
				conform.ExpectKeyUnchanged(ctx, before)
				answers = append(answers, oracleAnswer{shape, probe, err, conform.Observe(err)})
			}
		}

		By(fmt.Sprintf("comparing the %d answers", len(answers)))
		codes := map[string]int{}
		var table strings.Builder
		for _, a := range answers {
			answer := a.obs.String()
			if !a.obs.OK {
				answer = fmt.Sprintf("%s (HTTP %d)", a.obs.Code, a.obs.Status)
			}
			codes[answer]++
			fmt.Fprintf(&table, "\n  %-24s %-70s %s", a.shape.alg, a.probe.what, answer)
		}
		Expect(codes).To(HaveLen(1), "%s: the target answers undecryptable wrappings in %d different ways, a padding oracle:%s", r.ID, len(codes), table.String())
		By("checking the one answer against the IMP-059 case of every probe that is an instance of one")
		for _, a := range answers {
			if a.probe.imp059 != "" {
				r.Case(a.probe.imp059).ExpectError(a.err)
			}
		}
	}, SpecTimeout(5*time.Minute))
})
