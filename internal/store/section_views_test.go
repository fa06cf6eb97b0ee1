package store_test

import (
	"context"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/portico-dev/portico/internal/store"
	"github.com/portico-dev/portico/internal/store/storetest"
)

func TestSectionViews(t *testing.T) {
	ctx := context.Background()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		day := func(n int) time.Time { return t0.AddDate(0, 0, n) }
		add := func(counts ...store.SectionViews) {
			t.Helper()
			if err := s.AddSectionViews(ctx, counts); err != nil {
				t.Fatal(err)
			}
		}
		add(store.SectionViews{Day: day(0), Section: "/", Views: 3},
			store.SectionViews{Day: day(0), Section: "/inventory", Views: 5},
			store.SectionViews{Day: day(0), Section: "/data/orders", Views: 0}) // nothing to add: no row
		add(store.SectionViews{Day: day(0).Add(10 * time.Hour), Section: "/", Views: 4}, // same UTC day: adds up
			store.SectionViews{Day: day(1), Section: "/data/orders", Views: 2},
			store.SectionViews{Day: day(-20), Section: "/inventory", Views: 100})
		add() // an empty flush is fine

		type total struct {
			Section string
			Views   int64
		}
		totals := func(first, last time.Time) []total {
			t.Helper()
			got, err := s.SectionViewTotals(ctx, first, last)
			if err != nil {
				t.Fatal(err)
			}
			out := []total{}
			for _, v := range got {
				out = append(out, total{v.Section, v.Views})
			}
			return out
		}
		for _, tc := range []struct {
			name        string
			first, last time.Time
			want        []total
		}{
			{"most viewed first", day(-1), day(1), []total{{"/", 7}, {"/inventory", 5}, {"/data/orders", 2}}},
			{"window start excludes older days", day(1), day(1), []total{{"/data/orders", 2}}},
			{"window includes older days when asked", day(-30), day(1), []total{{"/inventory", 105}, {"/", 7}, {"/data/orders", 2}}},
			{"an empty window has no rows", day(5), day(9), []total{}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if got := totals(tc.first, tc.last); !reflect.DeepEqual(got, tc.want) {
					t.Errorf("totals = %v, want %v", got, tc.want)
				}
			})
		}

		t.Run("ConcurrentFlushesAddUp", func(t *testing.T) {
			var wg sync.WaitGroup
			for i := range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					counts := []store.SectionViews{{Day: day(3), Section: "/a", Views: 1}, {Day: day(3), Section: "/b", Views: 1}}
					if i%2 == 1 {
						counts[0], counts[1] = counts[1], counts[0] // opposite order: no deadlock
					}
					if err := s.AddSectionViews(ctx, counts); err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			if got := totals(day(3), day(3)); !reflect.DeepEqual(got, []total{{"/a", 8}, {"/b", 8}}) {
				t.Errorf("totals = %v", got)
			}
		})
	})
}
