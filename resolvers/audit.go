package resolvers

import (
	"context"
	"sync"
	"time"

	"certgraph/models"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// audit records reads of certificate data: one record per subject, written
// (group-committed with concurrent reads' records, see store.AuditLog) before
// the answer leaves. A read whose record cannot be written fails: no read
// goes unrecorded. Inside a GraphQL operation the records wait in the
// operation's buffer and AuditFlush writes them all at once (see there).
func (r *Resolver) audit(ctx context.Context, acc *models.Account, op string, useFor models.UseFor, outcome, detail string, subjects ...string) error {
	channel := models.ChannelGraphQL
	if st := stateOf(ctx); st != nil {
		channel = st.Channel
	}
	return r.auditAs(ctx, acc, channel, op, useFor, outcome, detail, subjects...)
}

// auditAs is audit with an explicit channel, for reads outside GraphQL.
func (r *Resolver) auditAs(ctx context.Context, acc *models.Account, channel models.Channel, op string, useFor models.UseFor, outcome, detail string, subjects ...string) error {
	if len(subjects) == 0 {
		return nil
	}
	accountID := "-"
	if acc != nil {
		accountID = acc.ID
	}
	now := r.cfg.Now().UTC()
	var onBehalfOf, requestID string
	if st := stateOf(ctx); st != nil && acc != nil {
		if hop, err := r.hopOf(ctx); err == nil {
			requestID = hop.RequestID
			if len(hop.Via) > 0 {
				onBehalfOf = hop.OnBehalfOf.String()
			}
		}
	}
	recs := make([]models.AccessRecord, len(subjects))
	for i, s := range subjects {
		recs[i] = models.AccessRecord{AccountID: accountID, Operation: op, Subject: truncateRunes(s, 128), UseFor: useFor,
			Channel: channel, Outcome: outcome, Detail: truncateRunes(detail, 500),
			OnBehalfOf: truncateRunes(onBehalfOf, 100), RequestID: requestID, CreatedAt: now}
	}
	if b, ok := ctx.Value(auditBufferKey{}).(*auditBuffer); ok {
		b.add(recs)
		return nil
	}
	return r.writeAudit(ctx, op, recs)
}

// writeAudit hands recs to the group-committed audit log and waits for the
// batch that carries them to commit.
func (r *Resolver) writeAudit(ctx context.Context, op string, recs []models.AccessRecord) error {
	start := time.Now()
	err := r.auditLog.Append(ctx, recs)
	r.metrics.ObserveAuditWrite(len(recs), err, time.Since(start))
	if err != nil {
		r.log.ErrorContext(ctx, "audit write failed", "err", err, "operation", op)
		return models.Errorf(models.EUNAVAILABLE, "the access audit cannot be written; the read was refused")
	}
	return nil
}

// auditBuffer holds the access records one GraphQL operation's resolvers
// made, until the operation's answer is complete. Resolvers run
// concurrently, hence the lock.
type auditBuffer struct {
	mu   sync.Mutex
	recs []models.AccessRecord
}

type auditBufferKey struct{}

func (b *auditBuffer) add(recs []models.AccessRecord) {
	b.mu.Lock()
	b.recs = append(b.recs, recs...)
	b.mu.Unlock()
}

func (b *auditBuffer) take() []models.AccessRecord {
	b.mu.Lock()
	defer b.mu.Unlock()
	recs := b.recs
	b.recs = nil
	return recs
}

// AuditFlush is the GraphQL extension that writes an operation's access
// records once, after every resolver has run and before the answer leaves:
// one group-commit hand-off per operation instead of one per resolver that
// read personal data (a holder lookup and its certificates were two
// statements). When the write fails, the whole answer is replaced by one
// UNAVAILABLE error, so nothing that was read is answered unrecorded. It must
// be the innermost response interceptor but DirectReads (used after every
// other): the resolvers see the buffer it puts in the context, and the error
// it makes passes through the outer ones (error limits, telemetry).
type AuditFlush struct{ r *Resolver }

// AuditFlush returns the extension for r's audit log.
func (r *Resolver) AuditFlush() AuditFlush { return AuditFlush{r} }

// ExtensionName names the extension for gqlgen.
func (AuditFlush) ExtensionName() string { return "AuditFlush" }

// Validate accepts every schema.
func (AuditFlush) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptResponse runs the operation with a fresh buffer, then writes what
// it holds.
func (a AuditFlush) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	buf := &auditBuffer{}
	resp := next(context.WithValue(ctx, auditBufferKey{}, buf))
	recs := buf.take()
	if resp == nil || len(recs) == 0 {
		// nil: the caller went away before anything was answered.
		return resp
	}
	op := recs[0].Operation
	if err := a.r.writeAudit(ctx, op, recs); err != nil {
		// AddError presents err as every other error (code, language);
		// the presented form is the last of the context's errors.
		graphql.AddError(ctx, err)
		errs := graphql.GetErrors(ctx)
		return &graphql.Response{Errors: gqlerror.List{errs[len(errs)-1]}}
	}
	return resp
}

func truncateRunes(s string, n int) string {
	rs := []rune(s)
	if len(rs) > n {
		return string(rs[:n])
	}
	return s
}
