package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"
)

// The GraphQL selections the scenarios send to certgraph; the bare handlers
// answer exactly this JSON (checked field by field before measuring).
const (
	certificateQuery = `query($id: ID!) { certificate(id: $id, useFor: SHARED_APPLICATION) { id name number issueDate validFrom validUntil status type { code name } holder { code name } issueDept { code name } surfaces { name value valueType columnName } } }`
	holderQuery      = `query($code: String!, $type: String) { holder(code: $code, type: $type) { code name certificates(useFor: SHARED_APPLICATION) { id name number issueDate validFrom validUntil status type { code name } surfaces { name value valueType columnName } } } }`
)

// codeName is a catalogue entry or a holder as the selections show it.
type codeName struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// surfaceDoc is one surface in the answer.
type surfaceDoc struct {
	Name       string `json:"name"`
	Value      string `json:"value"`
	ValueType  string `json:"valueType"`
	ColumnName string `json:"columnName"`
}

// certDoc is a certificate as certificateQuery selects it.
type certDoc struct {
	ID         string       `json:"id"`
	Name       string       `json:"name"`
	Number     string       `json:"number"`
	IssueDate  string       `json:"issueDate"`
	ValidFrom  string       `json:"validFrom"`
	ValidUntil *string      `json:"validUntil"`
	Status     string       `json:"status"`
	Type       codeName     `json:"type"`
	Holder     *codeName    `json:"holder,omitempty"`
	IssueDept  *codeName    `json:"issueDept,omitempty"`
	Surfaces   []surfaceDoc `json:"surfaces"`
	revoked    bool
}

// holderDoc is a holder as holderQuery selects it.
type holderDoc struct {
	Code         string     `json:"code"`
	Name         string     `json:"name"`
	Certificates []*certDoc `json:"certificates"`
}

// chinaTime is the zone certgraph computes a certificate's status in.
var chinaTime = time.FixedZone("CST", 8*3600)

// status is the certificate's status today, by certgraph's rule.
func (c *certDoc) status(today string) string {
	switch {
	case c.revoked:
		return "REVOKED"
	case today < c.ValidFrom:
		return "NOT_YET_VALID"
	case c.ValidUntil != nil && *c.ValidUntil < today:
		return "EXPIRED"
	}
	return "VALID"
}

func today() string { return time.Now().In(chinaTime).Format("2006-01-02") }

// bare is the baseline: plain net/http handlers over database/sql, the
// least a server answering these reads must do.
type bare struct {
	db  *sql.DB
	mem map[string]*certDoc // the hot set, loaded once
}

const certificateSQL = `SELECT c.id, c.name, c.number, c.issue_date, c.valid_from, c.valid_until, c.revoked_at IS NOT NULL,
 t.code, t.name, h.code, h.name, d.code, d.name
 FROM certificates c JOIN certificate_types t ON t.code = c.type_code JOIN holders h ON h.id = c.holder_id
 JOIN departments d ON d.code = c.issue_dept_code WHERE c.id = ?`

const holderSQL = `SELECT h.code, h.name, c.id, c.name, c.number, c.issue_date, c.valid_from, c.valid_until, c.revoked_at IS NOT NULL, t.code, t.name
 FROM holders h LEFT JOIN certificates c ON c.holder_id = h.id LEFT JOIN certificate_types t ON t.code = c.type_code
 WHERE h.code = ? AND h.type_code = ? ORDER BY c.issue_date DESC, c.id`

// loadCertificate reads one certificate with its holder, department and
// surfaces in two statements (nil when there is none).
func (b *bare) loadCertificate(ctx context.Context, id string) (*certDoc, error) {
	c := &certDoc{Holder: &codeName{}, IssueDept: &codeName{}}
	var until sql.NullString
	err := b.db.QueryRowContext(ctx, certificateSQL, id).Scan(&c.ID, &c.Name, &c.Number, &c.IssueDate, &c.ValidFrom, &until, &c.revoked,
		&c.Type.Code, &c.Type.Name, &c.Holder.Code, &c.Holder.Name, &c.IssueDept.Code, &c.IssueDept.Name)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if until.Valid {
		c.ValidUntil = &until.String
	}
	return c, b.loadSurfaces(ctx, []*certDoc{c})
}

// loadSurfaces fills the certificates' surfaces in one statement.
func (b *bare) loadSurfaces(ctx context.Context, cs []*certDoc) error {
	if len(cs) == 0 {
		return nil
	}
	byID := make(map[string]*certDoc, len(cs))
	args := make([]any, len(cs))
	for i, c := range cs {
		c.Surfaces = []surfaceDoc{}
		byID[c.ID] = c
		args[i] = c.ID
	}
	q := "SELECT certificate_id, name, value, value_type, column_name FROM surfaces WHERE certificate_id IN (?" +
		strings.Repeat(",?", len(cs)-1) + ") ORDER BY certificate_id, position"
	rows, err := b.db.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var s surfaceDoc
		if err := rows.Scan(&id, &s.Name, &s.Value, &s.ValueType, &s.ColumnName); err != nil {
			return err
		}
		s.ValueType = strings.ToUpper(s.ValueType)
		if c := byID[id]; c != nil {
			c.Surfaces = append(c.Surfaces, s)
		}
	}
	return rows.Err()
}

