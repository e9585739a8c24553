package conform

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega"

	"github.com/kmsconform/kmsconform/harness/client"
	"github.com/kmsconform/kmsconform/harness/config"
)

// SecondAccountClient returns a client that signs as the second account,
// for the cross-account rules; it disables the spec unless the target has
// capability second-account (the embedded reference always has).
func SecondAccountClient(ctx context.Context) *kms.Client {
	ginkgo.GinkgoHelper()
	Require(config.SecondAccount)
	c, err := client.NewSecondAccount(ctx, session.Config, session.Endpoint)
	gomega.Expect(err).NotTo(gomega.HaveOccurred(), "client for the second account")
	return c
}

// SecondAccountID is the account id of the second account.
func SecondAccountID() string {
	ginkgo.GinkgoHelper()
	Require(config.SecondAccount)
	return session.Config.SecondAccount.AccountID
}

// SecondRegion is the region the multi-Region specs put replicas in; it
// disables the spec unless the target has capability multi-region (the
// embedded reference always has).
func SecondRegion() string {
	ginkgo.GinkgoHelper()
	Require(config.MultiRegion)
	return session.Config.SecondRegion
}

// SecondRegionClient returns a client of the run's account in the second
// region.
func SecondRegionClient(ctx context.Context) *kms.Client {
	ginkgo.GinkgoHelper()
	c, err := client.NewInRegion(ctx, session.Config, session.Endpoint, SecondRegion())
	gomega.Expect(err).NotTo(gomega.HaveOccurred(), "client for region %s", session.Config.SecondRegion)
	return c
}
