package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/auth"
	"github.com/advocate-org/advocate/app/store"
)

const usersUsage = `Accounts (organizers, staff, admins):
  advocate user add --email E --role R [--role R2] [--name N] [--password-stdin]
  advocate user list
  advocate user disable --email E        (signs them out everywhere)
  advocate user enable --email E
  advocate user set-password --email E [--password-stdin]
  advocate user role --email E [--add R] [--remove R]   change roles at once
  advocate user grants [--all]           role grants waiting for approval
  advocate user approve --id N / refuse --id N
  advocate token create --email E [--name N]   prints a new API token once
  advocate token list [--email E] [--all]
  advocate token revoke --id N
Roles: admin (manages users), organizer (campaigns, targets, templates),
staff (read-only totals and exports), supporter-data (supporters' names,
addresses and emails). On the web the supporter-data role needs a second
administrator's approval; here, on the server, it is given at once and
recorded in the audit log. The password comes from
ADVOCATE_PASSWORD, the first line of standard input with --password-stdin,
or a prompt when standard input is a terminal.
`

// roleFlags collects repeated --role flags (each may be a comma list).
type roleFlags []string

func (r *roleFlags) String() string     { return strings.Join(*r, ",") }
func (r *roleFlags) Set(v string) error { *r = append(*r, v); return nil }

// cliCtx marks what the command does as the CLI's in the audit log.
func cliCtx(ctx context.Context) context.Context {
	return app.WithActor(ctx, app.Actor{Via: "cli"})
}

// authService opens the store and the accounts service on it.
func (c *cli) authService(ctx context.Context) (*auth.Service, *store.DB, error) {
	db, err := c.openStore(ctx)
	if err != nil {
		return nil, nil, err
	}
	svc, err := auth.New(c.authOptions(db))
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return svc, db, nil
}

// authOptions is the accounts configuration shared by serve and the
// commands.
func (c *cli) authOptions(db *store.DB) auth.Options {
	return auth.Options{Store: db.Accounts, Audit: auth.NewAudit(db.Audit, nil), Logger: c.log,
		SessionTTL: c.cfg.SessionTTL, IdleTimeout: c.cfg.SessionIdle, BcryptCost: c.bcryptCost}
}

// userError turns a domain error into a one-line message for the terminal.
func userError(err error) error {
	switch app.ErrorCodeOf(err) {
	case app.EINVALID, app.ECONFLICT, app.ENOTFOUND, app.EFORBIDDEN:
		return &exitError{code: 1, msg: strings.TrimSuffix(app.ErrorMessageOf(err), ".") + fieldText(err)}
	}
	return err
}

func (c *cli) user(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usageErr("user needs a subcommand: add, list, disable, enable, set-password, role, grants, approve or refuse (advocate user help)")
	}
	switch args[0] {
	case "help", "-h", "--help":
		fmt.Fprint(c.stdout, usersUsage)
		return nil
	case "add":
		return c.userAdd(ctx, args[1:])
	case "list":
		return c.userList(ctx, args[1:])
	case "disable", "enable":
		return c.userSetDisabled(ctx, args[0] == "disable", args[1:])
	case "set-password":
		return c.userSetPassword(ctx, args[1:])
	case "role":
		return c.userRole(ctx, args[1:])
	case "grants":
		return c.userGrants(ctx, args[1:])
	case "approve", "refuse":
		return c.userDecide(ctx, args[0] == "approve", args[1:])
	}
	return usageErr("unknown user subcommand %q (advocate user help)", args[0])
}

func (c *cli) userAdd(ctx context.Context, args []string) error {
	fl := c.flags("user add")
	email := fl.String("email", "", "the user's email (their sign-in name)")
	name := fl.String("name", "", "display name")
	var roles roleFlags
	fl.Var(&roles, "role", "admin, organizer, staff or supporter-data (repeat or comma-separate for several)")
	fromStdin := fl.Bool("password-stdin", false, "read the password from the first line of standard input")
	if err := parse(fl, args); err != nil {
		return err
	}
	if *email == "" || len(roles) == 0 {
		return usageErr("user add needs --email and at least one --role")
	}
	rs, err := app.ParseRoles(roles...)
	if err != nil {
		return usageErr("%s", app.ErrorMessageOf(err))
	}
	svc, db, err := c.authService(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	pw, err := c.password(svc, app.NormalizeEmail(*email), *fromStdin)
	if err != nil {
		return err
	}
	u, err := svc.CreateUser(cliCtx(ctx), auth.NewUser{Email: *email, Name: *name, Roles: rs, Password: pw})
	if err != nil {
		return userError(err)
	}
	fmt.Fprintf(c.stdout, "created user %d %s (%s)\n", u.ID, u.Email, rolesText(u.Roles))
	return nil
}

func rolesText(rs []app.Role) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = string(r)
	}
	return strings.Join(parts, ", ")
}

