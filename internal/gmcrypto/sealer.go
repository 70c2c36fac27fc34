package gmcrypto

import (
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/emmansun/gmsm/sm4"
)

// Errors returned by Sealer.Open, each wrapped with detail; test with errors.Is.
var (
	// ErrMalformed means the token is not one of ours: bad base64, truncated,
	// unknown version or an impossible payload.
	ErrMalformed = errors.New("malformed encrypted certificate identifier")
	// ErrUnknownKey means the token names a key id not in the key ring
	// (never issued here, or removed after rotation).
	ErrUnknownKey = errors.New("encrypted certificate identifier uses an unknown key")
	// ErrTampered means SM4-GCM authentication failed: the token was altered
	// or made with a different key under the same id.
	ErrTampered = errors.New("encrypted certificate identifier failed authentication")
	// ErrExpired means the token is older than the Sealer's lifetime, or
	// claims to be issued further in the future than the clock skew allows.
	ErrExpired = errors.New("encrypted certificate identifier has expired")
)

// SealerKeyFileName is the key ring file inside the directory given to
// LoadOrCreateSealer (mode 0600).
const SealerKeyFileName = "sm4-sealer-keys.json"

// DefaultClockSkew is how far in the future a token's issue time may lie
// (another node's clock may run ahead) before Open rejects it.
const DefaultClockSkew = 2 * time.Minute

// tokenVersion is the first byte of every token; a new layout gets a new one.
const tokenVersion byte = 1

const (
	sm4KeySize    = 16
	gcmNonceSize  = 12
	gcmTagSize    = 16
	kidLength     = 4 // generated key ids; loaded ones may be 1–maxKidLength
	maxKidLength  = 16
	maxTokenChars = 2048 // longer input is rejected before decoding
	kidAlphabet   = "abcdefghijklmnopqrstuvwxyz0123456789"
)

// tokenEncoding is URL-safe base64 without padding; Strict rejects
// non-zero trailing bits so each token has exactly one text form.
var tokenEncoding = base64.RawURLEncoding.Strict()

// sealKey is one SM4 key in the ring.
type sealKey struct {
	ID      string    `json:"kid"`
	Key     []byte    `json:"key"` // 16 bytes; base64 in JSON
	Created time.Time `json:"created"`
	Retired time.Time `json:"retired,omitzero"` // when another key became active
	aead    cipher.AEAD
}

// keyRingFile is the JSON layout of SealerKeyFileName.
type keyRingFile struct {
	Active string     `json:"active"`
	Keys   []*sealKey `json:"keys"`
}

// Sealer turns certificate identifiers into short-lived encrypted tokens
// (加密证照标识) and back. It holds a ring of SM4 keys by key id, one of them
// active for sealing; every key in the ring can open. Safe for concurrent use.
//
// Token layout before base64: version (1 byte) ‖ kid length (1) ‖ kid ‖
// nonce (12) ‖ SM4-GCM(encoding (1) ‖ issue time (4, Unix seconds) ‖
// identifier), with everything before the ciphertext authenticated as AAD.
type Sealer struct {
	mu       sync.RWMutex
	keys     map[string]*sealKey
	active   string
	lifetime time.Duration
	skew     time.Duration
	path     string // key ring file; "" keeps keys in memory only
}

// NewSealer returns a Sealer with one fresh key kept in memory only, for
// tests and single-process use. lifetime must be positive.
func NewSealer(lifetime time.Duration) (*Sealer, error) {
	if lifetime <= 0 {
		return nil, fmt.Errorf("gmcrypto: sealer lifetime must be positive, got %v", lifetime)
	}
	s := &Sealer{keys: map[string]*sealKey{}, lifetime: lifetime, skew: DefaultClockSkew}
	k, err := s.newKey(time.Now())
	if err != nil {
		return nil, err
	}
	s.keys[k.ID], s.active = k, k.ID
	return s, nil
}

