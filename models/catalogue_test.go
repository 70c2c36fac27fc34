package models

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// catalogueCalls are the functions whose format argument is a catalogue
// key: the package-qualified name (or the bare name inside its package)
// and the index of the format argument.
var catalogueCalls = map[string]int{
	"models.Errorf": 1, "models.Invalid": 1, "models.Say": 0, "models.RateLimited": 1,
	"Errorf": 1, "Invalid": 1, "Say": 0, "RateLimited": 1, // inside models
	"newError": 1, // internal/ident
}

// catalogueFormats finds every catalogue format used by the repository's
// non-test Go code (generated code aside), with where it is used.
func catalogueFormats(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	fset := token.NewFileSet()
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case "graph", "node_modules", ".git", "testdata", "graphiql":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		inModels := f.Name.Name == "models"
		inIdent := f.Name.Name == "ident"
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			var name string
			switch fn := call.Fun.(type) {
			case *ast.SelectorExpr:
				if x, ok := fn.X.(*ast.Ident); ok && x.Name == "models" {
					name = "models." + fn.Sel.Name
				}
			case *ast.Ident:
				if (inModels && fn.Name != "newError") || (inIdent && fn.Name == "newError") {
					name = fn.Name
				}
			}
			i, ok := catalogueCalls[name]
			if !ok || len(call.Args) <= i {
				return true
			}
			where := fset.Position(call.Pos()).String()
			lit, ok := call.Args[i].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				t.Errorf("%s: %s's format is not a string literal, so the catalogue test cannot check it", where, name)
				return true
			}
			s, _ := strconv.Unquote(lit.Value)
			out[s] = where
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

var verb = regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d+)?[a-zA-Z%]`)

// TestCatalogueComplete fails when a message the code can produce has no
// Chinese text, or a Chinese text's verbs do not fit its English format's
// arguments. Adding an error code or message: add its entry to
// models/catalogue_zh.go.
func TestCatalogueComplete(t *testing.T) {
	used := catalogueFormats(t)
	if len(used) < 50 {
		t.Fatalf("found only %d catalogue formats: the scan is broken", len(used))
	}
	for f, where := range used {
		if _, ok := catalogueZH[f]; !ok {
			t.Errorf("%s: no Chinese text for %q in models/catalogue_zh.go", where, f)
		}
	}
	for f, zh := range catalogueZH {
		if _, ok := used[f]; !ok && !staticEntries[f] {
			t.Errorf("catalogue entry %q is used nowhere", f)
		}
		// Dummy arguments typed as the Chinese verbs want them, enough for
		// the English format's verbs and either format's explicit indexes.
		args := make([]any, 0)
		put := func(i int, v any) {
			for len(args) <= i {
				args = append(args, "x")
			}
			args[i] = v
		}
		for _, text := range []string{f, zh} {
			next := 0
			for _, m := range verb.FindAllStringSubmatch(text, -1) {
				if m[0] == "%%" {
					continue
				}
				i := next
				if m[1] != "" {
					i, _ = strconv.Atoi(strings.Trim(m[1], "[]"))
					i--
				}
				next = i + 1
				var v any = "x"
				switch m[0][len(m[0])-1] {
				case 'd':
					v = 7
				case 'c':
					v = 'X'
				}
				if text == zh || i >= len(args) {
					put(i, v)
				}
			}
		}
		if got := fmt.Sprintf(zh, args...); strings.Contains(got, "%!") && strings.Contains(zh, "%") {
			t.Errorf("Chinese text %q does not fit the arguments of %q: %s", zh, f, got)
		}
		if regexp.MustCompile(`\b(the|is|not|of|and|a|an|was|does)\b`).MatchString(regexp.MustCompile(`%[^a-z]*[a-z]`).ReplaceAllString(zh, "")) {
			t.Errorf("Chinese text %q has English words", zh)
		}
	}
}

// TestCodeTitles fails when an error code has no title in both languages.
func TestCodeTitles(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "errors.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			for _, id := range s.(*ast.ValueSpec).Names {
				if !strings.HasPrefix(id.Name, "E") {
					continue
				}
				n++
				if _, ok := codeTitles[id.Name]; !ok {
					t.Errorf("error code %s has no title in codeTitles (models/catalogue_zh.go)", id.Name)
				}
			}
		}
	}
	if n < 7 {
		t.Fatalf("found %d error codes: the scan is broken", n)
	}
}
