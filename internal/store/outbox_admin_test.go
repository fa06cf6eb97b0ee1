package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/portico-dev/portico/internal/store"
	"github.com/portico-dev/portico/internal/store/storetest"
)

// queueEmails adds n messages, one second apart from t0, and returns them
// oldest first.
func queueEmails(t *testing.T, s *store.Store, n int) []*store.Email {
	t.Helper()
	var out []*store.Email
	for i := range n {
		e := &store.Email{To: fmt.Sprintf("u%d@x.example", i), Subject: fmt.Sprintf("subject %d", i), BodyText: "text", BodyHTML: "<p>html</p>",
			CreatedAt: t0.Add(time.Duration(i) * time.Second)}
		mustTx(t, s, func(tx *store.Tx) error { return tx.EnqueueEmail(context.Background(), e) })
		out = append(out, e)
	}
	return out
}

func TestOutboxAdmin(t *testing.T) {
	ctx := context.Background()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		all := queueEmails(t, s, 7)
		// 0 and 1 sent, 2 failed, 3 queued with an error, the rest queued.
		mustDo := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		mustDo(s.MarkEmailSent(ctx, all[0].ID, t0.Add(time.Minute)))
		mustDo(s.MarkEmailSent(ctx, all[1].ID, t0.Add(time.Minute)))
		mustDo(s.MarkEmailRetry(ctx, all[2].ID, time.Time{}, "The mail server refused the recipient address (SMTP 550)."))
		mustDo(s.MarkEmailRetry(ctx, all[3].ID, t0.Add(time.Hour), "Connection refused"))

		t.Run("PagesNewestFirst", func(t *testing.T) {
			page, total, err := s.ListEmailsPage(ctx, "", 0, 3)
			if err != nil {
				t.Fatal(err)
			}
			if total != 7 || len(page) != 3 || page[0].ID != all[6].ID || page[2].ID != all[4].ID {
				t.Fatalf("first page: total %d, %d rows, first %d", total, len(page), page[0].ID)
			}
			if page[0].BodyText != "" || page[0].BodyHTML != "" {
				t.Error("the list carries bodies it does not show")
			}
			last, total, err := s.ListEmailsPage(ctx, "", 6, 3)
			if err != nil || total != 7 || len(last) != 1 || last[0].ID != all[0].ID {
				t.Fatalf("last page: %d rows, total %d, %v", len(last), total, err)
			}
			if last[0].Status != store.EmailSent || last[0].SentAt == nil || !last[0].SentAt.Equal(t0.Add(time.Minute)) || last[0].SentAt.Location() != time.UTC {
				t.Errorf("sent row = %+v", last[0])
			}
			if !last[0].CreatedAt.Equal(t0) || last[0].CreatedAt.Location() != time.UTC {
				t.Errorf("created = %v", last[0].CreatedAt)
			}
		})
		t.Run("FiltersByStatus", func(t *testing.T) {
			for _, c := range []struct {
				status string
				want   int
			}{{store.EmailSent, 2}, {store.EmailFailed, 1}, {store.EmailQueued, 4}, {"nonsense", 0}} {
				rows, total, err := s.ListEmailsPage(ctx, c.status, 0, 50)
				if err != nil || total != c.want || len(rows) != c.want {
					t.Errorf("%s: %d rows, total %d, %v; want %d", c.status, len(rows), total, err, c.want)
				}
				for _, r := range rows {
					if r.Status != c.status {
						t.Errorf("%s filter returned a %s row", c.status, r.Status)
					}
				}
			}
			counts, err := s.EmailCounts(ctx)
			if err != nil || counts[store.EmailSent] != 2 || counts[store.EmailFailed] != 1 || counts[store.EmailQueued] != 4 {
				t.Errorf("counts = %v, %v", counts, err)
			}
		})
		t.Run("ByID", func(t *testing.T) {
			e, err := s.EmailByID(ctx, all[2].ID)
			if err != nil {
				t.Fatal(err)
			}
			if e.To != "u2@x.example" || e.BodyHTML != "<p>html</p>" || e.BodyText != "text" || e.Status != store.EmailFailed || e.LastError == "" {
				t.Errorf("email = %+v", e)
			}
			if _, err := s.EmailByID(ctx, 999999); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("unknown id: %v", err)
			}
		})
		t.Run("RetryNow", func(t *testing.T) {
			now := t0.Add(2 * time.Hour)
			for _, c := range []struct {
				name string
				id   int64
				want error
			}{
				{"Failed", all[2].ID, nil},
				{"QueuedWithError", all[3].ID, nil},
				{"Sent", all[0].ID, store.ErrEmailNotRetryable},
				{"Unknown", 999999, store.ErrNotFound},
			} {
				t.Run(c.name, func(t *testing.T) {
					if err := s.RetryEmailNow(ctx, c.id, now); !errors.Is(err, c.want) {
						t.Fatalf("err = %v, want %v", err, c.want)
					}
				})
			}
			e, _ := s.EmailByID(ctx, all[2].ID)
			if e.Status != store.EmailQueued || !e.NextAttemptAt.Equal(now) || e.Attempts != 0 || e.LastError == "" {
				t.Errorf("retried row = %+v; want queued, due now, the last error kept", e)
			}
			claimed, err := s.ClaimDueEmails(ctx, now, 10, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			ids := map[int64]bool{}
			for _, c := range claimed {
				ids[c.ID] = true
			}
			if !ids[all[2].ID] || !ids[all[3].ID] {
				t.Fatalf("retried rows not claimable at once: %v", ids)
			}
			t.Run("ClaimedIsLeftAlone", func(t *testing.T) {
				// A sender holds the claim: queuing it again could send it twice.
				if err := s.RetryEmailNow(ctx, all[2].ID, now.Add(time.Second)); !errors.Is(err, store.ErrEmailNotRetryable) {
					t.Errorf("retry of a claimed row: %v", err)
				}
				// Once the lease has run out, the row can be retried.
				if err := s.RetryEmailNow(ctx, all[2].ID, now.Add(2*time.Minute)); err != nil {
					t.Errorf("retry after the lease: %v", err)
				}
				e, _ := s.EmailByID(ctx, all[2].ID)
				if e.Attempts != 1 {
					t.Errorf("attempts = %d, want the claim's 1 kept", e.Attempts)
				}
			})
		})
	})
}
