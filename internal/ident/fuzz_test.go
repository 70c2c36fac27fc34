package ident

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzParseCertID(f *testing.F) {
	for _, s := range realCertIDs {
		f.Add(s)
	}
	f.Add("1.2.156.3005.2....")
	f.Add("1.2.156.3005.2.11100000000013338W03中.11220000013544541J.2430599.001.F")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseCertID(s)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error %v is %T, want *Error", err, err)
			}
			return
		}
		if id.String() != s {
			t.Fatalf("String() = %q, input %q", id.String(), s)
		}
		again, err := ParseCertID(id.String())
		if err != nil || again != id {
			t.Fatalf("re-parse: %+v, %v; want %+v", again, err, id)
		}
		made, err := NewCertID(id.TypeCode, id.IssuerCode, id.Serial, id.Version)
		if err != nil || made != id {
			t.Fatalf("NewCertID: %+v, %v", made, err)
		}
		if p := id.IssuerProvince(); len(p) != 2 {
			t.Fatalf("IssuerProvince %q", p)
		}
	})
}

func FuzzValidators(f *testing.F) {
	f.Add("11010519491231002X")
	f.Add("91370406L24894136J")
	f.Add("11100000000013338W")
	f.Add("張三丰𠈌")
	f.Add("\xff\xfe")
	f.Fuzz(func(t *testing.T, s string) {
		if ValidateCitizenID(s) == nil {
			c, err := CitizenIDCheck(s[:17])
			if err != nil || c != s[17] {
				t.Fatalf("valid citizen ID %q but CitizenIDCheck = %c, %v", s, c, err)
			}
			if CitizenProvince(s) != s[:2] {
				t.Fatalf("CitizenProvince(%q)", s)
			}
		}
		if ValidateCreditCode(s) == nil {
			c, err := CreditCodeCheck(s[:17])
			if err != nil || c != s[17] {
				t.Fatalf("valid credit code %q but CreditCodeCheck = %c, %v", s, c, err)
			}
		}
		if len(s) >= 17 {
			if c, err := CitizenIDCheck(s[:17]); err == nil {
				if err := ValidateCitizenID(s[:17] + string(c)); err != nil && !strings.Contains(err.Error(), "birth date") {
					t.Fatalf("generated check rejected: %v", err)
				}
			}
			if c, err := CreditCodeCheck(s[:17]); err == nil {
				if err := ValidateCreditCode(s[:17] + string(c)); err != nil {
					t.Fatalf("generated credit check rejected: %v", err)
				}
			}
		}
		_ = Province(s)
		mc, mn := MaskCode(s), MaskName(s)
		n := len(clusters(s))
		if utf8.RuneCountInString(mn) < min(n, 1) || len(clusters(mc)) != n && utf8.ValidString(s) {
			t.Fatalf("mask changed the character count: %q → %q / %q", s, mc, mn)
		}
		for i, c := range clusters(mn) {
			if i > 0 && c != "*" {
				t.Fatalf("MaskName(%q) = %q reveals character %d", s, mn, i+1)
			}
		}
	})
}
