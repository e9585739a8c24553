package reference_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

func (k *kmsTest) createAlias(name, keyID string) {
	k.t.Helper()
	if _, err := k.c.CreateAlias(k.ctx, &kms.CreateAliasInput{AliasName: &name, TargetKeyId: &keyID}); err != nil {
		k.t.Fatalf("CreateAlias(%s, %s): %v", name, keyID, err)
	}
}

func (k *kmsTest) aliases(keyID *string) []types.AliasListEntry {
	k.t.Helper()
	out, err := k.c.ListAliases(k.ctx, &kms.ListAliasesInput{KeyId: keyID})
	if err != nil {
		k.t.Fatalf("ListAliases: %v", err)
	}
	return out.Aliases
}

func aliasARNOf(name string) string { return "arn:aws:kms:us-east-1:111122223333:" + name }

// TestAliasRules: an alias that exists and points at an EXTERNAL key is
// still refused by the import operations (so they never resolve aliases),
// and accepted by DescribeKey and the cryptographic operations.
func TestAliasRules(t *testing.T) {
	runRules(t, []ruleTest{
		{"IMP-010", "GetParametersForImport refuses an existing alias name and alias ARN", all, func(k *kmsTest) {
			id := k.external(sym)
			k.createAlias("alias/import-me", id)
			for _, ref := range []string{"alias/import-me", aliasARNOf("alias/import-me")} {
				wantCode(k.t, k.gpfi(ref, oaep256, rsa2048), "NotFoundException")
			}
			k.params(id, oaep256, rsa2048)
		}},
		{"IMP-047", "ImportKeyMaterial refuses an existing alias name", all, func(k *kmsTest) {
			id := k.external(sym)
			k.createAlias("alias/import-me", id)
			p := k.params(id, oaep256, rsa2048)
			in := &kms.ImportKeyMaterialInput{KeyId: aws.String("alias/import-me"), ImportToken: p.ImportToken, EncryptedKeyMaterial: wrapped(k.t, oaep256, p.PublicKey, newMaterial(k.t, sym).Bytes)}
			doesNotExpire(in)
			_, err := k.c.ImportKeyMaterial(k.ctx, in)
			wantCode(k.t, err, "NotFoundException")
			k.wantState(id, types.KeyStatePendingImport)
		}},
		{"IMP-140", "DeleteImportedKeyMaterial refuses an alias, as a key that does not exist", all, func(k *kmsTest) {
			id, _ := k.imported(sym)
			k.createAlias("alias/delete-me", id)
			_, err := k.c.DeleteImportedKeyMaterial(k.ctx, &kms.DeleteImportedKeyMaterialInput{KeyId: aws.String("alias/delete-me")})
			wantCode(k.t, err, "NotFoundException")
			k.wantState(id, types.KeyStateEnabled)
		}},
		{"IMP-104", "DescribeKey and crypto take an alias name or alias ARN", all, func(k *kmsTest) {
			id, _ := k.imported(sym)
			k.createAlias("alias/use-me", id)
			for _, ref := range []string{"alias/use-me", aliasARNOf("alias/use-me")} {
				if md := k.describe(ref); *md.KeyId != id {
					k.t.Fatalf("DescribeKey(%s) described %s", ref, *md.KeyId)
				}
				ct := k.mustEncrypt(ref, []byte("by alias"))
				k.mustDecrypt(ref, ct, "by alias")
				k.mustDecrypt(id, ct, "by alias")
			}
			_, err := k.c.DescribeKey(k.ctx, &kms.DescribeKeyInput{KeyId: aws.String("alias/no-such-alias")})
			wantCode(k.t, err, "NotFoundException")
		}},
	})
}

