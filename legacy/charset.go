package legacy

import (
	"bytes"
	"encoding/json"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// charset is how a request body is encoded, and so how its answer is.
type charset int

const (
	utf8Charset charset = iota
	// gb18030Charset covers GB18030, GBK and GB2312 labels: GB 18030 is a
	// superset of both, so decoding with it accepts every valid GBK/GB2312
	// body, and only it can encode every answer (e.g. 𠈌, outside the BMP).
	gb18030Charset
)

// requestCharset reads the charset parameter of a Content-Type header.
func requestCharset(contentType string) (charset, *Failure) {
	if strings.TrimSpace(contentType) == "" {
		return utf8Charset, nil
	}
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return utf8Charset, malformed("Content-Type", "无法解析请求头 Content-Type 的值 %q", contentType)
	}
	switch strings.ToLower(strings.TrimSpace(params["charset"])) {
	case "", "utf-8", "utf8":
		return utf8Charset, nil
	case "gb18030", "gbk", "gb2312", "cp936", "x-gbk", "windows-936":
		return gb18030Charset, nil
	default:
		return utf8Charset, malformed("Content-Type", "不支持的字符集 %q（支持 UTF-8、GB18030、GBK、GB2312）", params["charset"])
	}
}

// gbReplacement is U+FFFD encoded in GB 18030: a body may carry it
// legitimately, so only replacement characters beyond these are errors.
var gbReplacement = []byte{0x84, 0x31, 0xA4, 0x37}

// decode turns a body into UTF-8 text, refusing invalid byte sequences
// rather than passing mojibake on.
func (c charset) decode(raw []byte) (string, *Failure) {
	if c == utf8Charset {
		if !utf8.Valid(raw) {
			return "", malformed("", "请求体含有无效的 UTF-8 字节序列（第 %d 字节起）；GB 18030 编码的请求请在 Content-Type 中声明 charset=GB18030", invalidUTF8At(raw))
		}
		return string(raw), nil
	}
	out, err := simplifiedchinese.GB18030.NewDecoder().Bytes(raw)
	if err != nil {
		return "", malformed("", "请求体不是有效的 GB 18030 编码")
	}
	// The x/text decoder substitutes U+FFFD for invalid sequences.
	if bytes.Count(out, []byte("\uFFFD")) != bytes.Count(raw, gbReplacement) {
		return "", malformed("", "请求体含有无效的 GB 18030 字节序列（第 %d 字节起）", invalidGBAt(raw))
	}
	return string(out), nil
}

func invalidUTF8At(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// invalidGBAt finds the first byte offset from which the body stops
// decoding as GB 18030, by decoding growing prefixes at character
// boundaries (only on the failure path).
func invalidGBAt(b []byte) int {
	dec := simplifiedchinese.GB18030.NewDecoder()
	for i := 0; i < len(b); {
		ok := false
		for n := 1; n <= 4 && i+n <= len(b); n++ {
			out, err := dec.Bytes(b[i : i+n])
			if err == nil && (!bytes.Contains(out, []byte("\uFFFD")) || bytes.Equal(b[i:i+n], gbReplacement)) {
				i += n
				ok = true
				break
			}
		}
		if !ok {
			return i
		}
	}
	return len(b)
}

// label is the Content-Type of a JSON answer in this charset.
func (c charset) label() string {
	if c == gb18030Charset {
		return "application/json; charset=GB18030"
	}
	return "application/json; charset=utf-8"
}

// encode serialises v (field order as the Go types declare it, no HTML
// escaping so URLs stay readable) in this charset.
func (c charset) encode(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	if c == gb18030Charset {
		return simplifiedchinese.GB18030.NewEncoder().Bytes(buf.Bytes())
	}
	return buf.Bytes(), nil
}

// writeJSON sends v with its status and charset label.
func writeJSON(w http.ResponseWriter, status int, c charset, v any) {
	body, err := c.encode(v)
	if err != nil {
		// Only reachable with a value JSON cannot express; answer in UTF-8.
		c = utf8Charset
		body = []byte(`{"head":{"message":"接口调用失败：无法编码应答","status":"1"}}` + "\n")
	}
	w.Header().Set("Content-Type", c.label())
	w.WriteHeader(status)
	w.Write(body)
}
