package main

import (
	"context"
	"errors"
	"io"
	"net"
	"regexp"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"certgraph/internal/store"
	"certgraph/models"
)

// TestNoReadAnsweredWithoutItsRecordWhenTheDatabaseDies reads certificates
// from many clients (most from the cache, so the audit is the only database
// work) while the connection to MariaDB is cut: reads must fail from then on,
// and every read that was answered must have its access record stored.
// The database sits behind a TCP proxy the test cuts; the shared server is
// never stopped.
func TestNoReadAnsweredWithoutItsRecordWhenTheDatabaseDies(t *testing.T) {
	direct := testDatabaseURL(t)
	if direct == "" {
		t.Skip("needs MySQL/MariaDB (CERTGRAPH_TEST_DATABASE_URL): the cut is a TCP proxy in front of it")
	}
	hostPort := regexp.MustCompile(`tcp\(([^)]+)\)`)
	m := hostPort.FindStringSubmatch(direct)
	if m == nil {
		t.Fatalf("database URL names no tcp(host:port): %s", direct)
	}
	p := startProxy(t, m[1])
	e := newTestEnv(t, map[string]string{"CERTGRAPH_DATABASE_URL": hostPort.ReplaceAllString(direct, "tcp("+p.addr()+")")})
	_, certs := e.standardFixture(4, 2)
	tok := e.consumer()
	q := `query($id: ID!) { certificate(id: $id, useFor: VERIFICATION) { id status } }`

	var answered [4]atomic.Int64 // reads answered with data, per certificate
	var afterCut, answeredAfterCut atomic.Int64
	var cut atomic.Bool
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := g; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				k := i % len(certs)
				wasCut := cut.Load()
				status, err := e.tryStatus(tok, q, map[string]any{"id": certs[k].ID})
				if err == nil && status != "" {
					answered[k].Add(1)
					if wasCut {
						answeredAfterCut.Add(1)
					}
				}
				if wasCut {
					afterCut.Add(1)
				}
			}
		}()
	}
	// Cut once the load runs (a busy machine may take a while to get there).
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		n := int64(0)
		for k := range answered {
			n += answered[k].Load()
		}
		if n >= 40 || time.Now().After(deadline) {
			break
		}
	}
	// Cut first, then mark: a read begun between the two would otherwise
	// count as "after the cut" while the database still answered it.
	p.cut()
	cut.Store(true)
	time.Sleep(1500 * time.Millisecond)
	close(stop)
	wg.Wait()

	if n := afterCut.Load(); n == 0 {
		t.Fatal("no read was attempted after the cut")
	}
	if n := answeredAfterCut.Load(); n > 0 {
		t.Errorf("%d reads begun after the database was cut were answered", n)
	}
	db, err := store.Open(direct, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	total := int64(0)
	for k, c := range certs {
		recs, err := db.AccessRecords(context.Background(), store.AccessRecordFilter{Subject: c.ID}, 0, 1_000_000)
		if err != nil {
			t.Fatal(err)
		}
		ok := int64(0)
		for _, r := range recs {
			if r.Outcome == models.OutcomeOK {
				ok++
			}
		}
		if got := answered[k].Load(); ok < got {
			t.Errorf("certificate %s: %d reads answered, %d access records stored", c.ID, got, ok)
		}
		total += answered[k].Load()
	}
	if total < 20 {
		t.Fatalf("only %d reads were answered before the cut: the load did not run", total)
	}
	t.Logf("%d reads answered before the cut, %d attempted after it (all failed)", total, afterCut.Load())
}

// proxy forwards TCP connections to a target until cut, then drops every
// connection and refuses new ones — a database that vanished.
type proxy struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
	down  bool
}

func startProxy(t *testing.T, target string) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln}
	t.Cleanup(p.cut)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			u, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			if !p.track(c, u) {
				continue
			}
			go pipe(c, u)
			go pipe(u, c)
		}
	}()
	return p
}

func (p *proxy) addr() string { return p.ln.Addr().String() }

func (p *proxy) track(cs ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.down {
		for _, c := range cs {
			c.Close()
		}
		return false
	}
	p.conns = append(p.conns, cs...)
	return true
}

func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	p.ln.Close()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func pipe(dst, src net.Conn) {
	if _, err := io.Copy(dst, src); err != nil && !errors.Is(err, net.ErrClosed) {
		dst.Close()
	}
	dst.Close()
}
