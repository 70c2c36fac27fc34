package resolvers

import (
	"context"
	"encoding/base64"

	"certgraph/graph/model"
	"certgraph/internal/cache"
	"certgraph/internal/gmcrypto"
	"certgraph/models"
)

// canonicalInput gathers what digitalSign covers, as the certificate's
// other fields read it: the holder from the node cache or the request's
// loader (holderOf; the loader alone waited its 2 ms batching window on
// every read of a cached certificate), the department from the catalogue.
func (r *Resolver) canonicalInput(ctx context.Context, c *models.Certificate) (models.CanonicalInput, error) {
	l := r.loadersOf(ctx)
	h, err := r.holderOf(ctx, c)
	if err != nil {
		return models.CanonicalInput{}, err
	}
	d, err := mustFind[models.Department]("department", c.IssueDeptCode)(l.dept.Load(ctx, c.IssueDeptCode))
	if err != nil {
		return models.CanonicalInput{}, err
	}
	ss := c.Surfaces // loaded with the certificate (certificateByID)
	if ss == nil {
		if ss, err = l.surfacesByCert.Load(ctx, c.ID); err != nil {
			return models.CanonicalInput{}, err
		}
	}
	return models.CanonicalInput{Certificate: c, Holder: h, Department: d, Surfaces: ss}, nil
}

// DigitalSign signs the certificate's canonical form with the platform's
// SM2 key, so it always covers the data served. A signature is made once per
// version of the certificate and kept in the node cache under the SM3 digest
// of the canonical form it covers: any change to what is signed is another
// key, so a kept signature can never cover other data.
func (r *certificateResolver) DigitalSign(ctx context.Context, c *models.Certificate) (string, error) {
	if c.Remote != nil {
		return c.Remote.DigitalSign, nil // the owner's signature, as it made it
	}
	in, err := r.canonicalInput(ctx, c)
	if err != nil {
		return "", err
	}
	form := models.CanonicalForm(in)
	key := cache.SignatureKey(gmcrypto.SM3Hex(form))
	if v, ok := r.cache.Get(key); ok {
		return v.(string), nil
	}
	gen := r.cache.Generation(key)
	sig, err := r.trust.Keys.Sign(form)
	if err != nil {
		return "", err
	}
	out := base64.StdEncoding.EncodeToString(sig)
	r.cache.Set(key, gen, out)
	return out, nil
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
