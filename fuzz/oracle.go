package fuzz

import (
	"context"
	"fmt"
	"net/http/httptest"
	"time"

	"golang.org/x/time/rate"

	"github.com/kmsconform/kmsconform/harness/profile"
	"github.com/kmsconform/kmsconform/harness/reference"
	"github.com/kmsconform/kmsconform/harness/reference/awserr"
	"github.com/kmsconform/kmsconform/harness/reference/kmsapi"
	"github.com/kmsconform/kmsconform/harness/reference/rules"
	"github.com/kmsconform/kmsconform/harness/reference/wrappool"
)

// Expectation is the class of answer the oracle predicts: success, or an
// AWS error code.
type Expectation struct {
	OK   bool
	Code string // when !OK
}

func (e Expectation) String() string {
	if e.OK {
		return "success"
	}
	return e.Code
}

func expectationOf(err error) Expectation {
	if err == nil {
		return Expectation{OK: true}
	}
	return Expectation{Code: string(awserr.CodeOf(err))}
}

// oracle is where the fuzzers' expectations come from: a reference KMS of
// the claimed profile, without mutants, in this process. It holds a key for
// each key the fuzzers use on the target, made the same way (CreateKey,
// GetParametersForImport, a first import), and shares the reference's code,
// not a copy of it: an ImportKeyMaterial answer, and the key as it is
// afterwards, are predicted by rules.DecideImportKeyMaterial on a copy of the
// oracle's key record in the environment the server itself decides in
// (reference.Server.PredictImportKeyMaterial), while the target is asked.
// The oracle does not replay the call: a key the call changed is retired with
// its slot.
//
// The oracle holds its own wrapping key pairs and import tokens: the
// target's private keys are not available (nor needed) even when the target
// is the embedded reference. A request is therefore built twice from the
// same decoded input, once with the oracle's key, token and wrapping and once
// with the target's, so that both carry the same defect (see attempt).
type oracle struct {
	server *reference.Server
	caller kmsapi.Caller
	// http serves the oracle over loopback for the wire fuzzer; started on
	// first use.
	http *httptest.Server
	wire *endpoint
}

func newOracle(p profile.Profile) (*oracle, error) {
	// The embedded target's wrapping keys: consecutive parameter sets never
	// share a key pair (the fuzzers fetch two of a key back to back), and no
	// response waits for RSA key generation.
	srv, err := reference.New(reference.Options{Profile: p, WrappingKeys: &wrappool.Cycle{}})
	if err != nil {
		return nil, fmt.Errorf("starting the oracle's reference: %w", err)
	}
	return &oracle{
		server: srv,
		caller: kmsapi.Caller{AccountID: reference.DefaultAccountID, Region: reference.DefaultRegion},
	}, nil
}

func (o *oracle) close() {
	if o.http != nil {
		o.http.Close()
	}
	o.server.Close()
}

// predictImport is the answer a correct KMS gives to in at time now, and
// the key's record as it keeps it afterwards (see
// reference.Server.PredictImportKeyMaterial: the request's checks, the key
// lookup, and rules.DecideImportKeyMaterial on a copy of the key's record).
func (o *oracle) predictImport(in *kmsapi.ImportKeyMaterialInput, now time.Time) prediction {
	next, err := o.server.PredictImportKeyMaterial(in, now)
	return prediction{expectationOf(err), next}
}

// prediction is the oracle's answer to a request and the key's record
// after it.
type prediction struct {
	Expectation
	next rules.Key
}

// view is what DescribeKey shows of a key record at time now.
func (o *oracle) view(k rules.Key, now time.Time) (keyView, error) {
	env := o.server.Env()
	env.Now = now.UTC().Truncate(time.Millisecond)
	_, out, err := rules.DescribeKey.Decide(k, &kmsapi.DescribeKeyInput{KeyId: &k.ID}, env)
	if err != nil {
		return keyView{}, err
	}
	return viewOf(out.KeyMetadata), nil
}

// record returns the oracle's record of a key.
func (o *oracle) record(keyID string) (rules.Key, bool) { return o.server.Key(keyID) }

func (o *oracle) createKey(in *kmsapi.CreateKeyInput) (*kmsapi.CreateKeyOutput, error) {
	return o.server.CreateKey(context.Background(), o.caller, in)
}

func (o *oracle) getParameters(in *kmsapi.GetParametersForImportInput) (*kmsapi.GetParametersForImportOutput, error) {
	return o.server.GetParametersForImport(context.Background(), o.caller, in)
}

func (o *oracle) importMaterial(in *kmsapi.ImportKeyMaterialInput) (*kmsapi.ImportKeyMaterialOutput, error) {
	return o.server.ImportKeyMaterial(context.Background(), o.caller, in)
}

// serve answers a raw request the way the reference does, HTTP parsing and
// protocol layer included: the wire fuzzer's expectation, for bodies and
// headers the decision layer alone cannot read. The request goes over a
// loopback connection to the oracle (unsigned: the oracle, like the embedded
// reference, accepts any caller), so that it is parsed as the target's is.
func (o *oracle) serve(ctx context.Context, req wireRequest) Answer {
	if o.http == nil {
		o.http = httptest.NewServer(o.server)
		o.wire = &endpoint{url: o.http.URL, client: o.http.Client(), limiter: rate.NewLimiter(rate.Inf, 1), timeout: DefaultCallTimeout}
	}
	return o.wire.send(ctx, req)
}
