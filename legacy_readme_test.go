package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestLegacyReadmeExamples runs the shell block of legacy/README.md's
// "Examples" top to bottom against the built binary serving the demo data,
// and checks every answer's status (not its texts, which may be reworded):
// a broken or out-of-order example fails here.
func TestLegacyReadmeExamples(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "sed", "iconv", "base64"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs %s on PATH (.ci/run installs it)", tool)
		}
	}
	readme, err := os.ReadFile("legacy/README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, examples, ok := strings.Cut(string(readme), "\n## Examples\n")
	if !ok {
		t.Fatal(`legacy/README.md has no "## Examples" section`)
	}
	_, block, ok := strings.Cut(examples, "```sh\n")
	block, _, ok2 := strings.Cut(block, "\n```")
	if !ok || !ok2 {
		t.Fatal("no ```sh block under Examples")
	}

	addr := freeAddr(t)
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "CERTGRAPH_DATA_DIR=" + t.TempDir(),
		"CERTGRAPH_DATABASE_URL=" + testDatabaseURL(t), "CERTGRAPH_DEMO=true", "CERTGRAPH_AUTO_APPROVE=127.0.0.0/8,::1/128", "CERTGRAPH_LOG_LEVEL=warn"}
	serveBinary(t, env, addr)

	dir := t.TempDir()
	// Every answer on its own line; an HTTP error fails the script.
	script := "curl() { command curl --fail-with-body -w '\\n' \"$@\"; }\n" + block
	cmd := exec.Command("bash", "-euo", "pipefail", "-c", script)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "H=http://" + addr}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("the README's examples fail: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}

	var answers, registrations, ifResults, verifyResults, fileResults int
	for _, line := range strings.Split(stdout.String(), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var a struct {
			Head *struct {
				Status string `json:"status"`
			} `json:"head"`
			AccountID    string  `json:"accountId"`
			IfResult     *string `json:"ifResult"`
			VerifyResult *string `json:"VerifyResult"`
			Data         *struct {
				Result *string `json:"result"`
			} `json:"data"`
		}
		if err := json.Unmarshal([]byte(line), &a); err != nil {
			t.Errorf("an answer is not JSON: %v\n%s", err, line)
			continue
		}
		answers++
		switch {
		case a.Head != nil && a.Head.Status != "0":
			t.Errorf("head.status %q: %s", a.Head.Status, line)
		case a.IfResult != nil && *a.IfResult != "0":
			t.Errorf("ifResult %q: %s", *a.IfResult, line)
		case a.VerifyResult != nil && *a.VerifyResult != "true":
			t.Errorf("VerifyResult %q: %s", *a.VerifyResult, line)
		case a.Data != nil && a.Data.Result != nil && *a.Data.Result != "1":
			t.Errorf("data.result %q: %s", *a.Data.Result, line)
		}
		if a.AccountID != "" {
			registrations++
		}
		if a.IfResult != nil {
			ifResults++
		}
		if a.VerifyResult != nil {
			verifyResults++
		}
		if a.Data != nil && a.Data.Result != nil {
			fileResults++
		}
	}
	// 6.6, 6.2, 6.4.1, 6.4.2, 6.4.3, 6.3.1, 6.3.2, 6.3.3, 6.5.1, 6.5.2, 6.5.3
	if answers != 11 || registrations != 1 || ifResults != 2 || verifyResults != 2 || fileResults != 1 {
		t.Errorf("answers %d (want 11): registrations %d, ifResult %d, VerifyResult %d, file results %d\n%s",
			answers, registrations, ifResults, verifyResults, fileResults, stdout.String())
	}
	if png, _ := os.ReadFile(filepath.Join(dir, "code.png")); !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Errorf("code.png is not a PNG: %.80q", png)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "cert.*"))
	if len(files) != 1 {
		t.Fatalf("6.3.2 left %v, want one cert.pdf or cert.ofd", files)
	}
	if f, _ := os.ReadFile(files[0]); !bytes.HasPrefix(f, []byte("%PDF")) && !bytes.HasPrefix(f, []byte("PK")) {
		t.Errorf("%s is not a PDF or OFD: %.40q", files[0], f)
	}
}
