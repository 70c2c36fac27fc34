package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gorm.io/driver/mysql"
	"gorm.io/gorm"
	"gorm.io/plugin/dbresolver"
)

// Which reads may go to a replica, and when:
//
//   - ReadCurrent: reads whose answer must reflect every write this node
//     knows of: certificates (their status, so a revocation shows), files.
//     A replica serves them only while it has applied every invalidation-log
//     entry this node's tailer has seen (the Watermark); any write that can
//     change a served value appends such an entry, so such a replica is as
//     current as this node's cache may be. Otherwise the primary serves.
//   - ReadBounded: reads that tolerate a bounded delay: statistics, searches
//     and listings for analysts. A replica serves them while its measured lag
//     is under MaxLag.
//   - Everything else stays on the primary: writes, the audit (written, and
//     read by auditors who expect their latest entries), token and account
//     checks (a revoked token must fail at once), anything in a transaction.
//
// Lag is measured on the invalidation log, not with SHOW SLAVE STATUS:
// Seconds_Behind_Master has a one-second grain, reads 0 while the I/O thread
// is behind, is NULL when the SQL thread stops, needs an extra privilege,
// and is spelled differently on MySQL 8 and absent on TiDB. Asking whether
// the replica holds the entries this node has seen measures exactly what
// matters (would a read there see the writes this node knows of), uses only
// the node's own clock, and needs no extra writes on the primary.

// Watermark names the invalidation-log entries a replica must hold to be
// current: the entries of this node's latest poll that found any. Seq grows
// with every new watermark.
type Watermark struct {
	Seq    uint64
	IDs    []uint64
	SeenAt time.Time
}

// WatermarkSource gives the current Watermark (the invalidation tailer).
// While it is not Fresh (it cannot read the log) its watermark may miss
// writes, so current reads go to the primary. A node's own write is in the
// watermark once the tailer has polled after its commit: writers call the
// tailer's Poll after committing so that their next read sees the write.
type WatermarkSource interface {
	Watermark() Watermark
	Fresh() bool
}

// ReplicaState is where a replica stands in the rotation.
type ReplicaState string

// Replica states.
const (
	ReplicaUp      ReplicaState = "up"      // reachable and holding the watermark
	ReplicaBehind  ReplicaState = "behind"  // reachable, lacks recent writes, lag under MaxLag
	ReplicaLagging ReplicaState = "lagging" // reachable, lag over MaxLag: out of rotation
	ReplicaDown    ReplicaState = "down"    // unreachable or failing: out of rotation
)

// ReplicaStatus is a snapshot of one replica for /readyz and metrics.
type ReplicaStatus struct {
	Name      string // host:port/db, no credentials
	State     ReplicaState
	Lag       time.Duration // since this node saw the oldest write the replica lacks
	Reads     uint64        // reads it served
	Failures  uint64        // reads it failed (each retried on the primary)
	LastProbe time.Time
	LastError string
}

// ReplicaConfig configures read replicas. Zero durations take defaults.
type ReplicaConfig struct {
	URLs []string // mysql:// URLs, same database as the primary
	// Writes tells which writes a replica must hold to serve ReadCurrent;
	// nil sends every ReadCurrent to the primary.
	Writes WatermarkSource
	// MaxLag bounds the lag of a replica serving ReadBounded (default 2 s).
	MaxLag time.Duration
	// ProbeInterval between probes of each replica (default 100 ms).
	ProbeInterval time.Duration
	// ProbeTimeout bounds one probe (default 1 s).
	ProbeTimeout time.Duration
	Log          *slog.Logger
}

// Replicas routes reads to MySQL/MariaDB replicas through dbresolver, keeps
// each replica's state from probes and failed reads, and falls back to the
// primary. A Replicas with no URLs sends everything to the primary.
type Replicas struct {
	db   *gorm.DB
	cfg  ReplicaConfig
	list []*replica
	next atomic.Uint64
	stop context.CancelFunc
	done sync.WaitGroup
}

type replica struct {
	name     string // dbresolver name and status name
	sqlDB    *sql.DB
	reads    atomic.Uint64
	failures atomic.Uint64

	mu           sync.Mutex
	reachable    bool
	confirmedSeq uint64    // newest watermark seen held by the replica
	pendingSince time.Time // SeenAt of the oldest watermark not yet held; zero if none
	lastProbe    time.Time
	lastErr      error
}

