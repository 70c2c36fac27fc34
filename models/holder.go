package models

import "time"

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

// IsEntity marks Holder as an Apollo Federation entity (keyed by code).
func (Holder) IsEntity() {}
