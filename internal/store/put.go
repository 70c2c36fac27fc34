package store

import (
	"context"
	"fmt"

	"certgraph/models"

	"gorm.io/gorm"
)

// Outcome is what PutCertificate did.
type Outcome int

// Outcomes of PutCertificate.
const (
	Created Outcome = iota
	Updated
	Unchanged
)

// HolderTypeConflict is PutCertificate's refusal to re-type a holder: the
// code is stored with another holder code type.
type HolderTypeConflict struct {
	Code, Stored, Given string
}

// Error says which holder and which types.
func (e *HolderTypeConflict) Error() string {
	return fmt.Sprintf("holder %s is already registered with holder type %s, not %s", e.Code, e.Stored, e.Given)
}

// PutCertificate upserts the department and holder by code and creates,
// updates (with its surfaces) or leaves the certificate; run it inside
// Transaction. c.HolderID is set from the stored holder.
func (s *DB) PutCertificate(ctx context.Context, dept models.Department, holder models.Holder, c *models.Certificate) (Outcome, error) {
	tx := s.with(ctx)
	changed := false

	var d models.Department
	switch err := tx.Where("code = ?", dept.Code).Limit(1).Find(&d).Error; {
	case err != nil:
		return 0, err
	case d.Code == "":
		if err := tx.Create(&dept).Error; err != nil {
			return 0, err
		}
		s.catalogueChanged()
	case d.Name != dept.Name:
		if err := tx.Model(&d).Update("name", dept.Name).Error; err != nil {
			return 0, err
		}
		s.catalogueChanged()
		changed = true
	}

	var h models.Holder
	switch err := tx.Where("code = ?", holder.Code).Limit(1).Find(&h).Error; {
	case err != nil:
		return 0, err
	case h.ID == 0:
		h = holder
		if err := tx.Create(&h).Error; err != nil {
			return 0, err
		}
	case h.TypeCode != holder.TypeCode:
		return 0, &HolderTypeConflict{Code: holder.Code, Stored: h.TypeCode, Given: holder.TypeCode}
	case h.Name != holder.Name:
		if err := tx.Model(&h).Update("name", holder.Name).Error; err != nil {
			return 0, err
		}
		changed = true
	}
	c.HolderID = h.ID

	var old models.Certificate
	if err := tx.Preload("Surfaces", func(q *gorm.DB) *gorm.DB { return q.Order("position") }).Where("id = ?", c.ID).Limit(1).Find(&old).Error; err != nil {
		return 0, err
	}
	if old.ID == "" {
		if err := tx.Create(c).Error; err != nil {
			return 0, err
		}
		if err := s.countChange(ctx, map[CertificateCount]int64{countKey(c): 1}); err != nil {
			return 0, err
		}
		return Created, nil
	}
	if sameCertificate(&old, c) {
		if changed {
			return Updated, nil
		}
		return Unchanged, nil
	}
	if err := tx.Model(&models.Certificate{}).Where("id = ?", c.ID).Updates(map[string]any{
		"type_code": c.TypeCode, "name": c.Name, "number": c.Number, "holder_id": c.HolderID,
		"issue_dept_code": c.IssueDeptCode, "issue_date": c.IssueDate, "valid_from": c.ValidFrom,
		"valid_until": c.ValidUntil,
	}).Error; err != nil {
		return 0, err
	}
	// The update keeps the revocation; the aggregate moves the certificate
	// from its old key to its new one.
	moved := *c
	moved.RevokedAt = old.RevokedAt
	delta := map[CertificateCount]int64{}
	delta[countKey(&old)]--
	delta[countKey(&moved)]++
	if err := s.countChange(ctx, delta); err != nil {
		return 0, err
	}
	if err := tx.Where("certificate_id = ?", c.ID).Delete(&models.Surface{}).Error; err != nil {
		return 0, err
	}
	if len(c.Surfaces) > 0 {
		if err := tx.Create(&c.Surfaces).Error; err != nil {
			return 0, err
		}
	}
	return Updated, nil
}

// sameCertificate reports whether the stored certificate already has c's content.
func sameCertificate(old, c *models.Certificate) bool {
	if old.TypeCode != c.TypeCode || old.Name != c.Name || old.Number != c.Number || old.HolderID != c.HolderID ||
		old.IssueDeptCode != c.IssueDeptCode || old.IssueDate != c.IssueDate || old.ValidFrom != c.ValidFrom ||
		(old.ValidUntil == nil) != (c.ValidUntil == nil) || (old.ValidUntil != nil && *old.ValidUntil != *c.ValidUntil) ||
		len(old.Surfaces) != len(c.Surfaces) {
		return false
	}
	for i, sf := range old.Surfaces {
		n := c.Surfaces[i]
		if sf.Position != n.Position || sf.Name != n.Name || sf.ColumnName != n.ColumnName || sf.ValueType != n.ValueType || sf.Value != n.Value {
			return false
		}
	}
	return true
}
