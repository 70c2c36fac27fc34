package models

import (
	"fmt"
	"io"
	"strconv"
)

// UseFor is the reason (查询事由/下载事由) a caller gives for reading a
// certificate. Its value is the spec's two-digit code; GraphQL shows the
// enum names.
type UseFor string

// The spec's reasons for reading a certificate.
const (
	UseShared       UseFor = "01" // 共享应用
	UseShow         UseFor = "02" // 亮证应用
	UseVerification UseFor = "03" // 证照核验
	UseOther        UseFor = "99" // 其他
)

var useForNames = map[UseFor]string{UseShared: "SHARED_APPLICATION", UseShow: "SHOW", UseVerification: "VERIFICATION", UseOther: "OTHER"}

// ParseUseFor reads a spec code (01, 02, 03, 99) or a GraphQL enum name.
func ParseUseFor(s string) (UseFor, error) {
	for u, name := range useForNames {
		if s == string(u) || s == name {
			return u, nil
		}
	}
	return "", fmt.Errorf("%q is not a useFor (01 共享应用, 02 亮证应用, 03 证照核验, 99 其他)", s)
}

// Validate reports whether u is one of the spec's codes.
func (u UseFor) Validate() error {
	if _, ok := useForNames[u]; !ok {
		return Invalid("useFor", "%q is not a useFor (01, 02, 03 or 99)", string(u))
	}
	return nil
}

// MarshalGQL writes the enum name.
func (u UseFor) MarshalGQL(w io.Writer) { io.WriteString(w, strconv.Quote(useForNames[u])) }

// UnmarshalGQL reads the enum name.
func (u *UseFor) UnmarshalGQL(v any) error {
	return unmarshalEnum(v, "UseFor", func(s string) error { p, err := ParseUseFor(s); *u = p; return err })
}

// HolderKind says whether a holder is a natural person or an organisation.
type HolderKind string

// Holder kinds.
const (
	KindPerson       HolderKind = "PERSON"
	KindOrganisation HolderKind = "ORGANISATION"
)

// MarshalGQL writes the enum name.
func (k HolderKind) MarshalGQL(w io.Writer) { io.WriteString(w, strconv.Quote(string(k))) }

// UnmarshalGQL reads the enum name.
func (k *HolderKind) UnmarshalGQL(v any) error {
	return unmarshalEnum(v, "HolderKind", func(s string) error {
		if s != string(KindPerson) && s != string(KindOrganisation) {
			return fmt.Errorf("%q is not a HolderKind", s)
		}
		*k = HolderKind(s)
		return nil
	})
}

// CertificateStatus is a certificate's state today, derived from its
// validity period and revocation.
type CertificateStatus string

// Certificate states.
const (
	StatusValid       CertificateStatus = "VALID"
	StatusNotYetValid CertificateStatus = "NOT_YET_VALID"
	StatusExpired     CertificateStatus = "EXPIRED"
	StatusRevoked     CertificateStatus = "REVOKED"
)

// AllStatuses lists every CertificateStatus, for statistics.
var AllStatuses = []CertificateStatus{StatusValid, StatusNotYetValid, StatusExpired, StatusRevoked}

// MarshalGQL writes the enum name.
func (s CertificateStatus) MarshalGQL(w io.Writer) { io.WriteString(w, strconv.Quote(string(s))) }

// UnmarshalGQL reads the enum name.
func (s *CertificateStatus) UnmarshalGQL(v any) error {
	return unmarshalEnum(v, "CertificateStatus", func(x string) error {
		for _, st := range AllStatuses {
			if x == string(st) {
				*s = st
				return nil
			}
		}
		return fmt.Errorf("%q is not a CertificateStatus", x)
	})
}

// SurfaceValueType says how a surface value is to be read: plain text or a
// base64 picture (表7 valueType).
type SurfaceValueType string

// Surface value types, as the spec writes them.
const (
	ValueString  SurfaceValueType = "string"
	ValuePicture SurfaceValueType = "picture"
)

// MarshalGQL writes the enum name (STRING, PICTURE).
func (t SurfaceValueType) MarshalGQL(w io.Writer) {
	name := "STRING"
	if t == ValuePicture {
		name = "PICTURE"
	}
	io.WriteString(w, strconv.Quote(name))
}

// UnmarshalGQL reads the enum name.
func (t *SurfaceValueType) UnmarshalGQL(v any) error {
	return unmarshalEnum(v, "SurfaceValueType", func(s string) error {
		switch s {
		case "STRING", "string":
			*t = ValueString
		case "PICTURE", "picture":
			*t = ValuePicture
		default:
			return fmt.Errorf("%q is not a SurfaceValueType (STRING or PICTURE)", s)
		}
		return nil
	})
}

