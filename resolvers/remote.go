package resolvers

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"certgraph/graph/model"
	"certgraph/internal/gmcrypto"
	"certgraph/internal/national"
	"certgraph/models"
)

// remoteFields is the selection a dispatched read asks of the owner: every
// field of a certificate, so the origin answers any selection of its caller
// from it, as it would from its own database.
const remoteFields = `id name number issueDate validFrom validUntil revokedAt revokeReason region signingKeyId digitalSign
  type { code name holderKind local surfaceTemplate { name columnName valueType } }
  holder { code name province type { code name kind } }
  issueDept { code name province }
  surfaces { name value valueType columnName }
  file { format size sm3 sha256 uploadedAt }`

// wireCertificate is a certificate as another region's GraphQL answers it.
type wireCertificate struct {
	ID           string
	Name         string
	Number       string
	IssueDate    string
	ValidFrom    string
	ValidUntil   *string
	RevokedAt    *time.Time
	RevokeReason *string
	Region       string
	SigningKeyID *string `json:"signingKeyId"`
	DigitalSign  string
	Type         struct {
		Code, Name      string
		HolderKind      models.HolderKind
		Local           bool
		SurfaceTemplate []struct{ Name, ColumnName, ValueType string }
	}
	Holder struct {
		Code, Name, Province string
		Type                 struct {
			Code, Name string
			Kind       models.HolderKind
		}
	}
	IssueDept struct{ Code, Name, Province string }
	Surfaces  []struct{ Name, Value, ValueType, ColumnName string }
	File      *struct {
		Format     string
		Size       int64
		Sm3        string
		Sha256     string
		UploadedAt time.Time
	}
}

func valueType(s string) models.SurfaceValueType {
	if strings.EqualFold(s, "picture") {
		return models.ValuePicture
	}
	return models.ValueString
}

// certificate turns the answer into a certificate whose nested parts come
// from it; an answer that cannot be one is nonsense from that region.
func (w *wireCertificate) certificate(from string) (*models.Certificate, error) {
	if w.ID == "" || !national.ValidRegion(w.Region) {
		return nil, fmt.Errorf("a certificate without id or region")
	}
	issue, err := models.ParseDate(w.IssueDate)
	if err != nil {
		return nil, fmt.Errorf("certificate %s: issueDate: %v", w.ID, err)
	}
	vf, err := models.ParseDate(w.ValidFrom)
	if err != nil {
		return nil, fmt.Errorf("certificate %s: validFrom: %v", w.ID, err)
	}
	c := &models.Certificate{ID: w.ID, TypeCode: w.Type.Code, Name: w.Name, Number: w.Number, IssueDeptCode: w.IssueDept.Code,
		IssueDate: issue, ValidFrom: vf, RevokedAt: w.RevokedAt}
	if w.ValidUntil != nil && *w.ValidUntil != "" {
		vu, err := models.ParseDate(*w.ValidUntil)
		if err != nil {
			return nil, fmt.Errorf("certificate %s: validUntil: %v", w.ID, err)
		}
		c.ValidUntil = &vu
	}
	if w.RevokeReason != nil {
		c.RevokeReason = *w.RevokeReason
	}
	rc := &models.RemoteCertificate{Region: w.Region, DigitalSign: w.DigitalSign,
		Type:       models.CertificateType{Code: w.Type.Code, Name: w.Type.Name, HolderKind: w.Type.HolderKind, Local: w.Type.Local},
		Holder:     models.Holder{Code: w.Holder.Code, Name: w.Holder.Name, Province: w.Holder.Province, TypeCode: w.Holder.Type.Code},
		HolderType: models.HolderType{Code: w.Holder.Type.Code, Name: w.Holder.Type.Name, Kind: w.Holder.Type.Kind},
		Dept:       models.Department{Code: w.IssueDept.Code, Name: w.IssueDept.Name, Province: w.IssueDept.Province}}
	for _, f := range w.Type.SurfaceTemplate {
		rc.Type.SurfaceTemplate = append(rc.Type.SurfaceTemplate, models.SurfaceField{Name: f.Name, ColumnName: f.ColumnName, ValueType: valueType(f.ValueType)})
	}
	for i, s := range w.Surfaces {
		rc.Surfaces = append(rc.Surfaces, models.Surface{CertificateID: w.ID, Position: i, Name: s.Name, Value: s.Value, ValueType: valueType(s.ValueType), ColumnName: s.ColumnName})
	}
	if w.SigningKeyID != nil {
		rc.SigningKeyID = *w.SigningKeyID
	}
	if w.File != nil {
		format, err := models.ParseFileFormat(w.File.Format)
		if err != nil {
			return nil, fmt.Errorf("certificate %s: file format: %v", w.ID, err)
		}
		rc.File = &models.CertificateFile{CertificateID: w.ID, Format: format, Size: w.File.Size, SM3: w.File.Sm3, SHA256: w.File.Sha256, UploadedAt: w.File.UploadedAt}
	}
	c.Remote = rc
	return c, nil
}

