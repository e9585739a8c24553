package reference

import (
	"time"

	"github.com/kmsconform/kmsconform/harness/reference/kmsapi"
	"github.com/kmsconform/kmsconform/harness/reference/rules"
)

// PredictImportKeyMaterial returns the answer the server would give to an
// ImportKeyMaterial request of the default account in the default Region
// decided at time now, with the key's record as the server would keep it
// afterwards (as it is at now when the request fails; the zero Key when the
// request fails before a key's record is decided on), and keeps nothing. It
// is a dry run of the server's own ImportKeyMaterial (onKeyIn with keep
// false: the request's checks, the lookup of the key it names, a
// multi-Region key brought into step with its set, the decision on its
// record), so that the fuzz oracle (package fuzz), whose prediction it is,
// answers from the reference's code and cannot drift from it. now stands in
// for the server's clock so that the oracle can ask about either end of a
// call.
func (s *Server) PredictImportKeyMaterial(in *kmsapi.ImportKeyMaterialInput, now time.Time) (rules.Key, error) {
	op := rules.ImportKeyMaterial
	env := s.Env()
	env.Now = now.UTC().Truncate(time.Millisecond)
	var next rules.Key
	decide := decisionOf(op, in)
	_, err := onKeyIn(s, env, op, in, func(k rules.Key, env rules.Env) (rules.Key, *kmsapi.ImportKeyMaterialOutput, []rules.Key, error) {
		n, out, created, err := decide(k, env)
		next = n
		return n, out, created, err
	}, false)
	return next, err
}