// UseReplicas registers the replicas named in cfg with s (a MySQL primary)
// and returns their router; from then on s's certificate and file reads
// (ReadCurrent) and its statistics, searches and listings (ReadBounded) go
// through it. Unreachable replicas do not fail it: they start out of
// rotation and join when a probe reaches them. Call Run to probe, Close at
// shutdown.
func (s *DB) UseReplicas(cfg ReplicaConfig) (*Replicas, error) {
	db := s.g
	if cfg.MaxLag <= 0 {
		cfg.MaxLag = 2 * time.Second
	}
	if cfg.ProbeInterval <= 0 {
		cfg.ProbeInterval = 100 * time.Millisecond
	}
	if cfg.ProbeTimeout <= 0 {
		cfg.ProbeTimeout = time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	r := &Replicas{db: db, cfg: cfg}
	if len(cfg.URLs) == 0 {
		return r, nil
	}
	if db.Dialector.Name() != "mysql" {
		return nil, errors.New("read replicas need a MySQL/MariaDB primary (--database-url mysql://…)")
	}
	resolver := &dbresolver.DBResolver{}
	for i, u := range cfg.URLs {
		if !strings.HasPrefix(u, "mysql://") {
			return nil, fmt.Errorf("replica URL %d %q: want mysql://user:pass@tcp(host:3306)/db", i+1, redact(u))
		}
		dsn, err := MySQLDSN(u)
		if err != nil {
			return nil, fmt.Errorf("replica URL %d: %w", i+1, err)
		}
		if !strings.Contains(dsn, "timeout=") {
			// A replica that vanishes without refusing must not hold a
			// read for the operating system's connect timeout.
			dsn += "&timeout=1s"
		}
		sqlDB, err := sql.Open("mysql", dsn)
		if err != nil {
			return nil, fmt.Errorf("replica URL %d: %w", i+1, err)
		}
		sqlDB.SetMaxOpenConns(50)
		sqlDB.SetMaxIdleConns(10)
		sqlDB.SetConnMaxLifetime(5 * time.Minute)
		rep := &replica{name: replicaName(u, i), sqlDB: sqlDB}
		r.list = append(r.list, rep)
		// One resolver per replica, chosen by name: this router picks the
		// replica itself (it knows each one's state) and dbresolver routes
		// the statements, preloads included, to it. With no global resolver
		// everything not so marked stays on the primary.
		resolver.Register(dbresolver.Config{
			Replicas: []gorm.Dialector{mysql.New(mysql.Config{Conn: sqlDB, SkipInitializeWithVersion: true, DisableWithReturning: true})},
		}, rep.name)
	}
	// dbresolver opens each replica with a copy of the primary's config; the
	// copy must not ping, or a replica that is down at start stops the node.
	db.Config.DisableAutomaticPing = true
	if err := db.Use(resolver); err != nil {
		r.Close()
		return nil, fmt.Errorf("register replicas: %w", err)
	}
	s.replicas.Store(r)
	return r, nil
}

// replicaName is "host:port/db" of a replica URL (unique by index).
func replicaName(u string, i int) string {
	s := strings.TrimPrefix(u, "mysql://")
	if at := strings.LastIndex(s, "@"); at >= 0 {
		s = s[at+1:]
	}
	s, _, _ = strings.Cut(s, "?")
	s = strings.NewReplacer("tcp(", "", ")", "").Replace(s)
	return fmt.Sprintf("replica%d:%s", i+1, s)
}

// Run probes every replica each ProbeInterval until ctx ends or Close.
func (r *Replicas) Run(ctx context.Context) {
	if len(r.list) == 0 {
		return
	}
	ctx, r.stop = context.WithCancel(ctx)
	for _, rep := range r.list {
		r.done.Add(1)
		go func() {
			defer r.done.Done()
			t := time.NewTicker(r.cfg.ProbeInterval)
			defer t.Stop()
			for {
				r.probe(ctx, rep)
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				}
			}
		}()
	}
}

// Probe checks every replica once (Run does it periodically).
func (r *Replicas) Probe(ctx context.Context) {
	for _, rep := range r.list {
		r.probe(ctx, rep)
	}
}

func (r *Replicas) on(rep *replica) *gorm.DB {
	return r.db.Clauses(dbresolver.Use(rep.name), dbresolver.Read).Session(&gorm.Session{})
}

func (r *Replicas) probe(ctx context.Context, rep *replica) {
	ctx, cancel := context.WithTimeout(ctx, r.cfg.ProbeTimeout)
	defer cancel()
	var w Watermark
	if r.cfg.Writes != nil {
		w = r.cfg.Writes.Watermark()
	}
	db := r.on(rep).WithContext(ctx)
	var err error
	held := false
	if len(w.IDs) > 0 {
		var n int64
		err = db.Model(&Invalidation{}).Where("id IN ?", w.IDs).Count(&n).Error
		held = err == nil && n == int64(len(w.IDs))
	} else {
		var one int
		err = db.Raw("SELECT 1").Scan(&one).Error
		held = err == nil
	}
	now := time.Now()
	rep.mu.Lock()
	defer rep.mu.Unlock()
	rep.lastProbe = now
	if err != nil {
		if rep.reachable {
			r.cfg.Log.Warn("replica out of rotation", "replica", rep.name, "err", err)
		}
		rep.reachable, rep.lastErr = false, err
		return
	}
	if !rep.reachable {
		r.cfg.Log.Info("replica reachable", "replica", rep.name)
	}
	rep.reachable, rep.lastErr = true, nil
	switch {
	case held:
		rep.confirmedSeq = w.Seq
		rep.pendingSince = time.Time{}
	case rep.pendingSince.IsZero():
		rep.pendingSince = w.SeenAt
	}
}

