package resolvers

import (
	"context"
	"encoding/base64"

	"certgraph/graph/model"
	"certgraph/models"
)

// canonicalInput gathers what digitalSign covers, through the request's loaders.
func (r *Resolver) canonicalInput(ctx context.Context, c *models.Certificate) (models.CanonicalInput, error) {
	l := r.loadersOf(ctx)
	h, err := mustFind[models.Holder]("holder", "")(l.holderByID.Load(ctx, c.HolderID))
	if err != nil {
		return models.CanonicalInput{}, err
	}
	d, err := mustFind[models.Department]("department", c.IssueDeptCode)(l.dept.Load(ctx, c.IssueDeptCode))
	if err != nil {
		return models.CanonicalInput{}, err
	}
	ss, err := l.surfacesByCert.Load(ctx, c.ID)
	if err != nil {
		return models.CanonicalInput{}, err
	}
	return models.CanonicalInput{Certificate: c, Holder: h, Department: d, Surfaces: ss}, nil
}

// DigitalSign signs the certificate's canonical form with the platform's
// SM2 key at the moment of reading, so it always covers the data served.
func (r *certificateResolver) DigitalSign(ctx context.Context, c *models.Certificate) (string, error) {
	if c.Remote != nil {
		return c.Remote.DigitalSign, nil // the owner's signature, as it made it
	}
	in, err := r.canonicalInput(ctx, c)
	if err != nil {
		return "", err
	}
	sig, err := r.trust.Keys.Sign(models.CanonicalForm(in))
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}

// WellKnownKeyPath is where the platform's public key is published.
const WellKnownKeyPath = "/.well-known/certgraph/signing-key.pem"

func (q *queryResolver) PlatformKey(ctx context.Context) (*model.PlatformKey, error) {
	base, err := q.baseURL(ctx)
	if err != nil {
		return nil, err
	}
	return &model.PlatformKey{
		Algorithm:      "SM2 with SM3 (GM/T 0003, GM/T 0004), default user ID 1234567812345678, ASN.1 DER signatures",
		PublicKeyPem:   string(q.trust.Keys.PublicKeyPEM()),
		CertificatePem: string(q.trust.Keys.CertificatePEM()),
		CanonicalForm:  models.CanonicalFormDoc,
		WellKnownURL:   base + WellKnownKeyPath,
	}, nil
}
