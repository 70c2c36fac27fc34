package resolvers

import (
	"context"
	"encoding/base64"
	"sort"
	"strings"

	"certgraph/graph/model"
	"certgraph/models"

	"gorm.io/gorm"
)

// maxPage bounds one page of a listing.
const maxPage = 200

// filterScope turns a CertificateFilter into WHERE conditions on certificates.
func (r *Resolver) filterScope(ctx context.Context, f *model.CertificateFilter) (func(*gorm.DB) *gorm.DB, error) {
	today := r.today().String()
	var conds []func(*gorm.DB) *gorm.DB
	add := func(c func(*gorm.DB) *gorm.DB) { conds = append(conds, c) }
	if f != nil {
		if f.Type != nil {
			code, err := r.resolveTypeFilter(ctx, "filter.type", f.Type)
			if err != nil {
				return nil, err
			}
			if code != "" {
				add(func(tx *gorm.DB) *gorm.DB { return tx.Where("type_code = ?", code) })
			}
		}
		if f.IssueDept != nil && strings.TrimSpace(*f.IssueDept) != "" {
			d := strings.TrimSpace(*f.IssueDept)
			add(func(tx *gorm.DB) *gorm.DB { return tx.Where("issue_dept_code = ?", d) })
		}
		if f.Status != nil {
			s := *f.Status
			add(func(tx *gorm.DB) *gorm.DB { return statusWhere(tx, s, today) })
		}
		if f.IssuedFrom != nil && f.IssuedTo != nil && f.IssuedTo.Before(*f.IssuedFrom) {
			return nil, models.Invalid("filter.issuedTo", "is before issuedFrom")
		}
		if f.IssuedFrom != nil {
			d := f.IssuedFrom.String()
			add(func(tx *gorm.DB) *gorm.DB { return tx.Where("issue_date >= ?", d) })
		}
		if f.IssuedTo != nil {
			d := f.IssuedTo.String()
			add(func(tx *gorm.DB) *gorm.DB { return tx.Where("issue_date <= ?", d) })
		}
		if f.ExpiringWithinDays != nil {
			n := *f.ExpiringWithinDays
			if n < 0 || n > 36500 {
				return nil, models.Invalid("filter.expiringWithinDays", "must be between 0 and 36500, got %d", n)
			}
			until := r.today().AddDays(n).String()
			add(func(tx *gorm.DB) *gorm.DB {
				return statusWhere(tx, models.StatusValid, today).Where("valid_until IS NOT NULL AND valid_until <= ?", until)
			})
		}
		if f.Region != nil && strings.TrimSpace(*f.Region) != "" {
			reg := strings.TrimSpace(*f.Region)
			if len(reg) != 2 || !isDigits(reg) {
				return nil, models.Invalid("filter.region", "%q is not a 2-digit province code (GB/T 2260)", reg)
			}
			add(func(tx *gorm.DB) *gorm.DB {
				return tx.Where("issue_dept_code IN (?)", r.db.Model(&models.Department{}).Select("code").Where("province = ?", reg))
			})
		}
	}
	return func(tx *gorm.DB) *gorm.DB {
		for _, c := range conds {
			tx = c(tx)
		}
		return tx
	}, nil
}