// TestAliases: CreateAlias, DeleteAlias and ListAliases.
func TestAliases(t *testing.T) {
	k := newKMS(t, "2025")
	a, b := k.external(sym), k.external(sym)
	k.createAlias("alias/a-1", a)
	k.createAlias("alias/a-2", a)
	k.createAlias("alias/b", b)

	t.Run("list", func(t *testing.T) {
		all := k.aliases(nil)
		if len(all) != 3 || *all[0].AliasName != "alias/a-1" || *all[0].AliasArn != aliasARNOf("alias/a-1") || *all[0].TargetKeyId != a || !all[0].CreationDate.Equal(start) {
			t.Fatalf("ListAliases = %+v", all)
		}
		if of := k.aliases(&a); len(of) != 2 {
			t.Fatalf("ListAliases(a) = %d aliases", len(of))
		}
		if of := k.aliases(aws.String(k.arn(b))); len(of) != 1 || *of[0].AliasName != "alias/b" {
			t.Fatalf("ListAliases(b's ARN) = %+v", of)
		}
		page, err := k.c.ListAliases(k.ctx, &kms.ListAliasesInput{Limit: aws.Int32(2)})
		wantOK(t, err)
		if len(page.Aliases) != 2 || !page.Truncated {
			t.Fatalf("first page %+v", page)
		}
		rest, err := k.c.ListAliases(k.ctx, &kms.ListAliasesInput{Marker: page.NextMarker})
		wantOK(t, err)
		if len(rest.Aliases) != 1 || rest.Truncated || *rest.Aliases[0].AliasName != "alias/b" {
			t.Fatalf("second page %+v", rest)
		}
		_, err = k.c.ListAliases(k.ctx, &kms.ListAliasesInput{KeyId: aws.String("alias/a-1")})
		wantCode(t, err, "NotFoundException")
		_, err = k.c.ListAliases(k.ctx, &kms.ListAliasesInput{KeyId: aws.String("1234abcd-12ab-34cd-56ef-1234567890ab")})
		wantCode(t, err, "NotFoundException")
		_, err = k.c.ListAliases(k.ctx, &kms.ListAliasesInput{Limit: aws.Int32(101)})
		wantCode(t, err, "ValidationException")
	})

	t.Run("create refuses", func(t *testing.T) {
		for _, c := range []struct{ name, target, code string }{
			{"alias/a-1", b, "AlreadyExistsException"},
			{"a-3", a, "InvalidAliasNameException"},
			{"alias/", a, "InvalidAliasNameException"},
			{"alias/aws/mine", a, "InvalidAliasNameException"},
			{"alias/bad name", a, "ValidationException"},
			{"alias/" + strings.Repeat("x", 251), a, "ValidationException"},
			{"alias/to-alias", "alias/a-1", "NotFoundException"},
			{"alias/to-nothing", "1234abcd-12ab-34cd-56ef-1234567890ab", "NotFoundException"},
			{"alias/to-other-account", "arn:aws:kms:us-east-1:444455556666:key/" + a, "AccessDeniedException"},
		} {
			_, err := k.c.CreateAlias(k.ctx, &kms.CreateAliasInput{AliasName: &c.name, TargetKeyId: &c.target})
			wantCode(t, err, c.code)
		}
		if got := k.aliases(nil); len(got) != 3 {
			t.Fatalf("%d aliases after refused creations", len(got))
		}
		pending := k.external(sym)
		k.scheduleDeletion(pending)
		_, err := k.c.CreateAlias(k.ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/pending"), TargetKeyId: &pending})
		wantCode(t, err, "KMSInvalidStateException")
	})

	t.Run("delete", func(t *testing.T) {
		_, err := k.c.DeleteAlias(k.ctx, &kms.DeleteAliasInput{AliasName: aws.String("alias/a-2")})
		wantOK(t, err)
		_, err = k.c.DeleteAlias(k.ctx, &kms.DeleteAliasInput{AliasName: aws.String("alias/a-2")})
		wantCode(t, err, "NotFoundException")
		_, err = k.c.DescribeKey(k.ctx, &kms.DescribeKeyInput{KeyId: aws.String("alias/a-2")})
		wantCode(t, err, "NotFoundException")
		if got := k.aliases(&a); len(got) != 1 {
			t.Fatalf("%d aliases of a after the deletion", len(got))
		}
	})

	t.Run("gone with their key", func(t *testing.T) {
		doomed := k.external(sym)
		k.createAlias("alias/doomed", doomed)
		k.scheduleDeletion(doomed)
		k.clk.Advance(8 * 24 * time.Hour)
		for _, a := range k.aliases(nil) {
			if *a.AliasName == "alias/doomed" {
				t.Fatal("the alias of a deleted key is listed")
			}
		}
		_, err := k.c.DescribeKey(k.ctx, &kms.DescribeKeyInput{KeyId: aws.String("alias/doomed")})
		wantCode(t, err, "NotFoundException")
		k.createAlias("alias/doomed", b) // the name is free again
	})
}
