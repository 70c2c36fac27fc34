package store

import (
	"context"
	"sort"
	"sync"

	"certgraph/models"

	"gorm.io/gorm"
)

// CertificateFilter restricts searches and statistics; zero fields do not
// restrict. Callers validate it (codes resolved, ranges checked) first.
type CertificateFilter struct {
	TypeCode      string
	IssueDeptCode string
	// Status is judged on Today.
	Status *models.CertificateStatus
	Today  models.Date
	// IssuedFrom and IssuedTo bound the issue date, both inclusive.
	IssuedFrom, IssuedTo *models.Date
	// ExpiringUntil keeps valid certificates whose validity ends on or
	// before this day.
	ExpiringUntil *models.Date
	// Region is a 2-digit province code: certificates of its departments.
	Region string
}

// scope turns f into WHERE conditions on certificates. A region becomes the
// list of its departments' codes, from the in-memory catalogue (a subquery on
// departments made MariaDB probe it for every certificate: seconds at a
// million).
func (s *DB) scope(ctx context.Context, f CertificateFilter) (func(*gorm.DB) *gorm.DB, error) {
	today := f.Today.String()
	var regionDepts []string
	if f.Region != "" {
		n, err := s.snapshot(ctx)
		if err != nil {
			return nil, err
		}
		for _, d := range n.depts {
			if d.Province == f.Region {
				regionDepts = append(regionDepts, d.Code)
			}
		}
	}
	return func(tx *gorm.DB) *gorm.DB {
		if f.TypeCode != "" {
			tx = tx.Where("type_code = ?", f.TypeCode)
		}
		if f.IssueDeptCode != "" {
			tx = tx.Where("issue_dept_code = ?", f.IssueDeptCode)
		}
		if f.Status != nil {
			tx = statusWhere(tx, *f.Status, today)
		}
		if f.IssuedFrom != nil {
			tx = tx.Where("issue_date >= ?", f.IssuedFrom.String())
		}
		if f.IssuedTo != nil {
			tx = tx.Where("issue_date <= ?", f.IssuedTo.String())
		}
		if f.ExpiringUntil != nil {
			// Valid and ending between today and ExpiringUntil: one range of
			// the validity-end index.
			tx = tx.Where("valid_until >= ? AND valid_until <= ? AND revoked_at IS NULL AND valid_from <= ?", today, f.ExpiringUntil.String(), today)
		}
		if f.Region != "" {
			if len(regionDepts) == 0 {
				return tx.Where("1 = 0")
			}
			tx = tx.Where("issue_dept_code IN ?", regionDepts)
		}
		return tx
	}, nil
}

// statusWhere restricts to certificates in state st on day today (YYYY-MM-DD).
func statusWhere(tx *gorm.DB, st models.CertificateStatus, today string) *gorm.DB {
	switch st {
	case models.StatusRevoked:
		return tx.Where("revoked_at IS NOT NULL")
	case models.StatusNotYetValid:
		return tx.Where("revoked_at IS NULL AND valid_from > ?", today)
	case models.StatusExpired:
		return tx.Where("revoked_at IS NULL AND valid_from <= ? AND valid_until IS NOT NULL AND valid_until < ?", today, today)
	default:
		return tx.Where("revoked_at IS NULL AND valid_from <= ? AND (valid_until IS NULL OR valid_until >= ?)", today, today)
	}
}

// Keyset is a position in the search order (issue date, then id, both
// descending): the listing continues after it.
type Keyset struct {
	IssueDate string
	ID        string
}

// CountCertificatesMatching is the number of certificates f admits.
func (s *DB) CountCertificatesMatching(ctx context.Context, f CertificateFilter) (int64, error) {
	var total int64
	scope, err := s.scope(ctx, f)
	if err != nil {
		return 0, err
	}
	return total, s.bounded(ctx, func(g *gorm.DB) error {
		return g.Model(&models.Certificate{}).Scopes(scope).Count(&total).Error
	})
}

// SearchCertificates returns up to limit certificates f admits, newest issue
// first (then id descending), after the keyset when given.
//
// Certificates expiring soon were mostly issued long ago, so walking the
// issue-date index from the newest passes most of the table before it finds
// a page of them; the validity-end index reads exactly the (few) candidates,
// which are then sorted.
func (s *DB) SearchCertificates(ctx context.Context, f CertificateFilter, after *Keyset, limit int) ([]models.Certificate, error) {
	scope, err := s.scope(ctx, f)
	if err != nil {
		return nil, err
	}
	page := func(tx *gorm.DB) *gorm.DB {
		tx = tx.Scopes(scope)
		if after != nil {
			tx = tx.Where("(issue_date < ? OR (issue_date = ? AND id < ?))", after.IssueDate, after.IssueDate, after.ID)
		}
		return tx.Order("issue_date DESC, id DESC").Limit(limit)
	}
	var certs []models.Certificate
	return certs, s.bounded(ctx, func(g *gorm.DB) error {
		if f.ExpiringUntil == nil {
			return page(g).Find(&certs).Error
		}
		// The page's identifiers first, from the expiring index alone (it
		// holds every column the condition and the order need), then only
		// those rows: sorting whole rows read thousands of table pages for twenty.
		var ids []string
		if err := page(g.Table(s.indexed("idx_cert_expiring"))).Pluck("id", &ids).Error; err != nil || len(ids) == 0 {
			return err
		}
		return g.Where("id IN ?", ids).Order("issue_date DESC, id DESC").Find(&certs).Error
	})
}

