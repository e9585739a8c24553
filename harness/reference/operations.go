package reference

import (
	"context"
	"errors"
	"time"

	"github.com/kmsconform/kmsconform/harness/reference/kmsapi"
	"github.com/kmsconform/kmsconform/harness/reference/rules"
	"github.com/kmsconform/kmsconform/harness/reference/store"
)

// The operations of jsonapi.Service. They only join the decisions of
// package rules to the store.

// CreateKey creates a key in the caller's account and Region.
func (s *Server) CreateKey(ctx context.Context, c kmsapi.Caller, in *kmsapi.CreateKeyInput) (*kmsapi.CreateKeyOutput, error) {
	env := s.env(ctx, c)
	scope := envScope(env)
	k, out, err := rules.CreateKey(in, s.keys.Count(scope), env)
	if err != nil {
		return nil, err
	}
	// Other CreateKey calls may have added keys since the count: the store
	// counts again and adds under one lock, so concurrent calls cannot
	// take the account past its quota.
	switch err := s.keys.AddLimited(scope, k.ID, k, s.keyQuota); {
	case errors.Is(err, store.ErrFull):
		return nil, rules.KeyQuotaExceeded(s.keyQuota)
	case err != nil:
		return nil, err
	}
	return out, nil
}

// envScope is the caller's account in the Region the request addressed.
func envScope(env rules.Env) store.Scope {
	return store.Scope{AccountID: env.AccountID, Region: env.Region}
}

// ListKeys lists the keys of the caller's account in the Region.
func (s *Server) ListKeys(ctx context.Context, c kmsapi.Caller, in *kmsapi.ListKeysInput) (*kmsapi.ListKeysOutput, error) {
	env := s.env(ctx, c)
	return rules.ListKeys(s.keys.List(envScope(env)), in, env)
}

// DescribeKey describes a key.
func (s *Server) DescribeKey(ctx context.Context, c kmsapi.Caller, in *kmsapi.DescribeKeyInput) (*kmsapi.DescribeKeyOutput, error) {
	return onKey(s, ctx, c, rules.DescribeKey, in)
}

// GetParametersForImport issues a wrapping key and an import token.
func (s *Server) GetParametersForImport(ctx context.Context, c kmsapi.Caller, in *kmsapi.GetParametersForImportInput) (*kmsapi.GetParametersForImportOutput, error) {
	return onKey(s, ctx, c, rules.GetParametersForImport, in)
}

// ImportKeyMaterial imports key material.
func (s *Server) ImportKeyMaterial(ctx context.Context, c kmsapi.Caller, in *kmsapi.ImportKeyMaterialInput) (*kmsapi.ImportKeyMaterialOutput, error) {
	return onKey(s, ctx, c, rules.ImportKeyMaterial, in)
}

// DeleteImportedKeyMaterial deletes imported key material.
func (s *Server) DeleteImportedKeyMaterial(ctx context.Context, c kmsapi.Caller, in *kmsapi.DeleteImportedKeyMaterialInput) (*kmsapi.DeleteImportedKeyMaterialOutput, error) {
	return onKey(s, ctx, c, rules.DeleteImportedKeyMaterial, in)
}

// EnableKey enables a key.
func (s *Server) EnableKey(ctx context.Context, c kmsapi.Caller, in *kmsapi.KeyIDInput) (*kmsapi.EmptyOutput, error) {
	return onKey(s, ctx, c, rules.EnableKey, in)
}

// DisableKey disables a key.
func (s *Server) DisableKey(ctx context.Context, c kmsapi.Caller, in *kmsapi.KeyIDInput) (*kmsapi.EmptyOutput, error) {
	return onKey(s, ctx, c, rules.DisableKey, in)
}

// ScheduleKeyDeletion schedules a key's deletion.
func (s *Server) ScheduleKeyDeletion(ctx context.Context, c kmsapi.Caller, in *kmsapi.ScheduleKeyDeletionInput) (*kmsapi.ScheduleKeyDeletionOutput, error) {
	return onKey(s, ctx, c, rules.ScheduleKeyDeletion, in)
}

// CancelKeyDeletion cancels a key's deletion.
func (s *Server) CancelKeyDeletion(ctx context.Context, c kmsapi.Caller, in *kmsapi.KeyIDInput) (*kmsapi.KeyIDOutput, error) {
	return onKey(s, ctx, c, rules.CancelKeyDeletion, in)
}

// Encrypt encrypts.
func (s *Server) Encrypt(ctx context.Context, c kmsapi.Caller, in *kmsapi.EncryptInput) (*kmsapi.EncryptOutput, error) {
	return onKey(s, ctx, c, rules.Encrypt, in)
}

// Decrypt decrypts.
func (s *Server) Decrypt(ctx context.Context, c kmsapi.Caller, in *kmsapi.DecryptInput) (*kmsapi.DecryptOutput, error) {
	return onKey(s, ctx, c, rules.Decrypt, in)
}

