package legacy

import "strings"

// 6.5.2 基于证照版式文件的电子证照验证服务 (表12): verification of a layout
// file's data and seals. 表12 has data.* keys and no head, so the answer is
// {"data": {…}}; credentials come from X-Account-Id / X-Access-Token (or a
// head, if sent). Mapping: data.dataVerify, data.detail and data.signVerify
// are the graph's fields of the same names, data.result is "1"/"0", and
// data.message is 接口调用成功 or 接口调用失败：reason (a failed call also has
// result "0").

// verifyByFileOperation is what 6.5.2 runs.
const verifyByFileOperation = `query LegacyVerifyByFile($format: FileFormat!, $fileEntity: String!) {
  verifyByFile(format: $format, fileEntity: $fileEntity) {
    result
    detail
    dataVerify
    signVerify
  }
}`

var verifyByFileEndpoint = &endpoint{
	Path:      "/api/cert/verify/by-file", // spec 6.5.2, 表12
	Operation: verifyByFileOperation,
	params:    map[string]string{"format": "data.fileFormat", "fileFormat": "data.fileFormat", "fileEntity": "data.fileEntity"},
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
			V struct {
				Result     bool   `json:"result"`
				Detail     string `json:"detail"`
				DataVerify string `json:"dataVerify"`
				SignVerify string `json:"signVerify"`
			} `json:"verifyByFile"`
		}
		if f := unmarshalData(data, &out); f != nil {
			return reply{}, f
		}
		result := "0"
		if out.V.Result {
			result = "1"
		}
		return reply{json: fileVerifyAnswer{Data: fileVerifyData{
			DataVerify: out.V.DataVerify, Message: messageSuccess, Detail: out.V.Detail, Result: result, SignVerify: out.V.SignVerify,
		}}}, nil
	},
	fail: func(f *Failure) any {
		return fileVerifyAnswer{Data: fileVerifyData{Message: f.Message(), Detail: f.Reason, Result: "0"}}
	},
}

// fileVerifyAnswer is 表12's output.
type fileVerifyAnswer struct {
	Data fileVerifyData `json:"data"`
}

type fileVerifyData struct {
	DataVerify string `json:"dataVerify"`
	Message    string `json:"message"`
	Detail     string `json:"detail"`
	Result     string `json:"result"`
	SignVerify string `json:"signVerify"`
}
