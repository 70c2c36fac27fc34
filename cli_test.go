package main

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
)

var (
	binaryOnce sync.Once
	binaryPath string
	binaryErr  error
)

// builtBinary builds the certgraph binary once per test run, for tests
// that need real processes (exit codes, separate listeners, the README).
func builtBinary(t testing.TB) string {
	t.Helper()
	binaryOnce.Do(func() {
		dir, err := os.MkdirTemp("", "certgraph-bin-")
		if err != nil {
			binaryErr = err
			return
		}
		binaryPath = filepath.Join(dir, "certgraph")
		out, err := exec.Command("go", "build", "-o", binaryPath, ".").CombinedOutput()
		if err != nil {
			binaryErr = errors.New("go build: " + err.Error() + "\n" + string(out))
		}
	})
	if binaryErr != nil {
		t.Fatal(binaryErr)
	}
	return binaryPath
}

// cliResult is one run of the binary.
type cliResult struct {
	stdout, stderr string
	code           int
}

func runBinary(t *testing.T, env []string, args ...string) cliResult {
	t.Helper()
	cmd := exec.Command(builtBinary(t), args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, env...)
	cmd.Dir = t.TempDir()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return cliResult{stdout.String(), stderr.String(), code}
}

// TestCLIHelp runs the built binary as a user would: help exits 0 on
// stdout, each command's help lists its own flags only, errors are printed
// once, and no secret from the environment is ever shown.
func TestCLIHelp(t *testing.T) {
	secrets := []string{"CERTGRAPH_BOOTSTRAP_ADMIN_TOKEN=tok-very-secret", "CERTGRAPH_DATABASE_URL=mysql://u:pw-very-secret@db.example:3306/x"}
	noSecret := func(name string, r cliResult) {
		t.Helper()
		if strings.Contains(r.stdout+r.stderr, "very-secret") {
			t.Errorf("%s shows a secret:\n%s%s", name, r.stdout, r.stderr)
		}
	}
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}} {
		r := runBinary(t, secrets, args...)
		if r.code != 0 || r.stderr != "" {
			t.Errorf("%v: exit %d, stderr %q", args, r.code, r.stderr)
		}
		for _, cmd := range []string{"serve", "migrate", "seed", "import", "accounts", "keys", "version", "help"} {
			if !strings.Contains(r.stdout, "\n  "+cmd+" ") {
				t.Errorf("%v does not list %s:\n%s", args, cmd, r.stdout)
			}
		}
		noSecret(strings.Join(args, " "), r)
	}
	cases := []struct {
		args       []string
		has, lacks []string
	}{
		{[]string{"help", "serve"}, []string{"--addr ADDRESS", "--admin-addr", "--max-depth N", "--token-ttl DURATION", "default 720h,", "--log-format FORMAT", "$CERTGRAPH_MAX_DEPTH", "--demo  "}, []string{"--certificates", "string", "\\x00"}},
		{[]string{"serve", "--help"}, []string{"--addr ADDRESS"}, []string{"--certificates"}},
		{[]string{"seed", "--help"}, []string{"--certificates N", "--seed N", "--files N", "--database-url"}, []string{"--addr", "--max-depth"}},
		{[]string{"migrate", "-h"}, []string{"--database-url URL", "--log-level LEVEL"}, []string{"--addr", "--region", "--bootstrap-admin-token"}},
		{[]string{"accounts", "--help"}, []string{"list [pending|approved|revoked]", "approve ACCOUNT_ID", "revoke ACCOUNT_ID", "roles ACCOUNT_ID"}, []string{"--addr"}},
		{[]string{"keys", "--help"}, []string{"rotate-encryption", "--key-dir DIR"}, []string{"--database-url", "--addr"}},
		{[]string{"help", "version"}, []string{"certgraph version"}, []string{"Flags:"}},
	}
	for _, tc := range cases {
		r := runBinary(t, secrets, tc.args...)
		if r.code != 0 || r.stderr != "" {
			t.Errorf("%v: exit %d, stderr %q", tc.args, r.code, r.stderr)
		}
		for _, s := range tc.has {
			if !strings.Contains(r.stdout, s) {
				t.Errorf("%v lacks %q:\n%s", tc.args, s, r.stdout)
			}
		}
		for _, s := range tc.lacks {
			if strings.Contains(r.stdout, s) {
				t.Errorf("%v shows %q:\n%s", tc.args, s, r.stdout)
			}
		}
		noSecret(strings.Join(tc.args, " "), r)
	}

	errs := []struct {
		args []string
		want string
	}{
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"help", "frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"serve", "--max-depth", "deep"}, `--max-depth: "deep" is not a whole number`},
		{[]string{"serve", "--token-ttl", "0s"}, `--token-ttl: "0s" is not a positive duration`},
		{[]string{"serve", "--nope"}, "unknown flag --nope"},
		{[]string{"serve", "--log-level", "loud"}, `--log-level: "loud" is not debug, info, warn or error`},
		{[]string{"serve", "--log-format", "xml"}, `--log-format: "xml" is not text or json`},
		{[]string{"migrate", "--addr", ":1"}, "unknown flag --addr"},
		{[]string{"migrate", "extra"}, "migrate takes no arguments"},
	}
	for _, tc := range errs {
		r := runBinary(t, secrets, tc.args...)
		if r.code != 1 || r.stdout != "" {
			t.Errorf("%v: exit %d, stdout %q", tc.args, r.code, r.stdout)
		}
		if strings.Count(r.stderr, tc.want) != 1 || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("%v: want %q once on one line, stderr:\n%s", tc.args, tc.want, r.stderr)
		}
		noSecret(strings.Join(tc.args, " "), r)
	}
	// An environment value is checked and named like a flag.
	r := runBinary(t, []string{"CERTGRAPH_MAX_DEPTH=deep"}, "serve")
	if r.code != 1 || !strings.Contains(r.stderr, `CERTGRAPH_MAX_DEPTH: "deep" is not a whole number`) {
		t.Errorf("bad environment value: exit %d, %s", r.code, r.stderr)
	}
	for _, v := range []string{"version", "--version"} {
		r = runBinary(t, nil, v)
		if r.code != 0 || !strings.HasPrefix(r.stdout, "certgraph ") || !strings.Contains(r.stdout, "  go        go1.") {
			t.Errorf("%s: exit %d\n%s%s", v, r.code, r.stdout, r.stderr)
		}
	}
}

