package ident

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestValidateCitizenIDAcceptsExample(t *testing.T) {
	for _, s := range []string{"11010519491231002X", "510104199001011230"} {
		if err := ValidateCitizenID(s); err != nil {
			t.Errorf("ValidateCitizenID(%q) = %v, want nil", s, err)
		}
	}
	c, err := CitizenIDCheck("11010519491231002")
	if err != nil || c != 'X' {
		t.Fatalf("CitizenIDCheck = %c, %v; want X", c, err)
	}
}

func TestValidateCitizenIDErrors(t *testing.T) {
	future := time.Now().AddDate(1, 0, 0).Format("20060102")
	cases := []struct {
		in   string
		kind error
		msg  string
	}{
		{"11010519491231002", ErrLength, "wrong length (got 17, want 18)"},
		{"11010519491231002X1", ErrLength, "wrong length (got 19, want 18)"},
		{"", ErrLength, "wrong length (got 0, want 18)"},
		{"1101051949123100２X", ErrCharacter, "invalid character '２' at position 17"},
		{"110105A9491231002X", ErrCharacter, "invalid character 'A' at position 7 (want a digit)"},
		{"11010519491231002x", ErrCharacter, "must be upper case"},
		{"11010519491231002Y", ErrCharacter, "invalid character 'Y' at position 18"},
		{"110105194912310021", ErrCheck, "wrong check character (got 1, want X)"},
		{"110105194902300021", ErrBirthDate, "19490230"},
		{"110105184912310021", ErrBirthDate, "before 1850"},
		{"110105" + future + "0021", ErrBirthDate, "in the future"},
	}
	for _, c := range cases {
		err := ValidateCitizenID(c.in)
		if !errors.Is(err, c.kind) {
			t.Errorf("ValidateCitizenID(%q) = %v, want kind %v", c.in, err, c.kind)
			continue
		}
		if !strings.Contains(err.Error(), c.msg) {
			t.Errorf("ValidateCitizenID(%q) = %q, want it to contain %q", c.in, err, c.msg)
		}
	}
}

func TestCitizenIDDetectsEverySingleDigitChange(t *testing.T) {
	const good = "11010519491231002X"
	for i := 0; i < 18; i++ {
		for _, c := range "0123456789X" {
			if byte(c) == good[i] || (i < 17 && c == 'X') {
				continue
			}
			bad := good[:i] + string(c) + good[i+1:]
			err := ValidateCitizenID(bad)
			if i >= 6 && i < 14 && errors.Is(err, ErrBirthDate) {
				continue // caught as an impossible birth date instead
			}
			if !errors.Is(err, ErrCheck) {
				t.Errorf("ValidateCitizenID(%q) = %v, want ErrCheck", bad, err)
			}
		}
	}
}

func TestCreditCodeExamples(t *testing.T) {
	for _, s := range []string{"91370406L24894136J", "11100000000013338W", "11430000006122244L", "11220000013544541J"} {
		if err := ValidateCreditCode(s); err != nil {
			t.Errorf("ValidateCreditCode(%q) = %v", s, err)
		}
		c, err := CreditCodeCheck(s[:17])
		if err != nil || c != s[17] {
			t.Errorf("CreditCodeCheck(%q) = %c, %v; want %c", s[:17], c, err, s[17])
		}
	}
}

func TestCreditCodeCheckZero(t *testing.T) {
	// Find a body whose sum is ≡ 0 mod 31 so the "31 → 0" rule is exercised:
	// vary the first character until the check comes out as '0'.
	found := false
	for _, c := range creditAlphabet {
		body := string(c) + "1000000000000000"
		chk, err := CreditCodeCheck(body)
		if err != nil {
			t.Fatal(err)
		}
		sum := 0
		for i := 0; i < 17; i++ {
			sum += strings.IndexByte(creditAlphabet, body[i]) * creditWeights[i]
		}
		if sum%31 == 0 {
			found = true
			if chk != '0' {
				t.Errorf("CreditCodeCheck(%q) = %c, want 0 (sum mod 31 = 0)", body, chk)
			}
		}
	}
	if !found {
		t.Fatal("test setup: no body with sum ≡ 0 mod 31")
	}
}

