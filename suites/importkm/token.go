package importkm

import (
	"crypto/rand"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/kmsconform/kmsconform/suites/conform"
)

var _ = Describe("Import tokens", func() {
	const (
		alg = types.AlgorithmSpecRsaesOaepSha256
		wks = types.WrappingKeySpecRsa2048
	)

	conform.It("IMP-014", "accepts the token and public key of an earlier response after a later one was issued", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		key := mustCreateExternalKey(ctx, c, types.KeySpecSymmetricDefault)
		id := aws.ToString(key.KeyId)
		m := mustNewMaterial(types.KeySpecSymmetricDefault)
		first := mustGetParameters(ctx, c, id, alg, wks)
		By("getting a second set of parameters, which must not invalidate the first")
		mustGetParameters(ctx, c, id, alg, wks)

		blob := mustWrap(first, alg, m.Bytes)
		err := importWrapped(ctx, c, id, first.ImportToken, blob, doesNotExpire)
		r.ExpectSuccess(err)
		Expect(mustDescribe(ctx, c, id)).To(conform.HaveKeyState(types.KeyStateEnabled))
	})

	conform.It("IMP-057", "rejects an import token issued for another key", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		target := mustCreateExternalKey(ctx, c, types.KeySpecSymmetricDefault)
		other := mustCreateExternalKey(ctx, c, types.KeySpecSymmetricDefault)
		m := mustNewMaterial(types.KeySpecSymmetricDefault)

		By("wrapping material with the other key's parameters, a consistent token and public key")
		params := mustGetParameters(ctx, c, aws.ToString(other.KeyId), alg, wks)
		blob := mustWrap(params, alg, m.Bytes)

		before := conform.SnapshotKey(ctx, c, aws.ToString(target.KeyId))
		err := importWrapped(ctx, c, aws.ToString(target.KeyId), params.ImportToken, blob, doesNotExpire)
		r.Case("other-key").ExpectError(err)
		conform.ExpectKeyUnchanged(ctx, before)
	})

	conform.It("IMP-057", "rejects an import token that is random bytes", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		key := mustCreateExternalKey(ctx, c, types.KeySpecSymmetricDefault)
		id := aws.ToString(key.KeyId)
		m := mustNewMaterial(types.KeySpecSymmetricDefault)
		params := mustGetParameters(ctx, c, id, alg, wks)
		blob := mustWrap(params, alg, m.Bytes)

		By("replacing the token with random bytes of the same length")
		garbage := make([]byte, len(params.ImportToken))
		_, _ = rand.Read(garbage)

		before := conform.SnapshotKey(ctx, c, id)
		err := importWrapped(ctx, c, id, garbage, blob, doesNotExpire)
		r.Case("garbage").ExpectError(err)
		conform.ExpectKeyUnchanged(ctx, before)
	})

	conform.It("IMP-058", "rejects an import token after its parameters expired", func(ctx SpecContext, r conform.Rule) {
		clock := conform.TokenClock(ctx)
		c := clock.Client
		key := mustCreateExternalKey(ctx, c, types.KeySpecSymmetricDefault)
		id := aws.ToString(key.KeyId)
		m := mustNewMaterial(types.KeySpecSymmetricDefault)
		params := mustGetParameters(ctx, c, id, alg, wks)
		blob := mustWrap(params, alg, m.Bytes)

		By("letting the token lifetime pass")
		clock.Pass(ctx, clock.TokenLifetime+time.Second)

		before := conform.SnapshotKey(ctx, c, id)
		err := importWrapped(ctx, c, id, params.ImportToken, blob, doesNotExpire)
		r.ExpectError(err)
		conform.ExpectKeyUnchanged(ctx, before)
	}, SpecTimeout(5*time.Minute))

	conform.It("IMP-060", "rejects material wrapped under the public key of another response for the same key", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		key := mustCreateExternalKey(ctx, c, types.KeySpecSymmetricDefault)
		id := aws.ToString(key.KeyId)
		m := mustNewMaterial(types.KeySpecSymmetricDefault)
		earlier := mustGetParameters(ctx, c, id, alg, wks)
		later := mustGetParameters(ctx, c, id, alg, wks)
		Expect(later.PublicKey).NotTo(Equal(earlier.PublicKey), "two GetParametersForImport responses returned the same public key")

		By("wrapping under the earlier response's public key and importing with the later token")
		blob := mustWrap(earlier, alg, m.Bytes)
		before := conform.SnapshotKey(ctx, c, id)
		err := importWrapped(ctx, c, id, later.ImportToken, blob, doesNotExpire)
		r.ExpectError(err)
		conform.ExpectKeyUnchanged(ctx, before)
	})

	conform.It("IMP-039", "reimports the same material with fresh parameters and the same wrapping", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		key, m := mustImportedSymmetricKey(ctx, c)
		id := aws.ToString(key.KeyId)

		params := mustGetParameters(ctx, c, id, alg, wks)
		blob := mustWrap(params, alg, m.Bytes)
		err := importWrapped(ctx, c, id, params.ImportToken, blob, doesNotExpire)
		r.Case("same-wrapping").ExpectSuccess(err)
		Expect(mustDescribe(ctx, c, id)).To(conform.HaveKeyState(types.KeyStateEnabled))
	})

	conform.It("IMP-039", "reimports the same material wrapped with another algorithm", func(ctx SpecContext, r conform.Rule) {
		c := conform.Client()
		key, m := mustImportedSymmetricKey(ctx, c)
		id := aws.ToString(key.KeyId)

		params := mustGetParameters(ctx, c, id, types.AlgorithmSpecRsaesOaepSha1, wks)
		blob := mustWrap(params, types.AlgorithmSpecRsaesOaepSha1, m.Bytes)
		err := importWrapped(ctx, c, id, params.ImportToken, blob, doesNotExpire)
		r.Case("different-wrapping").ExpectSuccess(err)
		Expect(mustDescribe(ctx, c, id)).To(conform.HaveKeyState(types.KeyStateEnabled))
	})
})
