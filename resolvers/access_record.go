package resolvers

import (
	"context"
	"encoding/base64"
	"strconv"

	"certgraph/graph/model"
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
	n := 50
	if first != nil {
		n = *first
	}
	if n < 0 || n > maxPage {
		return nil, models.Invalid("first", "must be between 0 and %d, got %d", maxPage, n)
	}
	tx := q.db.WithContext(ctx).Model(&models.AccessRecord{})
	if f != nil {
		if f.AccountID != nil && *f.AccountID != "" {
			tx = tx.Where("account_id = ?", *f.AccountID)
		}
		if f.Subject != nil && *f.Subject != "" {
			tx = tx.Where("subject = ?", *f.Subject)
		}
		if f.From != nil {
			tx = tx.Where("created_at >= ?", f.From.UTC())
		}
		if f.To != nil {
			tx = tx.Where("created_at < ?", f.To.UTC())
		}
	}
	if after != nil && *after != "" {
		b, err := base64.RawURLEncoding.DecodeString(*after)
		id, perr := strconv.ParseInt(string(b), 10, 64)
		if err != nil || perr != nil {
			return nil, models.Invalid("after", "is not a cursor returned by this listing")
		}
		tx = tx.Where("id < ?", id)
	}
	var recs []models.AccessRecord
	if err := tx.Order("id DESC").Limit(n + 1).Find(&recs).Error; err != nil {
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