// LoadOrCreateSealer loads the key ring kept in dir, creating dir and a ring
// with one fresh key on first use. Every node sharing dir (or a copy of the
// file) opens the others' tokens. lifetime must be positive.
func LoadOrCreateSealer(dir string, lifetime time.Duration) (*Sealer, error) {
	if lifetime <= 0 {
		return nil, fmt.Errorf("gmcrypto: sealer lifetime must be positive, got %v", lifetime)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("gmcrypto: key directory: %w", err)
	}
	s := &Sealer{keys: map[string]*sealKey{}, lifetime: lifetime, skew: DefaultClockSkew,
		path: filepath.Join(dir, SealerKeyFileName)}
	data, err := os.ReadFile(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		k, kerr := s.newKey(time.Now())
		if kerr != nil {
			return nil, kerr
		}
		s.keys[k.ID], s.active = k, k.ID
		data, err = s.marshal()
		if err != nil {
			return nil, err
		}
		created, werr := writeNewFile(s.path, data, 0o600)
		if werr != nil {
			return nil, fmt.Errorf("gmcrypto: store sealer keys: %w", werr)
		}
		if created {
			return s, nil
		}
		// Another process created the ring first: load theirs.
		data, err = os.ReadFile(s.path)
	}
	if err != nil {
		return nil, fmt.Errorf("gmcrypto: read sealer keys: %w", err)
	}
	if err := s.unmarshal(data); err != nil {
		return nil, fmt.Errorf("gmcrypto: %s: %w", s.path, err)
	}
	return s, nil
}

// Reload re-reads the key ring file, picking up a rotation made by another
// node or process sharing it. A Sealer without a file has nothing to reload.
func (s *Sealer) Reload() error {
	if s.path == "" {
		return nil
	}
	data, err := os.ReadFile(s.path)
	if err != nil {
		return fmt.Errorf("gmcrypto: reload sealer keys: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.unmarshal(data); err != nil {
		return fmt.Errorf("gmcrypto: %s: %w", s.path, err)
	}
	return nil
}

// SetClockSkew sets how far in the future an issue time may be before Open
// rejects the token as ErrExpired (DefaultClockSkew unless set).
func (s *Sealer) SetClockSkew(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.skew = max(d, 0)
}

// Lifetime returns how long a sealed token opens after its issue time.
func (s *Sealer) Lifetime() time.Duration { return s.lifetime }

// ActiveKeyID returns the id of the key new tokens are sealed with.
func (s *Sealer) ActiveKeyID() string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.active
}

