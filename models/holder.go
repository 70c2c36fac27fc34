package models

import (
	"time"

	"certgraph/internal/ident"
)

// Holder is a certificate holder (持证主体): a person or an organisation,
// identified by a code of a HolderType (e.g. a 公民身份号码).
type Holder struct {
	ID        int64  `gorm:"primaryKey;autoIncrement"`
	Code      string `gorm:"size:64;not null;uniqueIndex"`
	TypeCode  string `gorm:"size:3;not null;index"`
	Name      string `gorm:"size:200;not null"`
	Province  string `gorm:"size:2;not null;index"`
	CreatedAt time.Time
	UpdatedAt time.Time
}

// CacheSize is roughly how many bytes a cached copy of h keeps alive.
func (h *Holder) CacheSize() int64 {
	return int64(160 + len(h.Code) + len(h.TypeCode) + len(h.Name) + len(h.Province))
}

// IsEntity marks Holder as an Apollo Federation entity (keyed by code).
func (Holder) IsEntity() {}

// ValidateHolderCode checks a holder code against its code type where the
// type has a checksum: 公民身份号码 (111) and 统一社会信用代码 (001). Other
// types carry no structure to check. The error, if any, is an *ident.Error.
func ValidateHolderCode(typeCode, code string) error {
	switch typeCode {
	case HolderTypeCitizenID:
		return ident.ValidateCitizenID(code)
	case HolderTypeCreditCode:
		return ident.ValidateCreditCode(code)
	}
	return nil
}
