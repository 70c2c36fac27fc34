package legacy

import (
	"bytes"
	"context"
	"encoding/json"

	"github.com/99designs/gqlgen/graphql"
)

// run executes e's operation in-process with vars and returns its data, or
// the first GraphQL error as a Failure. The executor's extensions and error
// presenter are the /graphql handler's, so limits and error codes agree.
func (h *Handler) run(ctx context.Context, e *endpoint, vars map[string]any) ([]byte, string, *Failure) {
	ctx = graphql.StartOperationTrace(ctx)
	now := graphql.Now()
	rc, errs := h.exec.CreateOperationContext(ctx, &graphql.RawParams{
		Query: e.Operation, Variables: vars, ReadTime: graphql.TraceTiming{Start: now, End: now},
	})
	var resp *graphql.Response
	if errs != nil {
		resp = h.exec.DispatchError(graphql.WithOperationContext(ctx, rc), errs)
	} else {
		handler, rctx := h.exec.DispatchOperation(ctx, rc)
		resp = handler(rctx)
	}
	if resp == nil {
		return nil, "", &Failure{Kind: KindOther, Reason: "其他异常：查询没有返回结果"}
	}
	if len(resp.Errors) > 0 && partialAnswer(resp) {
		// A holder answer whose national part is missing: the local part is
		// the answer, and the message says what is missing.
		return resp.Data, resp.Errors[0].Message, nil
	}
	if len(resp.Errors) > 0 {
		if code, _ := resp.Errors[0].Extensions["code"].(string); code == "GRAPHQL_VALIDATION_FAILED" || code == "GRAPHQL_PARSE_FAILED" {
			// The operation is a constant of this package: its failing to
			// validate is a bug here, not the caller's fault.
			h.log.ErrorContext(ctx, "legacy operation rejected by the schema", "path", e.Path, "err", resp.Errors[0].Message)
		}
		return nil, "", fromGraphQL(resp.Errors[0], e.params)
	}
	return resp.Data, "", nil
}

// partialAnswer reports whether resp is data plus errors that only say
// another region could not answer (extensions.region), with the field's
// data present.
func partialAnswer(resp *graphql.Response) bool {
	var data map[string]json.RawMessage
	if json.Unmarshal(resp.Data, &data) != nil || len(data) == 0 {
		return false
	}
	for _, v := range data {
		if string(v) == "null" {
			return false
		}
	}
	for _, e := range resp.Errors {
		if code, _ := e.Extensions["code"].(string); code != "UNAVAILABLE" {
			return false
		}
		if r, _ := e.Extensions["region"].(string); r == "" {
			return false
		}
	}
	return true
}

// withPartialMessage replaces the success message of an answer's head with
// 接口调用成功（全国部分不可用：…）, the one exception to the message rule.
func withPartialMessage(r reply, note string) reply {
	if r.json == nil || note == "" {
		return r
	}
	raw, err := json.Marshal(r.json)
	if err != nil {
		return r
	}
	msg, _ := json.Marshal(messagePartial(note))
	ok, _ := json.Marshal(messageSuccess)
	r.json = json.RawMessage(bytes.Replace(raw, append([]byte(`"message":`), ok...), append([]byte(`"message":`), msg...), 1))
	return r
}
