// Package keys creates the KMS keys a run uses and removes them again. Every
// key is tagged with the run's id, so cleanup after each spec and the
// `kmsconform sweep` command only ever touch keys the suite created.
package keys

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// RunTagKey is the tag every suite key carries; its value is the run id.
const RunTagKey = "kmsconform:run-id"

// DeletionWindowDays is the shortest window AWS allows; suite keys are
// scheduled for deletion with it whatever the spec's outcome.
const DeletionWindowDays = 7

// Create creates a key with in's parameters plus the run tag. The caller
// registers ScheduleDeletion as cleanup right after a successful create.
func Create(ctx context.Context, c *kms.Client, runID string, in kms.CreateKeyInput) (*types.KeyMetadata, error) {
	in.Tags = append(append([]types.Tag(nil), in.Tags...), types.Tag{TagKey: aws.String(RunTagKey), TagValue: aws.String(runID)})
	if in.Description == nil {
		in.Description = aws.String("kmsconform suite key, run " + runID)
	}
	out, err := c.CreateKey(ctx, &in)
	if err != nil {
		return nil, err
	}
	if out.KeyMetadata == nil || out.KeyMetadata.KeyId == nil {
		return nil, errors.New("CreateKey succeeded but returned no KeyMetadata.KeyId")
	}
	id := aws.ToString(out.KeyMetadata.KeyId)
	if err := checkRunTag(ctx, c, id, runID); err != nil {
		// Nothing could find this key again: remove it now, while its id
		// is known.
		return nil, errors.Join(err, ScheduleDeletion(ctx, c, id))
	}
	return out.KeyMetadata, nil
}

// checkRunTag makes sure the target kept the run tag CreateKey was given: a
// key without it is invisible to `kmsconform sweep`, so a run that was
// interrupted would leave it behind for good.
func checkRunTag(ctx context.Context, c *kms.Client, keyID, runID string) error {
	out, err := c.ListResourceTags(ctx, &kms.ListResourceTagsInput{KeyId: aws.String(keyID)})
	if err != nil {
		return fmt.Errorf("ListResourceTags of the new key %s, to check its %s tag: %w (the suite needs tags to find its keys again)", keyID, RunTagKey, err)
	}
	for _, t := range out.Tags {
		if aws.ToString(t.TagKey) == RunTagKey && aws.ToString(t.TagValue) == runID {
			return nil
		}
	}
	return fmt.Errorf("the target dropped the tags of CreateKey: key %s has no tag %s=%s, so `kmsconform sweep` could never find it; the target must keep CreateKey's Tags (the key has been scheduled for deletion)", keyID, RunTagKey, runID)
}

// ScheduleDeletion schedules the key's deletion after DeletionWindowDays. A
// key that is already pending deletion (a spec may have scheduled it itself)
// or no longer exists is not an error: cleanup must never turn one spec's
// failure into a cascade.
func ScheduleDeletion(ctx context.Context, c *kms.Client, keyID string) error {
	_, err := c.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{
		KeyId:               aws.String(keyID),
		PendingWindowInDays: aws.Int32(DeletionWindowDays),
	})
	if err == nil || alreadyGone(ctx, c, keyID, err) {
		return nil
	}
	return fmt.Errorf("cleanup: scheduling deletion of suite key %s: %w", keyID, err)
}

func alreadyGone(ctx context.Context, c *kms.Client, keyID string, err error) bool {
	var notFound *types.NotFoundException
	if errors.As(err, &notFound) {
		return true
	}
	var invalidState *types.KMSInvalidStateException
	if !errors.As(err, &invalidState) {
		return false
	}
	out, derr := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(keyID)})
	return derr == nil && out.KeyMetadata != nil && out.KeyMetadata.KeyState == types.KeyStatePendingDeletion
}

// SweepResult lists what a sweep did.
type SweepResult struct {
	Scheduled      []string // suite keys now scheduled for deletion
	AlreadyPending []string // suite keys that were already pending deletion
	Skipped        int      // keys without the run tag (or of another run), left alone
}

// Sweep schedules deletion of every key tagged by a suite run (only run runID
// when it is not empty), leaving every other key alone. With dryRun it only
// reports what it would do.
func Sweep(ctx context.Context, c *kms.Client, runID string, dryRun bool) (SweepResult, error) {
	var res SweepResult
	pages := kms.NewListKeysPaginator(c, &kms.ListKeysInput{})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return res, fmt.Errorf("sweep: ListKeys: %w", err)
		}
		for _, k := range page.Keys {
			id := aws.ToString(k.KeyId)
			run, tagged, err := runTag(ctx, c, id)
			if err != nil {
				return res, err
			}
			if !tagged || (runID != "" && run != runID) {
				res.Skipped++
				continue
			}
			desc, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(id)})
			if err != nil {
				return res, fmt.Errorf("sweep: DescribeKey %s: %w", id, err)
			}
			if desc.KeyMetadata.KeyState == types.KeyStatePendingDeletion {
				res.AlreadyPending = append(res.AlreadyPending, id)
				continue
			}
			if !dryRun {
				if err := ScheduleDeletion(ctx, c, id); err != nil {
					return res, err
				}
			}
			res.Scheduled = append(res.Scheduled, id)
		}
	}
	return res, nil
}

// runTag returns the value of the run tag on a key. Keys whose tags the
// caller may not read (AWS managed keys) count as untagged.
func runTag(ctx context.Context, c *kms.Client, keyID string) (string, bool, error) {
	pages := kms.NewListResourceTagsPaginator(c, &kms.ListResourceTagsInput{KeyId: aws.String(keyID)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			var denied *types.NotFoundException
			if errors.As(err, &denied) {
				return "", false, nil
			}
			var apiErr interface{ ErrorCode() string }
			if errors.As(err, &apiErr) && apiErr.ErrorCode() == "AccessDeniedException" {
				return "", false, nil
			}
			return "", false, fmt.Errorf("sweep: ListResourceTags %s: %w", keyID, err)
		}
		for _, t := range page.Tags {
			if aws.ToString(t.TagKey) == RunTagKey {
				return aws.ToString(t.TagValue), true, nil
			}
		}
	}
	return "", false, nil
}