// password finds a new password: ADVOCATE_PASSWORD, standard input with
// --password-stdin, or a prompt without echo on a terminal. A weak one is
// refused before anything is stored.
func (c *cli) password(svc *auth.Service, email string, fromStdin bool) (string, error) {
	var pw string
	switch {
	case fromStdin:
		line, err := bufio.NewReader(c.stdin).ReadString('\n')
		if err != nil && err != io.EOF {
			return "", fmt.Errorf("read the password from standard input: %w", err)
		}
		pw = strings.TrimRight(line, "\r\n")
	case c.getenv("ADVOCATE_PASSWORD") != "":
		pw = c.getenv("ADVOCATE_PASSWORD")
	default:
		f, ok := c.stdin.(*os.File)
		if !ok || !term.IsTerminal(int(f.Fd())) {
			return "", &exitError{code: 1, msg: "no password given: set ADVOCATE_PASSWORD, pass --password-stdin, or run in a terminal to be asked"}
		}
		var err error
		if pw, err = c.prompt(f, "Password for "+email+": "); err != nil {
			return "", err
		}
		if err := svc.CheckPassword(pw); err != nil {
			return "", &exitError{code: 1, msg: "password refused: " + app.ErrorMessageOf(err)}
		}
		again, err := c.prompt(f, "Same password again: ")
		if err != nil {
			return "", err
		}
		if again != pw {
			return "", &exitError{code: 1, msg: "the two passwords differ; nothing was changed"}
		}
	}
	if err := svc.CheckPassword(pw); err != nil {
		return "", &exitError{code: 1, msg: "password refused: " + app.ErrorMessageOf(err)}
	}
	return pw, nil
}

func (c *cli) prompt(f *os.File, label string) (string, error) {
	fmt.Fprint(c.stderr, label)
	b, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(c.stderr)
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	return string(b), nil
}

