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
	"certgraph/internal/national"
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
	// National is the national dispatch settings (--mode, --national-*,
	// --public-url), checked together by national.Settings.Validate.
	National national.Settings
}

// embedded reports whether the configuration uses the embedded SQLite store.
func (c *config) embedded() bool { return c.DatabaseURL == "" }

// parseConfig reads flags from args (after the subcommand) with
// environment defaults from getenv. Unknown flags and bad values are errors
// naming the flag.
// A subcommand's own flags are registered on fs before the call.
func parseConfig(fs *flag.FlagSet, args []string, getenv func(string) string) (*config, []string, error) {
	env := func(flagName, def string) string {
		if v := getenv("CERTGRAPH_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))); v != "" {
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
	mode := fs.String("mode", env("mode", national.ModeNode), "node (a provincial platform) or hub (the national hub, with --region 00) (CERTGRAPH_MODE)")
	fs.StringVar(&c.National.NationalURL, "national-url", env("national-url", ""), "node: base URL of the national hub; empty = no dispatch; not loopback → https (CERTGRAPH_NATIONAL_URL)")
	fs.StringVar(&c.National.AccountID, "national-account-id", env("national-account-id", ""), "node: this node's NODE account at the hub (CERTGRAPH_NATIONAL_ACCOUNT_ID)")
	fs.StringVar(&c.National.Token, "national-token", env("national-token", ""), "node: that account's access token (CERTGRAPH_NATIONAL_TOKEN)")
	natTimeout := fs.String("national-timeout", env("national-timeout", "3s"), "deadline of one dispatched read, all hops included (CERTGRAPH_NATIONAL_TIMEOUT)")
	logLevel := fs.String("log-level", env("log-level", "info"), "debug, info, warn or error (CERTGRAPH_LOG_LEVEL)")
	if err := fs.Parse(args); err != nil {
		return nil, nil, err
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
	c.National.Mode, c.National.Region, c.National.PublicURL = *mode, c.Region, c.PublicURL
	if c.National.Timeout, err = time.ParseDuration(*natTimeout); err != nil {
		return nil, nil, fmt.Errorf("--national-timeout: %q is not a duration (e.g. 3s)", *natTimeout)
	}
	if err := c.National.Validate(); err != nil {
		return nil, nil, err
	}
	if c.National.Mode == national.ModeHub {
		c.Demo = false // the hub holds central departments' certificates only, never demo data
	}
	if c.KeyDir == "" {
		c.KeyDir = filepath.Join(c.DataDir, "keys")
	}
	return c, fs.Args(), nil
}
