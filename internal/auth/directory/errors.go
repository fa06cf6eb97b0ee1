package directory

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/go-ldap/ldap/v3"
)

// Sentinel errors. Match them with errors.Is: the returned errors wrap them
// with the reason, for the log and the audit trail, never for the user.
var (
	// ErrInvalidCredentials is the single answer for an unknown user, a
	// wrong password, an empty password, a disabled account, a refused
	// username and a name that matches more than one entry, so that the
	// sign-in page gives attackers nothing to tell them apart.
	ErrInvalidCredentials = errors.New("directory: invalid credentials")
	// ErrNotMember means the password was right but the user is not in the
	// admin group, directly or through nested groups.
	ErrNotMember = errors.New("directory: not a member of the admin group")
	// ErrUnavailable means the directory could not be asked: it cannot be
	// reached, timed out, refused TLS or the service account, or answered
	// with an error. A *CheckError inside says what to fix.
	ErrUnavailable = errors.New("directory: unavailable")
)

// Stage names the step of talking to the directory that failed.
type Stage string

// The stages, in the order TestConnection runs them.
const (
	StageConnect     Stage = "connect"      // reaching host:port
	StageTLS         Stage = "tls"          // ldaps handshake or StartTLS
	StageServiceBind Stage = "service-bind" // binding as the service account
	StageBaseDN      Stage = "base-dn"      // reading the base DN
	StageAdminGroup  Stage = "admin-group"  // finding the admin group
	StageSearch      Stage = "search"       // a later search or bind
)

// CheckError is a failure to talk to the directory, described so that an
// admin can act on it: Message says what went wrong and what to check,
// Field names the Config field most likely at fault ("" when none is, as
// when the caller's context ended), and Err is the cause.
type CheckError struct {
	Stage   Stage
	Field   string
	Message string
	Err     error
}

// Error returns the Message.
func (e *CheckError) Error() string { return e.Message }

// Unwrap returns the cause.
func (e *CheckError) Unwrap() error { return e.Err }

func unavailable(err error) error {
	return fmt.Errorf("%w: %w", ErrUnavailable, err)
}

func invalid(reason string) error {
	return fmt.Errorf("%w: %s", ErrInvalidCredentials, reason)
}

// connectError describes a failed dial to addr.
func connectError(ctx context.Context, addr string, err error) *CheckError {
	ce := &CheckError{Stage: StageConnect, Field: "URL", Err: err}
	var dnsErr *net.DNSError
	var netErr net.Error
	switch {
	case ctxDone(ctx) != nil:
		ce.Field = ""
		ce.Err = fmt.Errorf("%w (%w)", ctxDone(ctx), err)
		ce.Message = fmt.Sprintf("stopped waiting for %s: %v", addr, ctxDone(ctx))
	case errors.As(err, &dnsErr) && !dnsErr.IsTimeout:
		ce.Message = fmt.Sprintf("host name %q not found — check the host in the URL", dnsErr.Name)
	case errors.Is(err, syscall.ECONNREFUSED) || strings.Contains(err.Error(), "refused"):
		// The string test covers Windows, where the error is WSAECONNREFUSED.
		ce.Message = fmt.Sprintf("connection refused at %s — is the server running and the port right?", addr)
	case errors.As(err, &netErr) && netErr.Timeout():
		ce.Message = fmt.Sprintf("no answer from %s in time — check the host and port, and that no firewall drops the traffic", addr)
	default:
		ce.Message = fmt.Sprintf("cannot connect to %s: %v", addr, err)
	}
	return ce
}

