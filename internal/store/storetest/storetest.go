// Package storetest gives tests a real, migrated database: an SQLite file
// in a temp dir, or a fresh MySQL/MariaDB database on the server that
// CERTGRAPH_TEST_DATABASE_URL (a mysql:// URL with rights to create
// databases) names, dropped when the test ends.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"certgraph/internal/store"

	"gorm.io/gorm"
)

// EnvURL is the environment variable naming the MySQL/MariaDB test server.
const EnvURL = "CERTGRAPH_TEST_DATABASE_URL"

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// MySQLURL creates a fresh database for t on the test server and returns
// its URL, or "" when EnvURL is not set.
func MySQLURL(t testing.TB) string {
	t.Helper()
	admin := os.Getenv(EnvURL)
	if admin == "" {
		return ""
	}
	adb, err := store.Open(admin, "", quiet)
	if err != nil {
		t.Fatalf("%s: %v", EnvURL, err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	name := "certgraph_t_" + hex.EncodeToString(b)
	if err := adb.Gorm().Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin").Error; err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		adb.Gorm().Exec("DROP DATABASE " + name)
		adb.Close()
	})
	base, query, _ := strings.Cut(admin, "?")
	u := base[:strings.LastIndex(base, "/")+1] + name
	if query != "" {
		u += "?" + query
	}
	return u
}

// SQLite opens a migrated SQLite database in a temp dir.
func SQLite(t testing.TB) *store.DB {
	t.Helper()
	return open(t, "")
}

// MySQL opens a migrated fresh MySQL/MariaDB database, or skips t when
// EnvURL is not set.
func MySQL(t testing.TB) *store.DB {
	t.Helper()
	u := MySQLURL(t)
	if u == "" {
		t.Skip(EnvURL + " not set: no MySQL/MariaDB test")
	}
	return open(t, u)
}

func open(t testing.TB, url string) *store.DB {
	t.Helper()
	db, err := store.Open(url, t.TempDir(), quiet)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Tests bring their own catalogue, as demo data does.
	if err := db.EnsureCertificateTypes(context.Background(), store.CertificateTypes); err != nil {
		t.Fatal(err)
	}
	return db
}

// CountStatements adds one to n for every statement db runs from now on
// (queries, inserts, updates, deletes, raw SQL): tests assert how many
// queries a request costs.
func CountStatements(db *store.DB, n *atomic.Int64) {
	count := func(*gorm.DB) { n.Add(1) }
	cb := db.Gorm().Callback()
	cb.Query().After("gorm:query").Register("test:count", count)
	cb.Create().After("gorm:create").Register("test:count", count)
	cb.Update().After("gorm:update").Register("test:count", count)
	cb.Delete().After("gorm:delete").Register("test:count", count)
	cb.Row().After("gorm:row").Register("test:count", count)
	cb.Raw().After("gorm:raw").Register("test:count", count)
}

// OrderedBy is a Preload condition ordering the preloaded rows by column.
func OrderedBy(column string) func(*gorm.DB) *gorm.DB {
	return func(tx *gorm.DB) *gorm.DB { return tx.Order(column) }
}
