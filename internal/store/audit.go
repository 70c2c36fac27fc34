package store

import (
	"context"
	"strings"
	"time"

	"certgraph/models"

	"gorm.io/gorm"
)

// AppendAudit writes access records in one multi-row INSERT per 500 records.
// Up to 500 records need no transaction around the statement (one statement
// is atomic on its own), which saves a BEGIN and a COMMIT round trip; more
// are written in one transaction. The statement is built here rather than
// by GORM's Create: this runs for every read, and reflecting over the
// records cost more CPU than the rest of writing them.
func (s *DB) AppendAudit(ctx context.Context, recs []models.AccessRecord) error {
	if len(recs) == 0 {
		return nil
	}
	if len(recs) <= auditRowsPerStatement {
		sql, args := auditInsert(recs)
		return s.with(ctx).Session(&gorm.Session{SkipDefaultTransaction: true}).Exec(sql, args...).Error
	}
	return s.with(ctx).Transaction(func(tx *gorm.DB) error {
		for lo := 0; lo < len(recs); lo += auditRowsPerStatement {
			sql, args := auditInsert(recs[lo:min(lo+auditRowsPerStatement, len(recs))])
			if err := tx.Exec(sql, args...).Error; err != nil {
				return err
			}
		}
		return nil
	})
}

// auditColumns are access_records' columns but the generated id.
const auditColumns = "INSERT INTO access_records (account_id, operation, subject, use_for, channel, outcome, detail, on_behalf_of, request_id, created_at) VALUES "

// auditInsert is the INSERT statement of recs and its arguments.
func auditInsert(recs []models.AccessRecord) (string, []any) {
	var b strings.Builder
	b.Grow(len(auditColumns) + len(recs)*22)
	b.WriteString(auditColumns)
	args := make([]any, 0, 10*len(recs))
	for i := range recs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?,?,?,?,?,?,?,?,?,?)")
		r := &recs[i]
		args = append(args, r.AccountID, r.Operation, r.Subject, string(r.UseFor), string(r.Channel), r.Outcome, r.Detail, r.OnBehalfOf, r.RequestID, r.CreatedAt)
	}
	return b.String(), args
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
