// Command portico is the customer portal: one binary that serves the portal
// and manages its database and admins. main only handles signals, exit codes
// and the choice of subcommand; the work is in internal/.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

// command is one subcommand.
type command struct {
	name, usage, summary string
	run                  func(ctx context.Context, env *env, args []string) error
}

// env is what a command reads and writes, so tests can run commands
// without a terminal.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	isTerminal     func() bool
	readSecret     func(prompt string) (string, error)
}

// errUsage marks a mistake in the command line (exit status 2).
var errUsage = errors.New("usage")

var commands []command

func init() {
	commands = []command{
		{"serve", "portico serve", "Serve the portal with the configuration in the environment (and .env).", cmdServe},
		{"demo", "portico demo [--data-dir DIR] [--addr ADDR]", "Create (or reuse) a demo with sample accounts and serve it on :5001.", cmdDemo},
		{"migrate", "portico migrate", "Create or upgrade the portal database schema, then exit.", cmdMigrate},
		{"admin", "portico admin create|passwd|list …", "Create admins, set their passwords, list them.", cmdAdmin},
		{"import", "portico import wepackitall|timetracker …", "Import accounts (and passwords) from the portal Portico replaces.", cmdImport},
		{"hash-password", "portico hash-password", "Read a password and print its hash for PORTICO_ADMIN_PASSWORD_HASH.", cmdHashPassword},
		{"check", "portico check", "Check the configuration and that the portal database answers.", cmdCheck},
		{"version", "portico version", "Print the version.", cmdVersion},
		{"help", "portico help [COMMAND]", "Explain a command.", nil},
	}
}

func main() {
	// The heap is mostly long-lived dataset snapshots (bounded by
	// PORTICO_DATASET_MEMORY_MB) plus short-lived request garbage, so
	// collecting at 200 % growth instead of 100 % halves GC work for little
	// memory. GOGC and GOMEMLIMIT in the environment still win.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(200)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, newEnv(), os.Args[1:]))
}

func run(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 {
		usage(e.stderr)
		return 2
	}
	name := args[0]
	if name == "help" || name == "-h" || name == "--help" {
		if len(args) > 1 {
			return run(ctx, e, []string{args[1], "-h"})
		}
		usage(e.stdout)
		return 0
	}
	for _, c := range commands {
		if c.name == name && c.run != nil {
			err := c.run(ctx, e, args[1:])
			switch {
			case err == nil, errors.Is(err, flag.ErrHelp):
				return 0
			case errors.Is(err, errUsage):
				return 2
			default:
				fmt.Fprintf(e.stderr, "portico %s: %v\n", name, err)
				return 1
			}
		}
	}
	fmt.Fprintf(e.stderr, "portico: unknown command %q\n\n", name)
	usage(e.stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Portico is a self-hosted customer portal.")
	fmt.Fprintln(w, "\nUsage:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-48s %s\n", c.usage, c.summary)
	}
	fmt.Fprintln(w, "\nRun `portico help COMMAND` or `portico COMMAND -h` for details.")
	fmt.Fprintln(w, "Configuration comes from PORTICO_* environment variables; see docs/configuration.md.")
}

// newFlags makes a FlagSet whose -h prints the command's description.
func newFlags(e *env, name, usageLine, description string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		out := fs.Output()
		fmt.Fprintf(out, "Usage: %s\n\n%s\n", usageLine, description)
		hasFlags := false
		fs.VisitAll(func(*flag.Flag) { hasFlags = true })
		if hasFlags {
			fmt.Fprintln(out, "\nOptions:")
			fs.PrintDefaults()
		}
	}
	return fs
}

// parse parses flags, turning a bad flag into errUsage (already explained
// by the flag package) and -h into flag.ErrHelp.
func parse(fs *flag.FlagSet, args []string) error {
	fs.SetOutput(fs.Output())
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	return nil
}
