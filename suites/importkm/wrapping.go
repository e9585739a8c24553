package importkm

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/kmsconform/kmsconform/fixtures/material"
	"github.com/kmsconform/kmsconform/fixtures/wrap"
	"github.com/kmsconform/kmsconform/harness/profile"
	"github.com/kmsconform/kmsconform/suites/catalogue"
	"github.com/kmsconform/kmsconform/suites/conform"
)

// wrappingMatrixEntries returns one table entry per cell of the wrapping
// matrix (suites/catalogue/wrapping.yaml) of every profile. The spec tree is
// built before the run's profile is known, so every profile's cells are
// declared; each entry carries its rule case's profile labels, and a cell
// that several profiles share with the same rule case is declared once.
func wrappingMatrixEntries() []TableEntry {
	type cellID struct {
		ks         types.KeySpec
		alg        types.AlgorithmSpec
		wks        types.WrappingKeySpec
		rule, name string
	}
	seen := map[cellID]bool{}
	var entries []TableEntry
	for _, p := range profile.All() {
		for _, cell := range conform.Catalogue().Wrapping(p) {
			id := cellID{cell.KeySpec, cell.Algorithm, cell.WrappingKeySpec, cell.Rule, cell.Case}
			if seen[id] {
				continue
			}
			seen[id] = true
			entries = append(entries, conform.Entry(cell.Rule, cell.Case, cell.String(), cell))
		}
	}
	return entries
}

// wrappingCellIn returns profile p's cell for the same key spec, algorithm
// and wrapping key spec, backed by the same rule case as cell.
func wrappingCellIn(p profile.Profile, cell catalogue.WrappingCell) (catalogue.WrappingCell, bool) {
	for _, x := range conform.Catalogue().Wrapping(p) {
		if x.KeySpec == cell.KeySpec && x.Algorithm == cell.Algorithm && x.WrappingKeySpec == cell.WrappingKeySpec && x.Rule == cell.Rule && x.Case == cell.Case {
			return x, true
		}
	}
	return catalogue.WrappingCell{}, false
}

// requestWrappingParameters calls GetParametersForImport and returns its
// error, for specs whose rule is about that call's outcome.
func requestWrappingParameters(ctx context.Context, c *kms.Client, keyID string, alg types.AlgorithmSpec, wks types.WrappingKeySpec) (*kms.GetParametersForImportOutput, error) {
	GinkgoHelper()
	By("getting import parameters (" + string(alg) + ", " + string(wks) + ")")
	return c.GetParametersForImport(ctx, &kms.GetParametersForImportInput{KeyId: aws.String(keyID), WrappingAlgorithm: alg, WrappingKeySpec: wks})
}

// wrappingKeyBits is the modulus size a wrapping key spec names.
func wrappingKeyBits(wks types.WrappingKeySpec) int {
	return map[types.WrappingKeySpec]int{types.WrappingKeySpecRsa2048: 2048, types.WrappingKeySpecRsa3072: 3072, types.WrappingKeySpecRsa4096: 4096}[wks]
}

// mustImportWrappingCell imports fresh material of the cell's key spec,
// wrapped as the cell says, and proves that the key then uses it.
func mustImportWrappingCell(ctx context.Context, c conform.Case, cell catalogue.WrappingCell) {
	GinkgoHelper()
	kc := conform.Client()
	key := mustCreateExternalKey(ctx, kc, cell.KeySpec)
	id := aws.ToString(key.KeyId)
	m := mustNewMaterial(cell.KeySpec)

	params, err := requestWrappingParameters(ctx, kc, id, cell.Algorithm, cell.WrappingKeySpec)
	c.ExpectSuccess(err)
	pub, err := wrap.ParseWrappingKey(params.PublicKey)
	Expect(err).NotTo(HaveOccurred(), "%s: GetParametersForImport returned a PublicKey that is not a DER RSA SubjectPublicKeyInfo", cell.Rule)
	Expect(pub.N.BitLen()).To(Equal(wrappingKeyBits(cell.WrappingKeySpec)), "%s: GetParametersForImport with WrappingKeySpec %s returned a %d-bit wrapping key", cell.Rule, cell.WrappingKeySpec, pub.N.BitLen())

	blob := mustWrap(params, cell.Algorithm, m.Bytes)
	err = importWrapped(ctx, kc, id, params.ImportToken, blob, doesNotExpire)
	c.ExpectSuccess(err)
	Expect(mustDescribe(ctx, kc, id)).To(conform.HaveKeyState(types.KeyStateEnabled), "%s: the key is not Enabled after its material was imported", cell.Rule)
	mustProveImported(ctx, kc, cell.Rule, id, key.KeyUsage, m)
}

