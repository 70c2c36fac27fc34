package gmcrypto

import (
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/emmansun/gmsm/sm4"
)

// SecretBoxKeyFileName is the key file of LoadOrCreateSecretBox (mode 0600).
const SecretBoxKeyFileName = "sm4-secrets.key"

// SecretBox encrypts small secrets kept in the database — credentials one
// node uses to call another — with SM4-GCM under a key from the key
// directory, so a copy of the database alone does not reveal them. The
// caller binds each secret to its row with additional data (e.g. the
// region), so a sealed value moved to another row fails to open.
type SecretBox struct {
	aead cipher.AEAD
}

// NewSecretBox returns a SecretBox for a 16-byte SM4 key.
func NewSecretBox(key []byte) (*SecretBox, error) {
	if len(key) != sm4KeySize {
		return nil, fmt.Errorf("gmcrypto: secret box key is %d bytes, want %d", len(key), sm4KeySize)
	}
	block, err := sm4.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("gmcrypto: secret box: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("gmcrypto: secret box: %w", err)
	}
	return &SecretBox{aead: aead}, nil
}

// LoadOrCreateSecretBox loads the key kept in dir (base64 text), creating
// it on first use; processes sharing dir share the key.
func LoadOrCreateSecretBox(dir string) (*SecretBox, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("gmcrypto: key directory: %w", err)
	}
	path := filepath.Join(dir, SecretBoxKeyFileName)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		key := make([]byte, sm4KeySize)
		if _, err := rand.Read(key); err != nil {
			return nil, fmt.Errorf("gmcrypto: new secret box key: %w", err)
		}
		if _, err := writeNewFile(path, []byte(base64.StdEncoding.EncodeToString(key)+"\n"), 0o600); err != nil {
			return nil, fmt.Errorf("gmcrypto: store secret box key: %w", err)
		}
		// Whoever created the file first wins; read what is there.
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("gmcrypto: read secret box key: %w", err)
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(data)))
	if err != nil {
		return nil, fmt.Errorf("gmcrypto: %s: not base64: %w", path, err)
	}
	return NewSecretBox(key)
}

// Seal encrypts plain, binding it to aad, and returns nonce ‖ ciphertext.
func (b *SecretBox) Seal(plain, aad []byte) ([]byte, error) {
	nonce := make([]byte, gcmNonceSize, gcmNonceSize+len(plain)+gcmTagSize)
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("gmcrypto: secret box nonce: %w", err)
	}
	return b.aead.Seal(nonce, nonce, plain, aad), nil
}

// Open decrypts what Seal returned for the same aad; errors wrap ErrTampered
// or ErrMalformed.
func (b *SecretBox) Open(sealed, aad []byte) ([]byte, error) {
	if len(sealed) < gcmNonceSize+gcmTagSize {
		return nil, fmt.Errorf("%w: sealed secret truncated (%d bytes)", ErrMalformed, len(sealed))
	}
	plain, err := b.aead.Open(nil, sealed[:gcmNonceSize], sealed[gcmNonceSize:], aad)
	if err != nil {
		return nil, fmt.Errorf("%w: sealed secret", ErrTampered)
	}
	return plain, nil
}
