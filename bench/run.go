package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// bench is one run's state.
type bench struct {
	o        *options
	srv      *server
	bare     *server // the bare handlers' process
	bareURL  string
	client   *http.Client
	consumer account
	analyst  account
	w        *workload
	coldNext atomic.Int64 // the uncached scenarios never read an identifier twice
	holdNext atomic.Int64
	results  map[string]result
	order    []string
	counts   []stmtCount
	analysts []analystResult
	failed   []string
	dbPID    int // the local MariaDB server, for CPU per request (0: not local)
}

func run(ctx context.Context, args []string) error {
	o, err := parseOptions(args)
	if err != nil {
		return err
	}
	cfg, err := mysqlConfig(o.databaseURL)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "certgraph-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	binary := o.binary
	if binary == "" {
		fmt.Println("building certgraph")
		if binary, err = buildBinary(ctx, tmp); err != nil {
			return err
		}
	}
	dataDir := tmp + "/data"
	if o.keyDir == "" {
		// One per database: certgraph records the fingerprints of the keys
		// that served a database and refuses to serve it with others.
		o.keyDir = filepath.Join(os.TempDir(), "certgraph-bench-keys", strings.NewReplacer("/", "_", ":", "_").Replace(cfg.Addr+"_"+cfg.DBName))
	}
	if err := os.MkdirAll(o.keyDir, 0o700); err != nil {
		return err
	}
	seedTook, err := prepareData(ctx, o, cfg, binary, dataDir)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	var version, pool, flush string
	if err := db.QueryRowContext(ctx, "SELECT VERSION(), @@innodb_buffer_pool_size, @@innodb_flush_log_at_trx_commit").Scan(&version, &pool, &flush); err != nil {
		return err
	}
	w, err := sample(ctx, db, o.certificates, o.hot)
	if err != nil {
		return err
	}
	b := &bench{o: o, w: w, client: newClient(o.clients), results: map[string]result{}, dbPID: mariadbPID(ctx, db)}
	if b.srv, err = startProcess(ctx, "certgraph", binary, func(addr string) []string {
		return []string{"serve", "--addr", addr, "--database-url", o.databaseURL, "--data-dir", dataDir, "--key-dir", o.keyDir,
			"--bootstrap-admin-token", adminToken, "--demo=false", "--log-level", "warn",
			// throughput is measured, not the per-node rate limits
			"--rate-account=off", "--rate-address=off", "--rate-registrations=off"}
	}); err != nil {
		return err
	}
	defer b.srv.stop()
	if b.consumer, err = b.srv.newAccount(ctx, "bench consumer"); err != nil {
		return err
	}
	if b.analyst, err = b.srv.newAccount(ctx, "bench analyst", "ANALYST"); err != nil {
		return err
	}
	fmt.Printf("MariaDB %s, innodb_buffer_pool_size %s, innodb_flush_log_at_trx_commit %s; certgraph pid %d at %s\n",
		version, pool, flush, b.srv.pid, b.srv.url)
	if seedTook > 0 {
		fmt.Printf("seeding took %s\n", seedTook.Round(time.Second))
	}

	// Statements first, while certgraph is the only other client of the
	// database (the bare handlers' pool opens below).
	if o.only.MatchString("statements") {
		if err := b.countStatements(ctx, db, cfg.DBName); err != nil {
			return fmt.Errorf("statement count: %w", err)
		}
	}

	// The bare handlers run in a process of their own, as certgraph does,
	// so each side's CPU per read is its own and the load driver shares
	// no runtime with either.
	hotFile := tmp + "/hot.txt"
	if err := os.WriteFile(hotFile, []byte(strings.Join(w.hot, "\n")), 0o644); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	if b.bare, err = startProcess(ctx, "bare handlers", self, func(addr string) []string {
		return []string{"bare-serve", "--addr", addr, "--database-url", o.databaseURL, "--hot", hotFile}
	}); err != nil {
		return err
	}
	defer b.bare.stop()
	b.bareURL = b.bare.url
	if err := b.checkSameAnswers(ctx); err != nil {
		return err
	}

	b.reads(ctx)
	if o.only.MatchString("analysts") {
		if err := b.runAnalysts(ctx, db); err != nil {
			return err
		}
	}
	b.report(os.Stdout, version, pool, flush, seedTook)
	if len(b.failed) > 0 {
		return fmt.Errorf("requests failed in: %s", strings.Join(b.failed, ", "))
	}
	return nil
}

