package storetest

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"certgraph/internal/store"
)

// Environment variables naming the primary and the replica that
// .ci/mariadb-replica.sh starts (mysql:// URLs with rights to create
// databases; the replica replicates every database of the primary).
const (
	EnvPrimaryURL = "CERTGRAPH_TEST_PRIMARY_URL"
	EnvReplicaURL = "CERTGRAPH_TEST_REPLICA_URL"
)

// Replicated is a fresh database on the test primary and the URLs of it on
// the primary and on the replica.
type Replicated struct {
	Primary    *store.DB // migrated
	PrimaryURL string
	ReplicaURL string
}

// Replication creates a fresh migrated database on the test primary, or
// skips t when EnvPrimaryURL and EnvReplicaURL are not set. The database is
// dropped (on both, by replication) when t ends.
func Replication(t testing.TB) Replicated {
	t.Helper()
	padmin, radmin := os.Getenv(EnvPrimaryURL), os.Getenv(EnvReplicaURL)
	if padmin == "" || radmin == "" {
		t.Skip(EnvPrimaryURL + " and " + EnvReplicaURL + " not set: no replica test (.ci/mariadb-replica.sh start)")
	}
	lockReplication(t)
	adb, err := store.Open(padmin, "", quiet)
	if err != nil {
		t.Fatalf("%s: %v", EnvPrimaryURL, err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	name := "certgraph_r_" + hex.EncodeToString(b)
	if err := adb.Gorm().Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin").Error; err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		adb.Gorm().Exec("DROP DATABASE " + name)
		adb.Close()
	})
	r := Replicated{PrimaryURL: withDatabase(padmin, name), ReplicaURL: withDatabase(radmin, name)}
	r.Primary = open(t, r.PrimaryURL)
	waitReplicated(t, adb, radmin)
	return r
}

// waitReplicated waits until the replica has applied everything the primary
// has written so far (the new database and its migrations): a test that
// probes the replica at once must not find the database missing there.
func waitReplicated(t testing.TB, primary *store.DB, replicaAdmin string) {
	t.Helper()
	var pos string
	if err := primary.Gorm().Raw("SELECT @@gtid_binlog_pos").Scan(&pos).Error; err != nil {
		t.Fatalf("primary's GTID position: %v", err)
	}
	rdb, err := store.Open(replicaAdmin, "", quiet)
	if err != nil {
		t.Fatalf("%s: %v", EnvReplicaURL, err)
	}
	defer rdb.Close()
	var res int
	if err := rdb.Gorm().Raw("SELECT MASTER_GTID_WAIT(?, 30)", pos).Scan(&res).Error; err != nil || res != 0 {
		t.Fatalf("replica did not reach the primary's position %s within 30 s (MASTER_GTID_WAIT = %d, %v)", pos, res, err)
	}
}

// withDatabase replaces the database of a mysql:// URL.
func withDatabase(u, name string) string {
	base, query, _ := strings.Cut(u, "?")
	out := base[:strings.LastIndex(base, "/")+1] + name
	if query != "" {
		out += "?" + query
	}
	return out
}

// ReplicaCtl runs .ci/mariadb-replica.sh with verb (stop-replica,
// start-replica) and fails t if it fails.
func ReplicaCtl(t testing.TB, verb string) {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory: cannot find .ci/mariadb-replica.sh")
		}
		dir = parent
	}
	out, err := exec.Command("bash", filepath.Join(dir, ".ci", "mariadb-replica.sh"), verb).CombinedOutput()
	if err != nil {
		t.Fatalf("mariadb-replica.sh %s: %v\n%s", verb, err, out)
	}
}

// lockReplication holds an exclusive lock on the test topology until t
// ends: tests stop and start the one replica, and go test runs packages in
// parallel processes (internal/store's and the binary's replica tests).
func lockReplication(t testing.TB) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(os.TempDir(), "certgraph-replication-tests.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() }) // closing releases the lock
}
