package store

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"certgraph/internal/national"
	"certgraph/models"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// The national tables. The hub keeps NationalNode, NationalNodeKey and
// DirectoryEntry; a node keeps DirectoryVersion, DirectoryOutbox and
// HubCredential. Both modes create all of them (one schema for one binary);
// each mode only writes its own.

// NationalNode is a provincial node registered at the hub: the account
// bound to its region, the URL the hub calls it at (pinned by its first
// registerNode; a change needs the admin again) and the credentials the hub
// calls it with, sealed at rest.
type NationalNode struct {
	Region          string `gorm:"primaryKey;size:2"`
	AccountID       string `gorm:"size:32;not null;uniqueIndex"` // the hub account admitNode bound to the region
	URL             string `gorm:"size:500;not null"`            // "" until the node registers (again, after admitNode)
	CallAccountID   string `gorm:"size:32;not null"`             // the node's account for the hub
	CallTokenSealed []byte `gorm:"size:512"`                     // its token, sealed with the region as additional data
	LastSeenAt      *time.Time
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// NationalNodeKey is one SM2 signing certificate a node registered, kept
// forever by key id so signatures made with retired keys still verify.
type NationalNodeKey struct {
	Region         string    `gorm:"primaryKey;size:2"`
	KeyID          string    `gorm:"primaryKey;size:64"`
	CertificatePEM string    `gorm:"type:text;not null"`
	CreatedAt      time.Time `gorm:"not null;index"`
}

// DirectoryEntry is one certificate in the hub's national directory: routing
// and "who holds what where", never a name, a surface or a holder code in
// clear (only its keyed digest).
type DirectoryEntry struct {
	ID           string `gorm:"primaryKey;size:128"`
	Region       string `gorm:"size:2;not null;index:idx_dir_region_id,priority:1"`
	TypeCode     string `gorm:"size:21;not null"`
	HolderType   string `gorm:"size:3;not null"`
	HolderDigest string `gorm:"size:64;not null;index"`
	IssueDate    string `gorm:"size:10;not null"`
	ValidFrom    string `gorm:"size:10;not null"`
	ValidUntil   string `gorm:"size:10;not null"` // "" long-term
	Revoked      bool   `gorm:"not null"`
	FileSM3      string `gorm:"column:file_sm3;size:64;not null;index"`
	Version      int64  `gorm:"not null"`
	Deleted      bool   `gorm:"not null"`
	UpdatedAt    time.Time
}

// DirectoryVersion is, at a node, the version of each of its certificates'
// directory entries: it rises with every change and survives the
// certificate's deletion (as a tombstone), so the hub learns of deletions.
type DirectoryVersion struct {
	CertificateID string `gorm:"primaryKey;size:128"`
	Version       int64  `gorm:"not null"`
	Deleted       bool   `gorm:"not null;index"`
}

// DirectoryOutbox is one change of a node's directory not yet published,
// written in the same transaction as the change.
type DirectoryOutbox struct {
	Seq           int64     `gorm:"primaryKey;autoIncrement"`
	CertificateID string    `gorm:"size:128;not null"`
	CreatedAt     time.Time `gorm:"not null"`
}

// TableName keeps the table's name singular, as it is a queue.
func (DirectoryOutbox) TableName() string { return "directory_outbox" }

// HubCredential is, at a node, the account this node made for the hub to
// call it with; its token is sealed at rest so restarts and sibling nodes
// behind the same database reuse it.
type HubCredential struct {
	Name        string    `gorm:"primaryKey;size:16"` // always hubCredentialName
	AccountID   string    `gorm:"size:32;not null"`
	TokenSealed []byte    `gorm:"size:512;not null"`
	ExpiresAt   time.Time `gorm:"not null"`
	UpdatedAt   time.Time
}

const hubCredentialName = "hub"

// Box seals small secrets at rest (gmcrypto.SecretBox).
type Box interface {
	Seal(plain, aad []byte) ([]byte, error)
	Open(sealed, aad []byte) ([]byte, error)
}

// migrateNational is the migration step that creates the national tables
// and gives every existing certificate directory version 1, so the first
// reconciliation publishes them.
func migrateNational(tx *gorm.DB) error {
	if err := tx.AutoMigrate(&NationalNode{}, &NationalNodeKey{}, &DirectoryEntry{},
		&DirectoryVersion{}, &DirectoryOutbox{}, &HubCredential{}); err != nil {
		return err
	}
	return tx.Exec("INSERT INTO directory_versions (certificate_id, version, deleted) SELECT id, 1, ? FROM certificates", false).Error
}

// ---- hub: the registry of nodes ----

// NodeRegistration is what registerNode brings: the node's URL, a signing
// certificate by key id, and the credentials the hub is to call it with.
type NodeRegistration struct {
	Region         string // the calling account's bound region
	AccountID      string // the calling account
	URL            string
	KeyID          string
	CertificatePEM string
	CallAccountID  string
	CallToken      string
}

// Validate says what is wrong with a registration, naming the field.
func (r NodeRegistration) Validate() error {
	if !national.ValidRegion(r.Region) || r.Region == national.HubRegion {
		return models.Invalid("region", "the calling account is bound to no province (%q): an admin must admit it first", r.Region)
	}
	u, err := url.Parse(r.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return models.Invalid("url", "%q is not an http(s) base URL", r.URL)
	}
	if u.Scheme == "http" && !national.IsLoopbackHost(u.Hostname()) {
		return models.Invalid("url", "%q: a node not on loopback must be reached over https", r.URL)
	}
	if r.KeyID == "" || len(r.KeyID) > 64 {
		return models.Invalid("signingCertificatePem", "no key id (1–64 characters) for the signing certificate")
	}
	if !strings.Contains(r.CertificatePEM, "-----BEGIN CERTIFICATE-----") {
		return models.Invalid("signingCertificatePem", "not a PEM certificate")
	}
	if r.CallAccountID == "" || len(r.CallAccountID) > 32 {
		return models.Invalid("accountId", "the account the hub is to call this node with is missing or longer than 32 characters")
	}
	if r.CallToken == "" || len(r.CallToken) > 256 {
		return models.Invalid("accessToken", "the token the hub is to call this node with is missing or longer than 256 characters")
	}
	return nil
}

// AdmitNode binds accountID to region at the hub (admitNode): it creates the
// node's row, or rebinds it and releases its pinned URL so the node's next
// registerNode may set a new one.
func (s *DB) AdmitNode(ctx context.Context, region, accountID string) error {
	if !national.ValidRegion(region) || region == national.HubRegion {
		return models.Invalid("region", "%q is not a province code (two digits, not 00)", region)
	}
	return s.with(ctx).Transaction(func(tx *gorm.DB) error {
		var other NationalNode
		err := tx.Where("account_id = ? AND region <> ?", accountID, region).First(&other).Error
		if err == nil {
			return models.Errorf(models.ECONFLICT, "account %s is already bound to region %s", accountID, other.Region)
		}
		if !errors.Is(err, gorm.ErrRecordNotFound) {
			return err
		}
		return tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "region"}},
			DoUpdates: clause.Assignments(map[string]any{"account_id": accountID, "url": "", "updated_at": time.Now().UTC()}),
		}).Create(&NationalNode{Region: region, AccountID: accountID}).Error
	})
}