// tlsError describes a failed TLS handshake (ldaps or after StartTLS).
// go-ldap reports StartTLS handshake failures as text only, so after the
// typed checks the x509 messages are matched as text too.
func tlsError(addr string, caFile string, err error) *CheckError {
	ce := &CheckError{Stage: StageTLS, Field: "CAFile", Err: err}
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalidErr x509.CertificateInvalidError
	var recordErr tls.RecordHeaderError
	text := err.Error()
	switch {
	case errors.As(err, &unknownCA) || strings.Contains(text, "certificate signed by unknown authority"):
		if caFile == "" {
			ce.Message = fmt.Sprintf("certificate not trusted — add the CA file of the authority that issued %s's certificate", addr)
		} else {
			ce.Message = fmt.Sprintf("certificate not trusted — the CA file %s does not hold the authority that issued %s's certificate", caFile, addr)
		}
	case errors.As(err, &hostErr) || strings.Contains(text, "certificate is valid for") || strings.Contains(text, "certificate is not valid for any names"):
		ce.Field = "URL"
		ce.Message = fmt.Sprintf("the certificate does not name the host in the URL (%v) — use the host name the certificate was issued for", err)
	case errors.As(err, &invalidErr) && invalidErr.Reason != x509.Expired:
		ce.Message = fmt.Sprintf("the directory's certificate is not acceptable (%v) — it must be a server certificate issued by a CA", err)
	case errors.As(err, &invalidErr) || strings.Contains(text, "certificate has expired or is not yet valid"):
		ce.Message = fmt.Sprintf("the directory's certificate has expired or is not yet valid (%v) — renew it, or check this server's clock", err)
	case errors.As(err, &recordErr) || strings.Contains(text, "first record does not look like a TLS handshake"):
		ce.Field = "URL"
		ce.Message = fmt.Sprintf("%s did not answer with TLS — is it an ldaps port? Port 389 takes ldap:// with StartTLS", addr)
	case errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET):
		ce.Field = "URL"
		ce.Message = fmt.Sprintf("%s closed the connection during the TLS handshake — is it an ldaps port? Port 389 takes ldap:// with StartTLS", addr)
	case isTimeout(err):
		ce.Field = "URL"
		ce.Message = fmt.Sprintf("the TLS handshake with %s timed out — is it an ldaps port?", addr)
	default:
		ce.Message = fmt.Sprintf("TLS with %s failed: %v", addr, err)
	}
	return ce
}

// opError describes a failed LDAP operation. what says what was being
// done ("searching for the user"); lost connections and timeouts are told
// apart from answers the server gave.
func opError(stage Stage, field, what string, err error) *CheckError {
	ce := &CheckError{Stage: stage, Field: field, Err: err}
	var le *ldap.Error
	switch {
	case isNetwork(err) && isTimeout(err):
		ce.Stage, ce.Field = StageConnect, "URL"
		ce.Message = fmt.Sprintf("the directory did not answer in time while %s — is it overloaded or unreachable, or is the timeout too short?", what)
	case isNetwork(err):
		ce.Stage, ce.Field = StageConnect, "URL"
		ce.Message = fmt.Sprintf("lost the connection to the directory while %s (%v) — check that the server is up", what, err)
	case errors.As(err, &le) && (le.ResultCode == ldap.LDAPResultStrongAuthRequired || le.ResultCode == ldap.LDAPResultConfidentialityRequired):
		ce.Field = "URL"
		ce.Message = fmt.Sprintf("the directory requires an encrypted connection while %s — use ldaps:// or StartTLS", what)
	case errors.As(err, &le) && le.ResultCode == ldap.LDAPResultInsufficientAccessRights:
		ce.Field = "BindDN"
		ce.Message = fmt.Sprintf("the service account may not read what it needs while %s — grant it read access to users and groups", what)
	case errors.As(err, &le) && le.ResultCode == ldap.LDAPResultNoSuchObject:
		ce.Field = "BaseDN"
		ce.Message = fmt.Sprintf("the directory has no entry at the DN used while %s — check the base DN", what)
	default:
		ce.Message = fmt.Sprintf("the directory refused an operation while %s: %v", what, err)
	}
	return ce
}

// isNetwork reports a broken or timed-out connection, as opposed to an
// answer from the server. Answers arrive as *ldap.Error with the server's
// result code; go-ldap reports lost connections either with its own
// ErrorNetwork code or as plain errors ("unable to read LDAP response
// packet: EOF").
func isNetwork(err error) bool {
	var le *ldap.Error
	if errors.As(err, &le) {
		return le.ResultCode == ldap.ErrorNetwork
	}
	return err != nil
}

// isTimeout reports an operation that got no answer in time. go-ldap's
// request timeout says so only in its text.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout() || strings.Contains(err.Error(), "timed out")
}

func hasCode(err error, codes ...uint16) bool {
	return ldap.IsErrorAnyOf(err, codes...)
}
