package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"certgraph/models"

	"gorm.io/gorm"
)

// CertificateCount is one row of the statistics aggregate: how many
// certificates share a type, issuing department, issue period, revocation
// and the periods their validity starts and ends in. It is kept in the same
// transaction as every write to certificates, so it always equals COUNT(*)
// over the certificates grouped the same way.
//
// It is kept at two grains: months (table certificate_counts, "YYYY-MM") and
// years (certificate_counts_yearly, "YYYY"). The statistics of a day classify
// every yearly row as if the day were at a year's start, then correct the
// few rows that classification gets wrong from the monthly grain, and those
// from the certificates (see statusCountsFromAggregate). Each grain alone
// would be too coarse (years) or too large to read in milliseconds (months:
// tens of thousands of rows at a million certificates).
type CertificateCount struct {
	TypeCode      string `gorm:"primaryKey;size:21"`
	IssueDeptCode string `gorm:"primaryKey;size:18"`
	IssuePeriod   string `gorm:"primaryKey;size:7"`
	Revoked       int    `gorm:"primaryKey;autoIncrement:false"`
	FromPeriod    string `gorm:"primaryKey;size:7"`
	UntilPeriod   string `gorm:"primaryKey;size:7"` // "" long-term
	N             int64  `gorm:"not null"`
}

// countTables are the aggregate's tables and the length of their periods.
var countTables = []struct {
	name string
	n    int
}{{"certificate_counts", 7}, {"certificate_counts_yearly", 4}}

// countKey is the aggregate's monthly key for c.
func countKey(c *models.Certificate) CertificateCount {
	k := CertificateCount{
		TypeCode: c.TypeCode, IssueDeptCode: c.IssueDeptCode,
		IssuePeriod: month(c.IssueDate), FromPeriod: month(c.ValidFrom),
	}
	if c.RevokedAt != nil {
		k.Revoked = 1
	}
	if c.ValidUntil != nil {
		k.UntilPeriod = month(*c.ValidUntil)
	}
	return k
}

func month(d models.Date) string { return d.String()[:7] }

// cut cuts a period to n characters (a month to its year).
func cut(p string, n int) string { return p[:min(len(p), n)] }

// addCounts adds each delta (positive or negative, keyed by month) to its
// count in both tables, in one statement per 500 keys.
func addCounts(tx *gorm.DB, d Dialect, deltas map[CertificateCount]int64) error {
	for _, t := range countTables {
		grain := map[CertificateCount]int64{}
		for k, n := range deltas {
			k.IssuePeriod, k.FromPeriod, k.UntilPeriod = cut(k.IssuePeriod, t.n), cut(k.FromPeriod, t.n), cut(k.UntilPeriod, t.n)
			grain[k] += n
		}
		if err := addCountsTo(tx, d, t.name, grain); err != nil {
			return err
		}
	}
	return nil
}

func addCountsTo(tx *gorm.DB, d Dialect, table string, deltas map[CertificateCount]int64) error {
	keys := make([]CertificateCount, 0, len(deltas))
	for k, n := range deltas {
		if n != 0 {
			k.N = n
			keys = append(keys, k)
		}
	}
	// In key order: concurrent writers then lock the rows they share in
	// one order and cannot deadlock over them.
	slices.SortFunc(keys, func(a, b CertificateCount) int {
		return cmp.Or(cmp.Compare(a.TypeCode, b.TypeCode), cmp.Compare(a.IssueDeptCode, b.IssueDeptCode), cmp.Compare(a.IssuePeriod, b.IssuePeriod),
			cmp.Compare(a.Revoked, b.Revoked), cmp.Compare(a.FromPeriod, b.FromPeriod), cmp.Compare(a.UntilPeriod, b.UntilPeriod))
	})
	for len(keys) > 0 {
		part := keys[:min(len(keys), 500)]
		keys = keys[len(part):]
		var b strings.Builder
		b.WriteString("INSERT INTO " + table + " (type_code, issue_dept_code, issue_period, revoked, from_period, until_period, n) VALUES ")
		args := make([]any, 0, 7*len(part))
		for i, k := range part {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString("(?,?,?,?,?,?,?)")
			args = append(args, k.TypeCode, k.IssueDeptCode, k.IssuePeriod, k.Revoked, k.FromPeriod, k.UntilPeriod, k.N)
		}
		if d == MySQL {
			b.WriteString(" ON DUPLICATE KEY UPDATE n = n + VALUES(n)")
		} else {
			b.WriteString(" ON CONFLICT (type_code, issue_dept_code, issue_period, revoked, from_period, until_period) DO UPDATE SET n = " + table + ".n + excluded.n")
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

// rebuildCounts creates the aggregate's tables and fills them from the
// certificates (the migration).
func rebuildCounts(tx *gorm.DB) error {
	for _, t := range countTables {
		if err := tx.Table(t.name).AutoMigrate(&CertificateCount{}); err != nil {
			return err
		}
		// The monthly table is read by ranges of validity start and end.
		for _, col := range []string{"from_period", "until_period"} {
			if t.n == 7 && !tx.Migrator().HasIndex(t.name, "idx_"+t.name+"_"+col) {
				if err := tx.Exec("CREATE INDEX idx_" + t.name + "_" + col + " ON " + t.name + " (revoked, " + col + ")").Error; err != nil {
					return err
				}
			}
		}
		if err := tx.Exec("DELETE FROM " + t.name).Error; err != nil {
			return err
		}
		n := fmt.Sprint(t.n)
		cols := "type_code, issue_dept_code, SUBSTR(issue_date, 1, " + n + "), CASE WHEN revoked_at IS NULL THEN 0 ELSE 1 END, " +
			"SUBSTR(valid_from, 1, " + n + "), COALESCE(SUBSTR(valid_until, 1, " + n + "), '')"
		if err := tx.Exec("INSERT INTO " + t.name + " (type_code, issue_dept_code, issue_period, revoked, from_period, until_period, n) SELECT " +
			cols + ", COUNT(*) FROM certificates GROUP BY " + cols).Error; err != nil {
			return err
		}
	}
	return nil
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
