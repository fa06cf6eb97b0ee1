package web

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/portico-dev/portico/internal/audit"
	"github.com/portico-dev/portico/internal/store"
)

// analyticsView is the usage page.
type analyticsView struct {
	Days           int
	ActiveAccounts int
	SignIns7       int
	Unique7        int
	LiveSessions   int
	Exports7       int
	PerDay         []dayCount
	Chart          chart
	TopAccounts    []accountCount
	Recent         []store.ActionEvent
	Sections       []sectionRow // views per section in the window
	SectionViews   int          // all of them
}

type dayCount struct {
	Day   time.Time
	Count int
}

type accountCount struct {
	Label string
	Count int
}

// chart is a bar chart drawn as SVG by the template: no script, so it
// passes the CSP, prints, and reads in dark mode through CSS colours.
type chart struct {
	Width, Height int
	Bars          []chartBar
	Max           int
	Ticks         []chartTick
}

type chartBar struct {
	X, Y, W, H int
	Label      string // shown under some bars
	Title      string // tooltip and accessible name
}

type chartTick struct {
	Y     int
	Label string
}

// showAnalytics renders sign-in and export figures from the audit log.
func (s *Server) showAnalytics(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	days := 14
	switch r.URL.Query().Get("days") {
	case "", "14":
	case "30":
		days = 30
	default:
		s.errorPage(w, r, http.StatusBadRequest, "The chart covers 14 or 30 days.")
		return
	}
	now := s.Clock.Now().UTC()
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	start := today.AddDate(0, 0, -(days - 1))
	week := now.Add(-7 * 24 * time.Hour)
	v := analyticsView{Days: days}

	// The chart's window (14 or 30 days) always covers the 7-day figures.
	signIns, err := s.Store.ActionEvents(ctx, string(audit.SignIn), store.KindCustomer, start)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	exports, err := s.Store.ActionEvents(ctx, string(audit.DataExported), store.KindCustomer, week)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	accounts, err := s.Store.ListAccounts(ctx)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	for _, a := range accounts {
		if a.Active {
			v.ActiveAccounts++
		}
	}
	if v.LiveSessions, err = s.Store.CountLiveSessions(ctx, store.KindCustomer, now, s.Auth.IdleTimeout(ctx, store.KindCustomer)); err != nil {
		s.serverError(w, r, err)
		return
	}
	v.Exports7 = len(exports)

	perDay := make([]int, days)
	unique := map[int64]bool{}
	top := map[string]int{}
	for _, e := range signIns {
		if !e.At.Before(week) {
			v.SignIns7++
			unique[e.ActorID] = true
		}
		if i := int(e.At.Sub(start) / (24 * time.Hour)); i >= 0 && i < days {
			perDay[i]++
			top[e.Label]++
		}
	}
	v.Unique7 = len(unique)
	for i, n := range perDay {
		v.PerDay = append(v.PerDay, dayCount{Day: start.AddDate(0, 0, i), Count: n})
	}
	for label, n := range top {
		v.TopAccounts = append(v.TopAccounts, accountCount{label, n})
	}
	sort.Slice(v.TopAccounts, func(i, j int) bool {
		if v.TopAccounts[i].Count != v.TopAccounts[j].Count {
			return v.TopAccounts[i].Count > v.TopAccounts[j].Count
		}
		return v.TopAccounts[i].Label < v.TopAccounts[j].Label
	})
	v.TopAccounts = v.TopAccounts[:min(10, len(v.TopAccounts))]
	for i := len(signIns) - 1; i >= 0 && len(v.Recent) < 10; i-- {
		v.Recent = append(v.Recent, signIns[i])
	}
	v.Chart = barChart(v.PerDay)
	var views int64
	if v.Sections, views, err = s.sectionViews(ctx, start, today); err != nil {
		s.serverError(w, r, err)
		return
	}
	v.SectionViews = int(views)
	s.page(w, r, http.StatusOK, "admin_analytics", &view{Title: "Analytics", Data: v})
}

// barChart lays out one bar per day with a few horizontal guide lines.
func barChart(days []dayCount) chart {
	c := chart{Width: 720, Height: 220}
	const top, bottom, left = 10, 30, 36
	plotH := c.Height - top - bottom
	for _, d := range days {
		c.Max = max(c.Max, d.Count)
	}
	scale := max(c.Max, 4)
	step := float64(c.Width-left) / float64(len(days))
	for i, d := range days {
		h := d.Count * plotH / scale
		b := chartBar{X: left + int(float64(i)*step) + 2, W: max(int(step)-4, 2), H: h, Y: top + plotH - h,
			Title: fmt.Sprintf("%s: %d sign-in%s", d.Day.Format("Mon 2 Jan"), d.Count, plural(d.Count))}
		if len(days) <= 14 || i%5 == 0 || i == len(days)-1 {
			b.Label = d.Day.Format("2 Jan")
		}
		c.Bars = append(c.Bars, b)
	}
	for _, f := range []int{0, 2, 4} {
		v := scale * f / 4
		c.Ticks = append(c.Ticks, chartTick{Y: top + plotH - v*plotH/scale, Label: strconv.Itoa(v)})
	}
	return c
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
