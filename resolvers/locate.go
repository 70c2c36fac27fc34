package resolvers

import (
	"context"
	"errors"
	"strings"

	"certgraph/internal/national"
	"certgraph/models"
)

// locate is the one seam that decides where a read is answered (spec 5.3):
// a certificate belongs to the issuing province of its identifier
// (characters 3–4 of the issuer code). At a node: here, or else the hub.
// At the hub: the registered node of that province, else the hub itself.
// An encrypted identifier is routed by the owner's region in its clear
// prefix. Every read path calls where or whereToken, then either reads its
// own database or sends the read with send (national.go).

// where returns the region that answers a read of certificate id here:
// r.cfg.Region when this process owns it.
func (r *Resolver) where(ctx context.Context, id string) (string, error) {
	if r.hubMode() {
		return national.Owner(id, national.RegistryFunc(func(region string) bool { return r.registered(ctx, region) }))
	}
	route, err := national.Locate(id, r.cfg.Region)
	if err != nil {
		return "", models.Invalid("id", "%s", err.Error())
	}
	if route == national.RouteLocal {
		return r.cfg.Region, nil
	}
	return national.HubRegion, nil
}

// whereToken is where for an encrypted identifier (its clear region prefix).
func (r *Resolver) whereToken(ctx context.Context, token string) (string, error) {
	if r.nat == nil || r.nat.Dispatcher == nil {
		return r.cfg.Region, nil
	}
	d := r.nat.Dispatcher
	if r.hubMode() {
		d.Nodes = national.RegistryFunc(func(region string) bool { return r.registered(ctx, region) })
	}
	region, err := d.WhereToken(strings.TrimSpace(token))
	if err != nil {
		var re *national.RegionError
		if errors.As(err, &re) {
			return "", err
		}
		return "", models.Invalid("encryptedId", "the encrypted identifier is malformed: %v", err)
	}
	return region, nil
}
