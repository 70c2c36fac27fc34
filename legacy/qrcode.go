package legacy

import (
	"encoding/base64"
	"strings"
)

// 6.4.4 加密证照标识二维码获取服务 (表10): the code image of an encrypted
// identifier, answered as the PNG bytes (image/png); a failure answers the
// JSON envelope. 表10 places encryptedId in head (its "输出参数" label is a
// misprint for 输入参数); data.encryptedId is accepted too.

// qrcodeOperation is what 6.4.4 runs.
const qrcodeOperation = `query LegacyCodeImage($encryptedId: String!, $codeType: CodeType) {
  codeImage(encryptedId: $encryptedId, codeType: $codeType) {
    codeType
    png
  }
}`

var qrcodeEndpoint = &endpoint{
	Path:      "/api/cert/qrcode", // spec 6.4.4, 表10
	Operation: qrcodeOperation,
	params:    lowerHead.params(map[string]string{"encryptedId": "head.encryptedId", "codeType": "head.codeType"}),
	decode: func(r *request) (*call, *Failure) {
		h, f := r.root.needObj("head")
		if f != nil {
			return nil, f
		}
		creds, f := headCredentials(h, lowerHead)
		if f != nil {
			return nil, f
		}
		eid, f := h.str("encryptedId")
		if f != nil {
			return nil, f
		}
		if eid == "" {
			d, _, f := r.root.obj("data")
			if f != nil {
				return nil, f
			}
			if eid, f = d.str("encryptedId"); f != nil {
				return nil, f
			}
		}
		if eid == "" {
			return nil, missing("head.encryptedId")
		}
		ct, f := h.str("codeType")
		if f != nil {
			return nil, f
		}
		vars := map[string]any{"encryptedId": eid}
		switch strings.ToUpper(ct) {
		case "":
		case "QR", "GM":
			vars["codeType"] = strings.ToUpper(ct)
		default:
			return nil, invalid("head.codeType", "参数 head.codeType 的值 %q 不是 QR 或 GM", ct)
		}
		return &call{vars: vars, creds: creds}, nil
	},
	respond: func(data []byte) (reply, *Failure) {
		var out struct {
			CodeImage struct {
				PNG string `json:"png"`
			} `json:"codeImage"`
		}
		if f := unmarshalData(data, &out); f != nil {
			return reply{}, f
		}
		png, err := base64.StdEncoding.DecodeString(out.CodeImage.PNG)
		if err != nil || len(png) == 0 {
			return reply{}, &Failure{Kind: KindOther, Reason: "其他异常：二维码图像无法解码"}
		}
		return reply{png: png}, nil
	},
	fail: headFailure,
}