// state computes a replica's state against the current watermark.
func (r *Replicas) state(rep *replica, w Watermark, now time.Time) (ReplicaState, time.Duration) {
	rep.mu.Lock()
	defer rep.mu.Unlock()
	if !rep.reachable {
		return ReplicaDown, 0
	}
	if rep.confirmedSeq >= w.Seq {
		return ReplicaUp, 0
	}
	since := rep.pendingSince
	if since.IsZero() {
		// A watermark newer than the last probe: lag counts from when this
		// node saw it.
		since = w.SeenAt
	}
	lag := now.Sub(since)
	if lag > r.cfg.MaxLag {
		return ReplicaLagging, lag
	}
	return ReplicaBehind, lag
}

// ReadCurrent runs fn on a replica that holds every write this node has
// seen, or on the primary. See the top of this file for what belongs here.
func (r *Replicas) ReadCurrent(ctx context.Context, fn func(db *gorm.DB) error) error {
	if r.cfg.Writes == nil || !r.cfg.Writes.Fresh() {
		return fn(r.db.WithContext(ctx))
	}
	return r.read(ctx, fn, func(s ReplicaState) bool { return s == ReplicaUp })
}

// ReadBounded runs fn on a replica whose lag is under MaxLag, or on the
// primary.
func (r *Replicas) ReadBounded(ctx context.Context, fn func(db *gorm.DB) error) error {
	return r.read(ctx, fn, func(s ReplicaState) bool { return s == ReplicaUp || s == ReplicaBehind })
}

func (r *Replicas) read(ctx context.Context, fn func(db *gorm.DB) error, eligible func(ReplicaState) bool) error {
	primary := r.db.WithContext(ctx)
	if len(r.list) == 0 {
		return fn(primary)
	}
	var w Watermark
	if r.cfg.Writes != nil {
		w = r.cfg.Writes.Watermark()
	}
	now := time.Now()
	start := r.next.Add(1)
	for i := range r.list {
		rep := r.list[(start+uint64(i))%uint64(len(r.list))]
		if s, _ := r.state(rep, w, now); !eligible(s) {
			continue
		}
		err := fn(r.on(rep).WithContext(ctx))
		if err == nil || errors.Is(err, gorm.ErrRecordNotFound) || ctx.Err() != nil {
			rep.reads.Add(1)
			return err
		}
		// Reads are safe to repeat: the primary answers this one, and a
		// replica that fails to connect leaves the rotation until a probe
		// reaches it again.
		rep.failures.Add(1)
		if isConnectionError(err) {
			rep.mu.Lock()
			if rep.reachable {
				r.cfg.Log.Warn("replica out of rotation after a failed read", "replica", rep.name, "err", err)
			}
			rep.reachable, rep.lastErr = false, err
			rep.mu.Unlock()
		}
		break
	}
	return fn(primary)
}

// isConnectionError tells failures of the connection (the replica is gone)
// from failures of the statement.
func isConnectionError(err error) bool {
	var op interface{ Timeout() bool }
	if errors.As(err, &op) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	msg := err.Error()
	for _, s := range []string{"connection refused", "bad connection", "invalid connection", "broken pipe", "connection reset", "no such host", "i/o timeout", "EOF"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// Status returns each replica's state, in the order they were given.
func (r *Replicas) Status() []ReplicaStatus {
	var w Watermark
	if r.cfg.Writes != nil {
		w = r.cfg.Writes.Watermark()
	}
	now := time.Now()
	out := make([]ReplicaStatus, 0, len(r.list))
	for _, rep := range r.list {
		s, lag := r.state(rep, w, now)
		rep.mu.Lock()
		st := ReplicaStatus{Name: rep.name, State: s, Lag: lag, Reads: rep.reads.Load(), Failures: rep.failures.Load(), LastProbe: rep.lastProbe}
		if rep.lastErr != nil {
			st.LastError = rep.lastErr.Error()
		}
		rep.mu.Unlock()
		out = append(out, st)
	}
	return out
}

// Close stops probing and closes the replicas' connections.
func (r *Replicas) Close() {
	if r.stop != nil {
		r.stop()
	}
	r.done.Wait()
	for _, rep := range r.list {
		rep.sqlDB.Close()
	}
}
