package legacy

import (
	"encoding/json"
	"reflect"
	"testing"
)

// dataShapes are the shapes the endpoints decode operation data into:
// certificates (one, a list), and a verification's bool, string and list.
type dataShapes struct {
	One  map[string]*gqlCertificate
	List struct {
		Certificates []gqlCertificate `json:"certificates"`
	}
	Verify struct {
		V struct {
			Result  bool   `json:"result"`
			Reason  string `json:"reason"`
			Matches []struct {
				CertificateID string `json:"certificateId"`
			} `json:"matches"`
		} `json:"verifyByFields"`
	}
}

// sameAsEncodingJSON decodes data into each shape with unmarshalData and
// with encoding/json and reports where they differ.
func sameAsEncodingJSON(t *testing.T, data []byte) {
	t.Helper()
	var got, want dataShapes
	for _, c := range []struct {
		name      string
		got, want any
	}{{"one", &got.One, &want.One}, {"list", &got.List, &want.List}, {"verify", &got.Verify, &want.Verify}} {
		f := unmarshalData(data, c.got)
		err := json.Unmarshal(data, c.want)
		if (f != nil) != (err != nil) {
			t.Fatalf("%s: %q: unmarshalData failed %v, encoding/json failed %v", c.name, data, f != nil, err)
		}
		if err == nil && !reflect.DeepEqual(c.got, c.want) {
			t.Fatalf("%s: %q:\nunmarshalData %+v\nencoding/json %+v", c.name, data, c.got, c.want)
		}
	}
}

var dataSamples = []string{
	`{"certificate":{"type":{"name":"居民身份证"},"name":"居民身份证","holder":{"name":"张三","code":"510104199001011234","type":{"code":"111"}},"issueDept":{"name":"成都市公安局","code":"11510104MB0000000X"},"number":"510104199001011234","issueDate":"2020-01-01","validFrom":"2020-01-01","validUntil":null,"digitalSign":"MEUCIQ==","surfaces":[{"name":"姓名","value":"张三","valueType":"STRING","columnName":"xm"},{"name":"出生","value":"1990-01-01","valueType":"DATE","columnName":"cs"}]}}`,
	`{"certificate":null}`,
	`{"certificates":[{"id":"a","status":"REVOKED","revokedAt":"2024-01-01T00:00:00Z","fileLink":{"format":"PDF","url":"/f"}},{"id":"b","fileLink":null}]}`,
	`{"verifyByFields":{"result":true,"reason":"","matches":[{"certificateId":"x"}]}}`,
	`{"certificate":{"name":"\"\\\/\b\f\n\r\t\u0000\u001f\u00e9\ud83d\ude00\u2028<>&","surfaces":[]}}`,
	"{\"certificate\":{\"name\":\"\xff\xfe invalid UTF-8 \xc3\"}}",
	`{"certificate":{"NAME":"case","Name":"folded","unknown":{"deep":[1,2,{"x":null}]}}}`,
	`{"certificate":{"name":"first","name":"last"}}`,
	`{"verifyByFields":{"result":"true"}}`,
	`{"certificates":{}}`,
	`{"certificate":{"surfaces":[null,{"name":"n"}]}}`,
	`{"certificate":{"validUntil":"2030-01-01","revokedAt":null}}  `,
	`not json`,
	`{"certificate":{"name":"unterminated}}`,
	``,
}

// TestDataDecodesAsEncodingJSON: the operation data the legacy endpoints
// read decodes as encoding/json decodes it, escapes, invalid UTF-8, case
// folding and repeated keys included.
func TestDataDecodesAsEncodingJSON(t *testing.T) {
	for _, s := range dataSamples {
		sameAsEncodingJSON(t, []byte(s))
	}
}

func FuzzDataDecodesAsEncodingJSON(f *testing.F) {
	for _, s := range dataSamples {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 64<<10 {
			return
		}
		sameAsEncodingJSON(t, data)
	})
}
