package national

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"certgraph/models"
)

// DefaultMaxResponseBytes bounds one inter-node answer; layout files travel
// base64-encoded inside GraphQL answers, hence the generous size.
const DefaultMaxResponseBytes = 64 << 20

// minRetryBudget is the least time that must remain before the deadline for
// the origin's one retry to be worth sending.
const minRetryBudget = 50 * time.Millisecond

// Target is a region to call: its base URL and the bearer credentials this
// process holds for it.
type Target struct {
	Region    string // the region answered by URL
	URL       string // base URL; the request goes to URL + "/graphql"
	AccountID string // sent as X-Account-Id when set
	Token     string // bearer token
}

// Validate reports what is wrong with the target.
func (t Target) Validate() error {
	if err := CheckRegion("target region", t.Region); err != nil {
		return err
	}
	if !strings.HasPrefix(t.URL, "http://") && !strings.HasPrefix(t.URL, "https://") {
		return fmt.Errorf("target URL %q of region %s: want http:// or https://", t.URL, t.Region)
	}
	if t.Token == "" {
		return fmt.Errorf("target region %s: no access token", t.Region)
	}
	return nil
}

// Request is one GraphQL operation sent to another region.
type Request struct {
	Query         string         `json:"query"`
	OperationName string         `json:"operationName,omitempty"`
	Variables     map[string]any `json:"variables,omitempty"`
}

// GQLError is one entry of a GraphQL answer's errors.
type GQLError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path,omitempty"`
	Extensions map[string]any `json:"extensions,omitempty"`
}

// Code returns extensions.code, or "".
func (e GQLError) Code() string { s, _ := e.Extensions["code"].(string); return s }

// Region returns extensions.region, or "".
func (e GQLError) Region() string { s, _ := e.Extensions["region"].(string); return s }

// Field returns extensions.field, or "".
func (e GQLError) Field() string { s, _ := e.Extensions["field"].(string); return s }

// Response is a GraphQL answer from another region that the link delivered
// intact. Errors are the remote's answers (not found, bad input, a partial
// holder answer) for the caller to judge; Err maps them to domain errors.
type Response struct {
	Data   json.RawMessage `json:"data"`
	Errors []GQLError      `json:"errors"`
	// From is the region that answered (set by Client.Do).
	From string `json:"-"`
}

// HasData reports whether the answer carries data (not absent, not null).
func (r *Response) HasData() bool {
	return len(r.Data) > 0 && !bytes.Equal(r.Data, []byte("null"))
}

// Err returns the domain error for the answer's first error, or nil: an
// UNAVAILABLE error naming a region becomes a *RegionError for that region,
// the other codes the matching models.Error, so a remote certificate fails
// the same way a local one does.
func (r *Response) Err() error {
	if len(r.Errors) == 0 {
		return nil
	}
	e := r.Errors[0]
	code := map[string]string{
		"BAD_USER_INPUT": models.EINVALID, "NOT_FOUND": models.ENOTFOUND, "FORBIDDEN": models.EFORBIDDEN,
		"UNAUTHENTICATED": models.EUNAUTHENTICATED, "UNAVAILABLE": models.EUNAVAILABLE,
	}[e.Code()]
	switch {
	case code == models.EUNAVAILABLE && ValidRegion(e.Region()):
		return &RegionError{Region: e.Region(), Reason: e.Message}
	case (code == "" || code == models.EUNAVAILABLE) && ValidRegion(r.From):
		// The answering region failed inside (INTERNAL, or an unnamed
		// UNAVAILABLE): to this caller that region cannot answer now.
		return &RegionError{Region: r.From, Reason: "it failed: " + e.Message}
	case code == "":
		code = models.EINTERNAL
	}
	return &models.Error{Code: code, Field: e.Field(), Message: e.Message}
}

// Validator is implemented by answers that can check themselves; a failed
// check makes the answer nonsense from the called region.
type Validator interface{ Validate() error }

