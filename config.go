package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/netip"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"certgraph/internal/gqllimits"
	"certgraph/internal/invalidate"
	"certgraph/internal/national"
	"certgraph/internal/ratelimit"
)

// config is every setting of the binary, read in one place: flags, each
// with a CERTGRAPH_<NAME> environment variable as its default. A command
// registers only the groups of settings it uses (see commands), so its help
// lists only its own flags.
type config struct {
	// logging (every command)
	LogLevel  slog.Level
	LogFormat string

	// data (every command that touches the database or the keys)
	DataDir     string
	DatabaseURL string
	KeyDir      string

	// keys
	EncryptedIDTTL time.Duration
	FileLinkTTL    time.Duration

	// node: what the resolvers need (serve, seed, import, accounts)
	Region              string
	BootstrapAdminToken string
	AutoApprove         []netip.Prefix
	TokenTTL            time.Duration
	CacheTTL            time.Duration
	PublicURL           string
	// National is the national exchange (--mode, --national-*, with
	// --region and --public-url), checked together by its Validate.
	National national.Settings
	NodeName string // this process in the invalidation log and the key record

	// read replicas (serve; docs/DEPLOYMENT.md)
	ReplicaURLs   []string // MySQL/MariaDB read replicas of DatabaseURL
	ReplicaMaxLag time.Duration
	// AllowedHosts are the Host header values (without port) links may be
	// built from when PublicURL is empty.
	AllowedHosts []string
	// DBTimeout bounds each database statement (0 = none).
	DBTimeout time.Duration

	// serve
	Addr             string
	AdminAddr        string
	Demo             bool
	DemoCertificates int
	MaxBodyBytes     int64
	MaxDepth         int
	MaxComplexity    int
	MaxTokens        int
	MaxFields        int
	// DirectReads answers the hot reads without gqlgen's per-field
	// executor (resolvers.DirectReads).
	DirectReads bool

	MetricsOperationNames []string

	// Rate limits (in-memory token buckets, per node) and the longest the
	// reading of one request may take.
	RateAccount, RateAddress, RateRegistrations, RateMaskedLookups ratelimit.Rate
	ReadTimeout                                                    time.Duration

	// seed
	Seed seedOptions

	// env is the environment configuration was read from; the
	// OpenTelemetry exporter reads its standard OTEL_* variables there.
	env func(string) string
}

// seedOptions are the seed command's own settings.
type seedOptions struct {
	certificates, files int
	seed                int64
}

// embedded reports whether the configuration uses the embedded SQLite store.
func (c *config) embedded() bool { return c.DatabaseURL == "" }

// logFlags: every command logs.
func (c *config) logFlags(s *settings) {
	s.Func("log-level", "LEVEL", "info", "debug, info, warn or error", func(v string) error {
		switch strings.ToLower(v) {
		case "debug", "info", "warn", "error":
			return c.LogLevel.UnmarshalText([]byte(v))
		}
		return fmt.Errorf("%q is not debug, info, warn or error", v)
	})
	s.Func("log-format", "FORMAT", "text", "text (logfmt key=value) or json (one object a line)", func(v string) error {
		if v != "text" && v != "json" {
			return fmt.Errorf("%q is not text or json", v)
		}
		c.LogFormat = v
		return nil
	})
}

// dataFlags: where the node keeps its state.
func (c *config) dataFlags(s *settings) {
	s.String(&c.DataDir, "data-dir", "DIR", "./data", "embedded database, keys, files", nonEmpty)
	s.String(&c.KeyDir, "key-dir", "DIR", "", "SM2/SM4/PDF/link keys, created on first start; share it between nodes (default <data-dir>/keys)", nil)
	s.after(func() error {
		if c.KeyDir == "" {
			c.KeyDir = filepath.Join(c.DataDir, "keys")
		}
		return nil
	})
}

// databaseFlags: which database.
func (c *config) databaseFlags(s *settings) {
	s.Secret(&c.DatabaseURL, "database-url", "URL", "mysql://user:pass@host:3306/db (or …@tcp(host:3306)/db); empty = SQLite in the data dir")
	s.Duration(&c.DBTimeout, "db-timeout", 10*time.Second, "longest one database statement may take; then the request answers UNAVAILABLE")
}

