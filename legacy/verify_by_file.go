package legacy

import (
	"fmt"
	"strings"
)

// 6.5.2 基于证照版式文件的电子证照验证服务 (表12): verification of a layout
// file's data and seals. 表12 has data.* keys and no head, so the answer is
// {"data": {…}}; credentials come from X-Account-Id / X-Access-Token (or a
// head, if sent). Each text sits under 表12's label for it:
//
//	data.message    照面核验信息  the data check: the graph's dataVerify
//	data.detail     消息          the verdict: the graph's detail (接口调用失败：… when the call fails)
//	data.dataVerify 详情          labelled lines: result, data check, seal check, one line per seal
//	data.signVerify 签章验证信息  the graph's signVerify: seal verdict, one line per seal
//	data.result     核验结果      "1" verified, "0" not (or the call failed)

// verifyByFileOperation is what 6.5.2 runs.
const verifyByFileOperation = `query LegacyVerifyByFile($format: FileFormat!, $fileEntity: String!) {
  verifyByFile(format: $format, fileEntity: $fileEntity) {
    result
    detail
    dataVerify
    signVerify
    signatures { kind valid signer trusted }
  }
}`

var verifyByFileEndpoint = &endpoint{
	Path:      "/api/cert/verify/by-file", // spec 6.5.2, 表12
	Operation: verifyByFileOperation,
	params:    headerParams(map[string]string{"format": "data.fileFormat", "fileFormat": "data.fileFormat", "fileEntity": "data.fileEntity"}),
	decode: func(r *request) (*call, *Failure) {
		creds, f := headerCredentials(r)
		if f != nil {
			return nil, f
		}
		d, f := r.root.needObj("data")
		if f != nil {
			return nil, f
		}
		format, f := d.need("fileFormat")
		if f != nil {
			return nil, f
		}
		switch strings.ToLower(format) {
		case "pdf", "ofd":
		default:
			return nil, invalid("data.fileFormat", "参数 data.fileFormat 的值 %q 不是 pdf 或 ofd", format)
		}
		entity, f := d.need("fileEntity")
		if f != nil {
			return nil, f
		}
		return &call{vars: map[string]any{"format": strings.ToUpper(format), "fileEntity": entity}, creds: creds}, nil
	},
	respond: func(data []byte) (reply, *Failure) {
		var out struct {
			V fileVerification `json:"verifyByFile"`
		}
		if f := unmarshalData(data, &out); f != nil {
			return reply{}, f
		}
		result := "0"
		if out.V.Result {
			result = "1"
		}
		return reply{json: fileVerifyAnswer{Data: fileVerifyData{
			Message: out.V.DataVerify, Detail: out.V.Detail, DataVerify: out.V.details(), SignVerify: out.V.SignVerify, Result: result,
		}}}, nil
	},
	fail: func(f *Failure) any {
		return fileVerifyAnswer{Data: fileVerifyData{Detail: f.Message(), Result: "0"}}
	},
}

// fileVerification is the graph's answer as 6.5.2 selects it.
type fileVerification struct {
	Result     bool   `json:"result"`
	Detail     string `json:"detail"`
	DataVerify string `json:"dataVerify"`
	SignVerify string `json:"signVerify"`
	Signatures []struct {
		Kind    string  `json:"kind"`
		Valid   bool    `json:"valid"`
		Signer  *string `json:"signer"`
		Trusted bool    `json:"trusted"`
	} `json:"signatures"`
}

// signatureKinds names the graph's signature kinds in 详情.
var signatureKinds = map[string]string{
	"PDF_CMS": "PDF 数字签名", "OFD_SES_V4": "OFD 电子印章（GB/T 38540）",
	"OFD_SES_V1": "OFD 电子印章（GM/T 0031）", "OFD_SIGN": "OFD 数字签名",
}

// details is 详情: one labelled line per check.
func (v fileVerification) details() string {
	verdict := "未通过"
	if v.Result {
		verdict = "通过"
	}
	seals, _, _ := strings.Cut(v.SignVerify, "\n")
	lines := []string{"核验结果：" + verdict, "照面核验：" + v.DataVerify, "签章核验：" + seals}
	for i, s := range v.Signatures {
		kind := signatureKinds[s.Kind]
		if kind == "" {
			kind = "签章"
		}
		state, trust := "无效", "签名证书不受信任"
		if s.Valid {
			state = "有效"
		}
		if s.Trusted {
			trust = "签名证书受信任"
		}
		signer := ""
		if s.Signer != nil && *s.Signer != "" {
			signer = "，签署者“" + *s.Signer + "”"
		}
		lines = append(lines, fmt.Sprintf("第 %d 个签章：%s%s，%s，%s", i+1, kind, signer, state, trust))
	}
	return strings.Join(lines, "\n")
}

// fileVerifyAnswer is 表12's output.
type fileVerifyAnswer struct {
	Data fileVerifyData `json:"data"`
}

// fileVerifyData holds 表12's output fields in the table's order.
type fileVerifyData struct {
	DataVerify string `json:"dataVerify"`
	Message    string `json:"message"`
	Detail     string `json:"detail"`
	Result     string `json:"result"`
	SignVerify string `json:"signVerify"`
}
