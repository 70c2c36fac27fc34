package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"certgraph/models"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// specDateOf is the test's own ISO → YYYY年MM月DD日 conversion.
func specDateOf(t *testing.T, v any) string {
	t.Helper()
	if v == nil {
		return "长期"
	}
	d, err := models.ParseDate(v.(string))
	if err != nil {
		t.Fatal(err)
	}
	return d.Spec()
}

// expectedInfo is what 表6/表8 must carry for a GraphQL certificate.
func expectedInfo(t *testing.T, c map[string]any) map[string]any {
	g := func(p string) any { return (&gqlResponse{Data: c}).get(p) }
	surfaces := []any{}
	for _, s := range c["surfaces"].([]any) {
		m := s.(map[string]any)
		surfaces = append(surfaces, map[string]any{"name": m["name"], "value": m["value"], "valueType": strings.ToLower(m["valueType"].(string)), "columnName": m["columnName"]})
	}
	return map[string]any{
		"certificateType": g("type.name"), "certificateName": g("name"), "certificateHolder": g("holder.name"),
		"certificateHolderCode": g("holder.code"), "certificateHolderType": g("holder.type.code"), "issueDept": g("issueDept.name"),
		"certificateNumber": g("number"), "issueDeptCode": g("issueDept.code"), "issueDate": specDateOf(t, g("issueDate")),
		"certificateValidateStart": specDateOf(t, g("validFrom")), "certificateValidateEnd": specDateOf(t, g("validUntil")),
		"digitalSign": "<digitalSign>", "Surface": surfaces,
	}
}

// plain turns a decoded legacy answer (json.Number) into plain JSON values.
func plain(v any) any {
	b, _ := json.Marshal(v)
	var out any
	json.Unmarshal(b, &out)
	return out
}

func sameJSON(t *testing.T, what string, got, want any) {
	t.Helper()
	g, w := plain(normalise(plain(got))), plain(normalise(plain(want)))
	if !reflect.DeepEqual(g, w) {
		gb, _ := json.Marshal(g)
		wb, _ := json.Marshal(w)
		t.Fatalf("%s: legacy answer differs from the GraphQL data\nlegacy:  %s\ngraphql: %s", what, gb, wb)
	}
}

