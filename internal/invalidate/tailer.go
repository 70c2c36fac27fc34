// Package invalidate keeps a node's cache in step with writes made by every
// node and process on the same database: it tails the invalidation log
// (store.Invalidation), drops each logged key from the cache, and tells the
// cache to stop serving when it cannot read the log.
//
// Polling, not a push channel: MySQL has no LISTEN/NOTIFY and the log must
// need no extra infrastructure. A poll is one primary-key range scan that
// finds nothing most of the time, so 20 polls a second per node cost the
// primary little, and the delay from commit to invalidation is at most one
// interval plus one query (≈50–60 ms), a fifth of the 250 ms bound.
package invalidate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"certgraph/internal/store"
)

// Cache is what a Tailer drives: the node's cache. Invalidate must make the
// key's current value unservable before it returns (a load that raced with
// it must not be served either); InvalidateAll does so for every key.
type Cache interface {
	Invalidate(key string)
	InvalidateAll()
}

// Gate is what the cache asks before serving a value: Fresh reports whether
// the node has read the invalidation log recently enough. A cache honouring
// the 250 ms promise serves nothing while Fresh is false (it loads from the
// database instead). Fresh needs no lock and no call into the tailer's
// goroutine, so it turns false on time even when that goroutine is stuck in
// a query that hangs.
type Gate interface {
	Fresh() bool
}

// Config sets a Tailer's timing. Zero values take the defaults.
type Config struct {
	// Node names this process in the log (entries it wrote are applied too:
	// that also covers a load that raced with its own write).
	Node string
	// Interval between polls (default 50 ms).
	Interval time.Duration
	// MaxStale is how long after a poll *started* the cache may still serve
	// without a newer successful poll (default 250 ms). A write committed
	// before a successful poll started is applied by it, so no value older
	// than MaxStale past its invalidating commit is served.
	MaxStale time.Duration
	// GapTimeout is how long a missing ID below the newest seen one is
	// awaited (its transaction may still commit) before it is taken as a
	// rollback (default 2 minutes). Writers' transactions that append to the
	// log must be shorter.
	GapTimeout time.Duration
	// Batch is the most entries read per query (default 1000).
	Batch int
	// Retention is how long entries stay in the log (default 1 hour); Run
	// prunes older ones every minute. It must exceed GapTimeout.
	Retention time.Duration
	// StartWindow is how many IDs below the newest at start are checked for
	// gaps, i.e. transactions in flight while the node starts (default 1024).
	StartWindow uint64
	Log         *slog.Logger
}

