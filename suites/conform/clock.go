package conform

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega"

	"github.com/kmsconform/kmsconform/harness/client"
	"github.com/kmsconform/kmsconform/harness/config"
	"github.com/kmsconform/kmsconform/harness/target"
)

// AWSTokenLifetime is how long AWS's import tokens and wrapping public keys
// are valid (IMP-012).
const AWSTokenLifetime = 24 * time.Hour

// Clock lets time pass on a target, for the rules about expiry: 24-hour
// import tokens and material with a ValidTo. In-process (the embedded
// reference) the spec gets a private instance and moves its clock, so the
// rule runs in milliseconds and cannot disturb other specs; against an
// endpoint the spec waits in real time, which the target must have declared
// it can bear (capability token-lifetime=DUR or expiry-wait).
type Clock struct {
	// Client talks to the target whose clock this is: for the embedded
	// reference a private instance, otherwise the run's client.
	Client *kms.Client
	// TokenLifetime is how long the target's import tokens live.
	TokenLifetime time.Duration
	// Settle bounds how long an expiry may take to show once its time has
	// passed: zero in-process, minutes against a real service.
	Settle time.Duration
	// InProcess is true when Pass moves a clock rather than waiting.
	InProcess bool
	pass      func(ctx context.Context, d time.Duration)
}

// Pass lets d pass on the target: moves the private instance's clock, or
// waits d in real time (returning early only if ctx ends).
func (c Clock) Pass(ctx context.Context, d time.Duration) {
	ginkgo.GinkgoHelper()
	c.pass(ctx, d)
}

// TokenClock returns a clock for the expired-token rules, or disables the
// spec when the target offers neither a movable clock nor short-lived tokens.
func TokenClock(ctx context.Context) Clock {
	ginkgo.GinkgoHelper()
	if c, ok := privateClock(ctx); ok {
		return c
	}
	lifetime := session.Config.Capabilities.TokenLifetime()
	if !session.Config.Capabilities.Has(config.TokenLifetime) {
		Disable("needs a target whose clock the suite controls (the embedded reference) or capability token-lifetime=DUR (a target issuing short-lived import tokens, e.g. `kmsconform serve --token-lifetime 3s`)")
	}
	return Clock{Client: session.Client, TokenLifetime: lifetime, Settle: 0, pass: waitReal}
}

// ExpiryClock returns a clock for the rules about ValidTo passing, or
// disables the spec when the target offers neither a movable clock nor the
// expiry-wait capability.
func ExpiryClock(ctx context.Context) Clock {
	ginkgo.GinkgoHelper()
	if c, ok := privateClock(ctx); ok {
		return c
	}
	if !session.Config.Capabilities.Has(config.ExpiryWait) {
		Disable("needs a target whose clock the suite controls (the embedded reference) or capability expiry-wait (the suite then imports material that expires in seconds and waits for it)")
	}
	lifetime := AWSTokenLifetime
	if session.Config.Capabilities.Has(config.TokenLifetime) {
		lifetime = session.Config.Capabilities.TokenLifetime()
	}
	return Clock{Client: session.Client, TokenLifetime: lifetime, Settle: 5 * time.Minute, pass: waitReal}
}

func privateClock(ctx context.Context) (Clock, bool) {
	ginkgo.GinkgoHelper()
	if session.Endpoint.Clocks == nil {
		return Clock{}, false
	}
	inst, err := session.Endpoint.Clocks.NewClockedInstance(ctx)
	gomega.Expect(err).NotTo(gomega.HaveOccurred(), "starting a private reference instance with a movable clock")
	ginkgo.DeferCleanup(inst.Close)
	c, err := client.New(ctx, session.Config, target.Endpoint{URL: inst.URL, Loopback: true, Credentials: session.Endpoint.Credentials})
	gomega.Expect(err).NotTo(gomega.HaveOccurred(), "client for the private reference instance")
	return Clock{
		Client: c, TokenLifetime: AWSTokenLifetime, InProcess: true,
		pass: func(_ context.Context, d time.Duration) { inst.Advance(d) },
	}, true
}

func waitReal(ctx context.Context, d time.Duration) {
	select {
	case <-time.After(d):
	case <-ctx.Done():
	}
}
