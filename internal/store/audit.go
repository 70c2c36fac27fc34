package store

import (
	"context"
	"time"

	"certgraph/models"
)

// AppendAudit writes access records in one statement (batches of 500).
func (s *DB) AppendAudit(ctx context.Context, recs []models.AccessRecord) error {
	return s.with(ctx).CreateInBatches(recs, 500).Error
}

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
