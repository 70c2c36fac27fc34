package storetest

import (
	"testing"

	"certgraph/internal/store"
)

// Opener opens another handle (its own connection pool, as another node or
// process would have) on one test database.
type Opener func() *store.DB

// SQLiteShared creates a migrated SQLite database and returns an Opener of
// handles on it; each handle is closed when t ends.
func SQLiteShared(t testing.TB) Opener {
	t.Helper()
	dir := t.TempDir()
	openIn(t, "", dir)
	return func() *store.DB { return openIn(t, "", dir) }
}

// MySQLShared creates a fresh migrated MySQL/MariaDB database and returns
// an Opener of handles on it, or skips t when EnvURL is not set.
func MySQLShared(t testing.TB) (Opener, string) {
	t.Helper()
	u := MySQLURL(t)
	if u == "" {
		t.Skip(EnvURL + " not set: no MySQL/MariaDB test")
	}
	openIn(t, u, "")
	return func() *store.DB { return openIn(t, u, "") }, u
}
