package directory

import (
	"bytes"
	"crypto/x509"
	"errors"
	"strings"
	"testing"

	"github.com/go-ldap/ldap/v3"
)

func TestBuildUserFilterEscapes(t *testing.T) {
	tests := []struct {
		name, username, want string
	}{
		{"plain name", "ada", "(&(objectClass=inetOrgPerson)(|(uid=ada)(mail=ada)))"},
		{"email", "ada@example.test", "(&(objectClass=inetOrgPerson)(|(uid=ada@example.test)(mail=ada@example.test)))"},
		{"wildcard", "*", `(&(objectClass=inetOrgPerson)(|(uid=\2a)(mail=\2a)))`},
		{"filter breakout", "*)(uid=*))(|(uid=*",
			`(&(objectClass=inetOrgPerson)(|(uid=\2a\29\28uid=\2a\29\29\28|\28uid=\2a)(mail=\2a\29\28uid=\2a\29\29\28|\28uid=\2a)))`},
		{"objectClass breakout", "admin)(|(objectClass=*",
			`(&(objectClass=inetOrgPerson)(|(uid=admin\29\28|\28objectClass=\2a)(mail=admin\29\28|\28objectClass=\2a)))`},
		{"backslash", `a\b`, `(&(objectClass=inetOrgPerson)(|(uid=a\5cb)(mail=a\5cb)))`},
		{"escaped-looking text stays literal", `\2a`, `(&(objectClass=inetOrgPerson)(|(uid=\5c2a)(mail=\5c2a)))`},
		{"NUL", "a\x00b", `(&(objectClass=inetOrgPerson)(|(uid=a\00b)(mail=a\00b)))`},
		{"non-ASCII as UTF-8 bytes", "zoë", `(&(objectClass=inetOrgPerson)(|(uid=zo\c3\ab)(mail=zo\c3\ab)))`},
		{"special seed user", "o'brien*(x)", `(&(objectClass=inetOrgPerson)(|(uid=o'brien\2a\28x\29)(mail=o'brien\2a\28x\29)))`},
	}
	// The filter must keep the template's shape whatever the input: as many
	// parentheses as with a harmless name, so nothing was injected.
	shape := strings.Count(buildUserFilter(DefaultOpenLDAPFilter, "x"), "(")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := buildUserFilter(DefaultOpenLDAPFilter, tc.username)
			if got != tc.want {
				t.Errorf("filter = %s\nwant     %s", got, tc.want)
			}
			if _, err := ldap.CompileFilter(got); err != nil {
				t.Errorf("filter does not compile: %v", err)
			}
			if n := strings.Count(got, "("); n != shape {
				t.Errorf("filter has %d '(' , want %d: input changed its structure", n, shape)
			}
		})
	}
}

func TestDefaultADFilter(t *testing.T) {
	got := buildUserFilter(DefaultADFilter, "jdoe@corp.example")
	want := "(&(objectCategory=person)(objectClass=user)(|(sAMAccountName=jdoe@corp.example)(userPrincipalName=jdoe@corp.example))(!(userAccountControl:1.2.840.113556.1.4.803:=2)))"
	if got != want {
		t.Errorf("AD filter = %s\nwant        %s", got, want)
	}
	if _, err := ldap.CompileFilter(got); err != nil {
		t.Errorf("AD filter does not compile: %v", err)
	}
}