// loadHolder reads a holder with all certificates in one statement and
// their surfaces in a second (nil when there is no such holder).
func (b *bare) loadHolder(ctx context.Context, k holderKey) (*holderDoc, error) {
	rows, err := b.db.QueryContext(ctx, holderSQL, k.Code, k.Type)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var h *holderDoc
	for rows.Next() {
		var hc, hn string
		var id, name, number, issue, from, until, tcode, tname sql.NullString
		var revoked sql.NullBool
		if err := rows.Scan(&hc, &hn, &id, &name, &number, &issue, &from, &until, &revoked, &tcode, &tname); err != nil {
			return nil, err
		}
		if h == nil {
			h = &holderDoc{Code: hc, Name: hn, Certificates: []*certDoc{}}
		}
		if !id.Valid {
			continue
		}
		c := &certDoc{ID: id.String, Name: name.String, Number: number.String, IssueDate: issue.String, ValidFrom: from.String,
			revoked: revoked.Bool, Type: codeName{tcode.String, tname.String}}
		if until.Valid {
			c.ValidUntil = &until.String
		}
		h.Certificates = append(h.Certificates, c)
	}
	if err := rows.Err(); err != nil || h == nil {
		return nil, err
	}
	return h, b.loadSurfaces(ctx, h.Certificates)
}

// audit writes one access record per subject in one autocommitted
// statement, as durable as the server's flush settings make any commit.
func (b *bare) audit(ctx context.Context, op, detail string, subjects ...string) error {
	if len(subjects) == 0 {
		return nil
	}
	now := time.Now().UTC()
	q := "INSERT INTO access_records (account_id, operation, subject, use_for, channel, outcome, detail, created_at) VALUES " +
		strings.TrimSuffix(strings.Repeat("(?,?,?,?,?,?,?,?),", len(subjects)), ",")
	args := make([]any, 0, 8*len(subjects))
	for _, s := range subjects {
		args = append(args, "bench-bare", op, s, "01", "GRAPHQL", "OK", detail, now)
	}
	_, err := b.db.ExecContext(ctx, q, args...)
	return err
}

// preload fills the in-memory store with the hot set.
func (b *bare) preload(ctx context.Context, ids []string) error {
	b.mem = make(map[string]*certDoc, len(ids))
	for _, id := range ids {
		c, err := b.loadCertificate(ctx, id)
		if err != nil {
			return err
		}
		if c == nil {
			return fmt.Errorf("hot certificate %s vanished", id)
		}
		b.mem[id] = c
	}
	return nil
}

// handler serves the bare endpoints: POST {"id": …} or {"code": …, "type": …}.
//
//	/mem/certificate        from memory, no audit
//	/mem-audit/certificate  from memory + one audit INSERT
//	/db/certificate         from the database (2 statements) + audit
//	/db/holder              holder and certificates, surfaces, audit: 3 statements
func (b *bare) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) })
	mux.HandleFunc("POST /mem/certificate", func(w http.ResponseWriter, r *http.Request) { b.serveMem(w, r, false) })
	mux.HandleFunc("POST /mem-audit/certificate", func(w http.ResponseWriter, r *http.Request) { b.serveMem(w, r, true) })
	mux.HandleFunc("POST /db/certificate", func(w http.ResponseWriter, r *http.Request) {
		var in struct{ ID string }
		if !decode(w, r, &in) {
			return
		}
		c, err := b.loadCertificate(r.Context(), in.ID)
		if err == nil && c != nil {
			err = b.audit(r.Context(), "certificate", "", c.ID)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		if c != nil {
			cc := *c
			cc.Status = c.status(today())
			c = &cc
		}
		answer(w, map[string]any{"certificate": c})
	})
	mux.HandleFunc("POST /db/holder", func(w http.ResponseWriter, r *http.Request) {
		var in holderKey
		if !decode(w, r, &in) {
			return
		}
		h, err := b.loadHolder(r.Context(), in)
		if err == nil && h != nil {
			ids := make([]string, len(h.Certificates))
			t := today()
			for i, c := range h.Certificates {
				ids[i] = c.ID
				c.Status = c.status(t)
			}
			err = b.audit(r.Context(), "holder.certificates", "holder "+h.Code, ids...)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		answer(w, map[string]any{"holder": h})
	})
	return mux
}

func (b *bare) serveMem(w http.ResponseWriter, r *http.Request, audited bool) {
	var in struct{ ID string }
	if !decode(w, r, &in) {
		return
	}
	var out *certDoc
	if c := b.mem[in.ID]; c != nil {
		cc := *c // a copy: the status is today's
		cc.Status = c.status(today())
		out = &cc
		if audited {
			if err := b.audit(r.Context(), "certificate", "", c.ID); err != nil {
				http.Error(w, err.Error(), http.StatusServiceUnavailable)
				return
			}
		}
	}
	answer(w, map[string]any{"certificate": out})
}

func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(v); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return false
	}
	return true
}

func answer(w http.ResponseWriter, data any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"data": data})
}

// serveBare is the bare handlers' process: bare-serve --addr A
// --database-url U --hot FILE (the hot set, one identifier a line).
func serveBare(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bare-serve", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	url := fs.String("database-url", "", "mysql://…")
	hot := fs.String("hot", "", "file of the hot set's certificate identifiers")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := mysqlConfig(*url)
	if err != nil {
		return err
	}
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		return err
	}
	defer db.Close()
	// The same pool size as certgraph's, every connection kept idle.
	db.SetMaxOpenConns(50)
	db.SetMaxIdleConns(50)
	ids, err := os.ReadFile(*hot)
	if err != nil {
		return err
	}
	b := &bare{db: db}
	if err := b.preload(ctx, strings.Fields(string(ids))); err != nil {
		return err
	}
	srv := &http.Server{Addr: *addr, Handler: b.handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { <-ctx.Done(); srv.Close() }()
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
