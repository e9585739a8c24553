package importkm

import (
	"context"
	"crypto/rand"
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

	"github.com/kmsconform/kmsconform/fixtures/material"
	"github.com/kmsconform/kmsconform/harness/keys"
	"github.com/kmsconform/kmsconform/suites/conform"
)

// The helpers of this file (prefix mm) are shared by multimaterial.go,
// keymaterialid.go and rotation.go: the 2025 profile, in which a symmetric
// EXTERNAL key can hold several key materials. A material imported with
// ImportType=NEW_KEY_MATERIAL waits in PENDING_ROTATION until
// RotateKeyOnDemand makes it CURRENT; the one it replaces stays, NON_CURRENT,
// to decrypt what it encrypted.

// mmMaterialIDPattern is the form of a KeyMaterialId: 64 characters of the
// model's ^[a-f0-9]+$.
const mmMaterialIDPattern = `^[a-f0-9]{64}$`

// mmRotationSettle bounds how long a real KMS may take to show a rotation:
// AWS changes CurrentKeyMaterialId asynchronously (IMP-108).
const mmRotationSettle = 2 * time.Minute

// mmEventually polls f for at most mmRotationSettle against an endpoint; in
// process it checks once: the embedded reference decides every call
// synchronously, so a rotation must show at once, and a faulty reference (a
// mutant) fails the spec at once instead of after mmRotationSettle.
func mmEventually(ctx context.Context, f any) AsyncAssertion {
	if conform.InProcess() {
		// The polling interval is longer than the timeout: one attempt.
		return Eventually(ctx, f).WithTimeout(100 * time.Millisecond).WithPolling(time.Second)
	}
	return Eventually(ctx, f).WithTimeout(mmRotationSettle).WithPolling(2 * time.Second)
}

// mmImport is how an import sets the parameters of the 2025 API; zero values
// omit them. A zero expiry imports material that does not expire; a zero alg
// wraps as ksWrappingFor says, under an RSA_2048 public key.
type mmImport struct {
	alg           types.AlgorithmSpec
	importType    types.ImportType
	keyMaterialID *string
	description   *string
	expiry        expiry
}

func (o mmImport) String() string {
	var parts []string
	if o.alg != "" {
		parts = append(parts, "wrapped with "+string(o.alg))
	}
	if o.importType != "" {
		parts = append(parts, "ImportType="+string(o.importType))
	}
	if o.keyMaterialID != nil {
		parts = append(parts, "KeyMaterialId="+*o.keyMaterialID)
	}
	if o.description != nil {
		parts = append(parts, fmt.Sprintf("KeyMaterialDescription=%q", *o.description))
	}
	if o.expiry.validTo != nil {
		parts = append(parts, "ValidTo="+o.expiry.validTo.UTC().Format(time.RFC3339))
	}
	if len(parts) == 0 {
		return " (no ImportType, KeyMaterialId or KeyMaterialDescription)"
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// mmImportMaterial runs the import flow for m into key id with o's
// parameters and returns ImportKeyMaterial's answer, for specs whose rule is
// about that call.
func mmImportMaterial(ctx context.Context, c *kms.Client, id string, m material.Material, o mmImport) (*kms.ImportKeyMaterialOutput, error) {
	GinkgoHelper()
	alg := o.alg
	if alg == "" {
		alg = ksWrappingFor(m.Spec)
	}
	params := mustGetParameters(ctx, c, id, alg, types.WrappingKeySpecRsa2048)
	e := o.expiry
	if e.model == "" && e.validTo == nil {
		e = doesNotExpire
	}
	in := importRequest(id, params.ImportToken, mustWrap(params, alg, m.Bytes), e)
	in.ImportType, in.KeyMaterialId, in.KeyMaterialDescription = o.importType, o.keyMaterialID, o.description
	By("importing the material" + o.String())
	return c.ImportKeyMaterial(ctx, in)
}

// mmMustImportMaterial imports m into key id with o's parameters, asserts
// success and returns the KeyMaterialId of the response.
func mmMustImportMaterial(ctx context.Context, c *kms.Client, id string, m material.Material, o mmImport) string {
	GinkgoHelper()
	out, err := mmImportMaterial(ctx, c, id, m, o)
	Expect(err).NotTo(HaveOccurred(), "ImportKeyMaterial%s into %s", o, id)
	return mmExpectMaterialID("ImportKeyMaterial", out.KeyMaterialId)
}

// mmExpectMaterialID asserts that id is a KeyMaterialId and returns it.
func mmExpectMaterialID(what string, id *string) string {
	GinkgoHelper()
	Expect(id).NotTo(BeNil(), "%s returned no KeyMaterialId", what)
	Expect(*id).To(MatchRegexp(mmMaterialIDPattern), "%s returned KeyMaterialId %q, which is not 64 lowercase hexadecimal digits", what, *id)
	return *id
}

// mmMustKey creates a symmetric EXTERNAL key and imports fresh material into
// it with o's parameters; it returns the key and the material's KeyMaterialId.
func mmMustKey(ctx context.Context, c *kms.Client, o mmImport) (ksKey, string) {
	GinkgoHelper()
	k := ksMustNewExternalKey(ctx, c, types.KeySpecSymmetricDefault)
	k.m = mustNewMaterial(types.KeySpecSymmetricDefault)
	return k, mmMustImportMaterial(ctx, c, k.id, k.m, o)
}

// mmMustAddPending imports fresh material into key id with
// ImportType=NEW_KEY_MATERIAL (and o's other parameters), so that it waits in
// PENDING_ROTATION; it returns the material and its KeyMaterialId.
func mmMustAddPending(ctx context.Context, c *kms.Client, id string, o mmImport) (material.Material, string) {
	GinkgoHelper()
	By("importing new key material, which waits for rotation")
	m := mustNewMaterial(types.KeySpecSymmetricDefault)
	o.importType = types.ImportTypeNewKeyMaterial
	return m, mmMustImportMaterial(ctx, c, id, m, o)
}

// mmRotate calls RotateKeyOnDemand and returns its answer, for specs whose
// rule is about that call.
func mmRotate(ctx context.Context, c *kms.Client, id string) (*kms.RotateKeyOnDemandOutput, error) {
	GinkgoHelper()
	By("rotating the key on demand")
	return c.RotateKeyOnDemand(ctx, &kms.RotateKeyOnDemandInput{KeyId: aws.String(id)})
}

// mmMustRotate rotates key id, whose material pendingID is pending rotation,
// and waits until DescribeKey and ListKeyRotations name pendingID current, so
// that what a spec does next (a snapshot, above all) sees the rotation done.
func mmMustRotate(ctx context.Context, c *kms.Client, id, pendingID string) {
	GinkgoHelper()
	_, err := mmRotate(ctx, c, id)
	Expect(err).NotTo(HaveOccurred(), "RotateKeyOnDemand %s with key material %s pending rotation", id, pendingID)
	mmExpectCurrent(ctx, c, "setting up a rotation", id, pendingID)
	mmEventually(ctx, func(g Gomega) {
		entries, err := mmListRotations(ctx, c, id, types.IncludeKeyMaterialAllKeyMaterial)
		g.Expect(err).NotTo(HaveOccurred(), "ListKeyRotations ALL_KEY_MATERIAL")
		g.Expect(mmExpectEntry(g, "setting up a rotation", entries, pendingID).KeyMaterialState).To(Equal(types.KeyMaterialStateCurrent),
			"setting up a rotation: ListKeyRotations does not show the rotated-in material CURRENT")
	}).Should(Succeed())
}

// mmMustRotateIn gives key id a new current material: it imports fresh
// material with NEW_KEY_MATERIAL and rotates it in. It returns the material
// and its KeyMaterialId.
func mmMustRotateIn(ctx context.Context, c *kms.Client, id string, o mmImport) (material.Material, string) {
	GinkgoHelper()
	m, newID := mmMustAddPending(ctx, c, id, o)
	mmMustRotate(ctx, c, id, newID)
	return m, newID
}

// mmCurrentMaterialID returns DescribeKey's CurrentKeyMaterialId of key id
// ("" when absent).
func mmCurrentMaterialID(ctx context.Context, c *kms.Client, id string) (string, error) {
	out, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(id)})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.KeyMetadata.CurrentKeyMaterialId), nil
}

