package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"certgraph/internal/store"
	"certgraph/internal/store/storetest"
)

// each runs f on a fresh SQLite database and, when configured, MariaDB.
func each(t *testing.T, f func(t *testing.T, db *store.DB)) {
	t.Run("sqlite", func(t *testing.T) { f(t, storetest.SQLite(t)) })
	t.Run("mysql", func(t *testing.T) { f(t, storetest.MySQL(t)) })
}

func TestInvalidationLog(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if id, err := db.LatestInvalidationID(ctx); err != nil || id != 0 {
			t.Fatalf("empty log: latest %d, %v", id, err)
		}
		// Appended in the writer's transaction: a rollback takes the entry
		// with it, a commit publishes it.
		boom := errors.New("write failed")
		err := db.Transaction(ctx, func(tx *store.DB) error {
			if err := tx.AppendInvalidations(ctx, "node-a", "cert:rolled-back"); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if err := db.Transaction(ctx, func(tx *store.DB) error {
			return tx.AppendInvalidations(ctx, "node-a", "cert:1", "tok:abc", store.InvalidateAll)
		}); err != nil {
			t.Fatal(err)
		}
		rows, err := db.InvalidationsAfter(ctx, 0, nil, 10)
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, r := range rows {
			keys = append(keys, r.Key)
			if r.Node != "node-a" || r.CreatedAt.IsZero() {
				t.Errorf("entry %+v: node or time missing", r)
			}
		}
		if strings.Join(keys, " ") != "cert:1 tok:abc *" {
			t.Fatalf("log holds %q, want the committed keys only", keys)
		}
		latest, _ := db.LatestInvalidationID(ctx)
		if latest != rows[2].ID {
			t.Errorf("latest %d, want %d", latest, rows[2].ID)
		}
		// The rolled-back entry's ID is a permanent gap (MariaDB) or reused
		// (SQLite): either way asking for it finds nothing wrong.
		after, err := db.InvalidationsAfter(ctx, rows[0].ID, []uint64{rows[0].ID, 999999}, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(after) != 2 || after[0].ID != rows[0].ID || after[1].ID != rows[1].ID {
			t.Errorf("after %d with gap %d, limit 1: got %+v", rows[0].ID, rows[0].ID, after)
		}
		ids, err := db.InvalidationIDsAbove(ctx, rows[0].ID, latest)
		if err != nil || len(ids) != 2 {
			t.Errorf("IDs above %d: %v, %v", rows[0].ID, ids, err)
		}

		// Bad input is refused and writes nothing.
		for _, bad := range [][2]string{{"", "k"}, {"node", ""}, {"node", strings.Repeat("k", 256)}, {strings.Repeat("n", 65), "k"}} {
			if err := db.AppendInvalidations(ctx, bad[0], bad[1]); err == nil {
				t.Errorf("append(%q, %q…) accepted", bad[0], truncate(bad[1]))
			}
		}
		if l, _ := db.LatestInvalidationID(ctx); l != latest {
			t.Errorf("refused appends wrote: latest %d → %d", latest, l)
		}
		if _, err := db.InvalidationsAfter(ctx, 0, nil, 0); err == nil {
			t.Error("limit 0 accepted")
		}

		// Pruning removes entries older than the cut, in batches, and keeps newer ones.
		old := time.Now().UTC().Add(-2 * time.Hour)
		var olds []store.Invalidation
		for range 7 {
			olds = append(olds, store.Invalidation{Key: "cert:old", Node: "node-b", CreatedAt: old})
		}
		if err := db.Gorm().Create(&olds).Error; err != nil {
			t.Fatal(err)
		}
		n, err := db.PruneInvalidations(ctx, time.Now().UTC().Add(-time.Hour), 3)
		if err != nil || n != 7 {
			t.Fatalf("pruned %d, %v; want 7", n, err)
		}
		left, _ := db.InvalidationsAfter(ctx, 0, nil, 100)
		if len(left) != 3 {
			t.Errorf("after pruning %d entries left, want the 3 recent ones", len(left))
		}
	})
}

func truncate(s string) string {
	if len(s) > 10 {
		return s[:10]
	}
	return s
}

func TestNodeKeys(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := []store.NodeKey{{Name: "sm2-signing", Fingerprint: "aa"}, {Name: "sm4:k1", Fingerprint: "bb"}}
		if err := db.RecordNodeKeys(ctx, "node-a", a); err != nil {
			t.Fatal(err)
		}
		// A second node's different fingerprint never overwrites the first.
		if err := db.RecordNodeKeys(ctx, "node-b", []store.NodeKey{{Name: "sm2-signing", Fingerprint: "cc"}, {Name: "link", Fingerprint: "dd"}}); err != nil {
			t.Fatal(err)
		}
		got, err := db.NodeKeys(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"link": "dd/node-b", "sm2-signing": "aa/node-a", "sm4:k1": "bb/node-a"}
		if len(got) != len(want) {
			t.Fatalf("keys %+v, want %v", got, want)
		}
		for _, k := range got {
			if want[k.Name] != k.Fingerprint+"/"+k.Node {
				t.Errorf("key %s = %s/%s, want %s", k.Name, k.Fingerprint, k.Node, want[k.Name])
			}
		}
		if ok, err := db.RetireNodeKey(ctx, "sm4:k1"); !ok || err != nil {
			t.Fatalf("retire: %v, %v", ok, err)
		}
		if ok, _ := db.RetireNodeKey(ctx, "sm4:k1"); ok {
			t.Error("retiring twice reported a change")
		}
		got, _ = db.NodeKeys(ctx)
		if len(got) != 2 {
			t.Errorf("retired key still listed: %+v", got)
		}
		if err := db.RecordNodeKeys(ctx, "node-a", []store.NodeKey{{Name: "", Fingerprint: "x"}}); err == nil {
			t.Error("a key without a name was accepted")
		}
	})
}
