package national

import (
	"sync"
	"time"
)

// Breaker defaults: open after this many consecutive failures; try again
// (half-open) after the cool-down, which never exceeds MaxCoolDown.
const (
	DefaultFailureThreshold = 3
	DefaultCoolDown         = 2 * time.Second
	MaxCoolDown             = 5 * time.Second
)

// BreakerState is the state of one circuit.
type BreakerState int

// Breaker states.
const (
	Closed   BreakerState = iota // calls go through
	Open                         // calls fail at once until the cool-down ends
	HalfOpen                     // one probe call goes through; its outcome decides
)

func (s BreakerState) String() string {
	return [...]string{"closed", "open", "half-open"}[s]
}

// Breakers is a set of circuit breakers keyed by region: one per region at
// the hub, and one for the hub at a node. Safe for concurrent use.
type Breakers struct {
	Threshold int              // consecutive failures that open a circuit; DefaultFailureThreshold if 0
	CoolDown  time.Duration    // time open before a probe; DefaultCoolDown if 0, capped at MaxCoolDown
	Now       func() time.Time // clock; time.Now if nil

	mu sync.Mutex
	m  map[string]*circuit
}

type circuit struct {
	state    BreakerState
	failures int
	openedAt time.Time
	probing  bool
}

func (b *Breakers) now() time.Time {
	if b.Now != nil {
		return b.Now()
	}
	return time.Now()
}

func (b *Breakers) coolDown() time.Duration {
	d := b.CoolDown
	if d <= 0 {
		d = DefaultCoolDown
	}
	return min(d, MaxCoolDown)
}

func (b *Breakers) get(region string) *circuit {
	if b.m == nil {
		b.m = map[string]*circuit{}
	}
	c := b.m[region]
	if c == nil {
		c = &circuit{}
		b.m[region] = c
	}
	return c
}

// Allow reports whether a call to region may go out now. When it returns
// true the caller must report the outcome with Success or Failure.
func (b *Breakers) Allow(region string) bool {
	if b == nil {
		return true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	c := b.get(region)
	switch c.state {
	case Open:
		if b.now().Sub(c.openedAt) < b.coolDown() {
			return false
		}
		c.state, c.probing = HalfOpen, true
		return true
	case HalfOpen:
		if c.probing {
			return false
		}
		c.probing = true
		return true
	}
	return true
}

// Success records a call to region that worked: the circuit closes.
func (b *Breakers) Success(region string) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	c := b.get(region)
	*c = circuit{}
}

// Failure records a failed call to region: enough in a row, or a failed
// probe, open the circuit.
func (b *Breakers) Failure(region string) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	c := b.get(region)
	c.failures++
	threshold := b.Threshold
	if threshold <= 0 {
		threshold = DefaultFailureThreshold
	}
	if c.state == HalfOpen || c.failures >= threshold {
		c.state, c.openedAt, c.probing = Open, b.now(), false
	}
}

// Release gives back a half-open probe whose outcome says nothing about
// the region (the caller gave up first), so another probe may go.
func (b *Breakers) Release(region string) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if c := b.get(region); c.state == HalfOpen {
		c.probing = false
	}
}

// State returns the state of region's circuit, as Allow would see it now.
func (b *Breakers) State(region string) BreakerState {
	if b == nil {
		return Closed
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	c := b.get(region)
	if c.state == Open && b.now().Sub(c.openedAt) >= b.coolDown() {
		return HalfOpen
	}
	return c.state
}
