// Command gen refreshes GraphiQL's committed browser bundles from npm, or verifies the
// committed ones without npm.
//
// `go generate ./internal/graphiql` runs it to refresh: `npm ci --ignore-scripts` at the
// repository root (package.json and package-lock.json pin the versions, and npm checks each
// package against the lock file's sha512; node_modules/ is git-ignored), then every file is
// checked against the version and SHA-256 digest pinned in graphiql.Bundles and the contents
// of assets/ (all but README.md) are replaced with them. Commit the result.
//
// `go run ./internal/graphiql/gen -verify` (CI) reads only the repository: package-lock.json
// must pin the versions and MIT licence of graphiql.Bundles, and assets/ must hold exactly
// the pinned files with their pinned digests.
package main

import (
	"bytes"
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
	verifyOnly := flag.Bool("verify", false, "check the committed assets/ and package-lock.json against the pins; no npm, writes nothing")
	flag.Parse()
	run := refresh
	if *verifyOnly {
		run = func(bool) error { return verify() }
	}
	if err := run(*install); err != nil {
		fmt.Fprintln(os.Stderr, "graphiql/gen:", err)
		os.Exit(1)
	}
}

func refresh(install bool) error {
	root, err := repoRoot()
	if err != nil {
		return err
	}
	if err := checkLock(root); err != nil {
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

// verify checks the committed bundles and the lock file against graphiql.Bundles.
func verify() error {
	root, err := repoRoot()
	if err != nil {
		return err
	}
	if err := checkLock(root); err != nil {
		return err
	}
	assets := filepath.Join(root, "internal", "graphiql", "assets")
	want := map[string]bool{"README.md": true}
	var problems []error
	for _, b := range graphiql.Bundles {
		want[b.AssetPath] = true
		data, err := os.ReadFile(filepath.Join(assets, filepath.FromSlash(b.AssetPath)))
		if err != nil {
			problems = append(problems, fmt.Errorf("%s: %w", b.AssetPath, err))
			continue
		}
		if got := graphiql.Digest(data); got != b.Integrity {
			problems = append(problems, fmt.Errorf("%s has digest %s, pinned %s", b.AssetPath, got, b.Integrity))
		}
	}
	err = filepath.WalkDir(assets, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(assets, p)
		if err != nil {
			return err
		}
		if !want[filepath.ToSlash(rel)] {
			problems = append(problems, fmt.Errorf("%s is not a pinned bundle (remove it, or add it to graphiql.Bundles)", filepath.ToSlash(rel)))
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(problems) > 0 {
		return fmt.Errorf("committed GraphiQL bundles do not match their pins (run `%s` and commit):\n%w", graphiql.GenerateCommand, errors.Join(problems...))
	}
	fmt.Fprintf(os.Stderr, "graphiql/gen: %d committed files match their pins and package-lock.json\n", len(graphiql.Bundles))
	return nil
}

// checkLock makes sure package-lock.json installs exactly the versions graphiql.Bundles
// pins, under the MIT licence the bundles are redistributed under.
func checkLock(root string) error {
	raw, err := os.ReadFile(filepath.Join(root, "package-lock.json"))
	if err != nil {
		return err
	}
	var lock struct {
		Packages map[string]struct {
			Version   string `json:"version"`
			Integrity string `json:"integrity"`
			License   string `json:"license"`
		} `json:"packages"`
	}
	if err := json.Unmarshal(raw, &lock); err != nil {
		return fmt.Errorf("package-lock.json: %w", err)
	}
	for _, b := range graphiql.Bundles {
		name, version, err := splitPackage(b.Package)
		if err != nil {
			return err
		}
		p, ok := lock.Packages["node_modules/"+name]
		switch {
		case !ok:
			return fmt.Errorf("package-lock.json does not lock %s (needed for %s)", name, b.AssetPath)
		case p.Version != version:
			return fmt.Errorf("package-lock.json locks %s@%s, graphiql.Bundles pins %s", name, p.Version, b.Package)
		case !strings.HasPrefix(p.Integrity, "sha512-"):
			return fmt.Errorf("package-lock.json has no sha512 checksum for %s", name)
		case p.License != "MIT":
			return fmt.Errorf("package-lock.json says %s is licensed %q; the bundles are redistributed as MIT", name, p.License)
		}
	}
	return nil
}

// splitPackage splits "name@version" (a scope's leading @ kept in the name).
func splitPackage(pkg string) (name, version string, err error) {
	if pkg == "" {
		return "", "", errors.New("empty package")
	}
	n, v, ok := strings.Cut(pkg[1:], "@")
	if !ok {
		return "", "", fmt.Errorf("package %q is not name@version", pkg)
	}
	return pkg[:1] + n, v, nil
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
	name, version, err := splitPackage(b.Package)
	if err != nil {
		return nil, fmt.Errorf("bundle %s: %w", b.AssetPath, err)
	}
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
	if got := graphiql.Digest(data); got != b.Integrity {
		return nil, fmt.Errorf("bundle %s: %s has digest %s, pinned %s", b.AssetPath, src, got, b.Integrity)
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
