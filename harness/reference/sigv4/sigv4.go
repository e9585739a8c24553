// Package sigv4 authenticates the requests the reference KMS receives: it
// reads the AWS Signature Version 4 Authorization header and checks a
// request's signature by signing the received request again with the AWS
// SDK's own signer (github.com/aws/aws-sdk-go-v2/aws/signer/v4) and comparing
// the two signatures in constant time.
//
// The request is signed again over exactly what the client signed: the
// method, path and query, the headers named in SignedHeaders with the values
// received (Host from the request line's host, Content-Length from the
// received length), the time of X-Amz-Date, the credential scope's Region
// and service, and the SHA-256 of the body as received. Headers the client
// did not sign (a proxy's, or the Accept-Encoding Go's transport adds after
// signing) do not take part. A client that signs a header the SDK's signer
// never signs (User-Agent, Expect, Transfer-Encoding, X-Amzn-Trace-Id) cannot
// be verified; no AWS SDK does.
//
// Failures are AWS's authentication errors, all HTTP 400:
// IncompleteSignatureException for an Authorization header or X-Amz-Date that
// cannot be read, InvalidSignatureException for a signature that does not
// match, a request more than five minutes from the server's clock
// ("Signature expired") or a credential scope of the wrong date, service or
// terminator.
package sigv4

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/kmsconform/kmsconform/harness/reference/awserr"
)

// Algorithm is the only signing algorithm SigV4 headers name.
const Algorithm = "AWS4-HMAC-SHA256"

// MaxSkew is how far the time of a request (X-Amz-Date) may be from the
// server's clock, either way, as AWS allows.
const MaxSkew = 5 * time.Minute

// Service is the signing name of KMS.
const Service = "kms"

const (
	amzDateFormat = "20060102T150405Z"
	terminator    = "aws4_request"
)

// Authorization is a parsed SigV4 Authorization header.
type Authorization struct {
	AccessKeyID   string
	Date          string // the credential scope's date, YYYYMMDD
	Region        string
	Service       string
	Terminator    string
	SignedHeaders []string // lower-case header names, as the client listed them
	Signature     string   // 64 lowercase hex digits
}

var (
	signedHeaderPattern = regexp.MustCompile(`^[a-z0-9!#$%&'*+.^_|~-]+$`) // RFC 9110 token, lower case
	signaturePattern    = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

func incomplete(format string, args ...any) error {
	return awserr.New(awserr.IncompleteSignature, format, args...)
}

func invalid(format string, args ...any) error {
	return awserr.New(awserr.InvalidSignature, format, args...)
}

// Parse reads an Authorization header: "AWS4-HMAC-SHA256
// Credential=<key id>/<date>/<Region>/<service>/aws4_request,
// SignedHeaders=<a;b;c>, Signature=<hex>". Anything else is
// IncompleteSignatureException.
func Parse(header string) (Authorization, error) {
	algorithm, params, _ := strings.Cut(strings.TrimSpace(header), " ")
	if algorithm != Algorithm {
		return Authorization{}, incomplete("Unsupported AWS 'algorithm': '%s'; use %s.", algorithm, Algorithm)
	}
	values := map[string]string{}
	for part := range strings.SplitSeq(params, ",") {
		name, value, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return Authorization{}, incomplete("Authorization header parameter '%s' is not of the form name=value.", strings.TrimSpace(part))
		}
		values[name] = value
	}
	var missing []string
	for _, name := range []string{"Credential", "SignedHeaders", "Signature"} {
		if values[name] == "" {
			missing = append(missing, "Authorization header requires '"+name+"' parameter.")
		}
	}
	if len(missing) > 0 {
		return Authorization{}, incomplete("%s", strings.Join(missing, " "))
	}

	scope := strings.Split(values["Credential"], "/")
	if len(scope) != 5 || slices.Contains(scope, "") {
		return Authorization{}, incomplete("Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '%s'.", values["Credential"])
	}
	a := Authorization{
		AccessKeyID:   scope[0],
		Date:          scope[1],
		Region:        scope[2],
		Service:       scope[3],
		Terminator:    scope[4],
		SignedHeaders: strings.Split(values["SignedHeaders"], ";"),
		Signature:     values["Signature"],
	}
	for _, h := range a.SignedHeaders {
		if !signedHeaderPattern.MatchString(h) {
			return Authorization{}, incomplete("SignedHeaders '%s' is not a list of lower-case header names separated by ';'.", values["SignedHeaders"])
		}
	}
	if !slices.Contains(a.SignedHeaders, "host") {
		return Authorization{}, incomplete("'Host' must be a 'SignedHeader' in the AWS Authorization.")
	}
	if !signaturePattern.MatchString(a.Signature) {
		return Authorization{}, incomplete("Signature must be 64 lowercase hexadecimal digits.")
	}
	return a, nil
}

// Verify checks that r, whose body is body, was signed by the holder of
// secret as a recent (within MaxSkew of now) request to KMS.
func (a Authorization) Verify(r *http.Request, body []byte, secret string, now time.Time) error {
	amzDate := r.Header.Get("X-Amz-Date")
	if amzDate == "" {
		return incomplete("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header; this endpoint reads X-Amz-Date.")
	}
	signed, err := time.Parse(amzDateFormat, amzDate)
	if err != nil {
		return incomplete("X-Amz-Date must be in ISO-8601 basic format (%s), not '%s'.", amzDateFormat, amzDate)
	}
	now = now.UTC()
	switch {
	case signed.Before(now.Add(-MaxSkew)):
		return invalid("Signature expired: %s is now earlier than %s (%s - 5 min.)", amzDate, now.Add(-MaxSkew).Format(amzDateFormat), now.Format(amzDateFormat))
	case signed.After(now.Add(MaxSkew)):
		return invalid("Signature not yet current: %s is still later than %s (%s + 5 min.)", amzDate, now.Add(MaxSkew).Format(amzDateFormat), now.Format(amzDateFormat))
	}
	switch {
	case a.Date != signed.Format("20060102"):
		return invalid("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.", a.Date, signed.Format("20060102"), amzDate)
	case a.Service != Service:
		return invalid("Credential should be scoped to correct service: '%s'.", Service)
	case a.Terminator != terminator:
		return invalid("Credential should be scoped with a valid terminator: '%s', not '%s'.", terminator, a.Terminator)
	}

	expected, err := a.sign(r, body, secret, signed)
	if err != nil {
		return invalid("The request could not be signed again for verification: %v", err)
	}
	if subtle.ConstantTimeCompare([]byte(expected), []byte(a.Signature)) != 1 {
		return invalid("The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
	}
	return nil
}

// sign signs a copy of r that has only the headers a names, as the client
// signed it, and returns the signature.
func (a Authorization) sign(r *http.Request, body []byte, secret string, at time.Time) (string, error) {
	u := &url.URL{Path: r.URL.Path, RawPath: r.URL.RawPath, RawQuery: r.URL.RawQuery}
	req := &http.Request{Method: r.Method, URL: u, Header: http.Header{}, Host: r.Host}
	for _, name := range a.SignedHeaders {
		switch name {
		case "host": // from req.Host
		case "content-length":
			// The signer takes the length from the request, not the header.
			req.ContentLength = r.ContentLength
		default:
			req.Header[http.CanonicalHeaderKey(name)] = r.Header.Values(name)
		}
	}
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: a.AccessKeyID, SecretAccessKey: secret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), a.Service, a.Region, at); err != nil {
		return "", err
	}
	_, signature, _ := strings.Cut(req.Header.Get("Authorization"), "Signature=")
	return signature, nil
}
