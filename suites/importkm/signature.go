package importkm

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/kmsconform/kmsconform/suites/conform"
)

// The helpers of this file (prefix sg) send import requests whose SigV4
// signature the target must refuse (IMP-148). A refusal proves something
// only if nothing but the signature was wrong, so each spec then makes the
// very same request, the same token and wrapped material included, with the
// run's own credentials, and it must succeed.

// sgSigner says how a spec's refused request is signed.
type sgSigner func(ctx context.Context) aws.Credentials

// sgWrongSecret signs with the access key ID (and session token) of the
// run's own credentials and a secret access key that is not theirs: the
// target knows the caller and must find the signature wrong.
func sgWrongSecret(ctx context.Context) aws.Credentials {
	GinkgoHelper()
	own, err := conform.Client().Options().Credentials.Retrieve(ctx)
	Expect(err).NotTo(HaveOccurred(), "retrieving the run's credentials")
	Expect(own.AccessKeyID).NotTo(BeEmpty(), "the run's credentials have no access key ID")
	wrong := own
	wrong.SecretAccessKey = "kmsconform-wrong-secret-" + sgRandomHex(16)
	Expect(wrong.SecretAccessKey).NotTo(Equal(own.SecretAccessKey), "spec bug: the wrong secret is the run's own")
	return wrong
}

// sgUnknownAccessKey signs with an access key ID of the form AWS issues
// that no account has: random, so no target can have it configured.
func sgUnknownAccessKey(context.Context) aws.Credentials {
	return aws.Credentials{
		AccessKeyID:     "AKIA" + strings.ToUpper(sgRandomHex(8)),
		SecretAccessKey: "kmsconform-unknown-" + sgRandomHex(16),
	}
}

func sgRandomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// sgClient talks to the run's target as the run's client does but signs
// with creds, through a signer of its own: the SDK's signer caches the key
// it derives from a secret by access key ID, Region and day, not by secret,
// so sharing the run's signer would sign a "wrong secret" request with the
// run's real key and the spec could never fail. The run's client's auth
// schemes hold its signer, so they are dropped too and kms.New builds them
// again around the new one.
func sgClient(creds aws.Credentials) *kms.Client {
	return kms.New(conform.Client().Options(), func(o *kms.Options) {
		o.Credentials = credentials.NewStaticCredentialsProvider(creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken)
		o.HTTPSignerV4 = v4.NewSigner()
		o.AuthSchemes = nil
	})
}

// sgCase is one IMP-148 case: how the refused request is signed, and the
// request, made on an EXTERNAL key in PendingImport.
type sgCase struct {
	signer sgSigner
	// wrapped: the run's own account first gets import parameters and
	// wraps fresh material under them (ImportKeyMaterial).
	wrapped bool
	// request makes the request with c.
	request func(ctx context.Context, c *kms.Client, id string, p sgPrepared) error
}

// sgPrepared is what the run's own account set up for an ImportKeyMaterial
// request: a token and fresh material wrapped under its public key.
type sgPrepared struct {
	token, blob []byte
}

func sgGetParameters(ctx context.Context, c *kms.Client, id string, _ sgPrepared) error {
	GinkgoHelper()
	out, err := c.GetParametersForImport(ctx, &kms.GetParametersForImportInput{KeyId: aws.String(id), WrappingAlgorithm: types.AlgorithmSpecRsaesOaepSha256, WrappingKeySpec: types.WrappingKeySpecRsa2048})
	if err == nil && (len(out.ImportToken) == 0 || len(out.PublicKey) == 0) {
		Fail("IMP-148: GetParametersForImport succeeded without an ImportToken or PublicKey")
	}
	return err
}

func sgImport(ctx context.Context, c *kms.Client, id string, p sgPrepared) error {
	GinkgoHelper()
	return importWrapped(ctx, c, id, p.token, p.blob, doesNotExpire)
}

var _ = Describe("Request signatures on the import operations", func() {
	conform.DescribeTable("import requests that fail SigV4 authentication",
		func(ctx SpecContext, cs conform.Case, sc sgCase) {
			c := conform.Client()
			k := ksMustNewExternalKey(ctx, c, types.KeySpecSymmetricDefault)
			var p sgPrepared
			if sc.wrapped {
				By("getting import parameters and wrapping fresh material with the run's own credentials")
				params := mustGetParameters(ctx, c, k.id, types.AlgorithmSpecRsaesOaepSha256, types.WrappingKeySpecRsa2048)
				p = sgPrepared{token: params.ImportToken, blob: mustWrap(params, types.AlgorithmSpecRsaesOaepSha256, mustNewMaterial(types.KeySpecSymmetricDefault).Bytes)}
			}

			before := conform.SnapshotKey(ctx, c, k.id)
			By("making the request with a signature the target must refuse")
			cs.ExpectError(sc.request(ctx, sgClient(sc.signer(ctx)), k.id, p))
			conform.ExpectKeyUnchanged(ctx, before)

			By("making the same request signed with the run's own credentials, which must succeed")
			Expect(sc.request(ctx, c, k.id, p)).To(Succeed(), "IMP-148: the request refused for its signature fails also when signed rightly, so the refusal proves nothing")
			if sc.wrapped {
				Expect(mustDescribe(ctx, c, k.id)).To(conform.HaveKeyState(types.KeyStateEnabled), "IMP-148: the rightly signed import did not enable the key")
			}
		},
		ksEntries("IMP-148", func(caseName string) string {
			return map[string]string{
				"GetParametersForImport-wrong-secret":  "refuses GetParametersForImport signed with the run's access key ID and a wrong secret key",
				"ImportKeyMaterial-wrong-secret":       "refuses ImportKeyMaterial signed with the run's access key ID and a wrong secret key, importing nothing",
				"ImportKeyMaterial-unknown-access-key": "refuses ImportKeyMaterial signed with an unknown access key ID, importing nothing",
			}[caseName]
		}, map[string]sgCase{
			"GetParametersForImport-wrong-secret":  {sgWrongSecret, false, sgGetParameters},
			"ImportKeyMaterial-wrong-secret":       {sgWrongSecret, true, sgImport},
			"ImportKeyMaterial-unknown-access-key": {sgUnknownAccessKey, true, sgImport},
		})...,
	)
})
