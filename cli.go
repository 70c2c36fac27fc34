package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"strings"
)

// command is one subcommand: its name, what it does, the groups of
// settings it reads (its help lists exactly those) and its work.
type command struct {
	name    string
	args    string // synopsis of its arguments after the flags
	summary string
	help    string // longer text: verbs, examples
	flags   []func(*config, *settings)
	run     func(ctx context.Context, inv *invocation) error
}

// invocation is what a command runs with.
type invocation struct {
	cfg            *config
	log            *slog.Logger
	args           []string
	stdout, stderr io.Writer
}

// commands lists the subcommands in the order help shows them. A new
// command is one entry here; a new setting goes into the group function
// (config.go) of the commands that need it.
func commands() []command {
	node := []func(*config, *settings){(*config).logFlags, (*config).dataFlags, (*config).databaseFlags, (*config).keyFlags, (*config).nodeFlags}
	with := func(groups []func(*config, *settings), more ...func(*config, *settings)) []func(*config, *settings) {
		return append(append([]func(*config, *settings){}, groups...), more...)
	}
	return []command{
		{name: "serve", summary: "run the node: GraphQL, GraphiQL, the legacy endpoints, files, health and metrics (the default command)",
			flags: with(node, (*config).serveFlags),
			run:   func(ctx context.Context, in *invocation) error { return serve(ctx, in.cfg, in.log, in.stdout) }},
		{name: "migrate", summary: "bring the database schema up to date and exit",
			flags: []func(*config, *settings){(*config).logFlags, (*config).dataFlags, (*config).databaseFlags},
			run:   func(ctx context.Context, in *invocation) error { return cmdMigrate(ctx, in.cfg, in.log, in.stdout) }},
		{name: "seed", summary: "generate synthetic certificates (deterministic for a given --seed)",
			flags: with(node, (*config).seedFlags),
			help: "Progress goes to stderr; the summary to stdout. Certificates whose identifier already exists are\n" +
				"skipped and counted: --seed 1 is the demo set a fresh embedded server already holds.",
			run: func(ctx context.Context, in *invocation) error {
				return cmdSeed(ctx, in.cfg, in.log, &in.cfg.Seed, in.stdout, in.stderr)
			}},
		{name: "import", args: "FILE.jsonl", summary: "import certificates from a JSONL file (docs/IMPORT.md)",
			flags: node,
			help:  "A bad line is reported with its number, field and reason, and nothing of it is stored.\nProgress goes to stderr; the report to stdout.",
			run: func(ctx context.Context, in *invocation) error {
				return cmdImport(ctx, in.cfg, in.log, in.args, in.stdout, in.stderr)
			}},
		{name: "accounts", args: "[VERB] [ARGS]", summary: "list, approve or revoke registered systems, or set their roles",
			flags: node,
			help: "Verbs:\n" +
				"  list [pending|approved|revoked]   list accounts (the default verb)\n" +
				"  approve ACCOUNT_ID                approve a registration\n" +
				"  revoke ACCOUNT_ID                 revoke an account (its tokens stop working)\n" +
				"  roles ACCOUNT_ID ROLE[,ROLE…]     set roles: CONSUMER, ISSUER, ADMIN, ANALYST",
			run: func(ctx context.Context, in *invocation) error {
				return cmdAccounts(ctx, in.cfg, in.log, in.args, in.stdout)
			}},
		{name: "keys", args: "[VERB]", summary: "show the key material or rotate the encryption key",
			flags: []func(*config, *settings){(*config).logFlags, (*config).dataFlags, (*config).keyFlags},
			help: "Verbs:\n" +
				"  show                 key directory, encrypted-id key ids, SM2 public key (the default verb)\n" +
				"  rotate-encryption    add a new active SM4 key; identifiers made with older keys still open",
			run: func(ctx context.Context, in *invocation) error { return cmdKeys(in.cfg, in.args, in.stdout) }},
		{name: "catalogue", args: "VERB [FILE.jsonl]", summary: "import or export the certificate catalogue (证照目录) as JSONL",
			flags: node,
			help: "Verbs:\n" +
				"  import FILE.jsonl   define or change the types of FILE, one a line; bad lines reported by number\n" +
				"  export              write every certificate type to stdout, one a line",
			run: func(ctx context.Context, in *invocation) error {
				return cmdCatalogue(ctx, in.cfg, in.log, in.args, in.stdout)
			}},
		{name: "national", args: "status", summary: "show the link to the national hub (node) or the registered nodes (hub)",
			flags: node,
			run: func(ctx context.Context, in *invocation) error {
				return cmdNational(ctx, in.cfg, in.log, in.args, in.stdout)
			}},
		{name: "version", summary: "print the module version, VCS revision and build time",
			flags: nil,
			run: func(ctx context.Context, in *invocation) error {
				info, _ := debug.ReadBuildInfo()
				fmt.Fprint(in.stdout, versionText(info))
				return nil
			}},
	}
}

