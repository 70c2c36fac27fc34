package store

import (
	"context"

	"certgraph/models"

	"gorm.io/gorm/clause"
)

// HolderTypes lists the holder code types, by code.
func (s *DB) HolderTypes(ctx context.Context) ([]models.HolderType, error) {
	return byCode[models.HolderType](ctx, s)
}

// CertificateTypes lists the certificate types, by code.
func (s *DB) CertificateTypes(ctx context.Context) ([]models.CertificateType, error) {
	return byCode[models.CertificateType](ctx, s)
}

// Departments lists the issuing departments, by code.
func (s *DB) Departments(ctx context.Context) ([]models.Department, error) {
	return byCode[models.Department](ctx, s)
}

// byCode lists a whole catalogue in code order (from memory, see catalogues).
func byCode[T Catalogue](ctx context.Context, s *DB) ([]T, error) {
	n, err := s.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	return append([]T(nil), list[T](n)...), nil
}

// CertificateTypeByCodeOrName returns the certificate type whose code or
// name is v, or nil.
func (s *DB) CertificateTypeByCodeOrName(ctx context.Context, v string) (*models.CertificateType, error) {
	n, err := s.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	if ct, ok := n.byCode["c:"+v]; ok {
		c := *ct.(*models.CertificateType)
		return &c, nil
	}
	for _, ct := range n.certTypes {
		if ct.Name == v {
			return &ct, nil
		}
	}
	return nil, nil
}

// Catalogue is a row type keyed by a code column: holder and certificate
// types, departments, regions.
type Catalogue interface {
	models.HolderType | models.CertificateType | models.Department | models.Region
}

// ByCodes returns the rows of a catalogue among codes that exist, in no
// order (the batched lookup behind the resolvers' loaders), from memory.
func ByCodes[T Catalogue](ctx context.Context, s *DB, codes []string) ([]T, error) {
	n, err := s.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	p := prefix[T]()
	rows := make([]T, 0, len(codes))
	for _, code := range codes {
		if v, ok := n.byCode[p+code]; ok {
			rows = append(rows, *v.(*T))
		}
	}
	return rows, nil
}

// DefineCertificateType upserts a certificate type by code (the admins'
// defineCertificateType and `certgraph catalogue import`): names stay
// unique, and a type that certificates reference keeps its holder kind.
// changed is false when the stored type was already exactly t.
func (s *DB) DefineCertificateType(ctx context.Context, t models.CertificateType) (changed bool, err error) {
	if err := t.Validate(); err != nil {
		return false, err
	}
	err = s.Transaction(ctx, func(sx *DB) error {
		tx := sx.with(ctx)
		var other models.CertificateType
		if ok, err := first(tx.Where("name = ? AND code <> ?", t.Name, t.Code), &other); err != nil {
			return err
		} else if ok {
			return models.Errorf(models.ECONFLICT, "the name %q is already type %s's", t.Name, other.Code)
		}
		var old models.CertificateType
		found, err := first(tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("code = ?", t.Code), &old)
		if err != nil {
			return err
		}
		if !found {
			changed = true
			sx.catalogueChanged()
			return tx.Create(&t).Error
		}
		if old.HolderKind != t.HolderKind {
			var n int64
			if err := tx.Model(&models.Certificate{}).Where("type_code = ?", t.Code).Count(&n).Error; err != nil {
				return err
			}
			if n > 0 {
				return models.Errorf(models.ECONFLICT, "type %s is issued to %s in %d stored certificates; its holder kind cannot become %s", t.Code, old.HolderKind, n, t.HolderKind)
			}
		}
		if old.Name == t.Name && old.HolderKind == t.HolderKind && old.Local == t.Local && sameTemplate(old.SurfaceTemplate, t.SurfaceTemplate) {
			return nil
		}
		changed = true
		sx.catalogueChanged()
		return tx.Model(&models.CertificateType{}).Where("code = ?", t.Code).
			Select("name", "holder_kind", "local", "surface_template").Updates(&t).Error
	})
	return changed, err
}

func sameTemplate(a, b []models.SurfaceField) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// EnsureCertificateTypes adds the types not yet stored, leaving stored ones
// as they are (demo data and tests bring their own catalogue this way).
func (s *DB) EnsureCertificateTypes(ctx context.Context, types []models.CertificateType) error {
	if len(types) == 0 {
		return nil
	}
	return s.Transaction(ctx, func(tx *DB) error {
		res := tx.with(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&types)
		if res.Error == nil && res.RowsAffected > 0 {
			tx.catalogueChanged()
		}
		return res.Error
	})
}
