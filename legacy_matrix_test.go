package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// legacyEndpointCase drives the table-driven checks every endpoint passes.
type legacyEndpointCase struct {
	path string
	// valid is a request that succeeds ($variables as in the golden cases).
	valid map[string]any
	// headerCreds: credentials travel in X-Account-Id / X-Access-Token.
	headerCreds bool
	// noCreds: the table takes no credentials (6.6).
	noCreds bool
	// detailed: failures carry 11/12/24/99 (6.3.2 head.status, ifResult).
	detailed bool
	// required lists the required parameters (dotted paths in valid).
	required []string
	// strings lists string parameters; objects lists object parameters.
	strings, objects []string
	// headKeys are the head's credential keys as the table spells them
	// (表3: AccountId, AccessToken); empty means accountId, accessToken.
	headKeys []string
	// unknown, expired, revoked vary valid to address an unknown, an
	// expired and a revoked certificate; check says whether the answer is right.
	unknown, expired, revoked *legacyVariant
}

type legacyVariant struct {
	set   map[string]any
	check func(t *testing.T, r *legacyResp)
}

func legacyEndpointCases() []legacyEndpointCase {
	head := func(extra map[string]any) map[string]any {
		h := map[string]any{"accountId": "$accountId", "accessToken": "$accessToken"}
		for k, v := range extra {
			h[k] = v
		}
		return h
	}
	ok := func(t *testing.T, r *legacyResp) {
		t.Helper()
		if code, msg := r.outcome(); code != "0" {
			t.Fatalf("want success, got %s %s", code, msg)
		}
	}
	emptyList := func(t *testing.T, r *legacyResp) {
		t.Helper()
		ok(t, r)
		if n, _ := r.get("data.total").(json.Number); n.String() != "0" || len(r.get("data.dataList").([]any)) != 0 {
			t.Fatalf("want total 0 and an empty dataList: %s", r.Raw)
		}
	}
	failed := func(t *testing.T, r *legacyResp) {
		t.Helper()
		if code, _ := r.outcome(); code == "0" {
			t.Fatalf("want a failure: %s", r.Raw)
		}
	}
	verifyFalse := func(reason string) func(t *testing.T, r *legacyResp) {
		return func(t *testing.T, r *legacyResp) {
			t.Helper()
			ok(t, r)
			if r.str("VerifyResult") != "false" || !strings.Contains(string(r.Raw), reason) {
				t.Fatalf("want VerifyResult false because %q: %s", reason, r.Raw)
			}
		}
	}
	number := func(n string) func(t *testing.T, r *legacyResp) {
		return func(t *testing.T, r *legacyResp) {
			t.Helper()
			ok(t, r)
			if !strings.Contains(string(r.Raw), n) {
				t.Fatalf("want certificate %s in the answer: %s", n, r.Raw)
			}
		}
	}
	// A revoked certificate's download is a failure naming the revocation
	// and its day, with the table's status (6.3.2: 99 其他异常).
	revokedDownload := func(status string) func(t *testing.T, r *legacyResp) {
		return func(t *testing.T, r *legacyResp) {
			t.Helper()
			code, msg := r.outcome()
			if code != status || msg != "接口调用失败：证照已注销（注销日期 2024年06月01日），注销原因：“测试注销”" || r.get("data") != nil {
				t.Fatalf("want status %s and the revocation with its day, no data: %s", status, r.Raw)
			}
		}
	}
	holderData := func(extra map[string]any) map[string]any {
		d := map[string]any{"certificateHolderCode": "$personCode"}
		for k, v := range extra {
			d[k] = v
		}
		return d
	}
	return []legacyEndpointCase{
		{path: "/api/cert/search", valid: map[string]any{"head": head(nil), "data": holderData(map[string]any{"useFor": "01"})},
			required: []string{"head.accountId", "head.accessToken", "data.certificateHolderCode", "data.useFor"},
			strings:  []string{"head.accountId", "data.certificateHolderCode", "data.certificateHolderType", "data.certificateType", "data.useFor"}, objects: []string{"head", "data"},
			unknown: &legacyVariant{map[string]any{"data.certificateHolderCode": "$otherPersonCode"}, emptyList},
			expired: &legacyVariant{nil, number("NO20180001")}, revoked: &legacyVariant{nil, number("NO20230001")}},
		// 表3 spells head.AccountId and head.AccessToken; revoked certificates are left out of its list.
		{path: "/api/cert/download/by-holder", headKeys: []string{"AccountId", "AccessToken"},
			valid:    map[string]any{"head": map[string]any{"AccountId": "$accountId", "AccessToken": "$accessToken"}, "data": holderData(map[string]any{"certificateType": "居民身份证", "useFor": "01"})},
			required: []string{"head.AccountId", "head.AccessToken", "data.certificateHolderCode", "data.certificateType", "data.useFor"},
			strings:  []string{"head.AccessToken", "data.certificateHolderCode", "data.certificateType", "data.certificateNumber", "data.useFor"}, objects: []string{"head", "data"},
			unknown: &legacyVariant{map[string]any{"data.certificateHolderCode": "$otherPersonCode"}, emptyList},
			expired: &legacyVariant{map[string]any{"data.certificateNumber": "NO20180001"}, number("NO20180001")},
			revoked: &legacyVariant{map[string]any{"data.certificateNumber": "NO20230001"}, emptyList}},
		{path: "/api/cert/download/by-id", detailed: true, valid: map[string]any{"head": head(nil), "data": map[string]any{"certificateID": "$validID", "useFor": "02"}},
			required: []string{"head.accountId", "head.accessToken", "data.certificateID", "data.useFor"},
			strings:  []string{"head.accountId", "data.certificateID", "data.useFor"}, objects: []string{"head", "data"},
			unknown: &legacyVariant{map[string]any{"data.certificateID": "$unknownID"}, failed},
			expired: &legacyVariant{map[string]any{"data.certificateID": "$expiredID"}, number("NO20180001")},
			revoked: &legacyVariant{map[string]any{"data.certificateID": "$revokedID"}, revokedDownload("99")}},
		{path: "/api/cert/download/by-encrypted-id", valid: map[string]any{"head": head(nil), "data": map[string]any{"encryptedId": "$encryptedId", "useFor": "01"}},
			required: []string{"head.accountId", "head.accessToken", "data.encryptedId", "data.useFor"},
			strings:  []string{"head.accessToken", "data.encryptedId", "data.useFor"}, objects: []string{"head", "data"},
			unknown: &legacyVariant{map[string]any{"data.encryptedId": "$tamperedEncryptedId"}, failed},
			expired: &legacyVariant{map[string]any{"data.encryptedId": "$expiredEncryptedId"}, number("NO20180001")},
			revoked: &legacyVariant{map[string]any{"data.encryptedId": "$revokedEncryptedId"}, revokedDownload("1")}},
		{path: "/api/cert/info/by-holder", valid: map[string]any{"head": head(nil), "data": holderData(map[string]any{"certificateType": "居民身份证", "useFor": "01"})},
			required: []string{"head.accountId", "head.accessToken", "data.certificateHolderCode", "data.certificateType", "data.useFor"},
			strings:  []string{"head.accountId", "data.certificateHolderCode", "data.certificateHolderType", "data.certificateType", "data.certificateNumber", "data.useFor"}, objects: []string{"head", "data"},
			unknown: &legacyVariant{map[string]any{"data.certificateHolderCode": "$otherPersonCode"}, emptyList},
			expired: &legacyVariant{map[string]any{"data.certificateNumber": "NO20180001"}, number("2023年02月28日")},
			revoked: &legacyVariant{map[string]any{"data.certificateNumber": "NO20230001"}, number("NO20230001")}},
		{path: "/api/cert/info/by-id", valid: map[string]any{"head": head(nil), "data": map[string]any{"certificateID": "$validID", "useFor": "02"}},
			required: []string{"head.accountId", "head.accessToken", "data.certificateID", "data.useFor"},
			strings:  []string{"head.accountId", "data.certificateID", "data.useFor"}, objects: []string{"head", "data"},
			unknown: &legacyVariant{map[string]any{"data.certificateID": "$unknownID"}, failed},
			expired: &legacyVariant{map[string]any{"data.certificateID": "$expiredID"}, number("2023年02月28日")},
			revoked: &legacyVariant{map[string]any{"data.certificateID": "$revokedID"}, number("NO20230001")}},
		{path: "/api/cert/encrypted-id", detailed: true, valid: map[string]any{"head": head(nil), "data": holderData(nil)},
			required: []string{"head.accountId", "head.accessToken", "data.certificateHolderCode"},
			strings:  []string{"head.accessToken", "data.certificateHolderCode", "data.certificateHolderType", "data.certificateNumber"}, objects: []string{"head", "data"},
			unknown: &legacyVariant{map[string]any{"data.certificateHolderCode": "$otherPersonCode"}, func(t *testing.T, r *legacyResp) {
				ok(t, r)
				if r.str("ifResultInfo") != "[]" {
					t.Fatalf("want an empty list: %s", r.Raw)
				}
			}},
			expired: &legacyVariant{map[string]any{"data.certificateNumber": "NO20180001"}, ok},
			revoked: &legacyVariant{map[string]any{"data.certificateNumber": "NO20230001"}, ok}},
		{path: "/api/cert/qrcode", valid: map[string]any{"head": head(map[string]any{"encryptedId": "$encryptedId"})},
			required: []string{"head.accountId", "head.accessToken", "head.encryptedId"},
			strings:  []string{"head.accountId", "head.encryptedId", "head.codeType"}, objects: []string{"head"},
			unknown: &legacyVariant{map[string]any{"head.encryptedId": "$tamperedEncryptedId"}, failed},
			expired: &legacyVariant{map[string]any{"head.encryptedId": "$expiredEncryptedId"}, func(t *testing.T, r *legacyResp) {
				if r.ContentType != "image/png" {
					t.Fatalf("want a PNG: %s", r.Raw)
				}
			}}},
		{path: "/api/cert/verify/by-fields", detailed: true, headerCreds: true,
			valid:    map[string]any{"CertificateHolderCode": "$personCode", "CertificateData": map[string]any{"certificateNumber": "NO20240001"}, "UseFor": "01"},
			required: []string{"CertificateHolderCode", "UseFor"},
			strings:  []string{"CertificateHolderCode", "CertificateHolderType", "CertificateData.certificateName", "CertificateData.issueDate", "UseFor"}, objects: []string{"CertificateData"},
			unknown: &legacyVariant{map[string]any{"CertificateData.certificateNumber": "NO404"}, verifyFalse("CertificateData.certificateNumber 与证照不符")},
			expired: &legacyVariant{map[string]any{"CertificateData.certificateNumber": "NO20180001"}, verifyFalse("证照已过期（有效期截至 2023年02月28日）")},
			revoked: &legacyVariant{map[string]any{"CertificateData.certificateNumber": "NO20230001"}, verifyFalse("证照已注销（注销日期 2024年06月01日）")}},
		{path: "/api/cert/verify/by-file", headerCreds: true, valid: map[string]any{"data": map[string]any{"fileFormat": "pdf", "fileEntity": "$pdf"}},
			required: []string{"data.fileFormat", "data.fileEntity"}, strings: []string{"data.fileFormat", "data.fileEntity"}, objects: []string{"data"},
			unknown: &legacyVariant{map[string]any{"data.fileEntity": "$otherPdf"}, func(t *testing.T, r *legacyResp) {
				// 表12's labels: message 照面核验信息, detail 消息, dataVerify 详情, signVerify 签章验证信息.
				if r.str("data.result") != "0" || !strings.Contains(r.str("data.message"), "与本平台签发的任何证照文件都不相符") ||
					!strings.HasPrefix(r.str("data.detail"), "核验未通过：") || !strings.HasPrefix(r.str("data.dataVerify"), "核验结果：未通过\n照面核验：") ||
					r.str("data.signVerify") != "文件没有签名" {
					t.Fatalf("want result 0 for a PDF certgraph did not issue, each text under its label: %s", r.Raw)
				}
			}}},
		{path: "/api/cert/verify/by-encrypted-id", headerCreds: true, valid: map[string]any{"encryptedId": "$encryptedId"},
			required: []string{"encryptedId"}, strings: []string{"encryptedId"},
			unknown: &legacyVariant{map[string]any{"encryptedId": "$tamperedEncryptedId"}, verifyFalse("加密证照标识被篡改或伪造")},
			expired: &legacyVariant{map[string]any{"encryptedId": "$expiredEncryptedId"}, verifyFalse("证照已过期（有效期截至 2023年02月28日）")},
			revoked: &legacyVariant{map[string]any{"encryptedId": "$revokedEncryptedId"}, verifyFalse("证照已注销（注销日期 2024年06月01日）")}},
		{path: "/api/system/register", noCreds: true, valid: map[string]any{"systemName": "测试系统𠈌", "systemIp": "10.0.0.9", "deptCode": creditCode("11510100MB0000003"), "deptName": "测试部门"},
			required: []string{"systemName", "systemIp", "deptCode", "deptName"}, strings: []string{"systemName", "systemIp", "deptCode", "deptName"}},
	}
}