// mustRefuseWrappingCell asks for a combination the matrix refuses. AWS
// names the call that refuses it for none of these cells, so the refusal may
// come from GetParametersForImport or, when that lets the combination
// through, from the ImportKeyMaterial of material correctly wrapped with it;
// the catalogue's expectation is asserted on whichever call refused, and the
// spec fails if both succeed.
//
// The import half can only fail the target when a correct wrapping exists:
// EC material is sent without its optional public key when only that form
// fits (P-521 under RSA_2048 with RSAES_OAEP, IMP-032). RSA private keys fit
// no RSAES cell; there the refusal of GetParametersForImport is the only
// thing a target can get wrong, and the spec says so in its steps and its
// report entry rather than pretend the import proves anything.
func mustRefuseWrappingCell(ctx context.Context, c conform.Case, cell catalogue.WrappingCell) {
	GinkgoHelper()
	kc := conform.Client()
	key := mustCreateExternalKey(ctx, kc, cell.KeySpec)
	id := aws.ToString(key.KeyId)

	before := conform.SnapshotKey(ctx, kc, id)
	params, err := requestWrappingParameters(ctx, kc, id, cell.Algorithm, cell.WrappingKeySpec)
	if err != nil {
		c.ExpectError(err)
		conform.ExpectKeyUnchanged(ctx, before)
		return
	}

	By("GetParametersForImport let the combination through, so ImportKeyMaterial must refuse material wrapped with it")
	m := mustNewMaterial(cell.KeySpec)
	b := m.Bytes
	capacity := wrap.Capacity(cell.Algorithm, cell.WrappingKeySpec)
	if len(b) > capacity && material.IsEC(cell.KeySpec) {
		compact, err := material.WithoutPublicKeyEC(m)
		Expect(err).NotTo(HaveOccurred(), "spec bug: encoding %s material without its public key", cell.KeySpec)
		By(fmt.Sprintf("%s material is %d bytes, more than the %d that %s carries under %s: sending the same key without its optional public key (%d bytes)", cell.KeySpec, len(b), capacity, cell.Algorithm, cell.WrappingKeySpec, len(compact)))
		b = compact
	}
	if len(b) > capacity {
		note := fmt.Sprintf("%s material (%d bytes) has no correct wrapping under %s with %s (at most %d bytes): the import cannot succeed on any target, so only GetParametersForImport could show this rule, and it let the combination through", cell.KeySpec, len(b), cell.Algorithm, cell.WrappingKeySpec, capacity)
		By(note + "; importing the material's first bytes to check the refusal is clean")
		AddReportEntry("kmsconform.note", note)
		b = b[:capacity]
	}
	blob := mustWrap(params, cell.Algorithm, b)
	before = conform.SnapshotKey(ctx, kc, id)
	err = importWrapped(ctx, kc, id, params.ImportToken, blob, doesNotExpire)
	c.ExpectError(err)
	conform.ExpectKeyUnchanged(ctx, before)
}

