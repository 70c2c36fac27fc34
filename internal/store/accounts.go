package store

import (
	"context"

	"certgraph/models"
)

// Accounts lists the registered systems in order of registration, only
// those in status when it is given.
func (s *DB) Accounts(ctx context.Context, status *models.AccountStatus) ([]models.Account, error) {
	tx := s.with(ctx).Order("created_at, id")
	if status != nil {
		tx = tx.Where("status = ?", *status)
	}
	var out []models.Account
	return out, tx.Find(&out).Error
}

// AccountByID returns one account, or nil.
func (s *DB) AccountByID(ctx context.Context, id string) (*models.Account, error) {
	var a models.Account
	if ok, err := first(s.with(ctx).Where("id = ?", id), &a); !ok {
		return nil, err
	}
	return &a, nil
}

// AccountByTokenHash returns the account whose token hashes to hash, or nil.
func (s *DB) AccountByTokenHash(ctx context.Context, hash string) (*models.Account, error) {
	var a models.Account
	if ok, err := first(s.with(ctx).Where("token_hash = ?", hash), &a); !ok {
		return nil, err
	}
	return &a, nil
}

// CreateAccount stores a new account.
func (s *DB) CreateAccount(ctx context.Context, a *models.Account) error {
	return s.with(ctx).Create(a).Error
}

// SaveAccount stores every field of a, creating it when its id is new.
func (s *DB) SaveAccount(ctx context.Context, a *models.Account) error {
	return s.with(ctx).Save(a).Error
}

// CountOtherApprovedAdmins is how many approved accounts other than
// exceptID hold the ADMIN role.
func (s *DB) CountOtherApprovedAdmins(ctx context.Context, exceptID string) (int64, error) {
	var n int64
	return n, s.with(ctx).Model(&models.Account{}).
		Where("status = ? AND id <> ? AND (roles LIKE ?)", models.AccountApproved, exceptID, "%ADMIN%").Count(&n).Error
}
