package store

import (
	"errors"
	"fmt"
	"sync"
	"testing"
)

var (
	acct  = Scope{AccountID: "111122223333", Region: "us-east-1"}
	other = Scope{AccountID: "111122223333", Region: "us-west-2"}
)

func TestAddGetListRemove(t *testing.T) {
	s := New[int]()
	for i, id := range []string{"c", "a", "b"} {
		if err := s.Add(acct, id, i); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Add(acct, "a", 9); !errors.Is(err, ErrExists) {
		t.Fatalf("second Add of a: %v, want ErrExists", err)
	}
	if s.Count(acct) != 3 || s.Count(other) != 0 {
		t.Fatalf("Count = %d, %d", s.Count(acct), s.Count(other))
	}
	if got := s.List(acct); fmt.Sprint(got) != "[0 1 2]" {
		t.Fatalf("List = %v, want creation order [0 1 2]", got)
	}
	if got := s.List(other); len(got) != 0 {
		t.Fatalf("another scope sees %v", got)
	}
	if _, ok := s.Get(other, "a"); ok {
		t.Fatal("another scope sees key a")
	}
	s.Remove(acct, "a")
	if _, ok := s.Get(acct, "a"); ok {
		t.Fatal("Get after Remove found the key")
	}
	if err := s.Update(acct, "a", func(r int) (int, error) { return r, nil }); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Update after Remove: %v, want ErrNotFound", err)
	}
	if got := s.List(acct); fmt.Sprint(got) != "[0 2]" {
		t.Fatalf("List after Remove = %v", got)
	}
}

// Update keeps what the function returns, also with an error: the decision
// layer decides what a failed request leaves behind.
func TestUpdateKeepsReturnedRecord(t *testing.T) {
	s := New[int]()
	s.Add(acct, "k", 1)
	boom := errors.New("boom")
	if err := s.Update(acct, "k", func(r int) (int, error) { return r + 1, boom }); !errors.Is(err, boom) {
		t.Fatalf("Update error = %v", err)
	}
	if r, _ := s.Get(acct, "k"); r != 2 {
		t.Fatalf("record = %d, want 2", r)
	}
}

// Updates of one key are applied one at a time.
func TestConcurrentUpdates(t *testing.T) {
	s := New[int]()
	s.Add(acct, "k", 0)
	var wg sync.WaitGroup
	for range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.Update(acct, "k", func(r int) (int, error) { return r + 1, nil })
			s.List(acct)
		}()
	}
	wg.Wait()
	if r, _ := s.Get(acct, "k"); r != 100 {
		t.Fatalf("record = %d after 100 increments", r)
	}
}

// Put replaces a record or adds it.
func TestPut(t *testing.T) {
	s := New[int]()
	s.Put(acct, "k", 1)
	s.Put(acct, "k", 2)
	if r, _ := s.Get(acct, "k"); r != 2 || s.Count(acct) != 1 {
		t.Fatalf("record = %d, count %d", r, s.Count(acct))
	}
	s.Remove(acct, "k")
	s.Put(acct, "k", 3)
	if r, ok := s.Get(acct, "k"); !ok || r != 3 {
		t.Fatalf("Put after Remove: %d, %v", r, ok)
	}
}

// TestAddLimitedConcurrent: many concurrent adds to a scope with a limit
// leave it exactly at the limit; every other add is told ErrFull; other
// scopes are not affected; a removed record frees its place.
func TestAddLimitedConcurrent(t *testing.T) {
	const limit, callers = 10, 64
	s := New[int]()
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for i := range callers {
		wg.Go(func() { errs <- s.AddLimited(acct, fmt.Sprint(i), i, limit) })
	}
	wg.Wait()
	close(errs)
	added, full := 0, 0
	for err := range errs {
		switch {
		case err == nil:
			added++
		case errors.Is(err, ErrFull):
			full++
		default:
			t.Errorf("AddLimited: %v", err)
		}
	}
	if added != limit || full != callers-limit || s.Count(acct) != limit {
		t.Fatalf("%d added, %d full, %d stored; want %d, %d, %d", added, full, s.Count(acct), limit, callers-limit, limit)
	}
	if err := s.AddLimited(other, "x", 0, limit); err != nil {
		t.Fatalf("another scope: %v", err)
	}
	s.Remove(acct, s.idAt(t, acct, 0))
	if err := s.AddLimited(acct, "after-remove", 0, limit); err != nil {
		t.Fatalf("after a removal: %v", err)
	}
	if err := s.AddLimited(acct, "one-more", 0, limit); !errors.Is(err, ErrFull) {
		t.Fatalf("past the limit: %v, want ErrFull", err)
	}
	if err := s.AddLimited(acct, "after-remove", 0, limit+5); !errors.Is(err, ErrExists) {
		t.Fatalf("an existing ID: %v, want ErrExists", err)
	}
}

// idAt is the ID of the scope's i-th record in creation order.
func (s *Store[R]) idAt(t *testing.T, sc Scope, i int) string {
	t.Helper()
	a := s.scope(sc)
	a.mu.RLock()
	defer a.mu.RUnlock()
	if i >= len(a.order) {
		t.Fatalf("scope has %d records, no %d-th", len(a.order), i)
	}
	return a.order[i]
}
