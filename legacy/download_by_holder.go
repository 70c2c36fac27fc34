package legacy

// 6.3.1 基于持证主体代码申请下载电子证照文件服务 (表3): download links for
// a holder's certificates of one type. Revoked certificates are left out of
// the list: their layout files are no longer offered (docs/LEGACY.md).

// downloadByHolderOperation is what 6.3.1 runs.
const downloadByHolderOperation = `query LegacyDownloadByHolder($holderCode: String!, $holderType: String, $type: String, $number: String, $useFor: UseFor!) {
  certificates(holderCode: $holderCode, holderType: $holderType, type: $type, number: $number, useFor: $useFor) {
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

var downloadByHolderEndpoint = &endpoint{
	Path:      "/api/cert/download/by-holder", // spec 6.3.1, 表3
	Operation: downloadByHolderOperation,
	params:    upperHead.params(holderParams),
	decode: func(r *request) (*call, *Failure) {
		return decodeHolderQuery(r, holderQuery{typeParam: true, typeRequired: true, number: true, keys: upperHead}, "01", "02", "99")
	},
	respond: func(data []byte) (reply, *Failure) { return certificateList(data, notRevoked, toFileSummary) },
	fail:    headFailure,
}
