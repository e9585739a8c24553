package reference

import (
	"context"

	"github.com/kmsconform/kmsconform/harness/reference/kmsapi"
	"github.com/kmsconform/kmsconform/harness/reference/rules"
)

// The operations of jsonapi.Service. They only join the decisions of
// package rules to the store.

// CreateKey creates a key.
func (s *Server) CreateKey(ctx context.Context, c kmsapi.Caller, in *kmsapi.CreateKeyInput) (*kmsapi.CreateKeyOutput, error) {
	env := s.env(ctx, c)
	k, out, err := rules.CreateKey(in, s.keys.Count(env.AccountID), env)
	if err != nil {
		return nil, err
	}
	if err := s.keys.Add(env.AccountID, k.ID, k); err != nil {
		return nil, err
	}
	return out, nil
}

// ListKeys lists the account's keys.
func (s *Server) ListKeys(ctx context.Context, c kmsapi.Caller, in *kmsapi.ListKeysInput) (*kmsapi.ListKeysOutput, error) {
	env := s.env(ctx, c)
	return rules.ListKeys(s.keys.List(env.AccountID), in, env)
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