func TestValidateCreditCodeErrors(t *testing.T) {
	cases := []struct {
		in   string
		kind error
		msg  string
	}{
		{"91370406L24894136", ErrLength, "wrong length (got 17, want 18)"},
		{"91370406I24894136J", ErrCharacter, "invalid character 'I' at position 9 (I, O, S, V and Z are not used)"},
		{"91370406l24894136J", ErrCharacter, "invalid character 'l' at position 9 (letters must be upper case)"},
		{"91370406L24894136中", ErrCharacter, "invalid character '中' at position 18"},
		{"91370406L248941360", ErrCheck, "wrong check character (got 0, want J)"},
	}
	for _, c := range cases {
		err := ValidateCreditCode(c.in)
		if !errors.Is(err, c.kind) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("ValidateCreditCode(%q) = %v, want %v containing %q", c.in, err, c.kind, c.msg)
		}
	}
}

func TestCreditCodeDetectsEverySingleChange(t *testing.T) {
	const good = "91370406L24894136J"
	for i := 0; i < 18; i++ {
		for _, c := range creditAlphabet {
			if byte(c) == good[i] {
				continue
			}
			bad := good[:i] + string(c) + good[i+1:]
			if err := ValidateCreditCode(bad); !errors.Is(err, ErrCheck) {
				t.Errorf("ValidateCreditCode(%q) = %v, want ErrCheck", bad, err)
			}
		}
	}
}

func TestWithField(t *testing.T) {
	err := WithField(ValidateCreditCode("91370406L248941360"), "certificateHolderCode")
	want := "certificateHolderCode: wrong check character (got 0, want J)"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %q", err, want)
	}
	var ie *Error
	if !errors.As(err, &ie) || ie.Field != "certificateHolderCode" || !errors.Is(err, ErrCheck) {
		t.Fatalf("field/kind not inspectable: %#v", err)
	}
	if WithField(nil, "x") != nil {
		t.Fatal("WithField(nil) != nil")
	}
	if got := WithField(errors.New("boom"), "f").Error(); got != "f: boom" {
		t.Fatalf("plain error: %q", got)
	}
}

func TestProvince(t *testing.T) {
	cases := map[string]string{
		"11010519491231002X": "11", // citizen: chars 1–2
		"91370406L24894136J": "37", // credit code: chars 3–4
		"11430000006122244L": "43",
		"11100000000013338W": "10",
		"91370406L248941360": "", // bad check
		"":                   "",
		"510104199001011234": "", // bad check digit
	}
	for in, want := range cases {
		if got := Province(in); got != want {
			t.Errorf("Province(%q) = %q, want %q", in, got, want)
		}
	}
	if CitizenProvince("91370406L24894136J") != "" || CreditCodeProvince("11010519491231002X") != "" {
		t.Error("kind-specific province accepted the other kind")
	}
}

var realCertIDs = []string{
	"1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U",
	"1.2.156.3005.2.11100000000013338W032.11220000013544541J.2430599.001.F",
}

func TestParseCertIDRealIdentifiers(t *testing.T) {
	want := []CertID{
		{"11100000000013338W011", "11430000006122244L", "20230000403", "001", 'U'},
		{"11100000000013338W032", "11220000013544541J", "2430599", "001", 'F'},
	}
	provinces := []string{"43", "22"}
	for i, s := range realCertIDs {
		id, err := ParseCertID(s)
		if err != nil {
			t.Fatalf("ParseCertID(%q): %v", s, err)
		}
		if id != want[i] {
			t.Errorf("ParseCertID(%q) = %+v, want %+v", s, id, want[i])
		}
		if id.String() != s {
			t.Errorf("String() = %q, want %q", id.String(), s)
		}
		if p := id.IssuerProvince(); p != provinces[i] {
			t.Errorf("IssuerProvince = %q, want %q", p, provinces[i])
		}
		made, err := NewCertID(id.TypeCode, id.IssuerCode, id.Serial, id.Version)
		if err != nil || made != id {
			t.Errorf("NewCertID = %+v, %v; want %+v", made, err, id)
		}
	}
}

