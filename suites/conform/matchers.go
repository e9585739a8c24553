package conform

import (
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"
	"github.com/onsi/gomega/gcustom"
	gtypes "github.com/onsi/gomega/types"
)

// Observed is what a target answered to one call, classified the only way the
// suite classifies answers: by AWS error code and HTTP status, never by the
// message text (which is kept only to be reported).
type Observed struct {
	OK      bool   // the call succeeded
	Code    string // AWS error code (smithy ErrorCode), empty when OK or when the answer had none
	Status  int    // HTTP status, 0 when no HTTP response came back
	Message string // the error message, for the report only
	Err     error  // the error itself, for transport failures
}

// Observe classifies a call's error.
func Observe(err error) Observed {
	if err == nil {
		return Observed{OK: true, Status: 200}
	}
	o := Observed{Err: err, Message: err.Error()}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		o.Code = apiErr.ErrorCode()
		o.Message = apiErr.ErrorMessage()
	}
	var withStatus interface{ HTTPStatusCode() int }
	if errors.As(err, &withStatus) {
		o.Status = withStatus.HTTPStatusCode()
	}
	return o
}

// ClientError reports whether the answer is a well-formed AWS client error:
// an HTTP 4xx carrying an AWS error code.
func (o Observed) ClientError() bool {
	return !o.OK && o.Code != "" && o.Status >= 400 && o.Status < 500
}

// String describes the answer for failure messages and reports.
func (o Observed) String() string {
	switch {
	case o.OK:
		return "success"
	case o.Code != "":
		return fmt.Sprintf("%s (HTTP %d): %s", o.Code, o.Status, o.Message)
	case o.Status != 0:
		return fmt.Sprintf("HTTP %d without an AWS error code: %v", o.Status, o.Err)
	default:
		return fmt.Sprintf("no HTTP answer: %v", o.Err)
	}
}

// BeKMSError succeeds when the actual value is an error carrying the AWS
// error code `code` with a 4xx HTTP status. The code is read with
// smithy.APIError's ErrorCode; the message is never looked at.
func BeKMSError(code string) gtypes.GomegaMatcher {
	return answerMatcher{
		want:  fmt.Sprintf("to fail with %s and an HTTP 4xx status", code),
		match: func(o Observed) bool { return o.ClientError() && o.Code == code },
	}
}

// BeKMSClientError succeeds when the actual value is an error with an AWS
// error code and a 4xx HTTP status, whatever the code: what a rule with
// inferred evidence demands.
func BeKMSClientError() gtypes.GomegaMatcher {
	return answerMatcher{
		want:  "to be rejected with an AWS client error (HTTP 4xx with an error code)",
		match: func(o Observed) bool { return o.ClientError() },
	}
}

// answerMatcher matches a KMS call's error by its classification and, on
// failure, says what came back in one line (code, status, message) rather
// than dumping the SDK's error structure.
type answerMatcher struct {
	want  string
	match func(Observed) bool
}

func (m answerMatcher) Match(actual any) (bool, error) {
	err, ok := actual.(error)
	if actual != nil && !ok {
		return false, fmt.Errorf("expected an error from a KMS call, got %T", actual)
	}
	return m.match(Observe(err)), nil
}

func (m answerMatcher) FailureMessage(actual any) string {
	err, _ := actual.(error)
	return fmt.Sprintf("Expected the KMS call %s, but it answered: %s", m.want, Observe(err))
}

func (m answerMatcher) NegatedFailureMessage(actual any) string {
	err, _ := actual.(error)
	return fmt.Sprintf("Expected the KMS call not %s, but it answered: %s", m.want, Observe(err))
}

// HaveKeyState succeeds when the actual value's key state is state. It takes
// a *types.KeyMetadata, a *kms.DescribeKeyOutput or a types.KeyState.
func HaveKeyState(state types.KeyState) gtypes.GomegaMatcher {
	return gcustom.MakeMatcher(func(actual any) (bool, error) {
		got, err := keyStateOf(actual)
		if err != nil {
			return false, err
		}
		return got == state, nil
	}).WithTemplate("Expected the key state to be {{.Data}}, but it was {{format .Actual 1}}", state)
}

func keyStateOf(actual any) (types.KeyState, error) {
	switch v := actual.(type) {
	case types.KeyState:
		return v, nil
	case *types.KeyMetadata:
		if v == nil {
			return "", errors.New("HaveKeyState: KeyMetadata is nil")
		}
		return v.KeyState, nil
	case *kms.DescribeKeyOutput:
		if v == nil || v.KeyMetadata == nil {
			return "", errors.New("HaveKeyState: DescribeKey returned no KeyMetadata")
		}
		return v.KeyMetadata.KeyState, nil
	}
	return "", fmt.Errorf("HaveKeyState expects *types.KeyMetadata, *kms.DescribeKeyOutput or types.KeyState, got %T", actual)
}
