package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"os"
	"strings"
	"testing"

	"certgraph/internal/importer"
)

// TestImportRefusesWhatAttachRefuses sends the same bad layout files through
// attachFile and through import: both refuse them with the same reason, and
// import stores nothing of the line.
func TestImportRefusesWhatAttachRefuses(t *testing.T) {
	// The body limit is raised so the 6 MiB file reaches the file check
	// rather than the HTTP limit.
	e := newTestEnv(t, map[string]string{"CERTGRAPH_MAX_BODY_BYTES": "16777216"})
	_, certs := e.standardFixture(1, 1)
	raw, err := os.ReadFile("internal/importer/testdata/example.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	var line map[string]any
	if err := json.Unmarshal(bytes.SplitN(raw, []byte("\n"), 2)[0], &line); err != nil {
		t.Fatal(err)
	}
	big := append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte{' '}, 6<<20)...)
	q := `mutation($id: ID!, $f: FileFormat!, $e: String!) { attachFile(certificateId: $id, format: $f, fileEntity: $e) { sha256 } }`
	for _, tc := range []struct {
		name, format string
		data         []byte
	}{
		{"fake OFD (PK prefix only)", "ofd", []byte("PK\x03\x04rest")},
		{"6 MiB PDF", "pdf", big},
	} {
		entity := base64.StdEncoding.EncodeToString(tc.data)
		r := e.gql(testAdminToken, q, map[string]any{"id": certs[0].ID, "f": strings.ToUpper(tc.format), "e": entity})
		if r.code() != "BAD_USER_INPUT" || r.Errors[0].Extensions["field"] != "fileEntity" {
			t.Fatalf("%s: attach: %s", tc.name, r.Raw)
		}
		attachReason := strings.TrimPrefix(r.Errors[0].Message, "fileEntity: ")

		line["file"] = map[string]any{"fileFormat": tc.format, "fileEntity": entity}
		text, _ := json.Marshal(line)
		rep, err := importer.Import(context.Background(), e.app.store, e.app.writer, bytes.NewReader(text), importer.Options{}, nil)
		if err != nil || len(rep.Errors) != 1 || rep.Imported != 0 {
			t.Fatalf("%s: import: %v %+v", tc.name, err, rep)
		}
		if got := rep.Errors[0]; got.Field != "file.fileEntity" || got.Message != attachReason {
			t.Errorf("%s: import refused with %s: %q, attach with %q", tc.name, got.Field, got.Message, attachReason)
		}
	}
}

// TestConfigChecks covers settings that used to be taken silently.
func TestConfigChecks(t *testing.T) {
	parse := func(env map[string]string, args ...string) (*config, error) {
		cfg, _, err := parseConfig(flag.NewFlagSet("serve", flag.ContinueOnError), args, func(k string) string { return env[k] })
		return cfg, err
	}
	if _, err := parse(nil, "--log-level", "loud"); err == nil || !strings.Contains(err.Error(), "--log-level") {
		t.Errorf("--log-level loud: %v", err)
	}
	cfg, err := parse(nil)
	if err != nil || len(cfg.AutoApprove) != 2 {
		t.Errorf("embedded store default auto-approve: %v %v", err, cfg)
	}
	if cfg, err = parse(nil, "--auto-approve="); err != nil || len(cfg.AutoApprove) != 0 {
		t.Errorf("explicitly empty auto-approve: %v %v", err, cfg.AutoApprove)
	}
	for _, bad := range [][]string{{"--rate-account", "lots"}, {"--rate-address", "5/x"}, {"--rate-registrations", "-1/1h"},
		{"--rate-masked-lookups", "1"}, {"--db-timeout", "0s"}, {"--read-timeout", "x"}, {"--allowed-hosts", "http://x/"}} {
		if _, err := parse(nil, bad...); err == nil || !strings.Contains(err.Error(), bad[0]) {
			t.Errorf("%v: %v, want an error naming the flag", bad, err)
		}
	}
	if cfg, err := parse(map[string]string{"CERTGRAPH_RATE_ACCOUNT": "off", "CERTGRAPH_DATABASE_URL": "mysql://u:p@tcp(h)/d"}, "--allowed-hosts", "ZZ.example.gov.cn, [::1]"); err != nil ||
		!cfg.RateAccount.Off() || cfg.DatabaseURL != "mysql://u:p@tcp(h)/d" || len(cfg.AllowedHosts) != 2 || cfg.AllowedHosts[0] != "zz.example.gov.cn" || cfg.AllowedHosts[1] != "::1" {
		t.Errorf("rate off, database URL from the environment, allowed hosts: %v %+v", err, cfg)
	}
	if help, _ := commandHelp("serve"); strings.Contains(help, "\x00") || !strings.Contains(help, "--auto-approve") {
		t.Errorf("help serve shows a sentinel or lacks a flag:\n%q", help)
	}
}