// importDefectiveWrapping gets fresh parameters for keyID, builds the
// EncryptedKeyMaterial with build, and imports it. It returns the key's
// snapshot from just before the import and the import's error, for the spec
// to assert.
func importDefectiveWrapping(ctx context.Context, c *kms.Client, keyID string, alg types.AlgorithmSpec, what string, build func(params *kms.GetParametersForImportOutput) ([]byte, error)) (conform.KeySnapshot, error) {
	GinkgoHelper()
	params := mustGetParameters(ctx, c, keyID, alg, types.WrappingKeySpecRsa2048)
	blob, err := build(params)
	Expect(err).NotTo(HaveOccurred(), "spec bug: building %s", what)
	By("importing " + what)
	before := conform.SnapshotKey(ctx, c, keyID)
	_, err = c.ImportKeyMaterial(ctx, importRequest(keyID, params.ImportToken, blob, doesNotExpire))
	return before, err
}

// handPKCS1v15Block builds the RSAES-PKCS1-v1_5 encryption block EM = 0x00
// || 0x02 || PS || 0x00 || M (RFC 8017 7.2.1) for a k-byte modulus, with PS
// of non-zero random bytes filling the rest. The spec builds it itself so
// that the target is checked against the RFC, not against crypto/rsa.
func handPKCS1v15Block(k int, msg []byte) []byte {
	em := make([]byte, k)
	em[1] = 0x02
	ps := em[2 : k-len(msg)-1]
	handNonZeroRandom(ps)
	copy(em[k-len(msg):], msg)
	return em
}

// handNonZeroRandom fills b with random non-zero bytes.
func handNonZeroRandom(b []byte) {
	_, _ = rand.Read(b)
	for i := range b {
		for b[i] == 0 {
			_, _ = rand.Read(b[i : i+1])
		}
	}
}

// handRSAAES builds RSA_AES_KEY_WRAP EncryptedKeyMaterial step by step as
// AWS documents it: a fresh 256-bit AES key encrypted with RSA-OAEP (hash h
// and MGF1-h, empty label) under the wrapping key, immediately followed by
// the material wrapped under that AES key with AES Key Wrap with Padding.
func handRSAAES(publicKeyDER []byte, h crypto.Hash, m []byte) ([]byte, error) {
	pub, err := wrap.ParseWrappingKey(publicKeyDER)
	if err != nil {
		return nil, err
	}
	aesKey := make([]byte, 32)
	_, _ = rand.Read(aesKey)
	rsaPart, err := rsa.EncryptOAEP(h.New(), rand.Reader, pub, aesKey, nil)
	if err != nil {
		return nil, err
	}
	if len(rsaPart) != pub.Size() {
		return nil, fmt.Errorf("the RSA part is %d bytes, not the %d of the modulus", len(rsaPart), pub.Size())
	}
	kwp, err := wrap.WrapKWP(aesKey, m)
	if err != nil {
		return nil, err
	}
	return append(rsaPart, kwp...), nil
}

// wrapWithOtherAlgorithm returns a builder of a correct wrapping of the
// material with blobAlg, to be sent under a token of tokenAlg (IMP-038, the
// wrong algorithm). Under an RSAES_PKCS1_V1_5 token an RSAES_OAEP blob is
// built so that it certainly fails PKCS#1 v1.5 decoding: an OAEP block starts
// 0x00, so about one random seed in 430 gives a block that decodes as PKCS#1
// v1.5, to a message of random length that a correct target refuses with
// IncorrectKeyMaterialException instead. It is a valid OAEP wrapping of the
// material either way.
func wrapWithOtherAlgorithm(tokenAlg, blobAlg types.AlgorithmSpec) func(publicKeyDER, m []byte) ([]byte, error) {
	return func(pub, m []byte) ([]byte, error) {
		if tokenAlg == types.AlgorithmSpecRsaesPkcs1V15 && (blobAlg == types.AlgorithmSpecRsaesOaepSha256 || blobAlg == types.AlgorithmSpecRsaesOaepSha1) {
			return wrap.WrapOAEPNotPKCS1(blobAlg, pub, m)
		}
		return wrap.Wrap(blobAlg, pub, m)
	}
}

