package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/auth"
	"github.com/advocate-org/advocate/app/privacy"
	"github.com/advocate-org/advocate/app/store"
)

// Supporter privacy commands: the retention purge, and a supporter's export
// and erasure on request. Every export and erasure is in the audit log.

const supporterUsage = `Supporter data (exports and erasures are recorded in the audit log):
  advocate purge [--dry-run]                      erase supporter data past each campaign's retention period
  advocate supporter export --email E [--out FILE] every record held for E, as JSON
  advocate supporter erase --email E [--yes]       erase every record held for E (asks first without --yes)
`

// newPrivacy is the privacy service on db, recording to its audit log.
func (c *cli) newPrivacy(db *store.DB) (*privacy.Service, error) {
	return privacy.New(privacy.Options{Store: db.Privacy, Audit: auth.NewAudit(db.Audit, nil), Logger: c.log})
}

// startPurges runs the daily retention purge in the background (serve);
// the returned function stops it and waits for it.
func (c *cli) startPurges(ctx context.Context, svc *privacy.Service) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		svc.RunDaily(ctx, privacy.JobOptions{})
	}()
	return func() { cancel(); <-done }
}

// withPrivacy opens the store and the privacy service for one command.
func (c *cli) withPrivacy(ctx context.Context, fn func(svc *privacy.Service) error) error {
	db, err := c.openStore(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	svc, err := c.newPrivacy(db)
	if err != nil {
		return err
	}
	return fn(svc)
}

// purgeCmd is `advocate purge [--dry-run]`.
func (c *cli) purgeCmd(ctx context.Context, args []string) error {
	fl := c.flags("purge")
	dry := fl.Bool("dry-run", false, "count what would be erased; change nothing")
	if err := parse(fl, args); err != nil {
		return err
	}
	return c.withPrivacy(ctx, func(svc *privacy.Service) error {
		now := time.Now()
		var er app.Erasure
		var err error
		if *dry {
			er, err = svc.PreviewPurge(cliCtx(ctx), now)
		} else {
			er, err = svc.Purge(cliCtx(ctx), now)
		}
		if len(er.Campaigns) == 0 && err == nil {
			fmt.Fprintln(c.stdout, "nothing to erase: no supporter data is past its campaign's retention period")
			return nil
		}
		printErasure(c.stdout, er)
		return userError(err)
	})
}

// printErasure lists an erasure's counts per campaign.
func printErasure(w io.Writer, er app.Erasure) {
	verb, stop := "erased", "stopped"
	if er.DryRun {
		verb, stop = "would erase", "would stop"
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, c := range er.Campaigns {
		keep := "kept until erased by hand"
		if c.RetentionDays > 0 {
			keep = fmt.Sprintf("kept %d days", c.RetentionDays)
		}
		name := c.Slug
		if name == "" {
			name = "(no campaign)"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s %s, %s;\t%s %s\n", name, keep, verb, nounCount(c.Supporters, "supporter"),
			nounCount(c.Letters, "letter"), stop, nounCount(c.Stopped, "unsent delivery"))
	}
	tw.Flush()
	fmt.Fprintf(w, "%s %s in total\n", verb, nounCount(er.Supporters(), "supporter"))
}

// nounCount is "1 letter" or "2 letters" ("unsent deliveries").
func nounCount(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if strings.HasSuffix(noun, "y") {
		return fmt.Sprintf("%d %sies", n, strings.TrimSuffix(noun, "y"))
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// supporterCmd is `advocate supporter export|erase`.
func (c *cli) supporterCmd(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usageErr("supporter needs a subcommand: export or erase (advocate supporter help)")
	}
	switch args[0] {
	case "help", "-h", "--help":
		fmt.Fprint(c.stdout, supporterUsage)
		return nil
	case "export":
		return c.supporterExport(ctx, args[1:])
	case "erase":
		return c.supporterErase(ctx, args[1:])
	}
	return usageErr("unknown supporter subcommand %q (advocate supporter help)", args[0])
}

func (c *cli) supporterExport(ctx context.Context, args []string) error {
	fl := c.flags("supporter export")
	email := fl.String("email", "", "the supporter's email address")
	out := fl.String("out", "", "write the JSON to this new file (default: standard output)")
	if err := parse(fl, args); err != nil {
		return err
	}
	if strings.TrimSpace(*email) == "" {
		return usageErr("supporter export needs --email")
	}
	return c.withPrivacy(ctx, func(svc *privacy.Service) error {
		x, err := svc.ExportSupporter(cliCtx(ctx), *email)
		if err != nil {
			return userError(err)
		}
		b, err := json.MarshalIndent(x, "", "  ")
		if err != nil {
			return err
		}
		b = append(b, '\n')
		if *out == "" {
			_, err = c.stdout.Write(b)
			return err
		}
		// Personal data: readable by the owner only, and never written over
		// an existing file.
		f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			return &exitError{code: 1, msg: *out + " already exists; choose another file name"}
		}
		if err != nil {
			return err
		}
		if _, err := f.Write(b); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "wrote %d records (%d letters) for %s to %s\n", len(x.Records), x.Letters(), x.Email, *out)
		return nil
	})
}

func (c *cli) supporterErase(ctx context.Context, args []string) error {
	fl := c.flags("supporter erase")
	email := fl.String("email", "", "the supporter's email address")
	yes := fl.Bool("yes", false, "erase without asking")
	if err := parse(fl, args); err != nil {
		return err
	}
	if strings.TrimSpace(*email) == "" {
		return usageErr("supporter erase needs --email")
	}
	return c.withPrivacy(ctx, func(svc *privacy.Service) error {
		who := strings.TrimSpace(*email)
		// Without --yes: a dry run first, shown, then the question.
		runs := []bool{false}
		if !*yes {
			runs = []bool{true, false}
		}
		for _, dry := range runs {
			er, err := svc.EraseSupporter(cliCtx(ctx), who, dry)
			if err != nil {
				return userError(err)
			}
			if er.Supporters() == 0 {
				fmt.Fprintf(c.stdout, "nothing to erase: no supporter data is held for %s\n", who)
				return nil
			}
			if dry {
				fmt.Fprintf(c.stdout, "supporter data held for %s:\n", who)
			}
			printErasure(c.stdout, er)
			if dry {
				if err := c.confirmErase(); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// confirmErase asks for "yes" on standard input.
func (c *cli) confirmErase() error {
	fmt.Fprint(c.stdout, `This cannot be undone. Type "yes" to erase: `)
	line, err := bufio.NewReader(c.stdin).ReadString('\n')
	if err != nil && err != io.EOF {
		return fmt.Errorf("read the answer: %w", err)
	}
	fmt.Fprintln(c.stdout)
	if !strings.EqualFold(strings.TrimSpace(line), "yes") {
		return &exitError{code: 1, msg: "not confirmed; nothing was erased (--yes skips the question)"}
	}
	return nil
}
