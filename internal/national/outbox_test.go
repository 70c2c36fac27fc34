package national

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sort"
	"sync"
	"testing"
	"time"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// memNode is a node's outbox and directory in memory.
type memNode struct {
	mu      sync.Mutex
	seq     int64
	outbox  []OutboxItem
	entries map[string]Entry
}

func newMemNode() *memNode { return &memNode{entries: map[string]Entry{}} }

// change is what a local write does: the new state and an outbox item, together.
func (n *memNode) change(e Entry) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if old, ok := n.entries[e.ID]; ok {
		e.Version = old.Version + 1
	}
	n.entries[e.ID] = e
	n.seq++
	n.outbox = append(n.outbox, OutboxItem{Seq: n.seq, CertificateID: e.ID})
}

func (n *memNode) Pending(_ context.Context, limit int) ([]OutboxItem, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]OutboxItem(nil), n.outbox[:min(limit, len(n.outbox))]...), nil
}

func (n *memNode) Done(_ context.Context, seqs []int64) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	done := map[int64]bool{}
	for _, s := range seqs {
		done[s] = true
	}
	var keep []OutboxItem
	for _, it := range n.outbox {
		if !done[it.Seq] {
			keep = append(keep, it)
		}
	}
	n.outbox = keep
	return nil
}

func (n *memNode) Backlog(context.Context) (int64, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return int64(len(n.outbox)), nil
}

func (n *memNode) Entries(_ context.Context, ids []string) ([]Entry, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []Entry
	for _, id := range ids {
		if e, ok := n.entries[id]; ok {
			out = append(out, e)
		}
	}
	return out, nil
}

func (n *memNode) Versions(_ context.Context, from string, limit int) ([]Version, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return versionsOf(n.entries, from, "", limit), nil
}

func versionsOf(m map[string]Entry, from, to string, limit int) []Version {
	var out []Version
	for id, e := range m {
		if !e.Deleted && id >= from && (to == "" || id < to) {
			out = append(out, Version{ID: id, Version: e.Version})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out[:min(limit, len(out))]
}

// memHub is the hub's directory of one node in memory.
type memHub struct {
	mu      sync.Mutex
	region  string
	down    bool
	calls   int
	entries map[string]Entry
}

func (h *memHub) Publish(_ context.Context, es []Entry) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.calls++
	if h.down {
		return 0, &RegionError{Region: HubRegion, Reason: "down"}
	}
	if err := ValidateBatch(h.region, es); err != nil {
		return 0, err
	}
	n := 0
	for _, e := range es {
		if old, ok := h.entries[e.ID]; !ok || Supersedes(&old, e) {
			h.entries[e.ID] = e
			n++
		}
	}
	return n, nil
}

func (h *memHub) Summary(_ context.Context, from, to string) (RangeSummary, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return Summarize(versionsOf(h.entries, from, to, 1<<30)), nil
}

func (h *memHub) Versions(_ context.Context, from, to string, limit int) ([]Version, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return versionsOf(h.entries, from, to, limit), nil
}

func TestFlush(t *testing.T) {
	node := newMemNode()
	hub := &memHub{region: "51", entries: map[string]Entry{}}
	for i := range 7 {
		node.change(entry(t, "51", i, 1))
	}
	node.change(entry(t, "51", 0, 1)) // a second change of the same certificate
	p := &Publisher{Region: "51", Outbox: node, Source: node, Hub: hub, Batch: 3, Log: quiet}
	hub.down = true
	if n, err := p.Flush(context.Background()); err == nil || n != 0 {
		t.Fatalf("Flush with the hub down = %d, %v", n, err)
	}
	if b, _ := node.Backlog(context.Background()); b != 8 {
		t.Fatalf("backlog %d after a failed publish, want 8", b)
	}
	if st := p.Status(); st.Connected || st.LastError == "" {
		t.Fatalf("status %+v", st)
	}
	hub.down = false
	n, err := p.Flush(context.Background())
	if err != nil || n != 8 {
		t.Fatalf("Flush = %d, %v", n, err)
	}
	if b, _ := node.Backlog(context.Background()); b != 0 || len(hub.entries) != 7 || hub.entries[certID(t, "51", 0)].Version != 2 {
		t.Fatalf("backlog %d, hub %d entries", b, len(hub.entries))
	}
	if st := p.Status(); !st.Connected || st.LastPublishedAt.IsZero() {
		t.Fatalf("status %+v", st)
	}
	// An entry the hub would refuse (issued elsewhere) is dropped and
	// counted, so it cannot hold up the entries queued behind it.
	node.change(entry(t, "50", 1, 1))
	node.change(entry(t, "51", 100, 1))
	if n, err := p.Flush(context.Background()); err != nil || n != 2 {
		t.Fatalf("flush past a foreign entry = %d, %v", n, err)
	}
	if b, _ := node.Backlog(context.Background()); b != 0 || p.Status().Rejected != 1 || len(hub.entries) != 8 {
		t.Fatalf("backlog %d, rejected %d, hub %d", b, p.Status().Rejected, len(hub.entries))
	}
	// A batch the hub refuses for its own reasons stays queued: nothing is lost.
	hub.region = "52"
	node.change(entry(t, "51", 101, 1))
	if _, err := p.Flush(context.Background()); err == nil {
		t.Fatal("a refused batch was taken as published")
	}
	if b, _ := node.Backlog(context.Background()); b != 1 {
		t.Fatalf("backlog %d after a refusal", b)
	}
}

func TestRunBacksOffAndRecovers(t *testing.T) {
	node := newMemNode()
	hub := &memHub{region: "51", entries: map[string]Entry{}, down: true}
	p := &Publisher{Region: "51", Outbox: node, Source: node, Hub: hub, Poll: time.Hour, MinBackoff: 10 * time.Millisecond, MaxBackoff: 40 * time.Millisecond, Log: quiet}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- p.Run(ctx) }()
	// Local writes never wait for the hub: Notify returns at once, however often.
	start := time.Now()
	for i := range 1000 {
		node.change(entry(t, "51", i, 1))
		p.Notify()
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("1000 local writes took %v with the hub down", d)
	}
	time.Sleep(200 * time.Millisecond)
	hub.mu.Lock()
	calls := hub.calls
	hub.down = false
	hub.mu.Unlock()
	// Backoff: at most ~1 + 200ms/10ms attempts, far fewer than 1000 notifies.
	if calls < 2 || calls > 25 {
		t.Fatalf("%d publish attempts in 200 ms with backoff 10–40 ms", calls)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		if b, _ := node.Backlog(ctx); b == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the backlog did not drain after the hub came back")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if len(hub.entries) != 1000 {
		t.Fatalf("hub holds %d entries", len(hub.entries))
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run returned %v", err)
	}
}

