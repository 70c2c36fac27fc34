// Command gen installs GraphiQL's browser bundles from npm and copies exactly the files the
// page needs into internal/graphiql/assets/, where they are embedded into the binary.
//
// It is run by `go generate ./internal/graphiql`. It runs `npm ci --ignore-scripts` at the
// repository root (package.json and package-lock.json pin the versions; node_modules/ is
// git-ignored), checks every bundle against the version and SHA-256 digest pinned in
// graphiql.Bundles, then replaces the contents of assets/ (all but README.md) with them.
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"certgraph/internal/graphiql"
)

func main() {
	install := flag.Bool("install", true, "run `npm ci` first; with -install=false the existing node_modules/ is used")
	flag.Parse()
	if err := run(*install); err != nil {
		fmt.Fprintln(os.Stderr, "graphiql/gen:", err)
		os.Exit(1)
	}
}

func run(install bool) error {
	root, err := repoRoot()
	if err != nil {
		return err
	}
	if install {
		if _, err := exec.LookPath("npm"); err != nil {
			return fmt.Errorf("npm is not installed (needed to fetch graphiql, react and react-dom; on Debian: apt-get install npm): %w", err)
		}
		cmd := exec.Command("npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund")
		cmd.Dir = root
		cmd.Stdout = os.Stderr // keep go generate's stdout clean; npm's chatter is diagnostics
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("npm ci in %s: %w", root, err)
		}
	}
	assets := filepath.Join(root, "internal", "graphiql", "assets")
	files := make(map[string][]byte, len(graphiql.Bundles))
	for _, b := range graphiql.Bundles {
		data, err := readBundle(root, b)
		if err != nil {
			return err
		}
		files[b.AssetPath] = data
	}
	if err := clearAssets(assets); err != nil {
		return err
	}
	for _, b := range graphiql.Bundles {
		dst := filepath.Join(assets, filepath.FromSlash(b.AssetPath))
		if err := writeFile(dst, files[b.AssetPath]); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "graphiql/gen: wrote %d files to %s\n", len(graphiql.Bundles), assets)
	return nil
}

// repoRoot walks up from the working directory (go generate runs in the package directory)
// to the directory holding go.mod and package.json.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := dir; ; {
		if fileExists(filepath.Join(d, "go.mod")) {
			if !fileExists(filepath.Join(d, "package.json")) {
				return "", fmt.Errorf("module root %s has no package.json (it pins graphiql, react and react-dom)", d)
			}
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("no go.mod found above %s", dir)
		}
		d = parent
	}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// readBundle reads one bundle from node_modules and refuses it unless the installed package
// has the pinned version and the file has the pinned digest.
func readBundle(root string, b graphiql.Bundle) ([]byte, error) {
	name, version, ok := strings.Cut(b.Package[1:], "@") // [1:] keeps a scope's leading @
	if !ok {
		return nil, fmt.Errorf("bundle %s: package %q is not name@version", b.AssetPath, b.Package)
	}
	name = b.Package[:1] + name
	pkgJSON := filepath.Join(root, "node_modules", filepath.FromSlash(name), "package.json")
	raw, err := os.ReadFile(pkgJSON)
	if err != nil {
		return nil, fmt.Errorf("bundle %s: %w (did npm ci run?)", b.AssetPath, err)
	}
	var meta struct {
		Version string `json:"version"`
	}
	if err := json.Unmarshal(raw, &meta); err != nil {
		return nil, fmt.Errorf("bundle %s: parse %s: %w", b.AssetPath, pkgJSON, err)
	}
	if meta.Version != version {
		return nil, fmt.Errorf("bundle %s: node_modules has %s@%s, want %s (package.json, package-lock.json and graphiql.Bundles must agree)", b.AssetPath, name, meta.Version, b.Package)
	}
	src := filepath.Join(root, "node_modules", filepath.FromSlash(b.NPMPath))
	data, err := os.ReadFile(src)
	if err != nil {
		return nil, fmt.Errorf("bundle %s: %w", b.AssetPath, err)
	}
	if b.Integrity != "" {
		sum := sha256.Sum256(data)
		if got := "sha256-" + base64.StdEncoding.EncodeToString(sum[:]); got != b.Integrity {
			return nil, fmt.Errorf("bundle %s: %s has digest %s, pinned %s", b.AssetPath, src, got, b.Integrity)
		}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("bundle %s: %s is empty", b.AssetPath, src)
	}
	return data, nil
}

// clearAssets removes everything in assets/ except the committed README.md, so the directory
// holds exactly the current bundles and nothing a previous version left behind.
func clearAssets(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("assets directory: %w", err)
	}
	for _, e := range entries {
		if e.Name() == "README.md" {
			continue
		}
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

func writeFile(dst string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	tmp := dst + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, dst); err != nil {
		return errors.Join(err, os.Remove(tmp))
	}
	return nil
}
