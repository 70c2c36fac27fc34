package resolvers

import (
	"context"
	"errors"
	"strings"

	"certgraph/internal/gmcrypto"
	"certgraph/internal/ident"
	"certgraph/internal/reqinfo"
	"certgraph/models"
)

// PublicVerification is what the public verification page shows about an
// encrypted identifier: valid or not, why (in Chinese), and — when the
// certificate was found — its masked details only (anyone may hold a code).
type PublicVerification struct {
	// Province names the platform's province (e.g. 四川省).
	Province                           string
	Valid, Found                       bool
	Reason                             string
	Type, Holder, Code, Dept, Validity string
}

// publicReasonZH says in plain Chinese why a code does not verify; the
// internal (English) detail is for the audit record only.
func publicReasonZH(openErr error) string {
	switch {
	case openErr == nil:
		return "核验码对应的证照已不存在"
	case errors.Is(openErr, gmcrypto.ErrExpired):
		return "核验码已过期，请持证人重新出示"
	case errors.Is(openErr, gmcrypto.ErrMalformed):
		return "核验码不完整或已损坏，请重新扫码"
	}
	return "核验码无效，不是本平台签发的有效核验码"
}

// sealerError is why token does not open (nil when it does): the sealer's
// own error, which says whether the token is malformed, expired or forged.
func (r *Resolver) sealerError(token string) error {
	token = strings.TrimSpace(token)
	if token == "" {
		return gmcrypto.ErrMalformed
	}
	// OpenForRegion checks the syntax of both token versions first.
	_, _, err := r.trust.Sealer.OpenForRegion(r.cfg.Region, token, r.cfg.Now())
	return err
}

var reasonsZH = map[models.CertificateStatus]string{
	models.StatusValid: "证照在有效期内，未被注销", models.StatusRevoked: "证照已被注销",
	models.StatusExpired: "证照已超过有效期", models.StatusNotYetValid: "证照尚未生效",
}

// VerifyPublic is GET /v/{encryptedId} as plain Go: 6.5.3 for anyone
// holding a code, without an account, audited on the public channel.
func (r *Resolver) VerifyPublic(ctx context.Context, token string) (*PublicVerification, error) {
	if errors.Is(r.sealerError(token), gmcrypto.ErrMalformed) {
		// Not even the shape of a code: nothing was looked up, so nothing
		// is audited (the per-address rate limit bounds such requests).
		return &PublicVerification{Province: r.cfg.RegionName, Reason: publicReasonZH(gmcrypto.ErrMalformed)}, nil
	}
	if stateOf(ctx) == nil {
		ctx = r.WithRequest(ctx, reqinfo.RequestInfo{Channel: models.ChannelPublic, Lang: models.Chinese})
	}
	v, why, c, err := r.verifyEncrypted(ctx, token)
	if err != nil {
		return nil, err
	}
	view := &PublicVerification{Province: r.cfg.RegionName, Valid: v.Result}
	if c == nil {
		view.Reason = publicReasonZH(r.sealerError(token))
	}
	subject := "(undecryptable)"
	if c != nil {
		subject = c.ID
		view.Reason = reasonsZH[c.Status(r.today())]
		var ct *models.CertificateType
		var h *models.Holder
		var d *models.Department
		if c.Remote != nil {
			ct, h, d = &c.Remote.Type, &c.Remote.Holder, &c.Remote.Dept
		} else {
			l := r.newLoaders()
			ct, _ = notFoundAsNil(l.certType.Load(ctx, c.TypeCode))
			h, _ = notFoundAsNil(l.holderByID.Load(ctx, c.HolderID))
			d, _ = notFoundAsNil(l.dept.Load(ctx, c.IssueDeptCode))
		}
		view.Found = ct != nil && h != nil && d != nil
		if view.Found {
			view.Type, view.Holder, view.Code, view.Dept = ct.Name, ident.MaskName(h.Name), ident.MaskCode(h.Code), d.Name
			end := "长期"
			if c.ValidUntil != nil {
				end = c.ValidUntil.Spec()
			}
			view.Validity = c.ValidFrom.Spec() + " 至 " + end
		}
	}
	if err := r.auditAs(ctx, nil, models.ChannelPublic, "publicVerify", models.UseVerification, outcomeOf(v.Result), why.String(), subject); err != nil {
		return nil, err
	}
	return view, nil
}
