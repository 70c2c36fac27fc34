package resolvers

import (
	"context"
	"strings"
	"unicode/utf8"

	"certgraph/internal/ident"
	"certgraph/models"
)

// checkHolderCode validates a holder code against its type (持证主体代码类型):
// 公民身份号码 and 统一社会信用代码 are checked for length, characters and
// check character. Without a type, the code must validate as one of the two
// (an all-digit 18-character code may be either; when it is valid as both,
// the type is asked for); other document numbers need their type. Each call
// counts as one lookup by code against a masked account's limit. It returns
// the trimmed code and the type code to match ("" when none was given).
func (r *Resolver) checkHolderCode(ctx context.Context, codeField, typeField, code string, typ *string) (string, string, error) {
	code = strings.TrimSpace(code)
	if code == "" {
		return "", "", models.Invalid(codeField, "is required")
	}
	if utf8.RuneCountInString(code) > 64 {
		return "", "", models.Invalid(codeField, "is longer than 64 characters")
	}
	if err := r.countCodeLookup(ctx, 1); err != nil {
		return "", "", err
	}
	t := ""
	if typ != nil {
		t = strings.TrimSpace(*typ)
	}
	if t != "" {
		ht, err := notFoundAsNil(r.loadersOf(ctx).holderType.Load(ctx, t))
		if err != nil {
			return "", "", err
		}
		if ht == nil {
			return "", "", models.Invalid(typeField, "%q is not a holder code type (GB/T 36903-2018 附录A, e.g. 111 公民身份号码, 001 统一社会信用代码)", t)
		}
	}
	var err error
	switch {
	case t != "":
		err = models.ValidateHolderCode(t, code)
	case looksLikeCitizenID(code):
		// An all-digit 18-character code may also be a 统一社会信用代码
		// (e.g. 915101075406503890): the kind is whichever validates.
		citizenErr := ident.ValidateCitizenID(code)
		creditOK := len(code) == 18 && ident.ValidateCreditCode(code) == nil
		switch {
		case citizenErr == nil && creditOK:
			return "", "", models.Invalid(typeField, "is required: %s is valid both as a 公民身份号码 and as a 统一社会信用代码 (give 111 or 001)", code)
		case citizenErr != nil && !creditOK:
			return "", "", models.Invalid(codeField, "as a 公民身份号码: %s", citizenErr)
		}
	case len(code) == 18:
		err = ident.ValidateCreditCode(code)
		if err != nil {
			return "", "", models.Invalid(codeField, "as a 统一社会信用代码: %s", err)
		}
	default:
		return "", "", models.Invalid(typeField, "is required for a code that is neither a 公民身份号码 nor a 统一社会信用代码")
	}
	if err != nil {
		return "", "", models.Invalid(codeField, "is not valid: %s", err)
	}
	return code, t, nil
}

// looksLikeCitizenID: digits, optionally a final X — the shape of a
// 公民身份号码 whatever its length, so a mistyped one is reported as such.
func looksLikeCitizenID(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= '0' && c <= '9' || (i == len(s)-1 && (c == 'X' || c == 'x')) {
			continue
		}
		return false
	}
	return true
}
