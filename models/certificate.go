package models

import (
	"strings"
	"time"
)

// Certificate is an electronic certificate (电子证照): its identifier
// (电子证照标识, GB/T 36904), type, number, holder, issuing department,
// dates, signature and — in Surfaces — its visible content (照面).
type Certificate struct {
	ID            string     `gorm:"primaryKey;size:128;index:idx_cert_issued_status,priority:2"`
	TypeCode      string     `gorm:"size:21;not null;index:idx_cert_type_issued,priority:1;index:idx_cert_expiring,priority:5;index:idx_cert_valid_from,priority:4;index:idx_cert_issued_status,priority:6"`
	Name          string     `gorm:"size:200;not null"`
	Number        string     `gorm:"size:100;not null;index"`
	HolderID      int64      `gorm:"not null;index:idx_cert_holder,priority:1"`
	IssueDeptCode string     `gorm:"size:18;not null;index:idx_cert_dept_issued,priority:1;index:idx_cert_expiring,priority:6;index:idx_cert_valid_from,priority:5;index:idx_cert_issued_status,priority:7"`
	IssueDate     Date       `gorm:"size:10;not null;index:idx_cert_type_issued,priority:2;index:idx_cert_dept_issued,priority:2;index:idx_cert_issued_status,priority:1;index:idx_cert_expiring,priority:4;index:idx_cert_valid_from,priority:6"`
	ValidFrom     Date       `gorm:"size:10;not null;index:idx_cert_expiring,priority:3;index:idx_cert_valid_from,priority:1;index:idx_cert_issued_status,priority:4"`
	ValidUntil    *Date      `gorm:"size:10;index;index:idx_cert_expiring,priority:1;index:idx_cert_valid_from,priority:3;index:idx_cert_issued_status,priority:5"` // nil: long-term (长期)
	RevokedAt     *time.Time `gorm:"index;index:idx_cert_expiring,priority:2;index:idx_cert_valid_from,priority:2;index:idx_cert_issued_status,priority:3"`
	RevokeReason  string     `gorm:"size:500"`
	Surfaces      []Surface  `gorm:"foreignKey:CertificateID;constraint:OnDelete:CASCADE"`
	CreatedAt     time.Time
	UpdatedAt     time.Time

	// UseFor is the reason the certificate was read for; set by the resolver
	// that loaded it (never stored) so nested fields can audit and check it.
	UseFor UseFor `gorm:"-"`
	// Remote, when set, is the owner region's answer for a certificate of
	// another region (never stored): its nested parts come from there.
	Remote *RemoteCertificate `gorm:"-"`
}

// RemoteCertificate is what another region answered about one of its
// certificates: the parts a local certificate reads from this database.
type RemoteCertificate struct {
	Region       string
	Type         CertificateType
	Holder       Holder
	HolderKind   HolderKind
	HolderType   HolderType
	Dept         Department
	Surfaces     []Surface
	File         *CertificateFile // metadata only
	DigitalSign  string
	SigningKeyID string
}

// CacheSize is roughly how many bytes a cached copy of c keeps alive: its
// strings and its surfaces (a photo surface can be hundreds of kilobytes).
func (c *Certificate) CacheSize() int64 {
	const fixed = 320 // the struct and its slice and pointers
	n := int64(fixed + len(c.ID) + len(c.TypeCode) + len(c.Name) + len(c.Number) + len(c.IssueDeptCode) + len(c.RevokeReason))
	for i := range c.Surfaces {
		s := &c.Surfaces[i]
		n += int64(96 + len(s.CertificateID) + len(s.Name) + len(s.ColumnName) + len(s.ValueType) + len(s.Value))
	}
	return n
}

// Status returns the certificate's state on the given day.
func (c *Certificate) Status(today Date) CertificateStatus {
	switch {
	case c.RevokedAt != nil:
		return StatusRevoked
	case today.Before(c.ValidFrom):
		return StatusNotYetValid
	case c.ValidUntil != nil && c.ValidUntil.Before(today):
		return StatusExpired
	}
	return StatusValid
}

// Surface is one item of a certificate's visible content (照面, 表7): a
// named value, text or a base64 picture.
//
// Its key is (certificate, position): surfaces are stored clustered by
// certificate, the order they are read in, with no second index to maintain.
type Surface struct {
	CertificateID string           `gorm:"primaryKey;size:128"`
	Position      int              `gorm:"primaryKey;autoIncrement:false"`
	Name          string           `gorm:"size:100;not null"`
	ColumnName    string           `gorm:"size:100;not null"`
	ValueType     SurfaceValueType `gorm:"size:10;not null"`
	Value         string           `gorm:"size:16777215;not null"`
}

// Validate checks a surface item before it is stored.
func (s *Surface) Validate(field string) error {
	switch {
	case strings.TrimSpace(s.Name) == "":
		return Invalid(field+".name", "is required")
	case s.ValueType != ValueString && s.ValueType != ValuePicture:
		return Invalid(field+".valueType", "%q is not picture or string", string(s.ValueType))
	}
	return nil
}

// IsEntity marks Certificate as an Apollo Federation entity (keyed by id).
func (Certificate) IsEntity() {}

// ItemID is the certificate's identifier (the key of merging answers from
// several regions).
func (c Certificate) ItemID() string { return c.ID }

// ItemIssued is the issue date as YYYY-MM-DD (merged answers are newest first).
func (c Certificate) ItemIssued() string { return c.IssueDate.String() }

// OwnerRegion is the region that owns the certificate: the answering
// region of a remote one, else self (the region of the node that read it).
func (c *Certificate) OwnerRegion(self string) string {
	if c.Remote != nil {
		return c.Remote.Region
	}
	return self
}
