package ident

import (
	"time"
	"unicode/utf8"
)

// CitizenIDLength is the number of characters in a 公民身份号码.
const CitizenIDLength = 18

// citizenWeights are GB 11643's weights for characters 1–17 (2^(18-i) mod 11).
var citizenWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// citizenCheckChars maps (weighted sum mod 11) to the check character.
const citizenCheckChars = "10X98765432"

// earliestBirthYear bounds the birth-date check from below: no living holder
// (nor any holder in the archives this platform serves) was born earlier.
const earliestBirthYear = 1850

// CitizenIDCheck returns the GB 11643 check character ('0'–'9' or 'X') for
// the first 17 characters of a citizen ID, which must all be digits.
func CitizenIDCheck(first17 string) (byte, error) {
	if n := utf8.RuneCountInString(first17); n != CitizenIDLength-1 {
		return 0, newError(ErrLength, "wrong length (got %d, want %d)", n, CitizenIDLength-1)
	}
	sum := 0
	for i := 0; i < len(first17); i++ {
		c := first17[i]
		if c < '0' || c > '9' {
			return 0, newError(ErrCharacter, "invalid character %s at position %d (want a digit)", describeChar(rune(c)), i+1)
		}
		sum += int(c-'0') * citizenWeights[i]
	}
	return citizenCheckChars[sum%11], nil
}

// ValidateCitizenID checks a 18-character 公民身份号码: 17 digits, a check
// character ('0'–'9' or upper-case 'X') matching GB 11643's weighted sum, and
// a real calendar date in characters 7–14 that is not before 1850 and not in
// the future. It returns an *Error naming the first problem found.
func ValidateCitizenID(s string) error {
	if err := checkLengthAndASCII(s, CitizenIDLength); err != nil {
		return err
	}
	for i := 0; i < CitizenIDLength-1; i++ {
		if c := s[i]; c < '0' || c > '9' {
			return newError(ErrCharacter, "invalid character %s at position %d (want a digit)", describeChar(rune(c)), i+1)
		}
	}
	last := s[CitizenIDLength-1]
	switch {
	case last == 'x':
		return newError(ErrCharacter, "invalid character 'x' at position 18 (the check character X must be upper case)")
	case last != 'X' && (last < '0' || last > '9'):
		return newError(ErrCharacter, "invalid character %s at position 18 (want a digit or X)", describeChar(rune(last)))
	}
	if err := checkBirthDate(s[6:14], time.Now()); err != nil {
		return err
	}
	want, _ := CitizenIDCheck(s[:17]) // the 17 digits were checked above
	if last != want {
		return newError(ErrCheck, "wrong check character (got %c, want %c)", last, want)
	}
	return nil
}

// checkBirthDate accepts YYYYMMDD that is a real calendar date between
// earliestBirthYear and today (in China Standard Time, where IDs are issued).
func checkBirthDate(ymd string, now time.Time) error {
	d, err := time.Parse("20060102", ymd)
	if err != nil || d.Format("20060102") != ymd {
		return newError(ErrBirthDate, "implausible birth date %s in characters 7–14 (not a calendar date YYYYMMDD)", ymd)
	}
	if d.Year() < earliestBirthYear {
		return newError(ErrBirthDate, "implausible birth date %s in characters 7–14 (before %d)", ymd, earliestBirthYear)
	}
	today := now.In(chinaTime).Format("20060102")
	if ymd > today {
		return newError(ErrBirthDate, "implausible birth date %s in characters 7–14 (in the future)", ymd)
	}
	return nil
}

// chinaTime is UTC+8 without relying on the tz database being installed.
var chinaTime = time.FixedZone("CST", 8*60*60)

// CitizenProvince returns characters 1–2 of a valid citizen ID (the GB/T 2260
// province of first registration), or "" when s is not a valid citizen ID.
func CitizenProvince(s string) string {
	if ValidateCitizenID(s) != nil {
		return ""
	}
	return s[:2]
}

// checkLengthAndASCII reports a wrong length (counted in characters, not
// bytes) or the first non-ASCII character; identifiers here are pure ASCII.
func checkLengthAndASCII(s string, want int) error {
	if n := utf8.RuneCountInString(s); n != want {
		return newError(ErrLength, "wrong length (got %d, want %d)", n, want)
	}
	pos := 0
	for _, r := range s {
		pos++
		if r >= utf8.RuneSelf {
			return newError(ErrCharacter, "invalid character %s at position %d", describeChar(r), pos)
		}
	}
	return nil
}
