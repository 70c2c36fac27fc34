package importer

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strings"
	"unicode/utf8"

	"certgraph/internal/ident"
	"certgraph/internal/issuing"
	"certgraph/models"
)

// LineError is one rejected line: its number (1-based, counting every
// physical line), the JSON key it concerns ("" for the line as a whole,
// "Surface[2].valueType" for a surface item) and why.
type LineError struct {
	Line    int
	Field   string
	Message string
}

// Error formats the problem as "line N: field: message".
func (e *LineError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("line %d: %s", e.Line, e.Message)
	}
	return fmt.Sprintf("line %d: %s: %s", e.Line, e.Field, e.Message)
}

// Unwrap makes errors.Is(err, ErrInvalidLine) true for every LineError.
func (e *LineError) Unwrap() error { return ErrInvalidLine }

// ErrInvalidLine is the sentinel every *LineError unwraps to.
var ErrInvalidLine = errors.New("invalid import line")

// Line is one parsed and validated import line: the certificate (with
// surfaces and its identifier, assigned if the line had none), its holder
// and issuing department as they should be stored, and the layout file if
// the line carried one. Certificate.HolderID is not set.
type Line struct {
	Number      int
	Certificate models.Certificate
	Holder      models.Holder
	Dept        models.Department
	File        *issuing.File
	// AssignedID is true when the line had no certificateID.
	AssignedID bool
	// Warnings are remarks about the line that did not stop it.
	Warnings []string
}

// rawLine is the JSON shape of a line (keys as in 表6/表7; encoding/json
// matches keys case-insensitively, as legacy exports vary in case).
type rawLine struct {
	CertificateType          *string      `json:"certificateType"`
	CertificateName          *string      `json:"certificateName"`
	CertificateNumber        *string      `json:"certificateNumber"`
	CertificateHolder        *string      `json:"certificateHolder"`
	CertificateHolderCode    *string      `json:"certificateHolderCode"`
	CertificateHolderType    *string      `json:"certificateHolderType"`
	IssueDept                *string      `json:"issueDept"`
	IssueDeptCode            *string      `json:"issueDeptCode"`
	IssueDate                *string      `json:"issueDate"`
	CertificateValidateStart *string      `json:"certificateValidateStart"`
	CertificateValidateEnd   *string      `json:"certificateValidateEnd"`
	CertificateID            *string      `json:"certificateID"`
	DigitalSign              *string      `json:"digitalSign"`
	Surface                  []rawSurface `json:"Surface"`
	File                     *rawFile     `json:"file"`
}

type rawSurface struct {
	Name       *string `json:"name"`
	Value      *string `json:"value"`
	ValueType  *string `json:"valueType"`
	ColumnName *string `json:"columnName"`
}

type rawFile struct {
	FileFormat *string `json:"fileFormat"`
	FileEntity *string `json:"fileEntity"`
}

// catalogue is what parsing looks names up in.
type catalogue struct {
	types       map[string]models.CertificateType // by code and by name
	holderTypes map[string]models.HolderType      // by code
}

// LongTerm is how a validity end says "no end" (长期).
const LongTerm = "长期"

