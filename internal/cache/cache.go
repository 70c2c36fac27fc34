// Package cache is the node's read cache: hot certificates and token lookups,
// invalidated synchronously on every write made here, by the invalidation
// tailer for writes made by other nodes and processes, and closed (every Get
// misses) while the tailer cannot vouch that it has seen every write.
package cache

import (
	"hash/maphash"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/dgraph-io/ristretto/v2"
)

// Cache is the node's read cache (ristretto) for hot certificates and token
// lookups. Invalidate is synchronous and race-free: every entry remembers the
// generation of its key's stripe when its load *started*; a write bumps the
// stripe before returning, so a load that raced with the write can still be
// stored but is never served. Entries also expire after a short TTL, which
// bounds staleness caused by writes on other nodes or processes.
type Cache struct {
	c    *ristretto.Cache[string, cacheEntry]
	ttl  time.Duration
	seed maphash.Seed
	gens [cacheStripes]atomic.Uint64
	gate atomic.Pointer[gateBox]
	// hits and misses count Get by kind of entry (index in Kinds).
	hits, misses [3]atomic.Uint64
}

// Kinds are the kinds of entries the cache holds, as its statistics name them.
var Kinds = []string{"certificate", "token", "other"}

// kindOf is the index in Kinds of a key's kind.
func kindOf(key string) int {
	switch {
	case strings.HasPrefix(key, "cert:"):
		return 0
	case strings.HasPrefix(key, "tok:"):
		return 1
	}
	return 2
}

// Lookups returns how many Gets of a kind (one of Kinds) found a servable
// entry and how many did not.
func (c *Cache) Lookups(kind string) (hits, misses uint64) {
	for i, k := range Kinds {
		if k == kind {
			return c.hits[i].Load(), c.misses[i].Load()
		}
	}
	return 0, 0
}

// Gate tells the cache whether it may serve: Fresh is false while the node
// has not read the invalidation log recently enough (invalidate.Tailer).
type Gate interface {
	Fresh() bool
}

type gateBox struct{ g Gate }

const cacheStripes = 4096

type cacheEntry struct {
	gen uint64
	v   any
}

// MaxBytes bounds what the cache keeps: entries are weighed by the bytes
// they keep alive (Sized), so a run of uncached reads of certificates with
// photos cannot grow the node past its memory before the TTL expires them.
const MaxBytes = 64 << 20

// Sized is a cached value that can say roughly how many bytes it keeps
// alive; the cache weighs its entries by it.
type Sized interface {
	CacheSize() int64
}

// defaultSize weighs a value that is not Sized (an account, a number).
const defaultSize = 512

// sizeOf is what an entry of v weighs against MaxBytes.
func sizeOf(v any) int64 {
	switch x := v.(type) {
	case Sized:
		return x.CacheSize()
	case string:
		return int64(len(x)) + 16
	}
	return defaultSize
}

// New returns a cache whose entries live at most ttl.
func New(ttl time.Duration) (*Cache, error) {
	return newCache(ttl, MaxBytes)
}

func newCache(ttl time.Duration, maxBytes int64) (*Cache, error) {
	c, err := ristretto.NewCache(&ristretto.Config[string, cacheEntry]{
		NumCounters: 1e6,
		MaxCost:     maxBytes,
		BufferItems: 64,
	})
	if err != nil {
		return nil, err
	}
	return &Cache{c: c, ttl: ttl, seed: maphash.MakeSeed()}, nil
}

func (c *Cache) stripe(key string) *atomic.Uint64 {
	return &c.gens[maphash.String(c.seed, key)%cacheStripes]
}

// Generation returns the key's current generation; take it before loading.
func (c *Cache) Generation(key string) uint64 { return c.stripe(key).Load() }

// SetGate makes every Get miss while g is not Fresh. Without a gate (a
// process that is the database's only writer and reader) the cache serves
// whenever it holds a value.
func (c *Cache) SetGate(g Gate) { c.gate.Store(&gateBox{g}) }

// Get returns the value for key if present, not invalidated since it was
// loaded, and the gate is open.
func (c *Cache) Get(key string) (any, bool) {
	if b := c.gate.Load(); b != nil && !b.g.Fresh() {
		c.misses[kindOf(key)].Add(1)
		return nil, false
	}
	e, ok := c.c.Get(key)
	if !ok || e.gen != c.stripe(key).Load() {
		c.misses[kindOf(key)].Add(1)
		return nil, false
	}
	c.hits[kindOf(key)].Add(1)
	return e.v, true
}

// Set stores v for key, loaded when the key's generation was gen. It
// weighs sizeOf(v) against MaxBytes.
func (c *Cache) Set(key string, gen uint64, v any) {
	if gen != c.stripe(key).Load() {
		return
	}
	c.c.SetWithTTL(key, cacheEntry{gen: gen, v: v}, sizeOf(v), c.ttl)
}

// Invalidate makes any cached value for key unservable from now on.
func (c *Cache) Invalidate(key string) {
	c.stripe(key).Add(1)
	c.c.Del(key)
}

// InvalidateAll makes every cached value unservable from now on, including
// loads in flight (a catalogue change, a bulk write, a tailer that lost
// track of the log).
func (c *Cache) InvalidateAll() {
	for i := range c.gens {
		c.gens[i].Add(1)
	}
	c.c.Clear()
}

// Close stops the cache's goroutines.
func (c *Cache) Close() { c.c.Close() }

// CertificateKey is the key of a certificate (by identifier): its row with
// its surfaces.
func CertificateKey(id string) string { return "cert:" + id }

// HolderKey is the key of a holder row (by its numeric id).
func HolderKey(id int64) string { return "holder:" + strconv.FormatInt(id, 10) }

// HoldersKey is the epoch of all holders: bumped (before the holder's own
// key) whenever any holder may have changed, for loads that learn which
// holder they read only from the row.
const HoldersKey = "holders"

// SignatureKey is the key of a digitalSign signature, by the SM3 digest of
// the canonical form it signs.
func SignatureKey(digest string) string { return "sig:" + digest }

// TokenKey is the key of a token lookup (by the token's hash).
func TokenKey(hash string) string { return "tok:" + hash }
