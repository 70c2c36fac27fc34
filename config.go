package main

import (
	"flag"
	"fmt"
	"log/slog"
	"net/netip"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"certgraph/internal/gqllimits"
	"certgraph/internal/ratelimit"
)

// config is every setting of the binary, read in one place: flags, each
// with a CERTGRAPH_<NAME> environment variable as its default.
type config struct {
	Addr                string
	DataDir             string
	DatabaseURL         string
	Region              string
	BootstrapAdminToken string
	AutoApprove         []netip.Prefix
	Demo                bool
	DemoCertificates    int
	TokenTTL            time.Duration
	CacheTTL            time.Duration
	MaxBodyBytes        int64
	MaxDepth            int
	MaxComplexity       int
	MaxTokens           int
	MaxFields           int
	LogLevel            slog.Level
	PublicURL           string
	KeyDir              string
	EncryptedIDTTL      time.Duration
	FileLinkTTL         time.Duration
	// AllowedHosts are the Host header values (without port) links may be
	// built from when PublicURL is empty.
	AllowedHosts []string
	// Rate limits (in-memory token buckets, per node).
	RateAccount, RateAddress, RateRegistrations, RateMaskedLookups ratelimit.Rate
	// DBTimeout bounds each database statement; ReadTimeout the reading of
	// a whole request (headers and body).
	DBTimeout, ReadTimeout time.Duration
}

// secretFlags are the settings whose values must never be printed: the
// usage text shows their environment variable, not its value.
var secretFlags = map[string]bool{"bootstrap-admin-token": true, "database-url": true}