// mmExpectCurrent asserts that DescribeKey's CurrentKeyMaterialId of key id
// becomes want within mmRotationSettle (at once in process).
func mmExpectCurrent(ctx context.Context, c *kms.Client, ruleID, id, want string) {
	GinkgoHelper()
	By("checking that DescribeKey names key material " + want + " current")
	mmEventually(ctx, func() (string, error) { return mmCurrentMaterialID(ctx, c, id) }).
		Should(Equal(want), "%s: DescribeKey CurrentKeyMaterialId of key %s", ruleID, id)
}

// mmListRotations lists every entry ListKeyRotations returns for key id with
// IncludeKeyMaterial=include ("" omits the parameter), following NextMarker.
func mmListRotations(ctx context.Context, c *kms.Client, id string, include types.IncludeKeyMaterial) ([]types.RotationsListEntry, error) {
	GinkgoHelper()
	in := &kms.ListKeyRotationsInput{KeyId: aws.String(id), IncludeKeyMaterial: include}
	var out []types.RotationsListEntry
	// A key holds at most the initial material, 25 rotated in and one
	// pending: far fewer than 100 pages of any size.
	for range 100 {
		page, err := c.ListKeyRotations(ctx, in)
		if err != nil {
			return out, err
		}
		out = append(out, page.Rotations...)
		if !page.Truncated {
			return out, nil
		}
		Expect(page.NextMarker).NotTo(BeNil(), "ListKeyRotations of %s says Truncated but gives no NextMarker", id)
		in.Marker = page.NextMarker
	}
	Fail(fmt.Sprintf("ListKeyRotations of %s returned 100 pages and still says Truncated", id))
	return nil, nil
}

// mmMustListAll lists every key material of key id (ALL_KEY_MATERIAL).
func mmMustListAll(ctx context.Context, c *kms.Client, id string) []types.RotationsListEntry {
	GinkgoHelper()
	By("listing the key's materials (ListKeyRotations, IncludeKeyMaterial=ALL_KEY_MATERIAL)")
	out, err := mmListRotations(ctx, c, id, types.IncludeKeyMaterialAllKeyMaterial)
	Expect(err).NotTo(HaveOccurred(), "ListKeyRotations ALL_KEY_MATERIAL of %s", id)
	return out
}

// mmIDs returns the KeyMaterialIds of entries, for failure messages.
func mmIDs(entries []types.RotationsListEntry) []string {
	out := make([]string, 0, len(entries))
	for _, e := range entries {
		out = append(out, aws.ToString(e.KeyMaterialId))
	}
	return out
}

