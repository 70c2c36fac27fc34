// Package issuing is the one write path for certificates and their layout
// files: the domain rules a stored certificate obeys (Validate), the one
// file check (NewFile), and the Writer that stores certificates, attaches
// files and renders signed layout files, invalidating the node's cache as it
// writes. Import, seed and the graph's mutations all write through it.
package issuing

import (
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf8"

	"certgraph/internal/ident"
	"certgraph/models"
)

// Certificate is one certificate to store: the certificate (with its
// surfaces), its holder and issuing department as they should be stored,
// and optionally its layout file. Certificate.HolderID is set on storing.
type Certificate struct {
	Certificate models.Certificate
	Holder      models.Holder
	Dept        models.Department
	File        *File
}

// Validate checks every rule a stored certificate obeys. Errors are
// *models.Error naming the field by its spec key (表6/表7), e.g.
// certificateHolderCode or Surface[2].valueType.
func (in *Certificate) Validate() error {
	c := &in.Certificate
	for _, f := range []struct {
		key, v string
		max    int
	}{{"certificateName", c.Name, 200}, {"certificateNumber", c.Number, 100}, {"certificateHolder", in.Holder.Name, 200},
		{"certificateHolderCode", in.Holder.Code, 64}, {"issueDept", in.Dept.Name, 200}} {
		if err := CheckText(f.key, f.v, f.max); err != nil {
			return err
		}
	}
	if err := CheckHolderCode(in.Holder.TypeCode, in.Holder.Code); err != nil {
		return err
	}
	if err := CheckDeptCode(in.Dept.Code); err != nil {
		return err
	}
	if in.Dept.Code != c.IssueDeptCode {
		return models.Invalid("issueDeptCode", "%s differs from the department's code %s", c.IssueDeptCode, in.Dept.Code)
	}
	if err := CheckCertificateID(c.ID, c.IssueDeptCode, c.TypeCode); err != nil {
		return err
	}
	if c.ValidUntil != nil && c.ValidUntil.Before(c.ValidFrom) {
		return models.Invalid("certificateValidateEnd", "%s is before certificateValidateStart %s", *c.ValidUntil, c.ValidFrom)
	}
	for i := range c.Surfaces {
		if err := CheckSurface(fmt.Sprintf("Surface[%d]", i), &c.Surfaces[i]); err != nil {
			return err
		}
	}
	return nil
}

// CheckText requires a non-empty value of at most max characters.
func CheckText(field, v string, max int) error {
	if strings.TrimSpace(v) == "" {
		return models.Invalid(field, "is required")
	}
	if n := utf8.RuneCountInString(v); n > max {
		return models.Invalid(field, "is %d characters long, at most %d allowed", n, max)
	}
	return nil
}

// CheckHolderCode checks a holder code against its code type: the
// checksummed types by their check character, every other one for white
// space (a stored code is matched exactly).
func CheckHolderCode(typeCode, code string) error {
	if err := models.ValidateHolderCode(typeCode, code); err != nil {
		return models.Invalid("certificateHolderCode", "is not valid: %s", err)
	}
	if typeCode != models.HolderTypeCitizenID && typeCode != models.HolderTypeCreditCode && strings.ContainsAny(code, " \t") {
		return models.Invalid("certificateHolderCode", "contains white space")
	}
	return nil
}

// CheckDeptCode requires an issuing department's 统一社会信用代码.
func CheckDeptCode(code string) error {
	if err := ident.ValidateCreditCode(code); err != nil {
		return models.Invalid("issueDeptCode", "as a 统一社会信用代码: %s", err)
	}
	return nil
}

// CheckCertificateID requires a well-formed identifier (GB/T 36904) whose
// issuer and type codes are the certificate's.
func CheckCertificateID(id, deptCode, typeCode string) error {
	cid, err := ident.ParseCertID(id)
	if err != nil {
		return models.Invalid("certificateID", "is not a valid certificate identifier: %s", err)
	}
	if cid.IssuerCode != deptCode {
		return models.Invalid("certificateID", "issuer code %s differs from issueDeptCode %s", cid.IssuerCode, deptCode)
	}
	if cid.TypeCode != typeCode {
		return models.Invalid("certificateID", "type code %s differs from the certificate type's code %s", cid.TypeCode, typeCode)
	}
	return nil
}

// CheckSurface checks one surface item (field is e.g. "Surface[2]").
func CheckSurface(field string, s *models.Surface) error {
	if err := s.Validate(field); err != nil {
		return err
	}
	if n := utf8.RuneCountInString(s.Name); n > 100 {
		return models.Invalid(field+".name", "is %d characters long, at most 100 allowed", n)
	}
	if n := utf8.RuneCountInString(s.ColumnName); n > 100 {
		return models.Invalid(field+".columnName", "is %d characters long, at most 100 allowed", n)
	}
	if s.ValueType == models.ValuePicture {
		if _, err := base64.StdEncoding.DecodeString(s.Value); err != nil {
			return models.Invalid(field+".value", "is a picture but not base64: %v", err)
		}
	}
	return nil
}
