package resolvers

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"time"

	"certgraph/graph/model"
	"certgraph/internal/gmcrypto"
	"certgraph/internal/national"
	"certgraph/internal/store"
	"certgraph/models"

	"github.com/emmansun/gmsm/smx509"
)

// requireHub refuses hub operations on a node.
func (r *Resolver) requireHub() error {
	if !r.hubMode() {
		return models.Errorf(models.EFORBIDDEN, "this is a provincial node (region %s); only the national hub (--mode hub) keeps nodes and the directory", r.cfg.Region)
	}
	return nil
}

// nodeRegion is the region the calling NODE account is bound to at the hub.
func (r *Resolver) nodeRegion(ctx context.Context) (*models.Account, string, error) {
	acc, err := r.require(ctx, models.RoleNode)
	if err != nil {
		return nil, "", err
	}
	if err := r.requireHub(); err != nil {
		return nil, "", err
	}
	region, err := r.store.NodeRegion(ctx, acc.ID)
	if err != nil {
		return nil, "", err
	}
	if region == "" {
		return nil, "", models.Errorf(models.EFORBIDDEN, "account %s is bound to no region: an admin of the hub must admitNode it", acc.ID)
	}
	return acc, region, nil
}

func (m *mutationResolver) AdmitNode(ctx context.Context, accountID string, region string) (*models.Account, error) {
	if _, err := m.require(ctx, models.RoleAdmin); err != nil {
		return nil, err
	}
	if err := m.requireHub(); err != nil {
		return nil, err
	}
	if err := national.CheckRegion("region", region); err != nil || region == national.HubRegion {
		return nil, models.Invalid("region", "%q is not a province code (two digits, not 00)", region)
	}
	a, err := m.updateAccount(ctx, accountID, func(tx *store.DB, a *models.Account) error {
		if a.Status == models.AccountRevoked {
			return models.Errorf(models.ECONFLICT, "account %s was revoked; register a new one", a.ID)
		}
		if err := tx.AdmitNode(ctx, region, a.ID); err != nil {
			return err
		}
		now := m.cfg.Now().UTC()
		if a.Status != models.AccountApproved {
			a.Status, a.ApprovedAt = models.AccountApproved, &now
		}
		a.SetRoles([]models.Role{models.RoleNode})
		return nil
	})
	if err != nil {
		return nil, err
	}
	m.nat.regMu.Lock()
	m.nat.regions = nil
	m.nat.regMu.Unlock()
	return a, nil
}

func (m *mutationResolver) RegisterNode(ctx context.Context, input model.RegisterNodeInput) (*model.Node, error) {
	acc, region, err := m.nodeRegion(ctx)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode([]byte(input.SigningCertificatePem))
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, models.Invalid("signingCertificatePem", "not a PEM certificate")
	}
	if _, err := smx509.ParseCertificate(block.Bytes); err != nil {
		if _, err2 := x509.ParseCertificate(block.Bytes); err2 != nil {
			return nil, models.Invalid("signingCertificatePem", "not an X.509 certificate: %v", err)
		}
	}
	n, err := m.store.RegisterNode(ctx, m.trust.Secrets, store.NodeRegistration{Region: region, AccountID: acc.ID, URL: input.URL,
		KeyID: gmcrypto.CertificateKeyID(block.Bytes), CertificatePEM: input.SigningCertificatePem, CallAccountID: input.AccountID, CallToken: input.AccessToken})
	if err != nil {
		return nil, err
	}
	m.nat.regMu.Lock()
	m.nat.regions = nil
	m.nat.regMu.Unlock()
	nodes, err := m.store.ListNodes(ctx)
	if err != nil {
		return nil, err
	}
	for _, s := range nodes {
		if s.Region == n.Region {
			out := nodeOf(s)
			key := base64.StdEncoding.EncodeToString(m.trust.HolderDigestKey)
			out.HolderDigestKey = &key // only to the node's own account
			return &out, nil
		}
	}
	return nil, models.Errorf(models.EINTERNAL, "node %s vanished after registering", region)
}

func nodeOf(s store.NodeSummary) model.Node {
	keys := s.KeyIDs
	if keys == nil {
		keys = []string{}
	}
	return model.Node{Region: s.Region, AccountID: s.AccountID, URL: s.URL, KeyIds: keys, LastSeenAt: s.LastSeenAt, DirectorySize: int(s.DirectorySize)}
}