// TestLegacyParity checks that each endpoint carries exactly the data of
// the equivalent GraphQL query on the same data.
func TestLegacyParity(t *testing.T) {
	e := newTestEnv(t, nil)
	fx := e.legacyFixture()
	head := map[string]any{"accountId": fx.accountID, "accessToken": fx.token}
	auth := []string{"X-Account-Id", fx.accountID, "X-Access-Token", fx.token}
	const certFields = `id name number issueDate validFrom validUntil digitalSign status type { name } holder { name code type { code } } issueDept { name code }
	  surfaces { name value valueType columnName } fileLink { format url }`
	// The legacy endpoints answer in Chinese: the graph does too when asked.
	zh := []string{"Accept-Language", "zh-CN,zh;q=0.9,en;q=0.8"}

	t.Run("6.2 and 6.4.1 and 6.3.1", func(t *testing.T) {
		g := e.gql(fx.token, `query($c: String!) { certificates(holderCode: $c, type: "居民身份证", useFor: SHARED_APPLICATION) { `+certFields+` } }`, map[string]any{"c": personCode}).must(t)
		certs := g.list("certificates")
		var search, info, files []any
		kept := 0
		for _, c := range certs {
			m := c.(map[string]any)
			search = append(search, map[string]any{"certificateID": m["id"], "certificateType": "居民身份证", "issueDept": "四川省公安厅", "certificateNumber": m["number"], "issueDate": specDateOf(t, m["issueDate"])})
			info = append(info, expectedInfo(t, m))
			f := map[string]any{"certificateType": "居民身份证", "issueDept": "四川省公安厅", "certificateNumber": m["number"], "issueDate": specDateOf(t, m["issueDate"]), "fileFormat": "", "fileUrl": ""}
			if l, ok := m["fileLink"].(map[string]any); ok {
				f["fileFormat"], f["fileUrl"] = strings.ToLower(l["format"].(string)), l["url"]
			}
			// 表3 leaves revoked certificates out: their files are no longer offered.
			if m["status"] != "REVOKED" {
				files = append(files, f)
				kept++
			}
		}
		if kept == len(certs) {
			t.Fatal("the fixture has no revoked certificate to leave out")
		}
		data := map[string]any{"certificateHolderCode": personCode, "certificateType": "居民身份证", "useFor": "01"}
		r := e.legacyJSON("/api/cert/search", map[string]any{"head": head, "data": data})
		sameJSON(t, "6.2", r.get("data"), map[string]any{"total": len(certs), "dataList": search})
		r = e.legacyJSON("/api/cert/info/by-holder", map[string]any{"head": head, "data": data})
		sameJSON(t, "6.4.1", r.get("data"), map[string]any{"total": len(certs), "dataList": info})
		r = e.legacyJSON("/api/cert/download/by-holder", map[string]any{"head": head, "data": data})
		sameJSON(t, "6.3.1", r.get("data"), map[string]any{"total": kept, "dataList": files})
	})
	t.Run("6.4.2 and 6.3.2 and 6.3.3", func(t *testing.T) {
		g := e.gql(fx.token, `query($id: ID!) { certificate(id: $id, useFor: SHOW) { `+certFields+` } }`, map[string]any{"id": fx.valid.ID}).must(t)
		m := g.get("certificate").(map[string]any)
		r := e.legacyJSON("/api/cert/info/by-id", map[string]any{"head": head, "data": map[string]any{"certificateID": fx.valid.ID, "useFor": "02"}})
		sameJSON(t, "6.4.2", r.get("data"), expectedInfo(t, m))
		want := map[string]any{"certificateType": "居民身份证", "issueDept": "四川省公安厅", "certificateNumber": m["number"], "issueDate": specDateOf(t, m["issueDate"]), "fileFormat": "pdf", "fileUrl": "x"}
		r = e.legacyJSON("/api/cert/download/by-id", map[string]any{"head": head, "data": map[string]any{"certificateID": fx.valid.ID, "useFor": "02"}})
		sameJSON(t, "6.3.2", r.get("data"), map[string]any{"dataList": []any{want}})
		// The link works and serves the same file the graph's link does.
		for _, u := range []string{r.str("data.dataList.0.fileUrl"), m["fileLink"].(map[string]any)["url"].(string)} {
			if got := httpGetBytes(t, u); !bytes.Equal(got, fx.pdf) {
				t.Fatalf("%s does not serve the certificate's layout file", u)
			}
		}
		r = e.legacyJSON("/api/cert/download/by-encrypted-id", map[string]any{"head": head, "data": map[string]any{"encryptedId": fx.encryptedID, "useFor": "02"}})
		sameJSON(t, "6.3.3", r.get("data"), want)
	})
	t.Run("6.4.3", func(t *testing.T) {
		g := e.gql(fx.token, `query($c: String!) { encryptedIds(holderCode: $c) { encryptedId } }`, map[string]any{"c": personCode}).must(t)
		r := e.legacyJSON("/api/cert/encrypted-id", map[string]any{"head": head, "data": map[string]any{"certificateHolderCode": personCode}})
		var items []map[string]string
		if err := json.Unmarshal([]byte(r.str("ifResultInfo")), &items); err != nil {
			t.Fatalf("ifResultInfo is not the JSON text of an array: %v", err)
		}
		if len(items) != len(g.list("encryptedIds")) || len(items) != 3 {
			t.Fatalf("legacy has %d encrypted ids, GraphQL %d", len(items), len(g.list("encryptedIds")))
		}
		// Fresh ids differ each time; both stand for the same certificates.
		for i, it := range items {
			a := e.gql(fx.token, `query($e: String!) { verifyEncryptedId(encryptedId: $e) { certificateId } }`, map[string]any{"e": it["encryptedId"]}).must(t)
			b := e.gql(fx.token, `query($e: String!) { verifyEncryptedId(encryptedId: $e) { certificateId } }`, map[string]any{"e": g.str("encryptedIds." + string(rune('0'+i)) + ".encryptedId")}).must(t)
			if a.str("verifyEncryptedId.certificateId") != b.str("verifyEncryptedId.certificateId") {
				t.Fatalf("encrypted id %d: legacy stands for %s, GraphQL for %s", i, a.str("verifyEncryptedId.certificateId"), b.str("verifyEncryptedId.certificateId"))
			}
		}
	})
	t.Run("6.5.x", func(t *testing.T) {
		g := e.gql(fx.token, `query { v: verifyByFields(input: {holderCode: "`+personCode+`", number: "NO20180001", useFor: SHARED_APPLICATION}) { result reason certificateId } }`, nil, zh...).must(t)
		r := e.legacyJSON("/api/cert/verify/by-fields", map[string]any{"CertificateHolderCode": personCode, "CertificateData": map[string]any{"certificateNumber": "NO20180001"}, "UseFor": "01"}, auth...)
		sameJSON(t, "6.5.1", map[string]any{"VerifyResult": r.str("VerifyResult"), "ifResultInfo": r.str("ifResultInfo")},
			map[string]any{"VerifyResult": "false", "ifResultInfo": `[{"certificateID":"` + g.str("v.certificateId") + `","reason":"` + g.str("v.reason") + `"}]`})
		// Only the holder code: every certificate of the holder matches, each named with its state.
		g = e.gql(fx.token, `query { v: verifyByFields(input: {holderCode: "`+personCode+`", useFor: SHARED_APPLICATION}) { result matches { certificateId reason } } }`, nil, zh...).must(t)
		r = e.legacyJSON("/api/cert/verify/by-fields", map[string]any{"CertificateHolderCode": personCode, "UseFor": "01"}, auth...)
		var items []map[string]any
		for _, m := range g.list("v.matches") {
			items = append(items, map[string]any{"certificateID": m.(map[string]any)["certificateId"], "reason": m.(map[string]any)["reason"]})
		}
		if len(items) != 3 {
			t.Fatalf("want the holder's 3 certificates as matches: %s", g.Raw)
		}
		var got []map[string]any
		if err := json.Unmarshal([]byte(r.str("ifResultInfo")), &got); err != nil {
			t.Fatalf("ifResultInfo is not the JSON text of a list: %s", r.Raw)
		}
		sameJSON(t, "6.5.1 holder only", map[string]any{"VerifyResult": r.str("VerifyResult"), "ifResultInfo": got},
			map[string]any{"VerifyResult": "true", "ifResultInfo": items})
		entity := base64.StdEncoding.EncodeToString(fx.pdf)
		g = e.gql(fx.token, `query($f: String!) { v: verifyByFile(format: PDF, fileEntity: $f) { result detail dataVerify signVerify signatures { signer } } }`, map[string]any{"f": entity}, zh...).must(t)
		r = e.legacyJSON("/api/cert/verify/by-file", map[string]any{"data": map[string]any{"fileFormat": "pdf", "fileEntity": entity}}, auth...)
		seals, _, _ := strings.Cut(g.str("v.signVerify"), "\n")
		details := strings.Join([]string{"核验结果：通过", "照面核验：" + g.str("v.dataVerify"), "签章核验：" + seals,
			"第 1 个签章：PDF 数字签名，签署者“" + g.str("v.signatures.0.signer") + "”，有效，签名证书受信任"}, "\n")
		// 表12: message 照面核验信息, detail 消息, dataVerify 详情, signVerify 签章验证信息.
		sameJSON(t, "6.5.2", r.get("data"), map[string]any{"message": g.str("v.dataVerify"), "detail": g.str("v.detail"), "dataVerify": details, "result": "1", "signVerify": g.str("v.signVerify")})
		g = e.gql(fx.token, `query($e: String!) { v: verifyEncryptedId(encryptedId: $e) { result reason } }`, map[string]any{"e": fx.revokedEncryptedID}, zh...).must(t)
		r = e.legacyJSON("/api/cert/verify/by-encrypted-id", map[string]any{"encryptedId": fx.revokedEncryptedID}, auth...)
		sameJSON(t, "6.5.3", r.Body, map[string]any{"VerifyResult": "false", "message": g.str("v.reason")})
	})
	t.Run("6.6", func(t *testing.T) {
		r := e.legacyJSON("/api/system/register", map[string]any{"systemName": "系统𠈌", "systemIp": "10.9.9.9", "deptCode": deptCode, "deptName": "部门"})
		g := e.gql(testAdminToken, `query { accounts(status: PENDING) { id systemName systemIp deptCode deptName } }`, nil).must(t)
		found := false
		for _, a := range g.list("accounts") {
			m := a.(map[string]any)
			if m["id"] == r.str("accountId") {
				found = m["systemName"] == "系统𠈌" && m["systemIp"] == "10.9.9.9" && m["deptCode"] == deptCode && m["deptName"] == "部门"
			}
		}
		if !found || r.str("accessToken") == "" {
			t.Fatalf("registration %s not stored as sent: %s", r.Raw, g.Raw)
		}
	})
}

