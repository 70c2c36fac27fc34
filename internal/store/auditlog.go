package store

import (
	"context"
	"errors"
	"sync"
	"time"

	"certgraph/models"
)

// AuditLog is the group-committed writer of access records: concurrent reads
// hand their records to a few writer goroutines, each of which takes what is
// queued and writes it in one multi-row INSERT (one commit), then tells every
// read of that batch whether its records are durable. Under load a commit
// carries many reads' records instead of one, so the audit stops costing a
// synchronous commit per read while every read still waits for its own record.
type AuditLog struct {
	db      *DB
	queue   chan *auditRequest
	timeout time.Duration
	stop    chan struct{}
	wg      sync.WaitGroup
	once    sync.Once
}

// AuditLogConfig sizes an AuditLog; zero fields take the defaults.
type AuditLogConfig struct {
	// Writers is how many batches may be committing at once (default 2: one
	// commits while the next gathers).
	Writers int
	// Queue bounds the reads waiting for a writer (default 4096); when it is
	// full, Append waits (backpressure) until there is room or its context ends.
	Queue int
	// MaxBatch bounds the records of one INSERT (default 500).
	MaxBatch int
	// Timeout bounds one batch's INSERT (default 5s): a frozen database fails
	// the batch's reads instead of holding them.
	Timeout time.Duration
}

type auditRequest struct {
	ctx  context.Context // the read's, without its cancellation (for tracing)
	recs []models.AccessRecord
	done chan error
}

// ErrAuditLogClosed is Append's error after Close.
var ErrAuditLogClosed = errors.New("audit log closed")

// NewAuditLog starts the writers of an AuditLog on s; Close stops them.
func (s *DB) NewAuditLog(cfg AuditLogConfig) *AuditLog {
	if cfg.Writers <= 0 {
		cfg.Writers = 2
	}
	if cfg.Queue <= 0 {
		cfg.Queue = 4096
	}
	if cfg.MaxBatch <= 0 || cfg.MaxBatch > auditRowsPerStatement {
		cfg.MaxBatch = auditRowsPerStatement
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	l := &AuditLog{db: s, queue: make(chan *auditRequest, cfg.Queue), timeout: cfg.Timeout, stop: make(chan struct{})}
	for range cfg.Writers {
		l.wg.Add(1)
		go l.write(cfg.MaxBatch)
	}
	return l
}

// Append queues recs and returns once they are durably written (nil), or
// their batch failed, or ctx ended first (an error: the caller must not
// answer the read it was recording).
func (l *AuditLog) Append(ctx context.Context, recs []models.AccessRecord) error {
	if len(recs) == 0 {
		return nil
	}
	req := &auditRequest{ctx: context.WithoutCancel(ctx), recs: recs, done: make(chan error, 1)}
	select {
	case <-l.stop:
		return ErrAuditLogClosed
	default:
	}
	select {
	case l.queue <- req:
	case <-l.stop:
		return ErrAuditLogClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-req.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stops the writers after they have written (or failed) every queued
// request; Append fails afterwards.
func (l *AuditLog) Close() {
	l.once.Do(func() { close(l.stop) })
	l.wg.Wait()
}

// write is one writer: it blocks for a first request, takes whatever else is
// already queued (up to maxBatch records), writes them in one statement and
// answers every request of the batch with the statement's outcome.
func (l *AuditLog) write(maxBatch int) {
	defer l.wg.Done()
	var batch []*auditRequest
	var recs []models.AccessRecord
	for {
		var first *auditRequest
		select {
		case first = <-l.queue:
		case <-l.stop:
			// Drain what was queued before Close so no caller waits forever.
			for {
				select {
				case r := <-l.queue:
					l.flush([]*auditRequest{r}, r.recs)
				default:
					return
				}
			}
		}
		batch, recs = append(batch[:0], first), append(recs[:0], first.recs...)
	gather:
		for len(recs) < maxBatch {
			select {
			case r := <-l.queue:
				batch, recs = append(batch, r), append(recs, r.recs...)
			default:
				break gather
			}
		}
		l.flush(batch, recs)
	}
}

func (l *AuditLog) flush(batch []*auditRequest, recs []models.AccessRecord) {
	// The batch's statement runs in the first read's context (its trace
	// holds the INSERT span), under the batch's own deadline.
	ctx, cancel := context.WithTimeout(batch[0].ctx, l.timeout)
	err := l.db.AppendAudit(ctx, recs)
	cancel()
	for _, r := range batch {
		r.done <- err
	}
}
