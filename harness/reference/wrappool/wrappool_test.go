package wrappool

import (
	"context"
	"crypto/rsa"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// Every key pair is handed out once (IMP-060), and has the spec's size.
func TestTakeHandsOutDistinctKeys(t *testing.T) {
	p, err := New(map[types.WrappingKeySpec]int{types.WrappingKeySpecRsa2048: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	const n = 6 // more than the pool holds: the rest are generated on demand
	var mu sync.Mutex
	seen := map[string]bool{}
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k, err := p.Take(context.Background(), types.WrappingKeySpecRsa2048)
			if err != nil {
				t.Error(err)
				return
			}
			if k.N.BitLen() != 2048 {
				t.Errorf("key of %d bits, want 2048", k.N.BitLen())
			}
			mu.Lock()
			defer mu.Unlock()
			if seen[k.N.String()] {
				t.Error("the same key pair was handed out twice")
			}
			seen[k.N.String()] = true
		}()
	}
	wg.Wait()
}

func TestTakeUnknownSpec(t *testing.T) {
	p, err := New(map[types.WrappingKeySpec]int{types.WrappingKeySpecRsa2048: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if _, err := p.Take(context.Background(), types.WrappingKeySpecRsa4096); err == nil {
		t.Fatal("Take of a spec the pool does not hold succeeded")
	}
}

func TestNewRejectsBadSizes(t *testing.T) {
	for _, sizes := range []map[types.WrappingKeySpec]int{
		{types.WrappingKeySpecSm2: 1},
		{types.WrappingKeySpecRsa2048: 0},
	} {
		if p, err := New(sizes); err == nil {
			p.Close()
			t.Errorf("New(%v) succeeded", sizes)
		}
	}
}

func TestCloseStopsTake(t *testing.T) {
	p, err := New(map[types.WrappingKeySpec]int{types.WrappingKeySpecRsa4096: 1})
	if err != nil {
		t.Fatal(err)
	}
	p.Close()
	p.Close() // idempotent
	// The pool may hold a key generated before Close; once it is taken,
	// Take reports the pool closed instead of waiting.
	for range 2 {
		if _, err := p.Take(context.Background(), types.WrappingKeySpecRsa4096); errors.Is(err, ErrClosed) {
			return
		}
	}
	t.Fatal("Take after Close never reported ErrClosed")
}

func TestTakeHonoursContext(t *testing.T) {
	p, err := New(map[types.WrappingKeySpec]int{types.WrappingKeySpecRsa4096: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	// Either the first key is ready (fine) or the context ends the wait.
	for range 3 {
		if _, err := p.Take(ctx, types.WrappingKeySpecRsa4096); err != nil {
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Take: %v, want the context's error", err)
			}
			return
		}
	}
}

func TestFull(t *testing.T) {
	p, err := New(map[types.WrappingKeySpec]int{types.WrappingKeySpecRsa2048: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	deadline := time.Now().Add(20 * time.Second)
	for !p.Full() {
		if time.Now().After(deadline) {
			t.Fatal("the pool never filled")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if p.Ready(types.WrappingKeySpecRsa2048) != 2 {
		t.Fatalf("Ready = %d", p.Ready(types.WrappingKeySpecRsa2048))
	}
	if _, err := p.Take(context.Background(), types.WrappingKeySpecRsa2048); err != nil {
		t.Fatal(err)
	}
	if p.Full() {
		t.Fatal("Full right after a Take")
	}
}

func TestCycleNeverRepeatsConsecutively(t *testing.T) {
	var c Cycle
	seen := map[*rsa.PrivateKey]int{}
	var prev *rsa.PrivateKey
	for i := 0; i < 16; i++ {
		k, err := c.Take(context.Background(), types.WrappingKeySpecRsa2048)
		if err != nil {
			t.Fatal(err)
		}
		if k == prev {
			t.Fatalf("take %d returned the key pair of take %d", i, i-1)
		}
		if k.N.BitLen() != 2048 {
			t.Fatalf("a %d-bit key for RSA_2048", k.N.BitLen())
		}
		seen[k]++
		prev = k
	}
	if len(seen) != 8 {
		t.Fatalf("%d distinct key pairs in 16 takes, want the 8 test keys twice each", len(seen))
	}
	if _, err := c.Take(context.Background(), types.WrappingKeySpecSm2); err == nil {
		t.Fatal("a key for SM2")
	}
}

// TestModulusBits: the RSA wrapping key specs and their sizes; nothing else
// has one.
func TestModulusBits(t *testing.T) {
	for spec, want := range map[types.WrappingKeySpec]int{types.WrappingKeySpecRsa2048: 2048, types.WrappingKeySpecRsa3072: 3072, types.WrappingKeySpecRsa4096: 4096} {
		if got, ok := ModulusBits(spec); !ok || got != want {
			t.Errorf("ModulusBits(%s) = %d, %v, want %d", spec, got, ok, want)
		}
	}
	if _, ok := ModulusBits(types.WrappingKeySpecSm2); ok {
		t.Error("ModulusBits(SM2) claims an RSA modulus")
	}
}
