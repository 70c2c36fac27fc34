package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"text/tabwriter"

	"certgraph/internal/keys"
	"certgraph/internal/store"
	"certgraph/models"
)

func cmdMigrate(ctx context.Context, cfg *config, log *slog.Logger, stdout io.Writer) error {
	db, err := store.Open(cfg.DatabaseURL, cfg.DataDir, log)
	if err != nil {
		return err
	}
	defer db.Close()
	applied, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	if len(applied) == 0 {
		fmt.Fprintf(stdout, "%s schema is current (version %d)\n", db.Dialect(), store.LatestVersion())
		return nil
	}
	fmt.Fprintf(stdout, "%s schema migrated: applied %v, now at version %d\n", db.Dialect(), applied, store.LatestVersion())
	return nil
}

// cmdAccounts lists, approves or revokes registered systems:
// accounts list [pending|approved|revoked] | approve ID | revoke ID | roles ID ROLE[,ROLE]
func cmdAccounts(ctx context.Context, cfg *config, log *slog.Logger, args []string, stdout io.Writer) error {
	a, err := open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.close()
	if len(args) == 0 {
		args = []string{"list"}
	}
	switch args[0] {
	case "list":
		var status *models.AccountStatus
		if len(args) > 1 {
			s := models.AccountStatus(strings.ToUpper(args[1]))
			status = &s
		}
		accs, err := a.store.Accounts(ctx, status)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tSTATUS\tROLES\tSYSTEM\tIP\tDEPT\tREGISTERED")
		for _, x := range accs {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s %s\t%s\n", x.ID, x.Status, x.RoleList, x.SystemName, x.SystemIP, x.DeptCode, x.DeptName, x.CreatedAt.Format("2006-01-02 15:04"))
		}
		return tw.Flush()
	case "approve", "revoke":
		if len(args) != 2 {
			return fmt.Errorf("usage: certgraph accounts %s ACCOUNT_ID", args[0])
		}
		var acc *models.Account
		if args[0] == "approve" {
			acc, err = a.resolver.Approve(ctx, args[1])
		} else {
			acc, err = a.resolver.Revoke(ctx, args[1])
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "account %s is now %s\n", acc.ID, acc.Status)
		return nil
	case "roles":
		if len(args) != 3 {
			return fmt.Errorf("usage: certgraph accounts roles ACCOUNT_ID ROLE[,ROLE…] (CONSUMER, ISSUER, ADMIN, ANALYST)")
		}
		var roles []models.Role
		for _, s := range strings.Split(args[2], ",") {
			r, err := models.ParseRole(strings.TrimSpace(s))
			if err != nil {
				return err
			}
			roles = append(roles, r)
		}
		acc, err := a.resolver.AssignRoles(ctx, args[1], roles)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "account %s has roles %s\n", acc.ID, acc.RoleList)
		return nil
	}
	return fmt.Errorf("unknown accounts command %q (list, approve, revoke, roles)", args[0])
}

// cmdKeys manages the key material: keys show | keys rotate-encryption.
// Rotation adds a new active SM4 key; identifiers made with older keys still
// open until they expire. Running nodes pick the new key up on restart.
func cmdKeys(cfg *config, args []string, stdout io.Writer) error {
	t, err := keys.Load(cfg.KeyDir, cfg.EncryptedIDTTL, cfg.FileLinkTTL)
	if err != nil {
		return err
	}
	if len(args) == 0 {
		args = []string{"show"}
	}
	switch args[0] {
	case "show":
		fmt.Fprintf(stdout, "key dir: %s\nencrypted-id keys: %v (active %s)\nSM2 signing key:\n%s", cfg.KeyDir, t.Sealer.KeyIDs(), t.Sealer.ActiveKeyID(), t.Keys.PublicKeyPEM())
		return nil
	case "rotate-encryption":
		kid, err := t.Sealer.Rotate()
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "new active encrypted-id key %s; older keys still open identifiers within their lifetime\n", kid)
		return nil
	}
	return fmt.Errorf("unknown keys command %q (show, rotate-encryption)", args[0])
}
