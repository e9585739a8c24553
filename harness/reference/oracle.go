package reference

import (
	"slices"
	"time"

	"github.com/kmsconform/kmsconform/harness/reference/kmsapi"
	"github.com/kmsconform/kmsconform/harness/reference/rules"
	"github.com/kmsconform/kmsconform/harness/reference/store"
)

// PredictImportKeyMaterial returns the answer the server would give to an
// ImportKeyMaterial request of the default account in the default Region
// decided at time now, with the key's record as the server would keep it
// afterwards (as it is at now when the request fails; the zero Key when there
// is no such key), and keeps nothing: the steps ImportKeyMaterial takes
// (onKey: the request's own checks, the lookup of the key it names, a
// multi-Region key brought into step with its set), with the decision made
// by rules.DecideImportKeyMaterial on a copy of the key's record in the
// server's decision environment. It is the prediction of the fuzz oracle
// (package fuzz), which must come from the reference's code, not a copy of
// it; now stands in for the server's clock so that the oracle can ask about
// either end of a call.
func (s *Server) PredictImportKeyMaterial(in *kmsapi.ImportKeyMaterialInput, now time.Time) (rules.Key, error) {
	op := rules.ImportKeyMaterial
	env := s.Env()
	env.Now = now.UTC().Truncate(time.Millisecond)
	if err := op.Validate(in, env); err != nil {
		return rules.Key{}, err
	}
	ref, err := op.KeyRef(in)
	if err != nil {
		return rules.Key{}, err
	}
	// ImportKeyMaterial takes no alias: Locate refuses one, so the target
	// is a key ID.
	t, err := op.Locate(ref, env)
	if err != nil {
		return rules.Key{}, err
	}
	scope := store.Scope{AccountID: t.AccountID, Region: t.Region}
	k, related, ok := s.recordAt(scope, t.KeyID, env)
	if !ok {
		return rules.Key{}, rules.KeyNotFound(scope.AccountID, scope.Region, t.KeyID)
	}
	env.Related = related
	next, _, err := rules.DecideImportKeyMaterial(k, in, env)
	return next, err
}

// recordAt returns a copy of the record of key id in scope as a decision at
// env.Now sees it, with the other keys of its multi-Region set, as decideOn
// and decideOnSet read them; false when the key does not exist (or its
// deletion waiting period is over).
func (s *Server) recordAt(scope store.Scope, id string, env rules.Env) (rules.Key, []rules.Key, bool) {
	if !rules.IsMultiRegionKeyID(id) {
		k, ok := s.keys.Get(scope, id)
		if !ok || k.Deleted(env.Now) {
			return rules.Key{}, nil, false
		}
		return k, nil, true
	}
	var stored []rules.Key
	for _, region := range s.Regions() {
		if k, ok := s.keys.Get(store.Scope{AccountID: scope.AccountID, Region: region}, id); ok {
			stored = append(stored, k)
		}
	}
	live, _ := rules.SyncMultiRegion(stored, env)
	i := slices.IndexFunc(live, func(k rules.Key) bool { return k.Region == scope.Region })
	if i < 0 {
		return rules.Key{}, nil, false
	}
	return live[i], slices.Delete(slices.Clone(live), i, i+1), true
}
