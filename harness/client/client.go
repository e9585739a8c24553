// Package client builds the aws-sdk-go-v2 KMS client a run uses for a target,
// and checks that the target answers as AWS KMS before any spec runs.
package client

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/smithy-go"

	"github.com/kmsconform/kmsconform/harness/config"
	"github.com/kmsconform/kmsconform/harness/target"
)

// New returns a KMS client for the started target. Credentials, in order: the
// config file's, those the target itself names (the embedded reference knows
// only its test accounts), the SDK's default chain when the endpoint is
// remote or the environment names credentials, otherwise the static test
// credentials (so a loopback run never consults instance metadata or any
// other address).
func New(ctx context.Context, cfg config.Config, ep target.Endpoint) (*kms.Client, error) {
	creds := cfg.Credentials
	if creds == nil {
		creds = ep.Credentials
	}
	return newClient(ctx, cfg, ep, creds)
}

// NewSecondAccount returns a client that signs with the second account's
// credentials, for the cross-account rules.
func NewSecondAccount(ctx context.Context, cfg config.Config, ep target.Endpoint) (*kms.Client, error) {
	if cfg.SecondAccount == nil {
		return nil, errors.New("no second-account credentials are configured: add a second-account section to the --kms.config file")
	}
	return newClient(ctx, cfg, ep, cfg.SecondAccount)
}

// NewInRegion returns a client of the run's account for another region of
// the same endpoint, for the multi-Region rules.
func NewInRegion(ctx context.Context, cfg config.Config, ep target.Endpoint, region string) (*kms.Client, error) {
	cfg.Region = region
	ep.Region = ""
	return New(ctx, cfg, ep)
}

func newClient(ctx context.Context, cfg config.Config, ep target.Endpoint, creds *config.Credentials) (*kms.Client, error) {
	region := cfg.Region
	if ep.Region != "" {
		region = ep.Region
	}
	var provider aws.CredentialsProvider
	switch {
	case creds != nil:
		provider = credentials.NewStaticCredentialsProvider(creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken)
	case ep.Loopback && config.Getenv("AWS_ACCESS_KEY_ID") == "":
		provider = credentials.NewStaticCredentialsProvider(config.TestCredentials.AccessKeyID, config.TestCredentials.SecretAccessKey, "")
	}
	opts := []func(*awsconfig.LoadOptions) error{awsconfig.WithRegion(region)}
	if provider != nil {
		opts = append(opts, awsconfig.WithCredentialsProvider(provider))
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("AWS SDK configuration: %w (check AWS_PROFILE and ~/.aws/config)", err)
	}
	return kms.NewFromConfig(awsCfg, func(o *kms.Options) {
		o.BaseEndpoint = aws.String(ep.URL)
		o.Retryer = conformanceRetryer()
	}), nil
}

// conformanceRetryer retries only throttling. A conformance run must see the
// target's first answer to every request: retrying a 5xx or a dropped
// connection would hide exactly the faults the suite reports.
func conformanceRetryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = 4
		o.Retryables = []retry.IsErrorRetryable{
			retry.RetryableErrorCode{Codes: map[string]struct{}{
				"ThrottlingException": {}, "Throttling": {}, "TooManyRequestsException": {},
			}},
		}
	})
}

// Check makes one cheap call (ListKeys, Limit 1) and explains a failure in
// terms of what to change: the endpoint, the service, or the credentials.
func Check(ctx context.Context, c *kms.Client, endpoint, source string) error {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	_, err := c.ListKeys(ctx, &kms.ListKeysInput{Limit: aws.Int32(1)})
	if err == nil {
		return nil
	}
	where := endpoint
	if source != "" {
		where = fmt.Sprintf("%s (from %s)", endpoint, source)
	}
	var apiErr smithy.APIError
	var netErr net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("cannot reach the KMS endpoint %s: connection refused. Is the service running on that port? Start the reference with `kmsconform serve`, or give no endpoint to use the embedded reference", where)
	case errors.As(err, &netErr) && netErr.Timeout(), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("the KMS endpoint %s did not answer ListKeys within 15s: check the address and any firewall", where)
	case errors.As(err, &apiErr):
		switch apiErr.ErrorCode() {
		case "UnrecognizedClientException", "InvalidSignatureException", "AccessDeniedException", "IncompleteSignature", "MissingAuthenticationToken":
			return fmt.Errorf("the KMS endpoint %s refused the credentials (%s): set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE, or a credentials section in the --kms.config file", where, apiErr.ErrorCode())
		}
		return fmt.Errorf("the KMS endpoint %s answered ListKeys with %s: %s; a conformance run needs ListKeys to work", where, apiErr.ErrorCode(), apiErr.ErrorMessage())
	}
	var status interface{ HTTPStatusCode() int }
	if errors.As(err, &status) && status.HTTPStatusCode() != http.StatusOK {
		return fmt.Errorf("the endpoint %s answered ListKeys with HTTP %d and no AWS error: is it an AWS KMS (JSON 1.1) endpoint? (%v)", where, status.HTTPStatusCode(), err)
	}
	return fmt.Errorf("the endpoint %s did not answer ListKeys as AWS KMS does: %w", where, err)
}