// Role is what an account may do. An account may hold several.
type Role string

// Roles.
const (
	RoleConsumer Role = "CONSUMER" // reads certificates for a stated useFor
	RoleIssuer   Role = "ISSUER"   // manages its own department's certificates
	RoleAdmin    Role = "ADMIN"    // manages accounts, reads the audit
	RoleAnalyst  Role = "ANALYST"  // aggregates and masked listings, no surfaces
	RoleNode     Role = "NODE"     // another region's platform, bound to that region
)

// AllRoles lists every Role.
var AllRoles = []Role{RoleConsumer, RoleIssuer, RoleAdmin, RoleAnalyst, RoleNode}

// MarshalGQL writes the enum name.
func (r Role) MarshalGQL(w io.Writer) { io.WriteString(w, strconv.Quote(string(r))) }

// UnmarshalGQL reads the enum name.
func (r *Role) UnmarshalGQL(v any) error {
	return unmarshalEnum(v, "Role", func(s string) error {
		p, err := ParseRole(s)
		*r = p
		return err
	})
}

// ParseRole reads a role name, case-insensitively.
func ParseRole(s string) (Role, error) {
	for _, r := range AllRoles {
		if equalFold(s, string(r)) {
			return r, nil
		}
	}
	return "", fmt.Errorf("%q is not a role (CONSUMER, ISSUER, ADMIN, ANALYST, NODE)", s)
}

// AccountStatus is where an account is in its life: registered and waiting,
// approved and usable, or revoked for good.
type AccountStatus string

// Account states.
const (
	AccountPending  AccountStatus = "PENDING"
	AccountApproved AccountStatus = "APPROVED"
	AccountRevoked  AccountStatus = "REVOKED"
)

// MarshalGQL writes the enum name.
func (s AccountStatus) MarshalGQL(w io.Writer) { io.WriteString(w, strconv.Quote(string(s))) }

// UnmarshalGQL reads the enum name.
func (s *AccountStatus) UnmarshalGQL(v any) error {
	return unmarshalEnum(v, "AccountStatus", func(x string) error {
		switch AccountStatus(x) {
		case AccountPending, AccountApproved, AccountRevoked:
			*s = AccountStatus(x)
			return nil
		}
		return fmt.Errorf("%q is not an AccountStatus", x)
	})
}

// Channel is the surface a request came through, recorded in the audit.
type Channel string

// Channels.
const (
	ChannelGraphQL Channel = "GRAPHQL"
	ChannelLegacy  Channel = "LEGACY"
	ChannelFile    Channel = "FILE"
	ChannelPublic  Channel = "PUBLIC"
)

// MarshalGQL writes the enum name.
func (c Channel) MarshalGQL(w io.Writer) { io.WriteString(w, strconv.Quote(string(c))) }

// UnmarshalGQL reads the enum name.
func (c *Channel) UnmarshalGQL(v any) error {
	return unmarshalEnum(v, "Channel", func(s string) error {
		switch Channel(s) {
		case ChannelGraphQL, ChannelLegacy, ChannelFile, ChannelPublic:
			*c = Channel(s)
			return nil
		}
		return fmt.Errorf("%q is not a Channel", s)
	})
}

func unmarshalEnum(v any, name string, set func(string) error) error {
	s, ok := v.(string)
	if !ok {
		return fmt.Errorf("%s must be an enum value, got %T", name, v)
	}
	return set(s)
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'a' <= x && x <= 'z' {
			x -= 'a' - 'A'
		}
		if 'a' <= y && y <= 'z' {
			y -= 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// CertificateSource says where a certificate's answer came from.
type CertificateSource string

// Certificate sources.
const (
	SourceLocal    CertificateSource = "LOCAL"    // this node's database
	SourceNational CertificateSource = "NATIONAL" // another region, through the hub
)

// MarshalGQL writes the enum name.
func (s CertificateSource) MarshalGQL(w io.Writer) { io.WriteString(w, strconv.Quote(string(s))) }

// UnmarshalGQL reads the enum name.
func (s *CertificateSource) UnmarshalGQL(v any) error {
	return unmarshalEnum(v, "CertificateSource", func(x string) error {
		if x != string(SourceLocal) && x != string(SourceNational) {
			return fmt.Errorf("%q is not a CertificateSource", x)
		}
		*s = CertificateSource(x)
		return nil
	})
}
