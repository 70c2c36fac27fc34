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