// parseLine decodes and validates one line. It does not touch the database.
func parseLine(cat *catalogue, no int, text []byte) (*Line, *LineError) {
	fail := func(field, format string, args ...any) (*Line, *LineError) {
		return nil, &LineError{Line: no, Field: field, Message: fmt.Sprintf(format, args...)}
	}
	if !utf8.Valid(text) {
		return fail("", "the line is not valid UTF-8 (convert GB 18030 exports to UTF-8 first)")
	}
	var raw rawLine
	dec := json.NewDecoder(bytes.NewReader(text))
	if err := dec.Decode(&raw); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return fail(te.Field, "is a JSON %s, want a %s", te.Value, te.Type)
		}
		var se *json.SyntaxError
		switch {
		case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
			return fail("", "the line ends after %d bytes inside its JSON object: it looks truncated (one whole certificate object per line)", len(text))
		case errors.As(err, &se):
			return fail("", "is not valid JSON at byte %d: %s", se.Offset, strings.TrimPrefix(se.Error(), "json: "))
		}
		return fail("", "is not a JSON object: %v", err)
	}
	if dec.More() {
		return fail("", "the line has more than one JSON value (one certificate per line)")
	}

	l := &Line{Number: no}
	req := func(field string, v *string) (string, *LineError) {
		if v == nil || strings.TrimSpace(*v) == "" {
			return "", &LineError{Line: no, Field: field, Message: "is required"}
		}
		return strings.TrimSpace(*v), nil
	}
	var e *LineError
	var typeRef, name, number, holderName, holderCode, holderType, deptName, deptCode string
	for _, f := range []struct {
		key string
		v   *string
		dst *string
	}{
		{"certificateType", raw.CertificateType, &typeRef}, {"certificateName", raw.CertificateName, &name},
		{"certificateNumber", raw.CertificateNumber, &number}, {"certificateHolder", raw.CertificateHolder, &holderName},
		{"certificateHolderCode", raw.CertificateHolderCode, &holderCode}, {"certificateHolderType", raw.CertificateHolderType, &holderType},
		{"issueDept", raw.IssueDept, &deptName}, {"issueDeptCode", raw.IssueDeptCode, &deptCode},
	} {
		if *f.dst, e = req(f.key, f.v); e != nil {
			return nil, e
		}
	}
	for _, f := range []struct {
		key, v string
		max    int
	}{{"certificateName", name, 200}, {"certificateNumber", number, 100}, {"certificateHolder", holderName, 200}, {"certificateHolderCode", holderCode, 64}, {"issueDept", deptName, 200}} {
		if err := issuing.CheckText(f.key, f.v, f.max); err != nil {
			return nil, lineError(no, err)
		}
	}

	ct, ok := cat.types[typeRef]
	if !ok {
		return fail("certificateType", "%q is not a certificate type of the catalogue (give its name, e.g. 居民身份证, or its code)", typeRef)
	}
	ht, ok := cat.holderTypes[holderType]
	if !ok {
		return fail("certificateHolderType", "%q is not a holder code type (GB/T 36903-2018 附录A, e.g. 111 公民身份号码, 001 统一社会信用代码)", holderType)
	}
	if ht.Kind != ct.HolderKind {
		return fail("certificateHolderType", "%s %s identifies %s, but %s is issued to %s", ht.Code, ht.Name, kindName(ht.Kind), ct.Name, kindName(ct.HolderKind))
	}
	if err := issuing.CheckHolderCode(ht.Code, holderCode); err != nil {
		return nil, lineError(no, err)
	}
	// Other codes carry no region: the holder is counted where the
	// certificate was issued.
	var province string
	switch ht.Code {
	case models.HolderTypeCitizenID:
		province = holderCode[:2]
	case models.HolderTypeCreditCode:
		province = holderCode[2:4]
	}
	if err := issuing.CheckDeptCode(deptCode); err != nil {
		return nil, lineError(no, err)
	}
	if province == "" || !isDigits(province) {
		province = deptCode[2:4]
	}

	issue, e := date(no, "issueDate", raw.IssueDate)
	if e != nil {
		return nil, e
	}
	from, e := date(no, "certificateValidateStart", raw.CertificateValidateStart)
	if e != nil {
		return nil, e
	}
	var until *models.Date
	if raw.CertificateValidateEnd != nil && strings.TrimSpace(*raw.CertificateValidateEnd) != "" && strings.TrimSpace(*raw.CertificateValidateEnd) != LongTerm {
		u, e := date(no, "certificateValidateEnd", raw.CertificateValidateEnd)
		if e != nil {
			return nil, e
		}
		until = &u
	}

	var id string
	if raw.CertificateID != nil && strings.TrimSpace(*raw.CertificateID) != "" {
		id = strings.TrimSpace(*raw.CertificateID)
		if err := issuing.CheckCertificateID(id, deptCode, ct.Code); err != nil {
			return nil, lineError(no, err)
		}
		cid, _ := ident.ParseCertID(id)
		id = cid.String()
	} else {
		cid, err := ident.NewCertID(ct.Code, deptCode, serialFor(ct.Code, number, holderCode), "001")
		if err != nil {
			return fail("certificateID", "cannot assign an identifier: %s", reason(err))
		}
		id = cid.String()
		l.AssignedID = true
	}

	surfaces := make([]models.Surface, 0, len(raw.Surface))
	for i, rs := range raw.Surface {
		field := fmt.Sprintf("Surface[%d]", i)
		s := models.Surface{CertificateID: id, Position: i}
		if rs.Name != nil {
			s.Name = strings.TrimSpace(*rs.Name)
		}
		if rs.ColumnName != nil {
			s.ColumnName = strings.TrimSpace(*rs.ColumnName)
		}
		if rs.Value != nil {
			s.Value = *rs.Value
		}
		if rs.ValueType == nil {
			return fail(field+".valueType", "is required (picture or string)")
		}
		s.ValueType = models.SurfaceValueType(strings.TrimSpace(*rs.ValueType))
		if err := issuing.CheckSurface(field, &s); err != nil {
			return nil, lineError(no, err)
		}
		if s.ColumnName == "" {
			// Fill the column name from the type's template when the
			// export left it out.
			for _, f := range ct.SurfaceTemplate {
				if f.Name == s.Name {
					s.ColumnName = f.ColumnName
				}
			}
		}
		surfaces = append(surfaces, s)
	}

	if raw.File != nil {
		format := ""
		if raw.File.FileFormat != nil {
			format = strings.ToLower(strings.TrimSpace(*raw.File.FileFormat))
		}
		if format != "pdf" && format != "ofd" {
			return fail("file.fileFormat", "%q is not pdf or ofd", format)
		}
		if raw.File.FileEntity == nil || *raw.File.FileEntity == "" {
			return fail("file.fileEntity", "is required with file")
		}
		f, err := issuing.DecodeFile("file.fileEntity", models.FileFormat(format), *raw.File.FileEntity)
		if err != nil {
			return nil, lineError(no, err)
		}
		l.File = f
	}
	if raw.DigitalSign != nil && *raw.DigitalSign != "" {
		l.Warnings = append(l.Warnings, "digitalSign ignored: certificates are signed by this platform after import")
	}

	l.Certificate = models.Certificate{
		ID: id, TypeCode: ct.Code, Name: name, Number: number, IssueDeptCode: deptCode,
		IssueDate: issue, ValidFrom: from, ValidUntil: until, Surfaces: surfaces,
	}
	l.Holder = models.Holder{Code: holderCode, TypeCode: ht.Code, Name: holderName, Province: province}
	l.Dept = models.Department{Code: deptCode, Name: deptName, Province: deptCode[2:4]}
	return l, nil
}

