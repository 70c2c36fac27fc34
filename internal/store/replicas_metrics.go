package store

import "github.com/prometheus/client_golang/prometheus"

// Collector reports each replica's state at each scrape (docs/OPERATIONS.md).
// The replica label is its name (host:port/db, no credentials): a fixed set.
func (r *Replicas) Collector() prometheus.Collector { return replicaCollector{r} }

type replicaCollector struct{ r *Replicas }

var (
	replicaStates = []ReplicaState{ReplicaUp, ReplicaBehind, ReplicaLagging, ReplicaDown}
	replicaState  = prometheus.NewDesc("certgraph_replica_state",
		"1 for the replica's current state: up (serves every read routed to replicas), behind (bounded reads only), lagging or down (out of rotation)", []string{"replica", "state"}, nil)
	replicaLag = prometheus.NewDesc("certgraph_replica_lag_seconds",
		"time since this node saw the oldest write the replica does not hold yet (0 when it holds them all)", []string{"replica"}, nil)
	replicaReads = prometheus.NewDesc("certgraph_replica_reads_total",
		"reads the replica served", []string{"replica"}, nil)
	replicaFailures = prometheus.NewDesc("certgraph_replica_failures_total",
		"reads the replica failed (each repeated on the primary)", []string{"replica"}, nil)
)

func (c replicaCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{replicaState, replicaLag, replicaReads, replicaFailures} {
		ch <- d
	}
}

func (c replicaCollector) Collect(ch chan<- prometheus.Metric) {
	for _, st := range c.r.Status() {
		for _, s := range replicaStates {
			v := 0.0
			if st.State == s {
				v = 1
			}
			ch <- prometheus.MustNewConstMetric(replicaState, prometheus.GaugeValue, v, st.Name, string(s))
		}
		ch <- prometheus.MustNewConstMetric(replicaLag, prometheus.GaugeValue, st.Lag.Seconds(), st.Name)
		ch <- prometheus.MustNewConstMetric(replicaReads, prometheus.CounterValue, float64(st.Reads), st.Name)
		ch <- prometheus.MustNewConstMetric(replicaFailures, prometheus.CounterValue, float64(st.Failures), st.Name)
	}
}
