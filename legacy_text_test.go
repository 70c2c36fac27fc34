package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"certgraph/models"
)

// Every JSON answer legacyPost receives passes checkLegacyTexts (the hook
// is in legacyPost), so every success and failure the legacy tests provoke
// on every endpoint is checked: texts people read carry no English word,
// and no field carries an ISO date (the tables write YYYY年MM月DD日).

// legacyTextFields are the answer fields holding texts people read.
var legacyTextFields = map[string]bool{
	"message": true, "detail": true, "dataVerify": true, "signVerify": true, "ifResultInfo": true, "reason": true,
}

// legacyOpaqueFields hold encoded values (links, tokens, signatures, images)
// where date-like digit runs are not dates.
var legacyOpaqueFields = map[string]bool{
	"fileUrl": true, "accessToken": true, "encryptedId": true, "digitalSign": true, "value": true,
}

var (
	quoted   = regexp.MustCompile(`"[^"]*"|“[^”]*”|'[^']*'|「[^」]*」`)
	urlText  = regexp.MustCompile(`https?://\S+`)
	isoDate  = regexp.MustCompile(`\d{4}-\d{2}-\d{2}`)
	wordLike = regexp.MustCompile(`[A-Za-z0-9_.\-/+=:]+`)
	hasLower = regexp.MustCompile(`[a-z]`)
)

// allowedWords are the lower-case words a Chinese text may carry: values
// of the tables' own parameters.
var allowedWords = map[string]bool{
	"pdf": true, "ofd": true, "png": true, "true": true, "false": true, "picture": true, "string": true,
	"head": true, "data": true, "total": true, // the tables' one-word parameter names
}

// englishWords lists the words of text that are English rather than an
// allowed token: field names (dotted, camelCase), codes (upper case),
// identifiers and encodings (with digits or separators), URLs and quoted
// values (the caller's or the data's own) are allowed.
func englishWords(text string) []string {
	text = urlText.ReplaceAllString(quoted.ReplaceAllString(text, ""), "")
	var out []string
	for _, tok := range wordLike.FindAllString(text, -1) {
		tok = strings.Trim(tok, ".:-/")
		switch {
		case !hasLower.MatchString(tok): // codes, numbers: QR, SM2, ADMIN, 0
		case strings.ContainsAny(tok, "0123456789._-/+=:"): // head.accountId, X-Access-Token, base64, ids
		case allowedWords[tok]:
		case regexp.MustCompile(`^[a-z]+[A-Z]`).MatchString(tok) || regexp.MustCompile(`^[A-Z][a-z]+[A-Z]`).MatchString(tok): // camelCase field names
		case tok == "Surface":
		default:
			out = append(out, tok)
		}
	}
	return out
}

// checkLegacyTexts walks a legacy answer and lists what is wrong with its texts.
func checkLegacyTexts(v any, key string) []string {
	var out []string
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			out = append(out, checkLegacyTexts(v[k], k)...)
		}
	case []any:
		for _, x := range v {
			out = append(out, checkLegacyTexts(x, key)...)
		}
	case string:
		if key == "ifResultInfo" && strings.HasPrefix(v, "[") {
			// The JSON text of the result list: check its items' fields.
			var inner any
			if err := json.Unmarshal([]byte(v), &inner); err == nil {
				return checkLegacyTexts(inner, "")
			}
		}
		if !legacyOpaqueFields[key] {
			if d := isoDate.FindString(quoted.ReplaceAllString(v, "")); d != "" {
				out = append(out, fmt.Sprintf("%s: ISO date %s in %q", key, d, v))
			}
		}
		if legacyTextFields[key] {
			if w := englishWords(v); len(w) > 0 {
				out = append(out, fmt.Sprintf("%s: English %q in %q", key, w, v))
			}
		}
	}
	return out
}

// TestLegacyTextCheck shows the checker catches what the issue describes
// and lets the tables' own tokens through.
func TestLegacyTextCheck(t *testing.T) {
	bad := []map[string]any{
		{"head": map[string]any{"message": "接口调用失败：身份验证失败：access token is not valid", "status": "1"}},
		{"VerifyResult": "false", "message": "the certificate is valid"},
		{"ifResult": "0", "ifResultInfo": `[{"certificateID":"1.2.156.3005.2.X","reason":"no certificate of this holder"}]`},
		{"data": map[string]any{"dataVerify": "证照已注销（注销日期 2025-09-30）"}},
		{"data": map[string]any{"issueDate": "2025-09-30"}},
		{"data": map[string]any{"detail": "Signature does not verify"}},
	}
	for _, b := range bad {
		if len(checkLegacyTexts(b, "")) == 0 {
			t.Errorf("not caught: %v", b)
		}
	}
	good := []map[string]any{
		{"head": map[string]any{"message": "接口调用失败：必填参数 head.AccountId 为空", "status": "1"}},
		{"head": map[string]any{"message": "接口调用失败：身份验证失败：缺少访问令牌（请求头 X-Access-Token 或 head.accessToken 为空）", "status": "11"}},
		{"data": map[string]any{"detail": "参数 data.fileFormat 的值 \"docx\" 不是 pdf 或 ofd", "signVerify": "第 1 个签章（签署者“CN=certgraph test, O=Example”）：SM2 签名值验证失败",
			"fileUrl": "http://127.0.0.1/files/2024-06-01abc", "message": "文件摘要（SHA-256 9f86d081884c7d65）与本平台签发的任何证照文件都不相符"}},
		{"VerifyResult": "false", "message": "证照已注销（注销日期 2024年06月01日），注销原因：“test”"},
	}
	for _, g := range good {
		if p := checkLegacyTexts(g, ""); len(p) > 0 {
			t.Errorf("wrongly caught: %v", p)
		}
	}
}

