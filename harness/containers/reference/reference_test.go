package reference

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsconform/kmsconform/harness/containers"
	"github.com/kmsconform/kmsconform/harness/containers/containerstest"
	"github.com/kmsconform/kmsconform/harness/profile"
)

func client(ep containers.Endpoint) *kms.Client {
	return kms.New(kms.Options{
		Region: ep.Region, BaseEndpoint: aws.String(ep.URL),
		Credentials: credentials.NewStaticCredentialsProvider("AKIAKMSCONFORMTEST01", "test", ""),
	})
}

// TestRun starts the reference from a binary built from this checkout (a
// test binary is not kmsconform, so it cannot copy itself), checks that the
// options reach `serve`, that a second start reuses the image, and that
// Stop removes the container.
func TestRun(t *testing.T) {
	containerstest.RequireDocker(t)
	ctx := context.Background()
	s := containerstest.Settings(t)
	ep, stop, err := Run(ctx, WithProfile(profile.P2023), WithRegion("eu-west-1"), WithTokenLifetime(90*time.Second), WithSettings(s))
	if err != nil {
		t.Fatal(err)
	}
	defer stop(ctx)
	if !strings.HasPrefix(ep.URL, "http://127.0.0.1:") || ep.Region != "eu-west-1" || !strings.HasPrefix(ep.Image, Repository+":") {
		t.Fatalf("endpoint %+v", ep)
	}

	c := client(ep)
	key, err := c.CreateKey(ctx, &kms.CreateKeyInput{Origin: types.OriginTypeExternal, KeySpec: types.KeySpecHmac256, KeyUsage: types.KeyUsageTypeGenerateVerifyMac})
	if err != nil {
		t.Fatalf("CreateKey of an EXTERNAL HMAC key, which profile 2023 allows: %v", err)
	}
	if arn := aws.ToString(key.KeyMetadata.Arn); !strings.HasPrefix(arn, "arn:aws:kms:eu-west-1:") {
		t.Fatalf("key ARN %s is not in eu-west-1", arn)
	}
	params, err := c.GetParametersForImport(ctx, &kms.GetParametersForImportInput{
		KeyId: key.KeyMetadata.KeyId, WrappingAlgorithm: types.AlgorithmSpecRsaesOaepSha256, WrappingKeySpec: types.WrappingKeySpecRsa2048,
	})
	if err != nil {
		t.Fatal(err)
	}
	if life := time.Until(aws.ToTime(params.ParametersValidTo)); life > 2*time.Minute || life < time.Minute {
		t.Fatalf("import parameters valid for %s, want the 90s given with WithTokenLifetime", life)
	}

	var second bytes.Buffer
	s2 := s
	s2.Progress = &second
	ep2, stop2, err := Run(ctx, WithSettings(s2))
	if err != nil {
		t.Fatal(err)
	}
	if ep2.Image != ep.Image || strings.Contains(second.String(), "building image") {
		t.Errorf("the second start built an image again (%s, then %s):\n%s", ep.Image, ep2.Image, second.String())
	}
	if err := stop2(ctx); err != nil {
		t.Fatal(err)
	}
	if err := stop(ctx); err != nil {
		t.Fatal(err)
	}
	if err := stop(ctx); err != nil {
		t.Fatalf("a second Stop: %v", err)
	}
	if left := containerstest.ContainersLabelled(t, containers.LabelRunID, s.Labels[containers.LabelRunID]); len(left) > 0 {
		t.Fatalf("Stop left containers %v", left)
	}
}

func TestRunRefusesBadOptionsBeforeStarting(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		opts []Option
		want string
	}{
		{"profile", []Option{WithProfile("1999")}, "1999"},
		{"mutant", []Option{WithMutant("no-such-mutant")}, "--list-mutants"},
		{"token lifetime", []Option{WithTokenLifetime(-time.Second)}, "positive"},
	} {
		_, _, err := Run(ctx, tc.opts...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error saying %q", tc.name, err, tc.want)
		}
	}
}
