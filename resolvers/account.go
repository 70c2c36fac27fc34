package resolvers

import (
	"context"
	"time"

	"certgraph/internal/cache"
	"certgraph/internal/ratelimit"
	"certgraph/internal/store"
	"certgraph/models"
)

type accountResolver struct{ *Resolver }

func (r *accountResolver) Roles(ctx context.Context, a *models.Account) ([]models.Role, error) {
	return a.Roles(), nil
}

// RegisterSystem registers a calling system (spec 6.6; the legacy 6.6
// endpoint runs this mutation too). The account starts pending unless the
// request comes from an auto-approve network.
func (r *mutationResolver) RegisterSystem(ctx context.Context, in models.RegisterSystemInput) (*models.Registration, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	if st := stateOf(ctx); st != nil {
		if ok, wait := r.cfg.Limits.Registrations.Allow(st.Remote.String()); !ok {
			return nil, models.RateLimited(wait, "too many registrations from %s; try again in %ds", st.Remote, ratelimit.RetryAfterSeconds(wait))
		}
	}
	now := r.cfg.Now().UTC()
	from := ""
	status := models.AccountPending
	if st := stateOf(ctx); st != nil && st.Remote.IsValid() {
		from = st.Remote.String()
		for _, p := range r.cfg.AutoApprove {
			if p.Contains(st.Remote) {
				status = models.AccountApproved
			}
		}
	}
	tok := NewToken()
	acc := models.Account{
		ID: NewAccountID(), SystemName: in.SystemName, SystemIP: in.SystemIP, DeptCode: in.DeptCode, DeptName: in.DeptName,
		Status: status, TokenHash: HashToken(tok), TokenExpiresAt: now.Add(r.cfg.TokenTTL), RegisteredFrom: from, CreatedAt: now,
	}
	acc.SetRoles([]models.Role{models.RoleConsumer})
	if status == models.AccountApproved {
		acc.ApprovedAt = &now
	}
	if err := r.store.CreateAccount(ctx, &acc); err != nil {
		return nil, err
	}
	return &models.Registration{AccountID: acc.ID, AccessToken: tok, Status: acc.Status, ExpiresAt: acc.TokenExpiresAt}, nil
}

