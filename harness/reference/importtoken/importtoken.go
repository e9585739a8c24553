// Package importtoken issues and opens the import tokens of the reference
// KMS. A token carries everything ImportKeyMaterial needs to know about the
// GetParametersForImport response it came from: the KMS key it was issued
// for (by key ARN, so that a multi-Region primary and its replicas, which
// share a key ID, each need their own token: IMP-133), the wrapping algorithm
// and key spec, when it expires and the private half of the wrapping key pair
// returned with it. It is sealed with
// AES-256-GCM under a secret of the issuing server, so the server keeps no
// per-response state, a token from another server or an altered token does not
// open, and a token opens only together with its own wrapping key (research
// IMP-014, IMP-057, IMP-060).
package importtoken

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// Parameters is what a token stands for.
type Parameters struct {
	KeyARN            string // the KMS key's ARN, not its ID (IMP-133)
	Sequence          int64  // which parameter set of the key this is, counting from 1
	WrappingAlgorithm types.AlgorithmSpec
	WrappingKeySpec   types.WrappingKeySpec
	ValidTo           time.Time // ParametersValidTo
	WrappingKey       *rsa.PrivateKey
}

// body is the sealed content of a token.
type body struct {
	KeyARN      string `asn1:"utf8"`
	Sequence    int64
	Algorithm   string `asn1:"utf8"`
	KeySpec     string `asn1:"utf8"`
	ValidToNano int64
	PrivateKey  []byte // PKCS #1 DER
}

const version = 1

// additionalData keeps tokens from being mistaken for any other sealed data.
var additionalData = []byte("kmsconform import token v1")

// Sealer issues and opens tokens under one secret.
type Sealer struct {
	aead cipher.AEAD
}

// NewSealer returns a Sealer with a fresh random secret.
func NewSealer() (*Sealer, error) {
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(secret)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead}, nil
}

// Issue returns the token for p.
func (s *Sealer) Issue(p Parameters) ([]byte, error) {
	plain, err := asn1.Marshal(body{
		KeyARN:      p.KeyARN,
		Sequence:    p.Sequence,
		Algorithm:   string(p.WrappingAlgorithm),
		KeySpec:     string(p.WrappingKeySpec),
		ValidToNano: p.ValidTo.UnixNano(),
		PrivateKey:  x509.MarshalPKCS1PrivateKey(p.WrappingKey),
	})
	if err != nil {
		return nil, err
	}
	token := make([]byte, 1+s.aead.NonceSize(), 1+s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	token[0] = version
	if _, err := rand.Read(token[1:]); err != nil {
		return nil, err
	}
	return s.aead.Seal(token, token[1:], plain, additionalData), nil
}

// Open returns the parameters of a token this Sealer issued. It reports
// false for anything else: garbage, a token of another server, an altered
// token.
func (s *Sealer) Open(token []byte) (Parameters, bool) {
	n := 1 + s.aead.NonceSize()
	if len(token) < n+s.aead.Overhead() || token[0] != version {
		return Parameters{}, false
	}
	plain, err := s.aead.Open(nil, token[1:n], token[n:], additionalData)
	if err != nil {
		return Parameters{}, false
	}
	var b body
	if rest, err := asn1.Unmarshal(plain, &b); err != nil || len(rest) != 0 {
		return Parameters{}, false
	}
	key, err := x509.ParsePKCS1PrivateKey(b.PrivateKey)
	if err != nil {
		return Parameters{}, false
	}
	return Parameters{
		KeyARN:            b.KeyARN,
		Sequence:          b.Sequence,
		WrappingAlgorithm: types.AlgorithmSpec(b.Algorithm),
		WrappingKeySpec:   types.WrappingKeySpec(b.KeySpec),
		ValidTo:           time.Unix(0, b.ValidToNano).UTC(),
		WrappingKey:       key,
	}, true
}
