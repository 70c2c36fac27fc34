package legacy

import (
	"errors"
	"fmt"
	"time"

	"certgraph/models"

	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Kind classifies why a legacy call failed; each endpoint maps it to its
// table's status codes in one place (Failure.Status, Failure.DetailedStatus).
type Kind int

// Failure kinds.
const (
	// KindAuth: missing, unknown, pending, revoked or expired credentials,
	// or an account not allowed to do this.
	KindAuth Kind = iota + 1
	// KindMissing: a required parameter is absent, null or blank.
	KindMissing
	// KindMalformed: the body cannot be read: charset, JSON syntax, JSON
	// types (a number where the table says 字符串), size.
	KindMalformed
	// KindInvalid: a parameter is well-formed JSON but its value is wrong
	// (an unknown useFor code, a bad holder code, a bad identifier).
	KindInvalid
	// KindNotFound: the certificate asked for does not exist here.
	KindNotFound
	// KindRevoked: the certificate asked for is revoked, so its layout file
	// is not offered for download (6.3.x).
	KindRevoked
	// KindOther: anything else (a dependency unavailable, an internal error).
	KindOther
)

// Failure is a failed legacy call: why (Kind), which spec parameter it
// concerns (Param, may be empty) and a reason safe to show the caller.
type Failure struct {
	Kind   Kind
	Param  string
	Reason string
}

// Error implements error.
func (f *Failure) Error() string { return f.Reason }

// Message is head.message (and the text of other failure fields).
func (f *Failure) Message() string { return failurePrefix + f.Reason }

// Status is the two-valued head.status of most tables: "1" on failure.
func (f *Failure) Status() string { return statusFailure }

// DetailedStatus is the status of table 4 (6.3.2) and of ifResult:
// 11 身份验证失败, 12 必填参数为空, 24 数据无法解析, 99 其他异常 (a revoked
// or unknown certificate among them: its data was read, not unparseable).
func (f *Failure) DetailedStatus() string {
	switch f.Kind {
	case KindAuth:
		return "11"
	case KindMissing:
		return "12"
	case KindMalformed, KindInvalid:
		return "24"
	}
	return "99"
}

const (
	statusSuccess  = "0"
	statusFailure  = "1"
	messageSuccess = "接口调用成功"
	// messagePartialPrefix starts the message of a holder answer whose
	// national part is missing (the local part is answered).
	messagePartialPrefix = "接口调用成功（全国部分不可用："
	failurePrefix        = "接口调用失败："
)

func missing(param string) *Failure {
	return &Failure{Kind: KindMissing, Param: param, Reason: "必填参数 " + param + " 为空"}
}

func malformed(param, format string, args ...any) *Failure {
	return &Failure{Kind: KindMalformed, Param: param, Reason: fmt.Sprintf(format, args...)}
}

func invalid(param, format string, args ...any) *Failure {
	return &Failure{Kind: KindInvalid, Param: param, Reason: fmt.Sprintf(format, args...)}
}

func notFound(format string, args ...any) *Failure {
	return &Failure{Kind: KindNotFound, Reason: fmt.Sprintf(format, args...)}
}

// revoked is the failure of a download of a revoked certificate: its
// layout file is no longer offered (the link would answer 410). The reason
// is the catalogue's, with the revocation day in 年月日.
func revoked(c gqlCertificate) *Failure {
	var day models.Date
	if c.RevokedAt != nil {
		if t, err := time.Parse(time.RFC3339, *c.RevokedAt); err == nil {
			day = models.DayOf(t)
		}
	}
	return &Failure{Kind: KindRevoked, Reason: models.Say("the certificate was revoked on %s: %s", day, c.RevokeReason).In(models.Chinese)}
}

// graphQLKinds maps the graph's extensions.code to failure kinds.
var graphQLKinds = map[string]Kind{
	"UNAUTHENTICATED": KindAuth, "FORBIDDEN": KindAuth,
	"BAD_USER_INPUT": KindInvalid, "GRAPHQL_VALIDATION_FAILED": KindInvalid, "GRAPHQL_PARSE_FAILED": KindInvalid,
	"NOT_FOUND": KindNotFound,
}

// fromGraphQL maps a GraphQL error to a Failure. The graph renders domain
// errors in the request's language and terms (Chinese, the table's
// parameter names: see namer), so their message is the reason, after the
// Chinese title of their code from the same catalogue. Errors of no domain
// code (the schema refusing a value) are named by extensions.field.
func fromGraphQL(e *gqlerror.Error, params map[string]string) *Failure {
	code, _ := e.Extensions["code"].(string)
	field, _ := e.Extensions["field"].(string)
	f := &Failure{Kind: KindOther, Param: params[field]}
	if k, ok := graphQLKinds[code]; ok {
		f.Kind = k
	}
	var derr *models.Error
	if errors.As(e, &derr) {
		f.Reason = models.CodeTitle(derr.Code, models.Chinese) + "：" + e.Message
		return f
	}
	switch {
	case code == "INTERNAL":
		f.Reason = e.Message // the presenter's generic text: 内部错误，详情已记入日志
	case f.Kind == KindInvalid && f.Param != "":
		f.Reason = models.CodeTitle(models.EINVALID, models.Chinese) + "：参数 " + f.Param + " 的值不符合接口要求"
	case f.Kind == KindInvalid:
		f.Reason = models.CodeTitle(models.EINVALID, models.Chinese) + "：参数值不符合接口要求"
	default:
		f.Reason = "其他异常：查询未能完成"
	}
	return f
}

// messagePartial is 接口调用成功（全国部分不可用：reason）.
func messagePartial(reason string) string { return messagePartialPrefix + reason + "）" }

// namer names the graph's fields in messages as the endpoint's table
// spells them (params), so texts the graph renders speak the table's terms.
func namer(params map[string]string) models.Namer {
	return func(field string) string {
		if p, ok := params[field]; ok {
			return p
		}
		return field
	}
}

// rateLimited is the failure of a request over the per-client-address rate
// limit (the per-account limit arrives as a graph error, RATE_LIMITED).
func rateLimited(retryAfterSeconds int) *Failure {
	if retryAfterSeconds < 1 {
		retryAfterSeconds = 1
	}
	return &Failure{Kind: KindOther, Reason: models.CodeTitle(models.ERATELIMITED, models.Chinese) + "：" +
		models.Say("too many requests from this address; try again in %d s", retryAfterSeconds).In(models.Chinese)}
}
