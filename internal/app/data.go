package app

import (
	"context"
	"fmt"
	"time"

	"github.com/portico-dev/portico/internal/catalog"
	"github.com/portico-dev/portico/internal/customerdata"
	"github.com/portico-dev/portico/internal/dataset"
	"github.com/portico-dev/portico/internal/source"
)

// openData loads the datasets file (or the catalog given by the caller, as
// the demo does), opens every source read-only and builds the dataset
// engine. A bad datasets file stops the start with its messages.
func (a *App) openData(ctx context.Context, given *catalog.Catalog) error {
	cat := given
	if cat == nil && a.Config.ConfigPath != "" {
		var err error
		if cat, err = catalog.Load(a.Config.ConfigPath, lookupEnv); err != nil {
			return err
		}
	}
	a.Data = &customerdata.Service{Store: a.Store, Sources: map[string]*source.Source{},
		Engine: dataset.NewEngine(dataset.EngineOptions{MemoryBudget: a.Config.DatasetMemory, Now: a.Clock.Now})}
	if cat == nil {
		return nil
	}
	a.Data.Catalog = cat
	for _, cfg := range cat.Sources {
		src, err := source.Open(cfg)
		if err != nil {
			a.closeSources()
			return fmt.Errorf("source %q: %w", cfg.Name, err)
		}
		a.Data.Sources[cfg.Name] = src
	}
	// Reaching the ERP is not required to start: the portal serves sign-in
	// and the admin console without it, and data pages say "unavailable".
	for name, src := range a.Data.Sources {
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		if err := src.Ping(pctx); err != nil {
			a.Log.Warn("source not reachable at start; data pages will say unavailable until it is", "source", name, "err", err)
		}
		cancel()
	}
	return nil
}

func (a *App) closeSources() {
	if a.Data == nil {
		return
	}
	for _, src := range a.Data.Sources {
		src.Close()
	}
}
