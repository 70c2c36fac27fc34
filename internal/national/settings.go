package national

import (
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
)

// Modes of the binary.
const (
	ModeNode = "node" // a provincial platform for its --region (default)
	ModeHub  = "hub"  // the national hub, --region 00
)

// DefaultTimeout is the deadline of one dispatched read, all hops included.
const DefaultTimeout = 3 * time.Second

// MaxTimeout bounds --national-timeout: a read held longer than this ties
// up every hop's resources for nothing a caller still waits for.
const MaxTimeout = time.Minute

// Settings are the national flags of one process, as config reads them.
type Settings struct {
	Mode        string        // --mode
	Region      string        // --region
	NationalURL string        // --national-url: the hub's base URL; "" = no dispatch
	AccountID   string        // --national-account-id: this node's account at the hub
	Token       string        // --national-token
	PublicURL   string        // --public-url: where the hub calls this node
	Timeout     time.Duration // --national-timeout
}

// Dispatching reports whether this node sends non-local reads to a hub.
func (s Settings) Dispatching() bool { return s.Mode == ModeNode && s.NationalURL != "" }

// Validate says which flag is wrong and why.
func (s Settings) Validate() error {
	switch s.Mode {
	case ModeNode:
		if !ValidRegion(s.Region) || s.Region == HubRegion {
			return fmt.Errorf("--region %q: a node's region is a two-digit province code other than %s", s.Region, HubRegion)
		}
	case ModeHub:
		if s.Region != HubRegion {
			return fmt.Errorf("--region %q: the hub runs as --region %s", s.Region, HubRegion)
		}
		if s.NationalURL != "" {
			return fmt.Errorf("--national-url is for nodes; the hub is the national platform")
		}
	default:
		return fmt.Errorf("--mode %q: want %s or %s", s.Mode, ModeNode, ModeHub)
	}
	if s.Timeout <= 0 || s.Timeout > MaxTimeout {
		return fmt.Errorf("--national-timeout %v: want more than 0 and at most %v", s.Timeout, MaxTimeout)
	}
	if s.NationalURL == "" {
		return nil
	}
	if err := checkBaseURL("--national-url", s.NationalURL, true); err != nil {
		return err
	}
	if s.AccountID == "" || s.Token == "" {
		return fmt.Errorf("--national-url needs --national-account-id and --national-token (this node's approved NODE account at the hub)")
	}
	if s.PublicURL == "" {
		return fmt.Errorf("--national-url needs --public-url (the base URL the hub calls this node at)")
	}
	return checkBaseURL("--public-url", s.PublicURL, false)
}

// checkBaseURL accepts an absolute http(s) URL without query or fragment;
// with httpsUnlessLoopback, plain http only to a loopback host.
func checkBaseURL(flag, raw string, httpsUnlessLoopback bool) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("%s %q: want an absolute http(s) base URL without credentials, query or fragment", flag, raw)
	}
	if httpsUnlessLoopback && u.Scheme == "http" && !IsLoopbackHost(u.Hostname()) {
		return fmt.Errorf("%s %q: not on loopback, so it must be https", flag, raw)
	}
	return nil
}

// IsLoopbackHost reports whether host (a name or an IP, without port) is loopback.
func IsLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