// TestGraphQLAcceptLanguage checks that /graphql answers messages and
// reasons from the same catalogue in Chinese when Accept-Language prefers
// zh and in English otherwise, with the same extensions.code.
func TestGraphQLAcceptLanguage(t *testing.T) {
	e := newTestEnv(t, nil)
	fx := e.legacyFixture()
	zh := []string{"Accept-Language", "zh-CN,zh;q=0.9,en;q=0.8"}
	en := []string{"Accept-Language", "en-US,en;q=0.9,zh;q=0.5"}
	const q = `query { certificate(id: "1.2.156.3005.2.x", useFor: SHOW) { id } }`
	for _, c := range []struct {
		token   string
		query   string
		headers []string
		code    string
		message string
	}{
		{"wrong", q, zh, "UNAUTHENTICATED", "访问令牌无效"},
		{"wrong", q, en, "UNAUTHENTICATED", "access token is not valid"},
		{"wrong", q, nil, "UNAUTHENTICATED", "access token is not valid"},
		{fx.token, q, zh, "BAD_USER_INPUT", "参数 id 不是有效的电子证照标识：根之后有 1 段（以点分隔），应为 5 段（证照类型代码、颁发机构代码、顺序号、版本号、校验位）"},
		{fx.token, q, en, "BAD_USER_INPUT", "id: is not a valid certificate identifier: has 1 dot-separated parts after the root, want 5 (type code, issuer code, serial, version, check)"},
	} {
		r := e.gql(c.token, c.query, nil, c.headers...)
		if r.code() != c.code || len(r.Errors) == 0 || r.Errors[0].Message != c.message {
			t.Errorf("%v: want %s %q, got %s", c.headers, c.code, c.message, r.Raw)
		}
	}
	// Verification reasons follow the same header.
	const v = `query($e: String!) { verifyEncryptedId(encryptedId: $e) { result reason matches { reason } } }`
	vars := map[string]any{"e": fx.revokedEncryptedID}
	if r := e.gql(fx.token, v, vars, zh...).must(t); r.str("verifyEncryptedId.reason") != "证照已注销（注销日期 2024年06月01日），注销原因：“测试注销”" ||
		r.str("verifyEncryptedId.matches.0.reason") != r.str("verifyEncryptedId.reason") {
		t.Errorf("Chinese reason: %s", r.Raw)
	}
	if r := e.gql(fx.token, v, vars, en...).must(t); r.str("verifyEncryptedId.reason") != "the certificate was revoked on 2024-06-01: 测试注销" {
		t.Errorf("English reason: %s", r.Raw)
	}
}

// TestLegacyRevokedDownload revokes a certificate whose layout file was
// offered and checks that no download endpoint offers it any more: 6.3.2
// and 6.3.3 answer a failure with the revocation day, 6.3.1 leaves it out,
// and the link handed out before answers 410.
func TestLegacyRevokedDownload(t *testing.T) {
	e := newTestEnv(t, nil)
	fx := e.legacyFixture()
	head := map[string]any{"accountId": fx.accountID, "accessToken": fx.token}
	byID := map[string]any{"head": head, "data": map[string]any{"certificateID": fx.valid.ID, "useFor": "02"}}
	byEncrypted := map[string]any{"head": head, "data": map[string]any{"encryptedId": fx.encryptedID, "useFor": "01"}}
	byHolder := map[string]any{"head": map[string]any{"AccountId": fx.accountID, "AccessToken": fx.token},
		"data": map[string]any{"certificateHolderCode": personCode, "certificateType": "居民身份证", "useFor": "01"}}

	r := e.legacyJSON("/api/cert/download/by-id", byID)
	link := r.str("data.dataList.0.fileUrl")
	if r.str("head.status") != "0" || link == "" {
		t.Fatalf("before revocation: %s", r.Raw)
	}
	g := e.gql(testAdminToken, `mutation($id: ID!) { revokeCertificate(id: $id, reason: "遗失") { revokedAt } }`, map[string]any{"id": fx.valid.ID}).must(t)
	at, err := time.Parse(time.RFC3339, g.str("revokeCertificate.revokedAt"))
	if err != nil {
		t.Fatal(err)
	}
	want := "接口调用失败：证照已注销（注销日期 " + models.DayOf(at).Spec() + "），注销原因：“遗失”"

	for _, c := range []struct {
		path   string
		body   map[string]any
		status string
	}{
		{"/api/cert/download/by-id", byID, "99"},
		{"/api/cert/download/by-encrypted-id", byEncrypted, "1"},
	} {
		r := e.legacyJSON(c.path, c.body)
		if r.str("head.status") != c.status || r.str("head.message") != want || r.get("data") != nil {
			t.Errorf("%s: want status %s and %q without data, got %s", c.path, c.status, want, r.Raw)
		}
	}
	r = e.legacyJSON("/api/cert/download/by-holder", byHolder)
	if r.str("head.status") != "0" || strings.Contains(string(r.Raw), fx.valid.Number) || strings.Contains(string(r.Raw), fx.revoke.Number) {
		t.Errorf("6.3.1 still lists a revoked certificate: %s", r.Raw)
	}
	if n, _ := r.get("data.total").(json.Number); n.String() != "1" {
		t.Errorf("6.3.1 total counts revoked certificates: %s", r.Raw)
	}
	resp, err := httpClientGetStatus(link)
	if err != nil {
		t.Fatal(err)
	}
	if resp != 410 {
		t.Errorf("the link handed out before the revocation answers %d, want 410", resp)
	}
}

func httpClientGetStatus(url string) (int, error) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}
