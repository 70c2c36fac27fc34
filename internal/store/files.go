package store

import (
	"context"

	"certgraph/models"

	"gorm.io/gorm/clause"
)

// FileMeta returns a certificate's layout file without its content, or nil.
func (s *DB) FileMeta(ctx context.Context, certID string) (*models.CertificateFile, error) {
	var f models.CertificateFile
	if ok, err := first(s.with(ctx).Omit("content").Where("certificate_id = ?", certID), &f); !ok {
		return nil, err
	}
	return &f, nil
}

// File returns a certificate's layout file with its content, or nil.
func (s *DB) File(ctx context.Context, certID string) (*models.CertificateFile, error) {
	var f models.CertificateFile
	if ok, err := first(s.with(ctx).Where("certificate_id = ?", certID), &f); !ok {
		return nil, err
	}
	return &f, nil
}

// FileMetaBySHA256 returns the layout file (without content) whose SHA-256
// digest is sha, or nil.
func (s *DB) FileMetaBySHA256(ctx context.Context, sha string) (*models.CertificateFile, error) {
	var f models.CertificateFile
	if ok, err := first(s.with(ctx).Omit("content").Where("sha256 = ?", sha), &f); !ok {
		return nil, err
	}
	return &f, nil
}

// PutFile stores a certificate's layout file, replacing the one it had.
func (s *DB) PutFile(ctx context.Context, f *models.CertificateFile) error {
	return s.with(ctx).Clauses(clause.OnConflict{UpdateAll: true}).Create(f).Error
}
