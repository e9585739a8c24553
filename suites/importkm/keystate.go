package importkm

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/kmsconform/kmsconform/fixtures/material"
	"github.com/kmsconform/kmsconform/harness/config"
	"github.com/kmsconform/kmsconform/harness/keys"
	"github.com/kmsconform/kmsconform/suites/catalogue"
	"github.com/kmsconform/kmsconform/suites/conform"
)

// The helpers of this file (prefix ks) build EXTERNAL keys in a given key
// state and are shared by the key-state, deletion, expiry, describe,
// reimport, rotation and interoperability specs.

// ksKey is an EXTERNAL key a spec set up, with the material it was given
// (zero Material when none was ever imported).
type ksKey struct {
	id  string
	arn string
	m   material.Material
}

// ksStates are the key states a single-Region endpoint can show, the cases
// of every key-state rule (catalogue README).
var ksStates = []types.KeyState{types.KeyStatePendingImport, types.KeyStateEnabled, types.KeyStateDisabled, types.KeyStatePendingDeletion}

// ksEntries turns the cases of a catalogue rule into table entries, one per
// case that params implements. A case of the rule that is neither in params
// nor named in elsewhere (checked by its own spec), or a param that names no
// case, panics while the spec tree is built: the table follows the
// catalogue, so a case added there cannot go unasserted.
func ksEntries[P any](ruleID string, text func(caseName string) string, params map[string]P, elsewhere ...string) []TableEntry {
	rule, ok := conform.Catalogue().Rule(ruleID)
	if !ok {
		panic(fmt.Sprintf("kmsconform: table for unknown rule %s", ruleID))
	}
	var out []TableEntry
	used := map[string]bool{}
	for _, e := range rule.Expect {
		p, ok := params[e.Case]
		if !ok {
			if !ksContains(elsewhere, e.Case) {
				panic(fmt.Sprintf("kmsconform: %s case %q has no table entry and no spec of its own: add it to the table's params", ruleID, e.Case))
			}
			continue
		}
		used[e.Case] = true
		out = append(out, conform.Entry(ruleID, e.Case, text(e.Case), p))
	}
	for name := range params {
		if !used[name] {
			panic(fmt.Sprintf("kmsconform: the %s table has an entry for case %q, which the catalogue does not have", ruleID, name))
		}
	}
	return out
}

// ksStateParams maps each case named after a key state to that state.
func ksStateParams(names ...string) map[string]types.KeyState {
	out := map[string]types.KeyState{}
	for _, n := range names {
		s := types.KeyState(n)
		if !ksContains(ksStates, s) {
			panic(fmt.Sprintf("kmsconform: %q is not a key state a single-Region endpoint can show", n))
		}
		out[n] = s
	}
	return out
}

func ksContains[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// ksWrappingFor is the wrapping algorithm a spec imports material of the
// given key spec with: RSA private keys are too long for RSAES-OAEP and need
// RSA_AES_KEY_WRAP_SHA_256; everything else uses RSAES_OAEP_SHA_256. Both
// are wrapped under an RSA_2048 public key.
func ksWrappingFor(spec types.KeySpec) types.AlgorithmSpec {
	if material.RSABits(spec) > 0 {
		return types.AlgorithmSpecRsaAesKeyWrapSha256
	}
	return types.AlgorithmSpecRsaesOaepSha256
}

// ksMustImportMaterial runs the import flow for material m into key id.
func ksMustImportMaterial(ctx context.Context, c *kms.Client, id string, m material.Material, e expiry) *kms.ImportKeyMaterialOutput {
	GinkgoHelper()
	return mustImport(ctx, c, id, m.Bytes, ksWrappingFor(m.Spec), types.WrappingKeySpecRsa2048, e)
}

// ksImportMaterial runs the import flow for material m into key id and
// returns ImportKeyMaterial's error, for specs whose rule is about it.
func ksImportMaterial(ctx context.Context, c *kms.Client, id string, m material.Material, e expiry) error {
	GinkgoHelper()
	alg := ksWrappingFor(m.Spec)
	params := mustGetParameters(ctx, c, id, alg, types.WrappingKeySpecRsa2048)
	return importWrapped(ctx, c, id, params.ImportToken, mustWrap(params, alg, m.Bytes), e)
}

// ksMustImportedKey creates an EXTERNAL key of spec and imports fresh
// material into it.
func ksMustImportedKey(ctx context.Context, c *kms.Client, spec types.KeySpec) ksKey {
	GinkgoHelper()
	meta := mustCreateExternalKey(ctx, c, spec)
	k := ksKey{id: aws.ToString(meta.KeyId), arn: aws.ToString(meta.Arn), m: mustNewMaterial(spec)}
	ksMustImportMaterial(ctx, c, k.id, k.m, doesNotExpire)
	return k
}

// ksMustNewExternalKey creates an EXTERNAL key of spec that has never had
// material (PendingImport).
func ksMustNewExternalKey(ctx context.Context, c *kms.Client, spec types.KeySpec) ksKey {
	GinkgoHelper()
	meta := mustCreateExternalKey(ctx, c, spec)
	return ksKey{id: aws.ToString(meta.KeyId), arn: aws.ToString(meta.Arn)}
}

// ksSymmetricKeyIn builds a symmetric EXTERNAL key in the given state:
// PendingImport (new, never imported), Enabled (imported), Disabled
// (imported, then DisableKey), PendingDeletion (imported, then deletion
// scheduled in 7 days, which the key's cleanup tolerates).
func ksSymmetricKeyIn(ctx context.Context, c *kms.Client, state types.KeyState) ksKey {
	GinkgoHelper()
	if state == types.KeyStatePendingImport {
		return ksMustNewExternalKey(ctx, c, types.KeySpecSymmetricDefault)
	}
	k := ksMustImportedKey(ctx, c, types.KeySpecSymmetricDefault)
	ksMustEnterState(ctx, c, k.id, state)
	return k
}

// ksMustEnterState moves an Enabled key to state (Enabled, Disabled or
// PendingDeletion) and checks that it got there.
func ksMustEnterState(ctx context.Context, c *kms.Client, id string, state types.KeyState) {
	GinkgoHelper()
	switch state {
	case types.KeyStateEnabled:
	case types.KeyStateDisabled:
		ksMustDisable(ctx, c, id)
	case types.KeyStatePendingDeletion:
		ksMustScheduleDeletion(ctx, c, id)
	default:
		Fail(fmt.Sprintf("spec bug: cannot move an Enabled key to %s", state))
	}
	Expect(mustDescribe(ctx, c, id)).To(conform.HaveKeyState(state), "setting up a key in %s", state)
}

func ksMustDisable(ctx context.Context, c *kms.Client, id string) {
	GinkgoHelper()
	By("disabling the key")
	_, err := c.DisableKey(ctx, &kms.DisableKeyInput{KeyId: aws.String(id)})
	Expect(err).NotTo(HaveOccurred(), "DisableKey %s", id)
}

func ksMustScheduleDeletion(ctx context.Context, c *kms.Client, id string) {
	GinkgoHelper()
	By("scheduling the key's deletion in 7 days")
	_, err := c.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(id), PendingWindowInDays: aws.Int32(keys.DeletionWindowDays)})
	Expect(err).NotTo(HaveOccurred(), "ScheduleKeyDeletion %s", id)
}

