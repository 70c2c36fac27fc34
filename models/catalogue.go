package models

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"certgraph/internal/ident"
)

// HolderType is an entry of the 持证主体代码类型 catalogue (GB/T 36903-2018
// 附录A): the kind of code that identifies a holder, e.g. 111 公民身份号码.
type HolderType struct {
	Code string     `gorm:"primaryKey;size:3"`
	Name string     `gorm:"size:100;not null"`
	Kind HolderKind `gorm:"size:16;not null"`
}

// Holder type codes that carry a checksum this service verifies.
const (
	HolderTypeCreditCode = "001" // 统一社会信用代码 (GB 32100)
	HolderTypeCitizenID  = "111" // 公民身份号码 (GB 11643)
)

// SurfaceField is one entry of a certificate type's surface template: the
// name, column name and value type every certificate of the type shows.
type SurfaceField struct {
	Name       string           `json:"name"`
	ColumnName string           `json:"columnName"`
	ValueType  SurfaceValueType `json:"valueType"`
}

// CertificateType is an entry of the 证照目录: a kind of certificate with its
// national type code, its name (which legacy callers use to ask for it), the
// kind of holder it is issued to, its surface template, and whether this
// province issues it.
type CertificateType struct {
	Code            string         `gorm:"primaryKey;size:21"`
	Name            string         `gorm:"size:100;not null;uniqueIndex"`
	HolderKind      HolderKind     `gorm:"size:16;not null"`
	Local           bool           `gorm:"not null"`
	SurfaceTemplate []SurfaceField `gorm:"serializer:json;type:text"`
}

// Department is an issuing authority (颁发机构), identified by its
// 统一社会信用代码; characters 3–8 of the code are its administrative
// division and 3–4 its province.
type Department struct {
	Code     string `gorm:"primaryKey;size:18"`
	Name     string `gorm:"size:200;not null"`
	Province string `gorm:"size:2;not null;index"`
}

// Region is a province-level division (GB/T 2260), used to name the regions
// in statistics.
type Region struct {
	Code string `gorm:"primaryKey;size:2"`
	Name string `gorm:"size:50;not null"`
}

// Validate says what is wrong with a certificate type an admin defines,
// naming the field: the code is a defining body's 统一社会信用代码 plus 3
// digits, the name 1–100 characters, the holder kind PERSON or
// ORGANISATION, and each surface field named, with a column name and a
// value type (string or picture).
func (t *CertificateType) Validate() error {
	if len(t.Code) != 21 || strings.Trim(t.Code[18:], "0123456789") != "" {
		return Invalid("code", "%q is not a certificate type code (an 18-character 统一社会信用代码 and 3 digits, e.g. 11100000000013338W032)", t.Code)
	}
	if err := ident.ValidateCreditCode(t.Code[:18]); err != nil {
		return Invalid("code", "%q: the defining body's code: %v", t.Code, err)
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(t.Name)); n == 0 || n > 100 {
		return Invalid("name", "must be 1–100 characters")
	}
	if t.HolderKind != KindPerson && t.HolderKind != KindOrganisation {
		return Invalid("holderKind", "%q is not PERSON or ORGANISATION", string(t.HolderKind))
	}
	seen := map[string]bool{}
	for i, f := range t.SurfaceTemplate {
		field := fmt.Sprintf("surfaceTemplate[%d]", i)
		switch {
		case strings.TrimSpace(f.Name) == "" || utf8.RuneCountInString(f.Name) > 100:
			return Invalid(field+".name", "must be 1–100 characters")
		case strings.TrimSpace(f.ColumnName) == "" || len(f.ColumnName) > 100:
			return Invalid(field+".columnName", "must be 1–100 characters")
		case f.ValueType != ValueString && f.ValueType != ValuePicture:
			return Invalid(field+".valueType", "%q is not string or picture", string(f.ValueType))
		case seen[f.ColumnName]:
			return Invalid(field+".columnName", "%q appears twice in the template", f.ColumnName)
		}
		seen[f.ColumnName] = true
	}
	return nil
}
