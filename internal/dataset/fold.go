package dataset

import (
	"strings"
	"sync"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// foldPool reuses the accent-stripping transformer: a transform chain keeps
// state and is not safe for concurrent use, and building one per string
// would allocate for every distinct value of a million-row snapshot.
var foldPool = sync.Pool{New: func() any {
	return transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
}}

// foldExtra maps letters that carry no combining mark in Unicode (so NFD
// leaves them alone) to what a customer types on a plain keyboard.
var foldExtra = strings.NewReplacer("ß", "ss", "æ", "ae", "œ", "oe", "ø", "o", "đ", "d", "ł", "l", "ı", "i", "\x00", " ")

// fold returns the form of s that search and text sorting compare:
// lower case, accents removed. "Café" and "CAFE" both fold to "cafe".
// NUL becomes a space because the search blobs use NUL as a separator.
func fold(s string) string {
	upper := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 {
			return foldUnicode(s)
		}
		if c >= 'A' && c <= 'Z' || c == 0 {
			upper = true
		}
	}
	if !upper {
		return s // most ERP codes are already lower-case ASCII or digits: no allocation
	}
	b := make([]byte, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		case c == 0:
			c = ' '
		}
		b[i] = c
	}
	return string(b)
}

// foldUnicode is the slow path of fold for text outside ASCII. Lower-casing
// comes first so that letters like "İ" lose the dot they gain on the way.
func foldUnicode(s string) string {
	lower := strings.ToLower(s)
	t := foldPool.Get().(transform.Transformer)
	t.Reset()
	out, _, err := transform.String(t, lower)
	foldPool.Put(t)
	if err != nil {
		out = lower // invalid UTF-8: compare it as it is rather than drop it
	}
	return foldExtra.Replace(out)
}
