package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"certgraph/internal/keys"
	"certgraph/internal/national"
	"certgraph/internal/store"
	"certgraph/models"
	"certgraph/resolvers"
)

// reconcileEvery is how often a joined node compares its directory with the hub's.
const reconcileEvery = 5 * time.Minute

// newNational wires national dispatch for the mode: at the hub, calls to
// registered nodes with the credentials they registered; at a node with a
// hub, calls to the hub with this node's account there.
func newNational(cfg *config, db *store.DB, trust *keys.Trust) (*resolvers.National, error) {
	n := &resolvers.National{Settings: cfg.National}
	s := cfg.National
	if s.Mode != national.ModeHub && !s.Dispatching() {
		return n, nil
	}
	d := national.NewDispatcher(s)
	d.Hub = func(context.Context) (national.Target, error) {
		return national.Target{Region: national.HubRegion, URL: s.NationalURL, AccountID: s.AccountID, Token: s.Token}, nil
	}
	d.Node = func(ctx context.Context, region string) (national.Target, error) {
		return db.NodeTarget(ctx, trust.Secrets, region)
	}
	n.Dispatcher = d
	if s.Mode == national.ModeHub {
		dg, err := national.NewHolderDigester(trust.HolderDigestKey)
		if err != nil {
			return nil, fmt.Errorf("holder digest key: %w", err)
		}
		n.SetDigester(dg)
	}
	return n, nil
}

// nodeOutbox is the node's outbox and directory over the store, for the publisher.
type nodeOutbox struct {
	db  *store.DB
	nat *resolvers.National
}

func (o nodeOutbox) Pending(ctx context.Context, limit int) ([]national.OutboxItem, error) {
	return o.db.PendingOutbox(ctx, limit)
}
func (o nodeOutbox) Done(ctx context.Context, seqs []int64) error {
	return o.db.DeleteOutbox(ctx, seqs)
}
func (o nodeOutbox) Backlog(ctx context.Context) (int64, error) { return o.db.OutboxBacklog(ctx) }
func (o nodeOutbox) Entries(ctx context.Context, ids []string) ([]national.Entry, error) {
	dg := o.nat.Digester()
	if dg == nil {
		return nil, fmt.Errorf("not joined: no holder digest key from the hub yet")
	}
	return o.db.LocalDirectoryEntries(ctx, dg, ids)
}
func (o nodeOutbox) Versions(ctx context.Context, from string, limit int) ([]national.Version, error) {
	return o.db.LocalDirectoryVersions(ctx, from, limit)
}

// startNational starts a node's background link to the hub: join (again at
// every start), then publish the outbox and reconcile at once and every
// reconcileEvery. Local reads and writes never wait for any of it.
func startNational(ctx context.Context, a *app) {
	s := a.cfg.National
	n := a.national
	out := nodeOutbox{db: a.store, nat: n}
	if s.Mode == national.ModeHub {
		return
	}
	n.SetStatus(func() national.PublishStatus { return national.PublishStatus{} }, out.Backlog)
	if !s.Dispatching() {
		return
	}
	hub := &national.RemoteDirectory{Client: n.Dispatcher.Client, Target: n.Dispatcher.Hub, AccountID: s.AccountID, Timeout: max(s.Timeout, 30*time.Second)}
	pub := &national.Publisher{Region: s.Region, Outbox: out, Source: out, Hub: hub, Batch: national.MaxBatch, Log: a.log}
	n.SetStatus(pub.Status, out.Backlog)
	register := func(ctx context.Context) error {
		cred, err := a.resolver.EnsureHubAccount(ctx)
		if err != nil {
			return err
		}
		_, dg, err := n.Dispatcher.Register(ctx, national.Registration{URL: s.PublicURL, SigningCertificatePem: string(a.keys.Keys.CertificatePEM()),
			AccountID: cred.AccountID, AccessToken: cred.Token})
		if err != nil {
			return err
		}
		n.SetDigester(dg)
		return nil
	}
	go func() {
		if err := national.JoinLoop(ctx, register, func() {}, time.Second, 30*time.Second, a.log); err != nil {
			return
		}
		n.SetJoined()
		a.log.Info("national: joined the hub", "hub", s.NationalURL, "region", s.Region)
		go pub.Run(ctx)
		for {
			if rep, err := national.Reconcile(ctx, out, hub, 0, a.log); err != nil {
				a.log.Warn("national: reconciliation failed", "err", err)
			} else if rep.Differing > 0 {
				a.log.Info("national: reconciliation repaired the hub's directory", "report", fmt.Sprintf("%+v", rep))
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(reconcileEvery):
			}
			// Registering again refreshes the hub's copy of the credentials
			// (rotated here before they expire) and the node's last-seen time.
			if err := register(ctx); err != nil {
				a.log.Warn("national: registering again with the hub failed", "err", err)
			}
		}
	}()
}

// keyDirectory is the hub's key directory: the registered nodes' signing
// certificates by region and key id, and the hub's own as region 00.
func keyDirectory(a *app) http.Handler {
	return national.KeyDirectoryHandler(func(ctx context.Context, region, keyID string) (string, error) {
		if region == national.HubRegion {
			if keyID != "" && keyID != a.keys.Keys.KeyID() {
				return "", models.Errorf(models.ENOTFOUND, "no signing key %q for region %s", keyID, region)
			}
			return string(a.keys.Keys.CertificatePEM()), nil
		}
		k, err := a.store.NodeKey(ctx, region, keyID)
		if err != nil {
			return "", err
		}
		return k.CertificatePEM, nil
	}, a.log)
}

// cmdNational runs `certgraph national status`: this process's view of its
// link to the hub, read from the database (the backlog) and the flags.
func cmdNational(ctx context.Context, cfg *config, log *slog.Logger, args []string, stdout io.Writer) error {
	if len(args) != 1 || args[0] != "status" {
		return fmt.Errorf("usage: certgraph national status")
	}
	a, err := open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.close()
	s := cfg.National
	fmt.Fprintf(stdout, "mode:    %s\nregion:  %s\n", s.Mode, s.Region)
	switch {
	case s.Mode == national.ModeHub:
		nodes, err := a.store.ListNodes(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "nodes:   %d\n", len(nodes))
		for _, n := range nodes {
			seen := "never"
			if n.LastSeenAt != nil {
				seen = n.LastSeenAt.Format(time.RFC3339)
			}
			fmt.Fprintf(stdout, "  %s  %-30s  keys %v  directory %d  last seen %s\n", n.Region, n.URL, n.KeyIDs, n.DirectorySize, seen)
		}
		return nil
	case !s.Dispatching():
		fmt.Fprintf(stdout, "hub:     none (--national-url not set: other provinces' certificates answer UNAVAILABLE)\n")
	default:
		fmt.Fprintf(stdout, "hub:     %s (account %s)\n", s.NationalURL, s.AccountID)
		cred, err := a.store.LoadHubCredential(ctx, a.keys.Secrets)
		if err != nil {
			return err
		}
		if cred == nil {
			fmt.Fprintf(stdout, "joined:  no (no account for the hub made yet)\n")
		} else {
			fmt.Fprintf(stdout, "joined:  account %s for the hub, valid until %s\n", cred.AccountID, cred.ExpiresAt.Format(time.RFC3339))
		}
	}
	backlog, err := a.store.OutboxBacklog(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backlog: %d directory changes not yet published\n", backlog)
	return nil
}
