package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/portico-dev/portico/internal/app"
)

func cmdVersion(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "version", "portico version", "Prints the version, the commit it was built from and the Go version.")
	if err := parse(fs, args); err != nil {
		return err
	}
	rev := ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				rev = " (" + s.Value[:12] + ")"
			}
		}
	}
	fmt.Fprintf(e.stdout, "portico %s%s %s %s/%s\n", app.Version, rev, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return nil
}
