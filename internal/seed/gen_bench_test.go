package seed

import (
	"context"
	"testing"

	"certgraph/internal/store"
)

// BenchmarkGenerator measures generation alone, without a database.
func BenchmarkGenerator(b *testing.B) {
	g, err := newGenerator(1, refDay)
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for b.Loop() {
		n += len(g.next(10).certs)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "certificates/s")
}

// BenchmarkGenerateSQLite and BenchmarkGenerateMySQL (against
// CERTGRAPH_TEST_DATABASE_URL) measure seeding end to end: generation and
// the bulk inserts, 20,000 certificates (four batches) per operation, each
// operation a new seed into the same database.
func BenchmarkGenerateSQLite(b *testing.B) { benchGenerate(b, openSQLite(b)) }
func BenchmarkGenerateMySQL(b *testing.B)  { benchGenerate(b, openMySQL(b)) }

func benchGenerate(b *testing.B, st *store.DB) {
	const per = 20000
	s, n := int64(1000), 0
	for b.Loop() {
		s++
		sum, err := Generate(context.Background(), st, Options{Certificates: per, Seed: s, Today: refDay}, nil)
		if err != nil {
			b.Fatal(err)
		}
		// A few holder codes of one seed are another's under other names:
		// their certificates are skipped.
		if sum.Certificates+sum.SkippedCertificates != per || sum.Certificates < per*99/100 {
			b.Fatalf("%d certificates stored, %d skipped; want %d", sum.Certificates, sum.SkippedCertificates, per)
		}
		n += sum.Certificates
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "certificates/s")
}
