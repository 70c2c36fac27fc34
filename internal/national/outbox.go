package national

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"certgraph/internal/ident"
)

// OutboxItem is one pending change in a node's outbox: the certificate that
// changed, written in the same transaction as the change.
type OutboxItem struct {
	Seq           int64
	CertificateID string
}

// Outbox is the node's queue of directory changes not yet published.
type Outbox interface {
	// Pending returns up to limit items, oldest first.
	Pending(ctx context.Context, limit int) ([]OutboxItem, error)
	// Done removes the items with these sequence numbers.
	Done(ctx context.Context, seqs []int64) error
	// Backlog counts the items not yet published.
	Backlog(ctx context.Context) (int64, error)
}

// Source is the node's own directory as it stands now.
type Source interface {
	// Entries returns the current entry of each id, a deletion (tombstone)
	// for an id whose certificate is gone; ids it never knew are left out.
	Entries(ctx context.Context, ids []string) ([]Entry, error)
	// Versions returns up to limit live entries with ids ≥ from, by id.
	Versions(ctx context.Context, from string, limit int) ([]Version, error)
}

// DirectoryHub is the hub's side of the directory as a node reaches it.
type DirectoryHub interface {
	// Publish stores a batch (publishDirectory) and returns how many entries changed.
	Publish(ctx context.Context, entries []Entry) (int, error)
	// Summary summarises the hub's live entries of this node with ids in
	// [from, to); "" leaves a bound open.
	Summary(ctx context.Context, from, to string) (RangeSummary, error)
	// Versions lists up to limit of the hub's live entries of this node
	// with ids in [from, to), by id.
	Versions(ctx context.Context, from, to string, limit int) ([]Version, error)
}

// Publisher defaults.
const (
	DefaultPublishBatch = 500
	DefaultPublishPoll  = 2 * time.Second
	DefaultMinBackoff   = 500 * time.Millisecond
	DefaultMaxBackoff   = 30 * time.Second
)

// PublishStatus is what `national status` and nationalStatus show of the link.
type PublishStatus struct {
	Connected       bool      // the last call to the hub worked
	LastPublishedAt time.Time // when a batch was last accepted; zero if never
	LastError       string    // the last failure, "" after a success
	Rejected        int64     // entries never sent because the hub would refuse them (e.g. not issued in this region)
}

// Publisher drains a node's outbox to the hub: batches of entries built
// from the certificates' current state, retried with exponential backoff.
// Local writes only append to the outbox and call Notify, which never
// blocks, so the hub's state never slows or fails a local write.
type Publisher struct {
	Region     string // this node's region: entries issued elsewhere are never sent
	Outbox     Outbox
	Source     Source
	Hub        DirectoryHub
	Batch      int           // entries per call; DefaultPublishBatch if 0 (≤ MaxBatch)
	Poll       time.Duration // look at the outbox at least this often; DefaultPublishPoll if 0
	MinBackoff time.Duration // first wait after a failure; DefaultMinBackoff if 0
	MaxBackoff time.Duration // longest wait; DefaultMaxBackoff if 0
	Log        *slog.Logger  // slog.Default() if nil
	Now        func() time.Time

	once   sync.Once
	wake   chan struct{}
	mu     sync.Mutex
	status PublishStatus
}

func (p *Publisher) init() { p.once.Do(func() { p.wake = make(chan struct{}, 1) }) }

// Notify tells the loop that the outbox has something new. It never blocks.
func (p *Publisher) Notify() {
	p.init()
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// Status returns the state of the link as the publisher last saw it.
func (p *Publisher) Status() PublishStatus {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.status
}

func (p *Publisher) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func (p *Publisher) log() *slog.Logger {
	if p.Log != nil {
		return p.Log
	}
	return slog.Default()
}

func (p *Publisher) record(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil {
		p.status.Connected, p.status.LastError = false, err.Error()
		return
	}
	p.status.Connected, p.status.LastError = true, ""
}

// Flush publishes the outbox until it is empty, returning how many items it
// published; it stops at the first failure, leaving the rest queued.
func (p *Publisher) Flush(ctx context.Context) (int, error) {
	batch := p.Batch
	if batch <= 0 || batch > MaxBatch {
		batch = min(DefaultPublishBatch, MaxBatch)
	}
	total := 0
	for {
		items, err := p.Outbox.Pending(ctx, batch)
		if err != nil {
			return total, fmt.Errorf("read outbox: %w", err)
		}
		if len(items) == 0 {
			return total, nil
		}
		ids := make([]string, 0, len(items))
		seqs := make([]int64, 0, len(items))
		seen := map[string]bool{}
		for _, it := range items {
			seqs = append(seqs, it.Seq)
			if !seen[it.CertificateID] {
				seen[it.CertificateID] = true
				ids = append(ids, it.CertificateID)
			}
		}
		built, err := p.Source.Entries(ctx, ids)
		if err != nil {
			return total, fmt.Errorf("build directory entries: %w", err)
		}
		// An entry the hub must refuse would hold up the whole queue behind
		// it, batch after batch: it is dropped here, loudly, instead.
		entries := built[:0]
		for _, e := range built {
			if err := e.Validate(p.Region); err != nil {
				p.log().Error("national directory: entry not publishable, dropped from the outbox", "id", e.ID, "err", err)
				p.mu.Lock()
				p.status.Rejected++
				p.mu.Unlock()
				continue
			}
			entries = append(entries, e)
		}
		if len(entries) > 0 {
			if _, err := p.Hub.Publish(ctx, Collapse(entries)); err != nil {
				p.record(err)
				return total, err
			}
			p.mu.Lock()
			p.status.LastPublishedAt = p.now()
			p.mu.Unlock()
		}
		p.record(nil)
		// Removed only after the hub stored them: a crash in between
		// re-sends, which the hub's version rule makes harmless.
		if err := p.Outbox.Done(ctx, seqs); err != nil {
			return total, fmt.Errorf("clear outbox: %w", err)
		}
		total += len(items)
	}
}

// Run publishes until ctx ends: at once, then on every Notify and at least
// every Poll, backing off exponentially (with jitter-free doubling up to
// MaxBackoff) while the hub fails. It returns ctx's error.
func (p *Publisher) Run(ctx context.Context) error {
	p.init()
	poll := p.Poll
	if poll <= 0 {
		poll = DefaultPublishPoll
	}
	minB, maxB := p.MinBackoff, p.MaxBackoff
	if minB <= 0 {
		minB = DefaultMinBackoff
	}
	if maxB <= 0 {
		maxB = DefaultMaxBackoff
	}
	backoff := time.Duration(0)
	for {
		wait := poll
		if _, err := p.Flush(ctx); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			backoff = min(max(backoff*2, minB), maxB)
			wait = backoff
			p.log().Warn("national directory: publish failed; retrying", "in", backoff, "err", err)
		} else {
			backoff = 0
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-p.wake:
			if backoff > 0 {
				// A new change does not cut a backoff short: wait it out.
				select {
				case <-t.C:
				case <-ctx.Done():
					t.Stop()
					return ctx.Err()
				}
			}
			t.Stop()
		case <-t.C:
		}
	}
}

