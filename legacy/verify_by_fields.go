package legacy

import (
	"encoding/json"

	"certgraph/models"
)

// 6.5.1 基于字段内容的电子证照验证服务 (表11): whether the given fields match
// a valid certificate. Input and output keys are top-level; credentials
// come from X-Account-Id / X-Access-Token (or a head, if sent). VerifyResult
// is "true" when a certificate matching every given field is valid today;
// ifResultInfo names every matching certificate with its state's reason
// (several when only CertificateHolderCode narrows the search).

// verifyByFieldsOperation is what 6.5.1 runs.
const verifyByFieldsOperation = `query LegacyVerifyByFields($input: VerifyFieldsInput!) {
  verifyByFields(input: $input) {
    result
    reason
    matches { certificateId reason }
  }
}`

// verifyFieldParams pairs 表11's CertificateData keys with VerifyFieldsInput fields.
var verifyFieldParams = []struct{ spec, graph string }{
	{"certificateType", "type"}, {"certificateName", "name"}, {"certificateNumber", "number"},
	{"certificateHolder", "holder"}, {"issueDept", "issueDept"}, {"issueDeptCode", "issueDeptCode"},
}

var verifyByFieldsEndpoint = &endpoint{
	Path:      "/api/cert/verify/by-fields", // spec 6.5.1, 表11
	Operation: verifyByFieldsOperation,
	params: headerParams(map[string]string{
		"holderCode": "CertificateHolderCode", "holderType": "CertificateHolderType", "useFor": "UseFor",
		"type": "CertificateData.certificateType", "name": "CertificateData.certificateName", "number": "CertificateData.certificateNumber",
		"holder": "CertificateData.certificateHolder", "issueDept": "CertificateData.issueDept", "issueDeptCode": "CertificateData.issueDeptCode",
		"issueDate": "CertificateData.issueDate", "validFrom": "CertificateData.certificateValidateStart",
		"validUntil": "CertificateData.certificateValidateEnd", "longTerm": "CertificateData.certificateValidateEnd",
	}),
	decode: func(r *request) (*call, *Failure) {
		creds, f := headerCredentials(r)
		if f != nil {
			return nil, f
		}
		in := map[string]any{}
		code, f := r.root.need("CertificateHolderCode")
		if f != nil {
			return nil, f
		}
		in["holderCode"] = code
		typ, f := r.root.str("CertificateHolderType")
		if f != nil {
			return nil, f
		}
		optional(in, "holderType", typ)
		d, _, f := r.root.obj("CertificateData")
		if f != nil {
			return nil, f
		}
		for _, p := range verifyFieldParams {
			v, f := d.str(p.spec)
			if f != nil {
				return nil, f
			}
			optional(in, p.graph, v)
		}
		for _, p := range []struct{ spec, graph string }{{"issueDate", "issueDate"}, {"certificateValidateStart", "validFrom"}, {"certificateValidateEnd", "validUntil"}} {
			v, f := d.str(p.spec)
			if f != nil {
				return nil, f
			}
			switch {
			case v == "":
			case v == longTerm && p.graph == "validUntil":
				in["longTerm"] = true
			default:
				date, err := models.ParseDate(v)
				if err != nil {
					return nil, invalid(d.path+p.spec, "参数 %s 的值 %q 不是日期（应为 YYYY年MM月DD日%s）", d.path+p.spec, v, map[bool]string{true: "或“长期”", false: ""}[p.graph == "validUntil"])
				}
				in[p.graph] = date.String()
			}
		}
		u, f := useFor(r.root, "UseFor", "01", "02", "99")
		if f != nil {
			return nil, f
		}
		in["useFor"] = u
		return &call{vars: map[string]any{"input": in}, creds: creds}, nil
	},
	respond: func(data []byte) (reply, *Failure) {
		type item struct {
			CertificateID string `json:"certificateID"`
			Reason        string `json:"reason"`
		}
		var out struct {
			V struct {
				Result  bool   `json:"result"`
				Reason  string `json:"reason"`
				Matches []struct {
					CertificateID string `json:"certificateId"`
					Reason        string `json:"reason"`
				} `json:"matches"`
			} `json:"verifyByFields"`
		}
		if f := unmarshalData(data, &out); f != nil {
			return reply{}, f
		}
		// Every certificate matching all the given fields, each with its
		// state; none matching: one item without an identifier saying why.
		list := []item{}
		for _, m := range out.V.Matches {
			list = append(list, item{m.CertificateID, m.Reason})
		}
		if len(list) == 0 {
			list = append(list, item{"", out.V.Reason})
		}
		text, _ := json.Marshal(list)
		return reply{json: verifyFieldsAnswer{IfResult: statusSuccess, IfResultInfo: string(text), VerifyResult: boolText(out.V.Result)}}, nil
	},
	fail: func(f *Failure) any {
		return verifyFieldsAnswer{IfResult: f.DetailedStatus(), IfResultInfo: f.Message(), VerifyResult: "false"}
	},
}

// verifyFieldsAnswer is 表11's output; msgId is reserved (预留) and empty.
type verifyFieldsAnswer struct {
	IfResult     string `json:"ifResult"`
	IfResultInfo string `json:"ifResultInfo"`
	VerifyResult string `json:"VerifyResult"`
	MsgID        string `json:"msgId"`
}

// boolText is the tables' "true"/"false" string.
func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
