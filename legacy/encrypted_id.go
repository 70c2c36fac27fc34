package legacy

import "encoding/json"

// 6.4.3 加密证照标识信息获取服务 (表9): encrypted identifiers of a holder's
// certificates. Output is top-level ifResult/ifResultInfo, ifResultInfo
// being the JSON text of [{"encryptedId": "…"}] (docs/LEGACY.md).

// encryptedIDOperation is what 6.4.3 runs; 表9 has no useFor, so the
// graph's default (SHOW, 亮证) applies.
const encryptedIDOperation = `query LegacyEncryptedIds($holderCode: String!, $holderType: String, $number: String) {
  encryptedIds(holderCode: $holderCode, holderType: $holderType, number: $number) {
    encryptedId
  }
}`

var encryptedIDEndpoint = &endpoint{
	Path:      "/api/cert/encrypted-id", // spec 6.4.3, 表9
	Operation: encryptedIDOperation,
	params:    lowerHead.params(holderParams),
	decode: func(r *request) (*call, *Failure) {
		return decodeHolderQuery(r, holderQuery{number: true, noUseFor: true, keys: lowerHead})
	},
	respond: func(data []byte) (reply, *Failure) {
		var out struct {
			EncryptedIDs []struct {
				EncryptedID string `json:"encryptedId"`
			} `json:"encryptedIds"`
		}
		if f := unmarshalData(data, &out); f != nil {
			return reply{}, f
		}
		type item struct {
			EncryptedID string `json:"encryptedId"`
		}
		list := make([]item, 0, len(out.EncryptedIDs))
		for _, e := range out.EncryptedIDs {
			list = append(list, item{e.EncryptedID})
		}
		text, _ := json.Marshal(list)
		return reply{json: ifResultAnswer{IfResult: statusSuccess, IfResultInfo: string(text)}}, nil
	},
	fail: func(f *Failure) any {
		return ifResultAnswer{IfResult: f.DetailedStatus(), IfResultInfo: f.Message()}
	},
}

// ifResultAnswer is 表9's output.
type ifResultAnswer struct {
	IfResult     string `json:"ifResult"`
	IfResultInfo string `json:"ifResultInfo"`
}
