package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"certgraph/internal/bombs"
)

// These tests send hostile layout files ("bombs") through file
// verification, the REST endpoint and the GraphQL field, full size: before
// the parsers had budgets, the nested-array PDF killed the process with a
// stack overflow and the zip bombs took it past a gigabyte of memory.

// nestedCMSPDF is a signed-looking PDF whose signature value is depth
// nested indefinite-length BER sequences.
func nestedCMSPDF(depth int) []byte {
	hex := strings.Repeat("3080", depth) + strings.Repeat("0000", depth)
	head := "%PDF-1.7\n1 0 obj\n<< /Type /Sig /ByteRange [0 AAAAAAAAAA BBBBBBBBBB CCCCCCCCCC] /Contents "
	tail := " >>\nendobj\ntrailer\n<< /Size 2 >>\n%%EOF\n"
	a := len(head) + len("<") - 1
	b := a + 2 + len(hex)
	c := len(head) + len(hex) + 2 + len(tail)
	fix := func(s string) string {
		s = strings.Replace(s, "AAAAAAAAAA", fmt.Sprintf("%010d", a), 1)
		s = strings.Replace(s, "BBBBBBBBBB", fmt.Sprintf("%010d", b), 1)
		return strings.Replace(s, "CCCCCCCCCC", fmt.Sprintf("%010d", c-b), 1)
	}
	return []byte(fix(head) + "<" + hex + ">" + tail)
}

// zipBombOFD is an OFD package whose one signature protects n files of
// size zero bytes each, so that verification inflates every one of them.
// One compressed copy serves every entry: building it costs milliseconds.
func zipBombOFD(t testing.TB, n int, size int64) []byte { return zipBombOFDRefs(t, n, size, 1) }

