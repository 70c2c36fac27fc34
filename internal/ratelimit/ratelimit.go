// Package ratelimit is the node's in-memory token buckets: one bucket per
// key (an account, a client address), each holding up to N tokens and
// refilled continuously at N per period. Buckets live in this process only:
// with several nodes behind a balancer, a caller gets N per period from
// each node it reaches.
package ratelimit

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Rate is a limit of N events per Per; the zero Rate means no limit.
type Rate struct {
	N   int
	Per time.Duration
}

// Off reports whether the rate limits nothing.
func (r Rate) Off() bool { return r.N <= 0 || r.Per <= 0 }

// String writes the rate as ParseRate reads it ("3000/1m0s", "off").
func (r Rate) String() string {
	if r.Off() {
		return "off"
	}
	return fmt.Sprintf("%d/%s", r.N, r.Per)
}

// ParseRate reads "N/duration" (e.g. "3000/1m", "30/1h"), or "0"/"off" for
// no limit.
func ParseRate(s string) (Rate, error) {
	s = strings.TrimSpace(s)
	if s == "0" || strings.EqualFold(s, "off") {
		return Rate{}, nil
	}
	n, per, ok := strings.Cut(s, "/")
	if !ok {
		return Rate{}, fmt.Errorf("%q is not N/duration (e.g. 3000/1m) or off", s)
	}
	count, err := strconv.Atoi(strings.TrimSpace(n))
	if err != nil || count < 1 {
		return Rate{}, fmt.Errorf("%q: %q is not a positive count", s, n)
	}
	d, err := time.ParseDuration(strings.TrimSpace(per))
	if err != nil || d <= 0 {
		return Rate{}, fmt.Errorf("%q: %q is not a positive duration", s, per)
	}
	return Rate{N: count, Per: d}, nil
}

// Limiter is a set of token buckets of one Rate, keyed by string. It is
// safe for concurrent use.
type Limiter struct {
	rate Rate
	now  func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

// maxBuckets bounds the memory of a limiter facing many keys (spoofed
// accounts do not reach it, but client addresses can be many): past it,
// buckets that have refilled completely are dropped — they hold no state.
const maxBuckets = 100_000

// New returns a limiter of rate; now is the clock (nil for time.Now).
func New(rate Rate, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{rate: rate, now: now, buckets: map[string]*bucket{}}
}

// Allow takes one token from key's bucket. When the bucket is empty it
// takes none and says how long until one is back.
func (l *Limiter) Allow(key string) (ok bool, retryAfter time.Duration) {
	return l.AllowN(key, 1)
}

// AllowN takes n tokens from key's bucket, or none when fewer are left.
func (l *Limiter) AllowN(key string, n int) (ok bool, retryAfter time.Duration) {
	if l == nil || l.rate.Off() {
		return true, 0
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) >= maxBuckets {
			l.sweep(now)
		}
		b = &bucket{tokens: float64(l.rate.N), at: now}
		l.buckets[key] = b
	}
	b.refill(now, l.rate)
	if b.tokens >= float64(n) {
		b.tokens -= float64(n)
		return true, 0
	}
	missing := float64(n) - b.tokens
	wait := time.Duration(math.Ceil(missing * float64(l.rate.Per) / float64(l.rate.N)))
	return false, wait
}

func (b *bucket) refill(now time.Time, r Rate) {
	if el := now.Sub(b.at); el > 0 {
		b.tokens = math.Min(float64(r.N), b.tokens+float64(r.N)*float64(el)/float64(r.Per))
		b.at = now
	}
}

func (l *Limiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		b.refill(now, l.rate)
		if b.tokens >= float64(l.rate.N) {
			delete(l.buckets, k)
		}
	}
}

// RetryAfterSeconds is d rounded up to whole seconds (at least 1), as the
// Retry-After header wants it.
func RetryAfterSeconds(d time.Duration) int {
	s := int(math.Ceil(d.Seconds()))
	if s < 1 {
		s = 1
	}
	return s
}
