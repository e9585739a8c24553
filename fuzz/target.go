package fuzz

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"golang.org/x/time/rate"
)

// jsonContentType is the media type of AWS JSON 1.1.
const jsonContentType = "application/x-amz-json-1.1"

// maxAnswerBytes bounds how much of an answer is read: far above any KMS
// response, small enough that a misbehaving target cannot exhaust memory.
const maxAnswerBytes = 4 << 20

// Answer is what a KMS answered to one call, classified the only way the
// fuzzers classify answers: by HTTP status and AWS error code, never by the
// message, which is kept for the report.
type Answer struct {
	Status  int    // HTTP status; 0 when no answer came back
	Code    string // AWS error code ("__type" without its namespace); "" on success
	Message string // error message, for the report only
	Body    []byte // the body of a successful answer
	// Err is set when no answer came back: the connection failed or was
	// dropped, or the per-call deadline passed.
	Err error
	// Malformed says why the answer is not a well-formed AWS JSON 1.1
	// answer; "" when it is.
	Malformed string
}

// OK reports whether the call succeeded.
func (a Answer) OK() bool { return a.Err == nil && a.Status == http.StatusOK }

// ClientError reports whether the answer is an AWS client error: HTTP 4xx
// with an error code.
func (a Answer) ClientError() bool {
	return a.Err == nil && a.Status >= 400 && a.Status < 500 && a.Code != ""
}

// String describes the answer in one line.
func (a Answer) String() string {
	switch {
	case a.Err != nil:
		return fmt.Sprintf("no answer: %v", a.Err)
	case a.Status == http.StatusOK:
		return "success (HTTP 200)"
	case a.Code != "":
		return fmt.Sprintf("%s (HTTP %d): %s", a.Code, a.Status, a.Message)
	default:
		return fmt.Sprintf("HTTP %d without an AWS error code: %s", a.Status, a.Malformed)
	}
}

// endpoint is a KMS reached over HTTP: the target of a fuzz session.
// Every call waits for the rate limiter, then has a deadline of its own.
type endpoint struct {
	url     string
	client  *http.Client
	creds   aws.CredentialsProvider // nil: requests go unsigned
	region  string
	signer  *v4.Signer
	limiter *rate.Limiter
	timeout time.Duration
}

// wireRequest is one HTTP request as the wire fuzzer shapes it; the other
// fuzzers send well-formed requests (call).
type wireRequest struct {
	Method string // "" is POST
	// Target is the X-Amz-Target header; nil omits it.
	Target *string
	// ContentType is the Content-Type header; nil omits it.
	ContentType *string
	Body        []byte
}

// kmsTarget returns the X-Amz-Target of a KMS operation.
func kmsTarget(operation string) *string {
	t := "TrentService." + operation
	return &t
}

// send sends one request and classifies the answer. The request is signed
// with SigV4 when credentials are configured (after the fuzzer shaped it, so
// a target sees a valid signature over whatever body it gets).
func (e *endpoint) send(ctx context.Context, req wireRequest) Answer {
	if err := e.limiter.Wait(ctx); err != nil {
		return Answer{Err: fmt.Errorf("waiting for the rate limiter: %w", err)}
	}
	ctx, cancel := context.WithTimeout(ctx, e.timeout)
	defer cancel()
	method := req.Method
	if method == "" {
		method = http.MethodPost
	}
	r, err := http.NewRequestWithContext(ctx, method, e.url, bytes.NewReader(req.Body))
	if err != nil {
		return Answer{Err: err}
	}
	if req.Target != nil {
		r.Header.Set("X-Amz-Target", *req.Target)
	}
	if req.ContentType != nil {
		r.Header.Set("Content-Type", *req.ContentType)
	}
	if e.creds != nil {
		creds, err := e.creds.Retrieve(ctx)
		if err != nil {
			return Answer{Err: fmt.Errorf("retrieving the AWS credentials to sign with: %w", err)}
		}
		sum := sha256.Sum256(req.Body)
		if err := e.signer.SignHTTP(ctx, creds, r, hex.EncodeToString(sum[:]), "kms", e.region, time.Now()); err != nil {
			return Answer{Err: fmt.Errorf("signing the request: %w", err)}
		}
	}
	start := time.Now()
	resp, err := e.client.Do(r)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return Answer{Err: fmt.Errorf("no answer within the per-call deadline of %v (a hang)", e.timeout)}
		}
		return Answer{Err: fmt.Errorf("the connection failed or was dropped after %v: %w", time.Since(start).Round(time.Millisecond), err)}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes+1))
	if err != nil {
		return Answer{Status: resp.StatusCode, Err: fmt.Errorf("reading the answer failed (dropped connection or deadline): %w", err)}
	}
	return classify(resp.StatusCode, resp.Header, body)
}

