package store

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"certgraph/models"
)

// catalogues keeps the four small catalogue tables (holder types, certificate
// types, departments, regions) in memory: every read of a certificate needs
// its type and department, and asking the database each time cost a sixth of
// the server's CPU. A write through this DB that changes a catalogue
// (PutCertificate, InsertDepartments) drops the copy at once and again when
// its transaction ends, so this process never serves a catalogue older than
// its own writes; other processes hear of a change through the invalidation
// log (AnnounceCatalogueChanges), and maxAge bounds it should that fail.
type catalogues struct {
	maxAge time.Duration
	// node, when set (AnnounceCatalogueChanges), is this process's name in
	// the invalidation log: a transaction that changes a catalogue appends
	// InvalidateAll before it commits, so other nodes reload at once.
	node atomic.Pointer[string]
	gen  atomic.Uint64 // bumped by every change; a load begun before a bump is not kept
	mu   sync.Mutex
	snap *catalogueSnapshot
}

// catalogueSnapshot is one consistent copy of the catalogues.
type catalogueSnapshot struct {
	gen         uint64
	loaded      time.Time
	holderTypes []models.HolderType
	certTypes   []models.CertificateType
	depts       []models.Department
	regions     []models.Region
	byCode      map[string]any // "h:"/"c:"/"d:"/"r:" + code → *T
}

// catalogueMaxAge bounds how long another process's catalogue change may go
// unseen (the same order as the node cache's TTL).
const catalogueMaxAge = 5 * time.Second

// InvalidateCatalogues drops the in-memory catalogues: the next read loads
// them again (for changes made outside this process, e.g. by a cross-node
// invalidation message).
func (s *DB) InvalidateCatalogues() { s.cat.gen.Add(1) }

// AnnounceCatalogueChanges makes every transaction that changes a catalogue
// also append InvalidateAll to the invalidation log under node's name, in
// the same transaction: other nodes drop their copies within the log's
// window instead of after maxAge.
func (s *DB) AnnounceCatalogueChanges(node string) { s.cat.node.Store(&node) }

// catalogueChanged marks a catalogue change by this DB (or its transaction).
func (s *DB) catalogueChanged() {
	s.cat.gen.Add(1)
	if s.catDirty != nil {
		s.catDirty.Store(true)
	}
}

// snapshot returns the current catalogues, loading them when none is held,
// one was invalidated, or it is older than maxAge.
func (s *DB) snapshot(ctx context.Context) (*catalogueSnapshot, error) {
	c := s.cat
	gen := c.gen.Load()
	c.mu.Lock()
	snap := c.snap
	c.mu.Unlock()
	if snap != nil && snap.gen == gen && time.Since(snap.loaded) < c.maxAge {
		return snap, nil
	}
	// Loads run outside a transaction (s.root): a transaction's own
	// uncommitted rows must not be kept for everyone.
	root := s.root()
	n := &catalogueSnapshot{gen: gen, loaded: time.Now(), byCode: map[string]any{}}
	for _, load := range []func() error{
		func() error { return root.with(ctx).Order("code").Find(&n.holderTypes).Error },
		func() error { return root.with(ctx).Order("code").Find(&n.certTypes).Error },
		func() error { return root.with(ctx).Order("code").Find(&n.depts).Error },
		func() error { return root.with(ctx).Order("code").Find(&n.regions).Error },
	} {
		if err := load(); err != nil {
			return nil, err
		}
	}
	for i := range n.holderTypes {
		n.byCode["h:"+n.holderTypes[i].Code] = &n.holderTypes[i]
	}
	for i := range n.certTypes {
		n.byCode["c:"+n.certTypes[i].Code] = &n.certTypes[i]
	}
	for i := range n.depts {
		n.byCode["d:"+n.depts[i].Code] = &n.depts[i]
	}
	for i := range n.regions {
		n.byCode["r:"+n.regions[i].Code] = &n.regions[i]
	}
	if c.gen.Load() == gen {
		c.mu.Lock()
		c.snap = n
		c.mu.Unlock()
	}
	return n, nil
}

// list returns the catalogue of T from a snapshot (shared; callers copy).
func list[T Catalogue](n *catalogueSnapshot) []T {
	var out any
	var zero T
	switch any(zero).(type) {
	case models.HolderType:
		out = n.holderTypes
	case models.CertificateType:
		out = n.certTypes
	case models.Department:
		out = n.depts
	case models.Region:
		out = n.regions
	}
	return out.([]T)
}

func prefix[T Catalogue]() string {
	var zero T
	switch any(zero).(type) {
	case models.HolderType:
		return "h:"
	case models.CertificateType:
		return "c:"
	case models.Department:
		return "d:"
	}
	return "r:"
}
