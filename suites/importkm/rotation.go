package importkm

import (
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/kmsconform/kmsconform/suites/conform"
)

// mmOnDemandRotationLimit is how many on-demand rotations a key allows
// (IMP-113).
const mmOnDemandRotationLimit = 25

var _ = Describe("On-demand rotation of keys with imported material", func() {
	conform.It("IMP-108", "makes the material pending rotation current and the previous one non-current", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		k, first := mmMustKey(ctx, c, mmImport{})
		_, pending := mmMustAddPending(ctx, c, k.id, mmImport{})
		entries := mmMustListAll(ctx, c, k.id)
		mmExpectMaterial(Default, "IMP-108", entries, first, types.KeyMaterialStateCurrent, types.ImportStateImported)
		mmExpectMaterial(Default, "IMP-108", entries, pending, types.KeyMaterialStatePendingRotation, types.ImportStateImported)

		out, err := mmRotate(ctx, c, k.id)
		r.Case("rotate").ExpectSuccess(err)
		Expect(aws.ToString(out.KeyId)).To(BeElementOf(k.id, k.arn), "IMP-108: the RotateKeyOnDemand response KeyId names another key")
		mmExpectCurrent(ctx, c, "IMP-108", k.id, pending)
		By("checking the materials' states once the rotation shows")
		mmEventually(ctx, func(g Gomega) {
			entries, err := mmListRotations(ctx, c, k.id, types.IncludeKeyMaterialAllKeyMaterial)
			g.Expect(err).NotTo(HaveOccurred(), "ListKeyRotations ALL_KEY_MATERIAL")
			g.Expect(entries).To(HaveLen(2), "IMP-108: after one rotation ListKeyRotations lists %v, not the two materials", mmIDs(entries))
			mmExpectMaterial(g, "IMP-108", entries, pending, types.KeyMaterialStateCurrent, types.ImportStateImported)
			mmExpectMaterial(g, "IMP-108", entries, first, types.KeyMaterialStateNonCurrent, types.ImportStateImported)
		}).Should(Succeed())
		Expect(mustDescribe(ctx, c, k.id)).To(conform.HaveKeyState(types.KeyStateEnabled), "IMP-108: the key is not Enabled after the rotation")
		By("checking that a ciphertext made after the rotation decrypts")
		pt := ksPlaintext("IMP-108")
		ksExpectDecrypts(ctx, c, "IMP-108", k, ksMustEncrypt(ctx, c, k.id, pt), pt)
	})

	conform.It("IMP-108", "still decrypts ciphertext made under the previous material after a rotation", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		k, _ := mmMustKey(ctx, c, mmImport{})
		pt := ksPlaintext("IMP-108")
		before := ksMustEncrypt(ctx, c, k.id, pt)
		_, pending := mmMustAddPending(ctx, c, k.id, mmImport{})
		By("encrypting while the new material is pending rotation, which the current material still does")
		whilePending := ksMustEncrypt(ctx, c, k.id, pt)
		_, err := mmRotate(ctx, c, k.id)
		r.Case("rotate").ExpectSuccess(err)
		mmExpectCurrent(ctx, c, "IMP-108", k.id, pending)
		after := ksMustEncrypt(ctx, c, k.id, pt)

		for _, ct := range []struct {
			what string
			blob []byte
		}{{"before the new material was imported", before}, {"while it was pending rotation", whilePending}} {
			By("decrypting the ciphertext made " + ct.what)
			out, err := c.Decrypt(ctx, &kms.DecryptInput{KeyId: aws.String(k.id), CiphertextBlob: ct.blob})
			r.Case("previous-ciphertext-decrypts").ExpectSuccess(err)
			Expect(out.Plaintext).To(Equal(pt), "IMP-108: the ciphertext made %s decrypts to other bytes", ct.what)
			Expect(aws.ToString(out.KeyId)).To(Equal(k.arn), "IMP-108: Decrypt of the ciphertext made %s names another key", ct.what)
		}
		ksExpectDecrypts(ctx, c, "IMP-108", k, after, pt)
	})

	conform.It("IMP-109", "rejects RotateKeyOnDemand on a key that never had a material pending rotation", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		k, _ := mmMustKey(ctx, c, mmImport{})
		before := mmSnapshotKey(ctx, c, k.id)
		_, err := mmRotate(ctx, c, k.id)
		r.ExpectError(err)
		mmExpectKeyUnchanged(ctx, before)
	})

	conform.It("IMP-109", "rejects a second RotateKeyOnDemand once the pending material was rotated in", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		k, _ := mmMustKey(ctx, c, mmImport{})
		mmMustRotateIn(ctx, c, k.id, mmImport{})
		before := mmSnapshotKey(ctx, c, k.id)
		_, err := mmRotate(ctx, c, k.id)
		r.ExpectError(err)
		mmExpectKeyUnchanged(ctx, before)
	})

	conform.It("IMP-109", "rejects RotateKeyOnDemand once the material pending rotation was deleted", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		k, _ := mmMustKey(ctx, c, mmImport{})
		_, pending := mmMustAddPending(ctx, c, k.id, mmImport{})
		mmMustDeleteMaterial(ctx, c, k.id, pending)
		before := mmSnapshotKey(ctx, c, k.id)
		_, err := mmRotate(ctx, c, k.id)
		r.ExpectError(err)
		mmExpectKeyUnchanged(ctx, before)
	})

	conform.It("IMP-110", "rejects RotateKeyOnDemand on an EXTERNAL key that never had material", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		k := ksMustNewExternalKey(ctx, c, types.KeySpecSymmetricDefault)
		before := mmSnapshotKey(ctx, c, k.id)
		_, err := mmRotate(ctx, c, k.id)
		r.ExpectError(err)
		mmExpectKeyUnchanged(ctx, before)
	})

	conform.It("IMP-110", "rejects RotateKeyOnDemand on a key in PendingImport that has a material pending rotation", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		k, first := mmMustKey(ctx, c, mmImport{})
		mmMustAddPending(ctx, c, k.id, mmImport{})
		mmMustDeleteMaterial(ctx, c, k.id, first)
		Expect(mustDescribe(ctx, c, k.id)).To(conform.HaveKeyState(types.KeyStatePendingImport), "setting up: the key is not PendingImport once its current material was deleted")
		before := mmSnapshotKey(ctx, c, k.id)
		_, err := mmRotate(ctx, c, k.id)
		r.ExpectError(err)
		mmExpectKeyUnchanged(ctx, before)
	})

	conform.It("IMP-113", fmt.Sprintf("allows %d on-demand rotations of a key and rejects the next", mmOnDemandRotationLimit), func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		k, _ := mmMustKey(ctx, c, mmImport{})
		for i := 1; i <= mmOnDemandRotationLimit; i++ {
			By(fmt.Sprintf("rotation %d of %d", i, mmOnDemandRotationLimit))
			_, pending := mmMustAddPending(ctx, c, k.id, mmImport{})
			_, err := mmRotate(ctx, c, k.id)
			Expect(err).NotTo(HaveOccurred(), "IMP-113: on-demand rotation %d of the %d a key allows was refused", i, mmOnDemandRotationLimit)
			mmExpectCurrent(ctx, c, "IMP-113", k.id, pending)
		}
		rotated, err := mmListRotations(ctx, c, k.id, types.IncludeKeyMaterialRotationsOnly)
		Expect(err).NotTo(HaveOccurred(), "ListKeyRotations ROTATIONS_ONLY")
		Expect(rotated).To(HaveLen(mmOnDemandRotationLimit), "IMP-113: ListKeyRotations lists %d rotations after %d on-demand rotations", len(rotated), mmOnDemandRotationLimit)

		By("importing one more new material and rotating once more")
		mmMustAddPending(ctx, c, k.id, mmImport{})
		before := mmSnapshotKey(ctx, c, k.id)
		_, err = mmRotate(ctx, c, k.id)
		r.ExpectError(err)
		mmExpectKeyUnchanged(ctx, before)
	}, SpecTimeout(10*time.Minute))
})

