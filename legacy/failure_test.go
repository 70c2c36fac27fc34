package legacy

import (
	"errors"
	"testing"

	"certgraph/models"

	"github.com/vektah/gqlparser/v2/gqlerror"
)

// TestFromGraphQL maps the graph's errors: a domain error by its code's
// Chinese title and the message the graph rendered; others by
// extensions.code without passing on their (English) text.
func TestFromGraphQL(t *testing.T) {
	params := map[string]string{"id": "data.certificateID"}
	domain := &gqlerror.Error{Message: "访问令牌无效", Err: models.Errorf(models.EUNAUTHENTICATED, "access token is not valid"),
		Extensions: map[string]any{"code": "UNAUTHENTICATED"}}
	for _, c := range []struct {
		err    *gqlerror.Error
		kind   Kind
		reason string
		status string
	}{
		{domain, KindAuth, "身份验证失败：访问令牌无效", "11"},
		{&gqlerror.Error{Message: "Expected type UseFor, found X.", Extensions: map[string]any{"code": "BAD_USER_INPUT", "field": "id"}}, KindInvalid, "参数错误：参数 data.certificateID 的值不符合接口要求", "24"},
		{&gqlerror.Error{Message: "内部错误，详情已记入日志", Extensions: map[string]any{"code": "INTERNAL"}}, KindOther, "内部错误，详情已记入日志", "99"},
		{&gqlerror.Error{Message: "something broke", Extensions: map[string]any{"code": "UNAVAILABLE"}}, KindOther, "其他异常：查询未能完成", "99"},
	} {
		f := fromGraphQL(c.err, params)
		if f.Kind != c.kind || f.Reason != c.reason || f.DetailedStatus() != c.status {
			t.Errorf("%q: got kind %d %q %s", c.err.Message, f.Kind, f.Reason, f.DetailedStatus())
		}
	}
	if !errors.Is(domain, domain.Err) {
		t.Fatal("gqlerror no longer unwraps to the domain error")
	}
}