// gqlBody is a GraphQL request body.
func gqlBody(query string, vars map[string]any) []byte {
	b, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	return b
}

func (b *bench) authHeader() http.Header {
	return http.Header{"Content-Type": {"application/json"}, "Authorization": {"Bearer " + b.consumer.token}}
}

// targets are every request kind the scenarios send.
func (b *bench) targets() map[string]target {
	w := b.w
	hot := func(i int64) string { return w.hot[i%int64(len(w.hot))] }
	cold := func() string { return w.cold[(b.coldNext.Add(1)-1)%int64(len(w.cold))] }
	holder := func() holderKey { return w.holders[(b.holdNext.Add(1)-1)%int64(len(w.holders))] }
	jsonHeader := http.Header{"Content-Type": {"application/json"}}
	idBody := func(id string) []byte { v, _ := json.Marshal(map[string]string{"id": id}); return v }
	wantCert, wantHolder := gqlCheck(`{"data":{"certificate":{`), gqlCheck(`{"data":{"holder":{`)
	legacyQuery := `query LegacyInfoByID($id: ID!, $useFor: UseFor!) { certificate(id: $id, useFor: $useFor) { ...CertificateInfo } }
fragment CertificateInfo on Certificate { type { name } name holder { name code type { code } } issueDept { name code } number issueDate validFrom validUntil digitalSign surfaces { name value valueType columnName } }`
	ts := map[string]target{
		"bare-mem":       {url: b.bareURL + "/mem/certificate", header: jsonHeader, check: wantCert, body: func(i int64) []byte { return idBody(hot(i)) }},
		"bare-mem-audit": {url: b.bareURL + "/mem-audit/certificate", header: jsonHeader, check: wantCert, body: func(i int64) []byte { return idBody(hot(i)) }},
		"bare-db":        {url: b.bareURL + "/db/certificate", header: jsonHeader, check: wantCert, body: func(int64) []byte { return idBody(cold()) }},
		"bare-holder": {url: b.bareURL + "/db/holder", header: jsonHeader, check: wantHolder, body: func(int64) []byte {
			v, _ := json.Marshal(holder())
			return v
		}},
		"cert-hot": {url: b.srv.url + "/graphql", header: b.authHeader(), check: wantCert, body: func(i int64) []byte {
			return gqlBody(certificateQuery, map[string]any{"id": hot(i)})
		}},
		"cert-cold": {url: b.srv.url + "/graphql", header: b.authHeader(), check: wantCert, body: func(int64) []byte {
			return gqlBody(certificateQuery, map[string]any{"id": cold()})
		}},
		"holder": {url: b.srv.url + "/graphql", header: b.authHeader(), check: wantHolder, body: func(int64) []byte {
			h := holder()
			return gqlBody(holderQuery, map[string]any{"code": h.Code, "type": h.Type})
		}},
		"gql-642": {url: b.srv.url + "/graphql", header: b.authHeader(), check: wantCert, body: func(i int64) []byte {
			return gqlBody(legacyQuery, map[string]any{"id": hot(i), "useFor": "SHARED_APPLICATION"})
		}},
		"legacy-642": {url: b.srv.url + "/api/cert/info/by-id", header: jsonHeader, body: func(i int64) []byte {
			v, _ := json.Marshal(map[string]any{"head": map[string]string{"accountId": b.consumer.id, "accessToken": b.consumer.token},
				"data": map[string]string{"certificateID": hot(i), "useFor": "01"}})
			return v
		}, check: func(status int, body []byte) error {
			if status != http.StatusOK || !strings.Contains(string(body), `"status":"0"`) {
				return fmt.Errorf("HTTP %d: %.200s", status, body)
			}
			return nil
		}},
	}
	for k, t := range ts {
		if strings.HasPrefix(t.url, b.srv.url+"/") {
			t.metrics = b.srv.url + "/metrics"
			ts[k] = t
		}
	}
	return ts
}