// KeyIDs returns the ids of all keys in the ring, sorted.
func (s *Sealer) KeyIDs() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	ids := make([]string, 0, len(s.keys))
	for id := range s.keys {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Rotate adds a fresh key and makes it active; older keys stay in the ring so
// their tokens open until they expire. The ring file, if any, is rewritten
// before the new key is used. It returns the new key id.
func (s *Sealer) Rotate() (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	k, err := s.newKey(now)
	if err != nil {
		return "", err
	}
	prev := s.keys[s.active]
	oldRetired := prev.Retired
	prev.Retired = now
	s.keys[k.ID] = k
	oldActive := s.active
	s.active = k.ID
	if err := s.save(); err != nil {
		delete(s.keys, k.ID)
		s.active, prev.Retired = oldActive, oldRetired
		return "", err
	}
	return k.ID, nil
}

// RemoveKey deletes a retired key: tokens sealed with it then fail with
// ErrUnknownKey. The active key cannot be removed.
func (s *Sealer) RemoveKey(kid string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.keys[kid]
	if !ok {
		return fmt.Errorf("gmcrypto: remove key %q: %w", kid, ErrUnknownKey)
	}
	if kid == s.active {
		return fmt.Errorf("gmcrypto: key %q is active; rotate before removing it", kid)
	}
	delete(s.keys, kid)
	if err := s.save(); err != nil {
		s.keys[kid] = k
		return err
	}
	return nil
}

// PruneKeys removes keys retired longer ago than the lifetime plus clock
// skew, since no token they sealed can still open; it returns their ids.
func (s *Sealer) PruneKeys(now time.Time) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	removed := map[string]*sealKey{}
	for id, k := range s.keys {
		if id != s.active && !k.Retired.IsZero() && now.Sub(k.Retired) > s.lifetime+s.skew {
			removed[id] = k
			delete(s.keys, id)
		}
	}
	if len(removed) == 0 {
		return nil, nil
	}
	if err := s.save(); err != nil {
		for id, k := range removed {
			s.keys[id] = k
		}
		return nil, err
	}
	ids := make([]string, 0, len(removed))
	for id := range removed {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids, nil
}

// Seal encrypts certID with its issue time now under the active key and
// returns the URL-safe base64 token (no padding): the version-1 form, which
// names no region (SealForRegion makes what nodes hand out now).
func (s *Sealer) Seal(certID string, now time.Time) (string, error) {
	out, err := s.seal(tokenVersion, certID, now, func(header []byte) []byte { return header })
	if err != nil {
		return "", err
	}
	return tokenEncoding.EncodeToString(out), nil
}

// seal is both token versions' sealing: the header (version, key id,
// nonce) followed by the SM4-GCM sealed (encoding, issue time, identifier),
// authenticated together with aad(header).
func (s *Sealer) seal(version byte, certID string, now time.Time, aad func(header []byte) []byte) ([]byte, error) {
	if certID == "" {
		return nil, errors.New("gmcrypto: seal: empty certificate identifier")
	}
	if !utf8.ValidString(certID) {
		return nil, errors.New("gmcrypto: seal: certificate identifier is not valid UTF-8")
	}
	ts := now.Unix()
	if ts < 0 || ts > 1<<32-1 {
		return nil, fmt.Errorf("gmcrypto: seal: issue time %v outside 1970–2106", now)
	}
	s.mu.RLock()
	k := s.keys[s.active]
	s.mu.RUnlock()

	enc, payload := encodeID(certID)
	header := make([]byte, 0, 2+len(k.ID)+gcmNonceSize)
	header = append(header, version, byte(len(k.ID)))
	header = append(header, k.ID...)
	nonceStart := len(header)
	header = header[:nonceStart+gcmNonceSize]
	if _, err := rand.Read(header[nonceStart:]); err != nil {
		return nil, fmt.Errorf("gmcrypto: seal: nonce: %w", err)
	}
	plain := make([]byte, 0, 5+len(payload))
	plain = append(plain, enc)
	plain = binary.BigEndian.AppendUint32(plain, uint32(ts))
	plain = append(plain, payload...)
	return k.aead.Seal(header, header[nonceStart:], plain, aad(header)), nil
}

// Open decrypts a token made by Seal (with any key in the ring) and returns
// the certificate identifier and its issue time. Errors wrap ErrMalformed,
// ErrUnknownKey, ErrTampered or ErrExpired.
func (s *Sealer) Open(token string, now time.Time) (certID string, issuedAt time.Time, err error) {
	if len(token) > maxTokenChars {
		return "", time.Time{}, fmt.Errorf("%w: %d characters, at most %d", ErrMalformed, len(token), maxTokenChars)
	}
	raw, err := tokenEncoding.DecodeString(token)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("%w: not URL-safe base64: %v", ErrMalformed, err)
	}
	if len(raw) < 2 {
		return "", time.Time{}, fmt.Errorf("%w: truncated (%d bytes)", ErrMalformed, len(raw))
	}
	if raw[0] != tokenVersion {
		return "", time.Time{}, fmt.Errorf("%w: version %d, want %d", ErrMalformed, raw[0], tokenVersion)
	}
	kidLen := int(raw[1])
	if kidLen == 0 || kidLen > maxKidLength {
		return "", time.Time{}, fmt.Errorf("%w: key id length %d", ErrMalformed, kidLen)
	}
	headerLen := 2 + kidLen + gcmNonceSize
	if len(raw) < headerLen+gcmTagSize+5 {
		return "", time.Time{}, fmt.Errorf("%w: truncated (%d bytes)", ErrMalformed, len(raw))
	}
	kid := string(raw[2 : 2+kidLen])
	s.mu.RLock()
	k, ok := s.keys[kid]
	lifetime, skew := s.lifetime, s.skew
	s.mu.RUnlock()
	if !ok {
		return "", time.Time{}, fmt.Errorf("%w: key id %q", ErrUnknownKey, kid)
	}
	header := raw[:headerLen]
	plain, err := k.aead.Open(nil, header[2+kidLen:], raw[headerLen:], header)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("%w: key id %q", ErrTampered, kid)
	}
	issuedAt = time.Unix(int64(binary.BigEndian.Uint32(plain[1:5])), 0)
	certID, err = decodeID(plain[0], plain[5:])
	if err != nil {
		return "", time.Time{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if issuedAt.After(now.Add(skew)) {
		return "", time.Time{}, fmt.Errorf("%w: issued at %s, in the future (now %s)", ErrExpired,
			issuedAt.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	if now.Sub(issuedAt) > lifetime {
		return "", time.Time{}, fmt.Errorf("%w: issued at %s, lifetime %v (now %s)", ErrExpired,
			issuedAt.UTC().Format(time.RFC3339), lifetime, now.UTC().Format(time.RFC3339))
	}
	return certID, issuedAt, nil
}

// newKey makes a random SM4 key with an id unused in the ring.
func (s *Sealer) newKey(now time.Time) (*sealKey, error) {
	k := &sealKey{Key: make([]byte, sm4KeySize), Created: now.UTC().Truncate(time.Second)}
	if _, err := rand.Read(k.Key); err != nil {
		return nil, fmt.Errorf("gmcrypto: new SM4 key: %w", err)
	}
	for {
		id := make([]byte, kidLength)
		if _, err := rand.Read(id); err != nil {
			return nil, fmt.Errorf("gmcrypto: new key id: %w", err)
		}
		for i := range id {
			id[i] = kidAlphabet[int(id[i])%len(kidAlphabet)]
		}
		if _, taken := s.keys[string(id)]; !taken {
			k.ID = string(id)
			break
		}
	}
	if err := k.init(); err != nil {
		return nil, err
	}
	return k, nil
}

// init builds the key's SM4-GCM AEAD.
func (k *sealKey) init() error {
	if len(k.Key) != sm4KeySize {
		return fmt.Errorf("key %q is %d bytes, want %d", k.ID, len(k.Key), sm4KeySize)
	}
	block, err := sm4.NewCipher(k.Key)
	if err != nil {
		return fmt.Errorf("key %q: %w", k.ID, err)
	}
	if k.aead, err = cipher.NewGCM(block); err != nil {
		return fmt.Errorf("key %q: %w", k.ID, err)
	}
	return nil
}

// marshal renders the ring as JSON, keys ordered by id.
func (s *Sealer) marshal() ([]byte, error) {
	f := keyRingFile{Active: s.active}
	for _, id := range s.sortedIDs() {
		f.Keys = append(f.Keys, s.keys[id])
	}
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("gmcrypto: encode sealer keys: %w", err)
	}
	return append(data, '\n'), nil
}

func (s *Sealer) sortedIDs() []string {
	ids := make([]string, 0, len(s.keys))
	for id := range s.keys {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// unmarshal replaces the ring with the JSON in data, validating every key.
func (s *Sealer) unmarshal(data []byte) error {
	var f keyRingFile
	if err := json.Unmarshal(data, &f); err != nil {
		return fmt.Errorf("parse key ring: %w", err)
	}
	keys := map[string]*sealKey{}
	for i, k := range f.Keys {
		if k == nil || len(k.ID) == 0 || len(k.ID) > maxKidLength {
			return fmt.Errorf("key %d: id must be 1–%d bytes", i+1, maxKidLength)
		}
		if _, dup := keys[k.ID]; dup {
			return fmt.Errorf("key id %q appears twice", k.ID)
		}
		if err := k.init(); err != nil {
			return err
		}
		keys[k.ID] = k
	}
	if _, ok := keys[f.Active]; !ok {
		return fmt.Errorf("active key id %q is not in the ring", f.Active)
	}
	s.keys, s.active = keys, f.Active
	return nil
}

// save writes the ring file atomically (temporary file + rename) when the
// Sealer has one. Callers hold s.mu.
func (s *Sealer) save() error {
	if s.path == "" {
		return nil
	}
	data, err := s.marshal()
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(s.path), "."+SealerKeyFileName+".tmp*")
	if err != nil {
		return fmt.Errorf("gmcrypto: save sealer keys: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err == nil {
		if _, err = tmp.Write(data); err == nil {
			err = tmp.Sync()
		}
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), s.path)
	}
	if err != nil {
		return fmt.Errorf("gmcrypto: save sealer keys: %w", err)
	}
	return nil
}