func (c *cli) userList(ctx context.Context, args []string) error {
	if err := parse(c.flags("user list"), args); err != nil {
		return err
	}
	svc, db, err := c.authService(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	users, err := svc.Users(cliCtx(ctx), app.UserFilter{})
	if err != nil {
		return userError(err)
	}
	if len(users) == 0 {
		fmt.Fprintln(c.stdout, "no users yet: add the first admin with  advocate user add --email you@example.org --role admin")
		return nil
	}
	w := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tEMAIL\tNAME\tROLES\tSTATUS\tLAST SIGN-IN")
	for _, u := range users {
		status := "active"
		if u.Disabled {
			status = "disabled"
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\n", u.ID, u.Email, dash(u.Name), rolesText(u.Roles), status, when(u.LastLoginAt))
	}
	return w.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func when(t *time.Time) string {
	if t == nil {
		return "never"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// findUser loads a user by --email for the commands that act on one.
func (c *cli) findUser(ctx context.Context, svc *auth.Service, email string) (*app.User, error) {
	if email == "" {
		return nil, usageErr("--email is required")
	}
	u, err := svc.UserByEmail(cliCtx(ctx), email)
	if err != nil {
		if app.ErrorCodeOf(err) == app.ENOTFOUND {
			return nil, &exitError{code: 1, msg: "no user with email " + app.NormalizeEmail(email)}
		}
		return nil, err
	}
	return u, nil
}

func (c *cli) userSetDisabled(ctx context.Context, disabled bool, args []string) error {
	name := "user enable"
	if disabled {
		name = "user disable"
	}
	fl := c.flags(name)
	email := fl.String("email", "", "the user's email")
	if err := parse(fl, args); err != nil {
		return err
	}
	svc, db, err := c.authService(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := c.findUser(ctx, svc, *email)
	if err != nil {
		return err
	}
	if _, err := svc.SetDisabled(cliCtx(ctx), u.ID, disabled); err != nil {
		return userError(err)
	}
	if disabled {
		fmt.Fprintf(c.stdout, "disabled %s: signed out everywhere, API tokens stop working\n", u.Email)
	} else {
		fmt.Fprintf(c.stdout, "enabled %s\n", u.Email)
	}
	return nil
}

func (c *cli) userSetPassword(ctx context.Context, args []string) error {
	fl := c.flags("user set-password")
	email := fl.String("email", "", "the user's email")
	fromStdin := fl.Bool("password-stdin", false, "read the password from the first line of standard input")
	if err := parse(fl, args); err != nil {
		return err
	}
	svc, db, err := c.authService(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := c.findUser(ctx, svc, *email)
	if err != nil {
		return err
	}
	pw, err := c.password(svc, u.Email, *fromStdin)
	if err != nil {
		return err
	}
	if err := svc.SetPassword(cliCtx(ctx), u.ID, pw); err != nil {
		return userError(err)
	}
	fmt.Fprintf(c.stdout, "password set for %s; their sessions were signed out\n", u.Email)
	return nil
}

// userRole is `advocate user role --email E --add R --remove R`: roles
// change at once, the supporter-data role included (the operator on the
// server has the database anyway); the change is in the audit log as the
// command line's, naming the operating-system account.
func (c *cli) userRole(ctx context.Context, args []string) error {
	fl := c.flags("user role")
	email := fl.String("email", "", "the user's email")
	var add, remove roleFlags
	fl.Var(&add, "add", "role to give (repeat or comma-separate for several)")
	fl.Var(&remove, "remove", "role to take away")
	if err := parse(fl, args); err != nil {
		return err
	}
	if len(add) == 0 && len(remove) == 0 {
		return usageErr("user role needs --add R or --remove R")
	}
	adds, err := app.ParseRoles(add...)
	if err != nil {
		return usageErr("%s", app.ErrorMessageOf(err))
	}
	removes, err := app.ParseRoles(remove...)
	if err != nil {
		return usageErr("%s", app.ErrorMessageOf(err))
	}
	for _, r := range adds {
		if slices.Contains(removes, r) {
			return usageErr("%s is both added and removed", r)
		}
	}
	svc, db, err := c.authService(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := c.findUser(ctx, svc, *email)
	if err != nil {
		return err
	}
	roles := slices.DeleteFunc(append(slices.Clone(u.Roles), adds...), func(r app.Role) bool { return slices.Contains(removes, r) })
	ctx = cliCtx(ctx)
	if err := svc.Audit().Record(ctx, "user.role_cli", "user:"+u.Email, auth.Detail(map[string]any{"add": adds, "remove": removes,
		"operator": operator(c.getenv)})); err != nil {
		return err
	}
	after, err := svc.UpdateUser(ctx, u.ID, auth.UserUpdate{Name: u.Name, Roles: roles})
	if err != nil {
		return userError(err)
	}
	fmt.Fprintf(c.stdout, "%s now has %s\n", after.Email, rolesText(after.Roles))
	return nil
}

// userGrants lists role grants waiting for approval (all with --all).
func (c *cli) userGrants(ctx context.Context, args []string) error {
	fl := c.flags("user grants")
	all := fl.Bool("all", false, "include approved and refused grants")
	if err := parse(fl, args); err != nil {
		return err
	}
	svc, db, err := c.authService(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	f := app.RoleGrantFilter{Status: app.GrantPending}
	if *all {
		f.Status = ""
	}
	gs, err := svc.RoleGrants(cliCtx(ctx), f)
	if err != nil {
		return userError(err)
	}
	if len(gs) == 0 {
		fmt.Fprintln(c.stdout, "no role grants waiting")
		return nil
	}
	w := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tUSER\tROLE\tASKED BY\tASKED\tSTATUS\tDECIDED BY")
	for _, g := range gs {
		at := g.RequestedAt
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", g.ID, g.UserEmail, g.Role, g.RequestedByLabel, when(&at), g.Status, dash(g.DecidedByLabel))
	}
	return w.Flush()
}

// userDecide is `advocate user approve|refuse --id N`.
func (c *cli) userDecide(ctx context.Context, approve bool, args []string) error {
	name := "user refuse"
	if approve {
		name = "user approve"
	}
	fl := c.flags(name)
	id := fl.String("id", "", "the grant's ID (see advocate user grants)")
	if err := parse(fl, args); err != nil {
		return err
	}
	n, err := strconv.ParseInt(*id, 10, 64)
	if err != nil || n <= 0 {
		return usageErr("%s needs --id N (see advocate user grants)", name)
	}
	svc, db, err := c.authService(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx = cliCtx(ctx)
	decide := svc.RefuseRoleGrant
	if approve {
		decide = svc.ApproveRoleGrant
	}
	g, err := decide(ctx, n)
	if err != nil {
		if app.ErrorCodeOf(err) == app.ENOTFOUND {
			return &exitError{code: 1, msg: fmt.Sprintf("no role grant with ID %d", n)}
		}
		return userError(err)
	}
	if approve {
		fmt.Fprintf(c.stdout, "%s now has the %s role (asked by %s)\n", g.UserEmail, g.Role, g.RequestedByLabel)
	} else {
		fmt.Fprintf(c.stdout, "refused: %s does not get the %s role\n", g.UserEmail, g.Role)
	}
	return nil
}

func (c *cli) token(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usageErr("token needs a subcommand: create, list or revoke (advocate user help)")
	}
	switch args[0] {
	case "help", "-h", "--help":
		fmt.Fprint(c.stdout, usersUsage)
		return nil
	case "create":
		return c.tokenCreate(ctx, args[1:])
	case "list":
		return c.tokenList(ctx, args[1:])
	case "revoke":
		return c.tokenRevoke(ctx, args[1:])
	}
	return usageErr("unknown token subcommand %q (advocate user help)", args[0])
}

func (c *cli) tokenCreate(ctx context.Context, args []string) error {
	fl := c.flags("token create")
	email := fl.String("email", "", "the user the token acts as")
	name := fl.String("name", "", "what the token is for (e.g. \"nightly export\")")
	if err := parse(fl, args); err != nil {
		return err
	}
	svc, db, err := c.authService(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := c.findUser(ctx, svc, *email)
	if err != nil {
		return err
	}
	secret, t, err := svc.CreateToken(cliCtx(ctx), u.ID, *name)
	if err != nil {
		return userError(err)
	}
	// The secret alone on standard output, so scripts can capture it.
	fmt.Fprintf(c.stderr, "token %d %q for %s (%s). It is shown only now; Advocate keeps only its hash:\n",
		t.ID, t.Name, u.Email, rolesText(u.Roles))
	fmt.Fprintln(c.stdout, secret)
	return nil
}

func (c *cli) tokenList(ctx context.Context, args []string) error {
	fl := c.flags("token list")
	email := fl.String("email", "", "only this user's tokens")
	all := fl.Bool("all", false, "include revoked tokens")
	if err := parse(fl, args); err != nil {
		return err
	}
	svc, db, err := c.authService(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	f := app.APITokenFilter{IncludeRevoked: *all}
	if *email != "" {
		u, err := c.findUser(ctx, svc, *email)
		if err != nil {
			return err
		}
		f.UserID = u.ID
	}
	tokens, err := svc.Tokens(cliCtx(ctx), f)
	if err != nil {
		return userError(err)
	}
	if len(tokens) == 0 {
		fmt.Fprintln(c.stdout, "no tokens")
		return nil
	}
	w := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tUSER\tNAME\tSTARTS WITH\tCREATED\tLAST USED\tSTATUS")
	for _, t := range tokens {
		status := "active"
		if t.RevokedAt != nil {
			status = "revoked " + when(t.RevokedAt)
		}
		created := t.CreatedAt
		fmt.Fprintf(w, "%d\t%s\t%s\t%s…\t%s\t%s\t%s\n", t.ID, t.UserEmail, t.Name, t.Prefix, when(&created), when(t.LastUsedAt), status)
	}
	return w.Flush()
}

func (c *cli) tokenRevoke(ctx context.Context, args []string) error {
	fl := c.flags("token revoke")
	id := fl.String("id", "", "the token's ID (see advocate token list)")
	if err := parse(fl, args); err != nil {
		return err
	}
	n, err := strconv.ParseInt(*id, 10, 64)
	if err != nil || n <= 0 {
		return usageErr("token revoke needs --id N (see advocate token list)")
	}
	svc, db, err := c.authService(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	t, err := svc.RevokeToken(cliCtx(ctx), n)
	if err != nil {
		if app.ErrorCodeOf(err) == app.ENOTFOUND {
			return &exitError{code: 1, msg: fmt.Sprintf("no token with ID %d", n)}
		}
		return userError(err)
	}
	fmt.Fprintf(c.stdout, "revoked token %d %q of %s\n", t.ID, t.Name, t.UserEmail)
	return nil
}

// serveAccounts starts the accounts service for serve: it sweeps expired
// sessions until ctx ends and says how to create the first admin on a
// fresh install.
func (c *cli) serveAccounts(ctx context.Context, db *store.DB) (*auth.Service, error) {
	svc, err := auth.New(c.authOptions(db))
	if err != nil {
		return nil, err
	}
	go svc.WarmUp()
	if admins, err := db.Accounts.ListUsers(ctx, app.UserFilter{Role: app.RoleAdmin, ActiveOnly: true, Limit: 1}); err != nil {
		return nil, err
	} else if len(admins) == 0 {
		c.log.Warn("no administrator yet: create one with  advocate user add --email you@example.org --role admin")
	}
	go func() {
		t := time.NewTicker(10 * time.Minute)
		defer t.Stop()
		for {
			if err := svc.Sweep(ctx); err != nil && ctx.Err() == nil {
				c.log.Warn("sweep expired sessions", "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return svc, nil
}
