package reference_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsconform/kmsconform/harness/profile"
	"github.com/kmsconform/kmsconform/harness/reference"
	"github.com/kmsconform/kmsconform/harness/reference/clock"
	"github.com/kmsconform/kmsconform/harness/reference/wrappool"
)

// The two accounts of the cross-account tests, and a third whose access key
// is not checked.
var (
	accountA = reference.Account{AccessKeyID: "AKIAACCOUNTA", SecretAccessKey: "secret-of-account-a", AccountID: "111122223333"}
	accountB = reference.Account{AccessKeyID: "AKIAACCOUNTB", SecretAccessKey: "secret-of-account-b", AccountID: "444455556666"}
	accountC = reference.Account{AccessKeyID: "AKIAACCOUNTC", AccountID: "777788889999"}
)

// newTwoAccountKMS starts a server that knows accounts A, B and C, with a
// clock at the real time (the SDK signs with the real time), reached as
// account A; k.as(accountB...) is account B.
func newTwoAccountKMS(t *testing.T, p profile.Profile) *kmsTest {
	t.Helper()
	return newKMSWith(t, reference.Options{Profile: p, Clock: clock.NewManual(time.Now()), Accounts: []reference.Account{accountA, accountB, accountC}})
}

func (k *kmsTest) asAccount(a reference.Account, secret string) *kmsTest {
	return k.as(a.AccessKeyID, secret, "us-east-1")
}

// TestSignatures: with accounts configured, every request must be signed
// with a known access key, correctly and recently.
func TestSignatures(t *testing.T) {
	k := newTwoAccountKMS(t, profile.P2025)
	id := k.external(sym)
	if md := k.describe(id); *md.AWSAccountId != accountA.AccountID {
		t.Fatalf("account A's key is in account %s", *md.AWSAccountId)
	}
	b := k.asAccount(accountB, accountB.SecretAccessKey)
	if md := b.describe(b.external(sym)); *md.AWSAccountId != accountB.AccountID || !strings.Contains(*md.Arn, ":444455556666:key/") {
		t.Fatalf("account B's key: %s %s", *md.AWSAccountId, *md.Arn)
	}

	_, err := k.asAccount(accountA, "a wrong secret").c.ListKeys(k.ctx, &kms.ListKeysInput{})
	wantCode(t, err, "InvalidSignatureException")
	_, err = k.as("AKIAUNKNOWN", "secret", "us-east-1").c.ListKeys(k.ctx, &kms.ListKeysInput{})
	wantCode(t, err, "UnrecognizedClientException")
	// An access key without a secret is not checked.
	_, err = k.asAccount(accountC, "anything").c.ListKeys(k.ctx, &kms.ListKeysInput{})
	wantOK(t, err)

	// A request more than five minutes from the server's clock.
	for _, skew := range []time.Duration{6 * time.Minute, -6 * time.Minute} {
		k.clk.Set(time.Now().Add(skew))
		_, err = k.c.ListKeys(k.ctx, &kms.ListKeysInput{})
		wantCode(t, err, "InvalidSignatureException")
		if msg := errorMessage(err); !strings.HasPrefix(msg, "Signature expired") && !strings.HasPrefix(msg, "Signature not yet current") {
			t.Fatalf("skew %v: message %q", skew, msg)
		}
	}
	k.clk.Set(time.Now().Add(4 * time.Minute))
	_, err = k.c.ListKeys(k.ctx, &kms.ListKeysInput{})
	wantOK(t, err)

	// Nothing of a refused request happens: the key is still PendingImport.
	k.clk.Set(time.Now())
	_, err = k.asAccount(accountA, "a wrong secret").c.ScheduleKeyDeletion(k.ctx, &kms.ScheduleKeyDeletionInput{KeyId: &id})
	wantCode(t, err, "InvalidSignatureException")
	k.wantState(id, types.KeyStatePendingImport)
}

