package fuzz

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsconform/kmsconform/harness/profile"
	"github.com/kmsconform/kmsconform/harness/reference/awserr"
	"github.com/kmsconform/kmsconform/harness/reference/kmsapi"
	"github.com/kmsconform/kmsconform/harness/reference/rules"
	"github.com/kmsconform/kmsconform/suites/catalogue"
)

// attempt is one ImportKeyMaterial request decoded from a fuzz input, built
// twice from the same decoded choices: once for the oracle (its key, token
// and wrapping key) and once for the target (the target's), so that both
// carry the same defect.
type attempt struct {
	slot *slot
	// request describes the decoded request for reports, with key
	// material and tokens as lengths and hashes only.
	request string
	// rules are the rules the input exercises (its defects, or the rules
	// of a valid import).
	rules  []string
	oracle importRequest
	target importRequest
	// pkcs1 is set when an RSAES_PKCS1_V1_5 block is unwrapped that is not
	// an intact wrapping for its token (see agree).
	pkcs1 bool
}

// importRequest is an ImportKeyMaterial request of one world. ValidTo is
// kept as the JSON number written on the wire (validTo), which both worlds
// get verbatim; in.ValidTo is that number as the reference reads it.
type importRequest struct {
	in      kmsapi.ImportKeyMaterialInput
	validTo string
}

// member is one member of a JSON object, in order; the wire fuzzer also
// writes the same name twice.
type member struct {
	name  string
	value json.RawMessage
}

// object writes members as a JSON object, in their order.
func object(members []member) []byte {
	var b strings.Builder
	b.WriteByte('{')
	for i, m := range members {
		if i > 0 {
			b.WriteByte(',')
		}
		name, _ := json.Marshal(m.name)
		b.Write(name)
		b.WriteByte(':')
		b.Write(m.value)
	}
	b.WriteByte('}')
	return []byte(b.String())
}

func jsonString(s string) json.RawMessage {
	b, _ := json.Marshal(s)
	return b
}

func jsonBlob(b []byte) json.RawMessage { return jsonString(base64.StdEncoding.EncodeToString(b)) }

// members lists the request's present members in the model's order.
func (r importRequest) members() []member {
	var out []member
	in := r.in
	if in.KeyId != nil {
		out = append(out, member{"KeyId", jsonString(*in.KeyId)})
	}
	if in.ImportToken != nil {
		out = append(out, member{"ImportToken", jsonBlob(in.ImportToken)})
	}
	if in.EncryptedKeyMaterial != nil {
		out = append(out, member{"EncryptedKeyMaterial", jsonBlob(in.EncryptedKeyMaterial)})
	}
	if r.validTo != "" {
		out = append(out, member{"ValidTo", json.RawMessage(r.validTo)})
	}
	if in.ExpirationModel != nil {
		out = append(out, member{"ExpirationModel", jsonString(string(*in.ExpirationModel))})
	}
	if in.ImportType != nil {
		out = append(out, member{"ImportType", jsonString(string(*in.ImportType))})
	}
	if in.KeyMaterialId != nil {
		out = append(out, member{"KeyMaterialId", jsonString(*in.KeyMaterialId)})
	}
	if in.KeyMaterialDescription != nil {
		out = append(out, member{"KeyMaterialDescription", jsonString(*in.KeyMaterialDescription)})
	}
	return out
}

// setValidTo sets ValidTo from its wire text, read the way the reference
// reads it.
func (r *importRequest) setValidTo(text string) error {
	r.validTo = text
	var t kmsapi.Timestamp
	if err := t.UnmarshalJSON([]byte(text)); err != nil {
		return err
	}
	r.in.ValidTo = &t
	return nil
}

// Result is the outcome of one fuzz input against the target.
type Result struct {
	Fuzzer  string
	Target  string
	Profile profile.Profile
	// Input is the decoded request, key material and tokens redacted.
	Input string
	// Rules are the rules the outcome is attributed to: those of the
	// input's rules that expect the predicted answer, else all of them.
	Rules    []string
	Expected Expectation
	// Exact: the target had to give exactly the expected code, not just
	// any client error (see Session.exactCode).
	Exact  bool
	Actual Answer
	// Problems lists every way the target failed; none means it agreed
	// with the oracle and every invariant held.
	Problems []string
	// setup is set when the input failed before its request was sent.
	setup bool
}

