// Package nodeid makes sure every node of one database holds the same keys:
// a token, encrypted identifier or signed link made by one node must open on
// every other. At start a node records the fingerprints of its keys in the
// database (first writer wins) and compares its own with what is recorded;
// a node whose key differs, or that lacks a key the others use, refuses to
// start and says which key.
package nodeid

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"

	"certgraph/internal/keys"
	"certgraph/internal/store"
)

// Key is one key the nodes must share: a stable name ("sm2-signing",
// "sm4:<key id>", "file-link" …) and its fingerprint (FingerprintPublic or
// FingerprintSecret).
type Key struct {
	Name        string
	Fingerprint string
}

// FingerprintPublic is the fingerprint of a public key or certificate, given
// in DER: its SHA-256.
func FingerprintPublic(der []byte) string {
	sum := sha256.Sum256(der)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// FingerprintSecret is the fingerprint of a secret key: an HMAC keyed by the
// secret over a fixed label, so the database learns nothing that helps to
// recover or use the secret, yet equal secrets give equal fingerprints.
func FingerprintSecret(secret []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("certgraph node key fingerprint v1"))
	return "hmac-sha256:" + hex.EncodeToString(m.Sum(nil))
}

// Conflict is one key on which this node and the database disagree.
type Conflict struct {
	Name       string
	Here       string // this node's fingerprint; "" if the node lacks the key
	Recorded   string // the database's fingerprint
	RecordedBy string // node that recorded it
	RecordedAt time.Time
}

func (c Conflict) String() string {
	if c.Here == "" {
		return fmt.Sprintf("key %q is missing here; node %s recorded it at %s (%s)",
			c.Name, c.RecordedBy, c.RecordedAt.Format(time.RFC3339), short(c.Recorded))
	}
	return fmt.Sprintf("key %q differs: this node has %s, node %s recorded %s at %s",
		c.Name, short(c.Here), c.RecordedBy, short(c.Recorded), c.RecordedAt.Format(time.RFC3339))
}

// short trims a fingerprint for messages (enough to tell keys apart).
func short(fp string) string {
	if i := strings.IndexByte(fp, ':'); i >= 0 && len(fp) > i+17 {
		return fp[:i+17]
	}
	return fp
}

// MismatchError is returned by Check when this node's keys are not the
// database's: the node must not start.
type MismatchError struct {
	Node      string
	Conflicts []Conflict
}

func (e *MismatchError) Error() string {
	parts := make([]string, len(e.Conflicts))
	for i, c := range e.Conflicts {
		parts[i] = c.String()
	}
	return fmt.Sprintf("node %s does not hold the keys the other nodes of this database use (share --key-dir between nodes; retire keys no longer used): %s",
		e.Node, strings.Join(parts, "; "))
}

// Validate reports the first key that is unusable as given.
func validate(keys []Key) error {
	seen := map[string]bool{}
	for _, k := range keys {
		switch {
		case k.Name == "" || len(k.Name) > 100:
			return fmt.Errorf("node key name %q: want 1 to 100 bytes", k.Name)
		case k.Fingerprint == "" || len(k.Fingerprint) > 128:
			return fmt.Errorf("node key %q: fingerprint of 1 to 128 bytes required", k.Name)
		case seen[k.Name]:
			return fmt.Errorf("node key %q given twice", k.Name)
		}
		seen[k.Name] = true
	}
	return nil
}

// Check records the fingerprints of keys this database does not know yet
// (a first start, a new key after rotation) and compares every key with the
// record. It returns a *MismatchError when a key differs or when the node
// lacks a key that is recorded and not retired.
func Check(ctx context.Context, db *store.DB, node string, keys []Key) error {
	if err := validate(keys); err != nil {
		return err
	}
	rows := make([]store.NodeKey, len(keys))
	for i, k := range keys {
		rows[i] = store.NodeKey{Name: k.Name, Fingerprint: k.Fingerprint}
	}
	if err := db.RecordNodeKeys(ctx, node, rows); err != nil {
		return fmt.Errorf("record node keys: %w", err)
	}
	recorded, err := db.NodeKeys(ctx)
	if err != nil {
		return fmt.Errorf("read node keys: %w", err)
	}
	here := make(map[string]string, len(keys))
	for _, k := range keys {
		here[k.Name] = k.Fingerprint
	}
	var conflicts []Conflict
	for _, r := range recorded {
		if fp := here[r.Name]; fp != r.Fingerprint {
			conflicts = append(conflicts, Conflict{Name: r.Name, Here: fp, Recorded: r.Fingerprint, RecordedBy: r.Node, RecordedAt: r.RecordedAt})
		}
	}
	if len(conflicts) == 0 {
		return nil
	}
	sort.Slice(conflicts, func(i, j int) bool { return conflicts[i].Name < conflicts[j].Name })
	return &MismatchError{Node: node, Conflicts: conflicts}
}

// Retire marks a key as no longer used by any node (an SM4 key pruned after
// the identifiers it made expired), so nodes may start without it.
func Retire(ctx context.Context, db *store.DB, name string) (bool, error) {
	return db.RetireNodeKey(ctx, name)
}

// KeysOf returns the keys of t that the nodes must share, fingerprinted.
func KeysOf(t *keys.Trust) []Key {
	shared := t.Shared(FingerprintPublic, FingerprintSecret)
	out := make([]Key, len(shared))
	for i, k := range shared {
		out[i] = Key{Name: k.Name, Fingerprint: k.Fingerprint}
	}
	return out
}