var _ = Describe("ListKeyRotations of keys with imported material", func() {
	conform.It("IMP-118", "lists only completed rotations by default and with ROTATIONS_ONLY", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		k, _ := mmMustKey(ctx, c, mmImport{})
		cs := r.Case("rotations-only")
		list := func(include types.IncludeKeyMaterial, when string) []string {
			GinkgoHelper()
			By(fmt.Sprintf("listing rotations with IncludeKeyMaterial=%q %s", include, when))
			entries, err := mmListRotations(ctx, c, k.id, include)
			cs.ExpectSuccess(err)
			return mmIDs(entries)
		}
		for _, include := range []types.IncludeKeyMaterial{"", types.IncludeKeyMaterialRotationsOnly} {
			Expect(list(include, "before any rotation")).To(BeEmpty(), "IMP-118: ListKeyRotations (IncludeKeyMaterial=%q) lists materials of a key that was never rotated", include)
		}
		_, second := mmMustRotateIn(ctx, c, k.id, mmImport{})
		mmMustAddPending(ctx, c, k.id, mmImport{})
		for _, include := range []types.IncludeKeyMaterial{"", types.IncludeKeyMaterialRotationsOnly} {
			Expect(list(include, "after one rotation, with a material pending")).To(Equal([]string{second}),
				"IMP-118: ListKeyRotations (IncludeKeyMaterial=%q) does not list exactly the rotated-in material", include)
		}
	})

	conform.It("IMP-118", "lists the first, the rotated-in and the pending material with ALL_KEY_MATERIAL", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		k, first := mmMustKey(ctx, c, mmImport{})
		cs := r.Case("all-key-material")
		list := func(when string) []string {
			GinkgoHelper()
			By("listing with IncludeKeyMaterial=ALL_KEY_MATERIAL " + when)
			entries, err := mmListRotations(ctx, c, k.id, types.IncludeKeyMaterialAllKeyMaterial)
			cs.ExpectSuccess(err)
			return mmIDs(entries)
		}
		Expect(list("before any rotation")).To(ConsistOf(first), "IMP-118: ALL_KEY_MATERIAL does not list exactly the first material")
		_, second := mmMustRotateIn(ctx, c, k.id, mmImport{})
		_, pending := mmMustAddPending(ctx, c, k.id, mmImport{})
		Expect(list("after one rotation, with a material pending")).To(ConsistOf(first, second, pending), "IMP-118: ALL_KEY_MATERIAL does not list exactly the first, the rotated-in and the pending material")
	})

	for _, ns := range mmNonSymmetric {
		conform.It("IMP-118", "rejects ALL_KEY_MATERIAL for an "+ns.class+" key", func(ctx SpecContext, r conform.Rule) {
			c := conform.Client()
			k := ksMustImportedKey(ctx, c, ns.spec)
			before := conform.SnapshotKey(ctx, c, k.id)
			By("listing the " + string(ns.spec) + " key's rotations with IncludeKeyMaterial=ALL_KEY_MATERIAL")
			_, err := c.ListKeyRotations(ctx, &kms.ListKeyRotationsInput{KeyId: aws.String(k.id), IncludeKeyMaterial: types.IncludeKeyMaterialAllKeyMaterial})
			r.Case("all-key-material-" + ns.class).ExpectError(err)
			conform.ExpectKeyUnchanged(ctx, before)
		})
	}

	conform.It("IMP-119", "describes each material: id, state, import state, expiration and description", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		const firstDescription, pendingDescription = "kmsconform first material", "kmsconform pending material"
		firstValidTo, pendingValidTo := ksValidTo(20*24*time.Hour), ksValidTo(10*24*time.Hour)
		k, first := mmMustKey(ctx, c, mmImport{description: aws.String(firstDescription), expiry: expiresAt(firstValidTo)})
		_, second := mmMustRotateIn(ctx, c, k.id, mmImport{})
		_, pending := mmMustAddPending(ctx, c, k.id, mmImport{description: aws.String(pendingDescription), expiry: expiresAt(pendingValidTo)})

		By("listing the key's materials (ListKeyRotations, IncludeKeyMaterial=ALL_KEY_MATERIAL)")
		entries, err := mmListRotations(ctx, c, k.id, types.IncludeKeyMaterialAllKeyMaterial)
		r.ExpectSuccess(err)
		Expect(entries).To(HaveLen(3), "IMP-119: ListKeyRotations lists %v, not the key's three materials", mmIDs(entries))
		for _, e := range entries {
			Expect(aws.ToString(e.KeyMaterialId)).To(MatchRegexp(mmMaterialIDPattern), "IMP-119: an entry's KeyMaterialId is not 64 lowercase hexadecimal digits")
		}

		type want struct {
			what        string
			id          string
			state       types.KeyMaterialState
			model       types.ExpirationModelType
			validTo     *time.Time
			description string
			rotated     bool
		}
		for _, w := range []want{
			{"the first material", first, types.KeyMaterialStateNonCurrent, types.ExpirationModelTypeKeyMaterialExpires, &firstValidTo, firstDescription, false},
			{"the rotated-in material", second, types.KeyMaterialStateCurrent, types.ExpirationModelTypeKeyMaterialDoesNotExpire, nil, "", true},
			{"the material pending rotation", pending, types.KeyMaterialStatePendingRotation, types.ExpirationModelTypeKeyMaterialExpires, &pendingValidTo, pendingDescription, false},
		} {
			mmExpectMaterial(Default, "IMP-119", entries, w.id, w.state, types.ImportStateImported)
			e := mmExpectEntry(Default, "IMP-119", entries, w.id)
			Expect(e.ExpirationModel).To(Equal(w.model), "IMP-119: ExpirationModel of %s", w.what)
			if w.validTo == nil {
				Expect(e.ValidTo).To(BeNil(), "IMP-119: %s, which does not expire, has a ValidTo", w.what)
			} else {
				Expect(e.ValidTo).NotTo(BeNil(), "IMP-119: %s, which expires, has no ValidTo", w.what)
				Expect(*e.ValidTo).To(BeTemporally("==", *w.validTo), "IMP-119: ValidTo of %s is not the ValidTo of its import", w.what)
			}
			if w.description == "" {
				Expect(e.KeyMaterialDescription).To(BeNil(), "IMP-119: %s, imported without description, has a KeyMaterialDescription", w.what)
			} else {
				Expect(aws.ToString(e.KeyMaterialDescription)).To(Equal(w.description), "IMP-119: KeyMaterialDescription of %s", w.what)
			}
			if !w.rotated {
				Expect(e.RotationDate).To(BeNil(), "IMP-119: %s has a RotationDate", w.what)
				Expect(e.RotationType).To(BeEmpty(), "IMP-119: %s has a RotationType", w.what)
			}
		}
	})

	conform.DescribeTable("ListKeyRotations by key state",
		func(ctx SpecContext, cs conform.Case, state types.KeyState) {
			c := conform.Client()
			k := ksSymmetricKeyIn(ctx, c, state)
			var current string
			if state != types.KeyStatePendingImport {
				id, err := mmCurrentMaterialID(ctx, c, k.id)
				Expect(err).NotTo(HaveOccurred(), "DescribeKey")
				current = id
			}
			for _, include := range []types.IncludeKeyMaterial{"", types.IncludeKeyMaterialAllKeyMaterial} {
				By(fmt.Sprintf("listing the rotations of the key in %s with IncludeKeyMaterial=%q", state, include))
				entries, err := mmListRotations(ctx, c, k.id, include)
				cs.ExpectSuccess(err)
				// A listing that is not the key's own: the key's one
				// material must be in it (IMP-118), whatever the state.
				if include == types.IncludeKeyMaterialAllKeyMaterial && state != types.KeyStatePendingImport {
					Expect(entries).To(HaveLen(1), "IMP-120: ListKeyRotations ALL_KEY_MATERIAL of a key in %s lists %v, not its one material", state, mmIDs(entries))
					if current != "" {
						Expect(aws.ToString(entries[0].KeyMaterialId)).To(Equal(current), "IMP-120: ListKeyRotations ALL_KEY_MATERIAL of a key in %s lists another material than DescribeKey's CurrentKeyMaterialId", state)
					}
				}
			}
		},
		ksEntries("IMP-120", func(s string) string { return "lists the rotations of a symmetric EXTERNAL key in " + s },
			ksStateParams("PendingImport", "Enabled", "Disabled", "PendingDeletion"))...,
	)
})
