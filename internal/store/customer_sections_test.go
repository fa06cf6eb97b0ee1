package store_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/portico-dev/portico/internal/store"
	"github.com/portico-dev/portico/internal/store/storetest"
)

func TestSectionsOff(t *testing.T) {
	ctx := context.Background()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		got, err := s.SectionsOff(ctx, []string{"ACME", "BETA"})
		if err != nil || len(got) != 0 {
			t.Fatalf("nothing switched off yet: %v, %v", got, err)
		}
		var before []string
		mustTx(t, s, func(tx *store.Tx) (err error) {
			before, err = tx.SetSectionsOff(ctx, "ACME", []string{"invoices", "time_entries"}, t0)
			return err
		})
		if len(before) != 0 {
			t.Errorf("before = %v, want none", before)
		}
		mustTx(t, s, func(tx *store.Tx) (err error) {
			_, err = tx.SetSectionsOff(ctx, "BETA", []string{"inventory"}, t0)
			return err
		})
		mustTx(t, s, func(tx *store.Tx) (err error) {
			before, err = tx.SetSectionsOff(ctx, "ACME", []string{"projects"}, t0)
			return err
		})
		if !reflect.DeepEqual(before, []string{"invoices", "time_entries"}) {
			t.Errorf("before = %v, want the two switched off first", before)
		}
		got, err = s.SectionsOff(ctx, []string{"ACME", "GAMMA"})
		want := map[string]map[string]bool{"ACME": {"projects": true}}
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("SectionsOff = %v, %v; want %v (the replaced set, only for the keys asked)", got, err, want)
		}
		mustTx(t, s, func(tx *store.Tx) (err error) {
			_, err = tx.SetSectionsOff(ctx, "ACME", nil, t0)
			return err
		})
		if got, _ := s.SectionsOff(ctx, []string{"ACME", "BETA"}); !reflect.DeepEqual(got, map[string]map[string]bool{"BETA": {"inventory": true}}) {
			t.Errorf("after switching everything on for ACME: %v", got)
		}
	})
}