// Failed reports whether the target failed on this input.
func (r Result) Failed() bool { return len(r.Problems) > 0 }

func (r *Result) problem(format string, args ...any) {
	r.Problems = append(r.Problems, fmt.Sprintf(format, args...))
}

// Report explains a result: what was sent, what was expected and why, what
// came back, and every problem.
func (r Result) Report() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s against %s, profile %s\n", r.Fuzzer, r.Target, r.Profile)
	fmt.Fprintf(&b, "  request:  %s\n", r.Input)
	if r.setup {
		for _, p := range r.Problems {
			fmt.Fprintf(&b, "  FAIL: %s\n", p)
		}
		return b.String()
	}
	fmt.Fprintf(&b, "  rules:    %s\n", ruleTitles(r.Rules))
	expected := r.Expected.String()
	if !r.Expected.OK {
		if r.Exact {
			expected += " (exactly this code)"
		} else {
			expected += " (any client error: the rules infer the code)"
		}
	}
	fmt.Fprintf(&b, "  expected: %s\n", expected)
	fmt.Fprintf(&b, "  actual:   %s\n", r.Actual)
	for _, p := range r.Problems {
		fmt.Fprintf(&b, "  FAIL: %s\n", p)
	}
	return b.String()
}

// ruleTitles names rule ids with their titles.
func ruleTitles(ids []string) string {
	if len(ids) == 0 {
		return "(none)"
	}
	cat, err := catalogue.Load()
	var parts []string
	for _, id := range ids {
		if r, ok := cat.Rule(id); err == nil && ok {
			parts = append(parts, id+" "+r.Title)
		} else {
			parts = append(parts, id)
		}
	}
	return strings.Join(parts, "; ")
}

// attribute picks, of an input's rules, those that expect e in the
// profile; all of them when none does.
func (s *Session) attribute(ids []string, e Expectation) []string {
	var unique, match []string
	for _, id := range ids {
		if !slices.Contains(unique, id) {
			unique = append(unique, id)
		}
	}
	for _, id := range unique {
		r, ok := s.catalogue.Rule(id)
		if !ok {
			continue
		}
		for _, x := range r.ExpectationsIn(s.profile) {
			if (e.OK && x.Outcome == catalogue.OutcomeSuccess) || (!e.OK && x.Error == e.Code) {
				match = append(match, id)
				break
			}
		}
	}
	if len(match) == 0 {
		return unique
	}
	return match
}

// agree reports whether an answer is of the expected class. pkcs1 widens
// the class for unwrap failures: an RSAES_PKCS1_V1_5 block that is not an
// intact wrapping for its token still decrypts to well-formed padding now
// and then (about once in 2^16 corrupted blocks, once in 2^8 OAEP blocks read
// as PKCS#1), and then the material checks answer
// (IncorrectKeyMaterialException) instead of the unwrap
// (InvalidCiphertextException). The oracle's block and the target's differ
// (each world has its own wrapping key pair), so either code is right for
// either world.
func agree(exp Expectation, act Answer, exact, pkcs1 bool) bool {
	switch {
	case exp.OK:
		return act.OK()
	case !act.ClientError():
		return false
	case !exact || act.Code == exp.Code:
		return true
	}
	unwrapClass := func(code string) bool {
		return code == string(awserr.InvalidCiphertext) || code == string(awserr.IncorrectKeyMaterial)
	}
	return pkcs1 && unwrapClass(exp.Code) && unwrapClass(act.Code)
}

// checkAnswer applies the invariants every answer must satisfy, whatever
// the request: an answer comes back within the deadline on a connection that
// stays up, it is not a server fault, and it is well-formed AWS JSON 1.1 (an
// error carries its code in "__type").
func (r *Result) checkAnswer(what string, a Answer) {
	switch {
	case a.Err != nil:
		r.problem("%s: %v", what, a.Err)
	case a.Status >= 500:
		r.problem("%s: HTTP %d, a server fault, where the oracle expects %s", what, a.Status, r.Expected)
	case a.Malformed != "":
		r.problem("%s: not a well-formed AWS answer: %s", what, a.Malformed)
	}
}

