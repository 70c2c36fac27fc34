package store

import (
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"mysql://root:s3cr@t@tcp(db:3306)/x": "mysql://root:***@tcp(db:3306)/x",
		"mysql://root@tcp(db:3306)/x":        "mysql://root@tcp(db:3306)/x",
		"postgres://x":                       "postgres://x",
	} {
		if got := redact(in); got != want {
			t.Errorf("redact(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMySQLDSN(t *testing.T) {
	dsn, err := MySQLDSN("mysql://u:p@tcp(h:3306)/db?timeout=5s")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"u:p@tcp(h:3306)/db?", "charset=utf8mb4", "parseTime=true", "loc=UTC", "timeout=5s", "interpolateParams=true", "readTimeout=60s", "writeTimeout=30s"} {
		if !contains(dsn, want) {
			t.Errorf("DSN %q lacks %q", dsn, want)
		}
	}
	if _, err := MySQLDSN("mysql://u@tcp(h)"); err == nil {
		t.Error("a URL without a database was accepted")
	}
	// Client-side interpolation is unsafe with charsets whose multi-byte
	// characters can end in a backslash byte.
	if _, err := MySQLDSN("mysql://u@tcp(h)/db?charset=gbk"); err == nil {
		t.Error("a gbk URL was accepted")
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