func (c *Config) defaults() {
	if c.Interval <= 0 {
		c.Interval = 50 * time.Millisecond
	}
	if c.MaxStale <= 0 {
		c.MaxStale = 250 * time.Millisecond
	}
	if c.GapTimeout <= 0 {
		c.GapTimeout = 2 * time.Minute
	}
	if c.Batch <= 0 {
		c.Batch = 1000
	}
	if c.Retention <= 0 {
		c.Retention = time.Hour
	}
	if c.StartWindow == 0 {
		c.StartWindow = 1024
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
}

// Validate reports the first setting that cannot work.
func (c Config) Validate() error {
	gapTimeout := c.GapTimeout
	if gapTimeout <= 0 {
		gapTimeout = 2 * time.Minute
	}
	switch {
	case c.Node == "" || len(c.Node) > 64:
		return fmt.Errorf("invalidate: node name %q: want 1 to 64 bytes", c.Node)
	case c.Interval > 0 && c.MaxStale > 0 && c.MaxStale < 2*c.Interval:
		return fmt.Errorf("invalidate: max stale %v must be at least twice the poll interval %v, or every late poll turns the cache off", c.MaxStale, c.Interval)
	case c.Retention > 0 && c.Retention <= gapTimeout:
		return fmt.Errorf("invalidate: retention %v must exceed the gap timeout %v: an awaited entry must not be pruned", c.Retention, gapTimeout)
	}
	return nil
}

// Status is a snapshot of a Tailer, for /readyz and metrics.
type Status struct {
	Fresh      bool
	Position   uint64    // newest log ID seen
	Gaps       int       // IDs below Position still awaited
	Applied    uint64    // entries applied since start
	Purges     uint64    // whole-cache invalidations (log entries "*" and recoveries)
	LastRead   time.Time // start of the last successful poll
	LastError  string    // of the last failed poll since the last success
	FreshUntil time.Time
}

// Tailer tails the invalidation log of one database for one cache. It is
// a Gate for that cache.
type Tailer struct {
	db    *store.DB
	cache Cache
	cfg   Config

	// freshUntil is in nanoseconds since epoch on the monotonic clock (a
	// step of the wall clock must not stretch it), 0 before the first poll.
	epoch      time.Time
	freshUntil atomic.Int64

	mu        sync.Mutex // guards the fields below and serialises polls
	pos       uint64
	gaps      map[uint64]time.Time // missing ID → when first noticed
	started   bool
	stale     bool // polls failed until the cache stopped serving
	applied   uint64
	purges    uint64
	lastRead  time.Time
	lastErr   error
	watermark atomic.Pointer[store.Watermark] // read by every replica read: no lock
}

// New returns a Tailer of db's log that drives cache. Call Start, then Run.
func New(db *store.DB, cache Cache, cfg Config) (*Tailer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.defaults()
	return &Tailer{db: db, cache: cache, cfg: cfg, gaps: map[uint64]time.Time{}, epoch: time.Now()}, nil
}

// Start reads the log's current position (and which recent IDs are not
// visible yet) so that only writes from now on are applied: the cache is
// empty at start, so older entries have nothing to drop. It fails when the
// log cannot be read.
func (t *Tailer) Start(ctx context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	begin := time.Now()
	qctx, cancel := context.WithTimeout(ctx, t.cfg.MaxStale)
	defer cancel()
	latest, err := t.db.LatestInvalidationID(qctx)
	if err != nil {
		return fmt.Errorf("invalidation log: %w", err)
	}
	from := uint64(0)
	if latest > t.cfg.StartWindow {
		from = latest - t.cfg.StartWindow
	}
	ids, err := t.db.InvalidationIDsAbove(qctx, from, latest)
	if err != nil {
		return fmt.Errorf("invalidation log: %w", err)
	}
	have := make(map[uint64]bool, len(ids))
	for _, id := range ids {
		have[id] = true
	}
	for id := from + 1; id < latest; id++ {
		if !have[id] {
			t.await(id, id+1, begin)
		}
	}
	t.pos = latest
	t.started = true
	t.succeeded(begin)
	return nil
}

// Run polls until ctx ends, and prunes entries older than Retention every
// minute (every node does; deleting the same rows twice is harmless). Start
// must have succeeded.
func (t *Tailer) Run(ctx context.Context) {
	pruned := make(chan struct{})
	go func() {
		// Apart from polling: a long prune must not make the cache stale.
		defer close(pruned)
		tick := time.NewTicker(time.Minute)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			if _, err := t.db.PruneInvalidations(ctx, time.Now().Add(-t.cfg.Retention), 5000); err != nil && ctx.Err() == nil {
				t.cfg.Log.Warn("pruning the invalidation log failed", "err", err)
			}
		}
	}()
	defer func() { <-pruned }()
	tick := time.NewTicker(t.cfg.Interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if err := t.Poll(ctx); err != nil && ctx.Err() == nil {
			t.cfg.Log.Debug("invalidation log poll failed", "err", err)
		}
	}
}

// Poll reads the log once and applies what is new. Run calls it; tests may
// call it directly.
func (t *Tailer) Poll(ctx context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.started {
		return errors.New("invalidate: Poll before Start")
	}
	begin := time.Now()
	// A query slower than MaxStale is as good as failed: cut it off so the
	// next poll can try again.
	qctx, cancel := context.WithTimeout(ctx, t.cfg.MaxStale)
	defer cancel()
	for {
		gaps := t.awaited(begin)
		rows, err := t.db.InvalidationsAfter(qctx, t.pos, gaps, t.cfg.Batch)
		if err != nil {
			t.failed(err)
			return err
		}
		above := 0
		for _, r := range rows {
			if r.ID > t.pos {
				above++
			}
		}
		t.apply(rows, begin)
		if above < t.cfg.Batch {
			break
		}
	}
	t.succeeded(begin)
	return nil
}

