package national

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// BackgroundHop returns the outbound Hop for work a node of region self
// starts on its own (publishing, reconciling, registering): on behalf of
// its own hub account, with a fresh request id and deadline now+timeout.
func BackgroundHop(self, accountID string, now time.Time, timeout time.Duration) (Hop, error) {
	h := Hop{OnBehalfOf: Principal{AccountID: accountID, Region: self}, RequestID: NewRequestID(), Deadline: now.Add(timeout)}
	return h.Forward(self, HubRegion)
}

// The GraphQL operations a node sends the hub for its directory. The hub
// answers them for the calling NODE account's own region only.
const (
	publishDirectoryOp = `mutation publishDirectory($entries: [DirectoryEntryInput!]!) { publishDirectory(entries: $entries) }`
	summaryOp          = `query directorySummary($from: String, $to: String) { directorySummary(from: $from, to: $to) { count digest } }`
	versionsOp         = `query directoryVersions($from: String, $to: String, $first: Int!) { directoryVersions(from: $from, to: $to, first: $first) { id version } }`
)

// RemoteDirectory is DirectoryHub over GraphQL: the hub's directory as a
// node reaches it through Client.
type RemoteDirectory struct {
	Client    *Client
	Target    func(ctx context.Context) (Target, error) // the hub and this node's current credentials for it
	AccountID string                                    // this node's account at the hub, for On-Behalf-Of
	Timeout   time.Duration                             // deadline of one call
}

func (r *RemoteDirectory) call(ctx context.Context, op Request, out any) error {
	t, err := r.Target(ctx)
	if err != nil {
		return err
	}
	hop, err := BackgroundHop(r.Client.Self, r.AccountID, r.Client.now(), r.Timeout)
	if err != nil {
		return err
	}
	resp, err := r.Client.Do(ctx, t, hop, op, out)
	if err != nil {
		return err
	}
	return resp.Err()
}

type publishAnswer struct {
	N *int `json:"publishDirectory"`
}

func (a *publishAnswer) Validate() error {
	if a.N == nil || *a.N < 0 {
		return errors.New("publishDirectory answered no count")
	}
	return nil
}

// Publish sends one batch; it returns how many entries the hub changed.
func (r *RemoteDirectory) Publish(ctx context.Context, entries []Entry) (int, error) {
	var a publishAnswer
	if err := r.call(ctx, Request{Query: publishDirectoryOp, OperationName: "publishDirectory", Variables: map[string]any{"entries": entries}}, &a); err != nil {
		return 0, err
	}
	if *a.N > len(entries) {
		return 0, &RegionError{Region: HubRegion, Reason: fmt.Sprintf("answered nonsense: %d entries stored of %d sent", *a.N, len(entries))}
	}
	return *a.N, nil
}

type summaryAnswer struct {
	S *RangeSummary `json:"directorySummary"`
}

func (a *summaryAnswer) Validate() error {
	if a.S == nil || a.S.Count < 0 || !isHex(a.S.Digest, 64) {
		return errors.New("directorySummary answered no count and SM3 digest")
	}
	return nil
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Summary asks the hub for the count and digest of this node's entries in [from, to).
func (r *RemoteDirectory) Summary(ctx context.Context, from, to string) (RangeSummary, error) {
	var a summaryAnswer
	err := r.call(ctx, Request{Query: summaryOp, OperationName: "directorySummary", Variables: map[string]any{"from": nullable(from), "to": nullable(to)}}, &a)
	if err != nil {
		return RangeSummary{}, err
	}
	return *a.S, nil
}

type versionsAnswer struct {
	V        []Version `json:"directoryVersions"`
	from, to string
	limit    int
}

func (a *versionsAnswer) Validate() error {
	if a.V == nil {
		return errors.New("directoryVersions answered no list")
	}
	if len(a.V) > a.limit {
		return fmt.Errorf("directoryVersions answered %d versions, asked for at most %d", len(a.V), a.limit)
	}
	for i, v := range a.V {
		switch {
		case v.ID < a.from || a.to != "" && v.ID >= a.to:
			return fmt.Errorf("directoryVersions answered %q outside [%q, %q)", v.ID, a.from, a.to)
		case i > 0 && v.ID <= a.V[i-1].ID:
			return errors.New("directoryVersions answered ids out of order")
		case v.Version < 1:
			return fmt.Errorf("directoryVersions answered version %d for %s", v.Version, v.ID)
		}
	}
	return nil
}

// Versions lists up to limit of the hub's entries of this node in [from, to).
func (r *RemoteDirectory) Versions(ctx context.Context, from, to string, limit int) ([]Version, error) {
	a := versionsAnswer{from: from, to: to, limit: limit}
	err := r.call(ctx, Request{Query: versionsOp, OperationName: "directoryVersions", Variables: map[string]any{"from": nullable(from), "to": nullable(to), "first": limit}}, &a)
	if err != nil {
		return nil, err
	}
	return a.V, nil
}