// runImport sends an attempt to the target, compares the answer with the
// oracle's prediction and checks the key afterwards against the record the
// oracle predicts. now is the time the request was decoded at (ValidTo is
// relative to it).
func (s *Session) runImport(ctx context.Context, fuzzer string, a attempt, now time.Time) Result {
	res := Result{Fuzzer: fuzzer, Target: s.targetName, Profile: s.profile, Input: a.request}
	// The oracle decides while the target does: both cost an RSA
	// private-key operation, and neither depends on the other.
	predicted := make(chan prediction, 1)
	go func() { predicted <- s.oracle.predictImport(&a.oracle.in, now) }()
	ct := jsonContentType
	act := s.target.send(ctx, wireRequest{Target: kmsTarget("ImportKeyMaterial"), ContentType: &ct, Body: object(a.target.members())})
	after := time.Now()
	pred := <-predicted

	res.Rules = s.attribute(a.rules, pred.Expectation)
	res.Exact = !pred.OK && s.exactCode(res.Rules, pred.Code)
	if !agree(pred.Expectation, act, res.Exact, a.pkcs1) && a.oracle.validTo != "" {
		// ValidTo is judged against the time of the decision, which for
		// the target lies anywhere within the call (and its clock may be
		// off by the configured skew): an answer right at either end is
		// right.
		for _, t := range []time.Time{now.Add(-s.skew), after.Add(s.skew)} {
			if alt := s.oracle.predictImport(&a.oracle.in, t); agree(alt.Expectation, act, res.Exact, a.pkcs1) {
				pred = alt
				break
			}
		}
	}
	res.Expected, res.Actual = pred.Expectation, act
	res.checkAnswer("ImportKeyMaterial", act)
	if act.Err == nil && act.Status < 500 && !agree(pred.Expectation, act, res.Exact, a.pkcs1) {
		res.problem("the target answered %s where the oracle expects %s", act, pred.Expectation)
	}
	// The key after the call, as the oracle predicts it; a request that
	// named no key of the slot (an unknown key, an alias) leaves the slot's
	// key as the oracle holds it.
	record := pred.next
	if record.ID != a.slot.oracle.id {
		record = s.record(a.slot)
	}
	s.afterCall(ctx, a.slot, act.OK(), record, &res)
	return res
}

// afterCall checks the slot's key after a call and retires the slot when the
// call changed it or the target went wrong: the target's key must look as
// the oracle's record of it does; after a rejected call it must look as it
// did before, and a bound key's canary must still work. The oracle does not
// replay the call: a slot whose key the call changed (record) is not used
// again, and a kept one differs from the oracle's at most in counters.
func (s *Session) afterCall(ctx context.Context, sl *slot, accepted bool, record rules.Key, res *Result) {
	targetView, oracleView, err := s.views(ctx, sl, record)
	switch {
	case err != nil:
		res.problem("describing the key after the call: %v", err)
	case !accepted && targetView != sl.before:
		res.problem("the rejected call changed the key: before %s, after %s", sl.before, targetView)
	case targetView != oracleView:
		res.problem("after the call the target's key is %s, the oracle's %s", targetView, oracleView)
	}
	if sl.id.role == bound && oracleView.State == types.KeyStateEnabled {
		if err := s.checkCanary(ctx, sl); err != nil {
			res.problem("after the call the key no longer works with its material: %v", err)
		}
	}
	if res.Failed() || recordFingerprint(record) != sl.fingerprint {
		s.retire(ctx, sl)
	}
}

// redact describes secret bytes by length and hash only.
func redact(b []byte) string {
	if b == nil {
		return "absent"
	}
	sum := sha256.Sum256(b)
	return fmt.Sprintf("%d bytes sha256:%s", len(b), hex.EncodeToString(sum[:6]))
}