// NodeRegion returns the region accountID is bound to at the hub, "" if none.
func (s *DB) NodeRegion(ctx context.Context, accountID string) (string, error) {
	var n NationalNode
	err := s.with(ctx).Select("region").Where("account_id = ?", accountID).First(&n).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return "", nil
	}
	return n.Region, err
}

// RegisterNode records a node's registerNode call: the first fixes its URL,
// later ones may add signing keys and replace the credentials but not move
// the URL (ECONFLICT: the admin must admit the node again). A key id reused
// for a different certificate is refused.
func (s *DB) RegisterNode(ctx context.Context, box Box, r NodeRegistration) (*NationalNode, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	sealed, err := box.Seal([]byte(r.CallToken), []byte(r.Region))
	if err != nil {
		return nil, err
	}
	var out NationalNode
	err = s.with(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("region = ?", r.Region).First(&out).Error
		if errors.Is(err, gorm.ErrRecordNotFound) || err == nil && out.AccountID != r.AccountID {
			return models.Errorf(models.EFORBIDDEN, "account %s is not the account admitted for region %s", r.AccountID, r.Region)
		}
		if err != nil {
			return err
		}
		if out.URL != "" && out.URL != r.URL {
			return models.Errorf(models.ECONFLICT, "region %s is registered at %s; moving it to %s needs an admin to admit the node again", r.Region, out.URL, r.URL)
		}
		var key NationalNodeKey
		err = tx.Where("region = ? AND key_id = ?", r.Region, r.KeyID).First(&key).Error
		switch {
		case err == nil && strings.TrimSpace(key.CertificatePEM) != strings.TrimSpace(r.CertificatePEM):
			return models.Invalid("signingCertificatePem", "key id %s of region %s was registered with another certificate; a new key needs a new id", r.KeyID, r.Region)
		case errors.Is(err, gorm.ErrRecordNotFound):
			if err := tx.Create(&NationalNodeKey{Region: r.Region, KeyID: r.KeyID, CertificatePEM: r.CertificatePEM, CreatedAt: time.Now().UTC()}).Error; err != nil {
				return err
			}
		case err != nil:
			return err
		}
		now := time.Now().UTC()
		out.URL, out.CallAccountID, out.CallTokenSealed, out.LastSeenAt = r.URL, r.CallAccountID, sealed, &now
		return tx.Save(&out).Error
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// TouchNode records that region's node was seen now.
func (s *DB) TouchNode(ctx context.Context, region string) error {
	return s.with(ctx).Model(&NationalNode{}).Where("region = ?", region).Update("last_seen_at", time.Now().UTC()).Error
}

// RegisteredRegions returns the regions whose node has registered a URL:
// the owners of their provinces' certificates.
func (s *DB) RegisteredRegions(ctx context.Context) ([]string, error) {
	var rs []string
	err := s.with(ctx).Model(&NationalNode{}).Where("url <> ''").Order("region").Pluck("region", &rs).Error
	return rs, err
}

// NodeTarget returns how the hub calls region's node, its token opened.
func (s *DB) NodeTarget(ctx context.Context, box Box, region string) (national.Target, error) {
	var n NationalNode
	err := s.with(ctx).Where("region = ? AND url <> ''", region).First(&n).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return national.Target{}, models.Errorf(models.ENOTFOUND, "no node is registered for region %s", region)
	}
	if err != nil {
		return national.Target{}, err
	}
	tok, err := box.Open(n.CallTokenSealed, []byte(region))
	if err != nil {
		return national.Target{}, fmt.Errorf("credentials of region %s: %w", region, err)
	}
	return national.Target{Region: region, URL: n.URL, AccountID: n.CallAccountID, Token: string(tok)}, nil
}

// NodeSummary is one line of the hub's `nodes` list.
type NodeSummary struct {
	Region        string
	AccountID     string
	URL           string
	KeyIDs        []string // oldest first
	LastSeenAt    *time.Time
	DirectorySize int64 // live directory entries
}

// ListNodes lists the registry with each node's key ids and directory size.
func (s *DB) ListNodes(ctx context.Context) ([]NodeSummary, error) {
	db := s.with(ctx)
	var nodes []NationalNode
	if err := db.Order("region").Find(&nodes).Error; err != nil {
		return nil, err
	}
	var keys []NationalNodeKey
	if err := db.Select("region", "key_id", "created_at").Order("created_at, key_id").Find(&keys).Error; err != nil {
		return nil, err
	}
	var sizes []struct {
		Region string
		N      int64
	}
	if err := db.Model(&DirectoryEntry{}).Select("region, count(*) AS n").Where("deleted = ?", false).Group("region").Scan(&sizes).Error; err != nil {
		return nil, err
	}
	size := map[string]int64{}
	for _, s := range sizes {
		size[s.Region] = s.N
	}
	out := make([]NodeSummary, 0, len(nodes))
	for _, n := range nodes {
		s := NodeSummary{Region: n.Region, AccountID: n.AccountID, URL: n.URL, LastSeenAt: n.LastSeenAt, DirectorySize: size[n.Region]}
		for _, k := range keys {
			if k.Region == n.Region {
				s.KeyIDs = append(s.KeyIDs, k.KeyID)
			}
		}
		out = append(out, s)
	}
	return out, nil
}

// NodeKey returns a signing certificate of region by key id, or its newest
// one when keyID is "" (the key directory's {region}.pem).
func (s *DB) NodeKey(ctx context.Context, region, keyID string) (*NationalNodeKey, error) {
	q := s.with(ctx).Where("region = ?", region)
	if keyID != "" {
		q = q.Where("key_id = ?", keyID)
	}
	var k NationalNodeKey
	err := q.Order("created_at DESC, key_id DESC").First(&k).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, models.Errorf(models.ENOTFOUND, "no signing key %q for region %s", keyID, region)
	}
	return &k, err
}