// Client calls other regions' /graphql with the inter-node headers, bearer
// auth, the deadline of the read, circuit breakers and, for reads that start
// here, one retry. The zero value is not usable: set Self.
type Client struct {
	Self string // this process's region (HubRegion at the hub)
	// HTTP sends the requests (NewHTTPClient); http.DefaultClient if nil.
	// Its own timeout, if any, applies on top of the read's deadline.
	HTTP *http.Client
	// Breakers guards each region; nil means no breakers.
	Breakers *Breakers
	// TransportOnly makes only transport failures (connection refused or
	// reset, no answer in time, 502–504) count against a breaker: a node's
	// setting. The hub counts every link failure, nonsense included.
	TransportOnly bool
	// MaxResponseBytes bounds an answer; DefaultMaxResponseBytes if 0.
	MaxResponseBytes int64
	// Now is the clock; time.Now if nil.
	Now func() time.Time
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// Do sends req to target as part of the read described by hop, which must
// be the outbound Hop (see Hop.Forward). The read's deadline bounds every
// attempt. Only the origin of a read (hop.Via is exactly [Self]) retries,
// once, after a transport failure with time left. When out is non-nil the
// answer's data is decoded into it and, if out is a Validator, checked.
//
// A failure of the link — circuit open, transport error, deadline, a
// non-GraphQL or impossible answer, credentials refused — is a *RegionError
// naming target.Region. An intact answer is returned with its GraphQL
// errors, if any, for the caller to judge (see Response.Err); an
// UNAVAILABLE error the remote reports about a further region is also
// returned as that region's *RegionError.
func (c *Client) Do(ctx context.Context, target Target, hop Hop, req Request, out any) (*Response, error) {
	if err := target.Validate(); err != nil {
		return nil, regionErr(target.Region, err, "%v", err)
	}
	if hop.Deadline.IsZero() {
		return nil, regionErr(target.Region, nil, "the read carries no deadline")
	}
	ctx, cancel := context.WithDeadline(ctx, hop.Deadline)
	defer cancel()
	body, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("national: encode request: %w", err)
	}
	origin := len(hop.Via) == 1 && hop.Via[0] == c.Self
	for attempt := 0; ; attempt++ {
		resp, transport, err := c.once(ctx, target, hop, body, out)
		if err == nil || !transport || !origin || attempt > 0 || hop.Remaining(c.now()) < minRetryBudget || ctx.Err() != nil {
			return resp, err
		}
	}
}

// once makes one attempt; transport says whether a failure was of the
// transport (the kind a retry may cure and a node's breaker counts).
func (c *Client) once(ctx context.Context, target Target, hop Hop, body []byte, out any) (_ *Response, transport bool, _ error) {
	if !c.Breakers.Allow(target.Region) {
		return nil, false, regionErr(target.Region, nil, "its circuit is open after repeated failures; it is tried again within %v", MaxCoolDown)
	}
	resp, transport, err := c.exchange(ctx, target, hop, body, out)
	failed, _ := FailedRegion(err)
	switch {
	case err == nil || failed != target.Region:
		// Also when the target answered that a further region failed:
		// the link to the target itself worked.
		c.Breakers.Success(target.Region)
	case transport || !c.TransportOnly:
		c.Breakers.Failure(target.Region)
	default:
		// An answer that is wrong but arrived: the link works, so a node's
		// breaker stays as it was (Success would hide a half-open probe's
		// purpose no more than Release does).
		c.Breakers.Release(target.Region)
	}
	return resp, transport, err
}

