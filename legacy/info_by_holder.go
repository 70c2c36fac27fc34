package legacy

// 6.4.1 基于持证主体代码获取证照信息服务 (表6, 表7): metadata and surface of a
// holder's certificates of one type.

// infoByHolderOperation is what 6.4.1 runs.
const infoByHolderOperation = `query LegacyInfoByHolder($holderCode: String!, $holderType: String, $type: String, $number: String, $useFor: UseFor!) {
  certificates(holderCode: $holderCode, holderType: $holderType, type: $type, number: $number, useFor: $useFor) {
    ...CertificateInfo
  }
}` + certificateInfoFragment

var infoByHolderEndpoint = &endpoint{
	Path:      "/api/cert/info/by-holder", // spec 6.4.1, 表6, 表7
	Operation: infoByHolderOperation,
	params:    lowerHead.params(holderParams),
	decode: func(r *request) (*call, *Failure) {
		return decodeHolderQuery(r, holderQuery{typeParam: true, typeRequired: true, number: true, keys: lowerHead}, "01", "02", "99")
	},
	respond: func(data []byte) (reply, *Failure) { return certificateList(data, nil, toCertificateInfo) },
	fail:    headFailure,
}