// commandNamed finds a subcommand.
func commandNamed(name string) (command, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// run is the whole program: subcommand, configuration, dependencies, work.
// Help goes to stdout and is not an error; errors are returned, for main
// to print once.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	name := "serve"
	if len(args) > 0 {
		switch a := args[0]; {
		case a == "-h" || a == "-help" || a == "--help":
			fmt.Fprint(stdout, mainHelp())
			return nil
		case a == "-version" || a == "--version":
			name, args = "version", args[1:]
		case a == "help":
			if len(args) == 1 {
				fmt.Fprint(stdout, mainHelp())
				return nil
			}
			text, err := commandHelp(args[1])
			if err != nil {
				return err
			}
			fmt.Fprint(stdout, text)
			return nil
		case !strings.HasPrefix(a, "-"):
			name, args = a, args[1:]
		}
	}
	cmd, ok := commandNamed(name)
	if !ok {
		return fmt.Errorf("unknown command %q (certgraph help lists the commands)", name)
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	cfg, rest, err := parseConfig(fs, args, getenv)
	if errors.Is(err, flag.ErrHelp) {
		text, _ := commandHelp(name)
		fmt.Fprint(stdout, text)
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s: %w (certgraph help %s lists its flags)", name, err, name)
	}
	if cmd.args == "" && len(rest) > 0 {
		return fmt.Errorf("%s takes no arguments, got %q", name, rest)
	}
	log, err := newLogger(cfg.LogLevel, cfg.LogFormat, stderr)
	if err != nil {
		return err
	}
	return cmd.run(ctx, &invocation{cfg: cfg, log: log, args: rest, stdout: stdout, stderr: stderr})
}

// mainHelp is `certgraph --help`.
func mainHelp() string {
	var b strings.Builder
	b.WriteString("certgraph serves the electronic-certificate graph of DB51/T 2942—2022: GraphQL for portals and\n" +
		"analysts, the standard's POST JSON endpoints for legacy systems, over SQLite (embedded) or MySQL/MariaDB.\n\n" +
		"Usage:\n  certgraph [COMMAND] [FLAGS] [ARGS]\n\nCommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(&b, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(&b, "  %-10s %s\n", "help", "show this text, or a command's flags: help COMMAND")
	b.WriteString("\nWithout a command, certgraph serves. 'certgraph help COMMAND' or 'certgraph COMMAND --help' lists\n" +
		"a command's flags. Every flag can also be set by its environment variable, CERTGRAPH_<FLAG>\n" +
		"(e.g. --database-url: CERTGRAPH_DATABASE_URL); a flag given on the command line wins.\n")
	return b.String()
}

// commandHelp is `certgraph help CMD`: what it does, its verbs and its flags only.
func commandHelp(name string) (string, error) {
	if name == "help" {
		return mainHelp(), nil
	}
	cmd, ok := commandNamed(name)
	if !ok {
		return "", fmt.Errorf("unknown command %q (certgraph help lists the commands)", name)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "certgraph %s: %s\n\nUsage:\n  certgraph %s", cmd.name, cmd.summary, cmd.name)
	s := newSettings(flag.NewFlagSet(name, flag.ContinueOnError))
	for _, group := range cmd.flags {
		group(&config{}, s)
	}
	if len(s.flags) > 0 {
		b.WriteString(" [FLAGS]")
	}
	if cmd.args != "" {
		b.WriteString(" " + cmd.args)
	}
	b.WriteString("\n")
	if cmd.help != "" {
		b.WriteString("\n" + cmd.help + "\n")
	}
	if len(s.flags) > 0 {
		b.WriteString("\nFlags:\n" + s.usage())
	}
	return b.String(), nil
}

// versionText is `certgraph version`: what debug.ReadBuildInfo knows of
// this binary (module version, VCS revision and time, Go version).
func versionText(info *debug.BuildInfo) string {
	if info == nil {
		return "certgraph: no build information in this binary\n"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "certgraph %s\n", info.Main.Version)
	vcs := map[string]string{}
	for _, s := range info.Settings {
		vcs[s.Key] = s.Value
	}
	if rev := vcs["vcs.revision"]; rev != "" {
		if vcs["vcs.modified"] == "true" {
			rev += " (modified)"
		}
		fmt.Fprintf(&b, "  revision  %s\n", rev)
	} else {
		fmt.Fprintf(&b, "  revision  unknown (built without VCS information)\n")
	}
	if t := vcs["vcs.time"]; t != "" {
		fmt.Fprintf(&b, "  time      %s\n", t)
	}
	fmt.Fprintf(&b, "  go        %s\n", info.GoVersion)
	return b.String()
}

// newLogger is the program's logger in the configured format.
func newLogger(level slog.Level, format string, w io.Writer) (*slog.Logger, error) {
	opts := &slog.HandlerOptions{Level: level}
	switch format {
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	case "text", "":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format: %q is not text or json", format)
}