// withPath returns a deep copy of req with the dotted path set to v (or
// deleted when del).
func withPath(req map[string]any, path string, v any, del bool) map[string]any {
	b, _ := json.Marshal(req)
	var out map[string]any
	json.Unmarshal(b, &out)
	parts := strings.Split(path, ".")
	m := out
	for _, p := range parts[:len(parts)-1] {
		next, _ := m[p].(map[string]any)
		if next == nil {
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
	if del {
		delete(m, parts[len(parts)-1])
	} else {
		m[parts[len(parts)-1]] = v
	}
	return out
}

// TestLegacyEndpointMatrix runs every endpoint through credentials,
// required fields, wrong types, unknown/expired/revoked certificates,
// charsets, truncated JSON, oversized bodies and wrong methods.
func TestLegacyEndpointMatrix(t *testing.T) {
	e := newTestEnv(t, nil)
	fx := e.legacyFixture()
	pendingID, pendingTok, _ := e.register("pending")
	revokedID, revokedTok := e.withRoles("CONSUMER")
	e.gql(testAdminToken, `mutation($id: ID!) { revokeAccount(id: $id) { status } }`, map[string]any{"id": revokedID}).must(t)

	for _, c := range legacyEndpointCases() {
		t.Run(strings.TrimPrefix(c.path, "/api/"), func(t *testing.T) {
			idKey, tokenKey := "accountId", "accessToken"
			if c.headKeys != nil {
				idKey, tokenKey = c.headKeys[0], c.headKeys[1]
			}
			send := func(req map[string]any, creds ...string) *legacyResp {
				t.Helper()
				body := fx.substitute(req).(map[string]any)
				var headers []string
				if c.headerCreds {
					if creds == nil {
						creds = []string{fx.accountID, fx.token}
					}
					headers = []string{"X-Account-Id", creds[0], "X-Access-Token", creds[1]}
				} else if !c.noCreds && creds != nil {
					body = withPath(withPath(body, "head."+idKey, creds[0], false), "head."+tokenKey, creds[1], false)
				}
				return e.legacyJSON(c.path, body, headers...)
			}
			fails := func(t *testing.T, r *legacyResp, detailed string, contains ...string) {
				t.Helper()
				if r.Status != http.StatusOK {
					t.Fatalf("HTTP %d, want 200: %s", r.Status, r.Raw)
				}
				code, msg := r.outcome()
				if code == "0" {
					t.Fatalf("want a failure, got success: %s", r.Raw)
				}
				if c.detailed && detailed != "" && code != detailed {
					t.Fatalf("status %s, want %s: %s", code, detailed, r.Raw)
				}
				if !c.detailed && !c.headerCreds && c.path != "/api/cert/verify/by-fields" && code != "1" {
					t.Fatalf("status %s, want 1: %s", code, r.Raw)
				}
				if !strings.HasPrefix(msg, "接口调用失败：") {
					t.Fatalf("failure message %q lacks the 接口调用失败： prefix", msg)
				}
				for _, s := range contains {
					if !strings.Contains(msg, s) {
						t.Fatalf("failure message %q does not mention %q", msg, s)
					}
				}
			}
			t.Run("valid", func(t *testing.T) {
				r := send(c.valid)
				if code, msg := r.outcome(); r.Status != 200 || (code != "0" && r.ContentType != "image/png") {
					t.Fatalf("HTTP %d %s %s: %s", r.Status, code, msg, r.Raw)
				}
			})
			if !c.noCreds {
				t.Run("no credentials", func(t *testing.T) {
					if c.headerCreds {
						fails(t, e.legacyJSON(c.path, fx.substitute(c.valid)), "11", "缺少访问令牌", "X-Access-Token")
						return
					}
					fails(t, send(withPath(withPath(c.valid, "head."+idKey, nil, true), "head."+tokenKey, nil, true)), "12", "head."+idKey)
				})
				t.Run("wrong token", func(t *testing.T) { fails(t, send(c.valid, fx.accountID, "wrong-token"), "11", "身份验证失败") })
				// The account id is named as the table names it.
				idParam := "head." + idKey
				if c.headerCreds {
					idParam = "X-Account-Id"
				}
				t.Run("token of another account", func(t *testing.T) {
					fails(t, send(c.valid, pendingID, fx.token), "11", idParam, "与访问令牌不符")
				})
				t.Run("pending account", func(t *testing.T) { fails(t, send(c.valid, pendingID, pendingTok), "11", "尚待审批") })
				t.Run("revoked token", func(t *testing.T) { fails(t, send(c.valid, revokedID, revokedTok), "11", "已被注销") })
			}
			for _, p := range c.required {
				t.Run("missing "+p, func(t *testing.T) { fails(t, send(withPath(c.valid, p, nil, true)), "12", p) })
				t.Run("blank "+p, func(t *testing.T) { fails(t, send(withPath(c.valid, p, "  ", false)), "12", p) })
			}
			for _, p := range c.strings {
				t.Run("number for "+p, func(t *testing.T) { fails(t, send(withPath(c.valid, p, 42, false)), "24", p, "应为字符串") })
				t.Run("array for "+p, func(t *testing.T) {
					fails(t, send(withPath(c.valid, p, []any{"x"}, false)), "24", p, "应为字符串")
				})
			}
			for _, p := range c.objects {
				t.Run("array for object "+p, func(t *testing.T) {
					fails(t, send(withPath(c.valid, p, []any{}, false)), "24", p, "应为 JSON 对象")
				})
				t.Run("string for object "+p, func(t *testing.T) { fails(t, send(withPath(c.valid, p, "x", false)), "24", p, "应为 JSON 对象") })
			}
			for name, v := range map[string]*legacyVariant{"unknown certificate": c.unknown, "expired certificate": c.expired, "revoked certificate": c.revoked} {
				if v == nil {
					continue
				}
				t.Run(name, func(t *testing.T) {
					req := c.valid
					for p, val := range v.set {
						req = withPath(req, p, val, false)
					}
					v.check(t, send(req))
				})
			}
			headers := func() []string {
				if c.headerCreds {
					return []string{"X-Account-Id", fx.accountID, "X-Access-Token", fx.token}
				}
				return nil
			}
			validBody := func() []byte {
				b, _ := json.Marshal(fx.substitute(c.valid))
				return b
			}
			t.Run("GB18030 body", func(t *testing.T) {
				gb, err := simplifiedchinese.GB18030.NewEncoder().Bytes(validBody())
				if err != nil {
					t.Fatal(err)
				}
				r := e.legacyPost(c.path, "application/json; charset=GB18030", gb, headers()...)
				if r.ContentType == "image/png" {
					return
				}
				if code, msg := r.outcome(); code != "0" || r.ContentType != "application/json; charset=GB18030" {
					t.Fatalf("%s %s (%s): %s", code, msg, r.ContentType, r.Raw)
				}
			})
			t.Run("invalid GB18030 bytes", func(t *testing.T) {
				body := append([]byte(`{"x":"`), 0x81, 0x20, 0xFF)
				body = append(body, []byte(`"}`)...)
				r := e.legacyPost(c.path, "application/json;charset=gbk", body, headers()...)
				fails(t, r, "24", "GB 18030")
				if r.ContentType != "application/json; charset=GB18030" {
					t.Fatalf("failure not labelled GB18030: %s", r.ContentType)
				}
			})
			t.Run("invalid UTF-8 bytes", func(t *testing.T) {
				fails(t, e.legacyPost(c.path, "application/json", []byte{'{', '"', 0xC4, 0xE3, '"', ':', '1', '}'}, headers()...), "24", "UTF-8")
			})
			t.Run("truncated JSON", func(t *testing.T) {
				b := validBody()
				half := b[:len(b)/2]
				for !utf8.Valid(half) { // cut at a character boundary: the JSON, not the UTF-8, is truncated
					half = half[:len(half)-1]
				}
				fails(t, e.legacyPost(c.path, "application/json", half, headers()...), "24", "JSON")
			})
			t.Run("not an object", func(t *testing.T) {
				fails(t, e.legacyPost(c.path, "application/json", []byte(`[1,2]`), headers()...), "24", "JSON 对象")
			})
			t.Run("10 MB body", func(t *testing.T) {
				big := bytes.Repeat([]byte("a"), 10<<20)
				body := append(append([]byte(`{"pad":"`), big...), '"', '}')
				r := e.legacyPost(c.path, "application/json", body, headers()...)
				if r.Status != http.StatusRequestEntityTooLarge {
					t.Fatalf("HTTP %d, want 413", r.Status)
				}
			})
			t.Run("GET", func(t *testing.T) {
				resp, err := http.Get(e.url + c.path)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "POST" {
					t.Fatalf("GET: HTTP %d Allow %q, want 405 Allow POST", resp.StatusCode, resp.Header.Get("Allow"))
				}
			})
		})
	}
}
