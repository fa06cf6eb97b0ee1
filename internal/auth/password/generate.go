package password

import (
	"crypto/rand"
	"strings"
)

// temporaryAlphabet has lowercase letters and digits without the look-alikes
// 0/o, 1/l/i, so a temporary password read out on the phone or copied from a
// letter is typed correctly the first time. 31 symbols give about 4.95 bits
// each, so 20 of them carry about 99 bits.
const temporaryAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"

const (
	temporaryGroups    = 4
	temporaryGroupSize = 5
)

// GenerateTemporary returns a random password from crypto/rand for an
// administrator to hand to a customer, e.g. "k7q3m-xw9fa-tr2hp-5bzne": four
// groups of five characters, 23 code points in all, which passes
// DefaultPolicy even with MinLength raised to 20.
func GenerateTemporary() string {
	policy := DefaultPolicy()
	policy.MinLength = temporaryGroups * temporaryGroupSize // the 20 random characters alone
	for {
		pw := randomGrouped()
		// A random draw can in principle spell a listed word or a sequence
		// such as "abcd-efgh"; draw again rather than hand it out.
		if policy.Check(pw) == nil {
			return pw
		}
	}
}

func randomGrouped() string {
	const n = temporaryGroups * temporaryGroupSize
	// Reject bytes at or above the largest multiple of the alphabet size so
	// every symbol is equally likely.
	const limit = 256 - 256%len(temporaryAlphabet)
	chars := make([]byte, 0, n)
	buf := make([]byte, 2*n)
	for len(chars) < n {
		_, _ = rand.Read(buf) // crypto/rand.Read never fails since Go 1.24
		for _, b := range buf {
			if int(b) < limit && len(chars) < n {
				chars = append(chars, temporaryAlphabet[int(b)%len(temporaryAlphabet)])
			}
		}
	}
	var sb strings.Builder
	sb.Grow(n + temporaryGroups - 1)
	for i, c := range chars {
		if i > 0 && i%temporaryGroupSize == 0 {
			sb.WriteByte('-')
		}
		sb.WriteByte(c)
	}
	return sb.String()
}
