package resolvers

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"time"

	"certgraph/internal/cache"
	"certgraph/internal/ratelimit"
	"certgraph/internal/reqinfo"
	"certgraph/models"
)

// NewToken returns a fresh random access token (256 bits, URL-safe).
func NewToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashToken is how tokens are stored: SHA-256, hex. Tokens are 256 random
// bits, so a fast hash is enough and keeps every request's lookup cheap.
func HashToken(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}

// NewAccountID returns a fresh account id.
func NewAccountID() string {
	b := make([]byte, 10)
	rand.Read(b)
	return "A" + hex.EncodeToString(b)
}

// caller returns the authenticated, approved account of the request.
func (r *Resolver) caller(ctx context.Context) (*models.Account, error) {
	st := stateOf(ctx)
	if st == nil {
		return nil, models.Errorf(models.EINTERNAL, "request has no credentials state")
	}
	st.authOnce.Do(func() {
		st.account, st.authErr = r.authenticate(ctx, st.Credentials)
		if st.authErr != nil {
			return
		}
		reqinfo.AccessOf(ctx).SetAccount(st.account.ID)
		if ok, wait := r.cfg.Limits.Account.Allow(st.account.ID); !ok {
			st.refusedFor.Store(int64(wait))
			st.account, st.authErr = nil, models.RateLimited(wait, "account %s made too many requests; try again in %ds", st.account.ID, ratelimit.RetryAfterSeconds(wait))
		}
	})
	return st.account, st.authErr
}

// RetryAfter is how long the caller of the request in ctx must wait when
// the request was refused as a whole by its account's rate limit (0 when
// it was not): the HTTP edge answers 429 with Retry-After.
func (r *Resolver) RetryAfter(ctx context.Context) time.Duration {
	if st := stateOf(ctx); st != nil {
		return time.Duration(st.refusedFor.Load())
	}
	return 0
}

// countCodeLookup counts one lookup by holder code (n for a batch) against
// a masked account's limit: an analyst sees codes masked, and unlimited
// exists/doesn't-exist answers would let it complete them by trial.
func (r *Resolver) countCodeLookup(ctx context.Context, n int) error {
	acc, err := r.caller(ctx)
	if err != nil || !masked(acc) {
		return err
	}
	if ok, wait := r.cfg.Limits.MaskedLookups.AllowN(acc.ID, n); !ok {
		return models.RateLimited(wait, "account %s has used its lookups by holder code (analyst accounts see codes masked); try again in %ds", acc.ID, ratelimit.RetryAfterSeconds(wait))
	}
	return nil
}

func (r *Resolver) authenticate(ctx context.Context, c reqinfo.Credentials) (*models.Account, error) {
	if c.Token == "" {
		return nil, models.Errorf(models.EUNAUTHENTICATED, "missing access token")
	}
	h := HashToken(c.Token)
	key := cache.TokenKey(h)
	var acc *models.Account
	if v, ok := r.cache.Get(key); ok {
		acc = v.(*models.Account)
	} else {
		gen := r.cache.Generation(key)
		a, err := r.store.AccountByTokenHash(ctx, h)
		if err != nil {
			return nil, err
		}
		if a == nil {
			return nil, models.Errorf(models.EUNAUTHENTICATED, "access token is not valid")
		}
		acc = a
		r.cache.Set(key, gen, acc)
	}
	if c.AccountID != "" && c.AccountID != acc.ID {
		return nil, models.Errorf(models.EUNAUTHENTICATED, "%s %q does not match the access token", models.Name("accountId"), c.AccountID)
	}
	switch acc.Status {
	case models.AccountPending:
		return nil, models.Errorf(models.EUNAUTHENTICATED, "account %s is pending approval", acc.ID)
	case models.AccountRevoked:
		return nil, models.Errorf(models.EUNAUTHENTICATED, "account %s has been revoked", acc.ID)
	}
	if !r.cfg.Now().Before(acc.TokenExpiresAt) {
		return nil, models.Errorf(models.EUNAUTHENTICATED, "access token expired at %s", models.Moment(acc.TokenExpiresAt))
	}
	return acc, nil
}

// require returns the caller if it holds any of roles (or any role at all
// when none are named).
func (r *Resolver) require(ctx context.Context, roles ...models.Role) (*models.Account, error) {
	acc, err := r.caller(ctx)
	if err != nil {
		return nil, err
	}
	if acc.Has(models.RoleNode) {
		// A NODE account's inter-node headers must hold (no forged Via,
		// no loop) before it may do anything.
		if _, err := r.hopOf(ctx); err != nil {
			return nil, err
		}
	}
	if len(roles) == 0 {
		return acc, nil
	}
	for _, role := range roles {
		if acc.Has(role) {
			return acc, nil
		}
	}
	return nil, models.Errorf(models.EFORBIDDEN, "account %s needs one of the roles %v", acc.ID, roles)
}

// readers are the roles that may read certificate data.
// NODE accounts read on behalf of the callers of other regions.
var readers = []models.Role{models.RoleConsumer, models.RoleIssuer, models.RoleAdmin, models.RoleAnalyst, models.RoleNode}

// masked reports whether the account sees personal data only masked: an
// analyst with no role that needs the data itself.
func masked(acc *models.Account) bool {
	return acc != nil && acc.Has(models.RoleAnalyst) &&
		!acc.Has(models.RoleConsumer) && !acc.Has(models.RoleIssuer) && !acc.Has(models.RoleAdmin)
}
