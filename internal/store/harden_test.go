package store

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"certgraph/models"
)

// A DSN pasted without mysql:// must not show its password in the error.
func TestRedactWithoutScheme(t *testing.T) {
	for in, want := range map[string]string{
		"root:s3cret@tcp(db:3306)/x":         "root:***@tcp(db:3306)/x",
		"mysql://root@tcp(db:3306)/x":        "mysql://root@tcp(db:3306)/x",
		"root@tcp(db:3306)/x":                "root@tcp(db:3306)/x",
		"mysql://root:p@ss:w@tcp(db:3306)/x": "mysql://root:***@tcp(db:3306)/x",
	} {
		if got := redact(in); got != want {
			t.Errorf("redact(%q) = %q, want %q", in, got, want)
		}
	}
	_, err := Open("root:s3cret@tcp(127.0.0.1:1)/x", t.TempDir(), nil)
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("Open error = %v: want a refusal without the password", err)
	}
}

// The embedded database holds citizens' data: the data dir is 0700 and the
// file 0600, also when an older version left them 0755/0644.
func TestEmbeddedDatabaseIsPrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "certgraph.db"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	db, err := Open("", dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]os.FileMode{dir: 0o700, filepath.Join(dir, "certgraph.db"): 0o600, filepath.Join(dir, "certgraph.db-wal"): 0o600} {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := st.Mode().Perm(); got != want {
			t.Errorf("%s: mode %o, want %o", path, got, want)
		}
	}
}

// Statements are logged without their parameters: a failed insert at
// debug level must not show the token hash (nor any personal value).
func TestSQLLogsCarryNoParameters(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	db, err := Open("", t.TempDir(), log)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	secret := "510104199001011234-secret-token-hash"
	a := models.Account{ID: "A1", SystemName: "x", SystemIP: "1.2.3.4", DeptCode: "d", DeptName: "d", Status: models.AccountApproved,
		TokenHash: secret, TokenExpiresAt: time.Now().Add(time.Hour), CreatedAt: time.Now()}
	if err := db.CreateAccount(ctx, &a); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateAccount(ctx, &a); err == nil {
		t.Fatal("a duplicate account was stored")
	}
	if !strings.Contains(buf.String(), "sql error") {
		t.Fatalf("the failed statement was not logged at debug: %s", buf.String())
	}
	if strings.Contains(buf.String(), secret) {
		t.Fatalf("the log carries a statement parameter: %s", buf.String())
	}
}

// A statement that outlives the store's timeout fails, and is recognised as
// the database not answering.
func TestStatementTimeout(t *testing.T) {
	db, err := Open("", t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetTimeout(time.Nanosecond)
	_, err = db.AccountByID(context.Background(), "x")
	if err == nil || !Unavailable(err) {
		t.Fatalf("AccountByID under a 1ns timeout: %v, want an Unavailable error", err)
	}
	err = db.Transaction(context.Background(), func(tx *DB) error { _, err := tx.AccountByID(context.Background(), "x"); return err })
	if err == nil || !Unavailable(err) {
		t.Fatalf("a transaction under a 1ns timeout: %v, want an Unavailable error", err)
	}
	db.SetTimeout(0)
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
}
