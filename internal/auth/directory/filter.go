package directory

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/go-ldap/ldap/v3"
)

// MaxUsernameLength bounds the username in bytes. Real names are far
// shorter (sAMAccountName is at most 20 characters); the cap keeps
// oversized input away from the directory.
const MaxUsernameLength = 256

// maxPasswordLength bounds the password in bytes. Active Directory accepts
// at most 256 characters; anything much longer is not a password anyone
// types, and is refused rather than cut short.
const maxPasswordLength = 4096

// inChainRule is LDAP_MATCHING_RULE_IN_CHAIN: on Active Directory,
// (memberOf:1.2.840.113556.1.4.1941:=G) matches entries that are members of G
// directly or through any depth of nested groups, evaluated by the server.
const inChainRule = "1.2.840.113556.1.4.1941"

// lockedForever is the pwdAccountLockedTime value with which OpenLDAP's
// ppolicy marks an account locked until an administrator unlocks it. Other
// values are temporary lockouts after failed binds, which the server
// enforces at bind time; only this one means "disabled".
const lockedForever = "000001010000Z"

// profile holds what differs between Active Directory and OpenLDAP.
type profile struct {
	defaultFilter string
	idAttr        string   // stable id: objectGUID or entryUUID
	nameAttr      string   // the account name to report
	groupClasses  string   // filter matching group entries
	memberAttrs   []string // attributes of a group that hold member DNs
	userAttrs     []string // attributes read from a user entry
}

var (
	adProfile = profile{
		defaultFilter: DefaultADFilter,
		idAttr:        "objectGUID",
		nameAttr:      "sAMAccountName",
		groupClasses:  "(objectClass=group)",
		memberAttrs:   []string{"member"},
		userAttrs:     []string{"objectGUID", "sAMAccountName", "userPrincipalName", "mail", "displayName", "cn"},
	}
	openLDAPProfile = profile{
		defaultFilter: DefaultOpenLDAPFilter,
		idAttr:        "entryUUID",
		nameAttr:      "uid",
		groupClasses:  "(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames))",
		memberAttrs:   []string{"member", "uniqueMember"},
		// entryUUID and pwdAccountLockedTime are operational attributes:
		// the server only returns them when asked by name.
		userAttrs: []string{"entryUUID", "uid", "mail", "displayName", "cn", "pwdAccountLockedTime"},
	}
)

func profileFor(kind string) profile {
	if kind == KindAD {
		return adProfile
	}
	return openLDAPProfile
}

// errUsername is why a typed username is refused before any search.
type errUsername string

func (e errUsername) Error() string { return string(e) }

// cleanUsername trims surrounding white space (directories ignore it when
// matching names anyway) and refuses what no real account name contains:
// nothing at all, invalid UTF-8, control characters such as NUL, or more
// than MaxUsernameLength bytes.
func cleanUsername(s string) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", errUsername("the username is empty")
	case len(s) > MaxUsernameLength:
		return "", errUsername(fmt.Sprintf("the username is longer than %d bytes", MaxUsernameLength))
	case !utf8.ValidString(s):
		return "", errUsername("the username is not valid UTF-8")
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return "", errUsername("the username contains control characters")
	}
	return s, nil
}

// checkPassword refuses passwords that must never reach a bind. An empty
// one turns a simple bind into an unauthenticated bind, which servers may
// answer with success without checking anything (RFC 4513 §5.1.2, §6.3.1);
// one of only white space is refused with it because no directory issues
// such passwords and some clients or servers trim them to empty.
func checkPassword(pw string) error {
	if strings.TrimSpace(pw) == "" {
		return errors.New("the password is empty")
	}
	if len(pw) > maxPasswordLength {
		return fmt.Errorf("the password is longer than %d bytes", maxPasswordLength)
	}
	return nil
}

// buildUserFilter puts the username into the filter template, escaped per
// RFC 4515 so that *, (, ), \ and NUL are matched literally.
func buildUserFilter(template, username string) string {
	return strings.ReplaceAll(template, UsernamePlaceholder, ldap.EscapeFilter(username))
}

