package legacy

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"certgraph/internal/reqinfo"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// fakeExecutor answers every operation with a fixed response, so the fuzz
// target exercises decoding and mapping without a database.
type fakeExecutor struct{ resp *graphql.Response }

func (f fakeExecutor) CreateOperationContext(ctx context.Context, p *graphql.RawParams) (*graphql.OperationContext, gqlerror.List) {
	return &graphql.OperationContext{RawQuery: p.Query, Variables: p.Variables}, nil
}

func (f fakeExecutor) DispatchOperation(ctx context.Context, rc *graphql.OperationContext) (graphql.ResponseHandler, context.Context) {
	return graphql.OneShot(f.resp), ctx
}

func (f fakeExecutor) DispatchError(ctx context.Context, list gqlerror.List) *graphql.Response {
	return &graphql.Response{Errors: list}
}

type noRequests struct{}

func (noRequests) WithRequest(ctx context.Context, _ reqinfo.RequestInfo) context.Context {
	return ctx
}

// fakeResponses are what the fake executor may answer: empty data, null
// data, and an error of each code the graph uses.
var fakeResponses = []*graphql.Response{
	{Data: json.RawMessage(`{}`)},
	{Data: json.RawMessage(`null`)},
	{Data: json.RawMessage(`{"certificates":[{"id":"x","validUntil":null,"surfaces":[{"valueType":"PICTURE"}],"fileLink":{"format":"PDF","url":"u"}}],"certificate":{"issueDate":"bad"},"codeImage":{"png":"iVBORw0KGgo="},"encryptedIds":[{"encryptedId":"e"}]}`)},
	{Errors: gqlerror.List{{Message: "holderCode: bad", Extensions: map[string]any{"code": "BAD_USER_INPUT", "field": "holderCode"}}}},
	{Errors: gqlerror.List{{Message: "no", Extensions: map[string]any{"code": "UNAUTHENTICATED"}}}},
	{Errors: gqlerror.List{{Message: "gone", Extensions: map[string]any{"code": "NOT_FOUND"}}}},
	{Errors: gqlerror.List{{Message: "x"}}},
}

// FuzzLegacyDecode posts arbitrary bodies in UTF-8 or GB 18030 to every
// endpoint: the adapter must never panic, never answer 5xx, and always
// answer JSON in the declared charset (or a PNG from 6.4.4).
func FuzzLegacyDecode(f *testing.F) {
	for i := range endpoints() {
		f.Add(uint8(i), uint8(0), []byte(`{"head":{"accountId":"a","accessToken":"t"},"data":{"certificateHolderCode":"x","useFor":"01"}}`))
		f.Add(uint8(i), uint8(9), []byte(`{"head":{"AccountId":"a","ACCESSTOKEN":"t","encryptedId":"e","codeType":"gm"},"data":{"certificateID":"1","useFor":"02","certificateType":"t"}}`))
		f.Add(uint8(i), uint8(2), []byte(`{"CertificateHolderCode":"x","CertificateData":{"issueDate":"2024年01月01日","certificateValidateEnd":"长期"},"UseFor":"99"}`))
		f.Add(uint8(i), uint8(11), []byte(`{"data":{"fileFormat":"pdf","fileEntity":"JVBERi0="},"encryptedId":"e","systemName":"s","systemIp":"i","deptCode":"d","deptName":"n"}`))
		f.Add(uint8(i), uint8(1), []byte(`{"head":`))
		f.Add(uint8(i), uint8(5), []byte{'{', '"', 0x81, 0x20, '"', ':', '1', '}'})
	}
	endpoints := endpoints()
	f.Fuzz(func(t *testing.T, which, mode uint8, body []byte) {
		e := endpoints[int(which)%len(endpoints)]
		h := New(Config{Executor: fakeExecutor{fakeResponses[int(mode>>1)%len(fakeResponses)]}, Requests: noRequests{}, MaxBodyBytes: 1 << 16})
		ct := "application/json"
		if mode&1 == 1 {
			ct = "application/json; charset=GB18030"
		}
		req := httptest.NewRequest(http.MethodPost, e.Path, bytes.NewReader(body))
		req.Header.Set("Content-Type", ct)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s answered %d", e.Path, rec.Code)
		}
		got := rec.Header().Get("Content-Type")
		if got == "image/png" {
			return
		}
		out := rec.Body.Bytes()
		if strings.Contains(got, "GB18030") {
			var err error
			if out, err = simplifiedchinese.GB18030.NewDecoder().Bytes(out); err != nil {
				t.Fatalf("%s: answer is not GB 18030: %v", e.Path, err)
			}
		}
		if !json.Valid(out) {
			t.Fatalf("%s: answer is not JSON: %q", e.Path, out)
		}
	})
}

