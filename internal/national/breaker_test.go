package national

import (
	"testing"
	"time"
)

func TestBreaker(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	b := &Breakers{Threshold: 2, CoolDown: time.Hour, Now: func() time.Time { return now }}
	if !b.Allow("50") {
		t.Fatal("a fresh circuit refused")
	}
	b.Failure("50")
	if b.State("50") != Closed || !b.Allow("50") {
		t.Fatal("one failure opened the circuit")
	}
	b.Failure("50")
	if b.State("50") != Open || b.Allow("50") {
		t.Fatal("two failures did not open the circuit")
	}
	if !b.Allow("51") {
		t.Fatal("another region's circuit is affected")
	}
	// The cool-down is capped at MaxCoolDown whatever is configured.
	now = now.Add(MaxCoolDown)
	if b.State("50") != HalfOpen || !b.Allow("50") {
		t.Fatal("not half-open after MaxCoolDown")
	}
	if b.Allow("50") {
		t.Fatal("a second probe went out while the first is pending")
	}
	b.Failure("50") // the probe failed: open again
	if b.Allow("50") {
		t.Fatal("a failed probe did not reopen the circuit")
	}
	now = now.Add(MaxCoolDown)
	if !b.Allow("50") {
		t.Fatal("no probe after the second cool-down")
	}
	b.Release("50") // the caller gave up: another probe may go
	if !b.Allow("50") {
		t.Fatal("a released probe blocked the next one")
	}
	b.Success("50")
	if b.State("50") != Closed || !b.Allow("50") {
		t.Fatal("a successful probe did not close the circuit")
	}
	var none *Breakers
	if !none.Allow("50") || none.State("50") != Closed {
		t.Fatal("nil Breakers must let everything through")
	}
	none.Failure("50")
	none.Success("50")
	none.Release("50")
	if (BreakerState(1)).String() != "open" {
		t.Fatal("state names")
	}
}
