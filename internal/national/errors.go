package national

import (
	"errors"
	"fmt"

	"certgraph/models"
)

// RegionError is a failure of the link to one region: it was down, slow
// past the deadline, its circuit was open, or it answered nonsense. The
// GraphQL edge maps it to UNAVAILABLE with extensions.region = Region; the
// legacy edge to its failure status with the message.
type RegionError struct {
	Region string // the region that failed: HubRegion or an owner's code
	Reason string // what happened, safe to show callers
	Err    error  // the underlying cause, for logs and errors.Is
}

// Error implements error.
func (e *RegionError) Error() string {
	return fmt.Sprintf("the %s cannot answer now: %s", RegionName(e.Region), e.Reason)
}

// Unwrap exposes the cause and the domain code EUNAVAILABLE, so
// models.ErrorCode(err) is EUNAVAILABLE and errors.Is finds the cause.
func (e *RegionError) Unwrap() []error {
	u := []error{e.domain()}
	if e.Err != nil {
		u = append(u, e.Err)
	}
	return u
}

// domain is the error as the catalogue renders it in each language.
func (e *RegionError) domain() *models.Error {
	if e.Region == HubRegion {
		return models.Errorf(models.EUNAVAILABLE, "the national platform (00) cannot answer now: %s", e.Reason)
	}
	return models.Errorf(models.EUNAVAILABLE, "the platform of region %s cannot answer now: %s", e.Region, e.Reason)
}

// RegionName names a region in messages: "national platform (00)" or
// "platform of region 50".
func RegionName(region string) string {
	if region == HubRegion {
		return "national platform (" + HubRegion + ")"
	}
	return "platform of region " + region
}

// FailedRegion returns the region of the first RegionError in err's chain.
func FailedRegion(err error) (string, bool) {
	var re *RegionError
	if errors.As(err, &re) {
		return re.Region, true
	}
	return "", false
}

func regionErr(region string, err error, format string, args ...any) *RegionError {
	return &RegionError{Region: region, Reason: fmt.Sprintf(format, args...), Err: err}
}
