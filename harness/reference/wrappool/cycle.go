package wrappool

import (
	"context"
	"crypto/rsa"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsconform/kmsconform/fixtures/material"
)

// Cycle hands out the pre-generated RSA test keys of fixtures/material
// (eight per size) in turn, per wrapping key spec, instead of generating
// keys. Runs that ask for many wrapping keys use it (the embedded reference
// of a suite run, the reference's own tests, the fuzzers): a fresh RSA-4096
// key pair costs most of a second. Consecutive responses of one Cycle never
// share a key pair, which the rules about mismatched tokens and public keys
// (IMP-060) need within one spec; unlike Pool, a key pair comes back after
// eight others, so a server that must never reuse one (`kmsconform serve`)
// uses a Pool. The zero value is ready to use.
type Cycle struct {
	mu   sync.Mutex
	next map[types.WrappingKeySpec]int
}

// Take implements the reference's WrappingKeySource.
func (c *Cycle) Take(_ context.Context, spec types.WrappingKeySpec) (*rsa.PrivateKey, error) {
	n, ok := ModulusBits(spec)
	if !ok {
		return nil, fmt.Errorf("wrappool: no RSA test keys for wrapping key spec %s", spec)
	}
	keys, err := material.TestRSAKeys(n)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.next == nil {
		c.next = map[types.WrappingKeySpec]int{}
	}
	k := keys[c.next[spec]%len(keys)]
	c.next[spec]++
	return k, nil
}