// TestAccountsAreSeparate: keys are per account, and a key ID names a key
// of the caller's own account only.
func TestAccountsAreSeparate(t *testing.T) {
	k := newTwoAccountKMS(t, profile.P2025)
	b := k.asAccount(accountB, accountB.SecretAccessKey)
	id := k.external(sym)
	_, err := b.c.DescribeKey(b.ctx, &kms.DescribeKeyInput{KeyId: &id})
	wantCode(t, err, "NotFoundException")
	out, err := b.c.ListKeys(b.ctx, &kms.ListKeysInput{})
	wantOK(t, err)
	if len(out.Keys) != 0 {
		t.Fatalf("account B lists %d keys of account A", len(out.Keys))
	}
	k.createAlias("alias/shared-name", id)
	b.createAlias("alias/shared-name", b.external(sym)) // aliases are per account too
}

// TestCrossAccountRules: account B naming account A's key by its key ARN.
func TestCrossAccountRules(t *testing.T) {
	type call struct {
		op string
		do func(b *kmsTest, arn string) error
	}
	refused := []call{
		{"GetParametersForImport", func(b *kmsTest, arn string) error { return b.gpfi(arn, oaep256, rsa2048) }},
		{"DeleteImportedKeyMaterial", func(b *kmsTest, arn string) error {
			_, err := b.c.DeleteImportedKeyMaterial(b.ctx, &kms.DeleteImportedKeyMaterialInput{KeyId: &arn})
			return err
		}},
		{"EnableKey", func(b *kmsTest, arn string) error {
			_, err := b.c.EnableKey(b.ctx, &kms.EnableKeyInput{KeyId: &arn})
			return err
		}},
		{"DisableKey", func(b *kmsTest, arn string) error {
			_, err := b.c.DisableKey(b.ctx, &kms.DisableKeyInput{KeyId: &arn})
			return err
		}},
		{"ScheduleKeyDeletion", func(b *kmsTest, arn string) error {
			_, err := b.c.ScheduleKeyDeletion(b.ctx, &kms.ScheduleKeyDeletionInput{KeyId: &arn, PendingWindowInDays: aws.Int32(7)})
			return err
		}},
		{"CancelKeyDeletion", func(b *kmsTest, arn string) error {
			_, err := b.c.CancelKeyDeletion(b.ctx, &kms.CancelKeyDeletionInput{KeyId: &arn})
			return err
		}},
	}
	refused2025 := []call{
		{"RotateKeyOnDemand", func(b *kmsTest, arn string) error { return b.rotate(arn) }},
		{"ListKeyRotations", func(b *kmsTest, arn string) error {
			_, err := b.c.ListKeyRotations(b.ctx, &kms.ListKeyRotationsInput{KeyId: &arn})
			return err
		}},
	}
	wantDenied := func(k *kmsTest, calls []call, arn string) {
		k.t.Helper()
		b := k.asAccount(accountB, accountB.SecretAccessKey)
		for _, c := range calls {
			err := c.do(b, arn)
			wantCode(k.t, err, "AccessDeniedException")
			if msg := errorMessage(err); !strings.Contains(msg, "kms:"+c.op) || !strings.Contains(msg, arn) {
				k.t.Fatalf("%s: message %q", c.op, msg)
			}
		}
	}
	runRulesOn(t, newTwoAccountKMS, []ruleTest{
		{"IMP-017", "GetParametersForImport with another account's key ARN", all, func(k *kmsTest) {
			id := k.external(sym)
			wantDenied(k, refused[:1], k.arn(id))
			k.wantState(id, types.KeyStatePendingImport)
		}},
		{"IMP-063", "ImportKeyMaterial with another account's key ARN", all, func(k *kmsTest) {
			id := k.external(sym)
			p := k.params(id, oaep256, rsa2048)
			b := k.asAccount(accountB, accountB.SecretAccessKey)
			in := &kms.ImportKeyMaterialInput{KeyId: aws.String(k.arn(id)), ImportToken: p.ImportToken, EncryptedKeyMaterial: wrapped(k.t, oaep256, p.PublicKey, newMaterial(k.t, sym).Bytes)}
			doesNotExpire(in)
			_, err := b.c.ImportKeyMaterial(b.ctx, in)
			wantCode(k.t, err, "AccessDeniedException")
			k.wantState(id, types.KeyStatePendingImport)
			// By key ID alone it names a key of B's own account: none.
			in.KeyId = &id
			_, err = b.c.ImportKeyMaterial(b.ctx, in)
			wantCode(k.t, err, "NotFoundException")
		}},
		{"IMP-144", "deletion and state operations with another account's key ARN", all, func(k *kmsTest) {
			id, _ := k.imported(sym)
			wantDenied(k, refused, k.arn(id))
			k.wantState(id, types.KeyStateEnabled)
			pending := k.external(sym)
			k.scheduleDeletion(pending)
			wantDenied(k, refused[5:], k.arn(pending)) // CancelKeyDeletion of a key pending deletion
			k.wantState(pending, types.KeyStatePendingDeletion)
			// The answer is the same for a key that does not exist: it does
			// not tell whether the other account has the key.
			wantDenied(k, refused, "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab")
		}},
		{"IMP-144", "rotation operations with another account's key ARN", only2025, func(k *kmsTest) {
			id, _, _, _ := k.withPending()
			wantDenied(k, refused2025, k.arn(id))
			if got := k.rotations(id, types.IncludeKeyMaterialAllKeyMaterial); len(got) != 2 || got[1].KeyMaterialState != types.KeyMaterialStatePendingRotation {
				k.t.Fatalf("rotations after the refused RotateKeyOnDemand: %+v", got)
			}
		}},
		{"IMP-104", "DescribeKey with another account's key ARN", all, func(k *kmsTest) {
			b := k.asAccount(accountB, accountB.SecretAccessKey)
			private := k.external(sym)
			_, err := b.c.DescribeKey(b.ctx, &kms.DescribeKeyInput{KeyId: aws.String(k.arn(private))})
			wantCode(k.t, err, "AccessDeniedException") // the default key policy names only the key's own account

			id := k.externalSharedWith(sym, accountB)
			md := b.describe(k.arn(id))
			if *md.KeyId != id || *md.AWSAccountId != accountA.AccountID || md.KeyState != types.KeyStatePendingImport {
				k.t.Fatalf("DescribeKey from account B: %+v", md)
			}
			// The key policy lets account B use the key ("Cross-account
			// use: Yes").
			k.mustImport(id, newMaterial(k.t, sym))
			ct := b.mustEncrypt(k.arn(id), []byte("from B"))
			k.mustDecrypt(id, ct, "from B")
			k.createAlias("alias/of-a", id)
			if md := b.describe("arn:aws:kms:us-east-1:111122223333:alias/of-a"); *md.KeyId != id {
				k.t.Fatalf("DescribeKey by account A's alias ARN: %s", *md.KeyId)
			}
			_, err = b.c.DescribeKey(b.ctx, &kms.DescribeKeyInput{KeyId: aws.String("alias/of-a")})
			wantCode(k.t, err, "NotFoundException") // an alias name is B's own
		}},
	})
}