// ---- hub: the national directory ----

// PublishDirectory stores a batch published by the node of region caller,
// all or nothing: the batch is validated whole (see national.ValidateBatch),
// then each entry replaces the stored one only with a higher version. It
// returns how many entries changed.
func (s *DB) PublishDirectory(ctx context.Context, caller string, entries []national.Entry) (int, error) {
	if err := national.ValidateBatch(caller, entries); err != nil {
		return 0, models.Invalid("entries", "%s", err.Error())
	}
	entries = national.Collapse(entries)
	ids := make([]string, len(entries))
	for i, e := range entries {
		ids[i] = e.ID
	}
	changed := 0
	err := s.with(ctx).Transaction(func(tx *gorm.DB) error {
		var have []DirectoryEntry
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Select("id", "version").Where("id IN ?", ids).Find(&have).Error; err != nil {
			return err
		}
		stored := map[string]int64{}
		for _, h := range have {
			stored[h.ID] = h.Version
		}
		now := time.Now().UTC()
		var fresh []DirectoryEntry
		for _, e := range entries {
			row := DirectoryEntry{ID: e.ID, Region: caller, TypeCode: e.TypeCode, HolderType: e.HolderType, HolderDigest: e.HolderDigest,
				IssueDate: e.IssueDate, ValidFrom: e.ValidFrom, ValidUntil: e.ValidUntil, Revoked: e.Revoked, FileSM3: e.FileSM3,
				Version: e.Version, Deleted: e.Deleted, UpdatedAt: now}
			v, ok := stored[e.ID]
			switch {
			case !ok:
				fresh = append(fresh, row)
			case e.Version > v:
				// The version guard in the statement keeps the rule even
				// against a writer that did not lock.
				res := tx.Model(&DirectoryEntry{}).Where("id = ? AND version < ?", e.ID, e.Version).Select("*").Updates(&row)
				if res.Error != nil {
					return res.Error
				}
				changed += int(res.RowsAffected)
			}
		}
		if len(fresh) > 0 {
			if err := tx.CreateInBatches(fresh, 200).Error; err != nil {
				return err
			}
			changed += len(fresh)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return changed, nil
}

// HolderRegions returns the regions whose live directory entries list the
// holder with this digest (optionally of one type code), in order.
func (s *DB) HolderRegions(ctx context.Context, holderDigest, typeCode string) ([]string, error) {
	q := s.with(ctx).Model(&DirectoryEntry{}).Distinct("region").Where("holder_digest = ? AND deleted = ?", holderDigest, false)
	if typeCode != "" {
		q = q.Where("type_code = ?", typeCode)
	}
	var rs []string
	if err := q.Pluck("region", &rs).Error; err != nil {
		return nil, err
	}
	sort.Strings(rs)
	return rs, nil
}

// DirectoryLocation is where the directory says a certificate lives.
type DirectoryLocation struct {
	ID     string
	Region string
}

// LocateFile returns the live certificates whose layout file has this SM3
// digest (verification by file at the hub), at most 10.
func (s *DB) LocateFile(ctx context.Context, sm3 string) ([]DirectoryLocation, error) {
	var out []DirectoryLocation
	err := s.with(ctx).Model(&DirectoryEntry{}).Select("id", "region").
		Where("file_sm3 = ? AND deleted = ?", strings.ToLower(sm3), false).Order("id").Limit(10).Scan(&out).Error
	return out, err
}

func directoryRange(q *gorm.DB, from, to string) *gorm.DB {
	if from != "" {
		q = q.Where("id >= ?", from)
	}
	if to != "" {
		q = q.Where("id < ?", to)
	}
	return q
}

// DirectoryVersions lists up to limit live entries of region with ids in
// [from, to) ("" leaves a bound open), by id: the hub's side of
// reconciliation.
func (s *DB) DirectoryVersions(ctx context.Context, region, from, to string, limit int) ([]national.Version, error) {
	var out []national.Version
	q := directoryRange(s.with(ctx).Model(&DirectoryEntry{}).Select("id", "version").Where("region = ? AND deleted = ?", region, false), from, to)
	err := q.Order("id").Limit(limit).Scan(&out).Error
	return out, err
}

// DirectorySummary summarises the live entries of region with ids in
// [from, to), reading them in pages so a large range stays in bounded memory.
func (s *DB) DirectorySummary(ctx context.Context, region, from, to string) (national.RangeSummary, error) {
	var all []national.Version
	for after := from; ; {
		page, err := s.DirectoryVersions(ctx, region, after, to, 5000)
		if err != nil {
			return national.RangeSummary{}, err
		}
		all = append(all, page...)
		if len(page) < 5000 {
			return national.Summarize(all), nil
		}
		after = page[len(page)-1].ID + "\x00"
	}
}

// ---- node: versions, outbox, hub credential ----

// EnqueueDirectoryChange records, inside the caller's transaction tx, that
// certificate certID changed (or was deleted): its directory version rises
// and an outbox item is queued. Call it in the same transaction as the
// change itself, so the two commit or fail together.
func (s *DB) EnqueueDirectoryChange(ctx context.Context, certID string, deleted bool) (int64, error) {
	tx := s.with(ctx)
	err := tx.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "certificate_id"}},
		DoUpdates: clause.Assignments(map[string]any{"version": gorm.Expr("directory_versions.version + 1"), "deleted": deleted}),
	}).Create(&DirectoryVersion{CertificateID: certID, Version: 1, Deleted: deleted}).Error
	if err != nil {
		return 0, err
	}
	var v DirectoryVersion
	if err := tx.Where("certificate_id = ?", certID).First(&v).Error; err != nil {
		return 0, err
	}
	if err := tx.Create(&DirectoryOutbox{CertificateID: certID, CreatedAt: time.Now().UTC()}).Error; err != nil {
		return 0, err
	}
	return v.Version, nil
}

