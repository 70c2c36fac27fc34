package cache_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"certgraph/internal/cache"
	"certgraph/internal/invalidate"
	"certgraph/internal/invalidate/invalidatetest"
	"certgraph/internal/store/storetest"
	"certgraph/models"
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

// BenchmarkGet is a cached certificate read as a node serves it: without a
// gate (one process alone on its database, as before the invalidation log)
// and gated by a running invalidation tailer on the embedded SQLite store
// (the default now). The difference is the gate's cost per read.
func BenchmarkGet(b *testing.B) {
	cert := &models.Certificate{ID: "1.2.156.3005.2.11100000000013338W001.11510100009802386D.0000001.001.U", Name: "居民身份证"}
	key := cache.CertificateKey(cert.ID)
	run := func(b *testing.B, c *cache.Cache) {
		c.Set(key, c.Generation(key), cert)
		for _, ok := c.Get(key); !ok; _, ok = c.Get(key) {
			time.Sleep(time.Millisecond) // ristretto stores asynchronously
		}
		var misses atomic.Int64
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			v, ok := c.Get(key)
			if !ok {
				// The gate closed: the tailer's poll came late (a starved
				// machine); a node would read the database instead.
				misses.Add(1)
				continue
			}
			_ = *v.(*models.Certificate)
		}
		b.ReportMetric(float64(misses.Load())/float64(b.N), "misses/op")
	}
	b.Run("ungated", func(b *testing.B) {
		c, _ := cache.New(time.Minute)
		defer c.Close()
		run(b, c)
	})
	b.Run("gated", func(b *testing.B) {
		c, _ := cache.New(time.Minute)
		defer c.Close()
		t, err := invalidate.New(storetest.SQLite(b), c, invalidate.Config{Node: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		if err := t.Start(ctx); err != nil {
			b.Fatal(err)
		}
		done := make(chan struct{})
		go func() { t.Run(ctx); close(done) }()
		defer func() { cancel(); <-done }()
		c.SetGate(t)
		run(b, c)
	})
}
