package ratelimit

import (
	"testing"
	"time"
)

func TestBucket(t *testing.T) {
	now := time.Unix(0, 0)
	l := New(Rate{N: 3, Per: time.Minute}, func() time.Time { return now })
	for i := 0; i < 3; i++ {
		if ok, _ := l.Allow("a"); !ok {
			t.Fatalf("request %d refused within the burst", i)
		}
	}
	ok, wait := l.Allow("a")
	if ok || wait != 20*time.Second {
		t.Fatalf("4th request: ok=%v wait=%v, want refused, 20s", ok, wait)
	}
	if ok, _ := l.Allow("b"); !ok {
		t.Fatal("another key shares the bucket")
	}
	now = now.Add(20 * time.Second)
	if ok, _ := l.Allow("a"); !ok {
		t.Fatal("no token back after 20s")
	}
	if ok, _ := New(Rate{}, nil).Allow("a"); !ok {
		t.Fatal("the zero rate limits")
	}
}

func TestParseRate(t *testing.T) {
	for in, want := range map[string]Rate{"3000/1m": {3000, time.Minute}, "off": {}, "0": {}, " 30/1h ": {30, time.Hour}} {
		got, err := ParseRate(in)
		if err != nil || got != want {
			t.Errorf("ParseRate(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "5", "x/1m", "5/x", "-1/1m", "5/0s"} {
		if _, err := ParseRate(in); err == nil {
			t.Errorf("ParseRate(%q) accepted", in)
		}
	}
}