// wrapOtherOAEPHash is the OAEP hash of the other RSAES_OAEP / RSA_AES algorithm.
func wrapOtherOAEPHash(h crypto.Hash) crypto.Hash {
	if h == crypto.SHA1 {
		return crypto.SHA256
	}
	return crypto.SHA1
}

// wrapOAEPHashOf is the hash an RSAES_OAEP_* or RSA_AES_KEY_WRAP_* algorithm
// names.
func wrapOAEPHashOf(alg types.AlgorithmSpec) crypto.Hash {
	switch alg {
	case types.AlgorithmSpecRsaesOaepSha1, types.AlgorithmSpecRsaAesKeyWrapSha1:
		return crypto.SHA1
	}
	return crypto.SHA256
}

var _ = Describe("Wrapping", func() {
	conform.DescribeTable("imports material wrapped as the wrapping matrix allows, and refuses the combinations it does not",
		func(ctx SpecContext, c conform.Case, cell catalogue.WrappingCell) {
			running, ok := wrappingCellIn(conform.Profile(), cell)
			if !ok {
				// The entry's labels are its rule case's profiles, which can
				// be wider than the cell's: RSA_3072 and RSA_4096 are IMP-028
				// cells from 2023 only, Ed25519 cells exist from 2025 only.
				Skip(fmt.Sprintf("profile %s has no wrapping cell %s backed by %s case %q", conform.Profile(), cell, cell.Rule, cell.Case))
			}
			if running.Allowed {
				mustImportWrappingCell(ctx, c, running)
				return
			}
			mustRefuseWrappingCell(ctx, c, running)
		},
		wrappingMatrixEntries()...)

	// IMP-036: the algorithms are the standard schemes. The matrix wraps with
	// crypto/rsa; these specs use encoders written out step by step from the
	// RFC, so a target is checked against the scheme, not one library.
	for _, tc := range []struct {
		alg types.AlgorithmSpec
		h   crypto.Hash
	}{{types.AlgorithmSpecRsaesOaepSha256, crypto.SHA256}, {types.AlgorithmSpecRsaesOaepSha1, crypto.SHA1}} {
		conform.It("IMP-036", fmt.Sprintf("accepts %s as RSA-OAEP with %v, MGF1-%v and the empty label, encoded step by step from RFC 8017", tc.alg, tc.h, tc.h), func(ctx SpecContext, r conform.Rule) {
			kc := conform.Client()
			key := mustCreateExternalKey(ctx, kc, types.KeySpecSymmetricDefault)
			id := aws.ToString(key.KeyId)
			m := mustNewMaterial(types.KeySpecSymmetricDefault)
			params := mustGetParameters(ctx, kc, id, tc.alg, types.WrappingKeySpecRsa2048)
			blob, err := wrap.WrapOAEPWith(params.PublicKey, tc.h, tc.h, nil, m.Bytes)
			Expect(err).NotTo(HaveOccurred(), "spec bug: encoding the OAEP block")
			err = importWrapped(ctx, kc, id, params.ImportToken, blob, doesNotExpire)
			r.Case(string(tc.alg)).ExpectSuccess(err)
			mustProveImported(ctx, kc, r.ID, id, key.KeyUsage, m)
		})
	}

	conform.ItCase("IMP-036", "RSAES_PKCS1_V1_5", "accepts RSAES_PKCS1_V1_5 as the RFC 8017 encryption block 00 02 PS 00 M", func(ctx SpecContext, c conform.Case) {
		kc := conform.Client()
		key := mustCreateExternalKey(ctx, kc, types.KeySpecSymmetricDefault)
		id := aws.ToString(key.KeyId)
		m := mustNewMaterial(types.KeySpecSymmetricDefault)
		params := mustGetParameters(ctx, kc, id, types.AlgorithmSpecRsaesPkcs1V15, types.WrappingKeySpecRsa2048)
		blob, err := wrap.RawRSA(params.PublicKey, handPKCS1v15Block(256, m.Bytes))
		Expect(err).NotTo(HaveOccurred(), "spec bug: encrypting the PKCS#1 v1.5 block")
		err = importWrapped(ctx, kc, id, params.ImportToken, blob, doesNotExpire)
		c.ExpectSuccess(err)
		mustProveImported(ctx, kc, "IMP-036", id, key.KeyUsage, m)
	})

	// IMP-037: RSA_AES_KEY_WRAP is RSA-OAEP(AES-256 key) || AES-KWP(material).
	for _, alg := range []types.AlgorithmSpec{types.AlgorithmSpecRsaAesKeyWrapSha256, types.AlgorithmSpecRsaAesKeyWrapSha1} {
		name := map[types.AlgorithmSpec]string{types.AlgorithmSpecRsaAesKeyWrapSha256: "SHA_256", types.AlgorithmSpecRsaAesKeyWrapSha1: "SHA_1"}[alg]
		conform.It("IMP-037", fmt.Sprintf("accepts %s built by hand: RSA-OAEP-%v of a 256-bit AES key, then the material under RFC 5649 AES-KWP", alg, wrapOAEPHashOf(alg)), func(ctx SpecContext, r conform.Rule) {
			kc := conform.Client()
			key := mustCreateExternalKey(ctx, kc, types.KeySpecRsa2048)
			id := aws.ToString(key.KeyId)
			m := mustNewMaterial(types.KeySpecRsa2048)
			params := mustGetParameters(ctx, kc, id, alg, types.WrappingKeySpecRsa2048)
			blob, err := handRSAAES(params.PublicKey, wrapOAEPHashOf(alg), m.Bytes)
			Expect(err).NotTo(HaveOccurred(), "spec bug: building the RSA_AES_KEY_WRAP blob")
			err = importWrapped(ctx, kc, id, params.ImportToken, blob, doesNotExpire)
			r.Case(name).ExpectSuccess(err)
			mustProveImported(ctx, kc, r.ID, id, key.KeyUsage, m)
		})
	}

	// rejectsRSAAES is the body of the IMP-037 specs that must be refused:
	// for both RSA_AES_KEY_WRAP algorithms, an RSA_2048 key's material built
	// with one deviation from AWS's construction.
	rejectsRSAAES := func(ctx SpecContext, c conform.Case, what string, build func(alg types.AlgorithmSpec, publicKeyDER, m []byte) ([]byte, error)) {
		kc := conform.Client()
		key := mustCreateExternalKey(ctx, kc, types.KeySpecRsa2048)
		id := aws.ToString(key.KeyId)
		m := mustNewMaterial(types.KeySpecRsa2048)
		for _, alg := range []types.AlgorithmSpec{types.AlgorithmSpecRsaAesKeyWrapSha256, types.AlgorithmSpecRsaAesKeyWrapSha1} {
			before, err := importDefectiveWrapping(ctx, kc, id, alg, fmt.Sprintf("%s under a %s token", what, alg), func(p *kms.GetParametersForImportOutput) ([]byte, error) {
				return build(alg, p.PublicKey, m.Bytes)
			})
			c.ExpectError(err)
			conform.ExpectKeyUnchanged(ctx, before)
		}
	}
	conform.It("IMP-037", "rejects RSA_AES_KEY_WRAP material with the AES-KWP part first and the RSA-OAEP part last", func(ctx SpecContext, r conform.Rule) {
		rejectsRSAAES(ctx, r.Case("parts-swapped"), "the AES-KWP part followed by the RSA-OAEP part", wrap.SwappedRSAAES)
	})
	conform.It("IMP-037", "rejects RSA_AES_KEY_WRAP material whose AES key is RSA-OAEP encrypted with the other algorithm's hash", func(ctx SpecContext, r conform.Rule) {
		rejectsRSAAES(ctx, r.Case("wrong-oaep-hash"), "the AES key encrypted with the other OAEP hash", func(alg types.AlgorithmSpec, pub, m []byte) ([]byte, error) {
			return wrap.WrapRSAAESWith(pub, wrap.RSAAESOptions{OAEPHash: wrapOtherOAEPHash(wrapOAEPHashOf(alg))}, m)
		})
	})
	conform.ItCase("IMP-037", "aes-128-key", "rejects RSA_AES_KEY_WRAP material wrapped under a 128-bit AES key", func(ctx SpecContext, cs conform.Case) {
		rejectsRSAAES(ctx, cs, "the material wrapped under an AES-128 key", func(alg types.AlgorithmSpec, pub, m []byte) ([]byte, error) {
			return wrap.RSAAESWithAESKeySize(alg, pub, 16, m)
		})
	})

	// IMP-038: material must be wrapped under the response's public key and
	// with the request's WrappingAlgorithm, exactly as the algorithm defines
	// it (IMP-036): any other hash, MGF1 hash or label is another algorithm.
	rejectsSymmetricWrapping := func(ctx SpecContext, r conform.Rule, caseName string, tries []symmetricWrappingTry) {
		kc := conform.Client()
		key := mustCreateExternalKey(ctx, kc, types.KeySpecSymmetricDefault)
		id := aws.ToString(key.KeyId)
		m := mustNewMaterial(types.KeySpecSymmetricDefault)
		for _, t := range tries {
			before, err := importDefectiveWrapping(ctx, kc, id, t.alg, t.what+" under a "+string(t.alg)+" token", func(p *kms.GetParametersForImportOutput) ([]byte, error) {
				return t.build(p.PublicKey, m.Bytes)
			})
			r.Case(caseName).ExpectError(err)
			conform.ExpectKeyUnchanged(ctx, before)
		}
	}
	conform.It("IMP-038", "rejects material wrapped under an RSA public key other than the one returned with the token", func(ctx SpecContext, r conform.Rule) {
		var tries []symmetricWrappingTry
		// Under the RSAES_PKCS1_V1_5 token (2022) what the blob decrypts to
		// under the token's private key cannot be known to the client, and
		// it passes PKCS#1 v1.5 decoding with a probability of about 1e-5
		// (2^-16 for the 0x00 0x02 prefix, scaled by 2^2048/n <= 2, times
		// about 0.6 for the separator): then a correct target refuses a
		// message of random length as IncorrectKeyMaterialException. The try
		// is kept, once per run, because a blob whose decryption the client
		// chose would no longer be one wrapped under another key.
		for _, alg := range symmetricWrappingAlgorithms(conform.Profile()) {
			tries = append(tries, symmetricWrappingTry{alg, "material wrapped under another RSA key of the same size", func(pub, m []byte) ([]byte, error) {
				return wrap.WrapUnderOtherKey(alg, pub, m)
			}})
		}
		rejectsSymmetricWrapping(ctx, r, "other-public-key", tries)
	})
	conform.It("IMP-038", "rejects material wrapped with another of the profile's wrapping algorithms than the token's", func(ctx SpecContext, r conform.Rule) {
		var tries []symmetricWrappingTry
		algs := symmetricWrappingAlgorithms(conform.Profile())
		for _, tokenAlg := range algs {
			for _, blobAlg := range algs {
				if blobAlg == tokenAlg {
					continue
				}
				tries = append(tries, symmetricWrappingTry{tokenAlg, "material wrapped with " + string(blobAlg), wrapWithOtherAlgorithm(tokenAlg, blobAlg)})
			}
		}
		{
			// The matrix's provisional algorithms for symmetric material
			// (RSA_AES_KEY_WRAP from 2023, IMP-035): no token of them is
			// asked for here, but their blobs are still sent under the
			// conformance algorithms' tokens.
			for _, blobAlg := range matrixAlgorithms(conform.Profile(), types.KeySpecSymmetricDefault, catalogue.Provisional) {
				for _, tokenAlg := range algs {
					tries = append(tries, symmetricWrappingTry{tokenAlg, "material wrapped with " + string(blobAlg), wrapWithOtherAlgorithm(tokenAlg, blobAlg)})
				}
			}
		}
		rejectsSymmetricWrapping(ctx, r, "other-algorithm", tries)
	})
	conform.It("IMP-038", "rejects RSAES_OAEP material whose OAEP hash is the other algorithm's", func(ctx SpecContext, r conform.Rule) {
		rejectsSymmetricWrapping(ctx, r, "other-algorithm", oaepVariantTries("RSA-OAEP with the other hash for label and MGF1", func(h crypto.Hash) (crypto.Hash, crypto.Hash, []byte) {
			return wrapOtherOAEPHash(h), wrapOtherOAEPHash(h), nil
		}))
	})
	conform.It("IMP-038", "rejects RSAES_OAEP material whose MGF1 hash differs from the OAEP label hash", func(ctx SpecContext, r conform.Rule) {
		rejectsSymmetricWrapping(ctx, r, "other-algorithm", oaepVariantTries("RSA-OAEP with the right label hash but MGF1 with the other hash", func(h crypto.Hash) (crypto.Hash, crypto.Hash, []byte) {
			return h, wrapOtherOAEPHash(h), nil
		}))
	})
	conform.It("IMP-038", "rejects RSAES_OAEP material encrypted with a non-empty OAEP label", func(ctx SpecContext, r conform.Rule) {
		rejectsSymmetricWrapping(ctx, r, "other-algorithm", oaepVariantTries(`RSA-OAEP with the label "kmsconform"`, func(h crypto.Hash) (crypto.Hash, crypto.Hash, []byte) {
			return h, h, []byte("kmsconform")
		}))
	})
})

