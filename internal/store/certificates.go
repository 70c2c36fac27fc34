package store

import (
	"context"
	"time"

	"certgraph/models"

	"gorm.io/gorm"
)

// newestFirst is the order of a holder's certificates everywhere: newest
// issue first, then by identifier, so every database answers alike.
const newestFirst = "issue_date DESC, id"

// HolderByCode returns the holder with code (and holder code type typ when
// not ""), or nil when there is none.
func (s *DB) HolderByCode(ctx context.Context, code, typ string) (*models.Holder, error) {
	var h models.Holder
	if ok, err := firstVia(ctx, s.current, func(g *gorm.DB) *gorm.DB {
		tx := g.Where("code = ?", code)
		if typ != "" {
			tx = tx.Where("type_code = ?", typ)
		}
		return tx
	}, &h); !ok {
		return nil, err
	}
	return &h, nil
}

// HoldersByID returns the holders among ids that exist, in no order.
func (s *DB) HoldersByID(ctx context.Context, ids []int64) ([]models.Holder, error) {
	var hs []models.Holder
	return hs, s.current(ctx, func(g *gorm.DB) error { return g.Where("id IN ?", ids).Find(&hs).Error })
}

// HoldersByCode returns the holders among codes that exist, in no order.
func (s *DB) HoldersByCode(ctx context.Context, codes []string) ([]models.Holder, error) {
	var hs []models.Holder
	return hs, s.current(ctx, func(g *gorm.DB) error { return g.Where("code IN ?", codes).Find(&hs).Error })
}

// CertificatesOfHolder returns a holder's certificates newest first,
// restricted to a type and a number when those are not "".
func (s *DB) CertificatesOfHolder(ctx context.Context, holderID int64, typeCode, number string) ([]models.Certificate, error) {
	var certs []models.Certificate
	return certs, s.current(ctx, func(g *gorm.DB) error {
		tx := g.Where("holder_id = ?", holderID)
		if typeCode != "" {
			tx = tx.Where("type_code = ?", typeCode)
		}
		if number != "" {
			tx = tx.Where("number = ?", number)
		}
		return tx.Order(newestFirst).Find(&certs).Error
	})
}

// CertificatesOfHolders returns the certificates of every holder in ids,
// each holder's newest first (the batched form of CertificatesOfHolder).
func (s *DB) CertificatesOfHolders(ctx context.Context, holderIDs []int64) ([]models.Certificate, error) {
	var cs []models.Certificate
	return cs, s.current(ctx, func(g *gorm.DB) error {
		return g.Where("holder_id IN ?", holderIDs).Order(newestFirst).Find(&cs).Error
	})
}

// CertificateByID returns one certificate (without surfaces), or nil.
func (s *DB) CertificateByID(ctx context.Context, id string) (*models.Certificate, error) {
	var c models.Certificate
	if ok, err := firstVia(ctx, s.current, func(g *gorm.DB) *gorm.DB { return g.Where("id = ?", id) }, &c); !ok {
		return nil, err
	}
	return &c, nil
}

// CertificateWithSurfaces returns one certificate with its surfaces (by
// position), or nil.
func (s *DB) CertificateWithSurfaces(ctx context.Context, id string) (*models.Certificate, error) {
	var c models.Certificate
	if ok, err := first(s.with(ctx).Preload("Surfaces", func(q *gorm.DB) *gorm.DB { return q.Order("position") }).Where("id = ?", id), &c); !ok {
		return nil, err
	}
	if c.Surfaces == nil {
		c.Surfaces = []models.Surface{}
	}
	return &c, nil
}

// CertificatesByID returns the certificates among ids that exist, in no order.
func (s *DB) CertificatesByID(ctx context.Context, ids []string) ([]models.Certificate, error) {
	var cs []models.Certificate
	return cs, s.current(ctx, func(g *gorm.DB) error { return g.Where("id IN ?", ids).Find(&cs).Error })
}

// SurfacesOf returns the surfaces of the certificates ids, by certificate
// and position.
func (s *DB) SurfacesOf(ctx context.Context, certIDs []string) ([]models.Surface, error) {
	if len(certIDs) == 0 {
		return nil, nil
	}
	// Scanned by hand: a holder's certificates bring dozens of surfaces per
	// read, and GORM's reflection over them cost more than the query.
	q := "SELECT certificate_id, position, name, column_name, value_type, value FROM surfaces WHERE certificate_id IN ? ORDER BY certificate_id, position"
	var ss []models.Surface
	return ss, s.current(ctx, func(g *gorm.DB) error {
		ss = ss[:0]
		rows, err := g.Raw(q, certIDs).Rows()
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var x models.Surface
			if err := rows.Scan(&x.CertificateID, &x.Position, &x.Name, &x.ColumnName, &x.ValueType, &x.Value); err != nil {
				return err
			}
			ss = append(ss, x)
		}
		return rows.Err()
	})
}