// Group is one row of a statistic: a key and how many certificates have it.
type Group struct {
	Key   string
	Count int64
}

// Statistics counts the certificates f admits by type, issuing department,
// status (on f.Today) and region of the department (digits 3–4 of its code).
type Statistics struct {
	ByType, ByDepartment, ByStatus, ByRegion []Group
}

// Statistics groups the certificates f admits along each dimension. When f
// is expressible on the aggregate (no expiring window; issue bounds, if
// any, whole months) it reads certificate_counts plus the few certificates
// whose validity starts or ends in the current month; otherwise it scans.
func (s *DB) Statistics(ctx context.Context, f CertificateFilter) (*Statistics, error) {
	rows, err := s.statisticsFromCounts(ctx, f)
	if err != nil {
		return nil, err
	}
	if rows == nil {
		if rows, err = s.statisticsScan(ctx, f); err != nil {
			return nil, err
		}
	}
	byType, byDept, byStatus, byRegion := map[string]int64{}, map[string]int64{}, map[string]int64{}, map[string]int64{}
	for _, r := range rows {
		if f.Status != nil && r.Status != string(*f.Status) {
			continue
		}
		byType[r.TypeCode] += r.Count
		byDept[r.IssueDeptCode] += r.Count
		byStatus[r.Status] += r.Count
		// Digits 3–4 of a department's code are its province.
		region := ""
		if len(r.IssueDeptCode) >= 4 {
			region = r.IssueDeptCode[2:4]
		}
		byRegion[region] += r.Count
	}
	return &Statistics{ByType: groups(byType), ByDepartment: groups(byDept), ByStatus: groups(byStatus), ByRegion: groups(byRegion)}, nil
}

// statRow is a count of certificates by type, department and status.
type statRow struct {
	TypeCode, IssueDeptCode, Status string
	Count                           int64
}

// statusCase classifies a certificate row on day ? (given twice).
const statusCase = "CASE WHEN revoked_at IS NOT NULL THEN 'REVOKED' WHEN valid_from > ? THEN 'NOT_YET_VALID' WHEN valid_until IS NOT NULL AND valid_until < ? THEN 'EXPIRED' ELSE 'VALID' END"

// statisticsScan groups the certificates f admits (all but its status, which
// the caller applies) by type, department and status in one scan.
func (s *DB) statisticsScan(ctx context.Context, f CertificateFilter) ([]statRow, error) {
	today := f.Today.String()
	f.Status = nil
	scope, err := s.scope(ctx, f)
	if err != nil {
		return nil, err
	}
	var rows []statRow
	return rows, s.bounded(ctx, func(g *gorm.DB) error {
		tx := g.Model(&models.Certificate{})
		if f.ExpiringUntil != nil {
			// A window of validity ends: one range of that index.
			tx = tx.Table(s.indexed("idx_cert_expiring"))
		}
		return tx.Scopes(scope).
			Select("type_code, issue_dept_code, "+statusCase+" AS status, COUNT(*) AS count", today, today).
			Group("type_code, issue_dept_code, status").Scan(&rows).Error
	})
}

