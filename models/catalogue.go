package models

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
