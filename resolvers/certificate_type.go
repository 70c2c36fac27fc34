package resolvers

import (
	"context"
	"strings"

	"certgraph/graph/model"
	"certgraph/models"
)

// DefineCertificateType defines or changes a certificate type (admins): the
// catalogue is data, not code.
func (m *mutationResolver) DefineCertificateType(ctx context.Context, input model.DefineCertificateTypeInput) (*models.CertificateType, error) {
	if _, err := m.require(ctx, models.RoleAdmin); err != nil {
		return nil, err
	}
	t := models.CertificateType{Code: strings.TrimSpace(input.Code), Name: strings.TrimSpace(input.Name), HolderKind: input.HolderKind,
		Local: input.Local, SurfaceTemplate: []models.SurfaceField{}}
	for _, f := range input.SurfaceTemplate {
		t.SurfaceTemplate = append(t.SurfaceTemplate, models.SurfaceField{Name: strings.TrimSpace(f.Name), ColumnName: strings.TrimSpace(f.ColumnName), ValueType: f.ValueType})
	}
	if _, err := m.store.DefineCertificateType(ctx, t); err != nil {
		return nil, err
	}
	return &t, nil
}
