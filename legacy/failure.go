package legacy

import (
	"fmt"
	"strings"

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
// 11 身份验证失败, 12 必填参数为空, 24 数据无法解析, 99 其他异常.
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
	failurePrefix  = "接口调用失败："
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

// rateLimited is the failure of a request over a rate limit.
func rateLimited(retryAfterSeconds int) *Failure {
	if retryAfterSeconds < 1 {
		retryAfterSeconds = 1
	}
	return &Failure{Kind: KindOther, Reason: fmt.Sprintf("请求过于频繁，请 %d 秒后再试", retryAfterSeconds)}
}

func notFound(format string, args ...any) *Failure {
	return &Failure{Kind: KindNotFound, Reason: fmt.Sprintf(format, args...)}
}

// fromGraphQL maps a GraphQL error's extensions.code to a Failure, naming
// the spec parameter (via params: GraphQL argument or input field → spec
// name) instead of the graph's.
func fromGraphQL(e *gqlerror.Error, params map[string]string) *Failure {
	code, _ := e.Extensions["code"].(string)
	field, _ := e.Extensions["field"].(string)
	msg := e.Message
	param := ""
	if field != "" {
		param = params[field]
		if param != "" {
			msg = param + strings.TrimPrefix(msg, field)
		}
	}
	f := &Failure{Param: param, Reason: msg}
	switch code {
	case "UNAUTHENTICATED", "FORBIDDEN":
		f.Kind, f.Reason = KindAuth, "身份验证失败："+msg
	case "BAD_USER_INPUT", "GRAPHQL_VALIDATION_FAILED", "GRAPHQL_PARSE_FAILED":
		f.Kind, f.Reason = KindInvalid, "参数错误："+msg
	case "NOT_FOUND":
		f.Kind, f.Reason = KindNotFound, "未找到："+msg
	case "UNAVAILABLE":
		// The GraphQL message is English and may name internals; the caller
		// gets a plain Chinese reason.
		f.Kind, f.Reason = KindOther, "其他异常：服务暂不可用（数据库或依赖的服务无响应），请稍后重试"
	case "RATE_LIMITED":
		secs := 1
		switch n := e.Extensions["retryAfter"].(type) {
		case int:
			secs = n
		case float64:
			secs = int(n)
		}
		f = rateLimited(secs)
	default:
		f.Kind, f.Reason = KindOther, "其他异常："+msg
	}
	return f
}
