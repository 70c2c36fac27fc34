package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Invalidation is one entry of the cache invalidation log: a cache key that a
// committed write made stale. Every node tails the log and drops the key from
// its cache, so a write made by any node or process (an import run apart) is
// seen by all. ID orders entries; it is assigned at insert, so an entry can
// become visible after entries with larger IDs (its transaction committed
// later): readers track such gaps (see InvalidationsAfter).
type Invalidation struct {
	ID        uint64    `gorm:"primaryKey;autoIncrement"`
	Key       string    `gorm:"size:255;not null"`
	Node      string    `gorm:"size:64;not null"`
	CreatedAt time.Time `gorm:"not null;index"`
}

// TableName keeps the table's name independent of GORM's pluralisation.
func (Invalidation) TableName() string { return "cache_invalidations" }

// InvalidateAll is the key that makes every cached value stale (a catalogue
// change, a bulk import that touched too many keys to list).
const InvalidateAll = "*"

// maxInvalidationKey is the longest key the log stores (the column's size).
const maxInvalidationKey = 255

// AppendInvalidations records keys as made stale by node's write. Call it on
// the writer's transaction (inside Transaction), so the entries commit (or roll back) with the
// write they describe: an entry never announces a write that did not happen,
// and a write never commits without its entry.
func (s *DB) AppendInvalidations(ctx context.Context, node string, keys ...string) error {
	if len(keys) == 0 {
		return nil
	}
	if node == "" || len(node) > 64 {
		return fmt.Errorf("invalidation node %q: want 1 to 64 bytes", node)
	}
	now := s.g.NowFunc()
	rows := make([]Invalidation, 0, len(keys))
	for _, k := range keys {
		if k == "" || len(k) > maxInvalidationKey {
			return fmt.Errorf("invalidation key %q: want 1 to %d bytes", truncate(k, 40), maxInvalidationKey)
		}
		rows = append(rows, Invalidation{Key: k, Node: node, CreatedAt: now})
	}
	return s.with(ctx).CreateInBatches(rows, 500).Error
}

// LatestInvalidationID returns the largest ID in the log, 0 when it is empty.
func (s *DB) LatestInvalidationID(ctx context.Context) (uint64, error) {
	var id *uint64
	if err := s.with(ctx).Model(&Invalidation{}).Select("MAX(id)").Scan(&id).Error; err != nil {
		return 0, err
	}
	if id == nil {
		return 0, nil
	}
	return *id, nil
}

// InvalidationIDsAbove returns the IDs in (after, upTo], ascending: a reader
// starting at upTo uses it to learn which smaller IDs are not yet visible.
func (s *DB) InvalidationIDsAbove(ctx context.Context, after, upTo uint64) ([]uint64, error) {
	var ids []uint64
	err := s.with(ctx).Model(&Invalidation{}).
		Where("id > ? AND id <= ?", after, upTo).Order("id").Pluck("id", &ids).Error
	return ids, err
}

// InvalidationsAfter returns up to limit entries with an ID above after, and
// the entries whose IDs are in gaps (IDs below after that the reader has not
// seen yet: their transactions may still commit), ordered by ID.
func (s *DB) InvalidationsAfter(ctx context.Context, after uint64, gaps []uint64, limit int) ([]Invalidation, error) {
	if limit <= 0 {
		return nil, errors.New("invalidations: limit must be positive")
	}
	var out []Invalidation
	q := s.with(ctx).Where("id > ?", after).Order("id").Limit(limit)
	if err := q.Find(&out).Error; err != nil {
		return nil, err
	}
	if len(gaps) == 0 {
		return out, nil
	}
	// The gaps in a second query: an OR across the two would defeat the
	// primary-key range scan on MySQL.
	var filled []Invalidation
	if err := s.with(ctx).Where("id IN ?", gaps).Order("id").Find(&filled).Error; err != nil {
		return nil, err
	}
	return append(filled, out...), nil
}

// PruneInvalidations deletes entries older than before, at most batch at a
// time until none is left, and returns how many it deleted. Nodes read the
// log every few milliseconds; a node that could not read it for longer than
// the retention empties its whole cache when it can again, so pruning never
// makes a node serve a stale value.
func (s *DB) PruneInvalidations(ctx context.Context, before time.Time, batch int) (int64, error) {
	if batch <= 0 {
		return 0, errors.New("prune invalidations: batch must be positive")
	}
	var total int64
	for {
		// Bounded batches by ID range: DELETE … LIMIT is not portable, and a
		// single unbounded DELETE would hold locks for long on a big log.
		var ids []uint64
		if err := s.with(ctx).Model(&Invalidation{}).Where("created_at < ?", before).
			Order("id").Limit(batch).Pluck("id", &ids).Error; err != nil {
			return total, err
		}
		if len(ids) == 0 {
			return total, nil
		}
		res := s.with(ctx).Where("id >= ? AND id <= ? AND created_at < ?", ids[0], ids[len(ids)-1], before).Delete(&Invalidation{})
		if res.Error != nil {
			return total, res.Error
		}
		total += res.RowsAffected
		if len(ids) < batch {
			return total, nil
		}
	}
}
