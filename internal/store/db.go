package store

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"gorm.io/gorm"
)

// DB is a connection to the certgraph database, or a transaction on it
// (inside Transaction): the same operations work on both.
type DB struct {
	g       *gorm.DB
	dialect Dialect
	// replicas routes reads (see replicas.go); nil inside a transaction and
	// without --database-replica-url: everything on the primary.
	replicas atomic.Pointer[Replicas]
	// timeout bounds each statement (nanoseconds; 0 = none), see SetTimeout.
	timeout  *atomic.Int64
	cat      *catalogues  // shared by the DB and its transactions
	parent   *DB          // the DB a transaction was begun on; nil outside one
	catDirty *atomic.Bool // set when a transaction changed a catalogue
}

// root is the DB outside any transaction.
func (s *DB) root() *DB {
	for s.parent != nil {
		s = s.parent
	}
	return s
}

// Dialect names the database family this DB talks to.
func (s *DB) Dialect() Dialect { return s.dialect }

// Gorm exposes the underlying handle to tests (storetest and assertions that
// read rows directly); production code calls named operations only, which a
// CI check enforces.
func (s *DB) Gorm() *gorm.DB { return s.g }

// with is the handle for one operation on the primary, bound to ctx.
func (s *DB) with(ctx context.Context) *gorm.DB { return s.g.WithContext(ctx) }

// current runs a read whose answer must reflect every write this node
// knows of (certificates, files): on a replica holding them all, or on the
// primary. See replicas.go.
func (s *DB) current(ctx context.Context, fn func(*gorm.DB) error) error {
	if r := s.replicas.Load(); r != nil {
		return r.ReadCurrent(ctx, fn)
	}
	return fn(s.with(ctx))
}

// bounded runs a read that tolerates a bounded delay (statistics, searches,
// listings): on a replica lagging less than its bound, or on the primary.
func (s *DB) bounded(ctx context.Context, fn func(*gorm.DB) error) error {
	if r := s.replicas.Load(); r != nil {
		return r.ReadBounded(ctx, fn)
	}
	return fn(s.with(ctx))
}

// Transaction runs fn in one database transaction: fn's operations on tx
// commit together, or none do when fn returns an error.
//
// Under SetTimeout, the whole transaction (begin to commit) is bounded to
// three statement timeouts, so a database that stops answering cannot hold
// it open either.
func (s *DB) Transaction(ctx context.Context, fn func(tx *DB) error) error {
	if d := time.Duration(s.timeout.Load()); d > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 3*d)
		defer cancel()
	}
	dirty := new(atomic.Bool)
	err := s.with(ctx).Transaction(func(g *gorm.DB) error {
		tx := &DB{g: g, dialect: s.dialect, timeout: s.timeout, cat: s.cat, parent: s, catDirty: dirty}
		if err := fn(tx); err != nil {
			return err
		}
		if node := s.cat.node.Load(); dirty.Load() && node != nil {
			return tx.AppendInvalidations(ctx, *node, InvalidateAll)
		}
		return nil
	})
	if dirty.Load() {
		// Again after the commit: a load between the change and the commit
		// read the old rows.
		s.catalogueChanged()
	}
	return err
}

// Migrate applies every migration not yet recorded (see Migrate).
func (s *DB) Migrate(ctx context.Context) ([]int, error) { return Migrate(ctx, s.g) }

// Close closes the connection pool.
func (s *DB) Close() error {
	sqlDB, err := s.g.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// Ping checks that the database answers.
func (s *DB) Ping(ctx context.Context) error {
	sqlDB, err := s.g.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

// SchemaVersion is the newest migration applied to the database (0 when none).
func (s *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.with(ctx).Model(&SchemaMigration{}).Select("COALESCE(MAX(version), 0)").Scan(&v).Error
	return v, err
}

// Ready reports whether the database answers and its schema is the one this
// build needs.
func (s *DB) Ready(ctx context.Context) error {
	if err := s.Ping(ctx); err != nil {
		return fmt.Errorf("database: %w", err)
	}
	v, err := s.SchemaVersion(ctx)
	if err != nil {
		return fmt.Errorf("database: %w", err)
	}
	if v < LatestVersion() {
		return fmt.Errorf("schema at version %d, this build needs %d", v, LatestVersion())
	}
	return nil
}

// firstVia loads into dst the first row of the query q builds, run through
// read (s.current or s.bounded); found is false (and err nil) when none
// matches.
func firstVia(ctx context.Context, read func(context.Context, func(*gorm.DB) error) error, q func(*gorm.DB) *gorm.DB, dst any) (found bool, err error) {
	err = read(ctx, func(g *gorm.DB) error {
		var err error
		found, err = first(q(g), dst)
		return err
	})
	return found, err
}

// first loads one row into dst; found is false (and err nil) when none matches.
func first(tx *gorm.DB, dst any) (found bool, err error) {
	err = tx.First(dst).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return false, nil
	}
	return err == nil, err
}

// PoolCollector reports the connection pool's statistics (sql.DBStats:
// open, in use, idle, waits, closed) as go_sql_* metrics labelled with
// the dialect.
func (s *DB) PoolCollector() prometheus.Collector {
	sqlDB, err := s.g.DB()
	if err != nil {
		// Only a gorm.DB without a connection pool has none; the store always has one.
		panic(err)
	}
	return collectors.NewDBStatsCollector(sqlDB, string(s.dialect))
}
