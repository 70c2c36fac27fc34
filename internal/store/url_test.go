package store_test

import (
	"context"
	"regexp"
	"testing"

	"certgraph/internal/store"
	"certgraph/internal/store/storetest"
)

// TestOpenHostPortURL: on MariaDB, the URL written the usual way
// (mysql://user@host:port/db, no tcp(...)) connects.
func TestOpenHostPortURL(t *testing.T) {
	u := storetest.MySQLURL(t)
	if u == "" {
		t.Skip("needs CERTGRAPH_TEST_DATABASE_URL (MariaDB)")
	}
	plain := regexp.MustCompile(`tcp\(([^)]*)\)`).ReplaceAllString(u, "$1")
	if plain == u {
		t.Skip("the test database URL has no tcp(...) address to rewrite")
	}
	db, err := store.Open(plain, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Ping(context.Background()); err != nil {
		t.Fatalf("host:port URL: %v", err)
	}
}
