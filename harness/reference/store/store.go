// Package store keeps the key records of the reference KMS, per account.
// Accounts are independent namespaces (the HTTP layer will map access key IDs
// to accounts); within an account, every key has its own lock, so requests on
// different keys never wait for each other and requests on one key are
// applied one at a time.
//
// The store knows nothing of what a record means: it is generic over the
// record type, and the decision layer computes every new record.
package store

import (
	"errors"
	"sync"
)

// ErrNotFound means the account has no record with that ID.
var ErrNotFound = errors.New("store: no such key")

// ErrExists means the account already has a record with that ID.
var ErrExists = errors.New("store: key already exists")

// Store holds records of type R by account and ID. The zero Store is not
// usable; call New.
type Store[R any] struct {
	mu       sync.Mutex
	accounts map[string]*account[R]
}

type account[R any] struct {
	mu      sync.RWMutex
	entries map[string]*entry[R]
	order   []string // IDs in creation order, for stable listing
}

type entry[R any] struct {
	mu      sync.Mutex
	record  R
	removed bool
}

// New returns an empty store.
func New[R any]() *Store[R] {
	return &Store[R]{accounts: map[string]*account[R]{}}
}

func (s *Store[R]) account(name string) *account[R] {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.accounts[name]
	if !ok {
		a = &account[R]{entries: map[string]*entry[R]{}}
		s.accounts[name] = a
	}
	return a
}

// Add stores a new record.
func (s *Store[R]) Add(acct, id string, r R) error {
	a := s.account(acct)
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.entries[id]; ok {
		return ErrExists
	}
	a.entries[id] = &entry[R]{record: r}
	a.order = append(a.order, id)
	return nil
}

func (a *account[R]) lookup(id string) (*entry[R], bool) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	e, ok := a.entries[id]
	return e, ok
}

// Update runs fn on the record under the record's lock and stores what fn
// returns, whether or not fn also returns an error: the decision layer
// returns the record as it must be kept in both cases. The error is fn's, or
// ErrNotFound.
func (s *Store[R]) Update(acct, id string, fn func(R) (R, error)) error {
	e, ok := s.account(acct).lookup(id)
	if !ok {
		return ErrNotFound
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.removed {
		return ErrNotFound
	}
	r, err := fn(e.record)
	e.record = r
	return err
}

// Get returns a record.
func (s *Store[R]) Get(acct, id string) (R, bool) {
	e, ok := s.account(acct).lookup(id)
	if !ok {
		var zero R
		return zero, false
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.removed {
		var zero R
		return zero, false
	}
	return e.record, true
}

// List returns the account's records in creation order.
func (s *Store[R]) List(acct string) []R {
	a := s.account(acct)
	a.mu.RLock()
	entries := make([]*entry[R], 0, len(a.order))
	for _, id := range a.order {
		entries = append(entries, a.entries[id])
	}
	a.mu.RUnlock()
	out := make([]R, 0, len(entries))
	for _, e := range entries {
		e.mu.Lock()
		if !e.removed {
			out = append(out, e.record)
		}
		e.mu.Unlock()
	}
	return out
}

// Count is how many records the account has.
func (s *Store[R]) Count(acct string) int {
	a := s.account(acct)
	a.mu.RLock()
	defer a.mu.RUnlock()
	return len(a.entries)
}

// Remove forgets a record for good.
func (s *Store[R]) Remove(acct, id string) {
	a := s.account(acct)
	a.mu.Lock()
	defer a.mu.Unlock()
	e, ok := a.entries[id]
	if !ok {
		return
	}
	e.mu.Lock()
	e.removed = true
	var zero R
	e.record = zero
	e.mu.Unlock()
	delete(a.entries, id)
	for i, x := range a.order {
		if x == id {
			a.order = append(a.order[:i], a.order[i+1:]...)
			break
		}
	}
}