// inChainFilter matches an entry that is a member of groupDN at any depth
// (Active Directory only).
func inChainFilter(groupDN string) string {
	return "(memberOf:" + inChainRule + ":=" + ldap.EscapeFilter(groupDN) + ")"
}

// memberOfAnyFilter matches groups that list dn in one of the member
// attributes.
func memberOfAnyFilter(p profile, dn string) string {
	var b strings.Builder
	b.WriteString("(&")
	b.WriteString(p.groupClasses)
	if len(p.memberAttrs) > 1 {
		b.WriteString("(|")
	}
	for _, a := range p.memberAttrs {
		b.WriteString("(" + a + "=" + ldap.EscapeFilter(dn) + ")")
	}
	if len(p.memberAttrs) > 1 {
		b.WriteString(")")
	}
	b.WriteString(")")
	return b.String()
}

// idFilter finds a user again by the stable id that Authenticate returned.
// On Active Directory disabled accounts are left out, as in the sign-in
// filter.
func idFilter(kind, id string) (string, error) {
	u, err := parseUUID(id)
	if err != nil {
		return "", err
	}
	if kind == KindAD {
		return "(&(objectGUID=" + escapeBytes(guidBytes(u)) + ")(!(userAccountControl:1.2.840.113556.1.4.803:=2)))", nil
	}
	return "(entryUUID=" + formatUUID(u) + ")", nil
}

// escapeBytes writes every byte as \hh, the RFC 4515 form for binary
// assertion values such as objectGUID.
func escapeBytes(b []byte) string {
	var s strings.Builder
	for _, c := range b {
		s.WriteString(`\`)
		s.WriteString(hex.EncodeToString([]byte{c}))
	}
	return s.String()
}

// FormatGUID turns the 16 raw bytes of an Active Directory objectGUID into
// its usual text form. Windows stores the first three groups little-endian
// (the GUID struct's Data1, Data2 and Data3), so bytes
// 33 22 11 00 55 44 77 66 88 99 aa bb cc dd ee ff read as
// 00112233-4455-6677-8899-aabbccddeeff.
func FormatGUID(b []byte) (string, error) {
	if len(b) != 16 {
		return "", fmt.Errorf("directory: objectGUID has %d bytes, want 16", len(b))
	}
	var u [16]byte
	copy(u[:], b)
	swapGUID(&u)
	return formatUUID(u), nil
}

// guidBytes is the inverse of FormatGUID: the objectGUID bytes for a
// parsed GUID string.
func guidBytes(u [16]byte) []byte {
	swapGUID(&u)
	return u[:]
}

// swapGUID reverses the byte order of the first three groups; doing it
// twice restores the original.
func swapGUID(u *[16]byte) {
	u[0], u[1], u[2], u[3] = u[3], u[2], u[1], u[0]
	u[4], u[5] = u[5], u[4]
	u[6], u[7] = u[7], u[6]
}

func formatUUID(u [16]byte) string {
	h := hex.EncodeToString(u[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// parseUUID reads the 8-4-4-4-12 hex form, in either case, optionally in
// braces as Windows tools print it.
func parseUUID(s string) ([16]byte, error) {
	var u [16]byte
	t := strings.TrimSuffix(strings.TrimPrefix(s, "{"), "}")
	if len(t) != 36 || t[8] != '-' || t[13] != '-' || t[18] != '-' || t[23] != '-' {
		return u, fmt.Errorf("directory: %q is not a GUID/UUID (want 8-4-4-4-12 hex digits)", s)
	}
	b, err := hex.DecodeString(t[0:8] + t[9:13] + t[14:18] + t[19:23] + t[24:36])
	if err != nil {
		return u, fmt.Errorf("directory: %q is not a GUID/UUID: %v", s, err)
	}
	copy(u[:], b)
	return u, nil
}

// normDN is a key for comparing DNs the way directories do: parsed, so
// spacing and escaping differences vanish, then case-folded. Attribute
// values in DNs are compared case-insensitively by AD and, for the cn, ou,
// dc and uid values groups and people are named by, by OpenLDAP too.
func normDN(dn string) string {
	parsed, err := ldap.ParseDN(dn)
	if err != nil {
		return strings.ToLower(strings.TrimSpace(dn))
	}
	return strings.ToLower(parsed.String())
}
