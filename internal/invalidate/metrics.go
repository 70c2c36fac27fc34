package invalidate

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Collector reports the tailer's state at each scrape (docs/OPERATIONS.md).
func (t *Tailer) Collector() prometheus.Collector { return tailerCollector{t} }

type tailerCollector struct{ t *Tailer }

var (
	tailerFresh = prometheus.NewDesc("certgraph_invalidation_fresh",
		"1 while the node has read the cache invalidation log within the last 250 ms (its cache serves), 0 otherwise", nil, nil)
	tailerAge = prometheus.NewDesc("certgraph_invalidation_last_read_age_seconds",
		"time since the last successful read of the invalidation log began", nil, nil)
	tailerGaps = prometheus.NewDesc("certgraph_invalidation_gaps",
		"log IDs below the newest seen whose transactions may still commit (awaited)", nil, nil)
	tailerApplied = prometheus.NewDesc("certgraph_invalidation_applied_total",
		"invalidation log entries applied to the cache since start", nil, nil)
	tailerPurges = prometheus.NewDesc("certgraph_invalidation_purges_total",
		"whole-cache invalidations: log entries \"*\" and recoveries after a long outage", nil, nil)
)

func (c tailerCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{tailerFresh, tailerAge, tailerGaps, tailerApplied, tailerPurges} {
		ch <- d
	}
}

func (c tailerCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.t.Status()
	fresh := 0.0
	if st.Fresh {
		fresh = 1
	}
	ch <- prometheus.MustNewConstMetric(tailerFresh, prometheus.GaugeValue, fresh)
	age := 0.0
	if !st.LastRead.IsZero() {
		age = time.Since(st.LastRead).Seconds()
	}
	ch <- prometheus.MustNewConstMetric(tailerAge, prometheus.GaugeValue, age)
	ch <- prometheus.MustNewConstMetric(tailerGaps, prometheus.GaugeValue, float64(st.Gaps))
	ch <- prometheus.MustNewConstMetric(tailerApplied, prometheus.CounterValue, float64(st.Applied))
	ch <- prometheus.MustNewConstMetric(tailerPurges, prometheus.CounterValue, float64(st.Purges))
}