// classify reads a status and body as an AWS JSON 1.1 answer. A success is
// an empty body or a JSON object; an error is a JSON object whose "__type"
// names the error code, possibly with a namespace ("com.amazonaws.kms#") and
// a suffix after ':' as some servers add, which are dropped as the AWS SDKs
// drop them.
func classify(status int, header http.Header, body []byte) Answer {
	a := Answer{Status: status}
	if len(body) > maxAnswerBytes {
		a.Malformed = fmt.Sprintf("the answer is larger than %d bytes", maxAnswerBytes)
		return a
	}
	var members map[string]json.RawMessage
	isObject := json.Unmarshal(body, &members) == nil && members != nil
	if status == http.StatusOK {
		a.Body = body
		if len(bytes.TrimSpace(body)) > 0 && !isObject {
			a.Malformed = "the body of a successful answer is not a JSON object"
		}
		return a
	}
	if !isObject {
		a.Malformed = fmt.Sprintf("the error body is not a JSON object (Content-Type %q, %d bytes)", header.Get("Content-Type"), len(body))
		return a
	}
	var typ string
	if raw, ok := members["__type"]; !ok || json.Unmarshal(raw, &typ) != nil || typ == "" {
		a.Malformed = "the error body has no \"__type\" string naming the error code"
		return a
	}
	if i := strings.LastIndex(typ, "#"); i >= 0 {
		typ = typ[i+1:]
	}
	typ, _, _ = strings.Cut(typ, ":")
	a.Code = typ
	for _, name := range []string{"message", "Message"} {
		if raw, ok := members[name]; ok {
			_ = json.Unmarshal(raw, &a.Message)
			break
		}
	}
	return a
}

// call sends a well-formed request for a KMS operation: in marshalled as
// AWS clients do, with absent members left out rather than sent as null.
// On success the answer's body is decoded into out.
func (e *endpoint) call(ctx context.Context, operation string, in, out any) Answer {
	body, err := marshalWithoutNulls(in)
	if err != nil {
		return Answer{Err: fmt.Errorf("encoding the %s request: %w", operation, err)}
	}
	ct := jsonContentType
	a := e.send(ctx, wireRequest{Target: kmsTarget(operation), ContentType: &ct, Body: body})
	if a.OK() && a.Malformed == "" && out != nil && len(bytes.TrimSpace(a.Body)) > 0 {
		if err := json.Unmarshal(a.Body, out); err != nil {
			a.Malformed = fmt.Sprintf("the %s answer does not decode: %v", operation, err)
		}
	}
	return a
}

// marshalWithoutNulls marshals v, a kmsapi input, and drops its null
// members: the input structs name every member, and AWS clients omit the
// absent ones.
func marshalWithoutNulls(v any) ([]byte, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(raw, &members); err != nil {
		return nil, err
	}
	for name, value := range members {
		if string(value) == "null" {
			delete(members, name)
		}
	}
	return json.Marshal(members)
}

// failure describes an answer to a call that had to succeed.
func failure(operation string, a Answer) error {
	if a.OK() && a.Malformed != "" {
		return fmt.Errorf("%s: %s", operation, a.Malformed)
	}
	return fmt.Errorf("%s answered %s", operation, a)
}
