package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"certgraph/internal/ident"
	"certgraph/models"

	mysqldriver "github.com/go-sql-driver/mysql"
	"gorm.io/driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// bulk is the handle for bulk loading: no hooks, no implicit transactions.
func (s *DB) bulk(ctx context.Context) *gorm.DB {
	return s.with(ctx).Session(&gorm.Session{SkipHooks: true, SkipDefaultTransaction: true})
}

// InsertDepartments stores the departments not yet stored (by code) and
// returns how many it added.
func (s *DB) InsertDepartments(ctx context.Context, depts []models.Department) (int, error) {
	db := s.bulk(ctx)
	var before, after int64
	if err := db.Model(&models.Department{}).Count(&before).Error; err != nil {
		return 0, err
	}
	if err := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&depts).Error; err != nil {
		return 0, err
	}
	if err := db.Model(&models.Department{}).Count(&after).Error; err != nil {
		return 0, err
	}
	if after != before {
		s.catalogueChanged()
	}
	return int(after - before), nil
}

// HolderCertificates is a holder with the certificates to store for it.
type HolderCertificates struct {
	Holder       models.Holder
	Certificates []models.Certificate
}

// BulkResult counts what InsertBulk stored and skipped.
type BulkResult struct {
	Holders, Certificates, Surfaces     int
	SkippedHolders, SkippedCertificates int
}

// BulkOptions say how InsertBulk stores a batch.
type BulkOptions struct {
	// Stored, when set, sees every certificate inserted, once the batch has
	// committed.
	Stored func(*models.Certificate)
	// Node, when not "", appends InvalidateAll to the invalidation log as
	// Node in the batch's transaction: too many keys to list, and replicas
	// serving current reads must hold the batch.
	Node string
	// Unstored promises that no certificate of the batch is stored yet (the
	// caller checked, with AnyCertificateIDLike, that none like them is):
	// they are not looked up. A broken promise fails the batch on the
	// duplicate key rather than skipping the certificate.
	Unstored bool
}

// InsertBulk stores a batch in one transaction: holders by code (existing
// ones kept), then the certificates not yet stored, then their surfaces,
// directory changes and counts. A holder whose code is stored under another
// name is skipped with its certificates.
//
// Several InsertBulk calls may run at once (MySQL): each is its own
// transaction, and one that loses a deadlock on the rows they share (the
// statistics aggregate) is run again.
func (s *DB) InsertBulk(ctx context.Context, b []HolderCertificates, o BulkOptions) (BulkResult, error) {
	var loc *time.Location
	if s.dialect == MySQL {
		loc = s.driverLoc()
	}
	for attempt := 1; ; attempt++ {
		var res BulkResult
		var certs []models.Certificate
		err := s.bulk(ctx).Transaction(func(tx *gorm.DB) error {
			lim := limitsFor(s.dialect)
			if s.dialect == MySQL {
				var err error
				if lim.lit, err = newLiterals(tx, loc); err != nil {
					return err
				}
			}
			var err error
			if certs, err = insertBatch(tx, s.dialect, lim, b, o.Unstored, &res); err != nil {
				return err
			}
			if o.Node == "" {
				return nil
			}
			return (&DB{g: tx, dialect: s.dialect}).AppendInvalidations(ctx, o.Node, InvalidateAll)
		})
		if err != nil && attempt < bulkAttempts && lockConflict(err) && ctx.Err() == nil {
			continue
		}
		if err != nil {
			return BulkResult{}, err
		}
		if o.Stored != nil {
			for i := range certs {
				o.Stored(&certs[i])
			}
		}
		return res, nil
	}
}

// bulkAttempts is how often InsertBulk runs a batch that keeps losing
// deadlocks before it gives up.
const bulkAttempts = 5

// lockConflict reports whether err is MySQL's deadlock (1213) or lock wait
// timeout (1205): the transaction was rolled back and can simply run again.
func lockConflict(err error) bool {
	var me *mysqldriver.MySQLError
	return errors.As(err, &me) && (me.Number == 1213 || me.Number == 1205)
}

// rowLimits are rows per INSERT statement and values per IN list, and on
// MySQL how statements are written (see literals).
type rowLimits struct {
	holders, certs, surfaces, in int
	lit                          *literals
}

