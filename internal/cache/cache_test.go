package cache_test

import (
	"testing"
	"time"

	"certgraph/internal/cache"
	"certgraph/internal/invalidate"
	"certgraph/internal/invalidate/invalidatetest"
)

// TestContract: the node cache honours what the invalidation tailer relies
// on (Invalidate, racing loads, InvalidateAll, nothing served while the
// gate is closed).
func TestContract(t *testing.T) {
	invalidatetest.CheckCache(t, func(gate invalidate.Gate) invalidatetest.GenerationalCache {
		c, err := cache.New(time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Close)
		c.SetGate(gate)
		return c
	})
}
