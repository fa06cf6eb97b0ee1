// Command load drives a running Portico (normally `portico demo`) with many
// signed-in customers browsing the inventory grid at once, and reports
// throughput, latency percentiles and errors. It only talks to the URL it is
// given and stops by itself after -duration.
//
//	go run ./scripts/load -url http://127.0.0.1:5001 -users 50 -duration 60s
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

var csrfRe = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func main() {
	base := flag.String("url", "http://127.0.0.1:5001", "portal to load (must be this machine)")
	users := flag.Int("users", 50, "concurrent signed-in customers")
	duration := flag.Duration("duration", 60*time.Second, "how long to run")
	login := flag.String("login", "alex@alderfinch.example", "customer email (the demo's one-customer account)")
	password := flag.String("password", "demo-customer-harbour", "its password")
	flag.Parse()
	if u, err := url.Parse(*base); err != nil || (u.Hostname() != "127.0.0.1" && u.Hostname() != "localhost" && u.Hostname() != "::1") {
		fmt.Fprintln(os.Stderr, "load: -url must point at this machine (127.0.0.1 or localhost)")
		os.Exit(2)
	}

	clients := make([]*http.Client, *users)
	for i := range clients {
		c, err := signIn(*base, *login, *password)
		if err != nil {
			fmt.Fprintf(os.Stderr, "load: sign-in %d: %v\n", i+1, err)
			os.Exit(1)
		}
		clients[i] = c
	}
	fmt.Printf("%d customers signed in; browsing for %s…\n", *users, *duration)

	views := []string{
		"", "q=coffee", "q=box", "f.status=Available", "f.status=Quarantined", "sort=-on_hand_qty",
		"sort=description", "page=3", "page=20", "per_page=100", "q=a&sort=-exp_date&page=2", "f.bin=A-01-01&sort=bin",
	}
	ctx, cancel := context.WithTimeout(context.Background(), *duration)
	defer cancel()
	var mu sync.Mutex
	var lat []time.Duration
	var errs, total atomic.Int64
	var wg sync.WaitGroup
	for _, c := range clients {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(rand.Uint64(), 1))
			var mine []time.Duration
			for ctx.Err() == nil {
				v := views[rng.IntN(len(views))]
				req, _ := http.NewRequestWithContext(ctx, "GET", *base+"/inventory?"+v, nil)
				if rng.IntN(2) == 0 {
					req.Header.Set("HX-Request", "true") // what a click sends
				}
				start := time.Now()
				resp, err := c.Do(req)
				if ctx.Err() != nil {
					break
				}
				total.Add(1)
				if err != nil {
					errs.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					errs.Add(1)
					continue
				}
				mine = append(mine, time.Since(start))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	slices.Sort(lat)
	pct := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(float64(len(lat))*p))]
	}
	secs := duration.Seconds()
	fmt.Printf("requests %d, errors %d, %.0f requests/s\n", total.Load(), errs.Load(), float64(len(lat))/secs)
	fmt.Printf("latency p50 %s, p90 %s, p99 %s, max %s\n", pct(0.50).Round(time.Microsecond), pct(0.90).Round(time.Microsecond),
		pct(0.99).Round(time.Microsecond), pct(1).Round(time.Microsecond))
	if errs.Load() > 0 {
		os.Exit(1)
	}
}

// signIn returns a client holding a fresh customer session.
func signIn(base, login, password string) (*http.Client, error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 4},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(base + "/login")
	if err != nil {
		return nil, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfRe.FindSubmatch(body)
	if m == nil {
		return nil, fmt.Errorf("no form token on the sign-in page")
	}
	form := url.Values{"email": {login}, "password": {password}, "csrf_token": {string(m[1])}}
	req, _ := http.NewRequest("POST", base+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	resp, err = c.Do(req)
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") == "/password/change" {
		return nil, fmt.Errorf("sign-in answered %d", resp.StatusCode)
	}
	return c, nil
}
