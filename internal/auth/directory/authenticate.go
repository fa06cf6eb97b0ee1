package directory

import (
	"context"
	"errors"
	"fmt"

	"github.com/go-ldap/ldap/v3"
)

// User is a directory account that signed in.
type User struct {
	// ID is the stable id: the objectGUID in its 8-4-4-4-12 text form on
	// Active Directory, the entryUUID on OpenLDAP. It survives renames and
	// moves, so key admin accounts by it, never by name or email.
	ID string
	// DN is where the entry was when it was found; it changes on rename.
	DN string
	// Username is the account name in the directory (sAMAccountName or
	// uid), which may differ in case or form from what was typed.
	Username    string
	Email       string
	DisplayName string
}

// Authenticate checks username and password against the directory and that
// the user is in the admin group.
//
// It returns the user, or an error that is one of ErrInvalidCredentials,
// ErrNotMember or ErrUnavailable (test with errors.Is). Empty and blank
// passwords, and usernames that are empty, too long or hold control
// characters, are refused before any connection is made. The password is
// never logged and never part of a returned error.
func (c *Client) Authenticate(ctx context.Context, username, password string) (*User, error) {
	name, err := cleanUsername(username)
	if err != nil {
		return nil, invalid(err.Error())
	}
	if err := checkPassword(password); err != nil {
		return nil, invalid(err.Error())
	}

	s, cerr := c.open(ctx)
	if cerr != nil {
		return nil, unavailable(cerr)
	}
	defer s.close()

	entries, err := s.findUser(name, 2)
	if err != nil {
		return nil, unavailable(err)
	}
	switch len(entries) {
	case 0:
		return nil, invalid("no entry matches the username")
	case 1:
	default:
		// Binding to either entry could sign in someone other than the
		// person meant; refuse rather than guess.
		return nil, invalid("the username matches more than one entry")
	}
	entry := entries[0]
	if c.disabled(entry) {
		return nil, invalid("the account is disabled")
	}
	user, err := c.userFromEntry(entry)
	if err != nil {
		return nil, unavailable(err)
	}

	if err := s.conn.Bind(entry.DN, password); err != nil {
		switch {
		case hasCode(err, ldap.LDAPResultInvalidCredentials, ldap.LDAPResultUnwillingToPerform,
			ldap.LDAPResultInappropriateAuthentication, ldap.ErrorEmptyPassword):
			// AD answers 49 for a wrong password and for locked, expired
			// or must-change accounts alike; ppolicy and others use 53.
			return nil, invalid("the directory refused the password")
		default:
			return nil, unavailable(s.fail(StageSearch, "URL", "checking the password", err))
		}
	}
	// Group lookups need the service account's rights, not the user's.
	if cerr := s.bindService(); cerr != nil {
		return nil, unavailable(cerr)
	}

	member, err := s.isMember(entry.DN)
	if err != nil {
		return nil, unavailable(err)
	}
	if !member {
		return nil, fmt.Errorf("%w: %s is not in %s", ErrNotMember, entry.DN, c.cfg.AdminGroupDN)
	}
	return user, nil
}

// StillMember checks again, without a password, that u still exists, is not
// disabled and is in the admin group, for sessions that outlive a sign-in.
// The user is found by u.ID, so a rename or move in the directory does not
// end the session, and a new account given the old name does not inherit it.
//
// It returns false with a nil error when the user is gone, disabled or no
// longer a member, and an error wrapping ErrUnavailable when the directory
// could not answer; the caller decides how long to trust the last answer.
func (c *Client) StillMember(ctx context.Context, u *User) (bool, error) {
	if u == nil || u.ID == "" {
		return false, errors.New("directory: StillMember needs the user's ID from Authenticate")
	}
	filter, err := idFilter(c.cfg.Kind, u.ID)
	if err != nil {
		return false, err
	}

	s, cerr := c.open(ctx)
	if cerr != nil {
		return false, unavailable(cerr)
	}
	defer s.close()

	res, err := s.search(c.cfg.BaseDN, ldap.ScopeWholeSubtree, filter, c.profile.userAttrs, 2, false)
	if err != nil {
		return false, unavailable(s.fail(StageSearch, "BaseDN", "looking the user up by id", err))
	}
	if len(res.Entries) != 1 || c.disabled(res.Entries[0]) {
		return false, nil
	}
	member, err := s.isMember(res.Entries[0].DN)
	if err != nil {
		return false, unavailable(err)
	}
	return member, nil
}

// findUser searches with the user filter as the service account and
// returns up to limit entries; more than one means the name is ambiguous.
func (s *session) findUser(name string, limit int) ([]*ldap.Entry, error) {
	filter := buildUserFilter(s.c.cfg.UserFilter, name)
	res, err := s.search(s.c.cfg.BaseDN, ldap.ScopeWholeSubtree, filter, s.c.profile.userAttrs, limit, false)
	if err != nil {
		if hasCode(err, ldap.LDAPResultSizeLimitExceeded) && res != nil {
			return res.Entries, nil
		}
		return nil, s.fail(StageSearch, "BaseDN", "searching for the user", err)
	}
	return res.Entries, nil
}

// disabled reports an account the directory has switched off. Active
// Directory's disabled accounts never get here: the filters exclude them.
// On OpenLDAP an account locked by an administrator (ppolicy's permanent
// pwdAccountLockedTime) counts as disabled.
func (c *Client) disabled(e *ldap.Entry) bool {
	if c.cfg.Kind == KindAD {
		return false
	}
	return e.GetAttributeValue("pwdAccountLockedTime") == lockedForever
}

// userFromEntry reads a User from a search result entry.
func (c *Client) userFromEntry(e *ldap.Entry) (*User, error) {
	var id string
	if c.cfg.Kind == KindAD {
		raw := e.GetRawAttributeValue("objectGUID")
		if len(raw) == 0 {
			return nil, missingID(e.DN, "objectGUID")
		}
		g, err := FormatGUID(raw)
		if err != nil {
			return nil, &CheckError{Stage: StageSearch, Field: "Kind", Err: err, Message: err.Error()}
		}
		id = g
	} else {
		v := e.GetAttributeValue("entryUUID")
		if v == "" {
			return nil, missingID(e.DN, "entryUUID")
		}
		u, err := parseUUID(v)
		if err != nil {
			return nil, &CheckError{Stage: StageSearch, Field: "Kind", Err: err, Message: err.Error()}
		}
		id = formatUUID(u)
	}
	display := e.GetAttributeValue("displayName")
	if display == "" {
		display = e.GetAttributeValue("cn")
	}
	return &User{
		ID:          id,
		DN:          e.DN,
		Username:    e.GetAttributeValue(c.profile.nameAttr),
		Email:       e.GetAttributeValue("mail"),
		DisplayName: display,
	}, nil
}

// missingID explains an entry without the stable id attribute. Without it
// the portal could only key the admin by name, which a rename would hand
// to someone else, so sign-in is refused.
func missingID(dn, attr string) *CheckError {
	return &CheckError{Stage: StageSearch, Field: "Kind",
		Err:     fmt.Errorf("entry %s has no %s", dn, attr),
		Message: fmt.Sprintf("the directory returned %s without %s — is Kind right, and may the service account read %s?", dn, attr, attr)}
}