func TestReconcile(t *testing.T) {
	node := newMemNode()
	hub := &memHub{region: "51", entries: map[string]Entry{}}
	for i := range 250 {
		e := entry(t, "51", i, 1)
		node.entries[e.ID] = e
		if i%10 != 0 { // the hub misses every tenth
			hub.entries[e.ID] = e
		}
	}
	older := entry(t, "51", 5, 1)
	e5 := older
	e5.Version = 4
	node.entries[e5.ID] = e5 // the hub holds an old version
	stray := entry(t, "51", 999, 2)
	hub.entries[stray.ID] = stray // the node no longer has it
	gone := entry(t, "51", 7, 3)
	gone.Deleted = true
	node.entries[gone.ID] = gone // deleted here, live at the hub (version 1)
	newer := entry(t, "51", 8, 9)
	hub.entries[newer.ID] = newer // the hub is ahead: a conflict, left alone

	rep, err := Reconcile(context.Background(), node, hub, 100, quiet)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Ranges != 3 || rep.Differing == 0 || rep.Resent != 25+1 || rep.Tombstoned != 2 || rep.Conflicts != 1 {
		t.Fatalf("report %+v", rep)
	}
	// gone is a tombstone here: Versions omits it, so the hub's live copy
	// is unknown to the node and is deleted with a higher version.
	if h := hub.entries[gone.ID]; !h.Deleted {
		t.Fatalf("the hub still has %s live", gone.ID)
	}
	if h := hub.entries[stray.ID]; !h.Deleted || h.Version != 3 {
		t.Fatalf("stray %+v", h)
	}
	if hub.entries[e5.ID].Version != 4 {
		t.Fatal("the old version was not replaced")
	}
	rep, err = Reconcile(context.Background(), node, hub, 100, quiet)
	if err != nil || rep.Differing != 1 || rep.Resent != 0 || rep.Tombstoned != 0 || rep.Conflicts != 1 {
		t.Fatalf("second pass %+v, %v (only the conflict's range may differ)", rep, err)
	}
}