// ksDeleteMaterial calls DeleteImportedKeyMaterial (without KeyMaterialId)
// and returns its answer, for specs whose rule is about that call.
func ksDeleteMaterial(ctx context.Context, c *kms.Client, id string) (*kms.DeleteImportedKeyMaterialOutput, error) {
	GinkgoHelper()
	By("deleting the imported key material")
	return c.DeleteImportedKeyMaterial(ctx, &kms.DeleteImportedKeyMaterialInput{KeyId: aws.String(id)})
}

func ksMustDeleteMaterial(ctx context.Context, c *kms.Client, id string) {
	GinkgoHelper()
	_, err := ksDeleteMaterial(ctx, c, id)
	Expect(err).NotTo(HaveOccurred(), "DeleteImportedKeyMaterial %s", id)
}

// ksValidTo is a ValidTo d from now, in whole seconds: KMS timestamps carry
// no more, so DescribeKey can show exactly what was imported.
func ksValidTo(d time.Duration) time.Time { return time.Now().Add(d).Truncate(time.Second).UTC() }

// ksPlaintext is what the specs encrypt; each spec's own bytes, so a
// ciphertext that decrypts to it cannot come from another spec.
func ksPlaintext(what string) []byte {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return fmt.Appendf(nil, "kmsconform %s %x", what, b)
}

// ksMustEncrypt encrypts plaintext under a symmetric key.
func ksMustEncrypt(ctx context.Context, c *kms.Client, id string, plaintext []byte) []byte {
	GinkgoHelper()
	By("encrypting a plaintext with the key")
	out, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(id), Plaintext: plaintext})
	Expect(err).NotTo(HaveOccurred(), "Encrypt with key %s", id)
	Expect(out.CiphertextBlob).NotTo(BeEmpty(), "Encrypt with key %s returned no ciphertext", id)
	return out.CiphertextBlob
}

// ksExpectDecrypts asserts that Decrypt, naming key k, returns plaintext and
// k's ARN: the crypto proof that k still holds the material that made ct.
func ksExpectDecrypts(ctx context.Context, c *kms.Client, ruleID string, k ksKey, ct, plaintext []byte) {
	GinkgoHelper()
	By("decrypting a ciphertext made earlier")
	out, err := c.Decrypt(ctx, &kms.DecryptInput{KeyId: aws.String(k.id), CiphertextBlob: ct})
	Expect(err).NotTo(HaveOccurred(), "%s: Decrypt of a ciphertext key %s made earlier failed", ruleID, k.id)
	Expect(out.Plaintext).To(Equal(plaintext), "%s: Decrypt returned other bytes than the plaintext encrypted earlier", ruleID)
	Expect(aws.ToString(out.KeyId)).To(Equal(k.arn), "%s: Decrypt names another key than the one that encrypted", ruleID)
}

// ksMustParse parses imported material into a key for local crypto (signing,
// MACs) that does not trust the target.
func ksMustParse(m material.Material) material.Key {
	GinkgoHelper()
	k, err := material.Parse(m.Spec, m.Bytes)
	Expect(err).NotTo(HaveOccurred(), "parsing the %s material the suite generated", m.Spec)
	return k
}

// ksPendingImportCall is one call that must be rejected on a key in
// PendingImport.
type ksPendingImportCall struct {
	what string
	call func(ctx context.Context) error
}

// ksPendingImportSetup builds a key in PendingImport and the calls of one
// IMP-123 case against it.
type ksPendingImportSetup func(ctx context.Context, c *kms.Client) (keyID string, calls []ksPendingImportCall)

// ksDigest is the SHA-256 digest the signing cases sign.
var ksDigest = func() []byte { d := sha256.Sum256([]byte("kmsconform IMP-123 message")); return d[:] }()