// symmetricWrappingTry is one wrong wrapping of symmetric material: the
// algorithm of the token it is sent with and how it is built.
type symmetricWrappingTry struct {
	alg   types.AlgorithmSpec
	what  string
	build func(publicKeyDER, m []byte) ([]byte, error)
}

// symmetricWrappingAlgorithms are the algorithms the wrapping matrix of
// profile p allows, at conformance tier, for symmetric material under an
// RSA_2048 wrapping key (IMP-028, and IMP-026 in 2022), in the matrix's
// order.
func symmetricWrappingAlgorithms(p profile.Profile) []types.AlgorithmSpec {
	return matrixAlgorithms(p, types.KeySpecSymmetricDefault, catalogue.Conformance)
}

// matrixAlgorithms are the algorithms the wrapping matrix of profile p
// allows for keySpec under an RSA_2048 wrapping key, at the given tier. The
// probes of IMP-038 and IMP-059 take them from here, so they follow a change
// of wrapping.yaml as the generated matrix table does.
func matrixAlgorithms(p profile.Profile, keySpec types.KeySpec, tier catalogue.Tier) []types.AlgorithmSpec {
	var algs []types.AlgorithmSpec
	for _, cell := range conform.Catalogue().Wrapping(p) {
		if cell.KeySpec == keySpec && cell.WrappingKeySpec == types.WrappingKeySpecRsa2048 && cell.Allowed && cell.Tier == tier {
			algs = append(algs, cell.Algorithm)
		}
	}
	return algs
}

// oaepVariantTries sends, under each RSAES_OAEP token, an OAEP wrapping with
// the label hash, MGF1 hash and label that params gives for the token's hash.
func oaepVariantTries(what string, params func(h crypto.Hash) (labelHash, mgfHash crypto.Hash, label []byte)) []symmetricWrappingTry {
	var tries []symmetricWrappingTry
	for _, alg := range []types.AlgorithmSpec{types.AlgorithmSpecRsaesOaepSha256, types.AlgorithmSpecRsaesOaepSha1} {
		labelHash, mgfHash, label := params(wrapOAEPHashOf(alg))
		tries = append(tries, symmetricWrappingTry{alg, what, func(pub, m []byte) ([]byte, error) {
			return wrap.WrapOAEPWith(pub, labelHash, mgfHash, label, m)
		}})
	}
	return tries
}
