package localstack

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/kmsconform/kmsconform/harness/containers"
	"github.com/kmsconform/kmsconform/harness/containers/containerstest"
)

// TestRun starts LocalStack when its image is present here, and otherwise
// checks that Run says clearly that LocalStack is unavailable and what to
// do: the tests never pull (containerstest.Settings), so on a machine
// without the image this is the behaviour a user without a registry sees.
func TestRun(t *testing.T) {
	containerstest.RequireDocker(t)
	ctx := context.Background()
	s := containerstest.Settings(t)
	ep, stop, err := Run(ctx, WithSettings(s))
	if containers.IsUnavailable(err) {
		for _, want := range []string{"LocalStack is unavailable", DefaultImage, "docker pull"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("the unavailable error does not say %q: %v", want, err)
			}
		}
		t.Logf("LocalStack's image is not here, and Run says so: %v", err)
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	defer stop(ctx)
	c := kms.New(kms.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(ep.URL),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
	if _, err := c.ListKeys(ctx, &kms.ListKeysInput{}); err != nil {
		t.Fatal(err)
	}
	if err := stop(ctx); err != nil {
		t.Fatal(err)
	}
}
