package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// target is one kind of request the driver sends.
type target struct {
	url    string
	header http.Header
	// body makes the i-th request's body (i counts from 0 across the whole
	// scenario, warm-up included).
	body func(i int64) []byte
	// check says whether an answer is a success.
	check func(status int, body []byte) error
	// metrics is certgraph's /metrics URL when it serves url ("" for the
	// bare handlers): the driver then also reads the server's own request
	// histogram for url's route over the measured window.
	metrics string
}

// result is what one scenario measured.
type result struct {
	name       string
	ok, errors int
	firstError string
	dropped    int // paced runs: requests the pacer could not hand out
	elapsed    time.Duration
	p50, p99   time.Duration
	maxRSSKiB  int64 // server RSS during the measured window (0: not sampled)
	rate       float64
	// rounds is how many rounds this median was taken from; minRPS and
	// maxRPS their range (p99 in nanoseconds for paced scenarios).
	rounds         int
	minRPS, maxRPS float64
	// cpu is the CPU time each of drive's cpuPIDs used in the measured
	// window (-1: unknown).
	cpu []time.Duration
	// serverP99 is the p99 of the same requests as certgraph's own
	// request histogram saw them (from reading the request to writing the
	// answer), as the upper bound of its bucket; 0: not measured. The
	// difference from p99 is time outside the server's handler: the load
	// driver, the pacer, the kernel, on the same CPUs.
	serverP99 time.Duration
}

// cpuPerRequest is process i's CPU time per successful request.
func (r result) cpuPerRequest(i int) time.Duration {
	if i >= len(r.cpu) || r.cpu[i] < 0 || r.ok == 0 {
		return -1
	}
	return r.cpu[i] / time.Duration(r.ok)
}

func (r result) rps() float64 { return float64(r.ok) / r.elapsed.Seconds() }

// newClient is an HTTP client that keeps a connection per load client.
func newClient(clients int) *http.Client {
	return &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{
		MaxIdleConns: clients * 2, MaxIdleConnsPerHost: clients * 2, DisableCompression: true, IdleConnTimeout: time.Minute,
	}}
}

// drive runs the load: clients concurrent workers send t's requests for
// warmup (not measured) and then duration (measured).
//
// With rate == 0 the loop is closed: each worker sends its next request as
// soon as the previous answer arrived, and latency is the request's own.
// With rate > 0 a pacer schedules requests at that rate and latency counts
// from the scheduled instant, so a server that falls behind shows it in
// p99 instead of silently slowing the clients (no coordinated omission).
//
// rssPID, when non-zero, is sampled every 100 ms during the measured window;
// the CPU time of cpuPIDs is taken at its start and end.
func drive(ctx context.Context, client *http.Client, name string, t target, clients int, warmup, duration time.Duration, rate float64, rssPID int, cpuPIDs ...int) result {
	start := time.Now()
	measureFrom := start.Add(warmup)
	end := measureFrom.Add(duration)
	ctx, cancel := context.WithDeadline(ctx, end.Add(30*time.Second))
	defer cancel()
	var seq atomic.Int64
	var dropped atomic.Int64
	var tick chan time.Time
	if rate > 0 {
		tick = make(chan time.Time, 1<<16)
		go func() {
			defer close(tick)
			for k := int64(0); ; k++ {
				at := start.Add(time.Duration(float64(k) / rate * float64(time.Second)))
				if at.After(end) || ctx.Err() != nil {
					return
				}
				time.Sleep(time.Until(at))
				select {
				case tick <- at:
				default:
					if at.After(measureFrom) {
						dropped.Add(1)
					}
				}
			}
		}()
	}
	cpu := make([]time.Duration, len(cpuPIDs))
	cpuDone := make(chan struct{})
	var serverP99 time.Duration
	go func() {
		defer close(cpuDone)
		time.Sleep(time.Until(measureFrom))
		for i, pid := range cpuPIDs {
			cpu[i] = cpuTime(pid)
		}
		hist0, histErr := serverHistogram(t)
		time.Sleep(time.Until(end))
		for i, pid := range cpuPIDs {
			if before, after := cpu[i], cpuTime(pid); before >= 0 && after >= 0 {
				cpu[i] = after - before
			} else {
				cpu[i] = -1
			}
		}
		if hist1, err := serverHistogram(t); histErr == nil && err == nil {
			serverP99 = hist1.since(hist0).quantile(0.99)
		}
	}()
	var maxRSS atomic.Int64
	stopRSS := make(chan struct{})
	if rssPID != 0 {
		go func() {
			time.Sleep(time.Until(measureFrom))
			for {
				if v := rssKiB(rssPID); v > maxRSS.Load() {
					maxRSS.Store(v)
				}
				select {
				case <-stopRSS:
					return
				case <-time.After(100 * time.Millisecond):
				}
			}
		}()
	}
	type tally struct {
		lat      []time.Duration
		errors   int
		firstErr string
	}
	tallies := make([]tally, clients)
	var wg sync.WaitGroup
	for w := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ta := &tallies[w]
			for ctx.Err() == nil {
				var t0 time.Time
				if tick != nil {
					at, ok := <-tick
					if !ok {
						return
					}
					t0 = at
				} else {
					t0 = time.Now()
					if t0.After(end) {
						return
					}
				}
				err := send(ctx, client, t, seq.Add(1)-1)
				lat := time.Since(t0)
				if t0.Before(measureFrom) {
					continue
				}
				if err != nil {
					ta.errors++
					if ta.firstErr == "" {
						ta.firstErr = err.Error()
					}
					continue
				}
				ta.lat = append(ta.lat, lat)
			}
		}()
	}
	wg.Wait()
	close(stopRSS)
	<-cpuDone
	r := result{name: name, elapsed: duration, dropped: int(dropped.Load()), maxRSSKiB: maxRSS.Load(), rate: rate, cpu: cpu, serverP99: serverP99}
	var all []time.Duration
	for _, ta := range tallies {
		all = append(all, ta.lat...)
		r.errors += ta.errors
		if r.firstError == "" {
			r.firstError = ta.firstErr
		}
	}
	r.ok = len(all)
	r.p50, r.p99 = percentile(all, 0.50), percentile(all, 0.99)
	return r
}

// send makes one request and checks its answer.
func send(ctx context.Context, client *http.Client, t target, i int64) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.url, bytes.NewReader(t.body(i)))
	if err != nil {
		return err
	}
	req.Header = t.header.Clone()
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	return t.check(resp.StatusCode, body)
}

// percentile is the q-quantile of ds (nearest rank); ds is sorted in place.
func percentile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	if !slices.IsSorted(ds) {
		slices.Sort(ds)
	}
	i := int(q*float64(len(ds))+0.5) - 1
	return ds[min(max(i, 0), len(ds)-1)]
}

// gqlCheck accepts a 200 answer without errors whose data starts as want.
func gqlCheck(want string) func(int, []byte) error {
	return func(status int, body []byte) error {
		if status != http.StatusOK || bytes.Contains(body, []byte(`"errors":`)) || !bytes.HasPrefix(body, []byte(want)) {
			return fmt.Errorf("HTTP %d: %.200s", status, body)
		}
		return nil
	}
}
