// Package ciphertext is the format of the reference KMS's symmetric
// ciphertext blobs. A blob names the KMS key and the key material that made
// it, and is authenticated together with those names and the encryption
// context, so a blob decrypts only under the key and material it names (even
// where two keys hold the same material: research IMP-139), and old
// ciphertext keeps naming its material across rotation and reimport.
//
// Layout (all lengths in bytes):
//
//	1        format version (1)
//	1        length n of the key ID
//	n        key ID (ASCII: a UUID or "mrk-" and 32 hex digits)
//	32       key material ID (the 64 hex digits of KeyMaterialId, decoded)
//	12       AES-GCM nonce
//	rest     AES-256-GCM ciphertext and 16-byte tag
//
// The AES key is derived with HKDF-SHA256 from the key material and the
// header, so each (key, material) pair encrypts under its own key even when
// two KMS keys hold the same material.
package ciphertext

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"sort"
)

const (
	version     = 1
	materialLen = 32
	nonceLen    = 12
	tagLen      = 16
)

// Overhead is how many bytes a blob adds to its plaintext for a key ID of
// n bytes.
func Overhead(n int) int { return 2 + n + materialLen + nonceLen + tagLen }

// Header is what a blob says about its origin.
type Header struct {
	KeyID      string // the KMS key's ID (not its ARN)
	MaterialID string // the KeyMaterialId: 64 lowercase hex digits
}

// ErrMalformed means the blob is not a ciphertext of this format.
var ErrMalformed = errors.New("ciphertext: malformed blob")

// ErrAuthentication means the blob, its header or the encryption context was
// altered, or the secret is not the one it was made with.
var ErrAuthentication = errors.New("ciphertext: authentication failed")

// Seal encrypts plaintext under secret (the 32-byte key material) and
// returns the blob.
func Seal(secret []byte, h Header, context map[string]string, plaintext []byte) ([]byte, error) {
	header, err := h.encode()
	if err != nil {
		return nil, err
	}
	gcm, err := newGCM(secret, header)
	if err != nil {
		return nil, err
	}
	blob := make([]byte, len(header), len(header)+nonceLen+len(plaintext)+tagLen)
	copy(blob, header)
	nonce := make([]byte, nonceLen)
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	blob = append(blob, nonce...)
	return gcm.Seal(blob, nonce, plaintext, aad(header, context)), nil
}

// Parse reads the header of a blob without decrypting it.
func Parse(blob []byte) (Header, error) {
	h, _, err := split(blob)
	return h, err
}

// Open decrypts a blob with secret. The encryption context must be the one
// the blob was sealed with.
func Open(secret []byte, blob []byte, context map[string]string) ([]byte, error) {
	_, n, err := split(blob)
	if err != nil {
		return nil, err
	}
	header := blob[:n]
	gcm, err := newGCM(secret, header)
	if err != nil {
		return nil, err
	}
	nonce := blob[n : n+nonceLen]
	plaintext, err := gcm.Open(nil, nonce, blob[n+nonceLen:], aad(header, context))
	if err != nil {
		return nil, ErrAuthentication
	}
	return plaintext, nil
}

func (h Header) encode() ([]byte, error) {
	id, err := hex.DecodeString(h.MaterialID)
	if err != nil || len(id) != materialLen {
		return nil, errors.New("ciphertext: material ID is not 64 hex digits")
	}
	if len(h.KeyID) == 0 || len(h.KeyID) > 255 {
		return nil, errors.New("ciphertext: key ID length out of range")
	}
	b := []byte{version, byte(len(h.KeyID))}
	b = append(b, h.KeyID...)
	return append(b, id...), nil
}

// split parses the header and returns it with its length.
func split(blob []byte) (Header, int, error) {
	if len(blob) < 2 || blob[0] != version {
		return Header{}, 0, ErrMalformed
	}
	n := 2 + int(blob[1])
	if blob[1] == 0 || len(blob) < n+materialLen+nonceLen+tagLen {
		return Header{}, 0, ErrMalformed
	}
	h := Header{
		KeyID:      string(blob[2:n]),
		MaterialID: hex.EncodeToString(blob[n : n+materialLen]),
	}
	return h, n + materialLen, nil
}

func newGCM(secret, header []byte) (cipher.AEAD, error) {
	if len(secret) == 0 {
		return nil, errors.New("ciphertext: empty key material")
	}
	key, err := hkdf.Key(sha256.New, secret, nil, "kmsconform ciphertext v1\x00"+string(header), 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// aad is the header followed by the encryption context in a canonical form:
// pairs sorted by key, every string prefixed with its length, so that no two
// different contexts encode alike.
func aad(header []byte, context map[string]string) []byte {
	keys := make([]string, 0, len(context))
	for k := range context {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := append([]byte(nil), header...)
	out = binary.AppendUvarint(out, uint64(len(keys)))
	for _, k := range keys {
		out = binary.AppendUvarint(out, uint64(len(k)))
		out = append(out, k...)
		v := context[k]
		out = binary.AppendUvarint(out, uint64(len(v)))
		out = append(out, v...)
	}
	return out
}
