package store_test

import (
	"context"
	"testing"

	"certgraph/internal/national"
	"certgraph/internal/store"
	"certgraph/internal/store/storetest"

	"gorm.io/gorm"
)

// BenchmarkPublishDirectory measures the hub storing fresh directory
// entries in batches of national.MaxBatch (the publisher's largest):
// ns/op is per batch; entries/s is reported.
func BenchmarkPublishDirectory(b *testing.B) {
	for name, open := range map[string]func(testing.TB) *gorm.DB{"sqlite": storetest.SQLite, "mysql": storetest.MySQL} {
		b.Run(name, func(b *testing.B) {
			db := open(b)
			ctx := context.Background()
			serial := 0
			b.ResetTimer()
			for b.Loop() {
				b.StopTimer()
				batch := make([]national.Entry, national.MaxBatch)
				for i := range batch {
					serial++
					batch[i] = entry(b, "51", serial, 1)
				}
				b.StartTimer()
				if n, err := store.PublishDirectory(ctx, db, "51", batch); err != nil || n != len(batch) {
					b.Fatalf("publish = %d, %v", n, err)
				}
			}
			b.ReportMetric(float64(b.N*national.MaxBatch)/b.Elapsed().Seconds(), "entries/s")
		})
	}
}