// zipBombOFDRefs is zipBombOFD with every file protected refs times over.
func zipBombOFDRefs(t testing.TB, n int, size int64, refs int) []byte {
	t.Helper()
	b, err := bombs.ZipOFD(n, size, refs)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// xmlBombOFD is an OFD package whose OFD.xml is xml.
func xmlBombOFD(t testing.TB, xml string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("OFD.xml")
	io.WriteString(w, xml)
	zw.Close()
	return buf.Bytes()
}

// fileBomb is one hostile file and the budget its refusal must name.
type fileBomb struct {
	name, format string // format as GraphQL spells it: PDF or OFD
	data         []byte
	budget       string
}

func fileBombs(t testing.TB) []fileBomb {
	laughs := `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">` +
		`<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">` +
		`<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">]><ofd:OFD>&lol2;</ofd:OFD>`
	bombs := []fileBomb{
		{"nested arrays 5.2 MB", "PDF", bombs.NestedArrayPDF(2_600_000), "MaxDepth"},
		{"nested CMS 1 MB", "PDF", nestedCMSPDF(125_000), "MaxDepth"},
		{"zip bomb 784 KB", "OFD", zipBombOFD(t, 20, 30<<20), "MaxTotalSize"},
		{"zip bomb 5 MB", "OFD", zipBombOFD(t, 130, 30<<20), "MaxTotalSize"},
		{"one large entry", "OFD", zipBombOFD(t, 1, 1<<30), "MaxEntrySize"},
		{"two entries protected 100 times", "OFD", zipBombOFDRefs(t, 2, 30<<20, 100), "MaxTotalSize"},
		{"billion laughs", "OFD", xmlBombOFD(t, laughs), "document type declaration"},
		{"deep XML 4 MB", "OFD", xmlBombOFD(t, strings.Repeat("<a>", 1_300_000)), "MaxXMLDepth"},
	}
	for _, b := range bombs {
		if len(b.data) > 5<<20 {
			t.Fatalf("%s is %d bytes, above the 5 MiB upload limit", b.name, len(b.data))
		}
	}
	return bombs
}

const verifyByFileQuery = `query($f: FileFormat!, $e: String!) { verifyByFile(format: $f, fileEntity: $e) { result detail } }`

// legacyBudget is how a legacy (Chinese) answer names the budget: the
// Limits field, or DTD for a document type declaration.
func (b fileBomb) legacyBudget() string {
	if b.budget == "document type declaration" {
		return "DTD"
	}
	return b.budget
}

// TestFileBombsAreRefused sends every bomb through GraphQL verifyByFile and
// /api/cert/verify/by-file and expects a refusal that names the budget.
func TestFileBombsAreRefused(t *testing.T) {
	e := newTestEnv(t, nil)
	id, token := e.withRoles("CONSUMER")
	for _, b := range fileBombs(t) {
		t.Run(b.name, func(t *testing.T) {
			entity := base64.StdEncoding.EncodeToString(b.data)
			r := e.gql(token, verifyByFileQuery, map[string]any{"f": b.format, "e": entity})
			if len(r.Errors) == 0 || r.code() != "BAD_USER_INPUT" || !strings.Contains(r.Errors[0].Message, b.budget) {
				t.Fatalf("GraphQL: want BAD_USER_INPUT naming %s, got %d %.600s", b.budget, r.Status, r.Raw)
			}
			if !strings.Contains(r.Errors[0].Message, "refused") {
				t.Errorf("GraphQL message does not say the file was refused: %s", r.Errors[0].Message)
			}
			l := e.legacyJSON("/api/cert/verify/by-file", map[string]any{"data": map[string]any{"fileFormat": strings.ToLower(b.format), "fileEntity": entity}},
				"X-Account-Id", id, "X-Access-Token", token)
			status, msg := l.outcome()
			if status == "0" || !strings.Contains(msg, b.legacyBudget()) {
				t.Fatalf("legacy: want a failure naming %s, got %q %q (%d %.400s)", b.legacyBudget(), status, msg, l.Status, l.Raw)
			}
		})
	}
}

// TestFileBombsProcessBudget runs the built binary as its own process, sends
// every bomb through both interfaces and watches the process: it must stay
// alive, below 512 MiB of resident memory (peak, VmHWM) and below 2 s of
// CPU per request.
func TestFileBombsProcessBudget(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("needs /proc (Linux)")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "certgraph")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(),
		"CERTGRAPH_ADDR="+addr,
		"CERTGRAPH_DATA_DIR="+filepath.Join(dir, "data"),
		"CERTGRAPH_DATABASE_URL="+testDatabaseURL(t),
		"CERTGRAPH_BOOTSTRAP_ADMIN_TOKEN="+testAdminToken,
		"CERTGRAPH_DEMO=false",
		"CERTGRAPH_LOG_LEVEL=error",
	)
	stderr := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = io.Discard, stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	base := "http://" + addr
	for i := 0; ; i++ {
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			break
		}
		if i == 300 {
			t.Fatalf("server did not start: %s", stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	e := &testEnv{t: t, url: base}
	id, token := e.withRoles("CONSUMER")
	pid := cmd.Process.Pid
	client := &http.Client{Timeout: 60 * time.Second}
	post := func(path string, body any, headers ...string) (int, string, error) {
		raw, _ := json.Marshal(body)
		req, _ := http.NewRequest(http.MethodPost, base+path, bytes.NewReader(raw))
		req.Header.Set("Content-Type", "application/json")
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(io.LimitReader(resp.Body, 2000))
		return resp.StatusCode, string(out), nil
	}
	for _, b := range fileBombs(t) {
		entity := base64.StdEncoding.EncodeToString(b.data)
		for _, via := range []string{"graphql", "legacy"} {
			cpu0 := processCPU(t, pid)
			var status int
			var answer string
			if via == "graphql" {
				status, answer, err = post("/graphql", map[string]any{"query": verifyByFileQuery, "variables": map[string]any{"f": b.format, "e": entity}},
					"Authorization", "Bearer "+token)
			} else {
				status, answer, err = post("/api/cert/verify/by-file", map[string]any{"data": map[string]any{"fileFormat": strings.ToLower(b.format), "fileEntity": entity}},
					"X-Account-Id", id, "X-Access-Token", token)
			}
			wait := time.After(0)
			if err != nil {
				wait = time.After(2 * time.Second) // a dying process closes its connections first
			}
			select {
			case werr := <-exited:
				exited <- werr
				t.Fatalf("%s via %s: the server died (%v): %.2000s", b.name, via, werr, lastLines(stderr.String(), 20))
			case <-wait:
			}
			if err != nil {
				t.Fatalf("%s via %s: %v", b.name, via, err)
			}
			cpu := processCPU(t, pid) - cpu0
			hwm := processPeakRSS(t, pid)
			t.Logf("%s via %s: HTTP %d, %.2f s CPU, peak RSS %d MiB", b.name, via, status, cpu.Seconds(), hwm>>20)
			want := b.budget
			if via == "legacy" {
				want = b.legacyBudget()
			}
			if !strings.Contains(answer, want) {
				t.Errorf("%s via %s: the answer does not name %s: %.300s", b.name, via, want, answer)
			}
			if cpu > 2*time.Second {
				t.Errorf("%s via %s: the request took %v of CPU, above 2 s", b.name, via, cpu)
			}
			if hwm > 512<<20 {
				t.Fatalf("%s via %s: peak RSS %d MiB, above 512 MiB", b.name, via, hwm>>20)
			}
		}
	}
}

// processCPU is the user plus system CPU time of process pid, from /proc/<pid>/stat.
func processCPU(t *testing.T, pid int) time.Duration {
	t.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	// Fields after the parenthesised command name; utime and stime are fields 14 and 15.
	f := strings.Fields(string(raw[bytes.LastIndexByte(raw, ')')+2:]))
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	const clkTck = 100 // USER_HZ, 100 on every Linux architecture Go supports
	return time.Duration(utime+stime) * time.Second / clkTck
}

// processPeakRSS is the peak resident set size (VmHWM) of process pid in bytes.
func processPeakRSS(t *testing.T, pid int) int64 {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	t.Fatalf("no VmHWM in /proc/%d/status", pid)
	return 0
}

// lockedBuffer collects a child's stderr; it may be read while the child runs.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
