package web

import (
	"bytes"
	"html/template"
	"net/http"
	"strings"
)

// publicPage is what a phone shows after scanning a code: valid or not, and
// masked details only.
var publicPage = template.Must(template.New("v").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>电子证照核验</title>
<style>
body{font-family:system-ui,"PingFang SC","Microsoft YaHei",sans-serif;margin:0;background:#f4f6f8;color:#222}
main{max-width:28rem;margin:2rem auto;background:#fff;border-radius:12px;box-shadow:0 2px 8px #0002;overflow:hidden}
header{padding:1.5rem;color:#fff;text-align:center}
header.ok{background:#1a7f37} header.bad{background:#b42318}
h1{margin:.2rem 0;font-size:1.6rem} p.reason{margin:.3rem 0 0;font-size:.95rem}
dl{margin:0;padding:1rem 1.5rem;display:grid;grid-template-columns:auto 1fr;gap:.6rem 1rem}
dt{color:#666} dd{margin:0;word-break:break-all}
footer{padding:0 1.5rem 1.2rem;color:#888;font-size:.8rem}
</style></head><body><main>
<header class="{{if .Valid}}ok{{else}}bad{{end}}" id="verdict" data-valid="{{.Valid}}">
<h1>{{if .Valid}}✓ 证照有效{{else}}✗ 证照无效{{end}}</h1>
<p class="reason">{{.Reason}}</p>
</header>
{{if .Found}}<dl>
<dt>证照类型</dt><dd id="type">{{.Type}}</dd>
<dt>持证主体</dt><dd id="holder">{{.Holder}}</dd>
<dt>主体代码</dt><dd id="code">{{.Code}}</dd>
<dt>颁发机构</dt><dd id="dept">{{.Dept}}</dd>
<dt>有效期</dt><dd id="validity">{{.Validity}}</dd>
</dl>{{end}}
<footer>{{.Province}}一体化政务服务平台 电子证照核验 · 个人信息已脱敏</footer>
</main></body></html>`))

// publicVerify serves GET /v/{encryptedId}: the public verification page
// the code images point at. It needs no account; it is audited.
func (s *Server) publicVerify(w http.ResponseWriter, req *http.Request) {
	ctx := req.Context()
	tok := strings.TrimPrefix(req.URL.Path, "/v/")
	view, err := s.Verifier.VerifyPublic(ctx, tok)
	if err != nil {
		s.Log.ErrorContext(ctx, "public verification", "err", err)
		http.Error(w, "暂时无法核验，请稍后再试", http.StatusServiceUnavailable)
		return
	}
	var page bytes.Buffer
	if err := publicPage.Execute(&page, view); err != nil {
		s.Log.ErrorContext(ctx, "public verification page", "err", err)
		http.Error(w, "暂时无法核验，请稍后再试", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Write(page.Bytes())
}
