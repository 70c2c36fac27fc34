package models

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func date(t *testing.T, s string) Date {
	t.Helper()
	d, err := ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestStatus(t *testing.T) {
	today := date(t, "2025-06-15")
	until := func(s string) *Date { d := date(t, s); return &d }
	revoked := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		c    Certificate
		want CertificateStatus
	}{
		{"valid", Certificate{ValidFrom: date(t, "2020-01-01"), ValidUntil: until("2030-01-01")}, StatusValid},
		{"long-term", Certificate{ValidFrom: date(t, "2020-01-01")}, StatusValid},
		{"first day", Certificate{ValidFrom: today, ValidUntil: until("2030-01-01")}, StatusValid},
		{"last day", Certificate{ValidFrom: date(t, "2020-01-01"), ValidUntil: &today}, StatusValid},
		{"expired", Certificate{ValidFrom: date(t, "2020-01-01"), ValidUntil: until("2025-06-14")}, StatusExpired},
		{"not yet valid", Certificate{ValidFrom: date(t, "2025-06-16")}, StatusNotYetValid},
		{"revoked wins", Certificate{ValidFrom: date(t, "2020-01-01"), ValidUntil: until("2021-01-01"), RevokedAt: &revoked}, StatusRevoked},
	} {
		if got := tc.c.Status(today); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
}

func TestDates(t *testing.T) {
	for _, s := range []string{"2024-02-29", "2024年02月29日", " 2024-02-29 "} {
		d, err := ParseDate(s)
		if err != nil || d.String() != "2024-02-29" || d.Spec() != "2024年02月29日" {
			t.Errorf("ParseDate(%q) = %v, %v", s, d, err)
		}
	}
	for _, s := range []string{"2023-02-29", "2024-13-01", "20240101", "", "2024/01/01"} {
		if _, err := ParseDate(s); err == nil {
			t.Errorf("ParseDate(%q) accepted", s)
		}
	}
	d := date(t, "2024-12-31")
	if d.AddDays(1).String() != "2025-01-01" || !d.Before(d.AddDays(1)) || d.Before(d) {
		t.Errorf("AddDays/Before around %s", d)
	}
	// A moment late on 31 December UTC is already 1 January in China.
	cst := time.FixedZone("CST", 8*3600)
	if got := DateOf(time.Date(2024, 12, 31, 20, 0, 0, 0, time.UTC).In(cst)); got.String() != "2025-01-01" {
		t.Errorf("DateOf in CST: %s", got)
	}
}

func TestCanonicalForm(t *testing.T) {
	until := date(t, "2030-01-01")
	c := &Certificate{ID: "1.2.156.3005.2.X", TypeCode: "T", Name: "名\n称", Number: `N\1`, IssueDeptCode: "D",
		IssueDate: date(t, "2020-01-01"), ValidFrom: date(t, "2020-01-01"), ValidUntil: &until}
	in := CanonicalInput{Certificate: c, Holder: &Holder{Code: "H", TypeCode: "111", Name: "张三"}, Department: &Department{Code: "D", Name: "厅"},
		Surfaces: []Surface{{Name: "姓名", ColumnName: "xm", ValueType: ValueString, Value: "张三\r"}}}
	got := string(CanonicalForm(in))
	for _, want := range []string{"certgraph-canonical-v1\n", "certificateID=1.2.156.3005.2.X\n", "certificateName=名\\n称\n",
		`certificateNumber=N\\1` + "\n", "certificateValidateEnd=2030-01-01\n", "Surface[0].value=张三\\r\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("canonical form lacks %q:\n%s", want, got)
		}
	}
	if string(CanonicalForm(in)) != got {
		t.Error("canonical form is not deterministic")
	}
	c.ValidUntil = nil
	if long := string(CanonicalForm(in)); !strings.Contains(long, "certificateValidateEnd=长期\n") || long == got {
		t.Errorf("long-term certificate:\n%s", long)
	}
}

func TestUseForAndRoles(t *testing.T) {
	if err := UseFor("").Validate(); err == nil {
		t.Error("empty useFor accepted")
	}
	a := &Account{}
	a.SetRoles([]Role{RoleAnalyst, RoleConsumer})
	if !a.Has(RoleAnalyst) || !a.Has(RoleConsumer) || a.Has(RoleAdmin) || len(a.Roles()) != 2 {
		t.Errorf("roles %q", a.RoleList)
	}
	if _, err := ParseRole("nobody"); err == nil {
		t.Error("unknown role accepted")
	}
}

// TestAccountRoles: Has agrees with Roles, whatever the case of the stored
// list and whatever unknown names it holds.
func TestAccountRoles(t *testing.T) {
	a := &Account{RoleList: "consumer,ANALYST,bogus,"}
	for _, r := range AllRoles {
		if got, want := a.Has(r), slices.Contains(a.Roles(), r); got != want {
			t.Errorf("Has(%s) = %v, Roles() = %v", r, got, a.Roles())
		}
	}
	if !a.Has(RoleConsumer) || !a.Has(RoleAnalyst) || a.Has(RoleAdmin) || len(a.Roles()) != 2 {
		t.Fatalf("roles of %q: %v", a.RoleList, a.Roles())
	}
}