// RevokeCertificate records a certificate's revocation at a time, for a
// reason; run it inside Transaction (the statistics aggregate changes with it).
func (s *DB) RevokeCertificate(ctx context.Context, id string, at time.Time, reason string) error {
	var old models.Certificate
	if err := s.with(ctx).Omit("Surfaces").Where("id = ?", id).Limit(1).Find(&old).Error; err != nil {
		return err
	}
	if err := s.with(ctx).Model(&models.Certificate{}).Where("id = ?", id).
		Updates(map[string]any{"revoked_at": at, "revoke_reason": reason}).Error; err != nil {
		return err
	}
	if old.ID == "" || old.RevokedAt != nil {
		return nil
	}
	delta := map[CertificateCount]int64{}
	delta[countKey(&old)]--
	old.RevokedAt = &at
	delta[countKey(&old)]++
	return s.countChange(ctx, delta)
}

// CountCertificates is the number of stored certificates.
func (s *DB) CountCertificates(ctx context.Context) (int64, error) {
	var n int64
	return n, s.with(ctx).Model(&models.Certificate{}).Count(&n).Error
}

// CertificateIDsWithoutFile returns up to limit identifiers, in order, of
// certificates that have no layout file.
func (s *DB) CertificateIDsWithoutFile(ctx context.Context, limit int) ([]string, error) {
	var ids []string
	return ids, s.with(ctx).Model(&models.Certificate{}).
		Where("id NOT IN (?)", s.g.Model(&models.CertificateFile{}).Select("certificate_id")).
		Order("id").Limit(limit).Pluck("id", &ids).Error
}

// holderCertColumns are the columns holderCerts scans: a holder's, then a
// certificate's (NULL when a LEFT JOIN found none).
const holderCertColumns = "h.id, h.code, h.type_code, h.name, h.province, h.created_at, h.updated_at, " +
	"c.id, c.type_code, c.name, c.number, c.holder_id, c.issue_dept_code, c.issue_date, c.valid_from, c.valid_until, " +
	"c.revoked_at, c.revoke_reason, c.created_at, c.updated_at"

// HolderWithCertificates returns the holder with code (and holder code type
// typ when not "") together with all their certificates, newest first, in one
// statement (a join); nil when there is no such holder.
func (s *DB) HolderWithCertificates(ctx context.Context, code, typ string) (*models.Holder, []models.Certificate, error) {
	q := "SELECT " + holderCertColumns + " FROM holders h LEFT JOIN certificates c ON c.holder_id = h.id WHERE h.code = ?"
	args := []any{code}
	if typ != "" {
		q += " AND h.type_code = ?"
		args = append(args, typ)
	}
	return s.holderCerts(ctx, q+" ORDER BY c.issue_date DESC, c.id", args...)
}

// CertificateWithHolder returns one certificate with its surfaces (by
// position) and its holder, in two statements (certificate and holder
// joined, then the surfaces); nil when there is no such certificate.
func (s *DB) CertificateWithHolder(ctx context.Context, id string) (*models.Certificate, *models.Holder, error) {
	h, certs, err := s.holderCerts(ctx, "SELECT "+holderCertColumns+" FROM certificates c JOIN holders h ON h.id = c.holder_id WHERE c.id = ?", id)
	if err != nil || len(certs) == 0 {
		return nil, nil, err
	}
	c := &certs[0]
	if c.Surfaces, err = s.SurfacesOf(ctx, []string{id}); err != nil {
		return nil, nil, err
	}
	if c.Surfaces == nil {
		c.Surfaces = []models.Surface{}
	}
	return c, h, nil
}

// holderCerts runs q (selecting holderCertColumns) and returns the first
// row's holder and every row's certificate.
func (s *DB) holderCerts(ctx context.Context, q string, args ...any) (*models.Holder, []models.Certificate, error) {
	rows, err := s.with(ctx).Raw(q, args...).Rows()
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var h *models.Holder
	var certs []models.Certificate
	for rows.Next() {
		var hr models.Holder
		var (
			id, typeCode, name, number, dept, reason *string
			holderID                                 *int64
			issued, from, until                      *models.Date
			revoked, created, updated                *time.Time
		)
		if err := rows.Scan(&hr.ID, &hr.Code, &hr.TypeCode, &hr.Name, &hr.Province, &hr.CreatedAt, &hr.UpdatedAt,
			&id, &typeCode, &name, &number, &holderID, &dept, &issued, &from, &until, &revoked, &reason, &created, &updated); err != nil {
			return nil, nil, err
		}
		if h == nil {
			h = &hr
		}
		if id == nil {
			continue
		}
		certs = append(certs, models.Certificate{ID: *id, TypeCode: *typeCode, Name: *name, Number: *number, HolderID: *holderID,
			IssueDeptCode: *dept, IssueDate: *issued, ValidFrom: *from, ValidUntil: until, RevokedAt: revoked,
			RevokeReason: deref(reason), CreatedAt: deref(created), UpdatedAt: deref(updated)})
	}
	return h, certs, rows.Err()
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