// scenario is one measured line of the table.
type scenario struct {
	key, label string
	server     bool // certgraph (RSS sampled, profiled) rather than bare
	paced      string
}

var scenarios = []scenario{
	{key: "bare-mem", label: "bare: one certificate with holder, department, surfaces from memory, no audit"},
	{key: "bare-mem-audit", label: "bare: same from memory + one audit INSERT per read"},
	{key: "cert-hot", label: "certgraph: certificate(id) cache-hot (same hot set)", server: true},
	{key: "bare-db", label: "bare: same from the database (2 SELECTs) + audit INSERT, uncached ids", server: false},
	{key: "cert-cold", label: "certgraph: certificate(id) uncached (ids never read before)", server: true},
	{key: "bare-holder", label: "bare: holder with all certificates and surfaces + audit (3 statements)"},
	{key: "holder", label: "certgraph: holder { certificates { surfaces } }", server: true},
	{key: "legacy-642", label: "certgraph: legacy 6.4.2 /api/cert/info/by-id (hot set)", server: true},
	{key: "gql-642", label: "certgraph: the same selection as GraphQL (hot set)", server: true},
	{key: "paced-cert-hot", label: "certgraph: certificate(id) cache-hot at 70 % of its peak", server: true, paced: "cert-hot"},
	{key: "paced-cert-cold", label: "certgraph: certificate(id) uncached at 70 % of its peak", server: true, paced: "cert-cold"},
	{key: "paced-holder", label: "certgraph: holder { certificates { surfaces } } at 70 % of its peak", server: true, paced: "holder"},
	// The bare handlers under the same rule: the latency this machine gives
	// any server at 70 % of its peak (the load driver and MariaDB share its
	// CPUs), the floor the certgraph lines are read against.
	{key: "paced-bare-mem-audit", label: "bare: from memory + audit at 70 % of its peak", paced: "bare-mem-audit"},
	{key: "paced-bare-db", label: "bare: from the database + audit at 70 % of its peak", paced: "bare-db"},
	{key: "paced-bare-holder", label: "bare: 3-statement holder at 70 % of its peak", paced: "bare-holder"},
}