// statisticsFromCounts answers from the aggregate (see CertificateCount),
// or returns nil rows when f cannot be expressed on it: an expiring window,
// or issue bounds that are not whole years. Rows are decided at the yearly
// grain, then those starting or ending in today's year at the monthly grain,
// then those starting or ending in today's month from the certificates (two
// index ranges), so the result is exact.
func (s *DB) statisticsFromCounts(ctx context.Context, f CertificateFilter) ([]statRow, error) {
	if f.ExpiringUntil != nil ||
		(f.IssuedFrom != nil && (f.IssuedFrom.Month != 1 || f.IssuedFrom.Day != 1)) ||
		(f.IssuedTo != nil && (f.IssuedTo.Month != 12 || f.IssuedTo.Day != 31)) {
		return nil, nil
	}
	var depts []string
	if f.Region != "" {
		n, err := s.snapshot(ctx)
		if err != nil {
			return nil, err
		}
		for _, d := range n.depts {
			if d.Province == f.Region {
				depts = append(depts, d.Code)
			}
		}
		if len(depts) == 0 {
			return []statRow{}, nil
		}
	}
	filter := func(q *gorm.DB, n int) *gorm.DB {
		if f.TypeCode != "" {
			q = q.Where("type_code = ?", f.TypeCode)
		}
		if f.IssueDeptCode != "" {
			q = q.Where("issue_dept_code = ?", f.IssueDeptCode)
		}
		if f.IssuedFrom != nil {
			q = q.Where("issue_period >= ?", cut(month(*f.IssuedFrom), n))
		}
		if f.IssuedTo != nil {
			q = q.Where("issue_period <= ?", cut(month(*f.IssuedTo), n))
		}
		if depts != nil {
			q = q.Where("issue_dept_code IN ?", depts)
		}
		return q
	}
	// decide classifies a row by its periods against today's period p;
	// '' is undecided (validity starts or ends in p).
	const decide = "CASE WHEN revoked = 1 THEN 'REVOKED' WHEN from_period > ? THEN 'NOT_YET_VALID' " +
		"WHEN until_period <> '' AND until_period < ? THEN 'EXPIRED' WHEN from_period < ? AND (until_period = '' OR until_period > ?) THEN 'VALID' " +
		"ELSE '' END"
	// undecided selects the non-revoked rows starting in [lo, hi] (and not
	// ended before lo), or ending in it having started before lo.
	undecided := []string{
		"revoked = 0 AND from_period >= ? AND from_period <= ? AND (until_period = '' OR until_period >= ?)",
		"revoked = 0 AND until_period >= ? AND until_period <= ? AND from_period < ?",
	}
	cy, cm := f.Today.String()[:4], month(f.Today)
	g := f
	g.Status = nil
	scope, err := s.scope(ctx, g)
	if err != nil {
		return nil, err
	}
	today := f.Today.String()
	start := cm + "-01"
	nextMonth := models.DateOf(f.Today.Time().AddDate(0, 0, 1-f.Today.Day).AddDate(0, 1, 0)).String()
	// The five statements are independent: run at once, the answer takes
	// about the longest of them rather than their sum.
	queries := []func(*gorm.DB, *[]statRow) error{
		func(g *gorm.DB, rows *[]statRow) error {
			return filter(g.Table("certificate_counts_yearly"), 4).
				Select("type_code, issue_dept_code, "+decide+" AS status, SUM(n) AS count", cy, cy, cy, cy).
				Group("type_code, issue_dept_code, status").Scan(rows).Error
		},
	}
	for _, cond := range undecided {
		queries = append(queries, func(g *gorm.DB, rows *[]statRow) error {
			return filter(g.Table("certificate_counts"), 7).Where(cond, cy+"-01", cy+"-12", cy+"-01").
				Select("type_code, issue_dept_code, "+decide+" AS status, SUM(n) AS count", cm, cm, cm, cm).
				Group("type_code, issue_dept_code, status").Scan(rows).Error
		})
	}
	for _, where := range []struct {
		index, cond string
	}{
		{"idx_cert_valid_from", "revoked_at IS NULL AND valid_from >= ? AND valid_from < ? AND (valid_until IS NULL OR valid_until >= ?)"},
		{"idx_cert_expiring", "revoked_at IS NULL AND valid_until >= ? AND valid_until < ? AND valid_from < ?"},
	} {
		queries = append(queries, func(g *gorm.DB, rows *[]statRow) error {
			return g.Table(s.indexed(where.index)).Scopes(scope).Where(where.cond, start, nextMonth, start).
				Select("type_code, issue_dept_code, "+statusCase+" AS status, COUNT(*) AS count", today, today).
				Group("type_code, issue_dept_code, status").Scan(rows).Error
		})
	}
	results := make([][]statRow, len(queries))
	errs := make([]error, len(queries))
	var wg sync.WaitGroup
	for i, q := range queries {
		wg.Go(func() { errs[i] = s.bounded(ctx, func(g *gorm.DB) error { return q(g, &results[i]) }) })
	}
	wg.Wait()
	out := []statRow{}
	for i, rows := range results {
		if errs[i] != nil {
			return nil, errs[i]
		}
		for _, r := range rows {
			// Rows at the yearly and monthly grain left undecided ('')
			// are counted by the next grain.
			if r.Status != "" && r.Count != 0 {
				out = append(out, r)
			}
		}
	}
	return out, nil
}

// indexed names the certificates table with a hint to use index.
func (s *DB) indexed(index string) string {
	if s.dialect == SQLite {
		return "certificates INDEXED BY " + index
	}
	return "certificates USE INDEX (" + index + ")"
}

// groups turns counts by key into Groups ordered by key.
func groups(m map[string]int64) []Group {
	out := make([]Group, 0, len(m))
	for k, n := range m {
		out = append(out, Group{Key: k, Count: n})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// CatalogueNames maps the codes of a catalogue to their names (from memory).
func CatalogueNames[T Catalogue](ctx context.Context, s *DB) (map[string]string, error) {
	n, err := s.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	rows := list[T](n)
	m := make(map[string]string, len(rows))
	for _, x := range rows {
		code, name := codeName(x)
		m[code] = name
	}
	return m, nil
}

func codeName(v any) (code, name string) {
	switch x := v.(type) {
	case models.HolderType:
		return x.Code, x.Name
	case models.CertificateType:
		return x.Code, x.Name
	case models.Department:
		return x.Code, x.Name
	case models.Region:
		return x.Code, x.Name
	}
	return "", ""
}