// awaited drops gaps older than GapTimeout and returns the rest.
func (t *Tailer) awaited(now time.Time) []uint64 {
	out := make([]uint64, 0, len(t.gaps))
	for id, since := range t.gaps {
		if now.Sub(since) > t.cfg.GapTimeout {
			delete(t.gaps, id)
			continue
		}
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// maxGaps bounds the IDs awaited at once. Gaps are rare (rollbacks,
// transactions committing out of order); a jump of the ID sequence (a
// server's auto-increment step or restart) must not make millions of them.
const maxGaps = 4096

// await records the IDs in [from, to) as awaited, keeping the newest maxGaps.
func (t *Tailer) await(from, to uint64, now time.Time) {
	if to-from > maxGaps {
		t.cfg.Log.Warn("invalidation log IDs jumped; awaiting only the newest", "from", from, "to", to, "awaited", maxGaps)
		from = to - maxGaps
	}
	for id := from; id < to; id++ {
		t.gaps[id] = now
	}
	if over := len(t.gaps) - maxGaps; over > 0 {
		ids := make([]uint64, 0, len(t.gaps))
		for id := range t.gaps {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		for _, id := range ids[:over] {
			delete(t.gaps, id)
		}
	}
}

func (t *Tailer) apply(rows []store.Invalidation, now time.Time) {
	if len(rows) == 0 {
		return
	}
	ids := make([]uint64, 0, len(rows))
	for _, r := range rows {
		if r.ID <= t.pos {
			if _, awaited := t.gaps[r.ID]; !awaited {
				continue // already applied
			}
			delete(t.gaps, r.ID)
		} else {
			t.await(t.pos+1, r.ID, now)
			t.pos = r.ID
		}
		if r.Key == store.InvalidateAll {
			t.cache.InvalidateAll()
			t.purges++
		} else {
			t.cache.Invalidate(r.Key)
		}
		t.applied++
		ids = append(ids, r.ID)
	}
	if len(ids) > 0 {
		var seq uint64
		if w := t.watermark.Load(); w != nil {
			seq = w.Seq
		}
		t.watermark.Store(&store.Watermark{Seq: seq + 1, IDs: ids, SeenAt: now})
	}
}

func (t *Tailer) succeeded(begin time.Time) {
	if t.stale {
		t.stale = false
		// Short outages lose nothing: this poll read every entry since the
		// position. After a long one, awaited gaps may have expired and old
		// entries been pruned unseen, so nothing cached before can be trusted.
		if !t.lastRead.IsZero() && begin.Sub(t.lastRead) > t.cfg.GapTimeout/2 {
			t.cache.InvalidateAll()
			t.purges++
			t.cfg.Log.Info("invalidation log readable again after a long outage; cache emptied", "outage", begin.Sub(t.lastRead))
		} else {
			t.cfg.Log.Info("invalidation log readable again", "outage", begin.Sub(t.lastRead))
		}
	}
	t.lastRead = begin
	t.lastErr = nil
	t.freshUntil.Store(int64(begin.Sub(t.epoch) + t.cfg.MaxStale))
}

func (t *Tailer) failed(err error) {
	t.lastErr = err
	if !t.stale && !t.Fresh() {
		t.stale = true
		t.cfg.Log.Warn("invalidation log unreadable: the cache serves nothing until it is read again", "err", err, "last_read", t.lastRead)
	}
}

// Fresh reports whether the cache may serve: the last successful poll
// started less than MaxStale ago.
func (t *Tailer) Fresh() bool {
	return int64(time.Since(t.epoch)) < t.freshUntil.Load()
}

// FreshUntil is when Fresh turns false unless a poll succeeds first.
func (t *Tailer) FreshUntil() time.Time {
	return t.epoch.Add(time.Duration(t.freshUntil.Load())).Round(0)
}

// Watermark returns the entries of the latest poll that found any: a
// replica that has them has applied every write this node has seen
// (replication applies transactions in commit order, and each poll's new
// entries committed after the previous poll's).
func (t *Tailer) Watermark() store.Watermark {
	if w := t.watermark.Load(); w != nil {
		return *w
	}
	return store.Watermark{}
}

// Status returns a snapshot for health and metrics.
func (t *Tailer) Status() Status {
	fresh := t.Fresh()
	t.mu.Lock()
	defer t.mu.Unlock()
	s := Status{
		Fresh: fresh, Position: t.pos, Gaps: len(t.gaps), Applied: t.applied, Purges: t.purges,
		LastRead: t.lastRead, FreshUntil: t.FreshUntil(),
	}
	if t.lastErr != nil {
		s.LastError = t.lastErr.Error()
	}
	return s
}

// DefaultNode is a process's name in the log when none is configured:
// host:pid, unique among the processes on one database at a time.
func DefaultNode() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	n := fmt.Sprintf("%s:%d", host, os.Getpid())
	if len(n) > 64 {
		n = n[len(n)-64:]
	}
	return n
}