// envName is the environment variable of a flag: CERTGRAPH_<NAME>.
func envName(flagName string) string {
	return "CERTGRAPH_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// embedded reports whether the configuration uses the embedded SQLite store.
func (c *config) embedded() bool { return c.DatabaseURL == "" }

// parseConfig reads flags from args (after the subcommand) with
// environment defaults from getenv. Unknown flags and bad values are errors
// naming the flag.
// A subcommand's own flags are registered on fs before the call.
func parseConfig(fs *flag.FlagSet, args []string, getenv func(string) string) (*config, []string, error) {
	env := func(flagName, def string) string {
		if secretFlags[flagName] {
			return def // read after parsing, so usage never shows it
		}
		if v := getenv(envName(flagName)); v != "" {
			return v
		}
		return def
	}
	c := &config{}
	fs.StringVar(&c.Addr, "addr", env("addr", ":8080"), "listen address (CERTGRAPH_ADDR)")
	fs.StringVar(&c.DataDir, "data-dir", env("data-dir", "./data"), "embedded database, keys, files (CERTGRAPH_DATA_DIR)")
	fs.StringVar(&c.DatabaseURL, "database-url", env("database-url", ""), "mysql://user:pass@tcp(host:3306)/db; empty = SQLite in the data dir (CERTGRAPH_DATABASE_URL)")
	fs.StringVar(&c.Region, "region", env("region", "51"), "this node's province code, GB/T 2260 (CERTGRAPH_REGION)")
	fs.StringVar(&c.BootstrapAdminToken, "bootstrap-admin-token", env("bootstrap-admin-token", ""), "token of an approved admin account (CERTGRAPH_BOOTSTRAP_ADMIN_TOKEN)")
	autoApprove := fs.String("auto-approve", env("auto-approve", ""), "CIDRs whose registrations are approved at once; default loopback for the embedded store, none with MySQL (CERTGRAPH_AUTO_APPROVE)")
	demo := fs.String("demo", env("demo", ""), "seed demo data into an empty database; default on for the embedded store (CERTGRAPH_DEMO)")
	demoCount := fs.String("demo-certificates", env("demo-certificates", "300"), "how many certificates the demo seeds (CERTGRAPH_DEMO_CERTIFICATES)")
	tokenTTL := fs.String("token-ttl", env("token-ttl", "720h"), "access token lifetime (CERTGRAPH_TOKEN_TTL)")
	cacheTTL := fs.String("cache-ttl", env("cache-ttl", "5s"), "longest a cached row may miss another node's write (CERTGRAPH_CACHE_TTL)")
	maxBody := fs.String("max-body-bytes", env("max-body-bytes", "8388608"), "largest GraphQL request body; layout files of up to 5 MiB travel base64 inside it (CERTGRAPH_MAX_BODY_BYTES)")
	maxDepth := fs.String("max-depth", env("max-depth", "12"), "deepest GraphQL operation (CERTGRAPH_MAX_DEPTH)")
	maxComplexity := fs.String("max-complexity", env("max-complexity", "5000"), "most complex GraphQL operation (CERTGRAPH_MAX_COMPLEXITY)")
	maxTokens := fs.String("max-tokens", env("max-tokens", strconv.Itoa(gqllimits.DefaultMaxTokens)), "most lexical tokens in a GraphQL document, checked before validation (CERTGRAPH_MAX_TOKENS)")
	maxFields := fs.String("max-fields", env("max-fields", strconv.Itoa(gqllimits.DefaultMaxFields)), "most field selections in a GraphQL document, fragments counted where spread (CERTGRAPH_MAX_FIELDS)")
	fs.StringVar(&c.KeyDir, "key-dir", env("key-dir", ""), "SM2/SM4/PDF/link keys, created on first start; default <data-dir>/keys; share it between nodes (CERTGRAPH_KEY_DIR)")
	fs.StringVar(&c.PublicURL, "public-url", env("public-url", ""), "base URL of links and code payloads, e.g. https://zz.example.gov.cn; empty = the request's host (CERTGRAPH_PUBLIC_URL)")
	encTTL := fs.String("encrypted-id-ttl", env("encrypted-id-ttl", "10m"), "lifetime of encrypted identifiers (CERTGRAPH_ENCRYPTED_ID_TTL)")
	linkTTL := fs.String("file-link-ttl", env("file-link-ttl", "10m"), "lifetime of file download links (CERTGRAPH_FILE_LINK_TTL)")
	logLevel := fs.String("log-level", env("log-level", "info"), "debug, info, warn or error (CERTGRAPH_LOG_LEVEL)")
	allowedHosts := fs.String("allowed-hosts", env("allowed-hosts", "localhost,127.0.0.1,::1"), "Host header values links may point at when --public-url is empty; requests for other hosts are refused (CERTGRAPH_ALLOWED_HOSTS)")
	rateAccount := fs.String("rate-account", env("rate-account", "6000/1m"), "requests per account and node, N/period or off (CERTGRAPH_RATE_ACCOUNT)")
	rateAddress := fs.String("rate-address", env("rate-address", "12000/1m"), "requests per client address and node, N/period or off (CERTGRAPH_RATE_ADDRESS)")
	rateRegistrations := fs.String("rate-registrations", env("rate-registrations", "30/1h"), "registrations per client address and node (CERTGRAPH_RATE_REGISTRATIONS)")
	rateMasked := fs.String("rate-masked-lookups", env("rate-masked-lookups", "120/1h"), "lookups by holder code per analyst (masked) account and node, each alias counted (CERTGRAPH_RATE_MASKED_LOOKUPS)")
	dbTimeout := fs.String("db-timeout", env("db-timeout", "10s"), "longest a database statement may take before the request answers UNAVAILABLE (CERTGRAPH_DB_TIMEOUT)")
	readTimeout := fs.String("read-timeout", env("read-timeout", "60s"), "longest the reading of a request (headers and body) may take (CERTGRAPH_READ_TIMEOUT)")
	if err := fs.Parse(args); err != nil {
		return nil, nil, err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if !set["bootstrap-admin-token"] {
		c.BootstrapAdminToken = getenv(envName("bootstrap-admin-token"))
	}
	if !set["database-url"] {
		c.DatabaseURL = getenv(envName("database-url"))
	}
	var err error
	// Unset (neither flag nor environment) means the store's default; an
	// explicit empty value means no network.
	autoApproveSet := getenv("CERTGRAPH_AUTO_APPROVE") != ""
	fs.Visit(func(f *flag.Flag) { autoApproveSet = autoApproveSet || f.Name == "auto-approve" })
	if !autoApproveSet && c.embedded() {
		*autoApprove = "127.0.0.0/8,::1/128"
	}
	if err := c.LogLevel.UnmarshalText([]byte(*logLevel)); err != nil {
		return nil, nil, fmt.Errorf("--log-level: %q is not debug, info, warn or error", *logLevel)
	}
	for _, s := range strings.Split(*autoApprove, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		p, perr := netip.ParsePrefix(s)
		if perr != nil {
			return nil, nil, fmt.Errorf("--auto-approve: %q is not a CIDR: %v", s, perr)
		}
		c.AutoApprove = append(c.AutoApprove, p.Masked())
	}
	c.Demo = c.embedded()
	if *demo != "" {
		if c.Demo, err = strconv.ParseBool(*demo); err != nil {
			return nil, nil, fmt.Errorf("--demo: %q is not true or false", *demo)
		}
	}
	if c.DemoCertificates, err = strconv.Atoi(*demoCount); err != nil || c.DemoCertificates < 0 {
		return nil, nil, fmt.Errorf("--demo-certificates: %q is not a count", *demoCount)
	}
	if c.TokenTTL, err = time.ParseDuration(*tokenTTL); err != nil || c.TokenTTL <= 0 {
		return nil, nil, fmt.Errorf("--token-ttl: %q is not a positive duration (e.g. 720h)", *tokenTTL)
	}
	if c.CacheTTL, err = time.ParseDuration(*cacheTTL); err != nil || c.CacheTTL <= 0 {
		return nil, nil, fmt.Errorf("--cache-ttl: %q is not a positive duration (e.g. 5s)", *cacheTTL)
	}
	if c.EncryptedIDTTL, err = time.ParseDuration(*encTTL); err != nil || c.EncryptedIDTTL <= 0 {
		return nil, nil, fmt.Errorf("--encrypted-id-ttl: %q is not a positive duration (e.g. 10m)", *encTTL)
	}
	if c.FileLinkTTL, err = time.ParseDuration(*linkTTL); err != nil || c.FileLinkTTL <= 0 {
		return nil, nil, fmt.Errorf("--file-link-ttl: %q is not a positive duration (e.g. 10m)", *linkTTL)
	}
	if c.MaxBodyBytes, err = strconv.ParseInt(*maxBody, 10, 64); err != nil || c.MaxBodyBytes < 1024 {
		return nil, nil, fmt.Errorf("--max-body-bytes: %q is not a size of at least 1024", *maxBody)
	}
	if c.MaxDepth, err = strconv.Atoi(*maxDepth); err != nil || c.MaxDepth < 2 {
		return nil, nil, fmt.Errorf("--max-depth: %q is not a depth of at least 2", *maxDepth)
	}
	if c.MaxComplexity, err = strconv.Atoi(*maxComplexity); err != nil || c.MaxComplexity < 10 {
		return nil, nil, fmt.Errorf("--max-complexity: %q is not a limit of at least 10", *maxComplexity)
	}
	if c.MaxTokens, err = strconv.Atoi(*maxTokens); err != nil || c.MaxTokens < 100 {
		return nil, nil, fmt.Errorf("--max-tokens: %q is not a limit of at least 100", *maxTokens)
	}
	if c.MaxFields, err = strconv.Atoi(*maxFields); err != nil || c.MaxFields < 10 {
		return nil, nil, fmt.Errorf("--max-fields: %q is not a limit of at least 10", *maxFields)
	}
	if len(c.Region) != 2 || strings.Trim(c.Region, "0123456789") != "" {
		return nil, nil, fmt.Errorf("--region: %q is not a 2-digit province code", c.Region)
	}
	for _, r := range []struct {
		name string
		v    *string
		dst  *ratelimit.Rate
	}{{"rate-account", rateAccount, &c.RateAccount}, {"rate-address", rateAddress, &c.RateAddress},
		{"rate-registrations", rateRegistrations, &c.RateRegistrations}, {"rate-masked-lookups", rateMasked, &c.RateMaskedLookups}} {
		if *r.dst, err = ratelimit.ParseRate(*r.v); err != nil {
			return nil, nil, fmt.Errorf("--%s: %v", r.name, err)
		}
	}
	if c.DBTimeout, err = time.ParseDuration(*dbTimeout); err != nil || c.DBTimeout <= 0 {
		return nil, nil, fmt.Errorf("--db-timeout: %q is not a positive duration (e.g. 10s)", *dbTimeout)
	}
	if c.ReadTimeout, err = time.ParseDuration(*readTimeout); err != nil || c.ReadTimeout <= 0 {
		return nil, nil, fmt.Errorf("--read-timeout: %q is not a positive duration (e.g. 60s)", *readTimeout)
	}
	for _, h := range strings.Split(*allowedHosts, ",") {
		if h = strings.ToLower(strings.TrimSpace(h)); h != "" {
			if strings.ContainsAny(h, "/ @") {
				return nil, nil, fmt.Errorf("--allowed-hosts: %q is not a host name", h)
			}
			c.AllowedHosts = append(c.AllowedHosts, strings.Trim(h, "[]"))
		}
	}
	if c.KeyDir == "" {
		c.KeyDir = filepath.Join(c.DataDir, "keys")
	}
	return c, fs.Args(), nil
}
