package store

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestOnlyStoreSpeaksSQL fails when a Go file outside internal/store
// imports GORM, database/sql or a database driver, or when a non-test file
// there reaches for the raw handle (DB.Gorm). Allowed: internal/store itself
// and its storetest helpers (which may import GORM), and _test.go files
// calling DB.Gorm() to read back rows the code under test wrote. models may
// import database/sql/driver: its Date type maps itself to a column. bench/
// is exempt: its baseline handlers are bare database/sql by design, the
// yardstick certgraph is measured against, not part of the server.
func TestOnlyStoreSpeaksSQL(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not found from %s: %v", root, err)
	}
	forbidden := func(path string) bool {
		return strings.HasPrefix(path, "gorm.io/") || path == "database/sql" ||
			path == "github.com/glebarez/sqlite" || path == "github.com/go-sql-driver/mysql"
	}
	checked := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel == "internal/store" || rel == "bench" || strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules" || d.Name() == "testdata" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		isTest := strings.HasSuffix(path, "_test.go")
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, src, parser.ImportsOnly)
		if err != nil {
			return err
		}
		checked++
		for _, imp := range f.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); forbidden(p) {
				t.Errorf("%s imports %s: only internal/store speaks to the database", rel, p)
			}
		}
		if !isTest && strings.Contains(string(src), ".Gorm()") {
			t.Errorf("%s uses DB.Gorm(): call a named store operation instead", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 50 {
		t.Fatalf("checked only %d files: the walk missed the tree", checked)
	}
}
