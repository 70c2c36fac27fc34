package store

import (
	"context"
	"time"

	"certgraph/models"

	"gorm.io/gorm"
)

// AppendAudit writes access records in one multi-row INSERT per 500 records.
// Up to 500 records need no transaction around the statement (one statement
// is atomic on its own), which saves a BEGIN and a COMMIT round trip; more
// are written in one transaction.
func (s *DB) AppendAudit(ctx context.Context, recs []models.AccessRecord) error {
	if len(recs) == 0 {
		return nil
	}
	if len(recs) <= auditRowsPerStatement {
		return s.with(ctx).Session(&gorm.Session{SkipDefaultTransaction: true}).Create(&recs).Error
	}
	return s.with(ctx).CreateInBatches(recs, auditRowsPerStatement).Error
}

// auditRowsPerStatement keeps one INSERT's bind parameters (9 a row) far below
// SQLite's and MySQL's limits.
const auditRowsPerStatement = 500

// AccessRecordFilter restricts the audit listing; zero fields do not.
type AccessRecordFilter struct {
	AccountID string
	Subject   string
	From, To  *time.Time // From inclusive, To exclusive
}

// AccessRecords returns up to limit audit records f admits, newest first,
// with ids below beforeID when it is positive.
func (s *DB) AccessRecords(ctx context.Context, f AccessRecordFilter, beforeID int64, limit int) ([]models.AccessRecord, error) {
	tx := s.with(ctx).Model(&models.AccessRecord{})
	if f.AccountID != "" {
		tx = tx.Where("account_id = ?", f.AccountID)
	}
	if f.Subject != "" {
		tx = tx.Where("subject = ?", f.Subject)
	}
	if f.From != nil {
		tx = tx.Where("created_at >= ?", f.From.UTC())
	}
	if f.To != nil {
		tx = tx.Where("created_at < ?", f.To.UTC())
	}
	if beforeID > 0 {
		tx = tx.Where("id < ?", beforeID)
	}
	var recs []models.AccessRecord
	return recs, tx.Order("id DESC").Limit(limit).Find(&recs).Error
}