// limitsFor sizes statements for the database. The SQLite driver binds
// parameters in time quadratic in their number, so there statements stay
// near 500 parameters. MySQL statements carry their values as literals and
// are bounded by bytes (literals.bytes), not rows.
func limitsFor(d Dialect) rowLimits {
	if d == SQLite {
		return rowLimits{holders: 80, certs: 35, surfaces: 80, in: 400}
	}
	// MariaDB turns an IN list of in_predicate_conversion_threshold (1000)
	// values or more into a temporary table and a semi-join, which cost it
	// more than the inserts; shorter lists are plain index lookups.
	const many = 1 << 20
	return rowLimits{holders: many, certs: many, surfaces: many, in: 500}
}

// literals is how a MySQL connection reads values written into a
// statement's text: the time zone the driver gives DATETIMEs (the DSN's
// loc), whether backslashes escape (sql_mode without NO_BACKSLASH_ESCAPES),
// the most bytes a statement may take (max_allowed_packet, and the driver's
// 64 MiB), how to skip foreign key checks for one statement (MariaDB's SET
// STATEMENT … FOR; "" elsewhere), and whether plain inserts may be loaded
// (LOAD DATA LOCAL: the server allows it and backslashes escape).
//
// Bulk statements are written as text rather than bound by the driver:
// boxing, converting and interpolating some ten values per row cost more
// than generating the row. LOAD DATA costs the server about a third less
// than the same rows as INSERT: it parses no SQL per value.
type literals struct {
	loc       *time.Location
	backslash bool
	bytes     int
	noFKCheck string
	load      bool
}

// newLiterals reads tx's connection's settings.
func newLiterals(tx *gorm.DB, loc *time.Location) (*literals, error) {
	var packet int
	var version, mode string
	var local bool
	if err := tx.Raw("SELECT @@max_allowed_packet, VERSION(), @@SESSION.sql_mode, @@local_infile").Row().Scan(&packet, &version, &mode, &local); err != nil {
		return nil, fmt.Errorf("server limits: %w", err)
	}
	l := &literals{loc: loc, backslash: !strings.Contains(mode, "NO_BACKSLASH_ESCAPES"), bytes: min(packet, 64<<20) - 64<<10}
	l.load = local && l.backslash
	if strings.Contains(version, "MariaDB") {
		l.noFKCheck = "SET STATEMENT foreign_key_checks=0 FOR "
	}
	return l, nil
}

// driverLoc is the time zone the MySQL driver of s writes times in.
func (s *DB) driverLoc() *time.Location {
	if d, ok := s.g.Dialector.(*mysql.Dialector); ok && d.Config != nil && d.DSN != "" {
		if c, err := mysqldriver.ParseDSN(d.DSN); err == nil && c.Loc != nil {
			return c.Loc
		}
	}
	return time.UTC
}

// rowForm is how a rowWriter writes values.
type rowForm int

const (
	bound   rowForm = iota // INSERT with ? and bound arguments (SQLite)
	literal                // INSERT with values as SQL literals (MySQL)
	loaded                 // LOAD DATA LOCAL of tab-separated lines (MySQL, plain inserts)
)

// rowWriter writes rows of one table as multi-row statements, bounded by
// rows and (MySQL) by bytes. A row is begun, given its values, and ended.
type rowWriter struct {
	tx          *gorm.DB
	table, cols string
	head, tail  string // INSERT statements' text before the rows and after them
	form        rowForm
	lit         *literals
	rows        int
	// noFK skips the foreign key check of the statement (MariaDB): set by
	// callers whose rows reference rows they inserted in the transaction.
	noFK bool

	buf      []byte
	args     []any
	n        int // rows in buf
	rowStart int // where the current row begins in buf, separator included
	argStart int
	first    bool // no value yet in the current row
}

// newRowWriter writes rows of table's cols (comma-separated), with tail
// after an INSERT's rows ("" for a plain insert, which MySQL may load).
func newRowWriter(tx *gorm.DB, lit *literals, table, cols, tail string, rows int) *rowWriter {
	w := &rowWriter{tx: tx, lit: lit, table: table, cols: cols, tail: tail, rows: rows,
		head: "INSERT INTO " + table + " (" + cols + ") VALUES "}
	switch {
	case lit == nil:
		w.form = bound
	case lit.load && tail == "":
		w.form = loaded
	default:
		w.form = literal
	}
	return w
}