// oneAnswer decodes {"<field>": certificate-or-null}.
type oneAnswer struct {
	field string
	C     *wireCertificate
}

func (a *oneAnswer) UnmarshalJSON(b []byte) error {
	var m map[string]*wireCertificate
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	a.C = m[a.field]
	return nil
}

// Validate checks the answer is a certificate (or none).
func (a *oneAnswer) Validate() error {
	if a.C == nil {
		return nil
	}
	_, err := a.C.certificate("")
	return err
}

// listAnswer decodes {"<field>": [certificate…]}.
type listAnswer struct {
	field string
	L     []wireCertificate
}

func (a *listAnswer) UnmarshalJSON(b []byte) error {
	var m map[string][]wireCertificate
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	a.L = m[a.field]
	return nil
}

// Validate checks every item is a certificate and the list is bounded.
func (a *listAnswer) Validate() error {
	if len(a.L) > national.MaxHolderCertificates {
		return fmt.Errorf("%d certificates in one answer, more than %d", len(a.L), national.MaxHolderCertificates)
	}
	for i := range a.L {
		if _, err := a.L[i].certificate(""); err != nil {
			return err
		}
	}
	return nil
}

// remoteByID reads certificate id from region (as where named it).
func (r *Resolver) remoteByID(ctx context.Context, region, id string, useFor models.UseFor) (*models.Certificate, error) {
	return r.remoteOne(ctx, region, "certificate",
		`query certificate($id: ID!, $useFor: UseFor!) { certificate(id: $id, useFor: $useFor) { `+remoteFields+` } }`,
		map[string]any{"id": id, "useFor": useForName(useFor)})
}

// remoteByToken reads the certificate an encrypted identifier stands for,
// from the region its prefix names.
func (r *Resolver) remoteByToken(ctx context.Context, region, token string, useFor models.UseFor) (*models.Certificate, error) {
	return r.remoteOne(ctx, region, "certificateByEncryptedId",
		`query certificateByEncryptedId($t: String!, $useFor: UseFor!) { certificateByEncryptedId(encryptedId: $t, useFor: $useFor) { `+remoteFields+` } }`,
		map[string]any{"t": token, "useFor": useForName(useFor)})
}

// remoteOne runs a query whose root field answers one certificate (or
// null, when the region has none) at region.
func (r *Resolver) remoteOne(ctx context.Context, region, field, query string, vars map[string]any) (*models.Certificate, error) {
	a := &oneAnswer{field: field}
	resp, err := r.send(ctx, region, national.Request{Query: query, Variables: vars}, a)
	if err != nil {
		return nil, err
	}
	if a.C == nil {
		if err := resp.Err(); err != nil {
			return nil, err
		}
		return nil, nil
	}
	return a.C.certificate(resp.From)
}

// nationalRegions is where a holder-based question goes from here: at the
// hub, each region its directory lists for the holder (of typeCode, when
// given) that the read has not passed; at a node, the hub, for a read that
// started here; nowhere otherwise.
func (r *Resolver) nationalRegions(ctx context.Context, hop national.Hop, code, typeCode string) ([]string, error) {
	switch {
	case r.hubMode():
		d := r.nat.Digester()
		if d == nil {
			return nil, nil
		}
		all, err := r.store.HolderRegions(ctx, d.Digest(code), typeCode)
		if err != nil {
			return nil, err
		}
		var regions []string
		for _, x := range all {
			if !hop.Via.Contains(x) {
				regions = append(regions, x)
			}
		}
		return regions, nil
	case r.dispatches() && hop.Origin():
		return []string{national.HubRegion}, nil
	}
	return nil, nil
}

// remoteHolder reads a holder's certificates from region (the hub at a node,
// a node at the hub). A partial answer (data and errors) keeps its data and
// returns the first error beside it.
func (r *Resolver) remoteHolder(ctx context.Context, region, holderCode, holderType, typ, number string, useFor models.UseFor) ([]models.Certificate, error) {
	a := &listAnswer{field: "certificates"}
	vars := map[string]any{"code": holderCode, "useFor": useForName(useFor)}
	if holderType != "" {
		vars["holderType"] = holderType
	}
	if typ != "" {
		vars["type"] = typ
	}
	if number != "" {
		vars["number"] = number
	}
	resp, err := r.send(ctx, region, national.Request{
		Query: `query certificates($code: String!, $holderType: String, $type: String, $number: String, $useFor: UseFor!) {
  certificates(holderCode: $code, holderType: $holderType, type: $type, number: $number, useFor: $useFor) { ` + remoteFields + ` } }`,
		Variables: vars}, a)
	if err != nil {
		return nil, err
	}
	out := make([]models.Certificate, 0, len(a.L))
	for i := range a.L {
		c, err := a.L[i].certificate(resp.From)
		if err != nil {
			return nil, err
		}
		c.UseFor = useFor
		out = append(out, *c)
	}
	if len(resp.Errors) > 0 {
		e := resp.Errors[0]
		if reg := e.Region(); national.ValidRegion(reg) {
			return out, &national.RegionError{Region: reg, Reason: e.Message}
		}
		if len(out) == 0 {
			return nil, resp.Err()
		}
	}
	return out, nil
}

