package main

import (
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"certgraph/internal/store/storetest"
)

// replicaLine reads the node's /readyz and returns the state and read count
// of its one replica.
func replicaLine(t *testing.T, p *process) (state string, reads int) {
	t.Helper()
	resp, err := http.Get(p.url + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`(?m)^replica \S+: (\w+) lag=\S+ reads=(\d+)`).FindStringSubmatch(string(body))
	if m == nil {
		t.Fatalf("/readyz (%d) shows no replica: %s", resp.StatusCode, body)
	}
	n, _ := strconv.Atoi(m[2])
	return m[1], n
}

// waitReplica waits until the node's replica is in state want.
func waitReplica(t *testing.T, p *process, want string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		st, _ := replicaLine(t, p)
		if st == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("replica %s, want %s", st, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestReplicaThroughTheBinary: a node started with --database-replica-url
// on the primary+replica of .ci/mariadb-replica.sh sends certificate reads
// to the replica (counted on /readyz), sees its own revocations at once,
// keeps answering without a failed request while the replica is stopped
// (reads go to the primary) and uses the replica again once it is back.
func TestReplicaThroughTheBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	r := storetest.Replication(t) // skips without the primary+replica
	bin := buildBinary(t)
	dir := t.TempDir()
	env := map[string]string{
		"CERTGRAPH_DATA_DIR":             filepath.Join(dir, "data"),
		"CERTGRAPH_KEY_DIR":              filepath.Join(dir, "keys"),
		"CERTGRAPH_DATABASE_URL":         r.PrimaryURL,
		"CERTGRAPH_DATABASE_REPLICA_URL": r.ReplicaURL,
	}
	runCommand(t, bin, env, "seed", "--certificates", "1", "--files", "0", "--seed", "1") // the certificate types
	runCommand(t, bin, env, "import", filepath.Join("internal", "importer", "testdata", "example.jsonl"))
	n := startProcess(t, bin, "node-r", env)
	waitReplica(t, n, "up")
	_, tok := n.withRoles("CONSUMER")
	ids := n.gql(testAdminToken, `{ searchCertificates(useFor: OTHER, first: 10) { edges { node { id } } } }`, nil).must(t).list("searchCertificates.edges")
	if len(ids) < 3 {
		t.Fatalf("imported certificates not listed: %d", len(ids))
	}
	id := func(i int) string { return ids[i].(map[string]any)["node"].(map[string]any)["id"].(string) }
	status := func(certID string) (string, error) {
		r, err := post(n.url, tok, `query($id: ID!) { certificate(id: $id, useFor: SHOW) { status } }`, map[string]any{"id": certID})
		if err != nil {
			return "", err
		}
		s, _ := r.get("certificate.status").(string)
		if s == "" {
			return "", fmt.Errorf("no status: %s", r.Raw)
		}
		return s, nil
	}

	// Reads reach the replica: certificate reads (three distinct, not cached
	// yet) and statistics (never cached, four queries each).
	// A current read goes to the replica once a probe saw it hold the
	// latest write this node knows of (the account just created).
	waitReplica(t, n, "up")
	_, before := replicaLine(t, n)
	for i := range 3 {
		if _, err := status(id(i)); err != nil {
			t.Fatal(err)
		}
	}
	_, afterCerts := replicaLine(t, n)
	for range 10 {
		n.gql(testAdminToken, `{ statistics { total } }`, nil).must(t)
	}
	_, afterStats := replicaLine(t, n)
	t.Logf("replica reads: %d for 3 certificate reads, %d for 10 statistics", afterCerts-before, afterStats-afterCerts)
	if afterCerts-before < 3 || afterStats-afterCerts < 10 {
		t.Errorf("the replica served %d reads for 3 certificates and %d for 10 statistics: want at least 3 and 10", afterCerts-before, afterStats-afterCerts)
	}

	// A revocation made on this node is seen by its next read, at once.
	for i := range 2 {
		n.gql(testAdminToken, `mutation($id: ID!) { revokeCertificate(id: $id, reason: "吊销") { status } }`, map[string]any{"id": id(i)}).must(t)
		if s, err := status(id(i)); err != nil || s != "REVOKED" {
			t.Fatalf("right after the revocation the node answers %q (%v)", s, err)
		}
	}

	// Readers keep reading while the replica stops and starts again.
	stop := make(chan struct{})
	var reads, failed atomic.Int64
	var firstFailure atomic.Value
	var wg sync.WaitGroup
	for g := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				// Distinct certificates and the search: cache misses reach the database.
				var err error
				if i%2 == 0 {
					_, err = status(id((g + i) % 3))
				} else {
					var r *gqlResponse
					r, err = post(n.url, testAdminToken, `{ statistics { total } }`, nil)
					if err == nil && len(r.Errors) > 0 {
						err = fmt.Errorf("%s", r.Raw)
					}
				}
				reads.Add(1)
				if err != nil {
					failed.Add(1)
					firstFailure.CompareAndSwap(nil, err.Error())
				}
			}
		}()
	}
	time.Sleep(200 * time.Millisecond)
	if m := metricsText(t, n.url); !regexp.MustCompile(`(?m)^certgraph_replica_state\{replica="replica1:[^"]+",state="up"\} 1$`).MatchString(m) ||
		!regexp.MustCompile(`(?m)^certgraph_replica_reads_total\{replica="replica1:[^"]+"\} [1-9]`).MatchString(m) {
		t.Errorf("/metrics does not show the replica up and serving:\n%s", grepLines(m, "certgraph_replica"))
	}
	storetest.ReplicaCtl(t, "stop-replica")
	waitReplica(t, n, "down")
	if m := metricsText(t, n.url); !regexp.MustCompile(`(?m)^certgraph_replica_state\{replica="replica1:[^"]+",state="down"\} 1$`).MatchString(m) {
		t.Errorf("/metrics does not show the replica down:\n%s", grepLines(m, "certgraph_replica"))
	}
	_, downReads := replicaLine(t, n)
	time.Sleep(500 * time.Millisecond)
	if _, r := replicaLine(t, n); r != downReads {
		t.Errorf("the replica is down yet counted %d more reads", r-downReads)
	}
	storetest.ReplicaCtl(t, "start-replica")
	waitReplica(t, n, "up")
	_, upReads := replicaLine(t, n)
	time.Sleep(500 * time.Millisecond)
	close(stop)
	wg.Wait()
	if _, r := replicaLine(t, n); r <= upReads {
		t.Errorf("the replica came back but served no reads (%d → %d)", upReads, r)
	}
	t.Logf("%d reads while the replica stopped and started, %d failed", reads.Load(), failed.Load())
	if failed.Load() > 0 {
		t.Errorf("%d reads failed while the replica went away, first: %v", failed.Load(), firstFailure.Load())
	}
	if s, err := status(id(0)); err != nil || s != "REVOKED" {
		t.Errorf("after the replica came back the revoked certificate reads %q (%v)", s, err)
	}
}
