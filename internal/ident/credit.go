package ident

import "unicode/utf8"

// CreditCodeLength is the number of characters in a 统一社会信用代码.
const CreditCodeLength = 18

// creditAlphabet lists GB 32100's 31 characters in value order (0–30); the
// letters I, O, S, V and Z are excluded to avoid confusion with digits.
const creditAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// creditWeights are GB 32100's weights for characters 1–17 (3^(i-1) mod 31).
var creditWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// creditValue maps an ASCII byte to its GB 32100 value, or -1.
var creditValue = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(creditAlphabet); i++ {
		t[creditAlphabet[i]] = int8(i)
	}
	return t
}()

// CreditCodeCheck returns the GB 32100 check character for the first 17
// characters of a unified social credit code.
func CreditCodeCheck(first17 string) (byte, error) {
	if n := utf8.RuneCountInString(first17); n != CreditCodeLength-1 {
		return 0, newError(ErrLength, "wrong length (got %d, want %d)", n, CreditCodeLength-1)
	}
	if err := checkCreditChars(first17); err != nil {
		return 0, err
	}
	return creditCheck(first17), nil
}

// creditCheck computes the check character of 17 already-validated characters.
func creditCheck(first17 string) byte {
	sum := 0
	for i := 0; i < CreditCodeLength-1; i++ {
		sum += int(creditValue[first17[i]]) * creditWeights[i]
	}
	c := 31 - sum%31
	if c == 31 {
		c = 0
	}
	return creditAlphabet[c]
}

// checkCreditChars reports the first character outside the GB 32100 alphabet.
func checkCreditChars(s string) error {
	pos := 0
	for _, r := range s {
		pos++
		if r >= utf8.RuneSelf || creditValue[byte(r)] < 0 {
			switch {
			case r == 'I' || r == 'O' || r == 'S' || r == 'V' || r == 'Z':
				return newError(ErrCharacter, "invalid character %s at position %d (I, O, S, V and Z are not used)", describeChar(r), pos)
			case r >= 'a' && r <= 'z':
				return newError(ErrCharacter, "invalid character %s at position %d (letters must be upper case)", describeChar(r), pos)
			}
			return newError(ErrCharacter, "invalid character %s at position %d", describeChar(r), pos)
		}
	}
	return nil
}

// ValidateCreditCode checks an 18-character 统一社会信用代码: every character
// from 0123456789ABCDEFGHJKLMNPQRTUWXY and the check character equal to
// 31 − (weighted sum mod 31), with 31 written as 0. It returns an *Error
// naming the first problem found.
func ValidateCreditCode(s string) error {
	if n := utf8.RuneCountInString(s); n != CreditCodeLength {
		return newError(ErrLength, "wrong length (got %d, want %d)", n, CreditCodeLength)
	}
	if err := checkCreditChars(s); err != nil {
		return err
	}
	if want, got := creditCheck(s[:17]), s[17]; got != want {
		return newError(ErrCheck, "wrong check character (got %c, want %c)", got, want)
	}
	return nil
}

// CreditCodeProvince returns characters 3–4 of a valid credit code (the GB/T
// 2260 province of the registering authority), or "" when s is not valid or
// those characters are not digits.
func CreditCodeProvince(s string) string {
	if ValidateCreditCode(s) != nil || !isDigits(s[2:4]) {
		return ""
	}
	return s[2:4]
}

// Province returns the two-digit GB/T 2260 province code carried by a holder
// code: characters 1–2 of a valid citizen ID, else characters 3–4 of a valid
// credit code, else "". An 18-digit string valid as both (possible, since
// credit codes may be all digits) is read as a citizen ID; callers that know
// the holder type should use CitizenProvince or CreditCodeProvince.
func Province(code string) string {
	if p := CitizenProvince(code); p != "" {
		return p
	}
	return CreditCodeProvince(code)
}

// isDigits reports whether s is non-empty and all ASCII digits.
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
