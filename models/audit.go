package models

import "time"

// AccessRecord is one audited read of certificate data: who (account), what
// (operation, subject), why (useFor), through which channel, when, and how
// it ended (outcome).
type AccessRecord struct {
	ID        int64   `gorm:"primaryKey;autoIncrement"`
	AccountID string  `gorm:"size:32;not null;index:idx_access_account,priority:1"`
	Operation string  `gorm:"size:64;not null"`
	Subject   string  `gorm:"size:128;not null;index"`
	UseFor    UseFor  `gorm:"size:2;not null"`
	Channel   Channel `gorm:"size:16;not null"`
	Outcome   string  `gorm:"size:16;not null"`
	Detail    string  `gorm:"size:500"`
	// OnBehalfOf is the original caller (accountId@region) of a read that
	// came through the national hub; RequestID the id of that read on
	// every node it passed.
	OnBehalfOf string    `gorm:"size:100"`
	RequestID  string    `gorm:"size:64;index"`
	CreatedAt  time.Time `gorm:"not null;index;index:idx_access_account,priority:2"`
}

// Audit outcomes.
const (
	OutcomeOK       = "OK"
	OutcomeDenied   = "DENIED"
	OutcomeFailed   = "FAILED"
	OutcomeNotFound = "NOT_FOUND" // the subject asked for does not exist
	OutcomeInvalid  = "INVALID"   // a verification answered false
)