// keyFlags: lifetimes of what the keys make.
func (c *config) keyFlags(s *settings) {
	s.Duration(&c.EncryptedIDTTL, "encrypted-id-ttl", 10*time.Minute, "lifetime of encrypted identifiers")
	s.Duration(&c.FileLinkTTL, "file-link-ttl", 10*time.Minute, "lifetime of file download links")
}

// nodeFlags: what the resolvers need, for serving or for commands that act
// as the node (seed, import, accounts).
func (c *config) nodeFlags(s *settings) {
	s.String(&c.Region, "region", "CODE", "51", "this node's province code, GB/T 2260", func(v string) error {
		if len(v) != 2 || strings.Trim(v, "0123456789") != "" {
			return fmt.Errorf("%q is not a 2-digit province code", v)
		}
		return nil
	})
	s.Secret(&c.BootstrapAdminToken, "bootstrap-admin-token", "TOKEN", "token of an approved admin account (account \"admin\")")
	// Unset (neither flag nor environment) means the store's default; an
	// explicit empty value means no network.
	autoApprove, autoApproveSet := "", false
	s.Func("auto-approve", "CIDRS", "", "comma-separated CIDRs whose registrations are approved at once (default loopback for the embedded store, none with MySQL)", func(v string) error {
		autoApprove, autoApproveSet = v, true
		return nil
	})
	s.after(func() error {
		if !autoApproveSet && c.embedded() {
			autoApprove = "127.0.0.0/8,::1/128"
		}
		for _, p := range strings.Split(autoApprove, ",") {
			if p = strings.TrimSpace(p); p == "" {
				continue
			}
			prefix, err := netip.ParsePrefix(p)
			if err != nil {
				return fmt.Errorf("--auto-approve: %q is not a CIDR: %v", p, err)
			}
			c.AutoApprove = append(c.AutoApprove, prefix.Masked())
		}
		return nil
	})
	s.Duration(&c.TokenTTL, "token-ttl", 720*time.Hour, "access token lifetime")
	s.Duration(&c.CacheTTL, "cache-ttl", 5*time.Second, "longest a cached row lives; a backstop: writes reach every node's cache within 250 ms through the invalidation log")
	s.String(&c.PublicURL, "public-url", "URL", "", "base URL of links and code payloads, e.g. https://zz.example.gov.cn (default the request's host, if allowed); with --national-url, where the hub calls this node", nil)
	s.Func("allowed-hosts", "HOSTS", "localhost,127.0.0.1,::1", "without --public-url: comma-separated Host header values links may be built from; other hosts are refused", func(v string) error {
		c.AllowedHosts = nil
		for _, h := range strings.Split(v, ",") {
			if h = strings.ToLower(strings.TrimSpace(h)); h == "" {
				continue
			}
			if strings.ContainsAny(h, "/ @") {
				return fmt.Errorf("%q is not a host name", h)
			}
			c.AllowedHosts = append(c.AllowedHosts, strings.Trim(h, "[]"))
		}
		return nil
	})
	c.AllowedHosts = []string{"localhost", "127.0.0.1", "::1"}
	c.nationalFlags(s)
	c.NodeName = invalidate.DefaultNode()
	s.Func("node-name", "NAME", "host:pid", "this process's name in the invalidation log and the record of key fingerprints", func(v string) error {
		if v == "" || len(v) > 64 {
			return fmt.Errorf("%q: want 1 to 64 bytes", v)
		}
		c.NodeName = v
		return nil
	})
}

// nationalFlags: the national exchange (part of the node group: every
// command that builds the resolvers knows the mode and the hub).
func (c *config) nationalFlags(s *settings) {
	s.String(&c.National.Mode, "mode", "MODE", national.ModeNode, "node (a provincial platform) or hub (the national hub, with --region 00)", nil)
	s.String(&c.National.NationalURL, "national-url", "URL", "", "node: base URL of the national hub; empty = no dispatch (other provinces' certificates answer UNAVAILABLE); not loopback → https", nil)
	s.String(&c.National.AccountID, "national-account-id", "ID", "", "node: this node's NODE account at the hub (admitted there with admitNode)", nil)
	s.Secret(&c.National.Token, "national-token", "TOKEN", "node: that account's access token")
	s.Duration(&c.National.Timeout, "national-timeout", national.DefaultTimeout, "deadline of one read dispatched to other regions, all hops included")
	s.after(func() error {
		c.National.Region, c.National.PublicURL = c.Region, c.PublicURL
		return c.National.Validate()
	})
}

