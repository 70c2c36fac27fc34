package legacy

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	"certgraph/internal/reqinfo"
	"certgraph/models"
)

// object is a JSON object of a request whose keys are matched
// case-insensitively (the spec writes both head.AccountId and
// head.accountId); path is its spec prefix ("head.", "data.", "").
type object struct {
	m    map[string]any
	path string
}

// request is a decoded spec request.
type request struct {
	root   object
	header http.Header
}

// parseBody reads the body text as one JSON object.
func parseBody(text string) (object, *Failure) {
	if strings.TrimSpace(text) == "" {
		return object{}, malformed("", "请求体为空，应为 JSON 对象")
	}
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return object{}, malformed("", "请求体不是完整的 JSON（内容被截断）")
		}
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return object{}, malformed("", "请求体不是有效的 JSON：第 %d 字节处有语法错误", se.Offset)
		}
		return object{}, malformed("", "请求体不是有效的 JSON")
	}
	if _, err := dec.Token(); err != io.EOF {
		return object{}, malformed("", "请求体在 JSON 对象之后还有多余内容")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return object{}, malformed("", "请求体应为 JSON 对象，实为%s", jsonKind(v))
	}
	f, scanned := duplicateKeysScan(text)
	if !scanned {
		f = duplicateKeys(text)
	}
	if f != nil {
		return object{}, f
	}
	return object{m: m}, nil
}

// duplicateKeysScan is duplicateKeys by a byte scan of the text, which is
// valid JSON here: a request body is a few hundred bytes, and the
// tokenizer boxed every token (4 % of a 6.4.2 read's CPU). It gives up
// (scanned false) on a key with an escape or invalid UTF-8, which the
// tokenizer decodes.
// FuzzDuplicateKeysScan holds the two to the same answers.
func duplicateKeysScan(text string) (f *Failure, scanned bool) {
	type seenKey struct{ lower, spelt string }
	type frame struct {
		object bool
		keys   []seenKey
		path   string
		key    string
		expect bool
	}
	var stack []frame
	for i := 0; i < len(text); i++ {
		c := text[i]
		var top *frame
		if len(stack) > 0 {
			top = &stack[len(stack)-1]
		}
		switch c {
		case ' ', '\t', '\n', '\r', ':':
			continue
		case ',':
			if top != nil && top.object {
				top.expect = true
			}
			continue
		case '}', ']':
			stack = stack[:len(stack)-1]
			continue
		case '"':
			j := i + 1
			for j < len(text) && text[j] != '"' {
				if text[j] == '\\' {
					if top != nil && top.object && top.expect {
						return nil, false
					}
					j++ // the escaped byte
				}
				j++
			}
			if top != nil && top.object && top.expect {
				k := text[i+1 : j]
				if !utf8.ValidString(k) {
					return nil, false // the tokenizer reads invalid bytes as U+FFFD
				}
				lower := strings.ToLower(k)
				for _, seen := range top.keys {
					if seen.lower != lower {
						continue
					}
					if seen.spelt == k {
						return malformed(top.path+k, "参数 %s 出现了多次", top.path+k), true
					}
					return malformed(top.path+k, "参数 %s 以不同大小写出现了多次（%q 与 %q）", top.path+k, seen.spelt, k), true
				}
				top.keys = append(top.keys, seenKey{lower, k})
				top.key, top.expect = k, false
			}
			i = j
			continue
		case '{', '[':
			path := ""
			if top != nil {
				path = top.path
				if top.object {
					path += top.key + "."
				}
			}
			stack = append(stack, frame{object: c == '{', path: path, expect: c == '{'})
			continue
		}
		// A number, true, false or null: up to the next delimiter.
		for i+1 < len(text) && !strings.ContainsRune(" \t\n\r,}]", rune(text[i+1])) {
			i++
		}
	}
	return nil, true
}