// ReconcileReport says what a reconciliation found and did.
type ReconcileReport struct {
	Ranges     int // id ranges compared
	Differing  int // ranges whose summaries differed
	Resent     int // local entries published again
	Tombstoned int // hub entries unknown here, published as deletions
	Conflicts  int // hub entries newer than the local ones (left as they are, logged)
}

// DefaultReconcileChunk is how many ids one compared range holds.
const DefaultReconcileChunk = 1000

// Reconcile compares the node's directory with the hub's range by range
// (counts and digests of chunk ids each) and, where a range differs, lists
// the hub's versions, re-sends the local entries the hub lacks or holds
// older, and publishes deletions for the hub's entries the node does not
// have. Run at every start and periodically.
func Reconcile(ctx context.Context, src Source, hub DirectoryHub, chunk int, log *slog.Logger) (ReconcileReport, error) {
	if chunk <= 0 || chunk > MaxBatch {
		chunk = DefaultReconcileChunk
	}
	if log == nil {
		log = slog.Default()
	}
	var rep ReconcileReport
	from := ""
	for {
		local, err := src.Versions(ctx, from, chunk+1)
		if err != nil {
			return rep, fmt.Errorf("local directory: %w", err)
		}
		to := ""
		if len(local) > chunk {
			to = local[chunk].ID
			local = local[:chunk]
		}
		rep.Ranges++
		remote, err := hub.Summary(ctx, from, to)
		if err != nil {
			return rep, err
		}
		if remote != Summarize(local) {
			rep.Differing++
			if err := repair(ctx, src, hub, from, to, local, chunk, &rep, log); err != nil {
				return rep, err
			}
		}
		if to == "" {
			return rep, nil
		}
		from = to
	}
}

func repair(ctx context.Context, src Source, hub DirectoryHub, from, to string, local []Version, chunk int, rep *ReconcileReport, log *slog.Logger) error {
	have := map[string]int64{}
	for _, v := range local {
		have[v.ID] = v.Version
	}
	theirs := map[string]int64{}
	var tombstones []Entry
	for after := from; ; {
		vs, err := hub.Versions(ctx, after, to, chunk)
		if err != nil {
			return err
		}
		for _, v := range vs {
			theirs[v.ID] = v.Version
			if _, ok := have[v.ID]; ok {
				continue
			}
			id, err := ident.ParseCertID(v.ID)
			if err != nil {
				return fmt.Errorf("the hub lists a malformed id %q: %w", v.ID, err)
			}
			tombstones = append(tombstones, Entry{ID: v.ID, TypeCode: id.TypeCode, Version: v.Version + 1, Deleted: true})
		}
		if len(vs) < chunk {
			break
		}
		after = vs[len(vs)-1].ID + "\x00" // the least id after the last one
	}
	var resend []string
	for _, v := range local {
		hv, ok := theirs[v.ID]
		switch {
		case !ok || hv < v.Version:
			resend = append(resend, v.ID)
		case hv > v.Version:
			rep.Conflicts++
			log.Warn("national directory: the hub holds a newer version than this node", "id", v.ID, "hub", hv, "local", v.Version)
		}
	}
	var batch []Entry
	if len(resend) > 0 {
		entries, err := src.Entries(ctx, resend)
		if err != nil {
			return fmt.Errorf("build directory entries: %w", err)
		}
		batch = append(batch, entries...)
		rep.Resent += len(entries)
	}
	batch = append(batch, tombstones...)
	rep.Tombstoned += len(tombstones)
	for len(batch) > 0 {
		n := min(len(batch), MaxBatch)
		if _, err := hub.Publish(ctx, batch[:n]); err != nil {
			return err
		}
		batch = batch[n:]
	}
	return nil
}