// mmExpectEntry asserts that entries list key material id exactly once and
// returns its entry.
func mmExpectEntry(g Gomega, ruleID string, entries []types.RotationsListEntry, id string) types.RotationsListEntry {
	GinkgoHelper()
	var found []types.RotationsListEntry
	for _, e := range entries {
		if aws.ToString(e.KeyMaterialId) == id {
			found = append(found, e)
		}
	}
	g.Expect(found).To(HaveLen(1), "%s: ListKeyRotations lists key material %s %d times; it lists %v", ruleID, id, len(found), mmIDs(entries))
	return found[0]
}

// mmExpectMaterial asserts the KeyMaterialState and ImportState of key
// material id in entries.
func mmExpectMaterial(g Gomega, ruleID string, entries []types.RotationsListEntry, id string, state types.KeyMaterialState, imported types.ImportState) {
	GinkgoHelper()
	e := mmExpectEntry(g, ruleID, entries, id)
	g.Expect(e.KeyMaterialState).To(Equal(state), "%s: ListKeyRotations KeyMaterialState of key material %s", ruleID, id)
	g.Expect(e.ImportState).To(Equal(imported), "%s: ListKeyRotations ImportState of key material %s", ruleID, id)
}

// mmRandomMaterialID returns a well-formed KeyMaterialId that no KMS has
// issued: 32 random bytes.
func mmRandomMaterialID() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// mmDeleteMaterial calls DeleteImportedKeyMaterial on keyRef (a key ID or
// ARN), naming materialID when not nil, and returns its answer.
func mmDeleteMaterial(ctx context.Context, c *kms.Client, keyRef string, materialID *string) (*kms.DeleteImportedKeyMaterialOutput, error) {
	GinkgoHelper()
	what := "deleting the key's current material (no KeyMaterialId)"
	if materialID != nil {
		what = "deleting key material " + *materialID
	}
	By(what)
	return c.DeleteImportedKeyMaterial(ctx, &kms.DeleteImportedKeyMaterialInput{KeyId: aws.String(keyRef), KeyMaterialId: materialID})
}

func mmMustDeleteMaterial(ctx context.Context, c *kms.Client, keyRef string, materialID string) {
	GinkgoHelper()
	_, err := mmDeleteMaterial(ctx, c, keyRef, aws.String(materialID))
	Expect(err).NotTo(HaveOccurred(), "DeleteImportedKeyMaterial %s KeyMaterialId %s", keyRef, materialID)
}

// mmMaterialView is what a snapshot keeps of a ListKeyRotations entry.
type mmMaterialView struct {
	ID, Description, ValidTo string
	State                    types.KeyMaterialState
	Import                   types.ImportState
	Model                    types.ExpirationModelType
	RotationDate             string
}

// mmSnapshot is a conform.KeySnapshot of a symmetric key plus its materials
// as ListKeyRotations (ALL_KEY_MATERIAL) lists them: a rejected import or
// rotation must not add, drop, rotate or re-describe a material either, which
// DescribeKey alone does not show.
type mmSnapshot struct {
	key       conform.KeySnapshot
	client    *kms.Client
	id        string
	materials []mmMaterialView
}

func mmSnapshotKey(ctx context.Context, c *kms.Client, id string) mmSnapshot {
	GinkgoHelper()
	return mmSnapshot{key: conform.SnapshotKey(ctx, c, id), client: c, id: id, materials: mmViews(mmMustListAll(ctx, c, id))}
}

// mmExpectKeyUnchanged asserts conform.ExpectKeyUnchanged and that the key's
// materials are as they were.
func mmExpectKeyUnchanged(ctx context.Context, before mmSnapshot) {
	GinkgoHelper()
	conform.ExpectKeyUnchanged(ctx, before.key)
	after := mmViews(mmMustListAll(ctx, before.client, before.id))
	Expect(after).To(Equal(before.materials), "a rejected call changed the key materials of %s (ListKeyRotations ALL_KEY_MATERIAL)", before.id)
}

func mmViews(entries []types.RotationsListEntry) []mmMaterialView {
	stamp := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format(time.RFC3339Nano)
	}
	out := make([]mmMaterialView, 0, len(entries))
	for _, e := range entries {
		out = append(out, mmMaterialView{
			ID: aws.ToString(e.KeyMaterialId), Description: aws.ToString(e.KeyMaterialDescription), ValidTo: stamp(e.ValidTo),
			State: e.KeyMaterialState, Import: e.ImportState, Model: e.ExpirationModel, RotationDate: stamp(e.RotationDate),
		})
	}
	slices.SortFunc(out, func(a, b mmMaterialView) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// mmExpectRefusesEncrypt asserts that Encrypt with key id is refused (any
// client error: the code is another rule's, IMP-123) and changes nothing.
func mmExpectRefusesEncrypt(ctx context.Context, c *kms.Client, ruleID, id string) {
	GinkgoHelper()
	before := conform.SnapshotKey(ctx, c, id)
	By("encrypting with the key, which must be refused")
	_, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(id), Plaintext: ksPlaintext(ruleID)})
	Expect(err).To(conform.BeKMSClientError(), "%s: Encrypt with a key in PendingImport was not refused", ruleID)
	conform.ExpectKeyUnchanged(ctx, before)
}

// mmNonSymmetric are the key classes of the asymmetric and HMAC cases, each
// with its cheapest key spec. A slice, not a map: specs are declared in its
// order, which must be the same in every parallel process.
var mmNonSymmetric = []struct {
	class string
	spec  types.KeySpec
}{{"asymmetric", types.KeySpecEccNistP256}, {"HMAC", types.KeySpecHmac256}}