// TestVersionText: module version, VCS revision (marked when modified) and time.
func TestVersionText(t *testing.T) {
	info := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "certgraph", Version: "v1.4.0"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "9fd906609bbec59ffa6225f77385e8467586c6c5"}, {Key: "vcs.time", Value: "2026-11-28T07:08:29Z"}, {Key: "vcs.modified", Value: "true"},
	}}
	want := "certgraph v1.4.0\n  revision  9fd906609bbec59ffa6225f77385e8467586c6c5 (modified)\n  time      2026-11-28T07:08:29Z\n  go        go1.26.8\n"
	if got := versionText(info); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if got := versionText(nil); !strings.Contains(got, "no build information") {
		t.Errorf("without build info: %q", got)
	}
}

// TestFlagsBetweenArguments: flags may follow a command's arguments.
func TestFlagsBetweenArguments(t *testing.T) {
	env := map[string]string{"CERTGRAPH_DATA_DIR": t.TempDir()}
	fs := flag.NewFlagSet("accounts", flag.ContinueOnError)
	cfg, rest, err := parseConfig(fs, []string{"roles", "A1", "--region", "52", "ADMIN", "--", "--odd"}, func(k string) string { return env[k] })
	if err != nil || cfg.Region != "52" || strings.Join(rest, " ") != "roles A1 ADMIN --odd" {
		t.Fatalf("got %v %v %v", cfg, rest, err)
	}
}
