package store

import (
	"context"
	"fmt"
	"sort"
	"strings"
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
	regionDepts, err := s.regionDepartments(ctx, f.Region)
	if err != nil {
		return nil, err
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

// CountCertificatesMatching is the number of certificates f admits: from
// the statistics aggregate when f is expressible on it (see
// statusCountsFromAggregate), otherwise by counting the certificates.
func (s *DB) CountCertificatesMatching(ctx context.Context, f CertificateFilter) (int64, error) {
	if !aggregatable(f) {
		return s.CountCertificatesScanning(ctx, f)
	}
	if f.Status == nil {
		// Without a status every row of the yearly grain counts as it is.
		q, ok, err := s.aggregateFilter(ctx, f)
		if err != nil || !ok {
			return 0, err
		}
		var total int64
		err = s.bounded(ctx, func(g *gorm.DB) error {
			return q(g.Table("certificate_counts_yearly"), 4).Select("COALESCE(SUM(n), 0)").Scan(&total).Error
		})
		return total, err
	}
	rows, err := s.statusCountsFromAggregate(ctx, f)
	if err != nil {
		return 0, err
	}
	var total int64
	for _, r := range rows {
		total += r.n[statusIndex(*f.Status)]
	}
	return total, nil
}

// CountCertificatesScanning is the number of certificates f admits, counted
// from the certificates themselves (COUNT(*)): the reference the aggregate
// is held to, and the way for filters it cannot express.
func (s *DB) CountCertificatesScanning(ctx context.Context, f CertificateFilter) (int64, error) {
	scope, err := s.scope(ctx, f)
	if err != nil {
		return 0, err
	}
	var total int64
	err = s.bounded(ctx, func(g *gorm.DB) error {
		return g.Model(&models.Certificate{}).Scopes(scope).Count(&total).Error
	})
	return total, err
}

// SearchCertificates returns up to limit certificates f admits, newest issue
// first (then id descending), after the keyset when given.
//
// Certificates expiring soon were mostly issued long ago, so walking the
// issue-date index from the newest passes most of the table before it finds
// a page of them; the validity-end index reads exactly the (few) candidates,
// which are then sorted. A status is judged within the issue-date index
// (it holds the columns of the status and of the other filters), and, for
// the states that cluster in issue time (expired: issued long ago; not yet
// valid: recently), only in the issue months where the monthly aggregate
// has such certificates: expired ones start years down the index.
func (s *DB) SearchCertificates(ctx context.Context, f CertificateFilter, after *Keyset, limit int) ([]models.Certificate, error) {
	scope, err := s.scope(ctx, f)
	if err != nil {
		return nil, err
	}
	var months []dateRange
	if f.Status != nil && f.ExpiringUntil == nil {
		var ok bool
		if months, ok, err = s.issueMonths(ctx, f, after); err != nil || !ok {
			return nil, err
		}
	}
	page := func(tx *gorm.DB) *gorm.DB {
		tx = tx.Scopes(scope)
		if after != nil {
			tx = tx.Where("(issue_date < ? OR (issue_date = ? AND id < ?))", after.IssueDate, after.IssueDate, after.ID)
		}
		if len(months) > 0 {
			cond, args := "", []any{}
			for i, m := range months {
				if i > 0 {
					cond += " OR "
				}
				cond += "(issue_date >= ? AND issue_date < ?)"
				args = append(args, m.from, m.to)
			}
			tx = tx.Where("("+cond+")", args...)
		}
		return tx.Order("issue_date DESC, id DESC").Limit(limit)
	}
	var certs []models.Certificate
	err = s.bounded(ctx, func(g *gorm.DB) error {
		index := ""
		switch {
		case f.ExpiringUntil != nil:
			index = "idx_cert_expiring"
		case f.Status != nil:
			index = "idx_cert_issued_status"
		default:
			return page(g).Find(&certs).Error
		}
		// The page's identifiers first, from the index alone (it holds
		// every column the conditions and the order need), then only those
		// rows: judging or sorting whole rows read thousands of table pages
		// for twenty.
		var ids []string
		if err := page(g.Table(s.indexed(index))).Pluck("id", &ids).Error; err != nil || len(ids) == 0 {
			return err
		}
		return g.Where("id IN ?", ids).Order("issue_date DESC, id DESC").Find(&certs).Error
	})
	return certs, err
}

// dateRange is the days from from up to (not including) to, YYYY-MM-DD.
type dateRange struct{ from, to string }

// maybeInStatus is, by status, the condition on a monthly aggregate row
// that it may hold certificates in that state on a day of month @m (the
// day's own month is undecided at this grain), and the index that reads
// those rows. Valid certificates are most of every month: not listed.
var maybeInStatus = map[models.CertificateStatus]struct{ cond, index string }{
	models.StatusRevoked:     {"revoked = 1", "idx_certificate_counts_from_period"},
	models.StatusNotYetValid: {"revoked = 0 AND from_period >= @m", "idx_certificate_counts_from_period"},
	models.StatusExpired:     {"revoked = 0 AND until_period <> '' AND until_period <= @m AND from_period <= @m", "idx_certificate_counts_until_period"},
}

// issueMonths returns the issue months, newest first and as ranges of days,
// where the monthly aggregate holds certificates that may be in f's state
// on f.Today and that f's other conditions may admit, up to the keyset's
// month; ok is false when there are none, ranges nil when every month may
// hold some. Adjacent months form one range; past a few ranges, one
// covering them all keeps the statement short.
func (s *DB) issueMonths(ctx context.Context, f CertificateFilter, after *Keyset) (ranges []dateRange, ok bool, err error) {
	maybe, known := maybeInStatus[*f.Status]
	if !known {
		return nil, true, nil
	}
	filter, ok, err := s.aggregateFilter(ctx, f)
	if err != nil || !ok {
		return nil, false, err
	}
	var months []string
	err = s.bounded(ctx, func(g *gorm.DB) error {
		q := filter(g.Table(s.indexedTable("certificate_counts", maybe.index)), 7)
		if strings.Contains(maybe.cond, "@m") {
			q = q.Where(maybe.cond, map[string]any{"m": month(f.Today)})
		} else {
			q = q.Where(maybe.cond)
		}
		if after != nil && len(after.IssueDate) >= 7 {
			q = q.Where("issue_period <= ?", after.IssueDate[:7])
		}
		return q.Distinct("issue_period").Order("issue_period DESC").Pluck("issue_period", &months).Error
	})
	if err != nil || len(months) == 0 {
		return nil, false, err
	}
	for _, m := range months {
		start, err := models.ParseDate(m + "-01")
		if err != nil {
			return nil, false, fmt.Errorf("certificate counts: issue period %q: %w", m, err)
		}
		r := dateRange{start.String(), models.DateOf(start.Time().AddDate(0, 1, 0)).String()}
		if n := len(ranges); n > 0 && ranges[n-1].from == r.to {
			ranges[n-1].from = r.from
			continue
		}
		ranges = append(ranges, r)
	}
	if len(ranges) > 8 {
		ranges = []dateRange{{ranges[len(ranges)-1].from, ranges[0].to}}
	}
	return ranges, true, nil
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
// is expressible on the aggregate it is read from there (see
// statusCountsFromAggregate); otherwise the certificates are scanned.
func (s *DB) Statistics(ctx context.Context, f CertificateFilter) (*Statistics, error) {
	var rows []statusCounts
	var err error
	if aggregatable(f) {
		rows, err = s.statusCountsFromAggregate(ctx, f)
	} else {
		rows, err = s.statusCountsScan(ctx, f)
	}
	if err != nil {
		return nil, err
	}
	byType, byDept, byStatus, byRegion := map[string]int64{}, map[string]int64{}, map[string]int64{}, map[string]int64{}
	for _, r := range rows {
		for i, st := range statuses {
			n := r.n[i]
			if n == 0 || (f.Status != nil && st != *f.Status) {
				continue
			}
			byType[r.TypeCode] += n
			byDept[r.IssueDeptCode] += n
			byStatus[string(st)] += n
			// Digits 3–4 of a department's code are its province.
			region := ""
			if len(r.IssueDeptCode) >= 4 {
				region = r.IssueDeptCode[2:4]
			}
			byRegion[region] += n
		}
	}
	return &Statistics{ByType: groups(byType), ByDepartment: groups(byDept), ByStatus: groups(byStatus), ByRegion: groups(byRegion)}, nil
}

// statuses are the states in the order of statusCounts.n and of the codes
// grain.status gives them.
var statuses = [4]models.CertificateStatus{models.StatusValid, models.StatusNotYetValid, models.StatusExpired, models.StatusRevoked}

func statusIndex(st models.CertificateStatus) int {
	for i, s := range statuses {
		if s == st {
			return i
		}
	}
	return 0
}

// statusCounts is how many certificates of one type and issuing department
// are in each state (indexed as statuses).
type statusCounts struct {
	TypeCode, IssueDeptCode string
	n                       [4]int64
}

// statusSums is one row of a grouping query: counts by state, or changes
// of them (negative too) when a finer grain corrects a coarser one.
type statusSums struct {
	TypeCode, IssueDeptCode string
	Valid                   int64 `gorm:"column:n_valid"`
	NotYetValid             int64 `gorm:"column:n_not_yet_valid"`
	Expired                 int64 `gorm:"column:n_expired"`
	Revoked                 int64 `gorm:"column:n_revoked"`
}

// cuts decide a status at some grain: a certificate has not yet started when
// its validity starts on or after From, and has ended when it ends before
// Until. On day D the exact cuts are D+1 and D; at a coarser grain they are
// the start of a period near D, where every period of the grain falls
// wholly on one side, so rows of that grain can be classified.
type cuts struct{ From, Until models.Date }

// grain is a table rows are classified from: certificates (one per row) or
// the aggregate at months or years.
type grain struct {
	table string // FROM, with an index hint where one helps
	// notRevoked is the condition of a row not revoked; from and until name
	// the columns of validity start and end (end '' or NULL: long-term); n
	// is how many certificates a row counts.
	notRevoked, from, until, n string
	size                       int // length of the periods: 4 years, 7 months, 10 days
}

// period cuts a date to the grain's periods.
func (g grain) period(d models.Date) string { return d.String()[:g.size] }

// status is SQL for a row's state under c, coded as the index in statuses.
func (g grain) status(c cuts) (string, []any) {
	return "(CASE WHEN NOT (" + g.notRevoked + ") THEN 3 WHEN " + g.from + " >= ? THEN 1 WHEN " + g.until + " <> '' AND " + g.until + " < ? THEN 2 ELSE 0 END)",
		[]any{g.period(c.From), g.period(c.Until)}
}

// sums selects the counts by state under now, less those under before when
// given: the change from classifying the rows by before to by now.
func (g grain) sums(now cuts, before *cuts) (string, []any) {
	sel := "type_code, issue_dept_code"
	var args []any
	nowExpr, nowArgs := g.status(now)
	for k, col := range []string{"n_valid", "n_not_yet_valid", "n_expired", "n_revoked"} {
		term := fmt.Sprintf("(%s = %d)", nowExpr, k)
		args = append(args, nowArgs...)
		if before != nil {
			beforeExpr, beforeArgs := g.status(*before)
			term = fmt.Sprintf("(%s - (%s = %d))", term, beforeExpr, k)
			args = append(args, beforeArgs...)
		}
		sel += fmt.Sprintf(", COALESCE(SUM(%s * %s), 0) AS %s", g.n, term, col)
	}
	return sel, args
}

// aggregatable reports whether f can be answered from the aggregate: no
// expiring window, and issue bounds, if any, whole years.
func aggregatable(f CertificateFilter) bool {
	return f.ExpiringUntil == nil &&
		(f.IssuedFrom == nil || (f.IssuedFrom.Month == 1 && f.IssuedFrom.Day == 1)) &&
		(f.IssuedTo == nil || (f.IssuedTo.Month == 12 && f.IssuedTo.Day == 31))
}

// regionDepartments is the codes of the departments of province region,
// from the in-memory catalogue; none when region is "".
func (s *DB) regionDepartments(ctx context.Context, region string) ([]string, error) {
	if region == "" {
		return nil, nil
	}
	n, err := s.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	var codes []string
	for _, d := range n.depts {
		if d.Province == region {
			codes = append(codes, d.Code)
		}
	}
	return codes, nil
}

// aggregateFilter returns f (but its status) as conditions on an aggregate
// table whose periods have n characters; ok is false when f admits nothing
// (a region without departments).
func (s *DB) aggregateFilter(ctx context.Context, f CertificateFilter) (q func(*gorm.DB, int) *gorm.DB, ok bool, err error) {
	depts, err := s.regionDepartments(ctx, f.Region)
	if err != nil {
		return nil, false, err
	}
	if f.Region != "" && len(depts) == 0 {
		return nil, false, nil
	}
	return func(q *gorm.DB, n int) *gorm.DB {
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
	}, true, nil
}

// statusCountsScan counts the certificates f admits (all but its status,
// which the caller applies) by type, department and state in one scan.
func (s *DB) statusCountsScan(ctx context.Context, f CertificateFilter) ([]statusCounts, error) {
	today := f.Today
	f.Status = nil
	scope, err := s.scope(ctx, f)
	if err != nil {
		return nil, err
	}
	certs := s.certificateGrain("")
	if f.ExpiringUntil != nil {
		// A window of validity ends: one range of that index.
		certs = s.certificateGrain("idx_cert_expiring")
	}
	sel, args := certs.sums(cuts{today.AddDays(1), today}, nil)
	var rows []statusSums
	err = s.bounded(ctx, func(g *gorm.DB) error {
		return g.Table(certs.table).Scopes(scope).Select(sel, args...).Group("type_code, issue_dept_code").Scan(&rows).Error
	})
	if err != nil {
		return nil, err
	}
	return addStatusSums(nil, rows), nil
}

// certificateGrain is the certificates as a grain, read through index when
// one is named.
func (s *DB) certificateGrain(index string) grain {
	table := "certificates"
	if index != "" {
		table = s.indexed(index)
	}
	return grain{table: table, notRevoked: "revoked_at IS NULL", from: "valid_from", until: "valid_until", n: "1", size: 10}
}

// statusCountsFromAggregate counts the certificates f admits (all but its
// status, which the caller applies) by type, department and state on
// f.Today from the aggregate (see CertificateCount). f must be aggregatable.
//
// Every row of the yearly grain is classified with cuts at year starts: not
// yet valid when it starts after today's year, ended before the start of
// today's year or of the next, whichever is nearer today. Those cuts
// misclassify only certificates starting after today within its year, or
// ending between today and the chosen year start; the monthly grain
// reclassifies exactly those (two index ranges) with cuts at month starts,
// and the certificates starting after today within its month, or ending
// between today and the chosen month start, are reclassified from the
// certificates themselves (two ranges of covering indexes). Each correction
// adds a row's state under the finer cuts and takes away its state under the
// coarser, so the sum is exact. Validity rarely starts in the future, so the
// start cuts are always the next period's: the ranges read stay small on any
// day of the year.
func (s *DB) statusCountsFromAggregate(ctx context.Context, f CertificateFilter) ([]statusCounts, error) {
	filter, ok, err := s.aggregateFilter(ctx, f)
	if err != nil || !ok {
		return nil, err
	}
	g := f
	g.Status = nil
	scope, err := s.scope(ctx, g)
	if err != nil {
		return nil, err
	}
	d := f.Today
	yearStart, nextYear := models.Date{Year: d.Year, Month: 1, Day: 1}, models.Date{Year: d.Year + 1, Month: 1, Day: 1}
	monthStart := models.Date{Year: d.Year, Month: d.Month, Day: 1}
	nextMonth := models.DateOf(monthStart.Time().AddDate(0, 1, 0))
	yearCuts := cuts{From: nextYear, Until: nearer(d, yearStart, nextYear)}
	monthCuts := cuts{From: nextMonth, Until: nearer(d, monthStart, nextMonth)}
	dayCuts := cuts{From: d.AddDays(1), Until: d}

	counts := func(table string, size int) grain {
		return grain{table: table, notRevoked: "revoked = 0", from: "from_period", until: "until_period", n: "n", size: size}
	}
	// The monthly ranges go by their indexes: given a type, MariaDB preferred
	// the key's prefix and read all of the type's rows.
	yearly := counts("certificate_counts_yearly", 4)
	monthlyByStart := counts(s.indexedTable("certificate_counts", "idx_certificate_counts_from_period"), 7)
	monthlyByEnd := counts(s.indexedTable("certificate_counts", "idx_certificate_counts_until_period"), 7)
	type query func(*gorm.DB, *[]statusSums) error
	queries := []query{func(db *gorm.DB, rows *[]statusSums) error {
		sel, args := yearly.sums(yearCuts, nil)
		return filter(db.Table(yearly.table), 4).Select(sel, args...).Group("type_code, issue_dept_code").Scan(rows).Error
	}}
	// corrections reads the rows of gr that cuts now and before classify
	// differently: starting in [now.From, before.From), or ending between
	// the two Until cuts (and not starting there: counted once).
	corrections := func(gr, byEnd grain, now, before cuts, where func(*gorm.DB) *gorm.DB) {
		fromLo, fromHi := gr.period(now.From), gr.period(before.From)
		untilLo, untilHi := gr.period(now.Until), gr.period(before.Until)
		if untilHi < untilLo {
			untilLo, untilHi = untilHi, untilLo
		}
		sel, args := gr.sums(now, &before)
		if fromLo < fromHi {
			queries = append(queries, func(db *gorm.DB, rows *[]statusSums) error {
				return where(db.Table(gr.table)).Where(gr.notRevoked+" AND "+gr.from+" >= ? AND "+gr.from+" < ?", fromLo, fromHi).
					Select(sel, args...).Group("type_code, issue_dept_code").Scan(rows).Error
			})
		}
		if untilLo < untilHi {
			queries = append(queries, func(db *gorm.DB, rows *[]statusSums) error {
				q := where(db.Table(byEnd.table)).Where(gr.notRevoked+" AND "+gr.until+" >= ? AND "+gr.until+" < ?", untilLo, untilHi)
				if fromLo < fromHi {
					q = q.Where("NOT ("+gr.from+" >= ? AND "+gr.from+" < ?)", fromLo, fromHi)
				}
				return q.Select(sel, args...).Group("type_code, issue_dept_code").Scan(rows).Error
			})
		}
	}
	corrections(monthlyByStart, monthlyByEnd, monthCuts, yearCuts, func(q *gorm.DB) *gorm.DB { return filter(q, 7) })
	corrections(s.certificateGrain("idx_cert_valid_from"), s.certificateGrain("idx_cert_expiring"), dayCuts, monthCuts,
		func(q *gorm.DB) *gorm.DB { return q.Scopes(scope) })

	// The statements are independent: run at once, the answer takes about
	// the longest of them rather than their sum.
	results := make([][]statusSums, len(queries))
	errs := make([]error, len(queries))
	var wg sync.WaitGroup
	for i, q := range queries {
		wg.Go(func() { errs[i] = s.bounded(ctx, func(g *gorm.DB) error { return q(g, &results[i]) }) })
	}
	wg.Wait()
	var out []statusCounts
	for i, rows := range results {
		if errs[i] != nil {
			return nil, errs[i]
		}
		out = addStatusSums(out, rows)
	}
	return out, nil
}

// nearer returns whichever of lo and hi is closer to d (lo on a tie).
func nearer(d, lo, hi models.Date) models.Date {
	if d.Time().Sub(lo.Time()) <= hi.Time().Sub(d.Time()) {
		return lo
	}
	return hi
}

// addStatusSums adds rows to the counts by type and department.
func addStatusSums(out []statusCounts, rows []statusSums) []statusCounts {
	at := make(map[[2]string]int, len(out))
	for i, c := range out {
		at[[2]string{c.TypeCode, c.IssueDeptCode}] = i
	}
	for _, r := range rows {
		k := [2]string{r.TypeCode, r.IssueDeptCode}
		i, ok := at[k]
		if !ok {
			i = len(out)
			at[k] = i
			out = append(out, statusCounts{TypeCode: r.TypeCode, IssueDeptCode: r.IssueDeptCode})
		}
		for j, n := range [4]int64{r.Valid, r.NotYetValid, r.Expired, r.Revoked} {
			out[i].n[j] += n
		}
	}
	return out
}

// indexed names the certificates table with a hint to use index.
func (s *DB) indexed(index string) string { return s.indexedTable("certificates", index) }

// indexedTable names table with a hint to use index.
func (s *DB) indexedTable(table, index string) string {
	if s.dialect == SQLite {
		return table + " INDEXED BY " + index
	}
	return table + " USE INDEX (" + index + ")"
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