// replicaFlags: read replicas of the MySQL/MariaDB primary (serve).
func (c *config) replicaFlags(s *settings) {
	// Repeatable; the environment variable takes several, space-separated.
	// Secret: the URLs may carry passwords.
	s.Func("database-replica-url", "URL", "", "a MySQL/MariaDB read replica of --database-url (mysql://user:pass@host:3306/db); repeat for several, space-separated in the environment", func(v string) error {
		for _, u := range strings.Fields(v) {
			if !strings.HasPrefix(u, "mysql://") {
				return fmt.Errorf("replica %d is not a mysql:// URL", len(c.ReplicaURLs)+1)
			}
			c.ReplicaURLs = append(c.ReplicaURLs, u)
		}
		return nil
	}).secret = true
	s.Duration(&c.ReplicaMaxLag, "replica-max-lag", 2*time.Second, "longest a replica may lag and still serve statistics, searches and listings")
	s.after(func() error {
		if len(c.ReplicaURLs) > 0 && !strings.HasPrefix(c.DatabaseURL, "mysql://") {
			return errors.New("--database-replica-url: read replicas need a MySQL/MariaDB primary (--database-url mysql://…)")
		}
		return nil
	})
}

// serveFlags: the HTTP server.
func (c *config) serveFlags(s *settings) {
	s.String(&c.Addr, "addr", "ADDRESS", ":8080", "listen address", nonEmpty)
	s.String(&c.AdminAddr, "admin-addr", "ADDRESS", "", "separate listen address for /metrics (then not served on --addr); empty = /metrics on --addr", nil)
	demoSet := false
	s.Func("demo", "BOOL", "", "seed demo data into an empty database (default true for the embedded store, false with MySQL)", func(v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("%q is not true or false", v)
		}
		c.Demo, demoSet = b, true
		return nil
	}).boolean = true
	s.after(func() error {
		if !demoSet {
			c.Demo = c.embedded()
		}
		if c.National.Mode == national.ModeHub {
			c.Demo = false // the hub holds central departments' certificates only, never demo data
		}
		return nil
	})
	s.Int(&c.DemoCertificates, "demo-certificates", 300, 0, "how many certificates the demo seeds")
	s.Rate(&c.RateAccount, "rate-account", ratelimit.Rate{N: 6000, Per: time.Minute}, "requests per account and node (N/period, or off)")
	s.Rate(&c.RateAddress, "rate-address", ratelimit.Rate{N: 12000, Per: time.Minute}, "requests per client address and node, on every surface but /healthz, /readyz and /metrics (N/period, or off)")
	s.Rate(&c.RateRegistrations, "rate-registrations", ratelimit.Rate{N: 30, Per: time.Hour}, "registrations per client address and node (N/period, or off)")
	s.Rate(&c.RateMaskedLookups, "rate-masked-lookups", ratelimit.Rate{N: 120, Per: time.Hour}, "lookups by holder code per analyst (masked) account and node, each alias counted (N/period, or off)")
	s.Duration(&c.ReadTimeout, "read-timeout", time.Minute, "longest the reading of one request (headers and body) may take")
	s.Int64(&c.MaxBodyBytes, "max-body-bytes", 8<<20, 1024, "largest GraphQL request body in bytes; layout files of up to 5 MiB travel base64 inside it")
	s.Int(&c.MaxDepth, "max-depth", 12, 2, "deepest GraphQL operation")
	s.Int(&c.MaxComplexity, "max-complexity", 5000, 10, "most complex GraphQL operation")
	s.Int(&c.MaxTokens, "max-tokens", gqllimits.DefaultMaxTokens, 100, "most lexical tokens in a GraphQL document, checked before validation")
	s.Bool(&c.DirectReads, "direct-reads", true, "answer certificate, holder and certificates queries that select only plain data without gqlgen's per-field executor (same answers, less CPU); false runs every operation through gqlgen")
	s.Int(&c.MaxFields, "max-fields", gqllimits.DefaultMaxFields, 10, "most field selections in a GraphQL document, fragments counted where spread")
	s.Func("metrics-operation-names", "NAMES", "", "comma-separated GraphQL operation names /metrics reports as themselves (besides the legacy endpoints' and IntrospectionQuery); others are \"other\"", func(v string) error {
		c.MetricsOperationNames = nil
		for _, n := range strings.Split(v, ",") {
			if n = strings.TrimSpace(n); n == "" {
				continue
			}
			if !graphQLName.MatchString(n) {
				return fmt.Errorf("%q is not a GraphQL operation name", n)
			}
			c.MetricsOperationNames = append(c.MetricsOperationNames, n)
		}
		if len(c.MetricsOperationNames) > 200 {
			return fmt.Errorf("%d names: at most 200 (each is a set of metric series)", len(c.MetricsOperationNames))
		}
		return nil
	})
}

