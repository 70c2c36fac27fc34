package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"certgraph/internal/browsertest"
	"certgraph/internal/graphiql"
)

// TestGraphiQLFromAPlainBuild builds certgraph with a plain `go build` (no go generate, no
// npm, GOPROXY=off), starts the binary on loopback with the demo data and opens GraphiQL
// in headless Chromium with every non-loopback request blocked. The Docs pane must list the
// schema's types (GraphiQL's own introspection query passes the default limits), the
// editor must start with the example query, and a token typed once into the Headers pane
// must run both of its operations.
func TestGraphiQLFromAPlainBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	b := browsertest.New(t) // skips before the build when Chromium is missing
	bin := buildBinary(t)
	base := startBinary(t, bin)
	tok := analystToken(t, base)

	b.Navigate(base + "/graphiql")
	b.WaitText(".graphiql-query-editor", "query DrivingLicenceStatistics")
	b.Click(`.graphiql-sidebar button[aria-label="Show Documentation Explorer"]`)
	docs := b.WaitText(".graphiql-doc-explorer", "All Schema Types")
	for _, typ := range []string{"Query", "Mutation", "Certificate", "Holder", "Surface", "Statistics", "CertificateFilter"} {
		if !strings.Contains(docs, typ) {
			t.Errorf("Docs pane does not list %s:\n%s", typ, docs)
		}
	}
	b.Screenshot("docs")

	typeHeaders(t, b, `{"Authorization": "Bearer `+tok+`"}`)
	runOperation(t, b, "DrivingLicenceStatistics")
	stats := b.WaitText(".graphiql-response", `"byDepartment"`)
	if !strings.Contains(stats, `"total"`) || strings.Contains(stats, `"total": 0`) || strings.Contains(stats, `"errors"`) {
		t.Errorf("statistics example answered:\n%s", stats)
	}
	runOperation(t, b, "HolderCertificates")
	walk := b.WaitText(".graphiql-response", `"surfaces"`)
	if strings.Contains(walk, `"errors"`) || !strings.Contains(walk, `"name": "姓名"`) {
		t.Errorf("holder walk answered:\n%s", walk)
	}
	b.Screenshot("holder-walk")
	if ext := b.ExternalRequests(); len(ext) != 0 {
		t.Fatalf("GraphiQL reached outside this machine: %v", ext)
	}
	// / redirects to GraphiQL.
	b.Navigate(base + "/")
	b.WaitVisible(".graphiql-query-editor")
}

// buildBinary runs a plain `go build` of this module, as a user without npm or network
// would: the GraphiQL bundles must come from the committed files.
func buildBinary(t testing.TB) string {
	t.Helper()
	if err := graphiql.Check(); err != nil {
		t.Fatal(err)
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	bin := filepath.Join(t.TempDir(), "certgraph")
	cmd := exec.Command(goBin, "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "GOPROXY=off", "GOTOOLCHAIN=local", "GOFLAGS=-mod=readonly")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// startBinary starts bin serving on a loopback port with the demo data and returns its
// base URL; the process is stopped when the test ends.
func startBinary(t *testing.T, bin string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "serve", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir(),
		"--database-url", testDatabaseURL(t), "--demo=true", "--auto-approve", "127.0.0.0/8",
		"--bootstrap-admin-token", testAdminToken, "--log-level", "warn")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("certgraph stderr:\n%s", stderr.String())
		}
	})
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "certgraph listening on "); ok {
				addr <- strings.Fields(rest)[0]
			}
		}
		close(addr)
	}()
	select {
	case a, ok := <-addr:
		if !ok {
			t.Fatalf("certgraph exited before listening:\n%s", stderr.String())
		}
		return "http://" + a
	case <-time.After(3 * time.Minute):
		t.Fatalf("certgraph did not start within 3 minutes:\n%s", stderr.String())
	}
	return ""
}

// analystToken registers a system and gives it the consumer and analyst roles, so it can
// run both example operations.
func analystToken(t *testing.T, base string) string {
	t.Helper()
	post := func(token, query string, vars map[string]any) map[string]any {
		body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
		req, _ := http.NewRequest(http.MethodPost, base+"/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		var out struct {
			Data   map[string]any `json:"data"`
			Errors []any          `json:"errors"`
		}
		if err := json.Unmarshal(raw, &out); err != nil || len(out.Errors) > 0 {
			t.Fatalf("%s: %s", query, raw)
		}
		return out.Data
	}
	reg := post("", `mutation { registerSystem(input: {systemName: "graphiql", systemIp: "127.0.0.1", deptCode: "11510000MB0000001R", deptName: "demo"}) { accountId accessToken } }`, nil)["registerSystem"].(map[string]any)
	post(testAdminToken, `mutation($id: ID!) { setRoles(id: $id, roles: [CONSUMER, ANALYST]) { roles } }`, map[string]any{"id": reg["accountId"]})
	return reg["accessToken"].(string)
}

// typeHeaders replaces the text of the visible Headers editor as typing would (through
// CodeMirror, so GraphiQL sees the change).
func typeHeaders(t *testing.T, b *browsertest.Browser, text string) {
	t.Helper()
	b.WaitVisible(".graphiql-editor-tool .CodeMirror")
	js, _ := json.Marshal(text)
	ok := browsertest.Eval[bool](b, `(() => {
		const cm = document.querySelector('.graphiql-editor-tool .graphiql-editor:not(.hidden) > .CodeMirror');
		if (!cm) return false;
		cm.CodeMirror.setValue(`+string(js)+`);
		return true;
	})()`)
	if !ok {
		t.Fatal("no visible Headers editor")
	}
	b.WaitText(".graphiql-editor-tool", text)
}

// runOperation presses GraphiQL's execute button and picks name from the menu it shows
// when the editor holds several operations.
func runOperation(t *testing.T, b *browsertest.Browser, name string) {
	t.Helper()
	b.Click(".graphiql-execute-button")
	js, _ := json.Marshal(name)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if browsertest.Eval[bool](b, `(() => {
			const item = [...document.querySelectorAll('[role=menuitem]')].find(e => e.textContent.trim() === `+string(js)+`);
			if (!item) return false;
			item.click();
			return true;
		})()`) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s in the execute menu", name)
		}
	}
}
