package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"certgraph/internal/store"
)

// dedicatedMariaDB starts a MariaDB server of this test's own (own datadir,
// own port, never the shared server) and returns its mysql:// URL of a
// fresh database, and the server process (to freeze it).
func dedicatedMariaDB(t *testing.T) (string, *os.Process) {
	t.Helper()
	server := "/usr/sbin/mariadbd"
	install, err := exec.LookPath("mariadb-install-db")
	if _, serr := os.Stat(server); serr != nil || err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("mariadbd and mariadb-install-db are needed (.ci/run installs mariadb-server)")
		}
		t.Skip("mariadbd or mariadb-install-db not installed")
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	user := []string{}
	if os.Geteuid() == 0 {
		user = []string{"--user=root"}
	}
	if out, err := exec.Command(install, append([]string{"--no-defaults", "--datadir=" + data, "--auth-root-authentication-method=normal", "--skip-test-db"}, user...)...).CombinedOutput(); err != nil {
		t.Fatalf("mariadb-install-db: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(server, append([]string{"--no-defaults", "--datadir=" + data, fmt.Sprintf("--port=%d", port), "--bind-address=127.0.0.1",
		"--socket=" + filepath.Join(dir, "sock"), "--pid-file=" + filepath.Join(dir, "pid"), "--skip-log-bin", "--innodb-buffer-pool-size=32M",
		"--log-error=" + filepath.Join(dir, "err.log")}, user...)...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGCONT)
		cmd.Process.Kill()
		cmd.Wait()
	})
	admin := fmt.Sprintf("mysql://root@tcp(127.0.0.1:%d)/mysql", port)
	deadline := time.Now().Add(60 * time.Second)
	for {
		db, err := store.Open(admin, "", nil)
		if err == nil {
			err = db.Gorm().Exec("CREATE DATABASE certgraph CHARACTER SET utf8mb4 COLLATE utf8mb4_bin").Error
			db.Close()
		}
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "err.log"))
			t.Fatalf("dedicated mariadbd did not come up: %v\n%s", err, log)
		}
		time.Sleep(300 * time.Millisecond)
	}
	return fmt.Sprintf("mysql://root@tcp(127.0.0.1:%d)/certgraph", port), cmd.Process
}

// Items 6 and 17: a frozen database (SIGSTOP) does not hang requests: GraphQL
// answers UNAVAILABLE within the statement deadline, the legacy endpoints
// a failure with a Chinese reason; once the database thaws, requests succeed.
func TestFrozenDatabaseAnswersUnavailable(t *testing.T) {
	if testing.Short() {
		t.Skip("starts its own MariaDB server")
	}
	url, proc := dedicatedMariaDB(t)
	e := newTestEnv(t, map[string]string{"CERTGRAPH_DATABASE_URL": url, "CERTGRAPH_DB_TIMEOUT": "2s", "CERTGRAPH_CACHE_TTL": "1m"})
	_, certs := e.standardFixture(2, 1)
	id, tok := e.withRoles("CONSUMER")
	q := `query($id: ID!) { certificate(id: $id, useFor: OTHER) { id holder { code } } }`
	e.gql(tok, q, map[string]any{"id": certs[0].ID}).must(t)

	if err := proc.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	waitState(t, proc.Pid, 'T') // the signal is delivered asynchronously
	start := time.Now()
	body, _ := json.Marshal(map[string]any{"query": q, "variables": map[string]any{"id": certs[1].ID}})
	req, _ := http.NewRequest(http.MethodPost, e.url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := (&http.Client{Timeout: 15 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("frozen database: no answer after %v: %v", time.Since(start), err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	took := time.Since(start)
	r := &gqlResponse{}
	json.Unmarshal(raw, r)
	r.Raw = raw
	if r.code() != "UNAVAILABLE" || took > 7*time.Second {
		t.Fatalf("frozen database: %v, %s", took, r.Raw)
	}
	l := e.legacyJSON("/api/cert/info/by-id", legacyInfoByID(id, tok, certs[1].ID))
	if st, msg := l.outcome(); st == "0" || !strings.Contains(msg, "服务暂不可用：数据库暂无响应") || strings.ContainsAny(msg, "abcdefghijklmnopqrstuvwxyz") {
		t.Fatalf("legacy, frozen database: %s %s", st, msg)
	}

	if err := proc.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		r := e.gql(tok, q, map[string]any{"id": certs[1].ID})
		if len(r.Errors) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the database thawed: %s", r.Raw)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// waitState waits until process pid is in state (as /proc/pid/stat says:
// 'T' stopped).
func waitState(t *testing.T, pid int, state byte) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			t.Fatal(err)
		}
		// pid (comm) state …: comm may hold spaces, so read after the last ')'.
		if i := bytes.LastIndexByte(b, ')'); i > 0 && i+2 < len(b) && b[i+2] == state {
			return
		}
	}
	t.Fatalf("process %d never reached state %c", pid, state)
}
