package resolvers

import (
	"context"
	"time"

	"certgraph/models"
)

// audit records reads of certificate data: one record per subject, written
// (group-committed with concurrent reads' records, see store.AuditLog) before
// the answer leaves. A read whose record cannot be written fails: no read
// goes unrecorded.
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
	// The wait for the batch that carries these records to commit.
	start := time.Now()
	err := r.auditLog.Append(ctx, recs)
	r.metrics.ObserveAuditWrite(len(recs), err, time.Since(start))
	if err != nil {
		r.log.ErrorContext(ctx, "audit write failed", "err", err, "operation", op)
		return models.Errorf(models.EUNAVAILABLE, "the access audit cannot be written; the read was refused")
	}
	return nil
}

func truncateRunes(s string, n int) string {
	rs := []rune(s)
	if len(rs) > n {
		return string(rs[:n])
	}
	return s
}
