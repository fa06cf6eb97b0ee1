// Package password hashes and verifies customer passwords and decides which
// new passwords Portico accepts.
//
// New hashes are argon2id PHC strings. Verify also accepts the hashes that a
// Werkzeug (Flask) application writes, so accounts imported from such a portal
// keep working; Verify reports needsRehash for them so the caller can replace
// them with argon2id after the next successful sign-in.
//
// Hashing is deliberately expensive, so a Hasher caps how many hashes run at
// once: a burst of sign-in attempts then queues briefly and fails with ErrBusy
// instead of exhausting memory.
//
// Policy follows NIST SP 800-63B-4 and OWASP ASVS 5 level 2: a minimum length,
// a blocklist of common passwords, no composition rules, and no silent changes
// to what the user typed (no trimming, truncation or case folding).
//
// Passwords hashed into argon2id are first put in Unicode NFKC form (see
// Normalize), as NIST SP 800-63B-4 recommends, so the same password typed on
// different keyboards or operating systems still matches. Werkzeug hashes are
// checked against the password bytes as given, because Werkzeug hashed them
// without normalization.
package password