// GenerateDataKey generates a data key.
func (s *Server) GenerateDataKey(ctx context.Context, c kmsapi.Caller, in *kmsapi.GenerateDataKeyInput) (*kmsapi.GenerateDataKeyOutput, error) {
	return onKey(s, ctx, c, rules.GenerateDataKey, in)
}

// GenerateDataKeyWithoutPlaintext generates a data key and returns only its
// ciphertext.
func (s *Server) GenerateDataKeyWithoutPlaintext(ctx context.Context, c kmsapi.Caller, in *kmsapi.GenerateDataKeyInput) (*kmsapi.GenerateDataKeyWithoutPlaintextOutput, error) {
	return onKey(s, ctx, c, rules.GenerateDataKeyWithoutPlaintext, in)
}

// GetPublicKey returns an asymmetric key's public key.
func (s *Server) GetPublicKey(ctx context.Context, c kmsapi.Caller, in *kmsapi.GetPublicKeyInput) (*kmsapi.GetPublicKeyOutput, error) {
	return onKey(s, ctx, c, rules.GetPublicKey, in)
}

// Sign signs.
func (s *Server) Sign(ctx context.Context, c kmsapi.Caller, in *kmsapi.SignInput) (*kmsapi.SignOutput, error) {
	return onKey(s, ctx, c, rules.Sign, in)
}

// Verify verifies a signature.
func (s *Server) Verify(ctx context.Context, c kmsapi.Caller, in *kmsapi.VerifyInput) (*kmsapi.VerifyOutput, error) {
	return onKey(s, ctx, c, rules.Verify, in)
}

// GenerateMac computes an HMAC.
func (s *Server) GenerateMac(ctx context.Context, c kmsapi.Caller, in *kmsapi.GenerateMacInput) (*kmsapi.GenerateMacOutput, error) {
	return onKey(s, ctx, c, rules.GenerateMac, in)
}

// VerifyMac verifies an HMAC.
func (s *Server) VerifyMac(ctx context.Context, c kmsapi.Caller, in *kmsapi.VerifyMacInput) (*kmsapi.VerifyMacOutput, error) {
	return onKey(s, ctx, c, rules.VerifyMac, in)
}

// RotateKeyOnDemand rotates a key now.
func (s *Server) RotateKeyOnDemand(ctx context.Context, c kmsapi.Caller, in *kmsapi.KeyIDInput) (*kmsapi.KeyIDOutput, error) {
	return onKey(s, ctx, c, rules.RotateKeyOnDemand, in)
}

// ListKeyRotations lists a key's materials.
func (s *Server) ListKeyRotations(ctx context.Context, c kmsapi.Caller, in *kmsapi.ListKeyRotationsInput) (*kmsapi.ListKeyRotationsOutput, error) {
	return onKey(s, ctx, c, rules.ListKeyRotations, in)
}

// EnableKeyRotation turns automatic rotation on.
func (s *Server) EnableKeyRotation(ctx context.Context, c kmsapi.Caller, in *kmsapi.EnableKeyRotationInput) (*kmsapi.EmptyOutput, error) {
	return onKey(s, ctx, c, rules.EnableKeyRotation, in)
}

// DisableKeyRotation turns automatic rotation off.
func (s *Server) DisableKeyRotation(ctx context.Context, c kmsapi.Caller, in *kmsapi.KeyIDInput) (*kmsapi.EmptyOutput, error) {
	return onKey(s, ctx, c, rules.DisableKeyRotation, in)
}

// GetKeyRotationStatus reports on automatic rotation.
func (s *Server) GetKeyRotationStatus(ctx context.Context, c kmsapi.Caller, in *kmsapi.KeyIDInput) (*kmsapi.GetKeyRotationStatusOutput, error) {
	return onKey(s, ctx, c, rules.GetKeyRotationStatus, in)
}

// TagResource tags a key.
func (s *Server) TagResource(ctx context.Context, c kmsapi.Caller, in *kmsapi.TagResourceInput) (*kmsapi.EmptyOutput, error) {
	return onKey(s, ctx, c, rules.TagResource, in)
}

// ListResourceTags lists a key's tags.
func (s *Server) ListResourceTags(ctx context.Context, c kmsapi.Caller, in *kmsapi.ListResourceTagsInput) (*kmsapi.ListResourceTagsOutput, error) {
	return onKey(s, ctx, c, rules.ListResourceTags, in)
}

// ReEncrypt decrypts under the source key and encrypts under the
// destination key, one key at a time.
func (s *Server) ReEncrypt(ctx context.Context, c kmsapi.Caller, in *kmsapi.ReEncryptInput) (*kmsapi.ReEncryptOutput, error) {
	plain, err := onKey(s, ctx, c, rules.ReEncryptFrom, in)
	if err != nil {
		return nil, err
	}
	return onKey(s, ctx, c, rules.ReEncryptTo, plain)
}

