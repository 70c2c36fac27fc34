package resolvers

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
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
	tok, err := r.trust.Sealer.Seal(certID, now)
	if err != nil {
		return nil, err
	}
	return &model.EncryptedID{EncryptedID: tok, ExpiresAt: now.Add(r.trust.Sealer.Lifetime()).UTC().Truncate(time.Second), VerifyURL: base + "/v/" + tok}, nil
}

func (r *certificateResolver) EncryptedID(ctx context.Context, c *models.Certificate) (*model.EncryptedID, error) {
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
		e, err := q.encryptedID(ctx, c.ID)
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
		return "", fmt.Errorf("the encrypted identifier is empty (%w)", gmcrypto.ErrMalformed)
	}
	id, _, err := r.trust.Sealer.Open(token, r.cfg.Now())
	switch {
	case err == nil:
		return id, nil
	case errors.Is(err, gmcrypto.ErrExpired):
		return "", fmt.Errorf("the encrypted identifier has expired (%w)", err)
	case errors.Is(err, gmcrypto.ErrTampered):
		return "", fmt.Errorf("the encrypted identifier was altered or forged (%w)", err)
	case errors.Is(err, gmcrypto.ErrUnknownKey):
		return "", fmt.Errorf("the encrypted identifier was made with a key this platform no longer has (%w)", err)
	case errors.Is(err, gmcrypto.ErrMalformed):
		return "", fmt.Errorf("the encrypted identifier is malformed or truncated (%w)", err)
	}
	return "", err
}

func (q *queryResolver) CertificateByEncryptedID(ctx context.Context, encryptedID string, useFor models.UseFor) (*models.Certificate, error) {
	acc, err := q.require(ctx, readers...)
	if err != nil {
		return nil, err
	}
	id, err := q.openEncryptedID(encryptedID)
	if err != nil {
		return nil, models.Invalid("encryptedId", "%s", err.Error())
	}
	return q.certificateForRead(ctx, acc, "certificateByEncryptedId", id, useFor)
}

func (q *queryResolver) CodeImage(ctx context.Context, encryptedID string, codeType *models.CodeType) (*model.CodeImage, error) {
	if _, err := q.require(ctx, readers...); err != nil {
		return nil, err
	}
	if _, err := q.openEncryptedID(encryptedID); err != nil {
		return nil, models.Invalid("encryptedId", "%s", err.Error())
	}
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

// verifyEncrypted is 6.5.3 as plain Go, shared by the graph and the public page.
func (r *Resolver) verifyEncrypted(ctx context.Context, token string) (*model.Verification, *models.Certificate, error) {
	id, err := r.openEncryptedID(token)
	if err != nil {
		return &model.Verification{Result: false, Reason: err.Error()}, nil, nil
	}
	c, err := r.certificateByID(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if c == nil {
		return &model.Verification{Result: false, Reason: "the certificate no longer exists", CertificateID: &id}, nil, nil
	}
	v := r.judge(c)
	return v, c, nil
}

// judge says whether a certificate is valid today, and why not.
func (r *Resolver) judge(c *models.Certificate) *model.Verification {
	st := c.Status(r.today())
	id := c.ID
	v := &model.Verification{Result: st == models.StatusValid, CertificateID: &id, Status: &st}
	switch st {
	case models.StatusValid:
		v.Reason = "the certificate is valid"
	case models.StatusRevoked:
		v.Reason = fmt.Sprintf("the certificate was revoked on %s: %s", c.RevokedAt.In(chinaTime).Format("2006-01-02"), c.RevokeReason)
	case models.StatusExpired:
		v.Reason = "the certificate expired on " + c.ValidUntil.String()
	case models.StatusNotYetValid:
		v.Reason = "the certificate is valid only from " + c.ValidFrom.String()
	}
	return v
}

func (q *queryResolver) VerifyEncryptedID(ctx context.Context, encryptedID string) (*model.Verification, error) {
	acc, err := q.require(ctx, readers...)
	if err != nil {
		return nil, err
	}
	v, c, err := q.verifyEncrypted(ctx, encryptedID)
	if err != nil {
		return nil, err
	}
	subject := "(undecryptable)"
	if c != nil {
		subject = c.ID
	}
	return v, q.audit(ctx, acc, "verifyEncryptedId", models.UseVerification, outcomeOf(v.Result), v.Reason, subject)
}

func outcomeOf(ok bool) string {
	if ok {
		return models.OutcomeOK
	}
	return models.OutcomeInvalid
}
