package models

import (
	"database/sql/driver"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
)

// Date is a civil calendar date (no time, no zone) such as an issue date or
// the end of a validity period. It is stored as the text YYYY-MM-DD, which
// sorts and compares correctly in SQL on every supported database, and is the
// GraphQL Date scalar (ISO 8601 calendar date).
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the calendar date of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// ParseDate reads YYYY-MM-DD or the spec's YYYY年MM月DD日.
func ParseDate(s string) (Date, error) {
	s = strings.TrimSpace(s)
	layout := "2006-01-02"
	if strings.Contains(s, "年") {
		layout = "2006年01月02日"
	}
	t, err := time.Parse(layout, s)
	if err != nil {
		return Date{}, fmt.Errorf("%q is not a date (want YYYY-MM-DD or YYYY年MM月DD日)", s)
	}
	return DateOf(t), nil
}

// String formats d as YYYY-MM-DD.
func (d Date) String() string {
	if !d.fixedWidth() {
		return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
	}
	// By hand: dates are formatted for every row stored and compared.
	y, m := d.Year, int(d.Month)
	b := [10]byte{byte('0' + y/1000), byte('0' + y/100%10), byte('0' + y/10%10), byte('0' + y%10), '-',
		byte('0' + m/10), byte('0' + m%10), '-', byte('0' + d.Day/10), byte('0' + d.Day%10)}
	return string(b[:])
}

// fixedWidth reports whether d's fields fit YYYY-MM-DD exactly, where
// String's order is the order of (Year, Month, Day).
func (d Date) fixedWidth() bool {
	return d.Year >= 0 && d.Year <= 9999 && d.Month >= 0 && d.Month <= 99 && d.Day >= 0 && d.Day <= 99
}

// Spec formats d as the spec's YYYY年MM月DD日.
func (d Date) Spec() string { return fmt.Sprintf("%04d年%02d月%02d日", d.Year, int(d.Month), d.Day) }

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d.Year == 0 && d.Month == 0 && d.Day == 0 }

// Time returns midnight UTC of d.
func (d Date) Time() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// Before reports whether d is strictly before e (in YYYY-MM-DD order).
func (d Date) Before(e Date) bool {
	if d.fixedWidth() && e.fixedWidth() {
		if d.Year != e.Year {
			return d.Year < e.Year
		}
		if d.Month != e.Month {
			return d.Month < e.Month
		}
		return d.Day < e.Day
	}
	return d.String() < e.String()
}

// AddDays returns d moved by n days.
func (d Date) AddDays(n int) Date { return DateOf(d.Time().AddDate(0, 0, n)) }

// Value stores d as YYYY-MM-DD.
func (d Date) Value() (driver.Value, error) { return d.String(), nil }

// Scan reads a date stored as text (or as a DATE/DATETIME value).
func (d *Date) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*d = Date{}
		return nil
	case time.Time:
		*d = DateOf(x)
		return nil
	case []byte:
		return d.Scan(string(x))
	case string:
		if len(x) > 10 {
			x = x[:10]
		}
		p, err := ParseDate(x)
		if err != nil {
			return err
		}
		*d = p
		return nil
	}
	return fmt.Errorf("cannot scan %T into Date", v)
}

// GormDataType makes every database store a Date as a 10-character string.
func (Date) GormDataType() string { return "string" }

// MarshalGQL writes d as a GraphQL string YYYY-MM-DD.
func (d Date) MarshalGQL(w io.Writer) { io.WriteString(w, strconv.Quote(d.String())) }

// UnmarshalGQL reads a GraphQL Date (YYYY-MM-DD; YYYY年MM月DD日 is accepted too).
func (d *Date) UnmarshalGQL(v any) error {
	s, ok := v.(string)
	if !ok {
		return Invalid("", "Date must be a string YYYY-MM-DD, got %T", v)
	}
	p, err := ParseDate(s)
	if err != nil {
		return Invalid("", "%q is not a date (want YYYY-MM-DD or YYYY年MM月DD日)", s)
	}
	*d = p
	return nil
}

// MarshalTime writes a Time scalar as RFC 3339 (null for the zero time).
func MarshalTime(t time.Time) graphql.Marshaler { return graphql.MarshalTime(t) }

// UnmarshalTime reads a Time scalar: RFC 3339, with or without fractional
// seconds. Anything else is the caller's error (BAD_USER_INPUT), not ours.
func UnmarshalTime(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, Invalid("", "Time must be an RFC 3339 string, got %T", v)
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, Invalid("", "%q is not a time (want RFC 3339, e.g. 2026-11-28T08:00:00+08:00)", s)
	}
	return t, nil
}