// DeriveSharedSecret derives an ECDH shared secret.
func (s *Server) DeriveSharedSecret(ctx context.Context, c kmsapi.Caller, in *kmsapi.DeriveSharedSecretInput) (*kmsapi.DeriveSharedSecretOutput, error) {
	return onKey(s, ctx, c, rules.DeriveSharedSecret, in)
}

// ReplicateKey replicates a multi-Region primary key into another Region.
func (s *Server) ReplicateKey(ctx context.Context, c kmsapi.Caller, in *kmsapi.ReplicateKeyInput) (*kmsapi.ReplicateKeyOutput, error) {
	env := s.env(ctx, c)
	if err := rules.ReplicateKey.Validate(in, env); err != nil {
		return nil, err
	}
	scope, id, err := locate(s, rules.ReplicateKey, *in.KeyId, env)
	if err != nil {
		return nil, err
	}
	replication, err := decideOn(s, scope, id, env, func(k rules.Key, env rules.Env) (rules.Key, *rules.Replication, []rules.Key, error) {
		next, r, err := rules.ReplicateKey.Decide(k, in, env)
		if err != nil {
			return next, nil, nil, err
		}
		return next, r, []rules.Key{r.Replica}, nil
	})
	if err != nil {
		return nil, err
	}
	return replication.Output, nil
}

// CreateAlias creates an alias for a key of the caller's account and
// Region. An alias whose key no longer exists is gone with its key: its
// name can be used again.
func (s *Server) CreateAlias(ctx context.Context, c kmsapi.Caller, in *kmsapi.CreateAliasInput) (*kmsapi.EmptyOutput, error) {
	a, err := onKey(s, ctx, c, rules.CreateAlias, in)
	if err != nil {
		return nil, err
	}
	scope := store.Scope{AccountID: a.AccountID, Region: a.Region}
	if err := s.aliases.Add(scope, a.Name, *a); errors.Is(err, store.ErrExists) {
		now := s.env(ctx, c).Now
		err = s.aliases.Update(scope, a.Name, func(old rules.Alias) (rules.Alias, error) {
			if s.keyExists(scope, old.TargetKeyID, now) {
				return old, rules.ErrAliasExists(old)
			}
			return *a, nil
		})
		if err != nil {
			return nil, err
		}
	}
	return &kmsapi.EmptyOutput{}, nil
}

// DeleteAlias deletes an alias of the caller's account and Region.
func (s *Server) DeleteAlias(ctx context.Context, c kmsapi.Caller, in *kmsapi.DeleteAliasInput) (*kmsapi.EmptyOutput, error) {
	env := s.env(ctx, c)
	t, err := rules.ValidateDeleteAlias(in, env)
	if err != nil {
		return nil, err
	}
	scope := store.Scope{AccountID: t.AccountID, Region: t.Region}
	a, ok := s.aliases.Get(scope, t.AliasName)
	if !ok || !s.keyExists(scope, a.TargetKeyID, env.Now) {
		return nil, rules.NotFound(t)
	}
	s.aliases.Remove(scope, t.AliasName)
	return &kmsapi.EmptyOutput{}, nil
}

// ListAliases lists the aliases of the caller's account and Region, or of
// one of its keys.
func (s *Server) ListAliases(ctx context.Context, c kmsapi.Caller, in *kmsapi.ListAliasesInput) (*kmsapi.ListAliasesOutput, error) {
	env := s.env(ctx, c)
	if err := rules.ListAliasesKey.Validate(in, env); err != nil {
		return nil, err
	}
	scope := envScope(env)
	keyID := ""
	if in.KeyId != nil {
		var err error
		if scope, keyID, err = locate(s, rules.ListAliasesKey, *in.KeyId, env); err != nil {
			return nil, err
		}
		if !s.keyExists(scope, keyID, env.Now) {
			return nil, rules.KeyNotFound(scope.AccountID, scope.Region, keyID)
		}
	}
	var aliases []rules.Alias
	for _, a := range s.aliases.List(scope) {
		if s.keyExists(scope, a.TargetKeyID, env.Now) {
			aliases = append(aliases, a)
		}
	}
	return rules.ListAliases(aliases, keyID, in)
}

// keyExists reports whether a key exists in the scope at now (its deletion
// waiting period is not over).
func (s *Server) keyExists(scope store.Scope, keyID string, now time.Time) bool {
	k, ok := s.keys.Get(scope, keyID)
	return ok && !k.Deleted(now)
}

// PutKeyPolicy replaces a key's policy.
func (s *Server) PutKeyPolicy(ctx context.Context, c kmsapi.Caller, in *kmsapi.PutKeyPolicyInput) (*kmsapi.PutKeyPolicyOutput, error) {
	return onKey(s, ctx, c, rules.PutKeyPolicy, in)
}

// GetKeyPolicy returns a key's policy.
func (s *Server) GetKeyPolicy(ctx context.Context, c kmsapi.Caller, in *kmsapi.GetKeyPolicyInput) (*kmsapi.GetKeyPolicyOutput, error) {
	return onKey(s, ctx, c, rules.GetKeyPolicy, in)
}