// statusWhere restricts to certificates in state s on day today (YYYY-MM-DD).
func statusWhere(tx *gorm.DB, s models.CertificateStatus, today string) *gorm.DB {
	switch s {
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

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// Cursors are opaque to clients: base64url of "issueDate|id", the keyset of
// the listing's order (issue date, then id, both descending).
func encodeCursor(c *models.Certificate) string {
	return base64.RawURLEncoding.EncodeToString([]byte(c.IssueDate.String() + "|" + c.ID))
}

func decodeCursor(s string) (date, id string, err error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		var ok bool
		date, id, ok = strings.Cut(string(b), "|")
		if ok && len(date) == 10 && id != "" {
			return date, id, nil
		}
	}
	return "", "", models.Invalid("after", "is not a cursor returned by this listing")
}

func (r *Resolver) searchCertificates(ctx context.Context, acc *models.Account, f *model.CertificateFilter, useFor models.UseFor, first *int, after *string) (*model.CertificateConnection, error) {
	if err := useFor.Validate(); err != nil {
		return nil, err
	}
	n := 20
	if first != nil {
		n = *first
	}
	if n < 0 || n > maxPage {
		return nil, models.Invalid("first", "must be between 0 and %d, got %d", maxPage, n)
	}
	scope, err := r.filterScope(ctx, f)
	if err != nil {
		return nil, err
	}
	var total int64
	if err := r.db.WithContext(ctx).Model(&models.Certificate{}).Scopes(scope).Count(&total).Error; err != nil {
		return nil, err
	}
	tx := r.db.WithContext(ctx).Scopes(scope)
	if after != nil && *after != "" {
		d, id, err := decodeCursor(*after)
		if err != nil {
			return nil, err
		}
		tx = tx.Where("(issue_date < ? OR (issue_date = ? AND id < ?))", d, d, id)
	}
	var certs []models.Certificate
	if err := tx.Order("issue_date DESC, id DESC").Limit(n + 1).Find(&certs).Error; err != nil {
		return nil, err
	}
	conn := &model.CertificateConnection{TotalCount: int(total), PageInfo: &model.PageInfo{}}
	if len(certs) > n {
		certs = certs[:n]
		conn.PageInfo.HasNextPage = true
	}
	ids := make([]string, len(certs))
	for i := range certs {
		certs[i].UseFor = useFor
		ids[i] = certs[i].ID
		cur := encodeCursor(&certs[i])
		conn.Edges = append(conn.Edges, model.CertificateEdge{Cursor: cur, Node: &certs[i]})
		conn.PageInfo.EndCursor = &cur
	}
	if conn.Edges == nil {
		conn.Edges = []model.CertificateEdge{}
	}
	return conn, r.audit(ctx, acc, "searchCertificates", useFor, models.OutcomeOK, "", ids...)
}

type groupCount struct {
	Key   string
	Count int64
}

func (r *Resolver) statistics(ctx context.Context, f *model.CertificateFilter) (*model.Statistics, error) {
	scope, err := r.filterScope(ctx, f)
	if err != nil {
		return nil, err
	}
	today := r.today().String()
	group := func(expr string, args ...any) ([]groupCount, error) {
		var rows []groupCount
		err := r.db.WithContext(ctx).Model(&models.Certificate{}).Scopes(scope).
			Select(expr+" AS `key`, COUNT(*) AS `count`", args...).Group("`key`").Scan(&rows).Error
		return rows, err
	}
	st := &model.Statistics{}
	byType, err := group("type_code")
	if err != nil {
		return nil, err
	}
	byDept, err := group("issue_dept_code")
	if err != nil {
		return nil, err
	}
	byStatus, err := group("CASE WHEN revoked_at IS NOT NULL THEN 'REVOKED' WHEN valid_from > ? THEN 'NOT_YET_VALID' WHEN valid_until IS NOT NULL AND valid_until < ? THEN 'EXPIRED' ELSE 'VALID' END", today, today)
	if err != nil {
		return nil, err
	}
	byRegion, err := group("SUBSTR(issue_dept_code, 3, 2)")
	if err != nil {
		return nil, err
	}
	labels := func(table any, keyCol string) map[string]string {
		var rows []struct{ Code, Name string }
		r.db.WithContext(ctx).Model(table).Select(keyCol + " AS code, name").Scan(&rows)
		m := make(map[string]string, len(rows))
		for _, x := range rows {
			m[x.Code] = x.Name
		}
		return m
	}
	for _, g := range byType {
		st.Total += int(g.Count)
	}
	st.ByType = counts(byType, labels(&models.CertificateType{}, "code"))
	st.ByDepartment = counts(byDept, labels(&models.Department{}, "code"))
	statusLabels := map[string]string{"VALID": "有效", "NOT_YET_VALID": "未生效", "EXPIRED": "已过期", "REVOKED": "已注销"}
	st.ByStatus = counts(byStatus, statusLabels)
	st.ByRegion = counts(byRegion, labels(&models.Region{}, "code"))
	return st, nil
}

// counts orders groups by count (largest first), then key, with labels.
func counts(rows []groupCount, labels map[string]string) []model.Count {
	out := make([]model.Count, 0, len(rows))
	for _, g := range rows {
		label := labels[g.Key]
		if label == "" {
			label = g.Key
		}
		out = append(out, model.Count{Key: g.Key, Label: label, Count: int(g.Count)})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Key < out[j].Key
	})
	return out
}
