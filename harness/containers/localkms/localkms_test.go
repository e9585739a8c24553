package localkms

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsconform/kmsconform/harness/containers"
	"github.com/kmsconform/kmsconform/harness/containers/containerstest"
)

// TestRun starts local-kms built from the pinned source, imports nothing
// but gets as far as import parameters, and checks that each container
// starts empty (its own data path) and is removed by Stop.
func TestRun(t *testing.T) {
	containerstest.RequireDocker(t)
	ctx := context.Background()
	s := containerstest.Settings(t)
	ep, stop, err := Run(ctx, WithRegion("eu-west-1"), WithAccountID("444455556666"), WithSettings(s))
	if err != nil {
		t.Fatal(err)
	}
	defer stop(ctx)
	if !strings.HasPrefix(ep.Image, Repository+":") || ep.Region != "eu-west-1" {
		t.Fatalf("endpoint %+v", ep)
	}
	c := kms.New(kms.Options{
		Region: ep.Region, BaseEndpoint: aws.String(ep.URL),
		Credentials: credentials.NewStaticCredentialsProvider("AKIAKMSCONFORMTEST01", "test", ""),
	})
	key, err := c.CreateKey(ctx, &kms.CreateKeyInput{Origin: types.OriginTypeExternal})
	if err != nil {
		t.Fatal(err)
	}
	if arn := aws.ToString(key.KeyMetadata.Arn); !strings.HasPrefix(arn, "arn:aws:kms:eu-west-1:444455556666:key/") {
		t.Fatalf("key ARN %s: KMS_REGION and KMS_ACCOUNT_ID did not reach local-kms", arn)
	}
	if _, err := c.GetParametersForImport(ctx, &kms.GetParametersForImportInput{
		KeyId: key.KeyMetadata.KeyId, WrappingAlgorithm: types.AlgorithmSpecRsaesOaepSha256, WrappingKeySpec: types.WrappingKeySpecRsa2048,
	}); err != nil {
		t.Fatal(err)
	}

	ep2, stop2, err := Run(ctx, WithRegion("eu-west-1"), WithSettings(s))
	if err != nil {
		t.Fatal(err)
	}
	defer stop2(ctx)
	c2 := kms.New(kms.Options{Region: ep2.Region, BaseEndpoint: aws.String(ep2.URL), Credentials: credentials.NewStaticCredentialsProvider("AKIAKMSCONFORMTEST01", "test", "")})
	keys, err := c2.ListKeys(ctx, &kms.ListKeysInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(keys.Keys) != 0 {
		t.Fatalf("a second local-kms starts with %d keys: its data is not its own", len(keys.Keys))
	}

	if err := stop(ctx); err != nil {
		t.Fatal(err)
	}
	if err := stop2(ctx); err != nil {
		t.Fatal(err)
	}
	if left := containerstest.ContainersLabelled(t, containers.LabelRunID, s.Labels[containers.LabelRunID]); len(left) > 0 {
		t.Fatalf("Stop left containers %v", left)
	}
}

// TestPublishedImageUnavailable: with pulling off and the published image
// absent (as on a machine without a registry), Run says that local-kms is
// unavailable and how to get the image, rather than failing obscurely.
func TestPublishedImageUnavailable(t *testing.T) {
	containerstest.RequireDocker(t)
	_, _, err := Run(context.Background(), WithImage("nsmithuk/local-kms:kmsconform-absent"), WithSettings(containerstest.Settings(t)))
	if !containers.IsUnavailable(err) || !strings.Contains(err.Error(), "local-kms is unavailable") || !strings.Contains(err.Error(), "docker pull") {
		t.Fatalf("Run with an absent image: %v", err)
	}
}
