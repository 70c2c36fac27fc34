package nodeid

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"certgraph/internal/store"
	"certgraph/internal/store/storetest"
)

func each(t *testing.T, f func(t *testing.T, db *store.DB)) {
	t.Run("sqlite", func(t *testing.T) { f(t, storetest.SQLite(t)) })
	t.Run("mysql", func(t *testing.T) { f(t, storetest.MySQL(t)) })
}

var (
	sm2    = Key{"sm2-signing", FingerprintPublic([]byte("public key A"))}
	sm2Bad = Key{"sm2-signing", FingerprintPublic([]byte("public key B"))}
	sm4k1  = Key{"sm4:k1", FingerprintSecret([]byte("secret one, thirty-two bytes...."))}
	sm4k2  = Key{"sm4:k2", FingerprintSecret([]byte("secret two, thirty-two bytes...."))}
	link   = Key{"file-link", FingerprintSecret([]byte("link secret, thirty-two bytes..."))}
)

func TestCheck(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if err := Check(ctx, db, "node-a", []Key{sm2, sm4k1, link}); err != nil {
			t.Fatalf("first node: %v", err)
		}
		if err := Check(ctx, db, "node-b", []Key{link, sm4k1, sm2}); err != nil {
			t.Fatalf("second node with the same keys: %v", err)
		}

		// Another SM2 key: refused, naming the key and who recorded it.
		err := Check(ctx, db, "node-c", []Key{sm2Bad, sm4k1, link})
		var me *MismatchError
		if !errors.As(err, &me) || len(me.Conflicts) != 1 || me.Conflicts[0].Name != "sm2-signing" || me.Conflicts[0].RecordedBy != "node-a" {
			t.Fatalf("differing SM2 key: %v", err)
		}
		for _, want := range []string{`key "sm2-signing" differs`, "node node-a recorded", "node node-c", "--key-dir"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("message %q lacks %q", err, want)
			}
		}

		// Rotation: node A adds sm4:k2; node B, restarted without it, is refused.
		if err := Check(ctx, db, "node-a", []Key{sm2, sm4k1, sm4k2, link}); err != nil {
			t.Fatalf("a new key after rotation: %v", err)
		}
		err = Check(ctx, db, "node-b", []Key{sm2, sm4k1, link})
		if !errors.As(err, &me) || len(me.Conflicts) != 1 || me.Conflicts[0].Name != "sm4:k2" || me.Conflicts[0].Here != "" ||
			!strings.Contains(err.Error(), `key "sm4:k2" is missing here`) {
			t.Fatalf("node lacking a rotated key: %v", err)
		}
		// Once k1 is retired, a node without it starts; one still holding
		// a different k1 does not matter any more either.
		if ok, err := Retire(ctx, db, "sm4:k1"); !ok || err != nil {
			t.Fatalf("retire: %v %v", ok, err)
		}
		if err := Check(ctx, db, "node-b", []Key{sm2, sm4k2, link}); err != nil {
			t.Errorf("after retiring sm4:k1: %v", err)
		}

		// Bad input changes nothing.
		for _, keys := range [][]Key{{{"", "x"}}, {{"a", ""}}, {sm2, sm2}} {
			if err := Check(ctx, db, "node-d", keys); err == nil || errors.As(err, &me) {
				t.Errorf("keys %v: %v, want a validation error", keys, err)
			}
		}
	})
}

// TestConcurrentStart: two nodes with different keys starting at the same
// moment on an empty database: exactly one of them is refused.
func TestConcurrentStart(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, k := range []Key{sm2, sm2Bad} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = Check(context.Background(), db, []string{"node-a", "node-b"}[i], []Key{k})
			}()
		}
		wg.Wait()
		if (errs[0] == nil) == (errs[1] == nil) {
			t.Fatalf("want exactly one refused: %v / %v", errs[0], errs[1])
		}
	})
}

func TestFingerprints(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	fp := FingerprintSecret(secret)
	if fp != FingerprintSecret(append([]byte(nil), secret...)) || fp == FingerprintSecret([]byte("another secret")) {
		t.Error("secret fingerprints do not tell keys apart")
	}
	if strings.Contains(fp, "30313233") {
		t.Error("the fingerprint shows the secret")
	}
	if !strings.HasPrefix(FingerprintPublic([]byte("x")), "sha256:") || !strings.HasPrefix(fp, "hmac-sha256:") {
		t.Error("fingerprints lack their algorithm")
	}
}
