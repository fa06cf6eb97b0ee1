package directory

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/go-ldap/ldap/v3"
)

// TestConnection checks the settings step by step, the way a sign-in will
// use them: connect, TLS, bind as the service account, read the base DN,
// find the admin group. It stops at the first failure and returns it as a
// *CheckError whose Message tells the admin what to fix and whose Field
// names the setting at fault.
func (c *Client) TestConnection(ctx context.Context) error {
	s, cerr := c.open(ctx)
	if cerr != nil {
		return cerr
	}
	defer s.close()

	if err := s.checkEntry(c.cfg.BaseDN, "(objectClass=*)", StageBaseDN, "BaseDN",
		fmt.Sprintf("base DN %q not found — check it against the directory (for Active Directory it looks like DC=corp,DC=example,DC=com)", c.cfg.BaseDN),
		fmt.Sprintf("the service account cannot read the base DN %q — grant it read access there", c.cfg.BaseDN)); err != nil {
		return err
	}

	if err := s.checkEntry(c.cfg.AdminGroupDN, "(objectClass=*)", StageAdminGroup, "AdminGroupDN",
		fmt.Sprintf("admin group %q not found — copy the group's DN (distinguishedName) from the directory", c.cfg.AdminGroupDN),
		fmt.Sprintf("the service account cannot read the admin group %q — grant it read access to groups", c.cfg.AdminGroupDN)); err != nil {
		return err
	}
	if err := s.checkEntry(c.cfg.AdminGroupDN, c.profile.groupClasses, StageAdminGroup, "AdminGroupDN",
		fmt.Sprintf("%q exists but is not a group (expected %s) — check the admin group DN", c.cfg.AdminGroupDN, c.profile.groupClasses),
		fmt.Sprintf("the service account cannot read the admin group %q — grant it read access to groups", c.cfg.AdminGroupDN)); err != nil {
		return err
	}
	return nil
}

// checkEntry reads the entry at dn, which must match filter, and turns each
// way of failing into its own message.
func (s *session) checkEntry(dn, filter string, stage Stage, field, notFound, noAccess string) *CheckError {
	res, err := s.search(dn, ldap.ScopeBaseObject, filter, []string{"1.1"}, 1, false)
	switch {
	case hasCode(err, ldap.LDAPResultNoSuchObject):
		return &CheckError{Stage: stage, Field: field, Err: err, Message: notFound}
	case hasCode(err, ldap.LDAPResultInsufficientAccessRights):
		return &CheckError{Stage: stage, Field: field, Err: err, Message: noAccess}
	case err != nil:
		return s.fail(stage, field, "reading "+dn, err)
	case len(res.Entries) == 0:
		// OpenLDAP answers an unreadable entry with success and no entry,
		// so that its existence is not given away; so does a filter that
		// does not match.
		if filter == "(objectClass=*)" {
			return &CheckError{Stage: stage, Field: field, Err: fmt.Errorf("no entry returned for %s", dn), Message: noAccess}
		}
		return &CheckError{Stage: stage, Field: field, Err: fmt.Errorf("%s does not match %s", dn, filter), Message: notFound}
	}
	return nil
}

// UserReport is what TestUser found out about one username.
type UserReport struct {
	// Username is what was searched for, after trimming.
	Username string
	// Filter is the exact filter sent, with the username escaped.
	Filter string
	// Matches counts the entries found: 0, 1, or 2 for "more than one",
	// which sign-in refuses as ambiguous.
	Matches int
	// DNs lists the entries found (at most two).
	DNs []string
	// User is the entry found, when there was exactly one.
	User *User
	// Disabled is set for an OpenLDAP account locked by an administrator.
	// (Disabled Active Directory accounts are not found at all.)
	Disabled bool
	// Member says whether the user is in the admin group.
	Member bool
	// Via is the chain of groups that makes the user a member: the group
	// that lists the user first, the admin group last; a direct member has
	// just the admin group. It can be empty for an Active Directory member
	// whose chain is deeper or wider than the walk follows, or runs through
	// groups outside the base DN.
	Via []string
}

// Summary is the report in one or two sentences for the settings page.
func (r *UserReport) Summary() string {
	switch {
	case r.Matches == 0:
		return fmt.Sprintf("No entry matches %q (filter %s).", r.Username, r.Filter)
	case r.Matches > 1:
		return fmt.Sprintf("More than one entry matches %q (%s); sign-in refuses ambiguous names — narrow the user filter.", r.Username, strings.Join(r.DNs, "; "))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Found %s (id %s, email %q).", r.User.DN, r.User.ID, r.User.Email)
	switch {
	case r.Disabled:
		b.WriteString(" The account is disabled, so sign-in is refused.")
	case !r.Member:
		b.WriteString(" Not a member of the admin group, so sign-in is refused.")
	case len(r.Via) == 1:
		b.WriteString(" Direct member of the admin group.")
	case len(r.Via) > 1:
		fmt.Fprintf(&b, " Member of the admin group through %s.", strings.Join(r.Via, " → "))
	default:
		b.WriteString(" Member of the admin group through nested groups.")
	}
	return b.String()
}

// TestUser looks a username up the way Authenticate does, without a
// password and without binding as the user, and reports what it found. An
// unknown user is a report with Matches 0, not an error; errors are a
// refused username or a *CheckError from talking to the directory.
func (c *Client) TestUser(ctx context.Context, username string) (*UserReport, error) {
	name, err := cleanUsername(username)
	if err != nil {
		return nil, &FieldError{Field: "Username", Message: err.Error()}
	}
	s, cerr := c.open(ctx)
	if cerr != nil {
		return nil, cerr
	}
	defer s.close()

	r := &UserReport{Username: name, Filter: buildUserFilter(c.cfg.UserFilter, name)}
	entries, err := s.findUser(name, 2)
	if err != nil {
		return nil, err
	}
	r.Matches = len(entries)
	for _, e := range entries {
		r.DNs = append(r.DNs, e.DN)
	}
	if r.Matches != 1 {
		return r, nil
	}
	entry := entries[0]
	if r.User, err = c.userFromEntry(entry); err != nil {
		return nil, err
	}
	r.Disabled = c.disabled(entry)

	if c.cfg.Kind != KindAD {
		if r.Via, err = s.groupPath(entry.DN); err != nil {
			return nil, err
		}
		r.Member = r.Via != nil
		return r, nil
	}
	// On Active Directory the server's in-chain answer decides, as at
	// sign-in; the walk only finds the chain to show, and giving up on a
	// very wide nesting just leaves it out.
	if r.Member, err = s.inChain(entry.DN); err != nil || !r.Member {
		return r, err
	}
	if r.Via, err = s.groupPath(entry.DN); err != nil && !errors.Is(err, errTooManyGroups) {
		return nil, err
	}
	return r, nil
}