var _ = Describe("Several key materials per symmetric key", func() {
	conform.It("IMP-072", "treats the first import without ImportType as new material and makes it current", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		k := ksMustNewExternalKey(ctx, c, types.KeySpecSymmetricDefault)
		k.m = mustNewMaterial(types.KeySpecSymmetricDefault)
		out, err := mmImportMaterial(ctx, c, k.id, k.m, mmImport{})
		r.Case("first-import").ExpectSuccess(err)
		id := mmExpectMaterialID("IMP-072: ImportKeyMaterial", out.KeyMaterialId)
		meta := mustDescribe(ctx, c, k.id)
		Expect(meta).To(conform.HaveKeyState(types.KeyStateEnabled), "IMP-072: the first import did not enable the key")
		Expect(aws.ToString(meta.CurrentKeyMaterialId)).To(Equal(id), "IMP-072: DescribeKey CurrentKeyMaterialId is not the KeyMaterialId of the first import")
		entries := mmMustListAll(ctx, c, k.id)
		Expect(entries).To(HaveLen(1), "IMP-072: ListKeyRotations lists %v after the first import, not just its material", mmIDs(entries))
		mmExpectMaterial(Default, "IMP-072", entries, id, types.KeyMaterialStateCurrent, types.ImportStateImported)
	})

	conform.It("IMP-072", "treats a later import of the key's material without ImportType as a reimport", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		k, id := mmMustKey(ctx, c, mmImport{})
		pt := ksPlaintext("IMP-072")
		ct := ksMustEncrypt(ctx, c, k.id, pt)

		out, err := mmImportMaterial(ctx, c, k.id, k.m, mmImport{})
		r.Case("later-same-material").ExpectSuccess(err)
		Expect(aws.ToString(out.KeyMaterialId)).To(Equal(id), "IMP-072: the reimport answers another KeyMaterialId than the first import")
		meta := mustDescribe(ctx, c, k.id)
		Expect(meta).To(conform.HaveKeyState(types.KeyStateEnabled), "IMP-072: the key is not Enabled after the reimport")
		Expect(aws.ToString(meta.CurrentKeyMaterialId)).To(Equal(id), "IMP-072: the reimport changed DescribeKey CurrentKeyMaterialId")
		entries := mmMustListAll(ctx, c, k.id)
		Expect(entries).To(HaveLen(1), "IMP-072: after a reimport ListKeyRotations lists %v: the reimport was taken for new material", mmIDs(entries))
		mmExpectMaterial(Default, "IMP-072", entries, id, types.KeyMaterialStateCurrent, types.ImportStateImported)
		ksExpectDecrypts(ctx, c, "IMP-072", k, ct, pt)
	})

	conform.It("IMP-072", "rejects other material imported without ImportType into a key that has material", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		k, _ := mmMustKey(ctx, c, mmImport{})
		before := mmSnapshotKey(ctx, c, k.id)
		_, err := mmImportMaterial(ctx, c, k.id, mustNewMaterial(types.KeySpecSymmetricDefault), mmImport{})
		r.Case("later-other-material").ExpectError(err)
		mmExpectKeyUnchanged(ctx, before)
	})

	conform.It("IMP-073", "makes the first material current and keeps it associated after another is rotated in", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		k := ksMustNewExternalKey(ctx, c, types.KeySpecSymmetricDefault)
		k.m = mustNewMaterial(types.KeySpecSymmetricDefault)
		By("importing the first material with ImportType=NEW_KEY_MATERIAL")
		out, err := mmImportMaterial(ctx, c, k.id, k.m, mmImport{importType: types.ImportTypeNewKeyMaterial})
		r.Case("first-material-current").ExpectSuccess(err)
		first := mmExpectMaterialID("IMP-073: ImportKeyMaterial", out.KeyMaterialId)
		Expect(mustDescribe(ctx, c, k.id).CurrentKeyMaterialId).To(HaveValue(Equal(first)), "IMP-073: DescribeKey CurrentKeyMaterialId is not the first material's")
		mmExpectMaterial(Default, "IMP-073", mmMustListAll(ctx, c, k.id), first, types.KeyMaterialStateCurrent, types.ImportStateImported)
		pt := ksPlaintext("IMP-073")
		ct := ksMustEncrypt(ctx, c, k.id, pt)

		By("rotating in a second material; the first must stay associated")
		_, second := mmMustRotateIn(ctx, c, k.id, mmImport{})
		entries := mmMustListAll(ctx, c, k.id)
		mmExpectMaterial(Default, "IMP-073", entries, first, types.KeyMaterialStateNonCurrent, types.ImportStateImported)
		mmExpectMaterial(Default, "IMP-073", entries, second, types.KeyMaterialStateCurrent, types.ImportStateImported)
		By("reimporting the first material, which the key must still accept as its own")
		out, err = mmImportMaterial(ctx, c, k.id, k.m, mmImport{importType: types.ImportTypeExistingKeyMaterial})
		Expect(err).NotTo(HaveOccurred(), "IMP-073: the key refuses to reimport its first material after a rotation")
		Expect(aws.ToString(out.KeyMaterialId)).To(Equal(first), "IMP-073: the reimport of the first material answers another KeyMaterialId")
		ksExpectDecrypts(ctx, c, "IMP-073", k, ct, pt)
	})

	for _, ns := range mmNonSymmetric {
		spec := ns.spec
		conform.It("IMP-073", "rejects other material for an "+string(spec)+" key, before and after its material is deleted", func(ctx SpecContext, r conform.Rule) {
			c := conform.Client()
			k := ksMustImportedKey(ctx, c, spec)
			cs := r.Case(ns.class + "-single-material")
			for _, when := range []string{"holding its material", "after its material was deleted"} {
				if when != "holding its material" {
					ksMustDeleteMaterial(ctx, c, k.id)
				}
				before := conform.SnapshotKey(ctx, c, k.id)
				By("importing other material into the " + string(spec) + " key " + when)
				cs.ExpectError(ksImportMaterial(ctx, c, k.id, reiMustDifferent(k.m), doesNotExpire))
				conform.ExpectKeyUnchanged(ctx, before)
			}
			By("reimporting the key's own material, which it still accepts")
			ksMustImportMaterial(ctx, c, k.id, k.m, doesNotExpire)
		})
	}

	conform.DescribeTable("2025 import parameters on asymmetric and HMAC keys",
		func(ctx SpecContext, cs conform.Case, p mmParamCase) {
			c := conform.Client()
			meta := mustCreateExternalKey(ctx, c, p.spec)
			k := ksKey{id: aws.ToString(meta.KeyId), arn: aws.ToString(meta.Arn), m: mustNewMaterial(p.spec)}
			first, err := mmImportMaterial(ctx, c, k.id, k.m, mmImport{})
			Expect(err).NotTo(HaveOccurred(), "setting up: importing the %s key's material", p.spec)

			// The request reimports the key's own material, which succeeds
			// without the parameter (checked below): only the parameter can
			// be the reason to refuse it.
			o := mmImport{}
			switch p.param {
			case "ImportType":
				o.importType = types.ImportTypeExistingKeyMaterial
			case "KeyMaterialId":
				// The id the first import answered, if the target gives one
				// for these keys; else any well-formed id.
				id := aws.ToString(first.KeyMaterialId)
				if id == "" {
					id = mmRandomMaterialID()
				}
				o.keyMaterialID = &id
			case "KeyMaterialDescription":
				o.description = aws.String("kmsconform IMP-074")
			}
			before := conform.SnapshotKey(ctx, c, k.id)
			_, err = mmImportMaterial(ctx, c, k.id, k.m, o)
			cs.ExpectError(err)
			conform.ExpectKeyUnchanged(ctx, before)

			By("reimporting the same material without " + p.param + ", which the key accepts")
			_, err = mmImportMaterial(ctx, c, k.id, k.m, mmImport{})
			Expect(err).NotTo(HaveOccurred(), "IMP-074: the reimport without %s is refused too, so the refusal above says nothing about %s", p.param, p.param)
		},
		ksEntries("IMP-074", func(s string) string {
			param, class, _ := strings.Cut(s, "-")
			return "rejects ImportKeyMaterial with " + param + " into an " + class + " EXTERNAL key"
		}, mmParamCases())...,
	)

	conform.It("IMP-075", "puts material imported with NEW_KEY_MATERIAL in PENDING_ROTATION and leaves the key as it was", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		k, first := mmMustKey(ctx, c, mmImport{})
		pt := ksPlaintext("IMP-075")
		ct := ksMustEncrypt(ctx, c, k.id, pt)

		out, err := mmImportMaterial(ctx, c, k.id, mustNewMaterial(types.KeySpecSymmetricDefault), mmImport{importType: types.ImportTypeNewKeyMaterial})
		r.ExpectSuccess(err)
		pending := mmExpectMaterialID("IMP-075: ImportKeyMaterial", out.KeyMaterialId)
		Expect(pending).NotTo(Equal(first), "IMP-075: the new material got the KeyMaterialId of the key's first material")
		meta := mustDescribe(ctx, c, k.id)
		Expect(meta).To(conform.HaveKeyState(types.KeyStateEnabled), "IMP-075: importing new material changed the key state")
		Expect(aws.ToString(meta.CurrentKeyMaterialId)).To(Equal(first), "IMP-075: importing new material changed DescribeKey CurrentKeyMaterialId")
		entries := mmMustListAll(ctx, c, k.id)
		Expect(entries).To(HaveLen(2), "IMP-075: ListKeyRotations lists %v, not the first and the new material", mmIDs(entries))
		mmExpectMaterial(Default, "IMP-075", entries, pending, types.KeyMaterialStatePendingRotation, types.ImportStateImported)
		mmExpectMaterial(Default, "IMP-075", entries, first, types.KeyMaterialStateCurrent, types.ImportStateImported)
		ksExpectDecrypts(ctx, c, "IMP-075", k, ct, pt)
		By("checking that the key still encrypts and decrypts")
		ksExpectDecrypts(ctx, c, "IMP-075", k, ksMustEncrypt(ctx, c, k.id, pt), pt)
	})

	conform.It("IMP-076", "rejects new material while another material is pending rotation", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		k, _ := mmMustKey(ctx, c, mmImport{})
		mmMustAddPending(ctx, c, k.id, mmImport{})

		before := mmSnapshotKey(ctx, c, k.id)
		By("importing a third material with ImportType=NEW_KEY_MATERIAL")
		_, err := mmImportMaterial(ctx, c, k.id, mustNewMaterial(types.KeySpecSymmetricDefault), mmImport{importType: types.ImportTypeNewKeyMaterial})
		r.ExpectError(err)
		mmExpectKeyUnchanged(ctx, before)
	})

	conform.It("IMP-077", "rejects NEW_KEY_MATERIAL with the key's current material", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		k, _ := mmMustKey(ctx, c, mmImport{})
		before := mmSnapshotKey(ctx, c, k.id)
		_, err := mmImportMaterial(ctx, c, k.id, k.m, mmImport{importType: types.ImportTypeNewKeyMaterial})
		r.ExpectError(err)
		mmExpectKeyUnchanged(ctx, before)
	})

	conform.It("IMP-077", "rejects NEW_KEY_MATERIAL with a material the key rotated out", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		k, _ := mmMustKey(ctx, c, mmImport{})
		mmMustRotateIn(ctx, c, k.id, mmImport{})
		before := mmSnapshotKey(ctx, c, k.id)
		By("importing the first, now NON_CURRENT, material as new material")
		_, err := mmImportMaterial(ctx, c, k.id, k.m, mmImport{importType: types.ImportTypeNewKeyMaterial})
		r.ExpectError(err)
		mmExpectKeyUnchanged(ctx, before)
	})

	conform.It("IMP-078", "rejects material the key never had with ImportType=EXISTING_KEY_MATERIAL", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		k, _ := mmMustKey(ctx, c, mmImport{})
		before := mmSnapshotKey(ctx, c, k.id)
		_, err := mmImportMaterial(ctx, c, k.id, mustNewMaterial(types.KeySpecSymmetricDefault), mmImport{importType: types.ImportTypeExistingKeyMaterial})
		r.Case("explicit").ExpectError(err)
		mmExpectKeyUnchanged(ctx, before)
	})

	conform.It("IMP-078", "rejects material the key never had without ImportType, into a key with two materials", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		k, _ := mmMustKey(ctx, c, mmImport{})
		mmMustRotateIn(ctx, c, k.id, mmImport{})
		before := mmSnapshotKey(ctx, c, k.id)
		_, err := mmImportMaterial(ctx, c, k.id, mustNewMaterial(types.KeySpecSymmetricDefault), mmImport{})
		r.Case("default").ExpectError(err)
		mmExpectKeyUnchanged(ctx, before)
	})

	conform.It("IMP-081", "keeps a material's description when it is reimported without one, and changes it when reimported with one", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		const first, second = "kmsconform first description", "kmsconform second description"
		k, id := mmMustKey(ctx, c, mmImport{description: aws.String(first)})
		description := func() string {
			GinkgoHelper()
			return aws.ToString(mmExpectEntry(Default, "IMP-081", mmMustListAll(ctx, c, k.id), id).KeyMaterialDescription)
		}
		Expect(description()).To(Equal(first), "IMP-081: ListKeyRotations does not show the description the material was imported with")

		_, err := mmImportMaterial(ctx, c, k.id, k.m, mmImport{})
		r.Case("omitted-keeps-description").ExpectSuccess(err)
		Expect(description()).To(Equal(first), "IMP-081: a reimport without KeyMaterialDescription changed the material's description")

		_, err = mmImportMaterial(ctx, c, k.id, k.m, mmImport{description: aws.String(second)})
		r.Case("changed-on-reimport").ExpectSuccess(err)
		Expect(description()).To(Equal(second), "IMP-081: ListKeyRotations does not show the description of the reimport")
	})

	conform.ItCase("IMP-081", "propagated-to-replica", "shows the description set on a multi-Region primary on its replica", func(ctx SpecContext, cs conform.Case) {
		c := conform.Client()
		const first, second = "kmsconform primary description", "kmsconform changed on the primary"
		By("creating a symmetric EXTERNAL multi-Region primary key")
		meta := mustCreateKey(ctx, c, kms.CreateKeyInput{Origin: types.OriginTypeExternal, KeySpec: types.KeySpecSymmetricDefault, KeyUsage: types.KeyUsageTypeEncryptDecrypt, MultiRegion: aws.Bool(true)})
		k := ksKey{id: aws.ToString(meta.KeyId), arn: aws.ToString(meta.Arn), m: mustNewMaterial(types.KeySpecSymmetricDefault)}
		id := mmMustImportMaterial(ctx, c, k.id, k.m, mmImport{description: aws.String(first)})
		rc := mmMustReplicate(ctx, c, k.id)
		By("importing the primary's material into the replica")
		mmMustImportMaterial(ctx, rc, k.id, k.m, mmImport{})

		replicaDescription := func(g Gomega) string {
			entries, err := mmListRotations(ctx, rc, k.id, types.IncludeKeyMaterialAllKeyMaterial)
			g.Expect(err).NotTo(HaveOccurred(), "ListKeyRotations ALL_KEY_MATERIAL of the replica")
			return aws.ToString(mmExpectEntry(g, "IMP-081", entries, id).KeyMaterialDescription)
		}
		By("checking the replica's description of the material")
		mmEventually(ctx, func(g Gomega) {
			g.Expect(replicaDescription(g)).To(Equal(first), "IMP-081: the replica does not show the description set on the primary")
		}).Should(Succeed())

		By("changing the description on the primary")
		_, err := mmImportMaterial(ctx, c, k.id, k.m, mmImport{description: aws.String(second)})
		cs.ExpectSuccess(err)
		mmEventually(ctx, func(g Gomega) {
			g.Expect(replicaDescription(g)).To(Equal(second), "IMP-081: the replica does not show the description changed on the primary")
		}).Should(Succeed())
	}, SpecTimeout(10*time.Minute))

	conform.It("IMP-082", "keeps a key with two imported materials Enabled, decrypting under both", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		k, first := mmMustKey(ctx, c, mmImport{})
		pt := ksPlaintext("IMP-082")
		ct1 := ksMustEncrypt(ctx, c, k.id, pt)
		_, second := mmMustRotateIn(ctx, c, k.id, mmImport{})
		ct2 := ksMustEncrypt(ctx, c, k.id, pt)

		By("describing the key with both materials imported")
		out, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(k.id)})
		r.Case("all-imported").ExpectSuccess(err)
		Expect(out.KeyMetadata).To(conform.HaveKeyState(types.KeyStateEnabled), "IMP-082: a key with all its materials imported is not Enabled")
		entries := mmMustListAll(ctx, c, k.id)
		mmExpectMaterial(Default, "IMP-082", entries, first, types.KeyMaterialStateNonCurrent, types.ImportStateImported)
		mmExpectMaterial(Default, "IMP-082", entries, second, types.KeyMaterialStateCurrent, types.ImportStateImported)
		ksExpectDecrypts(ctx, c, "IMP-082", k, ct1, pt)
		ksExpectDecrypts(ctx, c, "IMP-082", k, ct2, pt)
	})

	conform.It("IMP-082", "makes a key PendingImport when its non-current material is deleted, and Enabled again when it is reimported", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		k, first := mmMustKey(ctx, c, mmImport{})
		pt := ksPlaintext("IMP-082")
		ct1 := ksMustEncrypt(ctx, c, k.id, pt)
		_, second := mmMustRotateIn(ctx, c, k.id, mmImport{})
		ct2 := ksMustEncrypt(ctx, c, k.id, pt)

		_, err := mmDeleteMaterial(ctx, c, k.id, aws.String(first))
		r.Case("one-deleted").ExpectSuccess(err)
		meta := mustDescribe(ctx, c, k.id)
		Expect(meta).To(conform.HaveKeyState(types.KeyStatePendingImport), "IMP-082: the key is not PendingImport although one of its materials was deleted")
		Expect(meta.Enabled).To(BeFalse(), "IMP-082: DescribeKey reports Enabled=true although one of the key's materials was deleted")
		entries := mmMustListAll(ctx, c, k.id)
		mmExpectMaterial(Default, "IMP-082", entries, first, types.KeyMaterialStateNonCurrent, types.ImportStatePendingImport)
		mmExpectMaterial(Default, "IMP-082", entries, second, types.KeyMaterialStateCurrent, types.ImportStateImported)
		mmExpectRefusesEncrypt(ctx, c, "IMP-082", k.id)

		By("reimporting the deleted material")
		mmMustImportMaterial(ctx, c, k.id, k.m, mmImport{})
		Expect(mustDescribe(ctx, c, k.id)).To(conform.HaveKeyState(types.KeyStateEnabled), "IMP-082: the key is not Enabled once all its materials are imported again")
		mmExpectMaterial(Default, "IMP-082", mmMustListAll(ctx, c, k.id), first, types.KeyMaterialStateNonCurrent, types.ImportStateImported)
		ksExpectDecrypts(ctx, c, "IMP-082", k, ct1, pt)
		ksExpectDecrypts(ctx, c, "IMP-082", k, ct2, pt)
	})

	conform.It("IMP-082", "makes a key PendingImport when its non-current material expires", func(ctx SpecContext, r conform.Rule) {
		clock := conform.ExpiryClock(ctx)
		c := clock.Client
		k, first := mmMustKey(ctx, c, mmImport{expiry: expiresAt(ksValidTo(expLifetime))})
		_, second := mmMustRotateIn(ctx, c, k.id, mmImport{})
		expMustLetMaterialExpire(ctx, clock, "IMP-082", k.id)

		By("describing the key after its first material expired")
		out, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(k.id)})
		r.Case("one-expired").ExpectSuccess(err)
		Expect(out.KeyMetadata).To(conform.HaveKeyState(types.KeyStatePendingImport), "IMP-082: the key is not PendingImport although one of its materials expired")
		entries := mmMustListAll(ctx, c, k.id)
		mmExpectMaterial(Default, "IMP-082", entries, first, types.KeyMaterialStateNonCurrent, types.ImportStatePendingImport)
		mmExpectMaterial(Default, "IMP-082", entries, second, types.KeyMaterialStateCurrent, types.ImportStateImported)
		mmExpectRefusesEncrypt(ctx, c, "IMP-082", k.id)
	}, SpecTimeout(10*time.Minute))

	conform.It("IMP-087", "deletes a material pending rotation and leaves the key Enabled with the same current material", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		k, first := mmMustKey(ctx, c, mmImport{})
		pt := ksPlaintext("IMP-087")
		ct := ksMustEncrypt(ctx, c, k.id, pt)
		_, pending := mmMustAddPending(ctx, c, k.id, mmImport{})

		_, err := mmDeleteMaterial(ctx, c, k.id, aws.String(pending))
		r.ExpectSuccess(err)
		meta := mustDescribe(ctx, c, k.id)
		Expect(meta).To(conform.HaveKeyState(types.KeyStateEnabled), "IMP-087: deleting a material pending rotation changed the key state")
		Expect(aws.ToString(meta.CurrentKeyMaterialId)).To(Equal(first), "IMP-087: deleting a material pending rotation changed CurrentKeyMaterialId")
		ksExpectDecrypts(ctx, c, "IMP-087", k, ct, pt)
		By("checking that the key still encrypts")
		ksExpectDecrypts(ctx, c, "IMP-087", k, ksMustEncrypt(ctx, c, k.id, pt), pt)
	})

	conform.ItCase("IMP-092", "", "rejects DeleteImportedKeyMaterial naming a KeyMaterialId the key does not have", func(ctx SpecContext, cs conform.Case) {
		c := conform.Client()
		k, _ := mmMustKey(ctx, c, mmImport{})
		_, otherID := mmMustKey(ctx, c, mmImport{})
		for _, unknown := range []struct{ what, id string }{
			{"the KeyMaterialId of another key's material", otherID},
			{"a random KeyMaterialId", mmRandomMaterialID()},
		} {
			before := mmSnapshotKey(ctx, c, k.id)
			By("deleting " + unknown.what)
			_, err := mmDeleteMaterial(ctx, c, k.id, aws.String(unknown.id))
			cs.ExpectError(err)
			mmExpectKeyUnchanged(ctx, before)
		}
	})

	conform.It("IMP-095", "reports as ValidTo the earliest expiry of the key's permanently associated materials", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		in20, in10, in5 := ksValidTo(20*24*time.Hour), ksValidTo(10*24*time.Hour), ksValidTo(5*24*time.Hour)
		k, _ := mmMustKey(ctx, c, mmImport{expiry: expiresAt(in20)})
		validTo := func(when string) time.Time {
			GinkgoHelper()
			meta, err := descDescribe(ctx, c, k.id, when)
			r.ExpectSuccess(err)
			Expect(meta.ValidTo).NotTo(BeNil(), "IMP-095: DescribeKey shows no ValidTo %s", when)
			return *meta.ValidTo
		}

		_, pending := mmMustAddPending(ctx, c, k.id, mmImport{expiry: expiresAt(in10)})
		Expect(validTo("with a material expiring in 10 days pending rotation")).To(BeTemporally("==", in20),
			"IMP-095: DescribeKey ValidTo counts the material pending rotation, which is not permanently associated")
		mmMustRotate(ctx, c, k.id, pending)
		Expect(validTo("once the material expiring in 10 days is rotated in")).To(BeTemporally("==", in10),
			"IMP-095: DescribeKey ValidTo is not the earlier ValidTo of the two materials")
		By("reimporting the first material to expire in 5 days")
		mmMustImportMaterial(ctx, c, k.id, k.m, mmImport{expiry: expiresAt(in5)})
		Expect(validTo("once the first material expires in 5 days")).To(BeTemporally("==", in5),
			"IMP-095: DescribeKey ValidTo is not the earliest ValidTo, that of the non-current material")
		By("reimporting the first material without expiry")
		mmMustImportMaterial(ctx, c, k.id, k.m, mmImport{})
		Expect(validTo("once the first material no longer expires")).To(BeTemporally("==", in10),
			"IMP-095: DescribeKey ValidTo is not the ValidTo of the one material that still expires")
	})
})