// ksPendingImportOps implements each case of IMP-123. Decrypt, ReEncrypt,
// Verify and VerifyMac need a ciphertext, signature or MAC of the key, so
// their key had material, made it (checked against the target while the key
// was Enabled) and then lost it through DeleteImportedKeyMaterial; the others
// use a key that never had material.
var ksPendingImportOps = map[string]ksPendingImportSetup{
	"Encrypt": func(ctx context.Context, c *kms.Client) (string, []ksPendingImportCall) {
		k := ksMustNewExternalKey(ctx, c, types.KeySpecSymmetricDefault)
		return k.id, []ksPendingImportCall{{"Encrypt", func(ctx context.Context) error {
			_, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(k.id), Plaintext: ksPlaintext("IMP-123")})
			return err
		}}}
	},
	"Decrypt": func(ctx context.Context, c *kms.Client) (string, []ksPendingImportCall) {
		k := ksMustImportedKey(ctx, c, types.KeySpecSymmetricDefault)
		pt := ksPlaintext("IMP-123")
		ct := ksMustEncrypt(ctx, c, k.id, pt)
		ksExpectDecrypts(ctx, c, "IMP-123", k, ct, pt)
		ksMustDeleteMaterial(ctx, c, k.id)
		return k.id, []ksPendingImportCall{{"Decrypt of a ciphertext the key made", func(ctx context.Context) error {
			_, err := c.Decrypt(ctx, &kms.DecryptInput{KeyId: aws.String(k.id), CiphertextBlob: ct})
			return err
		}}}
	},
	"ReEncrypt": func(ctx context.Context, c *kms.Client) (string, []ksPendingImportCall) {
		k := ksMustImportedKey(ctx, c, types.KeySpecSymmetricDefault)
		ct := ksMustEncrypt(ctx, c, k.id, ksPlaintext("IMP-123"))
		ksMustDeleteMaterial(ctx, c, k.id)
		other := mustCreateAWSKMSKey(ctx, c, types.KeySpecSymmetricDefault)
		otherID := aws.ToString(other.KeyId)
		otherCT := ksMustEncrypt(ctx, c, otherID, ksPlaintext("IMP-123"))
		return k.id, []ksPendingImportCall{
			{"ReEncrypt from the PendingImport key to an Enabled key", func(ctx context.Context) error {
				_, err := c.ReEncrypt(ctx, &kms.ReEncryptInput{CiphertextBlob: ct, SourceKeyId: aws.String(k.id), DestinationKeyId: aws.String(otherID)})
				return err
			}},
			{"ReEncrypt from an Enabled key to the PendingImport key", func(ctx context.Context) error {
				_, err := c.ReEncrypt(ctx, &kms.ReEncryptInput{CiphertextBlob: otherCT, SourceKeyId: aws.String(otherID), DestinationKeyId: aws.String(k.id)})
				return err
			}},
		}
	},
	"GenerateDataKey": func(ctx context.Context, c *kms.Client) (string, []ksPendingImportCall) {
		k := ksMustNewExternalKey(ctx, c, types.KeySpecSymmetricDefault)
		return k.id, []ksPendingImportCall{{"GenerateDataKey", func(ctx context.Context) error {
			_, err := c.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: aws.String(k.id), KeySpec: types.DataKeySpecAes256})
			return err
		}}}
	},
	"GenerateDataKeyWithoutPlaintext": func(ctx context.Context, c *kms.Client) (string, []ksPendingImportCall) {
		k := ksMustNewExternalKey(ctx, c, types.KeySpecSymmetricDefault)
		return k.id, []ksPendingImportCall{{"GenerateDataKeyWithoutPlaintext", func(ctx context.Context) error {
			_, err := c.GenerateDataKeyWithoutPlaintext(ctx, &kms.GenerateDataKeyWithoutPlaintextInput{KeyId: aws.String(k.id), KeySpec: types.DataKeySpecAes256})
			return err
		}}}
	},
	"Sign": func(ctx context.Context, c *kms.Client) (string, []ksPendingImportCall) {
		k := ksMustNewExternalKey(ctx, c, types.KeySpecEccNistP256)
		return k.id, []ksPendingImportCall{{"Sign", func(ctx context.Context) error {
			_, err := c.Sign(ctx, &kms.SignInput{KeyId: aws.String(k.id), Message: ksDigest, MessageType: types.MessageTypeDigest, SigningAlgorithm: types.SigningAlgorithmSpecEcdsaSha256})
			return err
		}}}
	},
	"Verify": func(ctx context.Context, c *kms.Client) (string, []ksPendingImportCall) {
		k := ksMustImportedKey(ctx, c, types.KeySpecEccNistP256)
		By("signing a digest locally with the imported private key")
		sig, err := ksMustParse(k.m).Sign(types.SigningAlgorithmSpecEcdsaSha256, ksDigest)
		Expect(err).NotTo(HaveOccurred())
		in := &kms.VerifyInput{KeyId: aws.String(k.id), Message: ksDigest, MessageType: types.MessageTypeDigest, Signature: sig, SigningAlgorithm: types.SigningAlgorithmSpecEcdsaSha256}
		By("checking that the Enabled key verifies the signature")
		out, err := c.Verify(ctx, in)
		Expect(err).NotTo(HaveOccurred(), "IMP-123: the Enabled key does not verify a signature of its own material")
		Expect(out.SignatureValid).To(BeTrue(), "IMP-123: the Enabled key reports its own material's signature invalid")
		ksMustDeleteMaterial(ctx, c, k.id)
		return k.id, []ksPendingImportCall{{"Verify of a valid signature", func(ctx context.Context) error {
			_, err := c.Verify(ctx, in)
			return err
		}}}
	},
	"GenerateMac": func(ctx context.Context, c *kms.Client) (string, []ksPendingImportCall) {
		k := ksMustNewExternalKey(ctx, c, types.KeySpecHmac256)
		return k.id, []ksPendingImportCall{{"GenerateMac", func(ctx context.Context) error {
			_, err := c.GenerateMac(ctx, &kms.GenerateMacInput{KeyId: aws.String(k.id), Message: ksDigest, MacAlgorithm: types.MacAlgorithmSpecHmacSha256})
			return err
		}}}
	},
	"VerifyMac": func(ctx context.Context, c *kms.Client) (string, []ksPendingImportCall) {
		k := ksMustImportedKey(ctx, c, types.KeySpecHmac256)
		By("computing a MAC locally with the imported secret")
		mac, err := ksMustParse(k.m).MAC(types.MacAlgorithmSpecHmacSha256, ksDigest)
		Expect(err).NotTo(HaveOccurred())
		in := &kms.VerifyMacInput{KeyId: aws.String(k.id), Message: ksDigest, Mac: mac, MacAlgorithm: types.MacAlgorithmSpecHmacSha256}
		By("checking that the Enabled key verifies the MAC")
		out, err := c.VerifyMac(ctx, in)
		Expect(err).NotTo(HaveOccurred(), "IMP-123: the Enabled key does not verify a MAC of its own material")
		Expect(out.MacValid).To(BeTrue(), "IMP-123: the Enabled key reports its own material's MAC invalid")
		ksMustDeleteMaterial(ctx, c, k.id)
		return k.id, []ksPendingImportCall{{"VerifyMac of a valid MAC", func(ctx context.Context) error {
			_, err := c.VerifyMac(ctx, in)
			return err
		}}}
	},
	"DeriveSharedSecret": func(ctx context.Context, c *kms.Client) (string, []ksPendingImportCall) {
		By("creating an EXTERNAL ECC_NIST_P256 KEY_AGREEMENT key")
		meta := mustCreateKey(ctx, c, kms.CreateKeyInput{Origin: types.OriginTypeExternal, KeySpec: types.KeySpecEccNistP256, KeyUsage: types.KeyUsageTypeKeyAgreement})
		id := aws.ToString(meta.KeyId)
		peer, err := ecdh.P256().GenerateKey(rand.Reader)
		Expect(err).NotTo(HaveOccurred())
		peerDER, err := x509.MarshalPKIXPublicKey(peer.PublicKey())
		Expect(err).NotTo(HaveOccurred())
		return id, []ksPendingImportCall{{"DeriveSharedSecret with a valid peer public key", func(ctx context.Context) error {
			_, err := c.DeriveSharedSecret(ctx, &kms.DeriveSharedSecretInput{KeyId: aws.String(id), KeyAgreementAlgorithm: types.KeyAgreementAlgorithmSpecEcdh, PublicKey: peerDER})
			return err
		}}}
	},
}

