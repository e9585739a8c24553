package rules

import (
	"crypto/ecdh"
	"crypto/ecdsa"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kmsconform/kmsconform/fixtures/material"
	"github.com/kmsconform/kmsconform/harness/reference/awserr"
	"github.com/kmsconform/kmsconform/harness/reference/kmsapi"
)

// Model limits of DeriveSharedSecret.
const (
	publicKeyMax           = 8192
	attestationDocumentMax = 262144
)

// DeriveSharedSecret derives the raw ECDH shared secret of an ECC
// KEY_AGREEMENT key's private key and a peer's public key (DER
// SubjectPublicKeyInfo on the key's curve). The key must be usable: in
// PendingImport it is KMSInvalidStateException (IMP-123); a key of another
// usage is InvalidKeyUsageException (IMP-009 makes KEY_AGREEMENT the usage of
// NIST ECC keys that derive secrets).
var DeriveSharedSecret = KeyOperation[kmsapi.DeriveSharedSecretInput, kmsapi.DeriveSharedSecretOutput]{
	Name:         "DeriveSharedSecret",
	ByAlias:      true,
	CrossAccount: true,
	Validate: func(in *kmsapi.DeriveSharedSecretInput, env Env) error {
		var v violations
		v.requiredString("keyId", in.KeyId, 1, keyIDMax)
		if v.required("keyAgreementAlgorithm", in.KeyAgreementAlgorithm != nil) {
			enum(&v, "keyAgreementAlgorithm", in.KeyAgreementAlgorithm, types.KeyAgreementAlgorithmSpec("").Values())
		}
		v.requiredBlob("publicKey", in.PublicKey, 1, publicKeyMax)
		v.grantTokens(in.GrantTokens)
		if r := in.Recipient; r != nil {
			enum(&v, "recipient.keyEncryptionAlgorithm", r.KeyEncryptionAlgorithm, types.KeyEncryptionMechanism("").Values())
			v.blob("recipient.attestationDocument", r.AttestationDocument, 1, attestationDocumentMax)
		}
		return v.err()
	},
	KeyRef: func(in *kmsapi.DeriveSharedSecretInput) (string, error) { return keyRef(in.KeyId) },
	decide: decideDeriveSharedSecret,
}

func decideDeriveSharedSecret(k Key, in *kmsapi.DeriveSharedSecretInput, env Env) (Key, *kmsapi.DeriveSharedSecretOutput, error) {
	if err := usable(k, env); err != nil { // IMP-123
		return k, nil, err
	}
	alg := *in.KeyAgreementAlgorithm
	if k.Usage != types.KeyUsageTypeKeyAgreement {
		return k, nil, errKeyUsage(k, "DeriveSharedSecret with "+string(alg))
	}
	m, err := currentKey(k)
	if err != nil {
		return k, nil, err
	}
	private, ok := m.Key.Private.(*ecdsa.PrivateKey)
	if !ok {
		return k, nil, errKeyUsage(k, "DeriveSharedSecret with "+string(alg))
	}
	peer, err := peerPublicKey(k, in.PublicKey)
	if err != nil {
		return k, nil, err
	}
	if in.Recipient != nil {
		// The reference cannot verify a Nitro attestation document, so it
		// cannot encrypt the secret to an enclave; it refuses rather than
		// return the secret in plaintext to a caller that asked for it not
		// to be.
		return k, nil, awserr.New(awserr.UnsupportedOperation, "This endpoint does not support Recipient (attested enclaves).")
	}
	if err := dryRun(in.DryRun); err != nil {
		return k, nil, err
	}
	ecdhPrivate, err := private.ECDH()
	if err != nil {
		return k, nil, awserr.New(awserr.KMSInternal, "the key's private key: %v", err)
	}
	secret, err := ecdhPrivate.ECDH(peer)
	if err != nil {
		return k, nil, validation("The public key is not a valid point for %s: %v", k.Spec, err)
	}
	return k, &kmsapi.DeriveSharedSecretOutput{
		KeyId:                 ptr(k.ARN()),
		SharedSecret:          secret,
		KeyAgreementAlgorithm: alg,
		KeyOrigin:             k.Origin,
	}, nil
}

// peerPublicKey reads the peer's public key: a DER SubjectPublicKeyInfo on
// the key's curve. Anything else is ValidationException, as AWS answers a
// public key the CLI base64-encoded twice (API-DSS PublicKey).
func peerPublicKey(k Key, der []byte) (*ecdh.PublicKey, error) {
	spec, pub, err := material.ParsePublicKey(der)
	if err != nil {
		return nil, validation("PublicKey must be a DER-encoded SubjectPublicKeyInfo.")
	}
	ecPub, ok := pub.(*ecdsa.PublicKey)
	if !ok || spec != k.Spec {
		return nil, validation("PublicKey is a %s key; %s derives shared secrets with %s public keys only.", spec, k.ARN(), k.Spec)
	}
	out, err := ecPub.ECDH()
	if err != nil {
		return nil, validation("PublicKey is not a valid %s point.", k.Spec)
	}
	return out, nil
}
