package password

import (
	_ "embed"
	"strings"
	"sync"
)

// blocklistData is the list of common passwords; see the header of
// blocklist.txt for its source and licence.
//
//go:embed blocklist.txt
var blocklistData string

var (
	blocklistOnce sync.Once
	blocklistSet  map[string]struct{}
)

// loadBlocklist builds the lookup map on first use rather than at init, so
// processes that never check a new password (and server start-up) do not pay
// for it. The keys share memory with the embedded text.
func loadBlocklist() {
	set := make(map[string]struct{}, 18000)
	for line := range strings.Lines(blocklistData) {
		line = strings.TrimRight(line, "\r\n")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		set[line] = struct{}{}
	}
	blocklistSet = set
}

// blocklisted reports whether s, already lowercased, is a listed password.
func blocklisted(s string) bool {
	blocklistOnce.Do(loadBlocklist)
	_, ok := blocklistSet[s]
	return ok
}
