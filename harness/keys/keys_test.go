package keys_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsconform/kmsconform/harness/client"
	"github.com/kmsconform/kmsconform/harness/config"
	"github.com/kmsconform/kmsconform/harness/keys"
	"github.com/kmsconform/kmsconform/harness/reference"
	"github.com/kmsconform/kmsconform/harness/target"
)

func newClient(t *testing.T) *kms.Client {
	t.Helper()
	ref, err := reference.New(reference.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ref.Close)
	srv := httptest.NewServer(ref)
	t.Cleanup(srv.Close)
	c, err := client.New(context.Background(), config.Config{Region: "us-east-1"}, target.Endpoint{URL: srv.URL, Loopback: true})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func state(t *testing.T, c *kms.Client, id string) types.KeyState {
	t.Helper()
	out, err := c.DescribeKey(context.Background(), &kms.DescribeKeyInput{KeyId: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	return out.KeyMetadata.KeyState
}

func TestCreateTagsAndScheduleDeletionIsIdempotent(t *testing.T) {
	ctx := context.Background()
	c := newClient(t)
	meta, err := keys.Create(ctx, c, "run-1", kms.CreateKeyInput{Origin: types.OriginTypeExternal})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(meta.KeyId)
	tags, err := c.ListResourceTags(ctx, &kms.ListResourceTagsInput{KeyId: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	if len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].TagKey) != keys.RunTagKey || aws.ToString(tags.Tags[0].TagValue) != "run-1" {
		t.Fatalf("tags = %+v, want only %s=run-1", tags.Tags, keys.RunTagKey)
	}
	for i := 0; i < 2; i++ { // the second call finds the key already pending deletion
		if err := keys.ScheduleDeletion(ctx, c, id); err != nil {
			t.Fatalf("ScheduleDeletion #%d: %v", i+1, err)
		}
	}
	if got := state(t, c, id); got != types.KeyStatePendingDeletion {
		t.Fatalf("state = %s", got)
	}
	if err := keys.ScheduleDeletion(ctx, c, "1234abcd-12ab-34cd-56ef-1234567890ab"); err != nil {
		t.Fatalf("ScheduleDeletion of a key that does not exist: %v", err)
	}
}

func TestSweepTouchesOnlySuiteKeys(t *testing.T) {
	ctx := context.Background()
	c := newClient(t)
	mine1, _ := keys.Create(ctx, c, "run-1", kms.CreateKeyInput{})
	mine2, _ := keys.Create(ctx, c, "run-2", kms.CreateKeyInput{})
	foreign, err := c.CreateKey(ctx, &kms.CreateKeyInput{Tags: []types.Tag{{TagKey: aws.String("owner"), TagValue: aws.String("someone")}}})
	if err != nil {
		t.Fatal(err)
	}
	untagged, err := c.CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}

	res, err := keys.Sweep(ctx, c, "run-1", true)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Scheduled) != 1 || res.Scheduled[0] != aws.ToString(mine1.KeyId) {
		t.Fatalf("dry run for run-1 would schedule %v", res.Scheduled)
	}
	if got := state(t, c, aws.ToString(mine1.KeyId)); got != types.KeyStateEnabled {
		t.Fatalf("a dry run changed a key: %s", got)
	}

	res, err = keys.Sweep(ctx, c, "", false)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Scheduled) != 2 || res.Skipped != 2 {
		t.Fatalf("sweep = %+v, want the two suite keys scheduled and two keys left alone", res)
	}
	for _, k := range []*types.KeyMetadata{mine1, mine2} {
		if got := state(t, c, aws.ToString(k.KeyId)); got != types.KeyStatePendingDeletion {
			t.Errorf("suite key %s is %s after the sweep", aws.ToString(k.KeyId), got)
		}
	}
	for _, id := range []string{aws.ToString(foreign.KeyMetadata.KeyId), aws.ToString(untagged.KeyMetadata.KeyId)} {
		if got := state(t, c, id); got != types.KeyStateEnabled {
			t.Errorf("the sweep touched key %s that is not the suite's: %s", id, got)
		}
	}
	res, err = keys.Sweep(ctx, c, "", false)
	if err != nil || len(res.Scheduled) != 0 || len(res.AlreadyPending) != 2 {
		t.Fatalf("second sweep = %+v, %v", res, err)
	}
}

// A target that drops CreateKey's tags would leave keys sweep cannot find:
// Create refuses such a key, saying so, and removes it at once.
func TestCreateRefusesAKeyWhoseRunTagWasDropped(t *testing.T) {
	ctx := context.Background()
	ref, err := reference.New(reference.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ref.Close)
	dropTags := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Amz-Target") == "TrentService.ListResourceTags" {
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			_, _ = w.Write([]byte(`{"Tags":[],"Truncated":false}`))
			return
		}
		ref.ServeHTTP(w, r)
	})
	srv := httptest.NewServer(dropTags)
	t.Cleanup(srv.Close)
	c, err := client.New(ctx, config.Config{Region: "us-east-1"}, target.Endpoint{URL: srv.URL, Loopback: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = keys.Create(ctx, c, "run-1", kms.CreateKeyInput{})
	if err == nil || !strings.Contains(err.Error(), "dropped the tags") {
		t.Fatalf("Create = %v, want the dropped-tags error", err)
	}
	list, err := c.ListKeys(ctx, &kms.ListKeysInput{})
	if err != nil || len(list.Keys) != 1 {
		t.Fatalf("ListKeys = %+v, %v: want the one key Create made", list, err)
	}
	if got := state(t, c, aws.ToString(list.Keys[0].KeyId)); got != types.KeyStatePendingDeletion {
		t.Errorf("the untagged key is %s, want PendingDeletion", got)
	}
}