// ksCancelFrom is where an IMP-127 case starts: the key's state and whether
// it holds its material.
type ksCancelFrom struct {
	state        types.KeyState
	withMaterial bool
}

// ksRotationOp is a rotation operation on a key.
type ksRotationOp struct {
	name string
	call func(ctx context.Context, c *kms.Client, id string) error
}

var (
	ksEnableKeyRotation = ksRotationOp{"EnableKeyRotation", func(ctx context.Context, c *kms.Client, id string) error {
		_, err := c.EnableKeyRotation(ctx, &kms.EnableKeyRotationInput{KeyId: aws.String(id)})
		return err
	}}
	ksDisableKeyRotation = ksRotationOp{"DisableKeyRotation", func(ctx context.Context, c *kms.Client, id string) error {
		_, err := c.DisableKeyRotation(ctx, &kms.DisableKeyRotationInput{KeyId: aws.String(id)})
		return err
	}}
	ksGetKeyRotationStatus = ksRotationOp{"GetKeyRotationStatus", func(ctx context.Context, c *kms.Client, id string) error {
		_, err := c.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: aws.String(id)})
		return err
	}}
	ksRotateKeyOnDemand = ksRotationOp{"RotateKeyOnDemand", func(ctx context.Context, c *kms.Client, id string) error {
		_, err := c.RotateKeyOnDemand(ctx, &kms.RotateKeyOnDemandInput{KeyId: aws.String(id)})
		return err
	}}
)

// ksKeyCall is a call that names a key and whose answer is all a spec
// needs.
type ksKeyCall func(ctx context.Context, c *kms.Client, id string) error

func ksEnableKey(ctx context.Context, c *kms.Client, id string) error {
	_, err := c.EnableKey(ctx, &kms.EnableKeyInput{KeyId: aws.String(id)})
	return err
}

func ksDisableKey(ctx context.Context, c *kms.Client, id string) error {
	_, err := c.DisableKey(ctx, &kms.DisableKeyInput{KeyId: aws.String(id)})
	return err
}

// ksSameState is an IMP-122 case that sets the state a key already has.
type ksSameState struct {
	name  string
	state types.KeyState
	call  ksKeyCall
}

// ksCryptoCall is an IMP-147 call with a key: ct is a ciphertext the key
// made while it was Enabled, for the calls that need one.
type ksCryptoCall func(ctx context.Context, c *kms.Client, id string, ct []byte) error

// ksSecondAccountClient signs with the second account's credentials and
// otherwise talks to the run's target as the run's client does.
func ksSecondAccountClient() *kms.Client {
	GinkgoHelper()
	second := conform.Config().SecondAccount
	Expect(second).NotTo(BeNil(), "capability second-account without second-account credentials")
	return kms.New(conform.Client().Options(), func(o *kms.Options) {
		o.Credentials = credentials.NewStaticCredentialsProvider(second.AccessKeyID, second.SecretAccessKey, second.SessionToken)
	})
}

// ksPartitionAndAccountOf returns the partition and account id of a key ARN
// (arn:PARTITION:kms:REGION:ACCOUNT:key/ID).
func ksPartitionAndAccountOf(arn string) (partition, account string) {
	GinkgoHelper()
	parts := strings.SplitN(arn, ":", 6)
	Expect(parts).To(HaveLen(6), "key ARN %q does not have the form arn:partition:kms:region:account:key/id", arn)
	return parts[1], parts[4]
}

