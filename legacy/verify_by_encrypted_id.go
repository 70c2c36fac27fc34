package legacy

// 6.5.3 加密电子证照标识验证服务 (表13): whether an encrypted identifier is
// genuine, unexpired and stands for a valid certificate. 表13's only output
// is VerifyResult; message (an addition) says why, for people reading logs.
// Credentials come from X-Account-Id / X-Access-Token (or a head, if sent).

// verifyByEncryptedIDOperation is what 6.5.3 runs.
const verifyByEncryptedIDOperation = `query LegacyVerifyEncryptedId($encryptedId: String!) {
  verifyEncryptedId(encryptedId: $encryptedId) {
    result
    reason
  }
}`

var verifyByEncryptedIDEndpoint = &endpoint{
	Path:      "/api/cert/verify/by-encrypted-id", // spec 6.5.3, 表13
	Operation: verifyByEncryptedIDOperation,
	params:    headerParams(map[string]string{"encryptedId": "encryptedId"}),
	decode: func(r *request) (*call, *Failure) {
		creds, f := headerCredentials(r)
		if f != nil {
			return nil, f
		}
		eid, f := r.root.need("encryptedId")
		if f != nil {
			return nil, f
		}
		return &call{vars: map[string]any{"encryptedId": eid}, creds: creds}, nil
	},
	respond: func(data []byte) (reply, *Failure) {
		var out struct {
			V struct {
				Result bool   `json:"result"`
				Reason string `json:"reason"`
			} `json:"verifyEncryptedId"`
		}
		if f := unmarshalData(data, &out); f != nil {
			return reply{}, f
		}
		return reply{json: verifyAnswer{VerifyResult: boolText(out.V.Result), Message: out.V.Reason}}, nil
	},
	fail: func(f *Failure) any {
		return verifyAnswer{VerifyResult: "false", Message: f.Message()}
	},
}

// verifyAnswer is 表13's output plus the reason.
type verifyAnswer struct {
	VerifyResult string `json:"VerifyResult"`
	Message      string `json:"message"`
}
