package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm/clause"
)

// NodeKey is the fingerprint of one key that the nodes of a database must
// share (the SM2 signing key, each SM4 identifier key, the link key …), as
// the first node to hold it recorded it. A node whose key of that name has
// another fingerprint would make tokens, identifiers or links that the other
// nodes reject.
type NodeKey struct {
	Name        string    `gorm:"primaryKey;size:100"`
	Fingerprint string    `gorm:"size:128;not null"`
	Node        string    `gorm:"size:64;not null"`
	RecordedAt  time.Time `gorm:"not null"`
	// RetiredAt is set when the key is no longer in use (an SM4 key pruned
	// after its identifiers expired): a node may then lack it.
	RetiredAt *time.Time
}

// TableName keeps the table's name independent of GORM's pluralisation.
func (NodeKey) TableName() string { return "node_keys" }

// RecordNodeKeys stores the fingerprints of keys whose names are not
// recorded yet, leaving recorded ones as they are (so two nodes starting at
// once cannot overwrite each other: the second finds the first's record).
func (s *DB) RecordNodeKeys(ctx context.Context, node string, keys []NodeKey) error {
	if len(keys) == 0 {
		return nil
	}
	now := s.g.NowFunc()
	rows := make([]NodeKey, len(keys))
	for i, k := range keys {
		if k.Name == "" || len(k.Name) > 100 || k.Fingerprint == "" || len(k.Fingerprint) > 128 {
			return fmt.Errorf("node key %q: name (1–100 bytes) and fingerprint (1–128 bytes) are required", k.Name)
		}
		rows[i] = NodeKey{Name: k.Name, Fingerprint: k.Fingerprint, Node: node, RecordedAt: now}
	}
	return s.with(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&rows).Error
}

// NodeKeys returns every recorded key that is not retired, by name.
func (s *DB) NodeKeys(ctx context.Context) ([]NodeKey, error) {
	var out []NodeKey
	err := s.with(ctx).Where("retired_at IS NULL").Order("name").Find(&out).Error
	return out, err
}

// RetireNodeKey marks the named key as no longer in use; nodes may then
// start without it. It reports whether such a key was recorded.
func (s *DB) RetireNodeKey(ctx context.Context, name string) (bool, error) {
	res := s.with(ctx).Model(&NodeKey{}).Where("name = ? AND retired_at IS NULL", name).
		Update("retired_at", s.g.NowFunc())
	return res.RowsAffected > 0, res.Error
}
