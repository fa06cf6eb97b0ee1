package main

import (
	"context"

	"github.com/portico-dev/portico/internal/app"
	"github.com/portico-dev/portico/internal/config"
)

func cmdServe(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "serve", "portico serve",
		"Serves the portal. Settings come from PORTICO_* environment variables and a .env file in\n"+
			"the working directory (see docs/configuration.md); PORTICO_SECRET_KEY is required.\n"+
			"The portal database is created or upgraded at start. SIGINT or SIGTERM stops the server\n"+
			"gracefully: it stops accepting connections and lets requests in flight finish.")
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	a, err := app.New(ctx, cfg, app.Options{LogOutput: e.stderr})
	if err != nil {
		return err
	}
	return a.Run(ctx)
}