// mmParamCase is an IMP-074 case: a 2025 parameter on a key spec.
type mmParamCase struct {
	spec  types.KeySpec
	param string
}

func mmParamCases() map[string]mmParamCase {
	out := map[string]mmParamCase{}
	for _, ns := range mmNonSymmetric {
		for _, param := range []string{"ImportType", "KeyMaterialId", "KeyMaterialDescription"} {
			out[param+"-"+ns.class] = mmParamCase{ns.spec, param}
		}
	}
	return out
}

// mmReplicaRegion is the Region a spec replicates a multi-Region key to: the
// target's second Region (capability multi-region), which the target
// declares or the run configures (--kms.second-region).
func mmReplicaRegion() string {
	GinkgoHelper()
	return conform.SecondRegion()
}

// mmMustReplicate replicates the multi-Region primary key id into
// mmReplicaRegion and returns a client of that Region. The replica is tagged
// with the run id and scheduled for deletion when the spec ends; its cleanup
// runs before the primary's (cleanups run in reverse order), as AWS deletes a
// primary only once its replicas are gone.
func mmMustReplicate(ctx context.Context, c *kms.Client, id string) *kms.Client {
	GinkgoHelper()
	region := mmReplicaRegion()
	By("replicating the key into " + region)
	out, err := c.ReplicateKey(ctx, &kms.ReplicateKeyInput{
		KeyId: aws.String(id), ReplicaRegion: aws.String(region),
		Tags: []types.Tag{{TagKey: aws.String(keys.RunTagKey), TagValue: aws.String(conform.RunID())}},
	})
	Expect(err).NotTo(HaveOccurred(), "ReplicateKey %s into %s", id, region)
	Expect(out.ReplicaKeyMetadata).NotTo(BeNil(), "ReplicateKey returned no ReplicaKeyMetadata")
	rc := kms.New(c.Options(), func(o *kms.Options) { o.Region = region })
	replicaID := aws.ToString(out.ReplicaKeyMetadata.KeyId)
	DeferCleanup(func(ctx context.Context) error { return keys.ScheduleDeletion(ctx, rc, replicaID) })
	By("waiting for the replica to leave Creating")
	mmEventually(ctx, func() (types.KeyState, error) {
		out, err := rc.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(replicaID)})
		if err != nil {
			return "", err
		}
		return out.KeyMetadata.KeyState, nil
	}).Should(Equal(types.KeyStatePendingImport), "the replica of an EXTERNAL primary did not become PendingImport")
	return rc
}
