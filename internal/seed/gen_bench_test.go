package seed

import "testing"

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