// date reads a required YYYY-MM-DD or YYYY年MM月DD日 value.
func date(no int, field string, v *string) (models.Date, *LineError) {
	if v == nil || strings.TrimSpace(*v) == "" {
		return models.Date{}, &LineError{Line: no, Field: field, Message: "is required"}
	}
	d, err := models.ParseDate(*v)
	if err != nil {
		return models.Date{}, &LineError{Line: no, Field: field, Message: err.Error()}
	}
	return d, nil
}

// serialFor derives an identifier serial from what identifies a
// certificate in an export (type, number, holder), so re-importing a line
// without certificateID assigns the same identifier: 16 base-36 characters
// of a SHA-256.
func serialFor(typeCode, number, holderCode string) string {
	h := sha256.Sum256([]byte(typeCode + "\x00" + number + "\x00" + holderCode))
	s := strings.ToUpper(new(big.Int).SetBytes(h[:11]).Text(36))
	for len(s) < 16 {
		s = "0" + s
	}
	return s[len(s)-16:]
}

// reason is an identifier error's explanation without a field prefix.
func reason(err error) string {
	var ie *ident.Error
	if errors.As(err, &ie) {
		return ie.Reason
	}
	return err.Error()
}

// lineError turns a domain rule's *models.Error into the line's error.
func lineError(no int, err error) *LineError {
	var me *models.Error
	if errors.As(err, &me) {
		return &LineError{Line: no, Field: me.Field, Message: me.Message}
	}
	return &LineError{Line: no, Message: err.Error()}
}

func kindName(k models.HolderKind) string {
	if k == models.KindPerson {
		return "a person"
	}
	return "an organisation"
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
