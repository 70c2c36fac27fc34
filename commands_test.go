package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"certgraph/internal/store"
)

// runCLI runs the binary's run() as a subcommand would, against env.
func runCLI(t *testing.T, env map[string]string, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := run(context.Background(), args, func(k string) string { return env[k] }, &out, &out)
	return out.String(), err
}

func TestCommandsMigrateSeedImportAccounts(t *testing.T) {
	env := map[string]string{"CERTGRAPH_DATA_DIR": t.TempDir(), "CERTGRAPH_DATABASE_URL": testDatabaseURL(t), "CERTGRAPH_LOG_LEVEL": "error"}
	out, err := runCLI(t, env, "migrate")
	if err != nil || !strings.Contains(out, fmt.Sprintf("now at version %d", store.LatestVersion())) {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	if out, _ = runCLI(t, env, "migrate"); !strings.Contains(out, "current") {
		t.Fatalf("second migrate: %s", out)
	}
	out, err = runCLI(t, env, "seed", "--certificates", "120", "--files", "4", "--seed", "7")
	if err != nil || !strings.Contains(out, "120 certificates") || !strings.Contains(out, "issued 4 signed layout files") {
		t.Fatalf("seed: %v\n%s", err, out)
	}
	// The same seed again stores nothing and says why, on stdout; progress
	// is on stderr only.
	var stdout, stderr bytes.Buffer
	err = run(context.Background(), []string{"seed", "--certificates", "120", "--files", "0", "--seed", "7"}, func(k string) string { return env[k] }, &stdout, &stderr)
	if err != nil || !strings.Contains(stdout.String(), "skipped 120 certificates: their identifiers were already stored by an earlier run with --seed 7") ||
		strings.Contains(stdout.String(), "seeding [") || !strings.Contains(stderr.String(), "seeding [") {
		t.Fatalf("seed again: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	out, err = runCLI(t, env, "import", "internal/importer/testdata/example.jsonl")
	if err != nil || !strings.Contains(out, "5 lines: 5 imported") {
		t.Fatalf("import: %v\n%s", err, out)
	}
	if out, err = runCLI(t, env, "import", "internal/importer/testdata/example.jsonl"); err != nil || !strings.Contains(out, "5 unchanged") {
		t.Fatalf("re-import: %v\n%s", err, out)
	}
	bad := filepath.Join(t.TempDir(), "bad.jsonl")
	good, _ := os.ReadFile("internal/importer/testdata/example.jsonl")
	os.WriteFile(bad, append([]byte("{\"certificateType\": 1}\n"), good...), 0o644)
	out, err = runCLI(t, env, "import", bad)
	if err == nil || !strings.Contains(out, "line 1:") || !strings.Contains(out, "1 rejected") {
		t.Fatalf("bad line: %v\n%s", err, out)
	}
	truncated := filepath.Join(t.TempDir(), "truncated.jsonl")
	lines := strings.SplitAfter(string(good), "\n")
	os.WriteFile(truncated, []byte(lines[0]+lines[1][:len(lines[1])/2]+"\n"), 0o644)
	out, err = runCLI(t, env, "import", truncated)
	if err == nil || !strings.Contains(out, "line 2: the line ends after") || !strings.Contains(out, "it looks truncated") {
		t.Fatalf("truncated line: %v\n%s", err, out)
	}
	if out, err = runCLI(t, env, "accounts", "list"); err != nil || !strings.Contains(out, "STATUS") {
		t.Fatalf("accounts: %v\n%s", err, out)
	}
	if _, err = runCLI(t, env, "frobnicate"); err == nil || !strings.Contains(err.Error(), "unknown command") {
		t.Fatalf("unknown command: %v", err)
	}
	if _, err = runCLI(t, env, "serve", "--region", "5x"); err == nil || !strings.Contains(err.Error(), "--region") {
		t.Fatalf("bad flag: %v", err)
	}
}
