package legacy

// 6.4.2 基于证照标识获取证照信息服务 (表8): metadata and surface of one
// certificate.

// infoByIDOperation is what 6.4.2 runs.
const infoByIDOperation = `query LegacyInfoByID($id: ID!, $useFor: UseFor!) {
  certificate(id: $id, useFor: $useFor) {
    ...CertificateInfo
  }
}` + certificateInfoFragment

var infoByIDEndpoint = &endpoint{
	Path:      "/api/cert/info/by-id", // spec 6.4.2, 表8
	Operation: infoByIDOperation,
	params:    lowerHead.params(map[string]string{"id": "data.certificateID", "useFor": "data.useFor"}),
	decode:    decodeByID,
	respond: func(data []byte) (reply, *Failure) {
		c, f := oneCertificate(data, "certificate", "未找到该证照标识对应的电子证照")
		if f != nil {
			return reply{}, f
		}
		return reply{json: struct {
			Head head            `json:"head"`
			Data certificateInfo `json:"data"`
		}{okHead, toCertificateInfo(*c)}}, nil
	},
	fail: headFailure,
}
