package store

import (
	"context"

	"certgraph/models"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// FileMeta returns a certificate's layout file without its content, or nil.
func (s *DB) FileMeta(ctx context.Context, certID string) (*models.CertificateFile, error) {
	var f models.CertificateFile
	if ok, err := firstVia(ctx, s.current, func(g *gorm.DB) *gorm.DB {
		return g.Omit("content").Where("certificate_id = ?", certID)
	}, &f); !ok {
		return nil, err
	}
	return &f, nil
}

// FileMetasOf returns the layout files (without content) of those of the
// certificates ids that have one, in no order.
func (s *DB) FileMetasOf(ctx context.Context, certIDs []string) ([]models.CertificateFile, error) {
	var fs []models.CertificateFile
	if len(certIDs) == 0 {
		return fs, nil
	}
	return fs, s.current(ctx, func(g *gorm.DB) error {
		return g.Omit("content").Where("certificate_id IN ?", certIDs).Find(&fs).Error
	})
}

// File returns a certificate's layout file with its content, or nil.
func (s *DB) File(ctx context.Context, certID string) (*models.CertificateFile, error) {
	var f models.CertificateFile
	if ok, err := firstVia(ctx, s.current, func(g *gorm.DB) *gorm.DB { return g.Where("certificate_id = ?", certID) }, &f); !ok {
		return nil, err
	}
	return &f, nil
}

// FileMetaBySHA256 returns the layout file (without content) whose SHA-256
// digest is sha, or nil.
func (s *DB) FileMetaBySHA256(ctx context.Context, sha string) (*models.CertificateFile, error) {
	var f models.CertificateFile
	if ok, err := firstVia(ctx, s.current, func(g *gorm.DB) *gorm.DB { return g.Omit("content").Where("sha256 = ?", sha) }, &f); !ok {
		return nil, err
	}
	return &f, nil
}

// PutFile stores a certificate's layout file, replacing the one it had.
func (s *DB) PutFile(ctx context.Context, f *models.CertificateFile) error {
	return s.with(ctx).Clauses(clause.OnConflict{UpdateAll: true}).Create(f).Error
}
