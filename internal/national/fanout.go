package national

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"
)

// Holder fan-out limits at the hub.
const (
	// MaxHolderCertificates is the most certificates one holder answer carries.
	MaxHolderCertificates = 200
	// DefaultFanOutConcurrency is how many regions the hub asks at once.
	DefaultFanOutConcurrency = 8
	// DefaultFanOutMargin is kept free before the deadline so the hub's
	// answer, with whatever regions answered, still reaches the caller in time.
	DefaultFanOutMargin = 250 * time.Millisecond
)

// TruncatedError says a holder has more
// certificates than one answer carries, and how many were kept.
type TruncatedError struct {
	Total int // how many distinct certificates were found
	Kept  int // how many the answer carries
}

// Error implements error.
func (e *TruncatedError) Error() string {
	return fmt.Sprintf("the holder has %d certificates; only the newest %d are in this answer (narrow it with a type or number)", e.Total, e.Kept)
}

// Item is what the fan-out needs to know of one certificate in an answer.
type Item interface {
	// ItemID is the certificate identifier, the key of de-duplication.
	ItemID() string
	// ItemIssued is the issue date as YYYY-MM-DD, the order (newest first).
	ItemIssued() string
}

// FanOut configures a holder fan-out across regions.
type FanOut struct {
	Concurrency int           // regions asked at once; DefaultFanOutConcurrency if 0
	Margin      time.Duration // stop this long before the deadline; DefaultFanOutMargin if 0
	Limit       int           // most certificates kept; MaxHolderCertificates if 0
}

// FanOutResult is the merged answer of a fan-out.
type FanOutResult[T Item] struct {
	Items     []T              // de-duplicated by id, newest first, at most Limit
	Errors    map[string]error // per region that failed (each a *RegionError)
	Truncated *TruncatedError  // non-nil when more than Limit were found
}

// Run asks each region in regions, except those the read already passed
// (hop.Via) and the asking region itself, for its part of the answer, in
// parallel under the concurrency cap, and merges the parts: de-duplicated by
// id (the first copy seen is kept), newest first (ties by id), at most Limit.
// It stops waiting at the deadline less the margin: regions that have not
// answered by then are reported as failed, as are regions whose ask failed.
func Run[T Item](ctx context.Context, f FanOut, hop Hop, regions []string, ask func(ctx context.Context, region string) ([]T, error)) FanOutResult[T] {
	conc := f.Concurrency
	if conc <= 0 {
		conc = DefaultFanOutConcurrency
	}
	margin := f.Margin
	if margin <= 0 {
		margin = DefaultFanOutMargin
	}
	limit := f.Limit
	if limit <= 0 {
		limit = MaxHolderCertificates
	}
	res := FanOutResult[T]{Errors: map[string]error{}}
	var targets []string
	seenRegion := map[string]bool{}
	for _, r := range regions {
		if seenRegion[r] || hop.Via.Contains(r) {
			continue
		}
		seenRegion[r] = true
		targets = append(targets, r)
	}
	if len(targets) == 0 {
		return res
	}
	stop := hop.Deadline.Add(-margin)
	ctx, cancel := context.WithDeadline(ctx, stop)
	defer cancel()

	type part struct {
		region string
		items  []T
		err    error
	}
	parts := make(chan part, len(targets))
	sem := make(chan struct{}, conc)
	var wg sync.WaitGroup
	for _, r := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				parts <- part{region: r, err: regionErr(r, ctx.Err(), "not asked before the deadline")}
				return
			}
			defer func() { <-sem }()
			if ctx.Err() != nil {
				// Both were ready and the semaphore won: still too late to ask.
				parts <- part{region: r, err: regionErr(r, ctx.Err(), "not asked before the deadline")}
				return
			}
			items, err := ask(ctx, r)
			parts <- part{region: r, items: items, err: err}
		}()
	}
	got := map[string][]T{}
	for pending := len(targets); pending > 0; pending-- {
		select {
		case p := <-parts:
			if p.err != nil {
				if _, ok := FailedRegion(p.err); !ok {
					p.err = regionErr(p.region, p.err, "%v", p.err)
				}
				res.Errors[p.region] = p.err
				continue
			}
			got[p.region] = p.items
		case <-ctx.Done():
			for _, r := range targets {
				if _, ok := got[r]; !ok && res.Errors[r] == nil {
					res.Errors[r] = regionErr(r, ctx.Err(), "no answer before the deadline %s", hop.Deadline.UTC().Format(time.RFC3339Nano))
				}
			}
			pending = 0
		}
	}
	// Late goroutines write into the buffered channel and end on their own.
	go func() { wg.Wait(); close(parts) }()

	var all []T
	for _, r := range targets {
		all = append(all, got[r]...)
	}
	res.Items, res.Truncated = Merge(limit, all)
	return res
}

// Merge de-duplicates items by id (first copy kept), orders them newest
// first (ties by id) and keeps at most limit, saying so when it cut.
func Merge[T Item](limit int, parts ...[]T) ([]T, *TruncatedError) {
	seen := map[string]bool{}
	var out []T
	for _, p := range parts {
		for _, it := range p {
			if seen[it.ItemID()] {
				continue
			}
			seen[it.ItemID()] = true
			out = append(out, it)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].ItemIssued(), out[j].ItemIssued()
		if a != b {
			return a > b
		}
		return out[i].ItemID() < out[j].ItemID()
	})
	if limit > 0 && len(out) > limit {
		return out[:limit], &TruncatedError{Total: len(out), Kept: limit}
	}
	return out, nil
}
