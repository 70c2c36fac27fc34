package resolvers

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"certgraph/internal/metrics"
	"certgraph/internal/national"
	"certgraph/models"
)

// National is the resolvers' link to other regions: the dispatcher for the
// mode (nil when the process never dispatches: a node without a hub), and
// what joining the hub taught this node.
type National struct {
	Settings   national.Settings
	Dispatcher *national.Dispatcher

	hubAccount atomic.Pointer[string]                  // node: the account the hub calls this node with
	digester   atomic.Pointer[national.HolderDigester] // hub: its own; node: the hub's, once joined
	joined     atomic.Bool

	regMu   sync.Mutex
	regAt   time.Time
	regions map[string]bool
	status  func() national.PublishStatus
	backlog func(ctx context.Context) (int64, error)
}

// SetHubAccount records the account this node made for the hub: the only
// NODE account whose inter-node headers a node honours (bound to 00).
func (n *National) SetHubAccount(id string) { n.hubAccount.Store(&id) }

// SetDigester sets the holder digester (the hub's key).
func (n *National) SetDigester(d *national.HolderDigester) { n.digester.Store(d) }

// Digester returns the holder digester, nil before a node joined.
func (n *National) Digester() *national.HolderDigester { return n.digester.Load() }

// SetJoined records that the node registered with the hub.
func (n *National) SetJoined() { n.joined.Store(true) }

// SetStatus tells nationalStatus where the publisher's state and the
// outbox's backlog are.
func (n *National) SetStatus(status func() national.PublishStatus, backlog func(context.Context) (int64, error)) {
	n.status, n.backlog = status, backlog
}

// registered reports whether region has a registered node (hub), from a
// list refreshed at most every two seconds.
func (r *Resolver) registered(ctx context.Context, region string) bool {
	n := r.nat
	n.regMu.Lock()
	defer n.regMu.Unlock()
	if n.regions == nil || time.Since(n.regAt) > 2*time.Second {
		rs, err := r.store.RegisteredRegions(ctx)
		if err != nil {
			r.log.WarnContext(ctx, "national: listing registered nodes failed", "err", err)
			return n.regions[region]
		}
		n.regions = map[string]bool{}
		for _, x := range rs {
			n.regions[x] = true
		}
		n.regAt = time.Now()
	}
	return n.regions[region]
}

// hubMode reports whether this process is the national hub.
func (r *Resolver) hubMode() bool { return r.nat != nil && r.nat.Settings.Mode == national.ModeHub }

// hopOf is the national context of the request (computed once): the
// inter-node headers are honoured only from NODE accounts, and a forged or
// looping chain refuses the request.
func (r *Resolver) hopOf(ctx context.Context) (national.Hop, error) {
	st := stateOf(ctx)
	if st == nil {
		return national.Hop{}, models.Errorf(models.EINTERNAL, "request has no state")
	}
	st.hopOnce.Do(func() {
		caller := national.Caller{}
		acc, _ := r.caller(ctx)
		if acc != nil {
			caller.AccountID = acc.ID
			caller.Node = acc.Has(models.RoleNode)
		} else {
			caller.AccountID = "public"
		}
		if caller.Node {
			switch {
			case r.hubMode():
				region, err := r.store.NodeRegion(ctx, acc.ID)
				if err != nil {
					st.hopErr = err
					return
				}
				caller.Region = region
			case r.nat != nil && r.nat.hubAccount.Load() != nil && *r.nat.hubAccount.Load() == acc.ID:
				caller.Region = national.HubRegion
			}
		}
		timeout := national.DefaultTimeout
		if r.nat != nil {
			timeout = r.nat.Settings.Timeout
		}
		hop, err := national.Inbound(st.National, caller, r.cfg.Region, r.cfg.Now(), timeout)
		if err != nil {
			st.hopErr = models.Errorf(models.EFORBIDDEN, "%s", err.Error())
			return
		}
		if st.Lang == models.Chinese {
			hop.AcceptLanguage = "zh-CN"
		}
		st.hop = hop
	})
	return st.hop, st.hopErr
}

// send forwards one read to region (as where named it) and decodes the
// answer's data into out; errors are domain errors (a *national.RegionError
// for a failed link, the remote's own NOT_FOUND/BAD_USER_INPUT/… as the same
// code here). partial answers (data plus errors) come back with resp. In a
// direct read that was handed back to gqlgen, a read its attempt sent is
// answered from the attempt's record instead (dispatchReplay).
func (r *Resolver) send(ctx context.Context, region string, req national.Request, out any) (*national.Response, error) {
	if r.nat == nil || r.nat.Dispatcher == nil {
		return nil, &national.RegionError{Region: national.HubRegion, Reason: "this node is not configured to reach it (no --national-url)"}
	}
	replay, key := dispatchReplayOf(ctx), ""
	if replay != nil {
		key = replayKey(region, req)
		if got, ok := replay.take(key); ok {
			return got.answer(out)
		}
	}
	resp, err := r.sendNow(ctx, region, req, out)
	if replay != nil {
		replay.record(key, resp, err)
	}
	return resp, err
}

// sendNow is send without the replay of a direct-read attempt's reads.
func (r *Resolver) sendNow(ctx context.Context, region string, req national.Request, out any) (*national.Response, error) {
	hop, err := r.hopOf(ctx)
	if err != nil {
		return nil, err
	}
	d := r.nat.Dispatcher
	start := time.Now()
	resp, err := d.Send(ctx, hop, region, req, out)
	r.metrics.ObserveNationalCall(region, nationalOutcome(resp, err), time.Since(start))
	if err != nil {
		switch {
		case errors.Is(err, national.ErrNoRedispatch), errors.Is(err, national.ErrLoop), errors.Is(err, national.ErrForgedVia):
			return nil, models.Errorf(models.EFORBIDDEN, "%s", err.Error())
		}
		return nil, err
	}
	return resp, nil
}

// route describes a dispatched read for the audit: "via 00 → 50".
func (r *Resolver) route(region, owner string) string {
	if r.hubMode() || region == owner || owner == "" {
		return "via " + region
	}
	return "via " + region + " → " + owner
}

// useForName is the GraphQL enum name of u, for variables of dispatched reads.
func useForName(u models.UseFor) string {
	return map[models.UseFor]string{models.UseShared: "SHARED_APPLICATION", models.UseShow: "SHOW", models.UseVerification: "VERIFICATION", models.UseOther: "OTHER"}[u]
}

// issuingRegion is the province of a certificate id, "" if unreadable.
func issuingRegion(id string) string {
	r, _ := national.IssuingRegion(id)
	return r
}

// nationalOutcome classifies a dispatched call for the metrics.
func nationalOutcome(resp *national.Response, err error) metrics.NationalOutcome {
	var re *national.RegionError
	switch {
	case err == nil && resp != nil && resp.Err() == nil:
		return metrics.NationalOK
	case err == nil && resp != nil && models.ErrorCode(resp.Err()) == models.ENOTFOUND:
		return metrics.NationalNotFound
	case err == nil:
		return metrics.NationalRefused
	case errors.Is(err, context.DeadlineExceeded):
		return metrics.NationalTimeout
	case errors.As(err, &re) && (strings.Contains(re.Reason, "nonsense") || strings.Contains(re.Reason, "shape") || strings.Contains(re.Reason, "not a GraphQL") || strings.Contains(re.Reason, "instead of")):
		return metrics.NationalBadAnswer
	case errors.As(err, &re):
		return metrics.NationalUnavailable
	}
	return metrics.NationalRefused
}