// TestAccountOptions: the accounts of Options are checked.
func TestAccountOptions(t *testing.T) {
	for _, bad := range []reference.Options{
		{Accounts: []reference.Account{{AccessKeyID: "AKIA/X", AccountID: "111122223333"}}},
		{Accounts: []reference.Account{{AccessKeyID: "", AccountID: "111122223333"}}},
		{Accounts: []reference.Account{{AccessKeyID: "AKIAX", AccountID: "1111"}}},
		{Accounts: []reference.Account{accountA, {AccessKeyID: accountA.AccessKeyID, AccountID: "444455556666"}}},
		{Accounts: []reference.Account{accountA}, AccountID: "111122223333"},
	} {
		bad.WrappingKeys = &wrappool.Cycle{}
		if s, err := reference.New(bad); err == nil {
			s.Close()
			t.Errorf("New(%+v) succeeded", bad.Accounts)
		}
	}
	// Two access keys of one account are one account.
	k := newKMSWith(t, reference.Options{Clock: clock.NewManual(time.Now()), Accounts: []reference.Account{accountA, {AccessKeyID: "AKIAACCOUNTA2", AccountID: accountA.AccountID}}})
	id := k.external(sym)
	k.as("AKIAACCOUNTA2", "not checked", "us-east-1").describe(id)
}