// reads runs the read scenarios one after another, --rounds times; each
// scenario's reported result is its median round (by rps; by p99 for the
// paced ones), so a burst of other work on a shared machine moves the
// table less.
func (b *bench) reads(ctx context.Context) {
	ts := b.targets()
	rounds := map[string][]result{}
	for round := 1; round <= b.o.rounds; round++ {
		this := map[string]result{}
		for _, s := range scenarios {
			if !b.o.only.MatchString(s.key) || ctx.Err() != nil {
				continue
			}
			key, rate := s.key, 0.0
			if s.paced != "" {
				peak, ok := this[s.paced]
				if !ok || peak.ok == 0 {
					continue
				}
				key, rate = s.paced, 0.7*peak.rps()
			}
			pid := b.bare.pid
			if s.server {
				pid = b.srv.pid
			}
			prof := func() {}
			if round == 1 {
				prof = b.startProfile(s)
			}
			r := drive(ctx, b.client, s.label, ts[key], b.o.clients, b.o.warmup, b.o.duration, rate, pid, pid, b.dbPID)
			prof()
			this[s.key] = r
			rounds[s.key] = append(rounds[s.key], r)
			fmt.Printf("%d %-16s %8.0f rps  p50 %7s  p99 %7s (in the server %s)  CPU/request server %s MariaDB %s  errors %d%s\n", round, s.key, r.rps(), ms(r.p50), ms(r.p99),
				serverMS(r.serverP99), ms(r.cpuPerRequest(0)), ms(r.cpuPerRequest(1)), r.errors,
				map[bool]string{true: "  first: " + r.firstError}[r.errors > 0])
			if (r.errors > 0 || r.dropped > 0) && !slices.Contains(b.failed, s.key) {
				b.failed = append(b.failed, s.key)
			}
		}
	}
	for _, s := range scenarios {
		rs := rounds[s.key]
		if len(rs) == 0 {
			continue
		}
		if s.paced != "" {
			sort.Slice(rs, func(i, j int) bool { return rs[i].p99 < rs[j].p99 })
		} else {
			sort.Slice(rs, func(i, j int) bool { return rs[i].rps() < rs[j].rps() })
		}
		med := rs[len(rs)/2]
		med.rounds = len(rs)
		med.minRPS, med.maxRPS = rs[0].rps(), rs[len(rs)-1].rps()
		if s.paced != "" {
			med.minRPS, med.maxRPS = float64(rs[0].p99), float64(rs[len(rs)-1].p99)
		}
		b.results[s.key] = med
		b.order = append(b.order, s.key)
	}
}

// startProfile records the server's CPU with perf during the measured
// window of the certificate and holder loads, when --profile asks for it.
func (b *bench) startProfile(s scenario) (wait func()) {
	if b.o.profileDir == "" || s.paced != "" || !map[string]bool{"cert-hot": true, "cert-cold": true, "holder": true, "legacy-642": true, "gql-642": true}[s.key] {
		return func() {}
	}
	if err := os.MkdirAll(b.o.profileDir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "profile:", err)
		return func() {}
	}
	data := fmt.Sprintf("%s/%s.perf.data", b.o.profileDir, s.key)
	secs := fmt.Sprintf("%.0f", (b.o.warmup+b.o.duration).Seconds()-1)
	cmd := exec.Command("perf", "record", "-F", "499", "-g", "-o", data, "-p", fmt.Sprint(b.srv.pid), "--", "sleep", secs)
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "profile: perf:", err)
		return func() {}
	}
	return func() {
		if err := cmd.Wait(); err != nil {
			fmt.Fprintln(os.Stderr, "profile: perf record:", err)
			return
		}
		for _, view := range []struct{ name, args string }{
			{"self", "--no-children --sort symbol -g none --percent-limit 0.7"},
			{"cumulative", "--children --sort symbol -g none --percent-limit 3"},
		} {
			out, err := exec.Command("perf", append([]string{"report", "--stdio", "-i", data}, strings.Fields(view.args)...)...).Output()
			if err != nil {
				fmt.Fprintln(os.Stderr, "profile: perf report:", err)
				return
			}
			os.WriteFile(fmt.Sprintf("%s/%s.%s.txt", b.o.profileDir, s.key, view.name), out, 0o644)
		}
		fmt.Printf("profile of %s in %s/%s.*.txt\n", s.key, b.o.profileDir, s.key)
	}
}

// checkSameAnswers makes sure the bare handlers answer what certgraph
// answers, field for field, before anything is compared.
func (b *bench) checkSameAnswers(ctx context.Context) error {
	for i := 0; i < min(3, len(b.w.hot)); i++ {
		id := b.w.hot[i]
		var cg any
		if err := b.srv.gql(ctx, b.consumer.token, certificateQuery, map[string]any{"id": id}, &cg); err != nil {
			return fmt.Errorf("certgraph certificate %s: %w", id, err)
		}
		if err := b.sameAsBare(ctx, "/db/certificate", map[string]string{"id": id}, cg); err != nil {
			return fmt.Errorf("certificate %s: %w", id, err)
		}
		if err := b.sameAsBare(ctx, "/mem/certificate", map[string]string{"id": id}, cg); err != nil {
			return fmt.Errorf("certificate %s from memory: %w", id, err)
		}
	}
	for i := 0; i < min(3, len(b.w.holders)); i++ {
		h := b.w.holders[len(b.w.holders)-1-i]
		var cg any
		if err := b.srv.gql(ctx, b.consumer.token, holderQuery, map[string]any{"code": h.Code, "type": h.Type}, &cg); err != nil {
			return fmt.Errorf("certgraph holder %s: %w", h.Code, err)
		}
		if err := b.sameAsBare(ctx, "/db/holder", map[string]string{"code": h.Code, "type": h.Type}, cg); err != nil {
			return fmt.Errorf("holder %s: %w", h.Code, err)
		}
	}
	return nil
}