// duplicateKeys refuses an object with the same key twice, in any case
// variant: encoding/json keeps the last one, so {"accessToken":"x",
// "accessToken":"y"} would be read as y while a proxy or log reads x. The
// text is known to be valid JSON here.
func duplicateKeys(text string) *Failure {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	type frame struct {
		object bool
		keys   map[string]string
		path   string
		expect bool // the next token of an object is a key
	}
	var stack []*frame
	key := ""
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.object && top.expect {
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:len(stack)-1]
				if len(stack) > 0 && stack[len(stack)-1].object {
					stack[len(stack)-1].expect = true
				}
				continue
			}
			k, _ := tok.(string)
			if prev, dup := top.keys[strings.ToLower(k)]; dup {
				if prev == k {
					return malformed(top.path+k, "参数 %s 出现了多次", top.path+k)
				}
				return malformed(top.path+k, "参数 %s 以不同大小写出现了多次（%q 与 %q）", top.path+k, prev, k)
			}
			top.keys[strings.ToLower(k)] = k
			top.expect, key = false, k
			continue
		}
		path := ""
		if top != nil {
			path = top.path
			if top.object {
				path += key + "."
			}
		}
		switch d, _ := tok.(json.Delim); d {
		case '{':
			stack = append(stack, &frame{object: true, keys: map[string]string{}, path: path, expect: true})
			continue
		case '[':
			stack = append(stack, &frame{path: path})
			continue
		case '}', ']':
			stack = stack[:len(stack)-1]
		}
		if len(stack) > 0 && stack[len(stack)-1].object {
			stack[len(stack)-1].expect = true
		}
	}
}

// jsonKind names a decoded JSON value's type for messages.
func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return " null"
	case string:
		return "字符串"
	case json.Number:
		return "数字"
	case bool:
		return "布尔值"
	case []any:
		return "数组"
	case map[string]any:
		return " JSON 对象"
	}
	return "未知类型"
}

// lookup finds key case-insensitively; two keys differing only in case are
// ambiguous and refused.
func (o object) lookup(key string) (any, bool, *Failure) {
	if v, ok := o.m[key]; ok {
		for k := range o.m {
			if k != key && strings.EqualFold(k, key) {
				return nil, false, malformed(o.path+key, "参数 %s 以不同大小写出现了多次（%q 与 %q）", o.path+key, key, k)
			}
		}
		return v, true, nil
	}
	var found string
	var val any
	for k, v := range o.m {
		if strings.EqualFold(k, key) {
			if found != "" {
				return nil, false, malformed(o.path+key, "参数 %s 以不同大小写出现了多次（%q 与 %q）", o.path+key, found, k)
			}
			found, val = k, v
		}
	}
	return val, found != "", nil
}

// str returns the string parameter key ("" when absent or null); a value
// of another JSON type is a malformed request.
func (o object) str(key string) (string, *Failure) {
	v, ok, f := o.lookup(key)
	if f != nil || !ok || v == nil {
		return "", f
	}
	s, isStr := v.(string)
	if !isStr {
		return "", malformed(o.path+key, "参数 %s 应为字符串，实为%s", o.path+key, jsonKind(v))
	}
	return strings.TrimSpace(s), nil
}

// need is str for a required parameter: absent, null or blank is missing.
func (o object) need(key string) (string, *Failure) {
	s, f := o.str(key)
	if f == nil && s == "" {
		f = missing(o.path + key)
	}
	return s, f
}

// obj returns the object parameter key; absent or null gives an empty
// object and present=false.
func (o object) obj(key string) (object, bool, *Failure) {
	child := object{m: map[string]any{}, path: o.path + key + "."}
	v, ok, f := o.lookup(key)
	if f != nil || !ok || v == nil {
		return child, false, f
	}
	m, isObj := v.(map[string]any)
	if !isObj {
		return child, false, malformed(o.path+key, "参数 %s 应为 JSON 对象，实为%s", o.path+key, jsonKind(v))
	}
	child.m = m
	return child, true, nil
}

// needObj is obj for a required object.
func (o object) needObj(key string) (object, *Failure) {
	child, ok, f := o.obj(key)
	if f == nil && !ok {
		f = missing(o.path + key)
	}
	return child, f
}

// credentialKeys are the head's credential keys as a table spells them:
// 表3 writes head.AccountId and head.AccessToken, the others head.accountId
// and head.accessToken. Keys match in any case; messages use the table's.
type credentialKeys struct{ id, token string }

var (
	lowerHead = credentialKeys{"accountId", "accessToken"}
	upperHead = credentialKeys{"AccountId", "AccessToken"} // 表3
)

