package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCatalogueCommand: import reports bad lines by number and stores the
// good ones, export writes what is stored, re-import changes nothing, and a
// certificate of an unknown type is refused on import.
func TestCatalogueCommand(t *testing.T) {
	dir := t.TempDir()
	db := testDatabaseURL(t)
	getenv := func(k string) string {
		return map[string]string{"CERTGRAPH_DATA_DIR": dir, "CERTGRAPH_DATABASE_URL": db, "CERTGRAPH_DEMO": "false", "CERTGRAPH_LOG_LEVEL": "error"}[k]
	}
	runCmd := func(args ...string) (string, error) {
		var out, errb bytes.Buffer
		err := run(context.Background(), args, getenv, &out, &errb)
		return out.String() + errb.String(), err
	}
	// A new database outside demo mode has no certificate types.
	out, err := runCmd("catalogue", "export")
	if err != nil || strings.TrimSpace(out) != "" {
		t.Fatalf("export of a new database: %q, %v", out, err)
	}
	f := filepath.Join(dir, "types.jsonl")
	os.WriteFile(f, []byte(`{"code": "11100000000013338W009", "name": "测试驾驶证", "holderKind": "person", "local": true, "surfaceTemplate": [{"name": "姓名", "columnName": "XM", "valueType": "STRING"}]}
{"code": "11100000000013338X009", "name": "坏", "holderKind": "PERSON", "local": true, "surfaceTemplate": []}
{"code": "11100000000013338W010", "name": "测试执照", "holderKind": "ORGANISATION", "surfaceTemplate": []}
`), 0o600)
	out, err = runCmd("catalogue", "import", f)
	if err == nil || !strings.Contains(out, "line 2: ") || !strings.Contains(out, "code") || !strings.Contains(out, "line 3: ") || !strings.Contains(out, "local") || !strings.Contains(out, "1 types defined") {
		t.Fatalf("import: %q, %v", out, err)
	}
	out, err = runCmd("catalogue", "export")
	if err != nil || !strings.Contains(out, `"code":"11100000000013338W009"`) || !strings.Contains(out, `"valueType":"string"`) || strings.Count(out, "\n") != 1 {
		t.Fatalf("export: %q, %v", out, err)
	}
	os.WriteFile(f, []byte(out), 0o600)
	if out, err := runCmd("catalogue", "import", f); err != nil || !strings.Contains(out, "0 types defined or changed, 1 unchanged") {
		t.Fatalf("re-import: %q, %v", out, err)
	}
	// A certificate of a type the catalogue does not hold is refused, naming it.
	cf := filepath.Join(dir, "certs.jsonl")
	os.WriteFile(cf, []byte(importLine(t, "51", 1, "2024-01-01")+"\n"), 0o600)
	if out, err := runCmd("import", cf); err == nil && !strings.Contains(out, "机动车驾驶证") || !strings.Contains(out, "not a certificate type of the catalogue") {
		t.Fatalf("import of an unknown type: %q, %v", out, err)
	}
}

// TestDefineCertificateType: admins define and change types; names stay
// unique; a type in use keeps its holder kind; others may not define.
func TestDefineCertificateType(t *testing.T) {
	e := newTestEnv(t, nil)
	const m = `mutation($in: DefineCertificateTypeInput!) { defineCertificateType(input: $in) { code name holderKind local surfaceTemplate { name columnName valueType } } }`
	in := map[string]any{"code": "11100000000013338W099", "name": "测试许可证", "holderKind": "ORGANISATION", "local": false,
		"surfaceTemplate": []map[string]any{{"name": "名称", "columnName": "mc", "valueType": "STRING"}}}
	r := e.gql(testAdminToken, m, map[string]any{"in": in}).must(t)
	if r.str("defineCertificateType.name") != "测试许可证" {
		t.Fatalf("define: %s", r.Raw)
	}
	if r := e.gql(e.consumer(), m, map[string]any{"in": in}); r.code() != "FORBIDDEN" {
		t.Fatalf("a consumer defined a type: %s", r.Raw)
	}
	bad := map[string]any{}
	for k, v := range in {
		bad[k] = v
	}
	bad["code"] = "11100000000013338W0"
	if r := e.gql(testAdminToken, m, map[string]any{"in": bad}); r.code() != "BAD_USER_INPUT" || r.Errors[0].Extensions["field"] != "code" {
		t.Fatalf("bad code: %s", r.Raw)
	}
	bad["code"], bad["name"] = "11100000000013338W098", "居民身份证"
	if r := e.gql(testAdminToken, m, map[string]any{"in": bad}); r.code() != "BAD_USER_INPUT" || !strings.Contains(r.Errors[0].Message, "already") {
		t.Fatalf("duplicate name: %s", r.Raw)
	}
	// 居民身份证 (…W001) is used by a stored certificate: its holder kind stays.
	person, _ := e.standardFixture(1, 0)
	_ = person
	used := map[string]any{"code": "11100000000013338W001", "name": "居民身份证", "holderKind": "ORGANISATION", "local": true, "surfaceTemplate": []map[string]any{}}
	if r := e.gql(testAdminToken, m, map[string]any{"in": used}); r.code() != "BAD_USER_INPUT" || !strings.Contains(r.Errors[0].Message, "holder kind") {
		t.Fatalf("holder kind of a used type changed: %s", r.Raw)
	}
}
