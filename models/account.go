package models

import (
	"certgraph/internal/ident"
	"net"
	"strings"
	"time"
	"unicode/utf8"
)

// Account is a registered system (对接系统, spec 6.6) that calls the API:
// who it is, whether it is approved, what it may do, and the hash of its
// current access token (the token itself is never stored).
type Account struct {
	ID             string        `gorm:"primaryKey;size:32"`
	SystemName     string        `gorm:"size:200;not null"`
	SystemIP       string        `gorm:"size:64;not null"`
	DeptCode       string        `gorm:"size:64;not null;index"`
	DeptName       string        `gorm:"size:200;not null"`
	Status         AccountStatus `gorm:"size:16;not null;index"`
	RoleList       string        `gorm:"column:roles;size:100;not null"`
	TokenHash      string        `gorm:"size:64;not null;uniqueIndex"`
	TokenExpiresAt time.Time     `gorm:"not null"`
	RegisteredFrom string        `gorm:"size:64;not null"`
	ApprovedAt     *time.Time
	// DeptConfirmedAt is when an admin confirmed DeptCode (issuer rights
	// rest on it); nil until then.
	DeptConfirmedAt *time.Time
	RevokedAt       *time.Time
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// Roles returns the account's roles.
func (a *Account) Roles() []Role {
	var out []Role
	for s := range strings.SplitSeq(a.RoleList, ",") {
		if r, err := ParseRole(s); err == nil {
			out = append(out, r)
		}
	}
	return out
}

// SetRoles stores roles on the account.
func (a *Account) SetRoles(roles []Role) {
	parts := make([]string, 0, len(roles))
	seen := map[Role]bool{}
	for _, r := range roles {
		if !seen[r] {
			seen[r] = true
			parts = append(parts, string(r))
		}
	}
	a.RoleList = strings.Join(parts, ",")
}

// Has reports whether the account holds role r.
//
// It reads RoleList in place: every resolver asks, several times a request.
func (a *Account) Has(r Role) bool {
	for s := range strings.SplitSeq(a.RoleList, ",") {
		if equalFold(s, string(r)) {
			return true
		}
	}
	return false
}

// RegisterSystemInput is a registration request (spec 6.6, 表14).
type RegisterSystemInput struct {
	SystemName string `json:"systemName"`
	SystemIP   string `json:"systemIp"`
	DeptCode   string `json:"deptCode"`
	DeptName   string `json:"deptName"`
}

// Validate checks that every field is present and sensible.
func (in *RegisterSystemInput) Validate() error {
	for _, f := range []struct{ name, v string }{
		{"systemName", in.SystemName}, {"systemIp", in.SystemIP}, {"deptCode", in.DeptCode}, {"deptName", in.DeptName},
	} {
		if strings.TrimSpace(f.v) == "" {
			return Invalid(f.name, "is required")
		}
		if utf8.RuneCountInString(f.v) > 200 {
			return Invalid(f.name, "is longer than 200 characters")
		}
	}
	if net.ParseIP(strings.TrimSpace(in.SystemIP)) == nil {
		return Invalid("systemIp", "%q is not an IP address", in.SystemIP)
	}
	// The department is what issuer rights rest on: it must at least be a
	// well-formed 统一社会信用代码 (an admin confirms it is the caller's).
	if err := ident.ValidateCreditCode(strings.TrimSpace(in.DeptCode)); err != nil {
		return Invalid("deptCode", "is not a 统一社会信用代码: %s", err)
	}
	return nil
}

// Registration is the answer to a registration: the account id and the
// access token, shown once, with the account's status and the token's expiry.
type Registration struct {
	AccountID   string        `json:"accountId"`
	AccessToken string        `json:"accessToken"`
	Status      AccountStatus `json:"status"`
	ExpiresAt   time.Time     `json:"expiresAt"`
}