func TestParseCertIDDetectsSingleCharacterChanges(t *testing.T) {
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ."
	for _, good := range realCertIDs {
		for i := 0; i < len(good); i++ {
			for _, c := range alphabet {
				if byte(c) == good[i] {
					continue
				}
				bad := good[:i] + string(c) + good[i+1:]
				if _, err := ParseCertID(bad); err == nil {
					t.Errorf("ParseCertID accepted %q (changed position %d)", bad, i+1)
				}
			}
			// Deletion and adjacent transposition are caught too.
			if _, err := ParseCertID(good[:i] + good[i+1:]); err == nil {
				t.Errorf("ParseCertID accepted deletion at %d", i+1)
			}
			if i+1 < len(good) && good[i] != good[i+1] {
				sw := good[:i] + string(good[i+1]) + string(good[i]) + good[i+2:]
				if _, err := ParseCertID(sw); err == nil {
					t.Errorf("ParseCertID accepted transposition %q", sw)
				}
			}
		}
	}
}

func TestParseCertIDErrors(t *testing.T) {
	const typ, iss = "11100000000013338W032", "11220000013544541J"
	cases := []struct {
		in   string
		kind error
		msg  string
	}{
		{"1.2.156.3005.3." + typ + "." + iss + ".2430599.001.F", ErrFormat, "root 1.2.156.3005.2"},
		{"1.2.156.3005.2." + typ + "." + iss + ".2430599.001", ErrFormat, "has 4 dot-separated parts"},
		{"1.2.156.3005.2." + typ + "." + iss + ".2430599.001.F.", ErrFormat, "has 6 dot-separated parts"},
		{"1.2.156.3005.2.11100000000013338W32." + iss + ".2430599.001.F", ErrLength, "type code has wrong length (got 20, want 21)"},
		{"1.2.156.3005.2.11100000000013338W03A." + iss + ".2430599.001.F", ErrCharacter, "type code has invalid character 'A' at position 21"},
		{"1.2.156.3005.2." + typ + ".11220000013544541K.2430599.001.F", ErrCheck, "issuer code has wrong check character (got K, want J)"},
		{"1.2.156.3005.2." + typ + "." + iss + "..001.F", ErrLength, "serial is empty"},
		{"1.2.156.3005.2." + typ + "." + iss + ".24305a9.001.F", ErrCharacter, "serial has invalid character 'a' at position 6"},
		{"1.2.156.3005.2." + typ + "." + iss + ".2430599.01.F", ErrLength, "version has wrong length (got 2, want 3)"},
		{"1.2.156.3005.2." + typ + "." + iss + ".2430599.001.FF", ErrLength, "check part has wrong length (got 2, want 1)"},
		{"1.2.156.3005.2." + typ + "." + iss + ".2430599.001.f", ErrCharacter, "invalid check character 'f'"},
		{"1.2.156.3005.2." + typ + "." + iss + ".2430599.001.G", ErrCheck, "wrong check character (got G, want F)"},
	}
	for _, c := range cases {
		_, err := ParseCertID(c.in)
		if !errors.Is(err, c.kind) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("ParseCertID(%q) = %v, want %v containing %q", c.in, err, c.kind, c.msg)
		}
	}
	if _, err := NewCertID(typ, "11220000013544541K", "1", "001"); !errors.Is(err, ErrCheck) {
		t.Errorf("NewCertID with bad issuer: %v", err)
	}
}

func TestMaskCode(t *testing.T) {
	cases := map[string]string{
		"510104199001011234": "5101**********1234",
		"91370406L24894136J": "9137**********136J",
		"12345678":           "12****78",
		"123":                "***",
		"":                   "",
		"１２３４５６７８９０１２":       "１２３******０１２", // runes, not bytes: 3 kept at each end
	}
	for in, want := range cases {
		if got := MaskCode(in); got != want {
			t.Errorf("MaskCode(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMaskName(t *testing.T) {
	cases := map[string]string{
		"张三丰":        "张**",
		"张三":         "张*",
		"张":          "*",
		"":           "",
		"𠈌某某":        "𠈌**",  // supplementary-plane first character kept whole
		"李𠈌":         "李*",   // supplementary-plane character masked as one
		"Jose\u0301": "J***", // e + combining acute is one character
		"阿卜杜拉·买买提":   "阿*******",
		"\xff张三":     "***",
	}
	for in, want := range cases {
		if got := MaskName(in); got != want {
			t.Errorf("MaskName(%q) = %q, want %q", in, got, want)
		}
	}
}
