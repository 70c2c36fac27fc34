package resolvers

import (
	"context"
	"encoding/base64"
	"strconv"

	"certgraph/graph/model"
	"certgraph/internal/store"
	"certgraph/models"
)

type accessRecordResolver struct{ *Resolver }

func (r *accessRecordResolver) ID(ctx context.Context, a *models.AccessRecord) (string, error) {
	return strconv.FormatInt(a.ID, 10), nil
}

func (q *queryResolver) AccessRecords(ctx context.Context, f *model.AccessRecordFilter, first *int, after *string) (*model.AccessRecordConnection, error) {
	if _, err := q.require(ctx, models.RoleAdmin); err != nil {
		return nil, err
	}
	n, err := pageSize(first, auditPage)
	if err != nil {
		return nil, err
	}
	var filter store.AccessRecordFilter
	if f != nil {
		if f.AccountID != nil {
			filter.AccountID = *f.AccountID
		}
		if f.Subject != nil {
			filter.Subject = *f.Subject
		}
		filter.From, filter.To = f.From, f.To
	}
	var before int64
	if after != nil && *after != "" {
		b, err := base64.RawURLEncoding.DecodeString(*after)
		id, perr := strconv.ParseInt(string(b), 10, 64)
		if err != nil || perr != nil || id <= 0 {
			return nil, models.Invalid("after", "is not a cursor returned by this listing")
		}
		before = id
	}
	recs, err := q.store.AccessRecords(ctx, filter, before, n+1)
	if err != nil {
		return nil, err
	}
	conn := &model.AccessRecordConnection{PageInfo: &model.PageInfo{}, Edges: []model.AccessRecordEdge{}}
	if len(recs) > n {
		recs, conn.PageInfo.HasNextPage = recs[:n], true
	}
	for i := range recs {
		cur := base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(recs[i].ID, 10)))
		conn.Edges = append(conn.Edges, model.AccessRecordEdge{Cursor: cur, Node: &recs[i]})
		conn.PageInfo.EndCursor = &cur
	}
	return conn, nil
}
