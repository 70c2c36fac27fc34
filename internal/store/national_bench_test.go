package store_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"testing"

	"certgraph/internal/national"
	"certgraph/internal/seed"
	"certgraph/internal/store"
	"certgraph/internal/store/storetest"
)

// BenchmarkPublishDirectory measures the hub storing fresh directory
// entries in batches of national.MaxBatch (the publisher's largest):
// ns/op is per batch; entries/s is reported.
func BenchmarkPublishDirectory(b *testing.B) {
	for name, open := range map[string]func(testing.TB) *store.DB{"sqlite": storetest.SQLite, "mysql": storetest.MySQL} {
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
				if n, err := db.PublishDirectory(ctx, "51", batch); err != nil || n != len(batch) {
					b.Fatalf("publish = %d, %v", n, err)
				}
			}
			b.ReportMetric(float64(b.N*national.MaxBatch)/b.Elapsed().Seconds(), "entries/s")
		})
	}
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// BenchmarkPublishSeeded measures a node publishing its whole directory to
// the hub, both stores real, without HTTP: seeded certificates are queued
// (as migration 4 and the first reconciliation would), then one op is a
// Publisher.Flush of all of them. Set CERTGRAPH_BENCH_CERTIFICATES for the
// size (default 20,000). certificates/s is reported.
func BenchmarkPublishSeeded(b *testing.B) {
	n := 20000
	if s := os.Getenv("CERTGRAPH_BENCH_CERTIFICATES"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			b.Fatal(err)
		}
	}
	ctx := context.Background()
	nodeDB, hubDB := storetest.SQLite(b), storetest.SQLite(b)
	if _, err := seed.Generate(ctx, nodeDB, seed.Options{Certificates: n, Seed: 7, Region: "51"}, nil); err != nil {
		b.Fatal(err)
	}
	node, hub := nodeSide{nodeDB}, hubSide{hubDB, "51"}
	published := 0
	for b.Loop() {
		b.StopTimer()
		for _, q := range []string{"DELETE FROM directory_entries", "DELETE FROM directory_versions", "DELETE FROM directory_outbox",
			"INSERT INTO directory_versions (certificate_id, version, deleted) SELECT id, 1, 0 FROM certificates",
			"INSERT INTO directory_outbox (certificate_id, created_at) SELECT id, CURRENT_TIMESTAMP FROM certificates"} {
			db := nodeDB
			if strings.Contains(q, "directory_entries") {
				db = hubDB
			}
			if err := db.Gorm().Exec(q).Error; err != nil {
				b.Fatal(err)
			}
		}
		var local int64
		if err := nodeDB.Gorm().Raw("SELECT count(*) FROM certificates WHERE SUBSTR(id, 40, 2) = '51'").Scan(&local).Error; err != nil {
			b.Fatal(err)
		}
		p := &national.Publisher{Region: "51", Outbox: node, Source: node, Hub: hub, Batch: national.MaxBatch, Log: quiet}
		b.StartTimer()
		got, err := p.Flush(ctx)
		if err != nil || got != n || int64(n)-p.Status().Rejected != local {
			b.Fatalf("flushed %d of %d, %d rejected, %d local: %v", got, n, p.Status().Rejected, local, err)
		}
		published += int(local)
	}
	b.ReportMetric(float64(n)/float64(published/b.N), "queued/published")
	b.ReportMetric(float64(published)/b.Elapsed().Seconds(), "certificates/s")
}