// grow makes room for about n bytes of rows (MySQL; at most one
// statement's): a batch's statements take megabytes, which a buffer grown by
// appending would copy again and again.
func (w *rowWriter) grow(n int) {
	if w.lit != nil {
		w.buf = slices.Grow(w.buf, min(n, w.lit.bytes)+len(w.head)+len(w.tail))
	}
}

// begin starts a row.
func (w *rowWriter) begin() {
	if w.n == 0 && w.form != loaded {
		w.buf = append(w.buf[:0], w.head...)
	}
	w.rowStart, w.argStart = len(w.buf), len(w.args)
	if w.form != loaded {
		if w.n > 0 {
			w.buf = append(w.buf, ',')
		}
		w.buf = append(w.buf, '(')
	}
	w.first = true
}

func (w *rowWriter) sep() {
	if !w.first {
		if w.form == loaded {
			w.buf = append(w.buf, '\t')
		} else {
			w.buf = append(w.buf, ',')
		}
	}
	w.first = false
}

func (w *rowWriter) str(v string) {
	w.sep()
	switch w.form {
	case bound:
		w.buf = append(w.buf, '?')
		w.args = append(w.args, v)
	case literal:
		table := &backslashEscapes
		if !w.lit.backslash {
			table = &quoteEscapes
		}
		w.buf = append(w.buf, '\'')
		w.buf = appendEscaped(w.buf, v, table)
		w.buf = append(w.buf, '\'')
	case loaded:
		w.buf = appendEscaped(w.buf, v, &fieldEscapes)
	}
}

func (w *rowWriter) int(v int64) {
	w.sep()
	if w.form == bound {
		w.buf = append(w.buf, '?')
		w.args = append(w.args, v)
		return
	}
	w.buf = strconv.AppendInt(w.buf, v, 10)
}

// time writes t as the driver would: in its time zone, to the nanosecond
// without trailing zeros.
func (w *rowWriter) time(t time.Time) {
	w.sep()
	switch w.form {
	case bound:
		w.buf = append(w.buf, '?')
		w.args = append(w.args, t)
	case literal:
		w.buf = append(w.buf, '\'')
		w.buf = t.In(w.lit.loc).AppendFormat(w.buf, "2006-01-02 15:04:05.999999999")
		w.buf = append(w.buf, '\'')
	case loaded:
		w.buf = t.In(w.lit.loc).AppendFormat(w.buf, "2006-01-02 15:04:05.999999999")
	}
}

func (w *rowWriter) null() {
	w.sep()
	switch w.form {
	case bound:
		w.buf = append(w.buf, '?')
		w.args = append(w.args, nil)
	case literal:
		w.buf = append(w.buf, "NULL"...)
	case loaded:
		w.buf = append(w.buf, `\N`...)
	}
}

// end ends the row, running the statement before it when the row does not
// fit.
func (w *rowWriter) end() error {
	if w.form == loaded {
		w.buf = append(w.buf, '\n')
	} else {
		w.buf = append(w.buf, ')')
	}
	w.n++
	full := w.n > w.rows
	if w.form != bound {
		full = full || len(w.buf)+len(w.tail) > w.lit.bytes
	}
	if !full || w.n == 1 {
		return nil
	}
	// The rows before this one make a statement; this one begins the next.
	row := w.buf[w.rowStart:]
	if w.form != loaded {
		row = row[1:] // its comma
	}
	row = append([]byte(nil), row...)
	args := append([]any(nil), w.args[w.argStart:]...)
	w.buf, w.args, w.n = w.buf[:w.rowStart], w.args[:w.argStart], w.n-1
	if err := w.flush(); err != nil {
		return err
	}
	if w.form != loaded {
		w.buf = append(w.buf, w.head...)
	}
	w.buf = append(w.buf, row...)
	w.args = append(w.args, args...)
	w.n = 1
	return nil
}

// loadSeq numbers the readers LOAD DATA statements read their lines from.
var loadSeq atomic.Int64

