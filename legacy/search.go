package legacy

// 6.2 电子证照检索服务 (表2): a holder's certificates (identifiers) list.

// searchOperation is what 6.2 runs.
const searchOperation = `query LegacySearch($holderCode: String!, $holderType: String, $type: String, $useFor: UseFor!) {
  certificates(holderCode: $holderCode, holderType: $holderType, type: $type, useFor: $useFor) {
    id
    type { name }
    issueDept { name }
    number
    issueDate
  }
}`

var searchEndpoint = &endpoint{
	Path:      "/api/cert/search", // spec 6.2, 表2
	Operation: searchOperation,
	params:    lowerHead.params(holderParams),
	decode: func(r *request) (*call, *Failure) {
		return decodeHolderQuery(r, holderQuery{typeParam: true, typeRequired: false, number: false, keys: lowerHead}, "01", "02", "03", "99")
	},
	respond: func(data []byte) (reply, *Failure) {
		return certificateList(data, nil, func(c gqlCertificate) searchItem {
			return searchItem{CertificateID: c.ID, CertificateType: c.Type.Name, IssueDept: c.IssueDept.Name, CertificateNumber: c.Number, IssueDate: specDate(c.IssueDate)}
		})
	},
	fail: headFailure,
}

// searchItem is one certificate of 表2's output.
type searchItem struct {
	CertificateID     string `json:"certificateID"`
	CertificateType   string `json:"certificateType"`
	IssueDept         string `json:"issueDept"`
	CertificateNumber string `json:"certificateNumber"`
	IssueDate         string `json:"issueDate"`
}

// certificateList answers a certificates(...) result as the spec's list
// shape, {"total": N, "dataList": [...]}, one item per certificate that keep
// accepts (every one when keep is nil).
func certificateList[T any](data []byte, keep func(gqlCertificate) bool, item func(gqlCertificate) T) (reply, *Failure) {
	var out struct {
		Certificates []gqlCertificate `json:"certificates"`
	}
	if f := unmarshalData(data, &out); f != nil {
		return reply{}, f
	}
	list := make([]T, 0, len(out.Certificates))
	for _, c := range out.Certificates {
		if keep == nil || keep(c) {
			list = append(list, item(c))
		}
	}
	return reply{json: listAnswer[T]{Head: okHead, Data: listData[T]{Total: len(list), DataList: list}}}, nil
}

// listAnswer is {"head": …, "data": {"total": N, "dataList": […]}}.
type listAnswer[T any] struct {
	Head head        `json:"head"`
	Data listData[T] `json:"data"`
}

type listData[T any] struct {
	Total    int `json:"total"`
	DataList []T `json:"dataList"`
}

// holderParams names the graph's holder-query arguments as 表2/3/6/9 do.
var holderParams = map[string]string{
	"holderCode": "data.certificateHolderCode", "holderType": "data.certificateHolderType",
	"type": "data.certificateType", "number": "data.certificateNumber", "useFor": "data.useFor",
}

// holderQuery says which optional inputs a holder-keyed table has.
type holderQuery struct {
	typeParam, typeRequired, number, noUseFor bool
	keys                                      credentialKeys
}

// decodeHolderQuery reads the head credentials and the holder-keyed data
// of tables 2, 3, 6 and 9 into certificates(...) variables.
func decodeHolderQuery(r *request, q holderQuery, allowedUseFor ...string) (*call, *Failure) {
	creds, d, f := headAndData(r, q.keys)
	if f != nil {
		return nil, f
	}
	vars := map[string]any{}
	code, f := d.need("certificateHolderCode")
	if f != nil {
		return nil, f
	}
	vars["holderCode"] = code
	typ, f := d.str("certificateHolderType")
	if f != nil {
		return nil, f
	}
	optional(vars, "holderType", typ)
	if q.typeParam {
		get := d.str
		if q.typeRequired {
			get = d.need
		}
		ct, f := get("certificateType")
		if f != nil {
			return nil, f
		}
		optional(vars, "type", ct)
	}
	if q.number {
		n, f := d.str("certificateNumber")
		if f != nil {
			return nil, f
		}
		optional(vars, "number", n)
	}
	if !q.noUseFor {
		u, f := useFor(d, "useFor", allowedUseFor...)
		if f != nil {
			return nil, f
		}
		vars["useFor"] = u
	}
	return &call{vars: vars, creds: creds}, nil
}