func (c *Client) exchange(ctx context.Context, target Target, hop Hop, body []byte, out any) (*Response, bool, error) {
	r := target.Region
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(target.URL, "/")+"/graphql", bytes.NewReader(body))
	if err != nil {
		return nil, false, regionErr(r, err, "bad URL %q: %v", target.URL, err)
	}
	hreq.Header.Set("Content-Type", "application/json")
	hreq.Header.Set("Accept", "application/json")
	hreq.Header.Set("Authorization", "Bearer "+target.Token)
	if target.AccountID != "" {
		hreq.Header.Set("X-Account-Id", target.AccountID)
	}
	hop.Apply(hreq.Header)
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	res, err := hc.Do(hreq)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil {
			return nil, true, regionErr(r, err, "no answer before the deadline %s", hop.Deadline.UTC().Format(time.RFC3339Nano))
		}
		return nil, true, regionErr(r, err, "unreachable: %v", err)
	}
	defer res.Body.Close()
	limit := c.MaxResponseBytes
	if limit <= 0 {
		limit = DefaultMaxResponseBytes
	}
	raw, err := io.ReadAll(io.LimitReader(res.Body, limit+1))
	if err != nil {
		if ctx.Err() != nil {
			return nil, true, regionErr(r, err, "no complete answer before the deadline %s", hop.Deadline.UTC().Format(time.RFC3339Nano))
		}
		return nil, true, regionErr(r, err, "the answer broke off: %v", err)
	}
	if int64(len(raw)) > limit {
		return nil, false, regionErr(r, nil, "answered more than %d bytes", limit)
	}
	switch {
	case res.StatusCode == http.StatusBadGateway || res.StatusCode == http.StatusServiceUnavailable || res.StatusCode == http.StatusGatewayTimeout:
		return nil, true, regionErr(r, nil, "answered HTTP %d", res.StatusCode)
	case res.StatusCode == http.StatusUnauthorized || res.StatusCode == http.StatusForbidden:
		return nil, false, regionErr(r, nil, "refused this platform's credentials (HTTP %d)", res.StatusCode)
	case res.StatusCode == http.StatusTooManyRequests:
		return nil, false, regionErr(r, nil, "is rate-limiting this platform (HTTP 429)")
	case res.StatusCode != http.StatusOK && res.StatusCode != http.StatusUnprocessableEntity && res.StatusCode != http.StatusBadRequest:
		return nil, false, regionErr(r, nil, "answered HTTP %d", res.StatusCode)
	}
	if mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type")); mt != "application/json" && mt != "application/graphql-response+json" {
		return nil, false, regionErr(r, nil, "answered %q instead of a GraphQL answer", res.Header.Get("Content-Type"))
	}
	gr := Response{From: r}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&gr); err != nil || dec.More() {
		return nil, false, regionErr(r, err, "answered something that is not a GraphQL answer")
	}
	hasData := gr.HasData()
	if !hasData && len(gr.Errors) == 0 {
		return nil, false, regionErr(r, nil, "answered neither data nor errors")
	}
	for _, e := range gr.Errors {
		if e.Message == "" {
			return nil, false, regionErr(r, nil, "answered an error without a message")
		}
		if !hasData && e.Code() == "UNAUTHENTICATED" {
			return nil, false, regionErr(r, nil, "refused this platform's credentials: %s", e.Message)
		}
	}
	if !hasData {
		if err := gr.Err(); err != nil {
			var re *RegionError
			if errors.As(err, &re) {
				return &gr, false, re
			}
		}
		return &gr, false, nil
	}
	if out != nil {
		if err := json.Unmarshal(gr.Data, out); err != nil {
			return nil, false, regionErr(r, err, "answered data of the wrong shape: %v", err)
		}
		if v, ok := out.(Validator); ok {
			if err := v.Validate(); err != nil {
				return nil, false, regionErr(r, err, "answered nonsense: %v", err)
			}
		}
	}
	return &gr, false, nil
}

// NewHTTPClient returns the HTTP client inter-node calls should share: the
// default transport with enough idle connections per region that a busy
// hub does not reconnect for every read (the default keeps only 2). The
// read's deadline, not a client timeout, bounds each call.
func NewHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	t.IdleConnTimeout = 90 * time.Second
	return &http.Client{Transport: t}
}
