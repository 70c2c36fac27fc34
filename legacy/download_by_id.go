package legacy

// 6.3.2 基于证照标识申请下载电子证照文件服务 (表4): the download link of one
// certificate. This table alone has the detailed status codes 0/11/12/24/99.

// downloadByIDOperation is what 6.3.2 runs.
const downloadByIDOperation = `query LegacyDownloadByID($id: ID!, $useFor: UseFor!) {
  certificate(id: $id, useFor: $useFor) {
    type { name }
    issueDept { name }
    number
    issueDate
    status
    revokedAt
    revokeReason
    fileLink { format url }
  }
}`

var downloadByIDEndpoint = &endpoint{
	Path:      "/api/cert/download/by-id", // spec 6.3.2, 表4
	Operation: downloadByIDOperation,
	params:    lowerHead.params(map[string]string{"id": "data.certificateID", "useFor": "data.useFor"}),
	decode: func(r *request) (*call, *Failure) {
		return decodeByID(r)
	},
	respond: func(data []byte) (reply, *Failure) {
		c, f := downloadable(data, "certificate", "未找到该证照标识对应的电子证照")
		if f != nil {
			return reply{}, f
		}
		return reply{json: downloadByIDAnswer{Head: okHead, Data: downloadList{DataList: []fileSummary{toFileSummary(*c)}}}}, nil
	},
	fail: func(f *Failure) any {
		return struct {
			Head head `json:"head"`
		}{head{Message: f.Message(), Status: f.DetailedStatus()}}
	},
}

// downloadByIDAnswer is 表4's output: data.dataList without a total.
type downloadByIDAnswer struct {
	Head head         `json:"head"`
	Data downloadList `json:"data"`
}

type downloadList struct {
	DataList []fileSummary `json:"dataList"`
}

// decodeByID reads tables 4 and 8: head credentials, data.certificateID
// and data.useFor (01/02/99).
func decodeByID(r *request) (*call, *Failure) {
	return keyAndUseFor(r, "certificateID", "id", "01", "02", "99")
}
