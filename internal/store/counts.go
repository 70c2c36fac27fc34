package store

import (
	"context"
	"fmt"
	"strings"

	"certgraph/models"

	"gorm.io/gorm"
)

// CertificateCount is one row of the statistics aggregate: how many
// certificates share a type, issuing department, issue month, revocation and
// the months their validity starts and ends in. It is kept in the same
// transaction as every write to certificates, so it always equals COUNT(*)
// over the certificates grouped the same way.
//
// Months (not days) keep it small (tens of thousands of rows at a million
// certificates); a certificate's status on a day is decided by its months
// except when one of them is that day's month, and those few certificates are
// counted from the certificates themselves.
type CertificateCount struct {
	TypeCode      string `gorm:"primaryKey;size:21"`
	IssueDeptCode string `gorm:"primaryKey;size:18"`
	IssueMonth    string `gorm:"primaryKey;size:7"`
	Revoked       int    `gorm:"primaryKey;autoIncrement:false"`
	FromMonth     string `gorm:"primaryKey;size:7"`
	UntilMonth    string `gorm:"primaryKey;size:7"` // "" long-term
	N             int64  `gorm:"not null"`
}

// countKey is the aggregate's key for c.
func countKey(c *models.Certificate) CertificateCount {
	k := CertificateCount{
		TypeCode: c.TypeCode, IssueDeptCode: c.IssueDeptCode,
		IssueMonth: month(c.IssueDate), FromMonth: month(c.ValidFrom),
	}
	if c.RevokedAt != nil {
		k.Revoked = 1
	}
	if c.ValidUntil != nil {
		k.UntilMonth = month(*c.ValidUntil)
	}
	return k
}

func month(d models.Date) string { return d.String()[:7] }

// addCounts adds each delta (positive or negative) to its key's count in
// one statement per 500 keys.
func addCounts(tx *gorm.DB, d Dialect, deltas map[CertificateCount]int64) error {
	keys := make([]CertificateCount, 0, len(deltas))
	for k, n := range deltas {
		if n != 0 {
			k.N = n
			keys = append(keys, k)
		}
	}
	for len(keys) > 0 {
		part := keys[:min(len(keys), 500)]
		keys = keys[len(part):]
		var b strings.Builder
		b.WriteString("INSERT INTO certificate_counts (type_code, issue_dept_code, issue_month, revoked, from_month, until_month, n) VALUES ")
		args := make([]any, 0, 7*len(part))
		for i, k := range part {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString("(?,?,?,?,?,?,?)")
			args = append(args, k.TypeCode, k.IssueDeptCode, k.IssueMonth, k.Revoked, k.FromMonth, k.UntilMonth, k.N)
		}
		if d == MySQL {
			b.WriteString(" ON DUPLICATE KEY UPDATE n = n + VALUES(n)")
		} else {
			b.WriteString(" ON CONFLICT (type_code, issue_dept_code, issue_month, revoked, from_month, until_month) DO UPDATE SET n = certificate_counts.n + excluded.n")
		}
		if err := tx.Exec(b.String(), args...).Error; err != nil {
			return fmt.Errorf("certificate counts: %w", err)
		}
	}
	return nil
}

// countChange adds c (+1) or removes it (-1) from the aggregate.
func (s *DB) countChange(ctx context.Context, changes map[CertificateCount]int64) error {
	return addCounts(s.with(ctx), s.dialect, changes)
}

// rebuildCounts fills the aggregate from the certificates (the migration).
func rebuildCounts(tx *gorm.DB) error {
	if err := tx.Exec("DELETE FROM certificate_counts").Error; err != nil {
		return err
	}
	return tx.Exec(`INSERT INTO certificate_counts (type_code, issue_dept_code, issue_month, revoked, from_month, until_month, n)
SELECT type_code, issue_dept_code, SUBSTR(issue_date, 1, 7), CASE WHEN revoked_at IS NULL THEN 0 ELSE 1 END,
 SUBSTR(valid_from, 1, 7), COALESCE(SUBSTR(valid_until, 1, 7), ''), COUNT(*)
FROM certificates
GROUP BY type_code, issue_dept_code, SUBSTR(issue_date, 1, 7), CASE WHEN revoked_at IS NULL THEN 0 ELSE 1 END, SUBSTR(valid_from, 1, 7), COALESCE(SUBSTR(valid_until, 1, 7), '')`).Error
}

// InsertCertificate stores c, with its surfaces, as it is (revoked or not)
// and counts it in the statistics aggregate, in one transaction: the way
// for fixtures and tools that bring a complete certificate.
func (s *DB) InsertCertificate(ctx context.Context, c *models.Certificate) error {
	return s.Transaction(ctx, func(tx *DB) error {
		if err := tx.with(ctx).Create(c).Error; err != nil {
			return err
		}
		return tx.countChange(ctx, map[CertificateCount]int64{countKey(c): 1})
	})
}
