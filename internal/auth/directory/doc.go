// Package directory signs admins in against Active Directory or OpenLDAP and
// checks that they belong to the admin group.
//
// A sign-in is: refuse an empty password before touching the network (many
// servers answer "success" to a bind with a DN and no password: an
// unauthenticated bind, RFC 4513 §6.3.1, go-ldap GHSA-x27w-qxhg-343v); bind as
// the service account; search for the user with the configured filter, every
// typed value escaped, and require exactly one entry; bind as that entry's DN
// with the password; bind back as the service account; then check membership
// of the admin group, nested groups included. The DN is never built from what
// the user typed, so there is nothing to inject into it.
//
// Users are identified by a stable id the directory assigns (objectGUID on
// Active Directory, entryUUID on OpenLDAP), not by name or email: names get
// renamed and reused, and the id lets the portal keep admin accounts apart
// from local accounts with the same email (ASVS V6.8.1).
//
// Every call opens its own connection and closes it before returning. A bind
// changes who a connection acts as, so sharing connections between sign-ins
// would risk one person's search running with another's rights; admin
// sign-ins are rare enough that the extra round trips cost nothing.
//
// Errors come in three kinds the caller can tell apart with errors.Is:
// ErrInvalidCredentials (one answer for every bad-credential case, so the
// sign-in page cannot be used to learn which names exist), ErrNotMember and
// ErrUnavailable. Underneath ErrUnavailable is a *CheckError whose message
// tells an admin what to fix; TestConnection returns the same errors
// directly.
package directory
