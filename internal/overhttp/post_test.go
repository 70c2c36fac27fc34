package overhttp

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// executor answers every operation with its response and refuses every
// query "invalid" with a validation error, as gqlgen's executor does.
type executor struct {
	resp   *graphql.Response
	params *graphql.RawParams // the last operation's
}

func (e *executor) CreateOperationContext(_ context.Context, p *graphql.RawParams) (*graphql.OperationContext, gqlerror.List) {
	e.params = p
	if p.Query == "invalid" {
		err := gqlerror.Errorf("Cannot query field \"invalid\" on type \"Query\".")
		errcode.Set(err, errcode.ValidationFailed)
		return &graphql.OperationContext{}, gqlerror.List{err}
	}
	return &graphql.OperationContext{RawQuery: p.Query}, nil
}

func (e *executor) DispatchOperation(ctx context.Context, _ *graphql.OperationContext) (graphql.ResponseHandler, context.Context) {
	return func(context.Context) *graphql.Response { return e.resp }, ctx
}

func (e *executor) DispatchError(_ context.Context, list gqlerror.List) *graphql.Response {
	return &graphql.Response{Errors: list}
}

func post(t *testing.T, x *executor, accept, body string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json; charset=utf-8")
	if accept != "" {
		r.Header.Set("Accept", accept)
	}
	if !(POST{}).Supports(r) {
		t.Fatal("POST does not support a POST with a JSON body")
	}
	w := httptest.NewRecorder()
	POST{}.Do(w, r, x)
	return w
}

func TestPOSTAnswers(t *testing.T) {
	x := &executor{resp: &graphql.Response{Data: json.RawMessage(`{"a":"<b>&"}`)}}
	for _, c := range []struct {
		name, accept, body string
		status             int
		contentType, want  string
	}{
		{"an answer", "", `{"query":"{a}"}`, 200, applicationJSON, `{"data":{"a":"<b>&"}}`},
		{"an answer, graphql-response+json", graphqlResponseJSON, `{"query":"{a}"}`, 200, graphqlResponseJSON, `{"data":{"a":"<b>&"}}`},
		{"no query", "", `{"variables":{}}`, 400, applicationJSON, noQuery},
		{"no query, graphql-response+json", graphqlResponseJSON, `{}`, 400, applicationJSON, noQuery},
		{"a validation error", "", `{"query":"invalid"}`, 200, applicationJSON,
			`{"errors":[{"message":"Cannot query field \"invalid\" on type \"Query\".","extensions":{"code":"GRAPHQL_VALIDATION_FAILED"}}],"data":null}`},
		{"a validation error, graphql-response+json", "application/graphql-response+json, application/json", `{"query":"invalid"}`, 400, graphqlResponseJSON,
			`{"errors":[{"message":"Cannot query field \"invalid\" on type \"Query\".","extensions":{"code":"GRAPHQL_VALIDATION_FAILED"}}]}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := post(t, x, c.accept, c.body)
			if w.Code != c.status || w.Header().Get("Content-Type") != c.contentType || w.Body.String() != c.want {
				t.Fatalf("answered %d %s %s\nwant %d %s %s", w.Code, w.Header().Get("Content-Type"), w.Body, c.status, c.contentType, c.want)
			}
		})
	}
	t.Run("a body that is not JSON", func(t *testing.T) {
		for _, accept := range []string{"", graphqlResponseJSON} {
			w := post(t, x, accept, `{"query":`)
			var got map[string]json.RawMessage
			if w.Code != 400 || json.Unmarshal(w.Body.Bytes(), &got) != nil || got["errors"] == nil {
				t.Fatalf("Accept %q: answered %d %s", accept, w.Code, w.Body)
			}
			if _, data := got["data"]; data != (accept == "") {
				t.Fatalf("Accept %q: data entry present %v: %s", accept, data, w.Body)
			}
		}
	})
	t.Run("the body reaches the executor whole", func(t *testing.T) {
		post(t, x, "", `{"query":"query Q($n: Int) { a }","operationName":"Q","variables":{"n":12345678901234567890},"extensions":{"e":true}}`)
		p := x.params
		if p.Query != "query Q($n: Int) { a }" || p.OperationName != "Q" || p.Variables["n"] != json.Number("12345678901234567890") ||
			p.Extensions["e"] != true || p.Headers == nil {
			t.Fatalf("the executor was given %+v", p)
		}
	})
}

// TestWriteIsJSONMarshal: write writes what json.Marshal writes for an
// answer, but for <, > and & in the data, which it leaves as they are.
func TestWriteIsJSONMarshal(t *testing.T) {
	errs := gqlerror.List{{Message: "<no>", Path: ast.Path{ast.PathName("a"), ast.PathIndex(0)}, Extensions: map[string]any{"code": "X"}}}
	for _, resp := range []*graphql.Response{
		{Data: json.RawMessage(`{"a":[1,"x"]}`)},
		{},
		{Data: json.RawMessage(`null`)},
		{Errors: errs},
		{Errors: errs, Data: json.RawMessage(`{"a":null}`), Extensions: map[string]any{"z": 1, "a": "<"}},
		{Data: json.RawMessage(`{}`), Extensions: map[string]any{"k": []int{1}}},
	} {
		var b bytes.Buffer
		write(&b, resp, true)
		want, err := json.Marshal(resp)
		if err != nil {
			t.Fatal(err)
		}
		if b.String() != string(want) {
			t.Errorf("wrote %s\njson.Marshal %s", b.Bytes(), want)
		}
	}
	var none bytes.Buffer
	if write(&none, nil, true); none.String() != "null" {
		t.Errorf("wrote %s for no response", none.Bytes())
	}
	var b bytes.Buffer
	write(&b, &graphql.Response{Data: json.RawMessage(`{"s":"a<b>&c"}`)}, true)
	var got, want any
	json.Unmarshal(b.Bytes(), &got)
	json.Unmarshal([]byte(`{"data":{"s":"a<b>&c"}}`), &want)
	if b.String() != `{"data":{"s":"a<b>&c"}}` || !reflect.DeepEqual(got, want) {
		t.Errorf("wrote %s", b.Bytes())
	}
}
