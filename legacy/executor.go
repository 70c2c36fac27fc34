package legacy

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
)

// run executes e's operation in-process with vars and returns its data, or
// the first GraphQL error as a Failure. The executor's extensions and error
// presenter are the /graphql handler's, so limits and error codes agree.
func (h *Handler) run(ctx context.Context, e *endpoint, vars map[string]any) ([]byte, *Failure) {
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
		return nil, &Failure{Kind: KindOther, Reason: "其他异常：查询没有返回结果"}
	}
	if len(resp.Errors) > 0 {
		if code, _ := resp.Errors[0].Extensions["code"].(string); code == "GRAPHQL_VALIDATION_FAILED" || code == "GRAPHQL_PARSE_FAILED" {
			// The operation is a constant of this package: its failing to
			// validate is a bug here, not the caller's fault.
			h.log.ErrorContext(ctx, "legacy operation rejected by the schema", "path", e.Path, "err", resp.Errors[0].Message)
		}
		return nil, fromGraphQL(resp.Errors[0], e.params)
	}
	return resp.Data, nil
}
