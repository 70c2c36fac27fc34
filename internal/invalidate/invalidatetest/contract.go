// Package invalidatetest checks that a cache honours what the invalidation
// tailer relies on, so the node's cache package can prove it in its tests.
package invalidatetest

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"certgraph/internal/invalidate"
)

// GenerationalCache is the shape of certgraph's node cache: a value is
// loaded after taking the key's generation and stored with it, so a load
// that raced with an invalidation is never served.
type GenerationalCache interface {
	invalidate.Cache
	Generation(key string) uint64
	Get(key string) (any, bool)
	Set(key string, gen uint64, v any)
}

// Gate is a settable invalidate.Gate for the checks.
type Gate struct{ stale atomic.Bool }

// Fresh reports whether the gate is open.
func (g *Gate) Fresh() bool { return !g.stale.Load() }

// Set opens (true) or closes (false) the gate.
func (g *Gate) Set(fresh bool) { g.stale.Store(!fresh) }

// CheckCache fails t for every way caches made by newCache break the
// contract (see Violations).
func CheckCache(t testing.TB, newCache func(gate invalidate.Gate) GenerationalCache) {
	t.Helper()
	for _, v := range Violations(newCache) {
		t.Error(v)
	}
}

// settle is how long an asynchronous store (ristretto buffers them) gets.
const settle = 20 * time.Millisecond

// Violations runs the contract on caches made by newCache, which must
// consult gate on every Get, and describes each breach:
//   - Invalidate makes the key's value unservable at once;
//   - a value loaded before an Invalidate (its generation taken before) is
//     never served, even when stored after it;
//   - InvalidateAll does both for every key;
//   - nothing is served while the gate is closed.
func Violations(newCache func(gate invalidate.Gate) GenerationalCache) []string {
	var out []string
	bad := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }

	c := newCache(&Gate{})
	if !store(c, "k", "v1") {
		return append(out, "a value Set is never served")
	}
	c.Invalidate("k")
	if v, ok := c.Get("k"); ok {
		bad("invalidate: served %v after Invalidate", v)
	}

	gen := c.Generation("r") // a load begins …
	c.Invalidate("r")        // … a write lands …
	c.Set("r", gen, "old")
	time.Sleep(settle)
	if v, ok := c.Get("r"); ok {
		bad("racing load: served %v loaded before an Invalidate", v)
	}

	c = newCache(&Gate{})
	store(c, "a", 1)
	store(c, "b", 2)
	gen = c.Generation("c")
	c.InvalidateAll()
	c.Set("c", gen, 3)
	time.Sleep(settle)
	for _, k := range []string{"a", "b", "c"} {
		if v, ok := c.Get(k); ok {
			bad("invalidate all: served %s=%v after InvalidateAll", k, v)
		}
	}
	if !store(c, "a", 4) {
		bad("invalidate all: nothing served after InvalidateAll any more")
	}

	g := &Gate{}
	c = newCache(g)
	store(c, "k", "v")
	g.Set(false)
	if v, ok := c.Get("k"); ok {
		bad("gate: served %v while the gate was closed", v)
	}
	g.Set(true)
	if _, ok := c.Get("k"); !ok {
		bad("gate: nothing served after the gate opened again")
	}
	return out
}

// store sets key until it is served (up to a second) and reports success.
func store(c GenerationalCache, key string, v any) bool {
	for deadline := time.Now().Add(time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		c.Set(key, c.Generation(key), v)
		if got, ok := c.Get(key); ok && got == v {
			return true
		}
	}
	return false
}
