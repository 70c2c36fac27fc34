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
		"root:pw@tcp(db:3306)/x":             "root:***@tcp(db:3306)/x",
		"mysql://u:p/w@d@db.example:3306/x":  "mysql://u:***@db.example:3306/x",
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
	// host:port forms, as other tools write them.
	for in, want := range map[string]string{
		"mysql://u:p@db.example:3306/x":       "u:p@tcp(db.example:3306)/x?",
		"mysql://u:p@db.example/x":            "u:p@tcp(db.example:3306)/x?",
		"mysql://u:p@[::1]:3307/x?timeout=5s": "u:p@tcp([::1]:3307)/x?",
		"mysql://u:p@w@d@10.0.0.5:3306/x":     "u:p@w@d@tcp(10.0.0.5:3306)/x?",
		"mysql://u@unix(/run/mysqld.sock)/x":  "u@unix(/run/mysqld.sock)/x?",
		"mysql://root@tcp(127.0.0.1:3306)/x":  "root@tcp(127.0.0.1:3306)/x?",
	} {
		got, err := MySQLDSN(in)
		if err != nil || !strings.HasPrefix(got, want) {
			t.Errorf("MySQLDSN(%q) = %q, %v; want prefix %q", in, got, err, want)
		}
	}
	for _, in := range []string{"mysql://u:secretpw@db.example:99999/x", "mysql://u:secretpw@db.example:3306/", "mysql://u:secretpw@db example:3306/x"} {
		_, err := MySQLDSN(in)
		if err == nil || strings.Contains(err.Error(), "secretpw") {
			t.Errorf("MySQLDSN(%q): %v (want an error without the password)", in, err)
		}
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