// TestDecodeUnit covers decoding details the HTTP tests do not reach.
func TestDecodeUnit(t *testing.T) {
	// The same key twice, exactly or in another case, at any depth, is
	// refused when the body is read: encoding/json would keep the last.
	for _, body := range []string{`{"Data":{"useFor":"01"},"data":{}}`, `{"head":{"accessToken":"bad","accessToken":"good"}}`,
		`{"head":{"accessToken":"bad","ACCESSTOKEN":"good"}}`, `{"data":[{"a":1,"b":{"c":1,"C":2}}]}`} {
		if _, f := parseBody(body); f == nil || f.Kind != KindMalformed {
			t.Fatalf("%s: duplicate keys must be refused, got %v", body, f)
		}
	}
	if _, f := parseBody(`{"head":{"a":1},"data":{"a":1,"list":[{"a":1},{"a":2}]}}`); f != nil {
		t.Fatalf("the same key in different objects was refused: %v", f)
	}
	if _, f := parseBody(`{"a":1} {"b":2}`); f == nil {
		t.Fatal("trailing JSON must be refused")
	}
	if _, f := requestCharset("application/json; charset=latin1"); f == nil {
		t.Fatal("an unsupported charset must be refused")
	}
	for _, c := range []struct {
		in   []byte
		want int
	}{{[]byte{'a', 'b', 0x81, 0x20}, 2}, {[]byte{0x84, 0x31, 0xA4, 0x37, 0xFF}, 4}} {
		if _, f := gb18030Charset.decode(c.in); f == nil || !strings.Contains(f.Reason, "第 "+string(rune('0'+c.want))+" 字节") {
			t.Fatalf("% x: failure %v, want offset %d", c.in, f, c.want)
		}
	}
	// U+FFFD itself, properly encoded, is not an error.
	if s, f := gb18030Charset.decode([]byte{'"', 0x84, 0x31, 0xA4, 0x37, '"'}); f != nil || s != "\"\uFFFD\"" {
		t.Fatalf("encoded U+FFFD: %q %v", s, f)
	}
	for kind, want := range map[Kind]string{KindAuth: "11", KindMissing: "12", KindMalformed: "24", KindInvalid: "24", KindNotFound: "99", KindOther: "99"} {
		if got := (&Failure{Kind: kind}).DetailedStatus(); got != want {
			t.Fatalf("kind %d: status %s, want %s", kind, got, want)
		}
	}
}

// FuzzDuplicateKeysScan: on any valid JSON, the byte scan finds the same
// duplicate key (same failure) as the tokenizer, or gives up.
func FuzzDuplicateKeysScan(f *testing.F) {
	for _, s := range []string{`{"a":1,"A":2}`, `{"head":{"accountId":"a","AccountId":"b"}}`, `{"a":[{"b":1,"b":2}]}`,
		`{"a":"x\"y","a":1}`, `{"k\u0041":1,"kA":2}`, `[{"x":true,"y":null,"X":false}]`, `{"a":{"b":{"c":1}},"b":{"c":2,"C":3}}`,
		`{"数据":1,"数据":2}`, `{"ǅ":1,"ǆ":2}`, ` { "a" : -1.5e3 , "b" : [ 1 , 2 ] , "a" : 0 } `, `"s"`, `12`, `{}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		if !json.Valid([]byte(text)) {
			return
		}
		got, scanned := duplicateKeysScan(text)
		if !scanned {
			return
		}
		if want := duplicateKeys(text); !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: scan says %+v, tokenizer %+v", text, got, want)
		}
	})
}