func TestInChainFilter(t *testing.T) {
	tests := []struct {
		name, group, want string
	}{
		{"plain DN", "CN=Portal Admins,OU=Groups,DC=corp,DC=example",
			"(memberOf:1.2.840.113556.1.4.1941:=CN=Portal Admins,OU=Groups,DC=corp,DC=example)"},
		{"DN with filter metacharacters and an escaped comma", `CN=Admins (EU)\, Sales*,DC=corp,DC=example`,
			`(memberOf:1.2.840.113556.1.4.1941:=CN=Admins \28EU\29\5c, Sales\2a,DC=corp,DC=example)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := inChainFilter(tc.group)
			if got != tc.want {
				t.Errorf("in-chain filter = %s\nwant              %s", got, tc.want)
			}
			if _, err := ldap.CompileFilter(got); err != nil {
				t.Errorf("does not compile: %v", err)
			}
		})
	}
}

func TestMemberOfAnyFilter(t *testing.T) {
	dn := "uid=o'brien*(x),ou=people,dc=example,dc=test"
	if got, want := memberOfAnyFilter(openLDAPProfile, dn),
		`(&(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames))(|(member=uid=o'brien\2a\28x\29,ou=people,dc=example,dc=test)(uniqueMember=uid=o'brien\2a\28x\29,ou=people,dc=example,dc=test)))`; got != want {
		t.Errorf("OpenLDAP = %s\nwant       %s", got, want)
	}
	if got, want := memberOfAnyFilter(adProfile, "CN=A,DC=x"), "(&(objectClass=group)(member=CN=A,DC=x))"; got != want {
		t.Errorf("AD = %s, want %s", got, want)
	}
}

func TestFormatGUID(t *testing.T) {
	tests := []struct {
		name string
		raw  []byte
		want string
	}{
		// Data1, Data2 and Data3 are stored little-endian; the last 8 bytes
		// as they are.
		{"byte order", []byte{0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff},
			"00112233-4455-6677-8899-aabbccddeeff"},
		// The GUID Microsoft's documentation uses as its example.
		{"documented example", []byte{0xe0, 0x04, 0x25, 0x3f, 0x89, 0x4f, 0xd3, 0x11, 0x9a, 0x0c, 0x03, 0x05, 0xe8, 0x2c, 0x33, 0x01},
			"3f2504e0-4f89-11d3-9a0c-0305e82c3301"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := FormatGUID(tc.raw)
			if err != nil || got != tc.want {
				t.Fatalf("FormatGUID = %q, %v; want %q", got, err, tc.want)
			}
			u, err := parseUUID("{" + strings.ToUpper(got) + "}")
			if err != nil {
				t.Fatalf("parseUUID(braced, upper): %v", err)
			}
			if back := guidBytes(u); !bytes.Equal(back, tc.raw) {
				t.Errorf("round trip = % x, want % x", back, tc.raw)
			}
		})
	}
	for _, n := range []int{0, 15, 17} {
		if _, err := FormatGUID(make([]byte, n)); err == nil {
			t.Errorf("FormatGUID(%d bytes) succeeded, want an error", n)
		}
	}
}

func TestIDFilter(t *testing.T) {
	got, err := idFilter(KindAD, "3F2504E0-4F89-11D3-9A0C-0305E82C3301")
	want := `(&(objectGUID=\e0\04\25\3f\89\4f\d3\11\9a\0c\03\05\e8\2c\33\01)(!(userAccountControl:1.2.840.113556.1.4.803:=2)))`
	if err != nil || got != want {
		t.Errorf("AD id filter = %s, %v\nwant           %s", got, err, want)
	}
	got, err = idFilter(KindOpenLDAP, "F9759C58-8331-1041-829F-A194AE3672F8")
	if want := "(entryUUID=f9759c58-8331-1041-829f-a194ae3672f8)"; err != nil || got != want {
		t.Errorf("OpenLDAP id filter = %s, %v; want %s", got, err, want)
	}
	for _, bad := range []string{"", "ada", "*", "f9759c58-8331-1041-829f-a194ae3672f", "f9759c58x8331-1041-829f-a194ae3672f8",
		"g9759c58-8331-1041-829f-a194ae3672f8", "f9759c58-8331-1041-829f-a194ae3672f8)(uid=*"} {
		if f, err := idFilter(KindOpenLDAP, bad); err == nil {
			t.Errorf("idFilter(%q) = %s, want an error", bad, f)
		}
	}
}

func TestCleanUsername(t *testing.T) {
	tests := []struct {
		name, in, want string
		ok             bool
	}{
		{"plain", "ada", "ada", true},
		{"surrounding space trimmed", "  ada\t", "ada", true},
		{"metacharacters are allowed (escaped later)", "o'brien*(x)", "o'brien*(x)", true},
		{"at the length limit", strings.Repeat("a", MaxUsernameLength), strings.Repeat("a", MaxUsernameLength), true},
		{"empty", "", "", false},
		{"blank", " \t ", "", false},
		{"too long", strings.Repeat("a", MaxUsernameLength+1), "", false},
		{"NUL", "ada\x00", "", false},
		{"NUL inside", "ad\x00a", "", false},
		{"newline inside", "ada\nroot", "", false},
		{"DEL", "ada\x7f", "", false},
		{"C1 control", "ada\u0085x", "", false},
		{"invalid UTF-8", "ada\xff", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := cleanUsername(tc.in)
			if (err == nil) != tc.ok || got != tc.want {
				t.Errorf("cleanUsername(%q) = %q, %v; want %q, ok=%v", tc.in, got, err, tc.want, tc.ok)
			}
		})
	}
}

func TestCheckPassword(t *testing.T) {
	for _, pw := range []string{"", " ", "\t\n", "\u00a0", strings.Repeat("x", maxPasswordLength+1)} {
		if checkPassword(pw) == nil {
			t.Errorf("checkPassword(%q…) accepted, want refused", pw[:min(len(pw), 8)])
		}
	}
	for _, pw := range []string{"x", " leading and trailing space kept ", strings.Repeat("x", maxPasswordLength)} {
		if err := checkPassword(pw); err != nil {
			t.Errorf("checkPassword refused a usable password: %v", err)
		}
	}
}

func TestNormDN(t *testing.T) {
	if a, b := normDN("CN=Portal-Admins, OU=Groups,DC=Example,DC=test"), normDN("cn=portal-admins,ou=groups,dc=example,dc=test"); a != b {
		t.Errorf("normDN differs: %q vs %q", a, b)
	}
	if a, b := normDN("cn=a,dc=x"), normDN("cn=b,dc=x"); a == b {
		t.Error("different DNs normalised to the same key")
	}
}

func TestTLSErrorMessages(t *testing.T) {
	tests := []struct {
		name, caFile string
		err          error
		field, want  string
	}{
		{"unknown authority", "", x509.UnknownAuthorityError{}, "CAFile", "certificate not trusted — add the CA file"},
		{"unknown authority with a CA file", "/etc/corp-ca.pem", x509.UnknownAuthorityError{}, "CAFile", "certificate not trusted — the CA file /etc/corp-ca.pem does not hold"},
		{"StartTLS text only", "", errors.New("LDAP Result Code 200 \"Network Error\": TLS handshake failed (tls: failed to verify certificate: x509: certificate signed by unknown authority)"), "CAFile", "certificate not trusted"},
		{"wrong host", "", x509.HostnameError{Certificate: &x509.Certificate{DNSNames: []string{"dc1.corp.example"}}, Host: "10.0.0.5"}, "URL", "the certificate does not name the host in the URL"},
		{"expired", "", x509.CertificateInvalidError{Reason: x509.Expired}, "CAFile", "has expired or is not yet valid"},
		{"not a server certificate", "", x509.CertificateInvalidError{Reason: x509.IncompatibleUsage}, "CAFile", "is not acceptable"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ce := tlsError("dc1.corp.example:636", tc.caFile, tc.err)
			if ce.Stage != StageTLS || ce.Field != tc.field || !strings.Contains(ce.Message, tc.want) {
				t.Errorf("tlsError = {%s %s %q}, want field %s and message with %q", ce.Stage, ce.Field, ce.Message, tc.field, tc.want)
			}
			if !errors.Is(ce, tc.err) {
				t.Errorf("the cause is not kept")
			}
		})
	}
}
