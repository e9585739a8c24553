// Package wrappool keeps RSA wrapping key pairs ready for
// GetParametersForImport. Generating an RSA-4096 key pair takes the better
// part of a second, so key pairs are generated ahead of demand in the
// background, a few per wrapping key spec, and replaced as they are taken.
//
// Every key pair is handed out exactly once. An import token opens only with
// the wrapping key of its own GetParametersForImport response (research
// IMP-060); two responses sharing a key pair would make the token of one
// accept material wrapped for the other.
//
// One goroutine does all the generation, one key pair at a time, so the
// pool never takes more than one CPU from the requests it serves. It makes
// first the key pairs someone is waiting for, then those of the emptiest
// spec.
package wrappool

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// bits is the modulus size of each RSA wrapping key spec. It is unexported
// so that no caller can change which key sizes a Pool or Cycle makes.
var bits = map[types.WrappingKeySpec]int{
	types.WrappingKeySpecRsa2048: 2048,
	types.WrappingKeySpecRsa3072: 3072,
	types.WrappingKeySpecRsa4096: 4096,
}

// ModulusBits is the modulus size of an RSA wrapping key spec, and false
// for a spec that is not one (SM2, or an unknown name).
func ModulusBits(spec types.WrappingKeySpec) (int, bool) {
	n, ok := bits[spec]
	return n, ok
}

// DefaultSizes is how many key pairs the pool holds ready per spec: enough
// for a burst of GetParametersForImport calls, few enough that starting a
// server costs little.
func DefaultSizes() map[types.WrappingKeySpec]int {
	return map[types.WrappingKeySpec]int{
		types.WrappingKeySpecRsa2048: 4,
		types.WrappingKeySpecRsa3072: 2,
		types.WrappingKeySpecRsa4096: 2,
	}
}

// ErrClosed is returned by Take after Close.
var ErrClosed = errors.New("wrappool: closed")

// Pool hands out freshly generated RSA key pairs. It is safe for concurrent
// use and may be shared by several servers.
type Pool struct {
	specs []types.WrappingKeySpec // smallest first
	ready map[types.WrappingKeySpec]chan *rsa.PrivateKey
	wake  chan struct{} // tells the generator to look again

	mu      sync.Mutex
	waiting map[types.WrappingKeySpec]int // callers of Take blocked per spec

	done      chan struct{}
	closeOnce sync.Once
}

// New starts a pool holding sizes[spec] key pairs of each spec, and begins
// filling it in the background. Specs not in sizes are not served.
func New(sizes map[types.WrappingKeySpec]int) (*Pool, error) {
	p := &Pool{
		ready:   map[types.WrappingKeySpec]chan *rsa.PrivateKey{},
		wake:    make(chan struct{}, 1),
		waiting: map[types.WrappingKeySpec]int{},
		done:    make(chan struct{}),
	}
	for spec, n := range sizes {
		if _, ok := bits[spec]; !ok {
			return nil, fmt.Errorf("wrappool: %s is not an RSA wrapping key spec", spec)
		}
		if n < 1 {
			return nil, fmt.Errorf("wrappool: size for %s must be at least 1, not %d", spec, n)
		}
		p.ready[spec] = make(chan *rsa.PrivateKey, n)
		p.specs = append(p.specs, spec)
	}
	slices.SortFunc(p.specs, func(a, b types.WrappingKeySpec) int { return bits[a] - bits[b] })
	go p.generate()
	return p, nil
}

// generate keeps the pool full until it is closed.
func (p *Pool) generate() {
	for {
		spec, ok := p.next()
		if !ok {
			select {
			case <-p.wake:
				continue
			case <-p.done:
				return
			}
		}
		key, err := rsa.GenerateKey(rand.Reader, bits[spec])
		if err != nil {
			// Only a broken system random source fails here; retrying would spin.
			return
		}
		select {
		case p.ready[spec] <- key: // only this goroutine adds, and next saw room
		case <-p.done:
			return
		}
	}
}

// next chooses the spec to generate a key pair for: one that a caller is
// waiting for, else the one whose share of its size is lowest, else none
// (the pool is full).
func (p *Pool) next() (types.WrappingKeySpec, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var best types.WrappingKeySpec
	bestShare := 1.0
	for _, spec := range p.specs {
		ch := p.ready[spec]
		if len(ch) == cap(ch) {
			continue
		}
		if p.waiting[spec] > len(ch) {
			return spec, true
		}
		if share := float64(len(ch)) / float64(cap(ch)); share < bestShare {
			best, bestShare = spec, share
		}
	}
	return best, best != ""
}

func (p *Pool) nudge() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// Take returns a key pair of spec that no one else has been given. It waits
// for one to be generated if none is ready.
func (p *Pool) Take(ctx context.Context, spec types.WrappingKeySpec) (*rsa.PrivateKey, error) {
	ch, ok := p.ready[spec]
	if !ok {
		return nil, fmt.Errorf("wrappool: no key pairs of spec %s", spec)
	}
	select {
	case key := <-ch:
		p.nudge()
		return key, nil
	default:
	}
	p.mu.Lock()
	p.waiting[spec]++
	p.mu.Unlock()
	p.nudge()
	defer func() {
		p.mu.Lock()
		p.waiting[spec]--
		p.mu.Unlock()
		p.nudge()
	}()
	select {
	case key := <-ch:
		return key, nil
	case <-p.done:
		return nil, ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Ready is how many key pairs of spec are generated and waiting.
func (p *Pool) Ready(spec types.WrappingKeySpec) int { return len(p.ready[spec]) }

// Full reports whether every spec has all its key pairs ready: the
// generator is idle.
func (p *Pool) Full() bool {
	for _, ch := range p.ready {
		if len(ch) < cap(ch) {
			return false
		}
	}
	return true
}

// Close stops the background generation. It does not wait: a key
// generation cannot be interrupted, and an RSA-4096 one can take seconds,
// so the generator ends on its own when the key pair it is making is done,
// and drops it.
func (p *Pool) Close() {
	p.closeOnce.Do(func() { close(p.done) })
}