var graphQLName = regexp.MustCompile(`^[_A-Za-z][_0-9A-Za-z]{0,63}$`)

// seedFlags: the seed command's own settings.
func (c *config) seedFlags(s *settings) {
	s.Int(&c.Seed.certificates, "certificates", 10000, 0, "how many certificates to generate (0: only issue layout files)")
	s.Int64(&c.Seed.seed, "seed", 0, 0, "random seed: the same seed gives the same data; 0 = a new seed each run (1 is the demo set)")
	s.Int(&c.Seed.files, "files", 200, 0, "how many certificates get a signed layout file (PDF and OFD alternately)")
}

func nonEmpty(v string) error {
	if v == "" {
		return errors.New("must not be empty")
	}
	return nil
}

// parseConfig reads the flags of the command fs is named after from args,
// with defaults from the environment (getenv). It returns the command's
// remaining arguments. Unknown flags and bad values are errors naming the
// flag (or the environment variable); -h/--help returns flag.ErrHelp.
func parseConfig(fs *flag.FlagSet, args []string, getenv func(string) string) (*config, []string, error) {
	cmd, ok := commandNamed(fs.Name())
	if !ok {
		return nil, nil, fmt.Errorf("unknown command %q", fs.Name())
	}
	c := &config{env: getenv}
	s := newSettings(fs)
	for _, group := range cmd.flags {
		group(c, s)
	}
	rest, err := s.parse(args, getenv)
	if err != nil {
		return nil, nil, err
	}
	return c, rest, nil
}

// settings registers typed flags on a flag.FlagSet, each with its
// CERTGRAPH_<NAME> environment variable, its documented default and its
// check, and prints them without ever showing a secret or an environment
// value.
type settings struct {
	fs     *flag.FlagSet
	flags  []*setting
	afters []func() error
}

// setting is one flag's documentation and parser.
type setting struct {
	name, metavar, def, usage string
	secret, boolean           bool
	set                       func(string) error
}

func (s *setting) String() string     { return "" }
func (s *setting) Set(v string) error { return s.set(v) }
func (s *setting) IsBoolFlag() bool   { return s.boolean }

func newSettings(fs *flag.FlagSet) *settings {
	fs.Usage = func() {} // help is printed by the caller, once
	fs.SetOutput(discard{})
	return &settings{fs: fs}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// envName is the environment variable of a flag.
func envName(flagName string) string {
	return "CERTGRAPH_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// Func registers a flag parsed by set; def is the documented default (set
// is not called for it: the zero value or an after hook stands for it).
func (s *settings) Func(name, metavar, def, usage string, set func(string) error) *setting {
	f := &setting{name: name, metavar: metavar, def: def, usage: usage, set: set}
	s.flags = append(s.flags, f)
	s.fs.Var(f, name, usage)
	return f
}

// String registers a string flag with an optional check.
func (s *settings) String(p *string, name, metavar, def, usage string, check func(string) error) {
	*p = def
	s.Func(name, metavar, def, usage, func(v string) error {
		if check != nil {
			if err := check(v); err != nil {
				return err
			}
		}
		*p = v
		return nil
	})
}

// Secret registers a string flag whose value is never printed (not in
// help, not in errors).
func (s *settings) Secret(p *string, name, metavar, usage string) {
	s.Func(name, metavar, "", usage, func(v string) error { *p = v; return nil }).secret = true
}

// Duration registers a positive duration flag.
func (s *settings) Duration(p *time.Duration, name string, def time.Duration, usage string) {
	*p = def
	s.Func(name, "DURATION", shortDuration(def), usage, func(v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("%q is not a positive duration (e.g. %s)", v, shortDuration(def))
		}
		*p = d
		return nil
	})
}

// shortDuration writes 720h and 10m rather than 720h0m0s and 10m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// Rate registers a rate limit flag: N/period (e.g. 6000/1m), or off.
func (s *settings) Rate(p *ratelimit.Rate, name string, def ratelimit.Rate, usage string) {
	*p = def
	s.Func(name, "N/PERIOD", fmt.Sprintf("%d/%s", def.N, shortDuration(def.Per)), usage, func(v string) error {
		r, err := ratelimit.ParseRate(v)
		if err != nil {
			return err
		}
		*p = r
		return nil
	})
}

// Int registers an integer flag of at least min.
func (s *settings) Int(p *int, name string, def, min int, usage string) {
	*p = def
	s.Func(name, "N", strconv.Itoa(def), usage, func(v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < min {
			return fmt.Errorf("%q is not a whole number of at least %d", v, min)
		}
		*p = n
		return nil
	})
}

// Int64 registers a 64-bit integer flag of at least min.
func (s *settings) Int64(p *int64, name string, def, min int64, usage string) {
	*p = def
	s.Func(name, "N", strconv.FormatInt(def, 10), usage, func(v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < min {
			return fmt.Errorf("%q is not a whole number of at least %d", v, min)
		}
		*p = n
		return nil
	})
}

// Bool registers a boolean flag (--name, --name=false).
func (s *settings) Bool(p *bool, name string, def bool, usage string) {
	*p = def
	s.Func(name, "", strconv.FormatBool(def), usage, func(v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("%q is not true or false", v)
		}
		*p = b
		return nil
	}).boolean = true
}

