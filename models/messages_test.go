package models

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestParseAcceptLanguage(t *testing.T) {
	for h, want := range map[string]Lang{
		"":                               English,
		"zh":                             Chinese,
		"zh-CN":                          Chinese,
		"ZH-cn, en;q=0.5":                Chinese,
		"zh-CN,zh;q=0.9,en;q=0.8":        Chinese,
		"en-US,en;q=0.9,zh-CN;q=0.8":     English,
		"en;q=0.5, zh;q=0.6":             Chinese,
		"en, zh":                         English, // equal q: the first listed wins
		"zh, en":                         Chinese,
		"zh;q=0":                         English, // not acceptable
		"zh;q=0, *":                      English,
		"*":                              English,
		"fr, *;q=0.5":                    English,
		"fr, zh;q=0.4":                   Chinese, // no English range: zh beats nothing
		"en;q=0, *;q=0.3":                Chinese, // English refused, zh acceptable through *
		"de;q=0.9, *;q=0.5, en;q=0.1":    Chinese, // zh through * at 0.5 beats en at 0.1
		"zh;q=abc, en;q=0.1":             English, // a malformed q counts as 0
		"zh-Hant-TW;q=0.7 , en-GB;q=0.6": Chinese,
	} {
		if got := ParseAcceptLanguage(h); got != want {
			t.Errorf("ParseAcceptLanguage(%q) = %v, want %v", h, got, want)
		}
	}
}

func TestRenderInBothLanguages(t *testing.T) {
	revoked := time.Date(2024, 5, 31, 20, 0, 0, 0, time.UTC) // 1 June in China
	why := Say("the certificate was revoked on %s: %s", DayOf(revoked), "测试")
	if got := why.String(); got != "the certificate was revoked on 2024-06-01: 测试" {
		t.Errorf("English: %q", got)
	}
	if got := why.In(Chinese); got != "证照已注销（注销日期 2024年06月01日），注销原因：“测试”" {
		t.Errorf("Chinese: %q", got)
	}
	// A field error: the field named by the surface, the message as a predicate.
	e := Invalid("validUntil", "cannot be given together with %s", Name("longTerm"))
	if e.Error() != "validUntil: cannot be given together with longTerm" {
		t.Errorf("English error: %q", e.Error())
	}
	spec := func(f string) string { return "CertificateData." + f }
	if got := e.Render(Chinese, spec); got != "参数 CertificateData.validUntil 不能与 CertificateData.longTerm 同时给出" {
		t.Errorf("Chinese error: %q", got)
	}
	// A nested catalogue error renders in the outer one's language; a
	// library's English error is left out of the Chinese text.
	inner := Errorf(EINVALID, "the encrypted identifier was altered or forged (%v)", errors.New("sm4: tag mismatch"))
	outer := Invalid("encryptedId", "is not valid: %s", inner)
	if got := outer.Render(Chinese, nil); got != "参数 encryptedId 无效：加密证照标识被篡改或伪造" {
		t.Errorf("nested Chinese: %q", got)
	}
	if got := outer.Error(); got != "encryptedId: is not valid: the encrypted identifier was altered or forged (sm4: tag mismatch)" {
		t.Errorf("nested English: %q", got)
	}
	if got := Moment(time.Date(2026, 1, 2, 16, 4, 5, 0, time.UTC)).In(Chinese); got != "2026年01月03日 00时04分05秒" {
		t.Errorf("moment: %q", got)
	}
	if got := ErrorIn(fmt.Errorf("disk on fire"), Chinese, nil); got != "内部错误，详情已记入日志" {
		t.Errorf("internal: %q", got)
	}
	if CodeTitle(EUNAUTHENTICATED, Chinese) != "身份验证失败" || CodeTitle("ENOSUCH", Chinese) != "内部错误" {
		t.Error("code titles")
	}
}
