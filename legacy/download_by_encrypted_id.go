package legacy

// 6.3.3 基于加密证照标识申请下载电子证照文件服务 (表5): the download link of
// the certificate an encrypted identifier stands for.

// downloadByEncryptedIDOperation is what 6.3.3 runs.
const downloadByEncryptedIDOperation = `query LegacyDownloadByEncryptedID($encryptedId: String!, $useFor: UseFor!) {
  certificateByEncryptedId(encryptedId: $encryptedId, useFor: $useFor) {
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

var downloadByEncryptedIDEndpoint = &endpoint{
	Path:      "/api/cert/download/by-encrypted-id", // spec 6.3.3, 表5
	Operation: downloadByEncryptedIDOperation,
	params:    lowerHead.params(map[string]string{"encryptedId": "data.encryptedId", "useFor": "data.useFor", "id": "data.encryptedId"}),
	decode: func(r *request) (*call, *Failure) {
		return keyAndUseFor(r, "encryptedId", "encryptedId", "01", "02", "99")
	},
	respond: func(data []byte) (reply, *Failure) {
		c, f := downloadable(data, "certificateByEncryptedId", "加密证照标识对应的电子证照已不存在")
		if f != nil {
			return reply{}, f
		}
		return reply{json: struct {
			Head head        `json:"head"`
			Data fileSummary `json:"data"`
		}{okHead, toFileSummary(*c)}}, nil
	},
	fail: headFailure,
}