// after runs fn once flags and environment are read: derived defaults and
// checks involving several flags.
func (s *settings) after(fn func() error) { s.afters = append(s.afters, fn) }

// parse applies the environment, then args; flags may come before or
// between the command's arguments ("--" ends the flags).
func (s *settings) parse(args []string, getenv func(string) string) ([]string, error) {
	for _, f := range s.flags {
		v := getenv(envName(f.name))
		if v == "" {
			continue
		}
		if err := f.set(v); err != nil {
			if f.secret {
				return nil, fmt.Errorf("%s: invalid value", envName(f.name))
			}
			return nil, fmt.Errorf("%s: %v", envName(f.name), err)
		}
	}
	var rest []string
	for {
		if err := s.fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, s.flagError(err)
		}
		left := s.fs.Args()
		if len(left) == 0 {
			break
		}
		if consumed := len(args) - len(left); consumed > 0 && args[consumed-1] == "--" {
			rest = append(rest, left...)
			break
		}
		rest, args = append(rest, left[0]), left[1:]
	}
	for _, fn := range s.afters {
		if err := fn(); err != nil {
			return nil, err
		}
	}
	return rest, nil
}

// flagError rewrites the flag package's messages to name the flag as
// users write it (--name) and to hide secret values.
func (s *settings) flagError(err error) error {
	msg := err.Error()
	if rest, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		return fmt.Errorf("unknown flag --%s", strings.TrimPrefix(rest, "-"))
	}
	if rest, ok := strings.CutPrefix(msg, "flag needs an argument: -"); ok {
		return fmt.Errorf("--%s needs a value", strings.TrimPrefix(rest, "-"))
	}
	for _, f := range s.flags {
		if strings.Contains(msg, " for flag -"+f.name+": ") {
			if f.secret {
				return fmt.Errorf("--%s: invalid value", f.name)
			}
			_, reason, _ := strings.Cut(msg, " for flag -"+f.name+": ")
			return fmt.Errorf("--%s: %s", f.name, reason)
		}
	}
	return err
}

// usage is the flag listing of a command's help: name, value, meaning,
// built-in default (never the environment's value, never a secret's) and
// environment variable.
func (s *settings) usage() string {
	var b strings.Builder
	for _, f := range s.flags {
		head := "  --" + f.name
		if f.metavar != "" && !f.boolean {
			head += " " + f.metavar
		}
		fmt.Fprintf(&b, "%-32s %s\n", head, f.usage)
		var notes []string
		if f.def != "" && !f.secret {
			notes = append(notes, "default "+f.def)
		}
		notes = append(notes, "$"+envName(f.name))
		fmt.Fprintf(&b, "%-32s (%s)\n", "", strings.Join(notes, ", "))
	}
	return b.String()
}