// PendingOutbox returns up to limit outbox items, oldest first.
func (s *DB) PendingOutbox(ctx context.Context, limit int) ([]national.OutboxItem, error) {
	var rows []DirectoryOutbox
	if err := s.with(ctx).Order("seq").Limit(limit).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]national.OutboxItem, len(rows))
	for i, r := range rows {
		out[i] = national.OutboxItem{Seq: r.Seq, CertificateID: r.CertificateID}
	}
	return out, nil
}

// DeleteOutbox removes published outbox items.
func (s *DB) DeleteOutbox(ctx context.Context, seqs []int64) error {
	if len(seqs) == 0 {
		return nil
	}
	return s.with(ctx).Where("seq IN ?", seqs).Delete(&DirectoryOutbox{}).Error
}

// OutboxBacklog counts the outbox items not yet published.
func (s *DB) OutboxBacklog(ctx context.Context) (int64, error) {
	var n int64
	err := s.with(ctx).Model(&DirectoryOutbox{}).Count(&n).Error
	return n, err
}

// LocalDirectoryVersions lists up to limit live directory versions of this
// node with ids ≥ from, by id: the node's side of reconciliation.
func (s *DB) LocalDirectoryVersions(ctx context.Context, from string, limit int) ([]national.Version, error) {
	var rows []DirectoryVersion
	q := s.with(ctx).Where("deleted = ?", false)
	if from != "" {
		q = q.Where("certificate_id >= ?", from)
	}
	if err := q.Order("certificate_id").Limit(limit).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]national.Version, len(rows))
	for i, r := range rows {
		out[i] = national.Version{ID: r.CertificateID, Version: r.Version}
	}
	return out, nil
}

