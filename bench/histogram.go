package main

import (
	"bufio"
	"errors"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// histogram is a cumulative Prometheus histogram: requests at or below
// each bucket's upper bound (seconds).
type histogram map[float64]float64

// serverHistogram reads certgraph's request-duration histogram for t's
// route (every method and status summed); an error for a bare target.
func serverHistogram(t target) (histogram, error) {
	if t.metrics == "" {
		return nil, errors.New("no metrics")
	}
	u, err := url.Parse(t.url)
	if err != nil {
		return nil, err
	}
	resp, err := http.Get(t.metrics)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, errors.New(resp.Status)
	}
	const name = "certgraph_http_request_duration_seconds_bucket{"
	route := `route="` + u.Path + `"`
	h := histogram{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, name) || !strings.Contains(line, route) {
			continue
		}
		labels, value, ok := strings.Cut(line[len(name):], "} ")
		if !ok {
			continue
		}
		_, le, ok := strings.Cut(labels, `le="`)
		if !ok {
			continue
		}
		le, _, _ = strings.Cut(le, `"`)
		bound, err1 := strconv.ParseFloat(le, 64) // "+Inf" parses as +Inf
		n, err2 := strconv.ParseFloat(value, 64)
		if err1 != nil || err2 != nil {
			continue
		}
		h[bound] += n
	}
	return h, sc.Err()
}

// since is h less an earlier reading of the same histogram.
func (h histogram) since(before histogram) histogram {
	out := histogram{}
	for b, n := range h {
		out[b] = n - before[b]
	}
	return out
}

// quantile is the upper bound of the bucket holding the q-quantile; 0 when
// the histogram is empty, and -1 for the +Inf bucket.
func (h histogram) quantile(q float64) time.Duration {
	bounds := make([]float64, 0, len(h))
	for b := range h {
		bounds = append(bounds, b)
	}
	slices.Sort(bounds)
	if len(bounds) == 0 || h[bounds[len(bounds)-1]] == 0 {
		return 0
	}
	want := q * h[bounds[len(bounds)-1]]
	for _, b := range bounds {
		if h[b] >= want {
			if math.IsInf(b, 1) {
				return -1
			}
			return time.Duration(b * float64(time.Second))
		}
	}
	return -1
}
