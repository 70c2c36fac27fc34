package store

import (
	"context"

	"certgraph/models"
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

// byCode lists a whole catalogue in code order.
func byCode[T Catalogue](ctx context.Context, s *DB) ([]T, error) {
	var out []T
	return out, s.with(ctx).Order("code").Find(&out).Error
}

// CertificateTypeByCodeOrName returns the certificate type whose code or
// name is v, or nil.
func (s *DB) CertificateTypeByCodeOrName(ctx context.Context, v string) (*models.CertificateType, error) {
	var ct models.CertificateType
	if ok, err := first(s.with(ctx).Where("code = ? OR name = ?", v, v), &ct); !ok {
		return nil, err
	}
	return &ct, nil
}

// Catalogue is a row type keyed by a code column: holder and certificate
// types, departments, regions.
type Catalogue interface {
	models.HolderType | models.CertificateType | models.Department | models.Region
}

// ByCodes returns the rows of a catalogue among codes that exist, in no
// order (the batched lookup behind the resolvers' loaders).
func ByCodes[T Catalogue](ctx context.Context, s *DB, codes []string) ([]T, error) {
	var rows []T
	return rows, s.with(ctx).Where("code IN ?", codes).Find(&rows).Error
}
