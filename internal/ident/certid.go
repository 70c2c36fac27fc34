package ident

import (
	"strings"
	"unicode/utf8"
)

// CertIDRoot is the object-identifier arc under which every GB/T 36904
// electronic certificate identifier (电子证照标识) lives.
const CertIDRoot = "1.2.156.3005.2"

// Lengths of the fixed-size parts of a certificate identifier.
const (
	CertTypeCodeLength = CreditCodeLength + 3 // defining body's credit code + 3-digit sequence
	CertVersionLength  = 3
)

// CertID is a parsed 电子证照标识:
// 1.2.156.3005.2.<TypeCode>.<IssuerCode>.<Serial>.<Version>.<Check>.
type CertID struct {
	TypeCode   string // 证照类型代码: the defining body's credit code + 3 digits, e.g. 11100000000013338W032
	IssuerCode string // 颁发机构代码: the issuing department's 18-character credit code
	Serial     string // 流水号: issuer-assigned, non-empty, digits and upper-case letters, no fixed length
	Version    string // 版本号: 3 digits
	Check      byte   // 校验位: ISO/IEC 7064 MOD 37,36 over the parts without root and dots
}

// mod3736Value maps '0'–'9','A'–'Z' to 0–35, anything else to -1.
var mod3736Value = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = int8(c - '0')
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = int8(c - 'A' + 10)
	}
	return t
}()

const mod3736Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

// mod3736Check computes the ISO/IEC 7064 MOD 37,36 check character over
// parts, which must already consist of 0-9A-Z only.
func mod3736Check(parts ...string) byte {
	p := 36
	for _, part := range parts {
		for i := 0; i < len(part); i++ {
			s := (p + int(mod3736Value[part[i]])) % 36
			if s == 0 {
				s = 36
			}
			p = (2 * s) % 37
		}
	}
	return mod3736Alphabet[(37-p)%36]
}

// NewCertID validates the four parts and returns the identifier with its
// check character computed.
func NewCertID(typeCode, issuerCode, serial, version string) (CertID, error) {
	id := CertID{TypeCode: typeCode, IssuerCode: issuerCode, Serial: serial, Version: version}
	if err := id.validateParts(); err != nil {
		return CertID{}, err
	}
	id.Check = mod3736Check(typeCode, issuerCode, serial, version)
	return id, nil
}

// ParseCertID parses and fully validates a certificate identifier: the root,
// the number of parts, each part's format (including the issuer code's own
// GB 32100 check character) and the MOD 37,36 check character.
func ParseCertID(s string) (CertID, error) {
	rest, ok := strings.CutPrefix(s, CertIDRoot+".")
	if !ok {
		return CertID{}, newError(ErrFormat, "does not start with the root %s.", CertIDRoot)
	}
	parts := strings.Split(rest, ".")
	if len(parts) != 5 {
		return CertID{}, newError(ErrFormat, "has %d dot-separated parts after the root, want 5 (type code, issuer code, serial, version, check)", len(parts))
	}
	id := CertID{TypeCode: parts[0], IssuerCode: parts[1], Serial: parts[2], Version: parts[3]}
	if err := id.validateParts(); err != nil {
		return CertID{}, err
	}
	check := parts[4]
	if n := utf8.RuneCountInString(check); n != 1 {
		return CertID{}, newError(ErrLength, "check part has wrong length (got %d, want 1)", n)
	}
	if mod3736Value[check[0]] < 0 {
		return CertID{}, newError(ErrCharacter, "invalid check character %s (want 0-9 or A-Z)", describeChar(rune(check[0])))
	}
	want := mod3736Check(id.TypeCode, id.IssuerCode, id.Serial, id.Version)
	if check[0] != want {
		return CertID{}, newError(ErrCheck, "wrong check character (got %c, want %c)", check[0], want)
	}
	id.Check = want
	return id, nil
}

// validateParts checks the four data parts, prefixing each reason with the
// part's name so the message says where the problem is.
func (id CertID) validateParts() error {
	// Type code: a credit code (alphabet only: the identifier's own check
	// character protects it) followed by a 3-digit sequence number.
	if err := checkLengthAndASCII(id.TypeCode, CertTypeCodeLength); err != nil {
		return prefixed("type code", err)
	}
	if err := checkCreditChars(id.TypeCode[:CreditCodeLength]); err != nil {
		return prefixed("type code", err)
	}
	if err := checkDigits(id.TypeCode[CreditCodeLength:], CreditCodeLength); err != nil {
		return prefixed("type code", err)
	}
	if err := ValidateCreditCode(id.IssuerCode); err != nil {
		return prefixed("issuer code", err)
	}
	if id.Serial == "" {
		return newError(ErrLength, "serial is empty")
	}
	pos := 0
	for _, r := range id.Serial {
		pos++
		if r >= utf8.RuneSelf || mod3736Value[byte(r)] < 0 {
			return newError(ErrCharacter, "serial has invalid character %s at position %d (want 0-9 or A-Z)", describeChar(r), pos)
		}
	}
	if err := checkLengthAndASCII(id.Version, CertVersionLength); err != nil {
		return prefixed("version", err)
	}
	if err := checkDigits(id.Version, 0); err != nil {
		return prefixed("version", err)
	}
	return nil
}

// checkDigits reports the first non-digit in s; offset is added to positions.
func checkDigits(s string, offset int) error {
	pos := offset
	for _, r := range s {
		pos++
		if r < '0' || r > '9' {
			return newError(ErrCharacter, "invalid character %s at position %d (want a digit)", describeChar(r), pos)
		}
	}
	return nil
}

// prefixed adds the part name in front of an *Error's reason.
func prefixed(part string, err error) error {
	ie := err.(*Error)
	return &Error{Reason: part + " has " + ie.Reason, Kind: ie.Kind}
}

// String renders the identifier in its dotted form, including the root.
func (id CertID) String() string {
	var b strings.Builder
	b.Grow(len(CertIDRoot) + len(id.TypeCode) + len(id.IssuerCode) + len(id.Serial) + len(id.Version) + 6)
	b.WriteString(CertIDRoot)
	for _, p := range []string{id.TypeCode, id.IssuerCode, id.Serial, id.Version} {
		b.WriteByte('.')
		b.WriteString(p)
	}
	b.WriteByte('.')
	b.WriteByte(id.Check)
	return b.String()
}

// IssuerProvince returns characters 3–4 of the issuer code: the GB/T 2260
// province of the issuing department, which decides whether a certificate is
// local to this node or the national platform's business.
func (id CertID) IssuerProvince() string {
	if len(id.IssuerCode) < 4 {
		return ""
	}
	return id.IssuerCode[2:4]
}