func (b *bench) sameAsBare(ctx context.Context, path string, in map[string]string, cg any) error {
	body, _ := json.Marshal(in)
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, b.bareURL+path, strings.NewReader(string(body)))
	resp, err := b.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var got struct{ Data any }
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		return err
	}
	if !reflect.DeepEqual(got.Data, cg) {
		g, _ := json.Marshal(got.Data)
		c, _ := json.Marshal(cg)
		return fmt.Errorf("the bare handler %s answers differently from certgraph:\nbare:      %.600s\ncertgraph: %.600s", path, g, c)
	}
	return nil
}

// countStatements counts what one holder query and one uncached
// certificate(id) cost certgraph in SQL commands.
func (b *bench) countStatements(ctx context.Context, db *sql.DB, dbName string) error {
	w := b.w
	// Warm the token cache and the connection pool first.
	for i := range 3 {
		h := w.holders[(len(w.holders)-10-i+len(w.holders))%len(w.holders)]
		if err := b.srv.gql(ctx, b.consumer.token, holderQuery, map[string]any{"code": h.Code, "type": h.Type}, nil); err != nil {
			return err
		}
	}
	const k = 5
	hc, err := countStatements(ctx, db, dbName, "holder { certificates { surfaces } }", k, func(i int) error {
		h := w.holders[(len(w.holders)-20-i+len(w.holders))%len(w.holders)]
		return b.srv.gql(ctx, b.consumer.token, holderQuery, map[string]any{"code": h.Code, "type": h.Type}, nil)
	})
	if err != nil {
		return err
	}
	cc, err := countStatements(ctx, db, dbName, "certificate(id) uncached", k, func(i int) error {
		return b.srv.gql(ctx, b.consumer.token, certificateQuery, map[string]any{"id": w.cold[len(w.cold)-1-i]}, nil)
	})
	if err != nil {
		return err
	}
	b.counts = []stmtCount{hc, cc}
	for _, c := range b.counts {
		fmt.Printf("%s: %.1f data statements, %.1f round trips, %.1f commits per request; the first request's statements:\n", c.name, c.data, c.roundTrips, c.txns)
		for _, s := range c.sample[:min(len(c.sample), int(c.data+0.5))] {
			fmt.Println("   ", s)
		}
	}
	return nil
}

// analystResult is one analyst query's timings.
type analystResult struct {
	label       string
	median, max time.Duration
	err         error
}