func httpGetBytes(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := httpClientGet(url)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// TestLegacyGB18030RoundTrip sends a name outside the BMP (𠈌) in GB 18030
// and in UTF-8 and gets it back in the same charset.
func TestLegacyGB18030RoundTrip(t *testing.T) {
	e := newTestEnv(t, nil)
	fx := e.legacyFixture()
	req := map[string]any{"CertificateHolderCode": personCode, "CertificateData": map[string]any{"certificateHolder": "张𠈌", "certificateNumber": "NO20240001"}, "UseFor": "01"}
	b, _ := json.Marshal(req)
	gb, _ := simplifiedchinese.GB18030.NewEncoder().Bytes(b)
	if !bytes.Contains(gb, []byte{0x95, 0x32, 0xB7, 0x30}) {
		t.Fatalf("test body does not carry 𠈌 as the GB 18030 four-byte sequence 95 32 B7 30")
	}
	for _, ct := range []string{"application/json; charset=GB18030", "application/json; charset=GBK", "application/json;charset=gb2312"} {
		r := e.legacyPost("/api/cert/verify/by-fields", ct, gb, "X-Account-Id", fx.accountID, "X-Access-Token", fx.token)
		if r.str("VerifyResult") != "true" {
			t.Fatalf("%s: the holder name did not match after decoding: %s", ct, r.Raw)
		}
	}
	info, _ := json.Marshal(map[string]any{"head": map[string]any{"accountId": fx.accountID, "accessToken": fx.token}, "data": map[string]any{"certificateID": fx.valid.ID, "useFor": "01"}})
	for _, ct := range []string{"application/json", "application/json; charset=GB18030"} {
		body := info
		if strings.Contains(ct, "GB") {
			body, _ = simplifiedchinese.GB18030.NewEncoder().Bytes(info)
		}
		r := e.legacyPost("/api/cert/info/by-id", ct, body)
		if r.str("data.certificateHolder") != "张𠈌" {
			t.Fatalf("%s: holder %q, want 张𠈌", ct, r.str("data.certificateHolder"))
		}
		if strings.Contains(ct, "GB") && !bytes.Contains(r.Raw, []byte{0x95, 0x32, 0xB7, 0x30}) {
			t.Fatalf("GB18030 answer does not encode 𠈌 as 95 32 B7 30")
		}
	}
}

// TestLegacyCodeImage decodes 6.4.4's QR PNG with zbarimg back to the
// payload the graph reports; GM answers a PNG too.
func TestLegacyCodeImage(t *testing.T) {
	e := newTestEnv(t, nil)
	fx := e.legacyFixture()
	g := e.gql(fx.token, `query($e: String!) { codeImage(encryptedId: $e) { payload } }`, map[string]any{"e": fx.encryptedID}).must(t)
	for _, ct := range []string{"", "QR", "GM", "gm"} {
		h := map[string]any{"accountId": fx.accountID, "accessToken": fx.token, "encryptedId": fx.encryptedID}
		if ct != "" {
			h["codeType"] = ct
		}
		r := e.legacyJSON("/api/cert/qrcode", map[string]any{"head": h})
		if r.ContentType != "image/png" || !bytes.HasPrefix(r.Raw, []byte("\x89PNG\r\n\x1a\n")) {
			t.Fatalf("codeType %q: not a PNG (%s): %.200s", ct, r.ContentType, r.Raw)
		}
		if strings.EqualFold(ct, "GM") {
			continue // no decoder exists for Grid Matrix (see internal/barcode's zint comparison)
		}
		zbar := requireZbarimg(t)
		file := filepath.Join(t.TempDir(), "code.png")
		os.WriteFile(file, r.Raw, 0o644)
		out, err := exec.Command(zbar, "--raw", "-q", file).Output()
		if err != nil {
			t.Fatalf("zbarimg: %v", err)
		}
		if got := strings.TrimSpace(string(out)); got != g.str("codeImage.payload") || !strings.Contains(got, "/v/"+fx.encryptedID) {
			t.Fatalf("QR decodes to %q, want %q", got, g.str("codeImage.payload"))
		}
	}
}

func httpClientGet(url string) ([]byte, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}
