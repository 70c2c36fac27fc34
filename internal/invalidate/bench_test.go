package invalidate

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"certgraph/internal/store/storetest"
)

// BenchmarkAppendToSeen measures how long after a write commits on one node
// another node's tailer has dropped the key from its cache: the window in
// which node B could still serve what node A just revoked. Writes come at
// random moments (not in step with the poll ticker). Reports p50, p99 and
// max in milliseconds; run with -benchtime=500x or more for a stable p99:
//
//	go test ./internal/invalidate -run - -bench AppendToSeen -benchtime=500x
func BenchmarkAppendToSeen(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchAppendToSeen(b, storetest.SQLiteShared(b)) })
	b.Run("mysql", func(b *testing.B) {
		open, _ := storetest.MySQLShared(b)
		benchAppendToSeen(b, open)
	})
}

func benchAppendToSeen(b *testing.B, open storetest.Opener) {
	dbA, dbB := open(), open()
	cb := newRecorder()
	tl := startTailer(b, dbB, cb, "node-b")
	lat := make([]time.Duration, 0, b.N)
	violations := 0 // still served (not seen, gate fresh) 250 ms after the commit
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		time.Sleep(time.Duration(rand.IntN(50)) * time.Millisecond)
		drain(cb.notify)
		b.StartTimer()
		key := fmt.Sprintf("cert:%d", i)
		committed := appendKeys(b, dbA, "node-a", key)
		if !waitKey(b, cb, key, time.Until(committed.Add(tl.cfg.MaxStale))) && tl.Fresh() {
			if _, ok := cb.seen(key); !ok {
				violations++
			}
		}
		if !waitKey(b, cb, key, 5*time.Second) {
			b.Fatalf("%s not seen within 5 s", key)
		}
		at, _ := cb.seen(key)
		lat = append(lat, at.Sub(committed))
	}
	b.StopTimer()
	report(b, lat)
	b.ReportMetric(float64(violations), "stale-served")
}

func drain(c chan string) {
	for {
		select {
		case <-c:
		default:
			return
		}
	}
}

// waitKey waits up to d for key and reports whether it came.
func waitKey(b *testing.B, c *recorder, key string, d time.Duration) bool {
	if _, ok := c.seen(key); ok {
		return true
	}
	timeout := time.After(d)
	for {
		select {
		case k := <-c.notify:
			if k == key {
				return true
			}
		case <-timeout:
			_, ok := c.seen(key)
			return ok
		}
	}
}

func report(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	q := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))]) / float64(time.Millisecond)
	}
	b.ReportMetric(q(0.50), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(float64(lat[len(lat)-1])/float64(time.Millisecond), "max-ms")
	b.ReportMetric(0, "ns/op")
}
