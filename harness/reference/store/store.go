// Package store keeps the records of the reference KMS (keys, aliases) per
// scope: an account in a Region. Scopes are independent namespaces, as AWS
// accounts and Regions are; within a scope, every record has its own lock, so
// requests on different records never wait for each other and requests on
// one record are applied one at a time.
//
// The store knows nothing of what a record means: it is generic over the
// record type, and the decision layer computes every new record.
package store

import (
	"errors"
	"sync"
)

// ErrNotFound means the scope has no record with that ID.
var ErrNotFound = errors.New("store: no such record")

// ErrExists means the scope already has a record with that ID.
var ErrExists = errors.New("store: record already exists")

// Scope is a namespace of records: one account in one Region.
type Scope struct {
	AccountID string
	Region    string
}

// Store holds records of type R by scope and ID. The zero Store is not
// usable; call New.
type Store[R any] struct {
	mu     sync.Mutex
	scopes map[Scope]*scope[R]
}

type scope[R any] struct {
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
	return &Store[R]{scopes: map[Scope]*scope[R]{}}
}

func (s *Store[R]) scope(sc Scope) *scope[R] {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.scopes[sc]
	if !ok {
		a = &scope[R]{entries: map[string]*entry[R]{}}
		s.scopes[sc] = a
	}
	return a
}

// ErrFull means the scope already holds as many records as it may.
var ErrFull = errors.New("store: scope is full")

// Add stores a new record.
func (s *Store[R]) Add(sc Scope, id string, r R) error {
	return s.AddLimited(sc, id, r, -1)
}

// AddLimited stores a new record unless the scope already holds limit
// records (ErrFull); a negative limit is none. Counting and adding happen
// under one lock, so concurrent calls never take a scope past its limit,
// as counting first (Count) and adding later can.
func (s *Store[R]) AddLimited(sc Scope, id string, r R, limit int) error {
	a := s.scope(sc)
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.entries[id]; ok {
		return ErrExists
	}
	if limit >= 0 && len(a.entries) >= limit {
		return ErrFull
	}
	a.entries[id] = &entry[R]{record: r}
	a.order = append(a.order, id)
	return nil
}

func (a *scope[R]) lookup(id string) (*entry[R], bool) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	e, ok := a.entries[id]
	return e, ok
}

// Update runs fn on the record under the record's lock and stores what fn
// returns, whether or not fn also returns an error: the decision layer
// returns the record as it must be kept in both cases. The error is fn's, or
// ErrNotFound.
func (s *Store[R]) Update(sc Scope, id string, fn func(R) (R, error)) error {
	e, ok := s.scope(sc).lookup(id)
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

// Put stores r as the record with the ID, adding it if the scope has none.
// It is for callers that serialize all access to the record by a lock of
// their own (the records of one multi-Region key), and so know that no
// other request changed it since they read it.
func (s *Store[R]) Put(sc Scope, id string, r R) {
	if err := s.Update(sc, id, func(R) (R, error) { return r, nil }); errors.Is(err, ErrNotFound) {
		s.Add(sc, id, r)
	}
}

// Get returns a record.
func (s *Store[R]) Get(sc Scope, id string) (R, bool) {
	e, ok := s.scope(sc).lookup(id)
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

// List returns the scope's records in creation order.
func (s *Store[R]) List(sc Scope) []R {
	a := s.scope(sc)
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

// Count is how many records the scope has.
func (s *Store[R]) Count(sc Scope) int {
	a := s.scope(sc)
	a.mu.RLock()
	defer a.mu.RUnlock()
	return len(a.entries)
}

// Remove forgets a record for good.
func (s *Store[R]) Remove(sc Scope, id string) {
	a := s.scope(sc)
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
