package main

import (
	"bytes"
	"context"
	"database/sql"
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
	"time"
)

// adminToken is the bootstrap admin token the benchmark server starts with.
const adminToken = "bench-admin-token-0123456789abcdef"

// buildBinary builds the certgraph module this command belongs to.
func buildBinary(ctx context.Context, dir string) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{.Dir}}").Output()
	if err != nil {
		return "", fmt.Errorf("finding the module (run from inside the certgraph checkout): %w", err)
	}
	root := strings.TrimSpace(string(out))
	bin := filepath.Join(dir, "certgraph")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build: %w", err)
	}
	return bin, nil
}

// server is a process under test: certgraph started from the built binary,
// or this command's bare handlers.
type server struct {
	cmd     *exec.Cmd
	url     string
	pid     int
	log     *bytes.Buffer
	client  *http.Client
	exited  chan struct{}
	waitErr error
}

// startProcess runs binary with args(addr) for a free loopback address and
// waits until it answers GET /healthz there.
func startProcess(ctx context.Context, what, binary string, args func(addr string) []string) (*server, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(binary, args(addr)...)
	s := &server{cmd: cmd, url: "http://" + addr, log: &bytes.Buffer{}, exited: make(chan struct{}),
		client: &http.Client{Timeout: 2 * time.Minute}}
	cmd.Stdout, cmd.Stderr = s.log, s.log
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s.pid = cmd.Process.Pid
	go func() { s.waitErr = cmd.Wait(); close(s.exited) }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(s.url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		select {
		case <-s.exited:
			return nil, fmt.Errorf("%s exited at start (%v): %s", what, s.waitErr, s.log)
		case <-ctx.Done():
			s.stop()
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("%s did not answer /healthz within 60s: %s", what, s.log)
		}
	}
}

// stop ends the server process and waits for it.
func (s *server) stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
	}
}

// gqlAnswer is a GraphQL-over-HTTP answer.
type gqlAnswer struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message string `json:"message"`
	} `json:"errors"`
}

// gql runs one operation and fails on transport or GraphQL errors.
func (s *server) gql(ctx context.Context, token, query string, vars map[string]any, into any) error {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var a gqlAnswer
	if err := json.Unmarshal(raw, &a); err != nil {
		return fmt.Errorf("HTTP %d, not JSON: %.200s", resp.StatusCode, raw)
	}
	if len(a.Errors) > 0 || resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %d: %.300s", resp.StatusCode, raw)
	}
	if into != nil {
		return json.Unmarshal(a.Data, into)
	}
	return nil
}

// account is a registered, approved system.
type account struct{ id, token string }

// newAccount registers a system, has the admin approve it and gives it roles.
func (s *server) newAccount(ctx context.Context, name string, roles ...string) (account, error) {
	var reg struct {
		R struct {
			AccountID   string `json:"accountId"`
			AccessToken string `json:"accessToken"`
		} `json:"registerSystem"`
	}
	err := s.gql(ctx, "", `mutation($in: RegisterSystemInput!) { registerSystem(input: $in) { accountId accessToken } }`,
		map[string]any{"in": map[string]any{"systemName": name, "systemIp": "127.0.0.1", "deptCode": "11510000MB1234567E", "deptName": "性能测试"}}, &reg)
	if err != nil {
		return account{}, fmt.Errorf("registerSystem: %w", err)
	}
	a := account{reg.R.AccountID, reg.R.AccessToken}
	if err := s.gql(ctx, adminToken, `mutation($id: ID!) { approveAccount(id: $id) { status } }`, map[string]any{"id": a.id}, nil); err != nil {
		return a, fmt.Errorf("approveAccount: %w", err)
	}
	if len(roles) > 0 {
		if err := s.gql(ctx, adminToken, `mutation($id: ID!, $r: [Role!]!) { setRoles(id: $id, roles: $r) { roles } }`,
			map[string]any{"id": a.id, "r": roles}, nil); err != nil {
			return a, fmt.Errorf("setRoles: %w", err)
		}
	}
	return a, nil
}

// rssKiB is the process's resident set size now, from /proc.
func rssKiB(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			var n int64
			fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), &n)
			return n
		}
	}
	return 0
}

// cpuTime is the user+system CPU time the process has used (-1 when it
// cannot be read), from /proc/PID/stat in clock ticks of 1/100 s.
func cpuTime(pid int) time.Duration {
	if pid <= 0 {
		return -1
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return -1
	}
	// Fields after the command name (which may hold spaces) start at ')'.
	i := strings.LastIndexByte(string(b), ')')
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return -1
	}
	var user, sys int64
	fmt.Sscan(f[11], &user)
	fmt.Sscan(f[12], &sys)
	return time.Duration(user+sys) * 10 * time.Millisecond
}

// mariadbPID is the process of the database server db talks to, from its
// pid file when that server runs on this machine (0 otherwise).
func mariadbPID(ctx context.Context, db *sql.DB) int {
	var file string
	if err := db.QueryRowContext(ctx, "SELECT @@pid_file").Scan(&file); err != nil {
		return 0
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return 0
	}
	var pid int
	if _, err := fmt.Sscan(string(b), &pid); err != nil {
		return 0
	}
	comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if err != nil || !strings.Contains(string(comm), "mariadbd") && !strings.Contains(string(comm), "mysqld") {
		return 0
	}
	return pid
}
