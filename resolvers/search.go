package resolvers

import (
	"context"
	"encoding/base64"
	"slices"
	"sort"
	"strings"
	"sync"

	"certgraph/graph/model"
	"certgraph/internal/store"
	"certgraph/models"

	"github.com/99designs/gqlgen/graphql"
)

// Page sizes of the listings: the default of searchCertificates and of
// accessRecords, and the bound of both.
const (
	searchPage = 20
	auditPage  = 50
	maxPage    = 200
)

// filterOf validates a CertificateFilter and turns it into the store's
// filter, judged on today.
func (r *Resolver) filterOf(ctx context.Context, f *model.CertificateFilter) (store.CertificateFilter, error) {
	out := store.CertificateFilter{Today: r.today()}
	if f == nil {
		return out, nil
	}
	if f.Type != nil {
		code, err := r.resolveTypeFilter(ctx, "filter.type", f.Type)
		if err != nil {
			return out, err
		}
		out.TypeCode = code
	}
	if f.IssueDept != nil {
		out.IssueDeptCode = strings.TrimSpace(*f.IssueDept)
	}
	out.Status = f.Status
	if f.IssuedFrom != nil && f.IssuedTo != nil && f.IssuedTo.Before(*f.IssuedFrom) {
		return out, models.Invalid("filter.issuedTo", "is before %s", models.Name("issuedFrom"))
	}
	out.IssuedFrom, out.IssuedTo = f.IssuedFrom, f.IssuedTo
	if f.ExpiringWithinDays != nil {
		n := *f.ExpiringWithinDays
		if n < 0 || n > 36500 {
			return out, models.Invalid("filter.expiringWithinDays", "must be between 0 and 36500, got %d", n)
		}
		until := r.today().AddDays(n)
		out.ExpiringUntil = &until
	}
	if f.Region != nil && strings.TrimSpace(*f.Region) != "" {
		reg := strings.TrimSpace(*f.Region)
		if len(reg) != 2 || !isDigits(reg) {
			return out, models.Invalid("filter.region", "%q is not a 2-digit province code (GB/T 2260)", reg)
		}
		out.Region = reg
	}
	return out, nil
}

// pageSize reads a listing's "first" argument: def when absent, otherwise
// between 0 and maxPage.
func pageSize(first *int, def int) (int, error) {
	n := def
	if first != nil {
		n = *first
	}
	if n < 0 || n > maxPage {
		return 0, models.Invalid("first", "must be between 0 and %d, got %d", maxPage, n)
	}
	return n, nil
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

func decodeCursor(s string) (*store.Keyset, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		date, id, ok := strings.Cut(string(b), "|")
		if ok && len(date) == 10 && id != "" {
			return &store.Keyset{IssueDate: date, ID: id}, nil
		}
	}
	return nil, models.Invalid("after", "is not a cursor returned by this listing")
}

func (r *Resolver) searchCertificates(ctx context.Context, acc *models.Account, f *model.CertificateFilter, useFor models.UseFor, first *int, after *string) (*model.CertificateConnection, error) {
	if err := useFor.Validate(); err != nil {
		return nil, err
	}
	n, err := pageSize(first, searchPage)
	if err != nil {
		return nil, err
	}
	filter, err := r.filterOf(ctx, f)
	if err != nil {
		return nil, err
	}
	var keyset *store.Keyset
	if after != nil && *after != "" {
		if keyset, err = decodeCursor(*after); err != nil {
			return nil, err
		}
	}
	// The count (only when asked for: a scan for filters the statistics
	// aggregate cannot express) runs beside the page, so asking for it adds
	// little to the answer's time.
	var total int64
	var countErr error
	var wg sync.WaitGroup
	if slices.Contains(graphql.CollectAllFields(ctx), "totalCount") {
		wg.Go(func() { total, countErr = r.store.CountCertificatesMatching(ctx, filter) })
	}
	certs, err := r.store.SearchCertificates(ctx, filter, keyset, n+1)
	wg.Wait()
	if err != nil {
		return nil, err
	}
	if countErr != nil {
		return nil, countErr
	}
	conn := &model.CertificateConnection{TotalCount: int(total), PageInfo: &model.PageInfo{}}
	if len(certs) > n {
		certs = certs[:n]
		conn.PageInfo.HasNextPage = true
	}
	if err := r.primeCertificates(ctx, acc, certs, "edges", "node"); err != nil {
		return nil, err
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

func (r *Resolver) statistics(ctx context.Context, f *model.CertificateFilter) (*model.Statistics, error) {
	filter, err := r.filterOf(ctx, f)
	if err != nil {
		return nil, err
	}
	g, err := r.store.Statistics(ctx, filter)
	if err != nil {
		return nil, err
	}
	typeNames, err := store.CatalogueNames[models.CertificateType](ctx, r.store)
	if err != nil {
		return nil, err
	}
	deptNames, err := store.CatalogueNames[models.Department](ctx, r.store)
	if err != nil {
		return nil, err
	}
	regionNames, err := store.CatalogueNames[models.Region](ctx, r.store)
	if err != nil {
		return nil, err
	}
	st := &model.Statistics{}
	for _, x := range g.ByType {
		st.Total += int(x.Count)
	}
	st.ByType = counts(g.ByType, typeNames)
	st.ByDepartment = counts(g.ByDepartment, deptNames)
	statusLabels := map[string]string{"VALID": "有效", "NOT_YET_VALID": "未生效", "EXPIRED": "已过期", "REVOKED": "已注销"}
	st.ByStatus = counts(g.ByStatus, statusLabels)
	st.ByRegion = counts(g.ByRegion, regionNames)
	return st, nil
}

// counts orders groups by count (largest first), then key, with labels.
func counts(rows []store.Group, labels map[string]string) []model.Count {
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