// flush runs the statement holding the rows not yet run.
func (w *rowWriter) flush() error {
	if w.n == 0 {
		return nil
	}
	prefix := ""
	if w.noFK && w.lit != nil {
		prefix = w.lit.noFKCheck
	}
	var err error
	switch w.form {
	case bound:
		w.buf = append(w.buf, w.tail...)
		err = w.tx.Exec(string(w.buf), w.args...).Error
	case literal:
		// Straight to the connection: there is nothing for GORM to bind,
		// and it would copy the text byte by byte.
		w.buf = append(w.buf, w.tail...)
		_, err = w.tx.Statement.ConnPool.ExecContext(w.tx.Statement.Context, prefix+string(w.buf))
	case loaded:
		err = w.load(prefix)
	}
	clear(w.args)
	w.buf, w.args, w.n = w.buf[:0], w.args[:0], 0
	if err != nil {
		return fmt.Errorf("%s: %w", w.table, err)
	}
	return nil
}

// load runs LOAD DATA LOCAL for the lines in buf. The server reads them as
// it would an INSERT IGNORE: a duplicate key or a value that does not fit
// is a warning, not an error. Either fails the statement here, as it would
// fail the INSERT.
func (w *rowWriter) load(prefix string) error {
	name := fmt.Sprintf("certgraph-bulk-%d", loadSeq.Add(1))
	data := w.buf
	mysqldriver.RegisterReaderHandler(name, func() io.Reader { return bytes.NewReader(data) })
	defer mysqldriver.DeregisterReaderHandler(name)
	ctx, conn := w.tx.Statement.Context, w.tx.Statement.ConnPool
	res, err := conn.ExecContext(ctx, prefix+"LOAD DATA LOCAL INFILE 'Reader::"+name+"' INTO TABLE "+w.table+" CHARACTER SET utf8mb4 ("+w.cols+")")
	if err != nil {
		return err
	}
	var warnings int
	if err := conn.QueryRowContext(ctx, "SELECT @@warning_count").Scan(&warnings); err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != int64(w.n) || warnings > 0 {
		return fmt.Errorf("loaded %d of %d rows with %d warnings (a duplicate key or a value that does not fit)", n, w.n, warnings)
	}
	return nil
}

// appendEscaped appends s with each byte that table maps escaped by a
// backslash and the byte it maps to, or (quoteEscapes) by doubling.
func appendEscaped(buf []byte, s string, table *[256]byte) []byte {
	start := 0
	for i := 0; i < len(s); i++ {
		e := table[s[i]]
		if e == 0 {
			continue
		}
		buf = append(buf, s[start:i]...)
		if table == &quoteEscapes {
			buf = append(buf, s[i], s[i])
		} else {
			buf = append(buf, '\\', e)
		}
		start = i + 1
	}
	return append(buf, s[start:]...)
}

// backslashEscapes are the escapes of a MySQL string literal as the driver
// writes them; quoteEscapes the doubled quote of one under
// NO_BACKSLASH_ESCAPES; fieldEscapes those of a LOAD DATA field (tab and
// newline separate fields and lines; \N would be NULL, so the backslash is
// escaped).
var backslashEscapes, quoteEscapes, fieldEscapes = func() (b, q, f [256]byte) {
	for c, e := range map[byte]byte{0: '0', '\n': 'n', '\r': 'r', 0x1a: 'Z', '\'': '\'', '"': '"', '\\': '\\'} {
		b[c] = e
	}
	q['\''] = '\''
	for c, e := range map[byte]byte{0: '0', '\n': 'n', '\r': 'r', '\t': 't', 0x1a: 'Z', '\\': '\\'} {
		f[c] = e
	}
	return b, q, f
}()

// AnyCertificateIDLike reports whether the identifier of some stored
// certificate matches the SQL LIKE pattern (case-insensitively on SQLite).
// It reads every identifier: a check made once before a bulk load, which
// then need not look its certificates up (BulkOptions.Unstored).
func (s *DB) AnyCertificateIDLike(ctx context.Context, pattern string) (bool, error) {
	var ids []string
	if err := s.with(ctx).Model(&models.Certificate{}).Where("id LIKE ?", pattern).Limit(1).Pluck("id", &ids).Error; err != nil {
		return false, err
	}
	return len(ids) > 0, nil
}

// idRow is a stored holder's id, code and name.
type idRow struct {
	ID   int64
	Code string
	Name string
}

