package resolvers

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"time"

	"certgraph/graph/model"
	"certgraph/internal/barcode"
	"certgraph/internal/gmcrypto"
	"certgraph/models"
)

// encryptedID seals a certificate identifier for showing (亮证, 6.4.3).
func (r *Resolver) encryptedID(ctx context.Context, certID string) (*model.EncryptedID, error) {
	base, err := r.baseURL(ctx)
	if err != nil {
		return nil, err
	}
	now := r.cfg.Now()
	tok, err := r.trust.Sealer.SealForRegion(r.cfg.Region, certID, now)
	if err != nil {
		return nil, err
	}
	return &model.EncryptedID{EncryptedID: tok, ExpiresAt: now.Add(r.trust.Sealer.Lifetime()).UTC().Truncate(time.Second), VerifyURL: base + "/v/" + tok}, nil
}

func (r *certificateResolver) EncryptedID(ctx context.Context, c *models.Certificate) (*model.EncryptedID, error) {
	if c.Remote != nil {
		return r.remoteEncryptedID(ctx, c) // only the owner seals its certificates
	}
	return r.encryptedID(ctx, c.ID)
}

func (q *queryResolver) EncryptedIds(ctx context.Context, holderCode string, holderType, number *string, useFor *models.UseFor) ([]model.EncryptedID, error) {
	acc, err := q.require(ctx, readers...)
	if err != nil {
		return nil, err
	}
	u := models.UseShow
	if useFor != nil {
		u = *useFor
	}
	certs, err := q.holderCertificates(ctx, acc, "encryptedIds", holderCode, holderType, nil, number, u)
	if err != nil {
		return nil, err
	}
	out := make([]model.EncryptedID, 0, len(certs))
	for _, c := range certs {
		var e *model.EncryptedID
		if c.Remote != nil {
			e, err = q.remoteEncryptedID(ctx, &c)
		} else {
			e, err = q.encryptedID(ctx, c.ID)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, *e)
	}
	return out, nil
}

// openEncryptedID reads an encrypted identifier, explaining a failure.
func (r *Resolver) openEncryptedID(token string) (string, error) {
	token = strings.TrimSpace(token)
	if token == "" {
		return "", models.Errorf(models.EINVALID, "the encrypted identifier is empty")
	}
	id, _, err := r.trust.Sealer.OpenForRegion(r.cfg.Region, token, r.cfg.Now())
	switch {
	case err == nil:
		return id, nil
	case errors.Is(err, gmcrypto.ErrExpired):
		return "", models.Errorf(models.EINVALID, "the encrypted identifier has expired (%v)", err)
	case errors.Is(err, gmcrypto.ErrTampered):
		return "", models.Errorf(models.EINVALID, "the encrypted identifier was altered or forged (%v)", err)
	case errors.Is(err, gmcrypto.ErrUnknownKey):
		return "", models.Errorf(models.EINVALID, "the encrypted identifier was made with a key this platform no longer has (%v)", err)
	case errors.Is(err, gmcrypto.ErrMalformed):
		return "", models.Errorf(models.EINVALID, "the encrypted identifier is malformed or truncated (%v)", err)
	}
	return "", err
}

func (q *queryResolver) CertificateByEncryptedID(ctx context.Context, encryptedID string, useFor models.UseFor) (*models.Certificate, error) {
	acc, err := q.require(ctx, readers...)
	if err != nil {
		return nil, err
	}
	if err := useFor.Validate(); err != nil {
		return nil, err
	}
	region, err := q.whereToken(ctx, encryptedID)
	if err != nil {
		return nil, err
	}
	if region != q.cfg.Region {
		token := strings.TrimSpace(encryptedID)
		return q.remoteForRead(ctx, acc, "certificateByEncryptedId", region, "(encrypted "+token[:2]+")", useFor, func() (*models.Certificate, error) {
			return q.remoteByToken(ctx, region, token, useFor)
		})
	}
	id, err := q.openEncryptedID(encryptedID)
	if err != nil {
		return nil, models.Invalid("encryptedId", "is not valid: %s", err)
	}
	return q.certificateForRead(ctx, acc, "certificateByEncryptedId", id, useFor)
}

