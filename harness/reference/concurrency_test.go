package reference_test

import (
	"errors"
	"sync"
	"testing"

	"github.com/aws/smithy-go"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsconform/kmsconform/harness/profile"
	"github.com/kmsconform/kmsconform/harness/reference"
)

// TestConcurrentRequests runs imports, reimports, deletions and crypto on
// shared and separate keys at once (run with -race). Every call must come to
// a well-defined answer, and each key must end in a consistent state.
func TestConcurrentRequests(t *testing.T) {
	k := newKMS(t, profile.P2025)
	shared, m := k.imported(sym)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			own := k.external(sym)
			mine := newMaterial(t, sym)
			for i := range 4 {
				if _, err := k.importMaterial(own, mine); err != nil {
					t.Error(err)
					return
				}
				ct, err := k.encrypt(own, []byte("x"))
				if err != nil {
					t.Error(err)
					return
				}
				if pt, err := k.decrypt(own, ct); err != nil || string(pt) != "x" {
					t.Errorf("Decrypt: %q %v", pt, err)
				}
				// On the shared key, deletion races with import and crypto:
				// each call either works or meets PendingImport.
				switch (w + i) % 3 {
				case 0:
					_, err = k.c.DeleteImportedKeyMaterial(k.ctx, &kms.DeleteImportedKeyMaterialInput{KeyId: &shared})
				case 1:
					_, err = k.importMaterial(shared, m)
				case 2:
					_, err = k.encrypt(shared, []byte("y"))
					if outcome(err) == "KMSInvalidStateException" {
						err = nil
					}
				}
				if err != nil {
					t.Errorf("shared key: %v", err)
				}
			}
		}()
	}
	wg.Wait()
	k.mustImport(shared, m)
	k.wantState(shared, types.KeyStateEnabled)
	out, err := k.c.ListKeys(k.ctx, &kms.ListKeysInput{})
	wantOK(t, err)
	if len(out.Keys) != 9 {
		t.Fatalf("%d keys, want 9", len(out.Keys))
	}
}

// TestConcurrentMultiRegion: requests on the keys of one multi-Region set,
// in all its Regions at once (run with -race): imports into the replicas,
// new material and its deletion on the primary, crypto everywhere. The set
// must stay consistent: every key lists the same replicas, and once the
// replicas hold the material every key is usable.
func TestConcurrentMultiRegion(t *testing.T) {
	k := newMultiRegionKMS(t, profile.P2025)
	id, m := k.multiRegionPrimary(sym)
	w, e := k.mustReplicate(id, west), k.mustReplicate(id, eu)
	var wg sync.WaitGroup
	for i, key := range []*kmsTest{k, w, e, k, w, e} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 4 {
				var err error
				switch {
				case key == k && i == 0:
					var out *kms.ImportKeyMaterialOutput
					if out, err = k.importMaterial(id, newMaterial(t, sym), newType); err == nil {
						_, err = k.c.DeleteImportedKeyMaterial(k.ctx, &kms.DeleteImportedKeyMaterialInput{KeyId: &id, KeyMaterialId: out.KeyMaterialId})
					}
				case key != k:
					_, err = key.importMaterial(id, m)
				default:
					_, err = k.c.DescribeKey(k.ctx, &kms.DescribeKeyInput{KeyId: &id})
				}
				if err != nil && outcome(err) != "KMSInvalidStateException" { // a second pending material
					t.Error(err)
					return
				}
				if ct, err := key.encrypt(id, []byte("x")); err == nil {
					key.decrypt(id, ct)
				}
			}
		}()
	}
	wg.Wait()
	for _, key := range []*kmsTest{k, w, e} {
		md := key.describe(id)
		if md.KeyState != types.KeyStateEnabled || len(md.MultiRegionConfiguration.ReplicaKeys) != 2 {
			t.Fatalf("%s: %s with replicas %v", *md.Arn, md.KeyState, regionsOf(md.MultiRegionConfiguration.ReplicaKeys))
		}
		key.mustDecrypt(id, k.mustEncrypt(id, []byte("y")), "y")
	}
}

// TestConcurrentCreateKeyQuota: CreateKey calls racing for the last places
// under the key quota never take an account past it (run with -race): as
// many succeed as there are places, the others get LimitExceededException,
// and ListKeys shows exactly the quota. Another Region has its own quota.
func TestConcurrentCreateKeyQuota(t *testing.T) {
	const quota, callers = 6, 40
	k := newKMSWith(t, reference.Options{Profile: profile.P2025, Regions: []string{"us-east-1", "us-west-2"}})
	reference.SetKeyQuota(k.srv, quota)
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for range callers {
		wg.Go(func() {
			_, err := k.c.CreateKey(k.ctx, &kms.CreateKeyInput{Origin: types.OriginTypeExternal})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	created, limited := 0, 0
	for err := range errs {
		var api smithy.APIError
		switch {
		case err == nil:
			created++
		case errors.As(err, &api) && api.ErrorCode() == "LimitExceededException":
			limited++
		default:
			t.Errorf("CreateKey: %v", err)
		}
	}
	list, err := k.c.ListKeys(k.ctx, &kms.ListKeysInput{})
	if err != nil {
		t.Fatal(err)
	}
	if created != quota || limited != callers-quota || len(list.Keys) != quota {
		t.Fatalf("%d created, %d LimitExceededException, %d listed; want %d, %d, %d", created, limited, len(list.Keys), quota, callers-quota, quota)
	}
	west := k.as("AKIDEXAMPLE", "secret", "us-west-2")
	west.external(sym)
}