// updateAccount loads an account, applies change and saves it in one
// transaction that also announces its cached token lookup as stale, so no
// node serves the old account (status, roles, token) after it returns.
func (r *Resolver) updateAccount(ctx context.Context, id string, change func(tx *store.DB, a *models.Account) error) (*models.Account, error) {
	var a *models.Account
	err := r.writer.Tx(ctx, func(tx *store.DB, stale func(...string)) error {
		var err error
		if a, err = tx.AccountByID(ctx, id); err != nil {
			return err
		}
		if a == nil {
			return models.Errorf(models.ENOTFOUND, "no account %q", id)
		}
		stale(cache.TokenKey(a.TokenHash))
		if err := change(tx, a); err != nil {
			return err
		}
		return tx.SaveAccount(ctx, a)
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

func (m *mutationResolver) ApproveAccount(ctx context.Context, id string) (*models.Account, error) {
	if _, err := m.require(ctx, models.RoleAdmin); err != nil {
		return nil, err
	}
	return m.Approve(ctx, id)
}

// Approve makes a pending account usable and confirms its department: an
// admin approving an account vouches that deptCode is the system's.
func (r *Resolver) Approve(ctx context.Context, id string) (*models.Account, error) {
	return r.updateAccount(ctx, id, func(_ *store.DB, a *models.Account) error {
		if a.Status == models.AccountRevoked {
			return models.Errorf(models.ECONFLICT, "account %s is revoked and cannot be approved; register again", a.ID)
		}
		now := r.cfg.Now().UTC()
		if a.Status != models.AccountApproved {
			a.Status, a.ApprovedAt = models.AccountApproved, &now
		}
		if a.DeptConfirmedAt == nil {
			a.DeptConfirmedAt = &now
		}
		return nil
	})
}

func (m *mutationResolver) RevokeAccount(ctx context.Context, id string) (*models.Account, error) {
	acc, err := m.require(ctx, models.RoleAdmin)
	if err != nil {
		return nil, err
	}
	if acc.ID == id {
		return nil, models.Invalid("id", "an admin cannot revoke its own account")
	}
	return m.Revoke(ctx, id)
}

// Revoke disables an account for good; its token stops working at once.
func (r *Resolver) Revoke(ctx context.Context, id string) (*models.Account, error) {
	return r.updateAccount(ctx, id, func(_ *store.DB, a *models.Account) error {
		if a.Status == models.AccountRevoked {
			return nil
		}
		now := r.cfg.Now().UTC()
		a.Status, a.RevokedAt = models.AccountRevoked, &now
		return nil
	})
}

func (m *mutationResolver) RotateToken(ctx context.Context, id string) (*models.Registration, error) {
	acc, err := m.caller(ctx)
	if err != nil {
		return nil, err
	}
	if acc.ID != id && !acc.Has(models.RoleAdmin) {
		return nil, models.Errorf(models.EFORBIDDEN, "only admins rotate another account's token")
	}
	return m.Rotate(ctx, id)
}

// Rotate issues a new token for an account; the old one stops working.
func (r *Resolver) Rotate(ctx context.Context, id string) (*models.Registration, error) {
	tok := NewToken()
	a, err := r.updateAccount(ctx, id, func(_ *store.DB, a *models.Account) error {
		if a.Status == models.AccountRevoked {
			return models.Errorf(models.ECONFLICT, "account %s is revoked", a.ID)
		}
		a.TokenHash = HashToken(tok)
		a.TokenExpiresAt = r.cfg.Now().UTC().Add(r.cfg.TokenTTL)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &models.Registration{AccountID: a.ID, AccessToken: tok, Status: a.Status, ExpiresAt: a.TokenExpiresAt}, nil
}

func (m *mutationResolver) SetRoles(ctx context.Context, id string, roles []models.Role) (*models.Account, error) {
	if _, err := m.require(ctx, models.RoleAdmin); err != nil {
		return nil, err
	}
	return m.AssignRoles(ctx, id, roles)
}

// AssignRoles replaces an account's roles. The last approved admin keeps
// the admin role, so the node can always be administered.
func (r *Resolver) AssignRoles(ctx context.Context, id string, roles []models.Role) (*models.Account, error) {
	if len(roles) == 0 {
		return nil, models.Invalid("roles", "at least one role is required")
	}
	return r.updateAccount(ctx, id, func(tx *store.DB, a *models.Account) error {
		keepsAdmin := false
		for _, role := range roles {
			keepsAdmin = keepsAdmin || role == models.RoleAdmin
		}
		if a.Has(models.RoleAdmin) && !keepsAdmin && a.Status == models.AccountApproved {
			admins, err := tx.CountOtherApprovedAdmins(ctx, a.ID)
			if err != nil {
				return err
			}
			if admins == 0 {
				return models.Errorf(models.ECONFLICT, "account %s is the last admin; give another account ADMIN first", a.ID)
			}
		}
		a.SetRoles(roles)
		return nil
	})
}

// BootstrapAdminID is the account that --bootstrap-admin-token authenticates.
const BootstrapAdminID = "admin"

// EnsureBootstrapAdmin makes the approved admin account that authenticates
// with token exist (and follow the token if it changed between starts).
// A bootstrap admin an admin revoked stays revoked: a restart does not
// bring it back; the start-up log says so.
func (r *Resolver) EnsureBootstrapAdmin(ctx context.Context, token string) error {
	now := r.cfg.Now().UTC()
	return r.writer.Tx(ctx, func(tx *store.DB, stale func(...string)) error {
		a, err := tx.AccountByID(ctx, BootstrapAdminID)
		if err != nil {
			return err
		}
		if a != nil && a.Status == models.AccountRevoked {
			r.log.WarnContext(ctx, "the bootstrap admin account was revoked and stays revoked: --bootstrap-admin-token is refused; remove it from the configuration",
				"account", a.ID, "revokedAt", a.RevokedAt)
			stale(cache.TokenKey(a.TokenHash))
			return nil
		}
		if a != nil {
			stale(cache.TokenKey(a.TokenHash))
		} else {
			a = &models.Account{}
		}
		r.bootstrapAdmin(a, token, now)
		return tx.SaveAccount(ctx, a)
	})
}

// bootstrapAdmin makes a the approved bootstrap admin that token authenticates.
func (r *Resolver) bootstrapAdmin(a *models.Account, token string, now time.Time) {
	a.ID, a.SystemName, a.SystemIP, a.DeptCode, a.DeptName = BootstrapAdminID, "bootstrap admin", "127.0.0.1", "-", "-"
	a.Status, a.TokenHash, a.TokenExpiresAt, a.RegisteredFrom = models.AccountApproved, HashToken(token), now.Add(100*365*24*time.Hour), "configuration"
	a.RevokedAt = nil
	if a.ApprovedAt == nil {
		a.ApprovedAt = &now
	}
	if !a.Has(models.RoleAdmin) {
		a.SetRoles(append(a.Roles(), models.RoleAdmin))
	}
}
