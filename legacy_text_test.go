package main

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"
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