// params adds the credentials, as the table names them, to an endpoint's
// parameter names (so the graph's "accountId" is named as the table does).
func (k credentialKeys) params(p map[string]string) map[string]string {
	out := map[string]string{"accountId": "head." + k.id, "accessToken": "head." + k.token}
	for g, s := range p {
		out[g] = s
	}
	return out
}

// headerParams adds the 6.5.x credentials (X-Account-Id, X-Access-Token) to
// an endpoint's parameter names.
func headerParams(p map[string]string) map[string]string {
	out := map[string]string{"accountId": "X-Account-Id", "accessToken": "X-Access-Token"}
	for g, s := range p {
		out[g] = s
	}
	return out
}

// headAndData reads the envelope most tables use: the credentials in the
// required head (keys as the table spells them) and the required data object.
func headAndData(r *request, keys credentialKeys) (*reqinfo.Credentials, object, *Failure) {
	h, f := r.root.needObj("head")
	if f != nil {
		return nil, object{}, f
	}
	creds, f := headCredentials(h, keys)
	if f != nil {
		return nil, object{}, f
	}
	d, f := r.root.needObj("data")
	if f != nil {
		return nil, object{}, f
	}
	return creds, d, nil
}

// keyAndUseFor reads the envelope, data.<key> (required) and data.useFor
// (one of allowed) into the variables varName and useFor: tables 4, 5 and 8.
func keyAndUseFor(r *request, key, varName string, allowed ...string) (*call, *Failure) {
	creds, d, f := headAndData(r, lowerHead)
	if f != nil {
		return nil, f
	}
	v, f := d.need(key)
	if f != nil {
		return nil, f
	}
	u, f := useFor(d, "useFor", allowed...)
	if f != nil {
		return nil, f
	}
	return &call{vars: map[string]any{varName: v, "useFor": u}, creds: creds}, nil
}

// headCredentials reads the required head.accountId and head.accessToken
// (spelled as keys says).
func headCredentials(head object, keys credentialKeys) (*reqinfo.Credentials, *Failure) {
	id, f := head.need(keys.id)
	if f != nil {
		return nil, f
	}
	tok, f := head.need(keys.token)
	if f != nil {
		return nil, f
	}
	return &reqinfo.Credentials{AccountID: id, Token: tok}, nil
}

// headerCredentials is how tables without a head (6.5.x) are authenticated:
// X-Account-Id / X-Access-Token, or head.accountId / head.accessToken when
// the client sends a head anyway. No token at all is an authentication
// failure naming where it goes.
func headerCredentials(r *request) (*reqinfo.Credentials, *Failure) {
	c := &reqinfo.Credentials{
		AccountID: strings.TrimSpace(r.header.Get("X-Account-Id")),
		Token:     strings.TrimSpace(r.header.Get("X-Access-Token")),
	}
	head, _, f := r.root.obj("head") // absent: an empty head
	if f != nil {
		return nil, f
	}
	id, f := head.str("accountId")
	if f != nil {
		return nil, f
	}
	tok, f := head.str("accessToken")
	if f != nil {
		return nil, f
	}
	if tok != "" {
		c.Token, c.AccountID = tok, id
	}
	if c.Token == "" {
		return nil, &Failure{Kind: KindAuth, Param: "X-Access-Token", Reason: models.CodeTitle(models.EUNAUTHENTICATED, models.Chinese) + "：缺少访问令牌（请求头 X-Access-Token 或 head.accessToken 为空）"}
	}
	return c, nil
}

// useForCodes maps the spec's useFor codes to the graph's UseFor enum.
var useForCodes = map[string]string{"01": "SHARED_APPLICATION", "02": "SHOW", "03": "VERIFICATION", "99": "OTHER"}

// useFor reads a required useFor parameter restricted to the codes the
// endpoint's table lists.
func useFor(o object, key string, allowed ...string) (string, *Failure) {
	v, f := o.need(key)
	if f != nil {
		return "", f
	}
	for _, a := range allowed {
		if v == a {
			return useForCodes[v], nil
		}
	}
	return "", invalid(o.path+key, "参数 %s 的值 %q 不是本接口允许的事由代码（%s）", o.path+key, v, strings.Join(allowed, "、"))
}

// optional puts s into vars under name unless it is empty.
func optional(vars map[string]any, name, s string) {
	if s != "" {
		vars[name] = s
	}
}