// queryIn runs query (ending in "IN ") for the keys, lim.in at a time,
// handing each row to scan.
func queryIn(tx *gorm.DB, query string, keys []string, in int, scan func(*sql.Rows) error) error {
	for lo := 0; lo < len(keys); lo += in {
		part := keys[lo:min(lo+in, len(keys))]
		args := make([]any, len(part))
		for i, k := range part {
			args[i] = k
		}
		rows, err := tx.Raw(query+"("+strings.Repeat("?,", len(part)-1)+"?)", args...).Rows()
		if err != nil {
			return err
		}
		for rows.Next() {
			if err := scan(rows); err != nil {
				rows.Close()
				return err
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// insertBatch stores one batch: holders by code (existing ones kept), then
// the certificates not yet stored, their surfaces, directory changes and
// counts. It returns the certificates it inserted.
//
// Statements are built here rather than by GORM: reflecting over a
// million certificates and eight million surfaces cost more than the
// database's work. Rows go in key order, which keeps each statement's
// inserts near each other in the tables' B-trees and makes concurrent
// batches lock the aggregate's rows in one order.
func insertBatch(tx *gorm.DB, d Dialect, lim rowLimits, b []HolderCertificates, unstored bool, sum *BulkResult) ([]models.Certificate, error) {
	// Holders already stored are looked up first, so that only new ones are
	// inserted and counted (MySQL's affected-row count for an upsert that
	// changes nothing is not reliable across servers). IDs are read back
	// rather than trusted from the insert for the same reason.
	stored := make(map[string]idRow, len(b))
	lookup := func(codes []string) error {
		err := queryIn(tx, "SELECT id, code, name FROM holders WHERE code IN ", codes, lim.in, func(rows *sql.Rows) error {
			var r idRow
			if err := rows.Scan(&r.ID, &r.Code, &r.Name); err != nil {
				return err
			}
			stored[r.Code] = r
			return nil
		})
		if err != nil {
			return fmt.Errorf("holder ids: %w", err)
		}
		return nil
	}
	codes := make([]string, len(b))
	for i, d := range b {
		codes[i] = d.Holder.Code
	}
	if err := lookup(codes); err != nil {
		return nil, err
	}
	now := tx.NowFunc()
	at := func(t time.Time) time.Time {
		if t.IsZero() {
			return now
		}
		return t
	}
	var freshCodes []string
	// DO NOTHING still guards against a concurrent writer.
	ignore := " ON CONFLICT DO NOTHING"
	if d == MySQL {
		ignore = " ON DUPLICATE KEY UPDATE id = id"
	}
	hw := newRowWriter(tx, lim.lit, "holders", "code, type_code, name, province, created_at, updated_at", ignore, lim.holders)
	hw.grow(200 * len(b))
	for _, d := range b {
		if _, ok := stored[d.Holder.Code]; ok {
			continue
		}
		h := &d.Holder
		hw.begin()
		hw.str(h.Code)
		hw.str(h.TypeCode)
		hw.str(h.Name)
		hw.str(h.Province)
		hw.time(at(h.CreatedAt))
		hw.time(at(h.UpdatedAt))
		if err := hw.end(); err != nil {
			return nil, err
		}
		freshCodes = append(freshCodes, h.Code)
	}
	if len(freshCodes) > 0 {
		if err := hw.flush(); err != nil {
			return nil, err
		}
		if err := lookup(freshCodes); err != nil {
			return nil, err
		}
		sum.Holders += len(freshCodes)
	}

	n := 0
	var ids []string
	for _, d := range b {
		n += len(d.Certificates)
		for _, c := range d.Certificates {
			if !unstored {
				ids = append(ids, c.ID)
			}
		}
	}
	existing := make(map[string]bool)
	err := queryIn(tx, "SELECT id FROM certificates WHERE id IN ", ids, lim.in, func(rows *sql.Rows) error {
		var id string
		if err := rows.Scan(&id); err != nil {
			return err
		}
		existing[id] = true
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("existing certificates: %w", err)
	}

	certs := make([]models.Certificate, 0, n)
	nSurfaces := 0
	for _, d := range b {
		h, ok := stored[d.Holder.Code]
		if !ok {
			return nil, fmt.Errorf("holder %s missing after insert", ident.MaskCode(d.Holder.Code))
		}
		if h.Name != d.Holder.Name {
			// Another data set already uses this code for someone else:
			// attaching our certificates to them would contradict it.
			sum.SkippedHolders++
			sum.SkippedCertificates += len(d.Certificates)
			continue
		}
		for _, c := range d.Certificates {
			if existing[c.ID] {
				sum.SkippedCertificates++
				continue
			}
			c.HolderID = h.ID
			nSurfaces += len(c.Surfaces)
			certs = append(certs, c)
		}
	}
	if len(certs) == 0 {
		return nil, nil
	}
	byID := make([]*models.Certificate, len(certs))
	for i := range certs {
		byID[i] = &certs[i]
	}
	slices.SortFunc(byID, func(a, b *models.Certificate) int { return strings.Compare(a.ID, b.ID) })

	cw := newRowWriter(tx, lim.lit, "certificates", "id, type_code, name, number, holder_id, issue_dept_code, issue_date, valid_from, valid_until, revoked_at, revoke_reason, created_at, updated_at", "", lim.certs)
	cw.grow(400 * len(byID))
	for _, c := range byID {
		cw.begin()
		cw.str(c.ID)
		cw.str(c.TypeCode)
		cw.str(c.Name)
		cw.str(c.Number)
		cw.int(c.HolderID)
		cw.str(c.IssueDeptCode)
		cw.str(c.IssueDate.String())
		cw.str(c.ValidFrom.String())
		if c.ValidUntil != nil {
			cw.str(c.ValidUntil.String())
		} else {
			cw.null()
		}
		if c.RevokedAt != nil {
			cw.time(*c.RevokedAt)
		} else {
			cw.null()
		}
		cw.str(c.RevokeReason)
		cw.time(at(c.CreatedAt))
		cw.time(at(c.UpdatedAt))
		if err := cw.end(); err != nil {
			return nil, err
		}
	}
	if err := cw.flush(); err != nil {
		return nil, err
	}

	sw := newRowWriter(tx, lim.lit, "surfaces", "certificate_id, position, name, column_name, value_type, value", "", lim.surfaces)
	sw.noFK = true // their certificates were inserted just before
	size := 0
	for _, c := range byID {
		for _, f := range c.Surfaces {
			size += len(c.ID) + len(f.Name) + len(f.ColumnName) + len(f.ValueType) + len(f.Value) + 16
		}
	}
	sw.grow(size + size/16) // room for escapes
	for _, c := range byID {
		for _, f := range c.Surfaces {
			// The certificate's identifier, not the one the surface was
			// generated with: they are equal, and the key must be.
			sw.begin()
			sw.str(c.ID)
			sw.int(int64(f.Position))
			sw.str(f.Name)
			sw.str(f.ColumnName)
			sw.str(string(f.ValueType))
			sw.str(f.Value)
			if err := sw.end(); err != nil {
				return nil, err
			}
		}
	}
	if err := sw.flush(); err != nil {
		return nil, err
	}

	// Each new certificate's directory change, in the same transaction.
	bump := " ON CONFLICT (certificate_id) DO UPDATE SET version = directory_versions.version + 1, deleted = 0"
	if d == MySQL {
		bump = " ON DUPLICATE KEY UPDATE version = version + 1, deleted = 0"
	}
	vw := newRowWriter(tx, lim.lit, "directory_versions", "certificate_id, version, deleted", bump, lim.holders)
	vw.grow(100 * len(byID))
	for _, c := range byID {
		vw.begin()
		vw.str(c.ID)
		vw.int(1)
		vw.int(0)
		if err := vw.end(); err != nil {
			return nil, err
		}
	}
	if err := vw.flush(); err != nil {
		return nil, err
	}
	// At the column's precision (milliseconds): the server would cut a
	// finer time with a note, which a loaded batch counts as a warning.
	created := time.Now().UTC().Truncate(time.Millisecond)
	ow := newRowWriter(tx, lim.lit, "directory_outbox", "certificate_id, created_at", "", lim.holders)
	ow.grow(100 * len(certs))
	for i := range certs {
		ow.begin()
		ow.str(certs[i].ID)
		ow.time(created)
		if err := ow.end(); err != nil {
			return nil, err
		}
	}
	if err := ow.flush(); err != nil {
		return nil, err
	}

	// The aggregate last: its rows are the ones concurrent batches share, so
	// their locks are held for the shortest time.
	delta := map[CertificateCount]int64{}
	for i := range certs {
		delta[countKey(&certs[i])]++
	}
	if err := addCounts(tx, d, delta); err != nil {
		return nil, err
	}
	sum.Certificates += len(certs)
	sum.Surfaces += nSurfaces
	return certs, nil
}
