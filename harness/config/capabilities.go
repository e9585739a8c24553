package config

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Capability is an optional ability a target declares. A rule that needs a
// capability the target did not declare is reported `disabled`: never failed,
// never silently passed.
type Capability string

const (
	// ExpiryWait: the suite may import material with a ValidTo a short time
	// ahead and wait (bounded) for the target to expire it.
	ExpiryWait Capability = "expiry-wait"
	// TokenLifetime: the target issues import tokens that expire after a
	// short, declared duration (`token-lifetime=3s`), so expired-token rules
	// can be checked over HTTP in seconds.
	TokenLifetime Capability = "token-lifetime"
	// SecondAccount: credentials of a second account are configured, for the
	// cross-account rules.
	SecondAccount Capability = "second-account"
	// MultiRegion: a second region is configured, for primary/replica rules.
	MultiRegion Capability = "multi-region"
	// SM2: the target is a China-Region KMS with SM2 and SM2PKE.
	SM2 Capability = "sm2"
)

// KnownCapabilities lists every capability a target can declare.
func KnownCapabilities() []Capability {
	return []Capability{ExpiryWait, TokenLifetime, SecondAccount, MultiRegion, SM2}
}

// Capabilities is the set a target declared, with the one value-carrying
// capability (token-lifetime=DUR) parsed.
type Capabilities struct {
	set           map[Capability]bool
	tokenLifetime time.Duration
}

// ParseCapabilities reads a comma-separated list such as
// "expiry-wait,token-lifetime=3s". Spaces around items are ignored.
func ParseCapabilities(s string) (Capabilities, error) {
	var items []string
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			items = append(items, item)
		}
	}
	return capabilitiesFromList(items)
}

func capabilitiesFromList(items []string) (Capabilities, error) {
	c := Capabilities{set: map[Capability]bool{}}
	for _, item := range items {
		name, value, hasValue := strings.Cut(strings.TrimSpace(item), "=")
		capability := Capability(name)
		if !slices.Contains(KnownCapabilities(), capability) {
			return Capabilities{}, fmt.Errorf("unknown capability %q: use any of %s", name, capabilityNames())
		}
		switch {
		case capability == TokenLifetime:
			if !hasValue {
				return Capabilities{}, fmt.Errorf("capability token-lifetime needs a duration, e.g. token-lifetime=3s (the lifetime of the target's import tokens)")
			}
			d, err := time.ParseDuration(value)
			if err != nil || d <= 0 {
				return Capabilities{}, fmt.Errorf("capability token-lifetime=%s: %q is not a positive duration such as 3s or 1m", value, value)
			}
			c.tokenLifetime = d
		case hasValue:
			return Capabilities{}, fmt.Errorf("capability %s takes no value (got %q)", name, item)
		}
		c.set[capability] = true
	}
	return c, nil
}

// Has reports whether the target declared x.
func (c Capabilities) Has(x Capability) bool { return c.set[x] }

// TokenLifetime is the declared lifetime of the target's import tokens; it is
// zero unless the token-lifetime capability was declared.
func (c Capabilities) TokenLifetime() time.Duration { return c.tokenLifetime }

// List returns the declared capabilities in a stable order, in the same form
// ParseCapabilities reads.
func (c Capabilities) List() []string {
	var out []string
	for _, x := range KnownCapabilities() {
		if !c.set[x] {
			continue
		}
		if x == TokenLifetime {
			out = append(out, fmt.Sprintf("%s=%s", x, c.tokenLifetime))
			continue
		}
		out = append(out, string(x))
	}
	return out
}

// String returns the capabilities as ParseCapabilities reads them.
func (c Capabilities) String() string { return strings.Join(c.List(), ",") }

func capabilityNames() string {
	names := make([]string, 0, len(KnownCapabilities()))
	for _, x := range KnownCapabilities() {
		if x == TokenLifetime {
			names = append(names, "token-lifetime=DUR")
			continue
		}
		names = append(names, string(x))
	}
	return strings.Join(names, ", ")
}