var _ = Describe("Key states of EXTERNAL keys", func() {
	stateText := func(format string) func(string) string {
		return func(caseName string) string { return fmt.Sprintf(format, caseName) }
	}

	conform.DescribeTable("GetParametersForImport by key state",
		func(ctx SpecContext, cs conform.Case, state types.KeyState) {
			c := conform.Client()
			k := ksSymmetricKeyIn(ctx, c, state)
			before := conform.SnapshotKey(ctx, c, k.id)
			By("getting import parameters for the key in " + string(state))
			out, err := c.GetParametersForImport(ctx, &kms.GetParametersForImportInput{KeyId: aws.String(k.id), WrappingAlgorithm: types.AlgorithmSpecRsaesOaepSha256, WrappingKeySpec: types.WrappingKeySpecRsa2048})
			cs.ExpectOutcome(err)
			if err == nil {
				Expect(out.ImportToken).NotTo(BeEmpty(), "IMP-020: GetParametersForImport in %s returned no ImportToken", state)
				Expect(out.PublicKey).NotTo(BeEmpty(), "IMP-020: GetParametersForImport in %s returned no PublicKey", state)
			}
			conform.ExpectKeyUnchanged(ctx, before)
		},
		ksEntries("IMP-020", stateText("GetParametersForImport on an EXTERNAL key in %s"), ksStateParams("PendingImport", "Enabled", "Disabled", "PendingDeletion"))...,
	)

	conform.DescribeTable("ImportKeyMaterial by key state",
		func(ctx SpecContext, cs conform.Case, state types.KeyState) {
			c := conform.Client()
			k := ksSymmetricKeyIn(ctx, c, state)
			m := k.m
			if state == types.KeyStatePendingImport {
				m = mustNewMaterial(types.KeySpecSymmetricDefault)
			}
			var ct, pt []byte
			if state == types.KeyStateEnabled {
				pt = ksPlaintext("IMP-069")
				ct = ksMustEncrypt(ctx, c, k.id, pt)
			}
			err := ksImportMaterial(ctx, c, k.id, m, doesNotExpire)
			cs.ExpectOutcome(err)
			switch state {
			case types.KeyStatePendingImport:
				Expect(mustDescribe(ctx, c, k.id)).To(conform.HaveKeyState(types.KeyStateEnabled), "IMP-069: the first import did not enable the key")
			case types.KeyStateEnabled:
				Expect(mustDescribe(ctx, c, k.id)).To(conform.HaveKeyState(types.KeyStateEnabled), "IMP-069: a reimport changed the state of an Enabled key")
				k.m = m
				ksExpectDecrypts(ctx, c, "IMP-069", k, ct, pt)
			}
		},
		ksEntries("IMP-069", stateText("imports material into an EXTERNAL key in %s"), ksStateParams("PendingImport", "Enabled", "Disabled"))...,
	)

	conform.It("IMP-070", "rejects ImportKeyMaterial into a key pending deletion", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		k := ksMustImportedKey(ctx, c, types.KeySpecSymmetricDefault)
		alg := ksWrappingFor(k.m.Spec)
		By("wrapping the key's own material while it is Enabled (GetParametersForImport is refused once deletion is scheduled)")
		params := mustGetParameters(ctx, c, k.id, alg, types.WrappingKeySpecRsa2048)
		blob := mustWrap(params, alg, k.m.Bytes)
		ksMustEnterState(ctx, c, k.id, types.KeyStatePendingDeletion)

		before := conform.SnapshotKey(ctx, c, k.id)
		err := importWrapped(ctx, c, k.id, params.ImportToken, blob, doesNotExpire)
		r.ExpectError(err)
		conform.ExpectKeyUnchanged(ctx, before)
	})

	conform.It("IMP-071", "reimports its own material into a Disabled key and leaves it Disabled", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		k := ksSymmetricKeyIn(ctx, c, types.KeyStateDisabled)
		err := ksImportMaterial(ctx, c, k.id, k.m, doesNotExpire)
		r.ExpectSuccess(err)
		meta := mustDescribe(ctx, c, k.id)
		Expect(meta).To(conform.HaveKeyState(types.KeyStateDisabled), "IMP-071: the reimport changed the state of a Disabled key")
		Expect(meta.Enabled).To(BeFalse(), "IMP-071: DescribeKey reports Enabled=true after a reimport into a Disabled key")
	})

	conform.DescribeTable("DeleteImportedKeyMaterial by key state",
		func(ctx SpecContext, cs conform.Case, state types.KeyState) {
			c := conform.Client()
			k := ksSymmetricKeyIn(ctx, c, state)
			_, err := ksDeleteMaterial(ctx, c, k.id)
			cs.ExpectOutcome(err)
		},
		ksEntries("IMP-089", stateText("DeleteImportedKeyMaterial on an EXTERNAL key in %s"), ksStateParams("PendingImport", "Enabled", "Disabled", "PendingDeletion"))...,
	)

	conform.DescribeTable("DescribeKey by key state",
		func(ctx SpecContext, cs conform.Case, state types.KeyState) {
			c := conform.Client()
			k := ksSymmetricKeyIn(ctx, c, state)
			By("describing the key in " + string(state))
			out, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(k.id)})
			cs.ExpectOutcome(err)
			Expect(out.KeyMetadata).NotTo(BeNil(), "IMP-104: DescribeKey returned no KeyMetadata")
			Expect(aws.ToString(out.KeyMetadata.KeyId)).To(Equal(k.id), "IMP-104: DescribeKey describes another key")
			Expect(out.KeyMetadata).To(conform.HaveKeyState(state), "IMP-104: DescribeKey reports another state")
		},
		ksEntries("IMP-104", stateText("describes an EXTERNAL key in %s"), ksStateParams("PendingImport", "Enabled", "Disabled", "PendingDeletion"), "cross-account")...,
	)

	conform.ItCase("IMP-104", "cross-account", "describes an EXTERNAL key for another account that the key policy allows", func(ctx SpecContext, cs conform.Case) {
		c := conform.Client()
		second := conform.Config().SecondAccount
		Expect(second).NotTo(BeNil(), "capability %s without second-account credentials", config.SecondAccount)
		k := ksMustImportedKey(ctx, c, types.KeySpecSymmetricDefault)
		partition, owner := ksPartitionAndAccountOf(k.arn)
		By("allowing the second account kms:DescribeKey in the key policy")
		policy := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[`+
			`{"Sid":"owner","Effect":"Allow","Principal":{"AWS":"arn:%[1]s:iam::%[2]s:root"},"Action":"kms:*","Resource":"*"},`+
			`{"Sid":"describe","Effect":"Allow","Principal":{"AWS":"arn:%[1]s:iam::%[3]s:root"},"Action":"kms:DescribeKey","Resource":"*"}]}`, partition, owner, second.AccountID)
		_, err := c.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: aws.String(k.id), PolicyName: aws.String("default"), Policy: aws.String(policy)})
		Expect(err).NotTo(HaveOccurred(), "PutKeyPolicy granting account %s kms:DescribeKey", second.AccountID)

		By("describing the key by its ARN with the second account's credentials")
		out, err := ksSecondAccountClient().DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(k.arn)})
		cs.ExpectSuccess(err)
		Expect(aws.ToString(out.KeyMetadata.Arn)).To(Equal(k.arn), "IMP-104: the cross-account DescribeKey describes another key")
		Expect(out.KeyMetadata.Origin).To(Equal(types.OriginTypeExternal), "IMP-104: the cross-account DescribeKey reports another Origin")
	})

	conform.DescribeTable("EnableKey and DisableKey in PendingImport",
		func(ctx SpecContext, cs conform.Case, call ksKeyCall) {
			c := conform.Client()
			k := ksMustNewExternalKey(ctx, c, types.KeySpecSymmetricDefault)
			before := conform.SnapshotKey(ctx, c, k.id)
			By("calling " + cs.Expectation().Case + " on the key in PendingImport")
			cs.ExpectError(call(ctx, c, k.id))
			conform.ExpectKeyUnchanged(ctx, before)
		},
		ksEntries("IMP-121", stateText("rejects %s on a key in PendingImport"), map[string]ksKeyCall{"EnableKey": ksEnableKey, "DisableKey": ksDisableKey})...,
	)

	conform.DescribeTable("EnableKey and DisableKey in PendingDeletion",
		func(ctx SpecContext, cs conform.Case, call ksKeyCall) {
			c := conform.Client()
			k := ksSymmetricKeyIn(ctx, c, types.KeyStatePendingDeletion)
			before := conform.SnapshotKey(ctx, c, k.id)
			By("calling " + cs.Expectation().Case + " on the key pending deletion, which holds its material")
			cs.ExpectError(call(ctx, c, k.id))
			conform.ExpectKeyUnchanged(ctx, before)
		},
		ksEntries("IMP-146", stateText("rejects %s on an EXTERNAL key pending deletion that holds its material"), map[string]ksKeyCall{"EnableKey": ksEnableKey, "DisableKey": ksDisableKey})...,
	)

	conform.It("IMP-122", "disables and re-enables an EXTERNAL key holding its material, refusing Encrypt and Decrypt while Disabled", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		k := ksMustImportedKey(ctx, c, types.KeySpecSymmetricDefault)
		pt := ksPlaintext("IMP-122")
		ct := ksMustEncrypt(ctx, c, k.id, pt)

		By("disabling the key")
		_, err := c.DisableKey(ctx, &kms.DisableKeyInput{KeyId: aws.String(k.id)})
		r.Case("DisableKey").ExpectSuccess(err)
		meta := mustDescribe(ctx, c, k.id)
		Expect(meta).To(conform.HaveKeyState(types.KeyStateDisabled), "IMP-122: DisableKey did not make the key Disabled")
		Expect(meta.Enabled).To(BeFalse(), "IMP-122: DescribeKey reports Enabled=true after DisableKey")

		before := conform.SnapshotKey(ctx, c, k.id)
		By("encrypting with the Disabled key")
		_, err = c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(k.id), Plaintext: pt})
		r.Case("Encrypt-Disabled").ExpectError(err)
		conform.ExpectKeyUnchanged(ctx, before)

		By("decrypting, with the Disabled key, a ciphertext it made while Enabled")
		_, err = c.Decrypt(ctx, &kms.DecryptInput{KeyId: aws.String(k.id), CiphertextBlob: ct})
		r.Case("Decrypt-Disabled").ExpectError(err)
		conform.ExpectKeyUnchanged(ctx, before)

		By("enabling the key again")
		_, err = c.EnableKey(ctx, &kms.EnableKeyInput{KeyId: aws.String(k.id)})
		r.Case("EnableKey").ExpectSuccess(err)
		meta = mustDescribe(ctx, c, k.id)
		Expect(meta).To(conform.HaveKeyState(types.KeyStateEnabled), "IMP-122: EnableKey did not make the key Enabled")
		Expect(meta.Enabled).To(BeTrue(), "IMP-122: DescribeKey reports Enabled=false after EnableKey")
		ksExpectDecrypts(ctx, c, "IMP-122", k, ct, pt)
	})

	conform.DescribeTable("EnableKey and DisableKey on a key already in the state they set",
		func(ctx SpecContext, cs conform.Case, same ksSameState) {
			c := conform.Client()
			k := ksMustImportedKey(ctx, c, types.KeySpecSymmetricDefault)
			pt := ksPlaintext("IMP-122")
			ct := ksMustEncrypt(ctx, c, k.id, pt)
			ksMustEnterState(ctx, c, k.id, same.state)

			By("calling " + same.name + " on the key, which is already " + string(same.state))
			cs.ExpectSuccess(same.call(ctx, c, k.id))
			meta := mustDescribe(ctx, c, k.id)
			Expect(meta).To(conform.HaveKeyState(same.state), "IMP-122: %s on a key already %s changed its state", same.name, same.state)
			Expect(meta.Enabled).To(Equal(same.state == types.KeyStateEnabled), "IMP-122: %s on a key already %s changed Enabled", same.name, same.state)
			if same.state == types.KeyStateDisabled {
				By("enabling the key to show that it kept its material")
				Expect(ksEnableKey(ctx, c, k.id)).To(Succeed(), "IMP-122: EnableKey of the Disabled key")
			}
			ksExpectDecrypts(ctx, c, "IMP-122", k, ct, pt)
		},
		ksEntries("IMP-122", func(caseName string) string {
			return map[string]string{
				"EnableKey-Enabled":   "accepts EnableKey on an Enabled EXTERNAL key and leaves it Enabled",
				"DisableKey-Disabled": "accepts DisableKey on a Disabled EXTERNAL key and leaves it Disabled",
			}[caseName]
		}, map[string]ksSameState{
			"EnableKey-Enabled":   {"EnableKey", types.KeyStateEnabled, ksEnableKey},
			"DisableKey-Disabled": {"DisableKey", types.KeyStateDisabled, ksDisableKey},
		}, "DisableKey", "EnableKey", "Encrypt-Disabled", "Decrypt-Disabled")...,
	)

	conform.DescribeTable("Encrypt and Decrypt in PendingDeletion",
		func(ctx SpecContext, cs conform.Case, call ksCryptoCall) {
			c := conform.Client()
			k := ksMustImportedKey(ctx, c, types.KeySpecSymmetricDefault)
			pt := ksPlaintext("IMP-147")
			ct := ksMustEncrypt(ctx, c, k.id, pt)
			ksMustEnterState(ctx, c, k.id, types.KeyStatePendingDeletion)

			before := conform.SnapshotKey(ctx, c, k.id)
			By(cs.Expectation().Case + " with the key pending deletion, which holds its material")
			cs.ExpectError(call(ctx, c, k.id, ct))
			conform.ExpectKeyUnchanged(ctx, before)

			By("cancelling the deletion and enabling the key, to show that only the pending deletion stood in the way")
			_, err := c.CancelKeyDeletion(ctx, &kms.CancelKeyDeletionInput{KeyId: aws.String(k.id)})
			Expect(err).NotTo(HaveOccurred(), "IMP-147: CancelKeyDeletion of the key pending deletion")
			Expect(ksEnableKey(ctx, c, k.id)).To(Succeed(), "IMP-147: EnableKey after CancelKeyDeletion")
			ksExpectDecrypts(ctx, c, "IMP-147", k, ct, pt)
			Expect(call(ctx, c, k.id, ct)).To(Succeed(), "IMP-147: %s with the key Enabled again", cs.Expectation().Case)
		},
		ksEntries("IMP-147", stateText("rejects %s with a symmetric EXTERNAL key pending deletion that holds its material"), map[string]ksCryptoCall{
			"Encrypt": func(ctx context.Context, c *kms.Client, id string, _ []byte) error {
				_, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(id), Plaintext: ksPlaintext("IMP-147")})
				return err
			},
			"Decrypt": func(ctx context.Context, c *kms.Client, id string, ct []byte) error {
				_, err := c.Decrypt(ctx, &kms.DecryptInput{KeyId: aws.String(id), CiphertextBlob: ct})
				return err
			},
		})...,
	)

	conform.DescribeTable("cryptographic operations in PendingImport",
		func(ctx SpecContext, cs conform.Case, setup ksPendingImportSetup) {
			c := conform.Client()
			id, calls := setup(ctx, c)
			Expect(mustDescribe(ctx, c, id)).To(conform.HaveKeyState(types.KeyStatePendingImport), "IMP-123: setting up a key in PendingImport")
			for _, call := range calls {
				before := conform.SnapshotKey(ctx, c, id)
				By(call.what + " with the key in PendingImport")
				cs.ExpectError(call.call(ctx))
				conform.ExpectKeyUnchanged(ctx, before)
			}
		},
		ksEntries("IMP-123", stateText("rejects %s with a key in PendingImport"), ksPendingImportOps)...,
	)

	conform.It("IMP-125", "returns the imported public key of a Disabled asymmetric EXTERNAL key", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		k := ksMustImportedKey(ctx, c, types.KeySpecEccNistP256)
		ksMustEnterState(ctx, c, k.id, types.KeyStateDisabled)
		By("getting the public key of the Disabled key")
		out, err := c.GetPublicKey(ctx, &kms.GetPublicKeyInput{KeyId: aws.String(k.id)})
		r.Case("Disabled").ExpectSuccess(err)
		Expect(out.PublicKey).To(Equal(k.m.PublicKeyDER), "IMP-125: GetPublicKey of the Disabled key is not the public half of the imported private key")
	})

	conform.It("IMP-125", "returns the imported public key after the material was deleted", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		k := ksMustImportedKey(ctx, c, types.KeySpecEccNistP256)
		ksMustDeleteMaterial(ctx, c, k.id)
		Expect(mustDescribe(ctx, c, k.id)).To(conform.HaveKeyState(types.KeyStatePendingImport), "IMP-125: setting up a key in PendingImport")
		By("getting the public key of the key whose material was deleted")
		out, err := c.GetPublicKey(ctx, &kms.GetPublicKeyInput{KeyId: aws.String(k.id)})
		r.Case("PendingImport-after-delete").ExpectSuccess(err)
		Expect(out.PublicKey).To(Equal(k.m.PublicKeyDER), "IMP-125: GetPublicKey after deletion is not the public half of the imported private key")
	})

	conform.ItCase("IMP-125", "PendingImport-never-imported", "rejects GetPublicKey of an asymmetric EXTERNAL key that never had material", func(ctx SpecContext, cs conform.Case) {
		c := conform.Client()
		k := ksMustNewExternalKey(ctx, c, types.KeySpecEccNistP256)
		before := conform.SnapshotKey(ctx, c, k.id)
		By("getting the public key of a key without material")
		_, err := c.GetPublicKey(ctx, &kms.GetPublicKeyInput{KeyId: aws.String(k.id)})
		cs.ExpectError(err)
		conform.ExpectKeyUnchanged(ctx, before)
	})

	conform.DescribeTable("ScheduleKeyDeletion by key state",
		func(ctx SpecContext, cs conform.Case, state types.KeyState) {
			c := conform.Client()
			k := ksSymmetricKeyIn(ctx, c, state)
			var before conform.KeySnapshot
			if cs.Expectation().Outcome != catalogue.OutcomeSuccess {
				before = conform.SnapshotKey(ctx, c, k.id)
			}
			By("scheduling the deletion of the key in " + string(state))
			out, err := c.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(k.id), PendingWindowInDays: aws.Int32(keys.DeletionWindowDays)})
			cs.ExpectOutcome(err)
			if err != nil {
				conform.ExpectKeyUnchanged(ctx, before)
				return
			}
			Expect(out.KeyState).To(Equal(types.KeyStatePendingDeletion), "IMP-126: the ScheduleKeyDeletion response reports another KeyState")
			Expect(mustDescribe(ctx, c, k.id)).To(conform.HaveKeyState(types.KeyStatePendingDeletion), "IMP-126: the key is not PendingDeletion after ScheduleKeyDeletion")
		},
		ksEntries("IMP-126", stateText("schedules the deletion of an EXTERNAL key in %s"), ksStateParams("Enabled", "Disabled", "PendingImport", "PendingDeletion"), "window-7-and-30", "window-6", "window-31")...,
	)

	conform.It("IMP-126", "accepts deletion windows of 7 and 30 days", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		for _, days := range []int32{7, 30} {
			k := ksMustImportedKey(ctx, c, types.KeySpecSymmetricDefault)
			By(fmt.Sprintf("scheduling deletion with PendingWindowInDays=%d", days))
			out, err := c.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(k.id), PendingWindowInDays: aws.Int32(days)})
			r.Case("window-7-and-30").ExpectSuccess(err)
			Expect(aws.ToInt32(out.PendingWindowInDays)).To(Equal(days), "IMP-126: the response reports another PendingWindowInDays")
			Expect(mustDescribe(ctx, c, k.id)).To(conform.HaveKeyState(types.KeyStatePendingDeletion), "IMP-126: the key is not PendingDeletion after ScheduleKeyDeletion")
		}
	})

	for _, w := range []struct {
		caseName string
		days     int32
	}{{"window-6", 6}, {"window-31", 31}} {
		conform.It("IMP-126", fmt.Sprintf("rejects a deletion window of %d days", w.days), func(ctx SpecContext, r conform.Rule) {
			c := conform.Client()
			k := ksMustImportedKey(ctx, c, types.KeySpecSymmetricDefault)
			before := conform.SnapshotKey(ctx, c, k.id)
			By(fmt.Sprintf("scheduling deletion with PendingWindowInDays=%d", w.days))
			_, err := c.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(k.id), PendingWindowInDays: aws.Int32(w.days)})
			r.Case(w.caseName).ExpectError(err)
			conform.ExpectKeyUnchanged(ctx, before)
		})
	}

	conform.DescribeTable("CancelKeyDeletion by key state",
		func(ctx SpecContext, cs conform.Case, from ksCancelFrom) {
			c := conform.Client()
			var k ksKey
			var ct, pt []byte
			switch {
			case from.state == types.KeyStatePendingDeletion && from.withMaterial:
				k = ksMustImportedKey(ctx, c, types.KeySpecSymmetricDefault)
				pt = ksPlaintext("IMP-127")
				ct = ksMustEncrypt(ctx, c, k.id, pt)
				ksMustEnterState(ctx, c, k.id, types.KeyStatePendingDeletion)
			case from.state == types.KeyStatePendingDeletion:
				k = ksMustNewExternalKey(ctx, c, types.KeySpecSymmetricDefault)
				ksMustScheduleDeletion(ctx, c, k.id)
				Expect(mustDescribe(ctx, c, k.id)).To(conform.HaveKeyState(types.KeyStatePendingDeletion), "setting up a key without material in PendingDeletion")
			default:
				k = ksSymmetricKeyIn(ctx, c, from.state)
			}
			var before conform.KeySnapshot
			if cs.Expectation().Outcome != catalogue.OutcomeSuccess {
				before = conform.SnapshotKey(ctx, c, k.id)
			}
			By("cancelling the deletion of the key in " + string(from.state))
			_, err := c.CancelKeyDeletion(ctx, &kms.CancelKeyDeletionInput{KeyId: aws.String(k.id)})
			cs.ExpectOutcome(err)
			switch {
			case err != nil:
				conform.ExpectKeyUnchanged(ctx, before)
			case from.withMaterial:
				Expect(mustDescribe(ctx, c, k.id)).To(conform.HaveKeyState(types.KeyStateDisabled), "IMP-127: a cancelled key that holds its material is not Disabled")
				By("enabling the key to show that it kept its material")
				_, err := c.EnableKey(ctx, &kms.EnableKeyInput{KeyId: aws.String(k.id)})
				Expect(err).NotTo(HaveOccurred(), "IMP-127: EnableKey after CancelKeyDeletion")
				ksExpectDecrypts(ctx, c, "IMP-127", k, ct, pt)
			default:
				Expect(mustDescribe(ctx, c, k.id)).To(conform.HaveKeyState(types.KeyStatePendingImport), "IMP-127: a cancelled key without material is not PendingImport")
			}
		},
		ksEntries("IMP-127", stateText("CancelKeyDeletion on an EXTERNAL key: %s"), map[string]ksCancelFrom{
			"Enabled":                          {types.KeyStateEnabled, true},
			"Disabled":                         {types.KeyStateDisabled, true},
			"PendingImport":                    {types.KeyStatePendingImport, false},
			"PendingDeletion-with-material":    {types.KeyStatePendingDeletion, true},
			"PendingDeletion-without-material": {types.KeyStatePendingDeletion, false},
		})...,
	)
})