func (q *queryResolver) CodeImage(ctx context.Context, encryptedID string, codeType *models.CodeType) (*model.CodeImage, error) {
	if _, err := q.require(ctx, readers...); err != nil {
		return nil, err
	}
	if region, err := q.whereToken(ctx, encryptedID); err != nil {
		return nil, err
	} else if region == q.cfg.Region {
		if _, err := q.openEncryptedID(encryptedID); err != nil {
			return nil, models.Invalid("encryptedId", "is not valid: %s", err)
		}
	} // another region's token: its owner checks it when the code is scanned (/v/ routes by prefix)
	kind := models.CodeQR
	if codeType != nil {
		kind = *codeType
	}
	base, err := q.baseURL(ctx)
	if err != nil {
		return nil, err
	}
	payload := base + "/v/" + strings.TrimSpace(encryptedID)
	png, err := barcode.Encode(barcode.Kind(kind), payload, barcode.Options{})
	if err != nil {
		return nil, models.Invalid("encryptedId", "cannot be drawn as %s: %v", kind, err)
	}
	return &model.CodeImage{CodeType: kind, Payload: payload, Png: base64.StdEncoding.EncodeToString(png)}, nil
}

// verifyEncrypted is 6.5.3 as plain Go, shared by the graph and the public
// page: the verification (its Reason left for the caller to render) and why.
func (r *Resolver) verifyEncrypted(ctx context.Context, token string) (*model.Verification, models.Text, *models.Certificate, error) {
	region, err := r.whereToken(ctx, token)
	if err != nil {
		var derr *models.Error
		if models.ErrorCode(err) == models.EINVALID && errors.As(err, &derr) {
			return &model.Verification{Result: false, Matches: []model.VerificationMatch{}}, models.Say("%s", derr), nil, nil
		}
		return nil, models.Text{}, nil, err
	}
	if region != r.cfg.Region {
		c, err := r.remoteByToken(ctx, region, strings.TrimSpace(token), models.UseVerification)
		var derr *models.Error
		switch {
		case (models.ErrorCode(err) == models.EINVALID || models.ErrorCode(err) == models.ENOTFOUND) && errors.As(err, &derr):
			// The owner's "invalid or expired" is an answer, not a failure of the link.
			return &model.Verification{Result: false, Matches: []model.VerificationMatch{}}, models.Say("%s", derr), nil, nil
		case err != nil:
			return nil, models.Text{}, nil, err
		case c == nil:
			return &model.Verification{Result: false, Matches: []model.VerificationMatch{}}, models.Say("the certificate no longer exists"), nil, nil
		}
		v, why := r.judge(ctx, c)
		v.Matches = []model.VerificationMatch{{CertificateID: c.ID, Status: *v.Status, Result: v.Result, Reason: v.Reason}}
		return v, why, c, nil
	}
	id, err := r.openEncryptedID(token)
	if err != nil {
		var derr *models.Error
		if !errors.As(err, &derr) {
			return nil, models.Text{}, nil, err
		}
		return &model.Verification{Result: false, Matches: []model.VerificationMatch{}}, models.Say("%s", derr), nil, nil
	}
	c, err := r.certificateByID(ctx, id)
	if err != nil {
		return nil, models.Text{}, nil, err
	}
	if c == nil {
		return &model.Verification{Result: false, CertificateID: &id, Matches: []model.VerificationMatch{}}, models.Say("the certificate no longer exists"), nil, nil
	}
	v, why := r.judge(ctx, c)
	v.Matches = []model.VerificationMatch{{CertificateID: c.ID, Status: *v.Status, Result: v.Result, Reason: v.Reason}}
	return v, why, c, nil
}

// judge says whether a certificate is valid today, and why not; the
// verification's Reason is why in the request's language.
func (r *Resolver) judge(ctx context.Context, c *models.Certificate) (*model.Verification, models.Text) {
	st := c.Status(r.today())
	id := c.ID
	var why models.Text
	switch st {
	case models.StatusValid:
		why = models.Say("the certificate is valid")
	case models.StatusRevoked:
		why = models.Say("the certificate was revoked on %s: %s", models.DayOf(*c.RevokedAt), c.RevokeReason)
	case models.StatusExpired:
		why = models.Say("the certificate expired on %s", *c.ValidUntil)
	case models.StatusNotYetValid:
		why = models.Say("the certificate is valid only from %s", c.ValidFrom)
	}
	return &model.Verification{Result: st == models.StatusValid, CertificateID: &id, Status: &st, Reason: r.say(ctx, why), Matches: []model.VerificationMatch{}}, why
}

func (q *queryResolver) VerifyEncryptedID(ctx context.Context, encryptedID string) (*model.Verification, error) {
	acc, err := q.require(ctx, readers...)
	if err != nil {
		return nil, err
	}
	v, why, c, err := q.verifyEncrypted(ctx, encryptedID)
	if err != nil {
		return nil, err
	}
	v.Reason = q.say(ctx, why)
	subject := "(undecryptable)"
	if c != nil {
		subject = c.ID
	}
	return v, q.audit(ctx, acc, "verifyEncryptedId", models.UseVerification, outcomeOf(v.Result), why.String(), subject)
}

func outcomeOf(ok bool) string {
	if ok {
		return models.OutcomeOK
	}
	return models.OutcomeInvalid
}