func (m *mutationResolver) PublishDirectory(ctx context.Context, entries []national.Entry) (int, error) {
	_, region, err := m.nodeRegion(ctx)
	if err != nil {
		return 0, err
	}
	n, err := m.store.PublishDirectory(ctx, region, entries)
	if err != nil {
		return 0, err
	}
	_ = m.store.TouchNode(ctx, region)
	return n, nil
}

func (q *queryResolver) Nodes(ctx context.Context) ([]model.Node, error) {
	if _, err := q.require(ctx, models.RoleAdmin); err != nil {
		return nil, err
	}
	if err := q.requireHub(); err != nil {
		return nil, err
	}
	ns, err := q.store.ListNodes(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]model.Node, len(ns))
	for i, s := range ns {
		out[i] = nodeOf(s)
	}
	return out, nil
}

func (q *queryResolver) NationalStatus(ctx context.Context) (*model.NationalStatus, error) {
	if _, err := q.require(ctx, models.RoleAdmin); err != nil {
		return nil, err
	}
	return q.Status(ctx)
}

// Status is this process's link to the hub, for nationalStatus and
// `certgraph national status`.
func (r *Resolver) Status(ctx context.Context) (*model.NationalStatus, error) {
	out := &model.NationalStatus{Mode: national.ModeNode, Region: r.cfg.Region}
	if r.nat == nil {
		return out, nil
	}
	out.Mode = r.nat.Settings.Mode
	if r.hubMode() {
		out.Connected = true
		return out, nil
	}
	if r.nat.backlog != nil {
		n, err := r.nat.backlog(ctx)
		if err != nil {
			return nil, err
		}
		out.Backlog = int(n)
	}
	if r.nat.status != nil {
		s := r.nat.status()
		out.Connected = r.nat.joined.Load() && s.LastError == ""
		if !s.LastPublishedAt.IsZero() {
			t := s.LastPublishedAt
			out.LastPublishedAt = &t
		}
		if s.LastError != "" {
			e := s.LastError
			out.LastError = &e
		}
	}
	return out, nil
}

func (q *queryResolver) DirectorySummary(ctx context.Context, from *string, to *string) (*national.RangeSummary, error) {
	_, region, err := q.nodeRegion(ctx)
	if err != nil {
		return nil, err
	}
	s, err := q.store.DirectorySummary(ctx, region, deref(from), deref(to))
	if err != nil {
		return nil, err
	}
	return &s, nil
}

func (q *queryResolver) DirectoryVersions(ctx context.Context, from *string, to *string, first int) ([]national.Version, error) {
	_, region, err := q.nodeRegion(ctx)
	if err != nil {
		return nil, err
	}
	if first < 1 || first > 10000 {
		return nil, models.Invalid("first", "must be between 1 and 10000")
	}
	vs, err := q.store.DirectoryVersions(ctx, region, deref(from), deref(to), first)
	if vs == nil && err == nil {
		vs = []national.Version{}
	}
	return vs, err
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// HubCredentialTTL is how long the account a node makes for the hub lives;
// it is rotated when less than a quarter of it remains.
const HubCredentialTTL = 90 * 24 * time.Hour

// EnsureHubAccount makes (once, shared by sibling nodes through the
// database) or rotates the NODE account this node gives the hub to call it
// with, and remembers it as the only account whose inter-node headers this
// node honours.
func (r *Resolver) EnsureHubAccount(ctx context.Context) (*store.HubCredentialSecret, error) {
	stale := func(c *store.HubCredentialSecret) bool { return time.Until(c.ExpiresAt) < HubCredentialTTL/4 }
	cred, err := r.store.EnsureHubCredential(ctx, r.trust.Secrets, stale, func(tx *store.DB) (store.HubCredentialSecret, error) {
		now := r.cfg.Now().UTC()
		tok := NewToken()
		a := &models.Account{ID: NewAccountID(), SystemName: "national hub", SystemIP: "-", DeptCode: "-", DeptName: "national hub (" + national.HubRegion + ")",
			Status: models.AccountApproved, TokenHash: HashToken(tok), TokenExpiresAt: now.Add(HubCredentialTTL), RegisteredFrom: "national join", ApprovedAt: &now}
		a.SetRoles([]models.Role{models.RoleNode})
		if err := tx.CreateAccount(ctx, a); err != nil {
			return store.HubCredentialSecret{}, err
		}
		return store.HubCredentialSecret{AccountID: a.ID, Token: tok, ExpiresAt: a.TokenExpiresAt}, nil
	})
	if err != nil {
		return nil, err
	}
	if r.nat != nil {
		r.nat.SetHubAccount(cred.AccountID)
	}
	return cred, nil
}