// remoteEncryptedID asks the owner of a remote certificate to seal an
// encrypted identifier for it (only the owner can open it later); the
// verification page it points at is this node's, which routes by prefix.
func (r *Resolver) remoteEncryptedID(ctx context.Context, c *models.Certificate) (*model.EncryptedID, error) {
	var a struct {
		C *struct {
			E *struct {
				EncryptedID string    `json:"encryptedId"`
				ExpiresAt   time.Time `json:"expiresAt"`
			} `json:"encryptedId"`
		} `json:"certificate"`
	}
	region, err := r.where(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	useFor := c.UseFor
	if useFor == "" {
		useFor = models.UseShow
	}
	resp, err := r.send(ctx, region, national.Request{
		Query:     `query mint($id: ID!, $useFor: UseFor!) { certificate(id: $id, useFor: $useFor) { encryptedId { encryptedId expiresAt } } }`,
		Variables: map[string]any{"id": c.ID, "useFor": useForName(useFor)}}, &a)
	if err != nil {
		return nil, err
	}
	if a.C == nil || a.C.E == nil || a.C.E.EncryptedID == "" {
		if err := resp.Err(); err != nil {
			return nil, err
		}
		return nil, &national.RegionError{Region: region, Reason: "it answered no encrypted identifier"}
	}
	tok := a.C.E.EncryptedID
	if reg, _, err := gmcrypto.TokenRegion(tok); err != nil || reg != c.Remote.Region {
		return nil, &national.RegionError{Region: region, Reason: fmt.Sprintf("it answered an encrypted identifier not sealed by region %s", c.Remote.Region)}
	}
	base, err := r.baseURL(ctx)
	if err != nil {
		return nil, err
	}
	return &model.EncryptedID{EncryptedID: tok, ExpiresAt: a.C.E.ExpiresAt, VerifyURL: base + "/v/" + tok}, nil
}

// remoteFile fetches the layout file of a remote certificate through the
// hub (a download link of this node for a remote certificate).
func (r *Resolver) remoteFile(ctx context.Context, id string, useFor models.UseFor) (*models.CertificateFile, *models.Certificate, error) {
	var a struct {
		C *struct {
			wireCertificate
			FileContent *string `json:"fileContent"`
		} `json:"certificate"`
	}
	region, err := r.where(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	resp, err := r.send(ctx, region, national.Request{
		Query:     `query file($id: ID!, $useFor: UseFor!) { certificate(id: $id, useFor: $useFor) { ` + remoteFields + ` fileContent } }`,
		Variables: map[string]any{"id": id, "useFor": useForName(useFor)}}, &a)
	if err != nil {
		return nil, nil, err
	}
	if a.C == nil {
		if err := resp.Err(); err != nil {
			return nil, nil, err
		}
		return nil, nil, models.Errorf(models.ENOTFOUND, "the certificate no longer exists")
	}
	c, err := a.C.wireCertificate.certificate(resp.From)
	if err != nil {
		return nil, nil, &national.RegionError{Region: region, Reason: err.Error()}
	}
	if c.Remote.File == nil || a.C.FileContent == nil {
		return nil, nil, models.Errorf(models.ENOTFOUND, "the file no longer exists")
	}
	content, err := base64.StdEncoding.DecodeString(*a.C.FileContent)
	if err != nil || int64(len(content)) != c.Remote.File.Size || !strings.EqualFold(gmcrypto.SM3Hex(content), c.Remote.File.SM3) {
		return nil, nil, &national.RegionError{Region: region, Reason: "it answered a file that does not match its metadata"}
	}
	f := *c.Remote.File
	f.Content = content
	return &f, c, nil
}

// remoteHolderByCode finds a holder that exists only in other regions: at a
// node the hub answers (for reads that started here), at the hub the first
// region its directory lists for the holder that knows them.
func (r *Resolver) remoteHolderByCode(ctx context.Context, code, holderType string) (*models.Holder, error) {
	hop, err := r.hopOf(ctx)
	if err != nil {
		return nil, err
	}
	regions, err := r.nationalRegions(ctx, hop, code, "")
	if err != nil {
		return nil, err
	}
	vars := map[string]any{"code": code}
	if holderType != "" {
		vars["type"] = holderType
	}
	var firstErr error
	for _, region := range regions {
		var a struct {
			H *struct {
				Code, Name, Province string
				Type                 struct{ Code string }
			} `json:"holder"`
		}
		resp, err := r.send(ctx, region, national.Request{Query: `query holder($code: String!, $type: String) { holder(code: $code, type: $type) { code name province type { code } } }`, Variables: vars}, &a)
		if err == nil && a.H == nil {
			err = resp.Err()
		}
		switch {
		case err != nil:
			if firstErr == nil {
				firstErr = err
			}
		case a.H != nil && a.H.Code == code:
			return &models.Holder{Code: a.H.Code, Name: a.H.Name, Province: a.H.Province, TypeCode: a.H.Type.Code}, nil
		}
	}
	return nil, firstErr
}
