package invalidatetest

import (
	"strings"
	"sync"
	"testing"

	"certgraph/internal/invalidate"
)

// mapCache is the smallest cache that honours the contract: the reference
// the checks are checked against.
type mapCache struct {
	mu   sync.Mutex
	gate invalidate.Gate
	all  uint64
	gens map[string]uint64
	vals map[string]entry
}

type entry struct {
	gen uint64
	v   any
}

func newMapCache(g invalidate.Gate) *mapCache {
	return &mapCache{gate: g, gens: map[string]uint64{}, vals: map[string]entry{}}
}

func (c *mapCache) Generation(key string) uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gens[key] + c.all
}

func (c *mapCache) Get(key string) (any, bool) {
	if !c.gate.Fresh() {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.vals[key]
	if !ok || e.gen != c.gens[key]+c.all {
		return nil, false
	}
	return e.v, true
}

func (c *mapCache) Set(key string, gen uint64, v any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen == c.gens[key]+c.all {
		c.vals[key] = entry{gen, v}
	}
}

func (c *mapCache) Invalidate(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gens[key]++
	delete(c.vals, key)
}

func (c *mapCache) InvalidateAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.all++
	clear(c.vals)
}

func TestReference(t *testing.T) {
	CheckCache(t, func(g invalidate.Gate) GenerationalCache { return newMapCache(g) })
}

// gateless ignores the gate: the contract must catch it.
type gateless struct{ *mapCache }

func (g gateless) Get(key string) (any, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	e, ok := g.vals[key]
	return e.v, ok && e.gen == g.gens[key]+g.all
}

func TestCatchesBrokenCaches(t *testing.T) {
	v := Violations(func(g invalidate.Gate) GenerationalCache { return gateless{newMapCache(g)} })
	if len(v) != 1 || !strings.HasPrefix(v[0], "gate:") {
		t.Errorf("a cache ignoring the gate: %q, want one gate violation", v)
	}
	v = Violations(func(g invalidate.Gate) GenerationalCache { return forgetful{newMapCache(g)} })
	if len(v) != 2 || !strings.HasPrefix(v[0], "racing load:") || !strings.HasPrefix(v[1], "invalidate all:") {
		t.Errorf("a cache storing racing loads: %q, want the racing-load and invalidate-all violations", v)
	}
}

// forgetful stores whatever it is given, whatever its generation.
type forgetful struct{ *mapCache }

func (f forgetful) Set(key string, _ uint64, v any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.vals[key] = entry{f.gens[key] + f.all, v}
}