// Digester turns a holder code into its keyed digest (national.HolderDigester).
type Digester interface {
	Digest(holderCode string) string
}

// LocalDirectoryEntries builds the current directory entries of ids from
// this node's certificates: a tombstone for an id whose version says
// deleted or whose certificate is gone; ids without a version are left out.
func (s *DB) LocalDirectoryEntries(ctx context.Context, d Digester, ids []string) ([]national.Entry, error) {
	db := s.with(ctx)
	var vers []DirectoryVersion
	if err := db.Where("certificate_id IN ?", ids).Find(&vers).Error; err != nil {
		return nil, err
	}
	var rows []struct {
		ID         string
		TypeCode   string
		IssueDate  models.Date
		ValidFrom  models.Date
		ValidUntil *models.Date
		RevokedAt  *time.Time
		HolderCode string
		HolderType string
		FileSM3    *string
	}
	err := db.Table("certificates AS c").
		Select("c.id, c.type_code, c.issue_date, c.valid_from, c.valid_until, c.revoked_at, h.code AS holder_code, h.type_code AS holder_type, f.sm3 AS file_sm3").
		Joins("JOIN holders AS h ON h.id = c.holder_id").
		Joins("LEFT JOIN certificate_files AS f ON f.certificate_id = c.id").
		Where("c.id IN ?", ids).Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	certs := map[string]int{}
	for i, r := range rows {
		certs[r.ID] = i
	}
	out := make([]national.Entry, 0, len(vers))
	for _, v := range vers {
		i, ok := certs[v.CertificateID]
		if v.Deleted || !ok {
			typeCode := ""
			if id, err := parseTypeCode(v.CertificateID); err == nil {
				typeCode = id
			}
			out = append(out, national.Entry{ID: v.CertificateID, TypeCode: typeCode, Version: v.Version, Deleted: true})
			continue
		}
		r := rows[i]
		e := national.Entry{ID: r.ID, TypeCode: r.TypeCode, HolderType: r.HolderType, HolderDigest: d.Digest(r.HolderCode),
			IssueDate: r.IssueDate.String(), ValidFrom: r.ValidFrom.String(), Revoked: r.RevokedAt != nil, Version: v.Version}
		if r.ValidUntil != nil {
			e.ValidUntil = r.ValidUntil.String()
		}
		if r.FileSM3 != nil {
			e.FileSM3 = *r.FileSM3
		}
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

func parseTypeCode(certID string) (string, error) {
	parts := strings.Split(certID, ".")
	if len(parts) < 6 {
		return "", fmt.Errorf("not a GB/T 36904 identifier: %q", certID)
	}
	return parts[5], nil
}

// HubCredentialSecret is the node's account for the hub, its token opened.
type HubCredentialSecret struct {
	AccountID string
	Token     string
	ExpiresAt time.Time
}

// LoadHubCredential returns the node's account for the hub, or nil if none
// was made yet.
func (s *DB) LoadHubCredential(ctx context.Context, box Box) (*HubCredentialSecret, error) {
	return loadHubCredential(s.with(ctx), box, false)
}

func loadHubCredential(tx *gorm.DB, box Box, lock bool) (*HubCredentialSecret, error) {
	q := tx
	if lock {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	var c HubCredential
	err := q.Where("name = ?", hubCredentialName).First(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	tok, err := box.Open(c.TokenSealed, []byte(hubCredentialName+"\x00"+c.AccountID))
	if err != nil {
		return nil, fmt.Errorf("the hub credential: %w", err)
	}
	return &HubCredentialSecret{AccountID: c.AccountID, Token: string(tok), ExpiresAt: c.ExpiresAt}, nil
}

// EnsureHubCredential returns the node's account for the hub, making or
// rotating it with mint when there is none or stale(current) says so. It
// runs under a lock on the credential row (the whole database on SQLite),
// so of several nodes sharing the database exactly one mints and the
// others reuse what it stored. mint gets the transaction: the account it
// makes commits with the credential or not at all.
func (s *DB) EnsureHubCredential(ctx context.Context, box Box, stale func(*HubCredentialSecret) bool,
	mint func(tx *DB) (HubCredentialSecret, error)) (*HubCredentialSecret, error) {
	var out *HubCredentialSecret
	err := s.with(ctx).Transaction(func(tx *gorm.DB) error {
		// Take the row lock first, even when the row does not exist yet:
		// an empty row's insert that loses the race just waits.
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&HubCredential{Name: hubCredentialName, TokenSealed: []byte{}, ExpiresAt: time.Unix(0, 0).UTC()}).Error; err != nil {
			return err
		}
		var row HubCredential
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("name = ?", hubCredentialName).First(&row).Error; err != nil {
			return err
		}
		if row.AccountID != "" {
			cur, err := loadHubCredential(tx, box, false)
			if err != nil {
				return err
			}
			if !stale(cur) {
				out = cur
				return nil
			}
		}
		fresh, err := mint(&DB{g: tx, dialect: s.dialect})
		if err != nil {
			return err
		}
		sealed, err := box.Seal([]byte(fresh.Token), []byte(hubCredentialName+"\x00"+fresh.AccountID))
		if err != nil {
			return err
		}
		row.AccountID, row.TokenSealed, row.ExpiresAt = fresh.AccountID, sealed, fresh.ExpiresAt.UTC()
		if err := tx.Save(&row).Error; err != nil {
			return err
		}
		out = &fresh
		return nil
	})
	return out, err
}
