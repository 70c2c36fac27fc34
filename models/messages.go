package models

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Lang is a language the surfaces answer in: English (the graph's default)
// or Chinese (the legacy endpoints, and GraphQL when Accept-Language prefers zh).
type Lang uint8

// Languages.
const (
	English Lang = iota
	Chinese
)

// ParseAcceptLanguage picks the answer language from an Accept-Language
// header (RFC 9110 §12.5.4): Chinese when a "zh…" range has a higher
// q-value than every range matching English ("en…", or "*" when no English
// range is listed), or the same q-value and comes first; English otherwise.
// q=0 means "not acceptable"; malformed q-values count as 0.
func ParseAcceptLanguage(h string) Lang {
	type best struct {
		q   float64
		pos int
	}
	zh, en, star := best{-1, 0}, best{-1, 0}, best{-1, 0}
	zhSeen, enSeen := false, false
	for pos, part := range strings.Split(h, ",") {
		tag, params, _ := strings.Cut(part, ";")
		tag = strings.ToLower(strings.TrimSpace(tag))
		if tag == "" {
			continue
		}
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				if err != nil || f < 0 || f > 1 {
					f = 0
				}
				q = f
			}
		}
		primary, _, _ := strings.Cut(tag, "-")
		var b *best
		switch primary {
		case "zh":
			b, zhSeen = &zh, true
		case "en":
			b, enSeen = &en, true
		case "*":
			b = &star
		default:
			continue
		}
		if q > b.q {
			*b = best{q, pos}
		}
	}
	if !zhSeen {
		zh = star
	}
	if !enSeen {
		en = star
	}
	if zh.q > 0 && (zh.q > en.q || (zh.q == en.q && zh.pos < en.pos)) {
		return Chinese
	}
	return English
}

// Name is a message argument naming an input field or parameter by the
// graph's name; each surface renders it in its own terms (the legacy
// endpoints as their table spells the parameter, e.g. head.AccountId).
type Name string

// Namer renders a field name for one surface; nil keeps the graph's name.
type Namer func(field string) string

// Localized is a message argument that renders itself per language: a
// date, a moment, a nested message.
type Localized interface {
	In(Lang) string
}

// Templated is an error whose text is a catalogue entry: its English format
// (the catalogue's key) and arguments. *Error and *ident.Error are.
type Templated interface {
	Template() (format string, args []any)
}

// Text is a message from the catalogue that is not an error: a verification
// reason or detail. Its English format is the catalogue key.
type Text struct {
	Format string
	Args   []any
}

// Say returns the catalogue message format with args.
func Say(format string, args ...any) Text { return Text{Format: format, Args: args} }

// String is the English text.
func (t Text) String() string { return Render(English, nil, t.Format, t.Args...) }

// In renders the text in lang.
func (t Text) In(lang Lang) string { return Render(lang, nil, t.Format, t.Args...) }

// Render renders the text in lang, naming fields with name.
func (t Text) Render(lang Lang, name Namer) string { return Render(lang, name, t.Format, t.Args...) }

// Template implements Templated.
func (t Text) Template() (string, []any) { return t.Format, t.Args }

// Render formats a catalogue message in lang: the English format itself, or
// its translation from the catalogue (the English one when it has none; a
// test keeps the catalogue complete). Arguments that are field names,
// templated errors, dates or other Localized values are rendered in lang
// too. Errors of no catalogue entry (a library's own error) keep their text;
// Chinese translations leave them out where the text would mix languages.
func Render(lang Lang, name Namer, format string, args ...any) string {
	f := format
	if lang == Chinese {
		if z, ok := catalogueZH[format]; ok {
			f = z
		}
	}
	if !strings.Contains(f, "%") {
		return f
	}
	conv := make([]any, len(args))
	for i, a := range args {
		conv[i] = renderArg(lang, name, a)
	}
	return fmt.Sprintf(f, conv...)
}

func renderArg(lang Lang, name Namer, a any) any {
	switch v := a.(type) {
	case Name:
		if name != nil {
			return name(string(v))
		}
		return string(v)
	case *Error:
		return v.Render(lang, name)
	case Templated:
		f, args := v.Template()
		return Render(lang, name, f, args...)
	case Localized:
		return v.In(lang)
	case error:
		var t Templated
		if errors.As(v, &t) {
			f, args := t.Template()
			return Render(lang, name, f, args...)
		}
		return v.Error()
	}
	return a
}

// Moment is a message argument for a point in time, shown in China
// Standard Time: "2006-01-02 15:04:05 +08:00" in English,
// "2006年01月02日 15时04分05秒" in Chinese.
type Moment time.Time

var chinaTime = time.FixedZone("CST", 8*3600)

// In implements Localized.
func (m Moment) In(lang Lang) string {
	t := time.Time(m).In(chinaTime)
	if lang == Chinese {
		return t.Format("2006年01月02日 15时04分05秒")
	}
	return t.Format("2006-01-02 15:04:05 -07:00")
}

// DayOf is a message argument for the calendar day of t in China Standard
// Time (a revocation day, say), rendered like a Date.
func DayOf(t time.Time) Date { return DateOf(t.In(chinaTime)) }

// In renders d as YYYY-MM-DD in English and YYYY年MM月DD日 in Chinese.
func (d Date) In(lang Lang) string {
	if lang == Chinese {
		return d.Spec()
	}
	return d.String()
}

// CodeTitle is the short name of an error code in lang (e.g. EUNAUTHENTICATED
// → 身份验证失败), which the legacy endpoints put before a failure's reason.
// An unknown code has the title of EINTERNAL.
func CodeTitle(code string, lang Lang) string {
	t, ok := codeTitles[code]
	if !ok {
		t = codeTitles[EINTERNAL]
	}
	if lang == Chinese {
		return t[1]
	}
	return t[0]
}
