package legacy

// 6.6 电子证照注册服务 (表14): a system registers with its name and address
// and receives an account id and access token. No credentials. The account
// is pending until approved (unless it registers from an auto-approve
// network); the answer does not say which, as 表14 has no field for it.

// registerOperation is what 6.6 runs.
const registerOperation = `mutation LegacyRegister($input: RegisterSystemInput!) {
  registerSystem(input: $input) {
    accountId
    accessToken
  }
}`

var registerEndpoint = &endpoint{
	Path:      "/api/system/register", // spec 6.6, 表14
	Operation: registerOperation,
	params:    map[string]string{"systemName": "systemName", "systemIp": "systemIp", "deptCode": "deptCode", "deptName": "deptName"},
	decode: func(r *request) (*call, *Failure) {
		in := map[string]any{}
		for _, k := range []string{"systemName", "systemIp", "deptCode", "deptName"} {
			v, f := r.root.need(k)
			if f != nil {
				return nil, f
			}
			in[k] = v
		}
		return &call{vars: map[string]any{"input": in}}, nil
	},
	respond: func(data []byte) (reply, *Failure) {
		var out struct {
			R struct {
				AccountID   string `json:"accountId"`
				AccessToken string `json:"accessToken"`
			} `json:"registerSystem"`
		}
		if f := unmarshalData(data, &out); f != nil {
			return reply{}, f
		}
		return reply{json: registerAnswer{Head: okHead, AccountID: out.R.AccountID, AccessToken: out.R.AccessToken}}, nil
	},
	fail: headFailure,
}

// registerAnswer is 表14's output.
type registerAnswer struct {
	Head        head   `json:"head"`
	AccountID   string `json:"accountId"`
	AccessToken string `json:"accessToken"`
}
