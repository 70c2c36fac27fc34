package store

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"
)

// TestRowWriter writes rows holding every character a literal or a loaded
// field must escape through small statements (split by rows and, on MySQL,
// by bytes) and reads them back: on SQLite, on MySQL (loaded, and as
// INSERT), and on MySQL with NO_BACKSLASH_ESCAPES (INSERT).
func TestRowWriter(t *testing.T) {
	t.Run("SQLite", func(t *testing.T) {
		db, err := Open("", t.TempDir(), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		checkRowWriter(t, db, "")
	})
	u := os.Getenv("CERTGRAPH_TEST_DATABASE_URL")
	if u == "" {
		t.Skip("CERTGRAPH_TEST_DATABASE_URL not set: no MySQL/MariaDB test")
	}
	db, err := Open(u, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	t.Run("MySQL", func(t *testing.T) { checkRowWriter(t, db, "") })
	t.Run("MySQLInsert", func(t *testing.T) { checkRowWriter(t, db, "insert") })
	t.Run("MySQLNoBackslashEscapes", func(t *testing.T) { checkRowWriter(t, db, "NO_BACKSLASH_ESCAPES") })
}

func checkRowWriter(t *testing.T, db *DB, mode string) {
	ctx := context.Background()
	tricky := []string{"", "plain", "a'b''c", `back\slash\`, "\\'; DROP TABLE x; -- \"", "nul\x00byte", "line\nfeed\r\n", "tab\there\t",
		"sub\x1a", "%_?", "𠈌字", "?,?),(?", "NULL", `\N`, "\\"}
	at := time.Date(2024, 2, 29, 23, 59, 58, 123_000_000, time.UTC)
	err := db.bulk(ctx).Transaction(func(tx *gorm.DB) error {
		if mode == "NO_BACKSLASH_ESCAPES" {
			if err := tx.Exec("SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',', ?)", mode).Error; err != nil {
				return err
			}
			defer tx.Exec("SET SESSION sql_mode = REPLACE(@@SESSION.sql_mode, ?, '')", mode)
		}
		ts := "DATETIME"
		if db.dialect == MySQL {
			ts = "DATETIME(3)"
		}
		if err := tx.Exec("CREATE TEMPORARY TABLE row_writer_test (i BIGINT PRIMARY KEY, s VARCHAR(100), n VARCHAR(10), t " + ts + ")").Error; err != nil {
			return err
		}
		defer tx.Exec("DROP TEMPORARY TABLE row_writer_test")
		var lit *literals
		if db.dialect == MySQL {
			var err error
			if lit, err = newLiterals(tx, db.driverLoc()); err != nil {
				return err
			}
			if lit.backslash == (mode == "NO_BACKSLASH_ESCAPES") || lit.load == (mode == "NO_BACKSLASH_ESCAPES") {
				return fmt.Errorf("sql_mode %q read as backslash=%v, load=%v", mode, lit.backslash, lit.load)
			}
			if mode == "insert" {
				lit.load = false
			}
			lit.bytes = 160 // one to three rows a statement
		}
		w := newRowWriter(tx, lit, "row_writer_test", "i, s, n, t", "", 4)
		if want := map[string]rowForm{"": loaded, "insert": literal, "NO_BACKSLASH_ESCAPES": literal}[mode]; db.dialect == MySQL && w.form != want {
			return fmt.Errorf("form %d, want %d", w.form, want)
		}
		for i, s := range tricky {
			w.begin()
			w.int(int64(i))
			w.str(s)
			w.null()
			w.time(at.Add(time.Duration(i) * time.Second))
			if err := w.end(); err != nil {
				return err
			}
		}
		if err := w.flush(); err != nil {
			return err
		}
		// A duplicate key and (MySQL) a value too long fail the statement,
		// loaded or not. (A loaded row that fails stays until the
		// transaction is rolled back, as every failed batch is.)
		bad := [][2]any{{int64(1), "again"}}
		if db.dialect == MySQL {
			bad = append(bad, [2]any{int64(100), strings.Repeat("x", 101)})
		}
		for _, r := range bad {
			w := newRowWriter(tx, lit, "row_writer_test", "i, s, n, t", "", 4)
			w.begin()
			w.int(r[0].(int64))
			w.str(r[1].(string))
			w.null()
			w.time(at)
			if err := w.end(); err != nil {
				return err
			}
			if err := w.flush(); err == nil {
				t.Errorf("row %v stored without an error", r[0])
			} else {
				t.Logf("row %v: %v", r[0], err)
			}
		}
		rows, err := tx.Raw("SELECT i, s, n, t FROM row_writer_test WHERE i < 100 ORDER BY i").Rows()
		if err != nil {
			return err
		}
		defer rows.Close()
		n := 0
		for rows.Next() {
			var i int
			var s string
			var null *string
			var got time.Time
			if err := rows.Scan(&i, &s, &null, &got); err != nil {
				return err
			}
			if want := at.Add(time.Duration(i) * time.Second); s != tricky[i] || null != nil || !got.Equal(want) {
				t.Errorf("row %d: %q %v %v, want %q NULL %v", i, s, null, got, tricky[i], want)
			}
			n++
		}
		if n != len(tricky) {
			t.Errorf("%d rows read back, want %d", n, len(tricky))
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
}