// runAnalysts times statistics and searchCertificates, each run in turn
// (not under load): median and max of --analyst-runs runs.
func (b *bench) runAnalysts(ctx context.Context, db *sql.DB) error {
	var typ, dept string
	if err := db.QueryRowContext(ctx, "SELECT type_code, issue_dept_code FROM certificates WHERE id = ?", b.w.hot[0]).Scan(&typ, &dept); err != nil {
		return err
	}
	const stats = `query($f: CertificateFilter) { statistics(filter: $f) { total byType { key count } byDepartment { key count } byStatus { key count } byRegion { key count } } }`
	const search = `query($f: CertificateFilter, $after: String) { searchCertificates(filter: $f, useFor: SHARED_APPLICATION, first: 20, after: $after) { edges { cursor node { id name status issueDate validUntil } } pageInfo { hasNextPage endCursor } } }`
	const total = `query($f: CertificateFilter) { searchCertificates(filter: $f, useFor: SHARED_APPLICATION, first: 20) { totalCount } }`
	filters := []struct {
		name string
		f    map[string]any
	}{
		{"no filter", nil},
		{"type", map[string]any{"type": typ}},
		{"issueDept", map[string]any{"issueDept": dept}},
		{"status: VALID", map[string]any{"status": "VALID"}},
		{"status: EXPIRED", map[string]any{"status": "EXPIRED"}},
		{"status: REVOKED", map[string]any{"status": "REVOKED"}},
		{"status: NOT_YET_VALID", map[string]any{"status": "NOT_YET_VALID"}},
		{"issued in 2020", map[string]any{"issuedFrom": "2020-01-01", "issuedTo": "2020-12-31"}},
		{"expiringWithinDays: 30", map[string]any{"expiringWithinDays": 30}},
		{"region: 51", map[string]any{"region": "51"}},
	}
	timeIt := func(label string, f func() error) {
		if !b.o.only.MatchString("analysts") {
			return
		}
		var ds []time.Duration
		var err error
		for range b.o.analystRuns {
			t0 := time.Now()
			if err = f(); err != nil {
				break
			}
			ds = append(ds, time.Since(t0))
		}
		r := analystResult{label: label, err: err}
		if err == nil {
			sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
			r.median, r.max = ds[len(ds)/2], ds[len(ds)-1]
			fmt.Printf("%-58s median %8s  max %8s\n", label, ms(r.median), ms(r.max))
		} else {
			fmt.Printf("%-58s error: %v\n", label, err)
			b.failed = append(b.failed, label)
		}
		b.analysts = append(b.analysts, r)
	}
	tok := b.analyst.token
	for _, f := range filters {
		timeIt("statistics, "+f.name, func() error { return b.srv.gql(ctx, tok, stats, map[string]any{"f": f.f}, nil) })
	}
	for _, f := range filters {
		timeIt("searchCertificates first page, "+f.name, func() error { return b.srv.gql(ctx, tok, search, map[string]any{"f": f.f}, nil) })
		// The fifth page: four pages are followed untimed, the fifth timed.
		var cursor any
		for range 4 {
			var page struct {
				S struct {
					PageInfo struct {
						EndCursor *string `json:"endCursor"`
					} `json:"pageInfo"`
				} `json:"searchCertificates"`
			}
			if err := b.srv.gql(ctx, tok, search, map[string]any{"f": f.f, "after": cursor}, &page); err != nil {
				return fmt.Errorf("searchCertificates, %s: %w", f.name, err)
			}
			if page.S.PageInfo.EndCursor == nil {
				break
			}
			cursor = *page.S.PageInfo.EndCursor
		}
		timeIt("searchCertificates fifth page, "+f.name, func() error {
			return b.srv.gql(ctx, tok, search, map[string]any{"f": f.f, "after": cursor}, nil)
		})
	}
	// totalCount comes with the first page (the listing is read anyway).
	for _, f := range filters {
		timeIt("searchCertificates totalCount, "+f.name, func() error { return b.srv.gql(ctx, tok, total, map[string]any{"f": f.f}, nil) })
	}
	return nil
}

func ms(d time.Duration) string {
	switch {
	case d <= 0:
		return "—"
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.2f ms", float64(d)/1e6)
	case d < 10*time.Second:
		return fmt.Sprintf("%.0f ms", float64(d)/1e6)
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}

// serverMS is a p99 read from certgraph's histogram: the bound of its
// bucket ("≤ 25 ms"), "—" when not measured.
func serverMS(d time.Duration) string {
	switch {
	case d == 0:
		return "—"
	case d < 0:
		return "> largest bucket"
	}
	return "≤ " + strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'g', -1, 64) + " ms"
}
