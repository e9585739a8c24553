package containers

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/testcontainers/testcontainers-go/wait"
)

// Credentials the readiness check signs with. Any KMS that checks
// signatures refuses them, which still shows that it is up (see
// answersKMS); the run's own client then uses the run's credentials.
const (
	readinessAccessKeyID     = "AKIAKMSCONFORMREADY0"
	readinessSecretAccessKey = "kmsconform-readiness-check-not-a-real-credential"
)

// kmsAnswers is the wait strategy of every launcher: the container is ready
// when its service answers ListKeys as AWS KMS does. An open port is not
// enough (Docker's port proxy accepts connections before the service
// listens, and an emulator may listen before its KMS is up), and a sleep
// is either too long or too short.
type kmsAnswers struct {
	service string
	region  string
	timeout time.Duration
	// url returns the service's URL once the container has its port.
	url func(ctx context.Context, t wait.StrategyTarget) (string, error)
}

// pollInterval is the pause between two readiness calls.
const pollInterval = 200 * time.Millisecond

// WaitUntilReady implements wait.Strategy.
func (w kmsAnswers) WaitUntilReady(ctx context.Context, t wait.StrategyTarget) error {
	ctx, cancel := context.WithTimeout(ctx, w.timeout)
	defer cancel()
	var last error
	var client *kms.Client
	for {
		state, err := t.State(ctx)
		if err == nil && !state.Running {
			return fmt.Errorf("%s exited with code %d before answering ListKeys; its last output:\n%s", w.service, state.ExitCode, lastOutput(t))
		}
		if client == nil {
			var url string
			if url, last = w.url(ctx, t); last == nil {
				client = readinessClient(url, w.region)
			}
		}
		if client != nil {
			if last = answersKMS(ctx, client); last == nil {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			if ctx.Err() == context.DeadlineExceeded {
				return fmt.Errorf("%s did not answer ListKeys within %s (last attempt: %v); its last output:\n%s", w.service, w.timeout, last, lastOutput(t))
			}
			return ctx.Err()
		case <-time.After(pollInterval):
		}
	}
}

// String describes the strategy in testcontainers' log.
func (w kmsAnswers) String() string { return "an answer to ListKeys" }

func readinessClient(url, region string) *kms.Client {
	if region == "" {
		region = "us-east-1"
	}
	return kms.New(kms.Options{
		Region:       region,
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider(readinessAccessKeyID, readinessSecretAccessKey, ""),
		Retryer:      aws.NopRetryer{},
		HTTPClient:   &http.Client{Timeout: 5 * time.Second},
	})
}

// answersKMS makes one ListKeys call. The service is up when it answers
// with keys or with a client error (4xx): a KMS that checks signatures
// refuses the readiness credentials, and the run's own check (client.Check)
// then says what is wrong with the run's. A refused or reset connection
// (Docker's port proxy before the service listens) or a 5xx is not up.
func answersKMS(ctx context.Context, c *kms.Client) error {
	_, err := c.ListKeys(ctx, &kms.ListKeysInput{Limit: aws.Int32(1)})
	var resp *awshttp.ResponseError
	if err == nil || errors.As(err, &resp) && resp.HTTPStatusCode() >= 400 && resp.HTTPStatusCode() < 500 {
		return nil
	}
	return err
}

// lastOutput returns the last lines the container wrote, for an error.
func lastOutput(t wait.StrategyTarget) string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	logs, err := t.Logs(ctx)
	if err != nil {
		return fmt.Sprintf("  (its logs could not be read: %v)", err)
	}
	defer logs.Close()
	return tail(logs, 20)
}

// tail keeps the last n lines of r, indented.
func tail(r io.Reader, n int) string {
	var lines []string
	s := bufio.NewScanner(r)
	s.Buffer(make([]byte, 64*1024), 1024*1024)
	for s.Scan() {
		lines = append(lines, "  "+s.Text())
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	if len(lines) == 0 {
		return "  (nothing)"
	}
	return strings.Join(lines, "\n")
}
