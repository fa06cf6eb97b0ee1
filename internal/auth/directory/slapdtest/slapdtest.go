// Package slapdtest runs a real OpenLDAP server (Debian's slapd) for tests,
// with a throwaway configuration and known people and groups.
//
// Each Start gets its own slapd on free 127.0.0.1 ports (plain LDAP with
// StartTLS, and LDAPS), its own database in t.TempDir(), and a certificate
// authority made for it. The server runs in the foreground with the stats
// log level, and its log is kept so a test can check which binds and
// searches reached it (see Binds and Searches).
//
// The configuration is deliberately permissive where a badly set up
// directory is permissive: it accepts unauthenticated binds (a DN with an
// empty password answers "success", slapd's "allow bind_anon_dn"), as the
// project's security bar asks of a directory double, so that a test can
// show the client never sends one. Anonymous reads are refused, so every
// search the client makes has to go through its service account.
//
// Seed data under dc=example,dc=test (passwords from Password):
//
//	ou=people
//	  uid=ada          direct member of portal-admins
//	  uid=grace        member of ops, which is a member of portal-admins
//	  uid=hedy         uniqueMember of auditors (groupOfUniqueNames), a member of portal-admins
//	  uid=linus        in no admin group; member of loop-a, and loop-a/loop-b contain each other
//	  uid=dis          member of portal-admins but disabled (see below)
//	  uid=o'brien*(x)  direct member; a name full of filter metacharacters
//	  uid=twin-a, uid=twin-b  both members, both with mail twins@example.test
//	ou=groups
//	  cn=portal-admins, cn=ops, cn=loop-a, cn=loop-b (groupOfNames), cn=auditors (groupOfUniqueNames)
//
// The disabled account uses OpenLDAP's password policy overlay (ppolicy):
// dis has pwdAccountLockedTime 000001010000Z, the value meaning "locked
// until an administrator unlocks it", and the default policy has
// pwdLockout TRUE, which slapd 2.5 needs before it enforces any lock. slapd
// itself refuses dis's bind with invalidCredentials (49), and the client
// sees the attribute and refuses dis before binding.
//
// When /usr/sbin/slapd is missing, Start skips the test with the command
// that installs it. CI installs it and fails on any skip, so the skip only
// spares a bare developer machine.
package slapdtest

import (
	"bufio"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/portico-dev/portico/internal/auth/directory"
)

// SlapdPath is where Debian installs slapd.
const SlapdPath = "/usr/sbin/slapd"

// Names in the seed data.
const (
	BaseDN       = "dc=example,dc=test"
	PeopleDN     = "ou=people," + BaseDN
	GroupsDN     = "ou=groups," + BaseDN
	BindDN       = "cn=portal-service," + BaseDN
	AdminGroupDN = "cn=portal-admins," + GroupsDN

	// SpecialUID is the user whose name is made of LDAP filter
	// metacharacters, to prove they are escaped rather than interpreted.
	SpecialUID = "o'brien*(x)"
	// TwinsMail is the address shared by twin-a and twin-b: signing in
	// with it matches two entries.
	TwinsMail = "twins@example.test"
)

// seedUsers are the people in the seed data, with their passwords. Each
// password is distinct so that one user's password never works for
// another.
var seedUsers = []struct {
	uid, cn, mail, password string
	locked                  bool
}{
	{uid: "ada", cn: "Ada Lovelace", mail: "ada@example.test", password: "ada-analytical-engine-1843"},
	{uid: "grace", cn: "Grace Hopper", mail: "grace@example.test", password: "grace-compiler-A0-1952"},
	{uid: "hedy", cn: "Hedy Lamarr", mail: "hedy@example.test", password: "hedy-frequency-hopping-1942"},
	{uid: "linus", cn: "Linus Pauling", mail: "linus@example.test", password: "linus-vitamin-c-1970"},
	{uid: "dis", cn: "Dis Abled", mail: "dis@example.test", password: "dis-locked-out-forever", locked: true},
	{uid: SpecialUID, cn: "Pat O'Brien", mail: "obrien@example.test", password: "obrien-escape-me-please"},
	{uid: "twin-a", cn: "Twin A", mail: TwinsMail, password: "twin-a-same-mailbox"},
	{uid: "twin-b", cn: "Twin B", mail: TwinsMail, password: "twin-b-same-mailbox"},
}

// seedGroups lists each group's members: "uid:" people, "cn:" groups.
var seedGroups = []struct {
	cn      string
	unique  bool // groupOfUniqueNames instead of groupOfNames
	members []string
}{
	{cn: "ops", members: []string{"uid:grace"}},
	{cn: "auditors", unique: true, members: []string{"uid:hedy"}},
	{cn: "loop-a", members: []string{"uid:linus"}},
	{cn: "loop-b", members: []string{"cn:loop-a"}},
	{cn: "portal-admins", members: []string{"uid:ada", "cn:ops", "cn:auditors", "uid:dis", "uid:" + SpecialUID, "uid:twin-a", "uid:twin-b"}},
}

// Server is one running slapd.
type Server struct {
	// URL is the plain LDAP address (StartTLS works on it); LDAPSURL is
	// the LDAPS address. Both are on 127.0.0.1.
	URL, LDAPSURL string
	// BaseDN, BindDN, BindPassword and AdminGroupDN are the values a
	// directory.Config needs; BindDN is slapd's rootdn.
	BaseDN, BindDN, BindPassword, AdminGroupDN string
	// CAFile is the PEM certificate of the authority that signed the
	// server's certificate (valid for 127.0.0.1, ::1 and localhost).
	CAFile string
	// LogFile is slapd's stats log.
	LogFile string

	tb   testing.TB
	dir  string
	cmd  *exec.Cmd
	done chan struct{} // closed when slapd has exited

	mu      sync.Mutex
	stopped bool
}

// Start runs a seeded slapd for the test and stops it in t.Cleanup.
func Start(tb testing.TB) *Server {
	tb.Helper()
	if _, err := os.Stat(SlapdPath); err != nil {
		tb.Skipf("slapd is not installed (%v); install it with: sudo DEBIAN_FRONTEND=noninteractive apt-get install -y slapd ldap-utils (the system service need not run)", err)
	}
	dir := tb.TempDir()
	files, err := writeTLSFiles(dir)
	if err != nil {
		tb.Fatalf("slapdtest: making certificates: %v", err)
	}
	s := &Server{
		BaseDN:       BaseDN,
		BindDN:       BindDN,
		BindPassword: "service-account-secret-" + randomHex(tb, 8),
		AdminGroupDN: AdminGroupDN,
		CAFile:       files.caFile,
		LogFile:      filepath.Join(dir, "slapd.log"),
		tb:           tb,
		dir:          dir,
	}
	if err := s.writeConfig(files); err != nil {
		tb.Fatalf("slapdtest: writing slapd.conf: %v", err)
	}

	// Free ports are found by listening and closing, so another process
	// can take one before slapd does; try again with new ones if so.
	var startErr error
	for range 3 {
		if startErr = s.launch(); startErr == nil {
			break
		}
	}
	if startErr != nil {
		tb.Fatalf("slapdtest: %v", startErr)
	}
	tb.Cleanup(s.Stop)
	s.seed()
	return s
}

// Config returns a directory.Config for this server over plain LDAP on the
// loopback address (which Validate allows without TLS), Kind openldap.
func (s *Server) Config() directory.Config {
	return directory.Config{
		URL:          s.URL,
		BindDN:       s.BindDN,
		BindPassword: s.BindPassword,
		BaseDN:       s.BaseDN,
		Kind:         directory.KindOpenLDAP,
		AdminGroupDN: s.AdminGroupDN,
		Timeout:      5 * time.Second,
	}
}

// Password returns the seed password of the user with this uid.
func (s *Server) Password(uid string) string {
	s.tb.Helper()
	for _, u := range seedUsers {
		if u.uid == uid {
			return u.password
		}
	}
	s.tb.Fatalf("slapdtest: no seed user %q", uid)
	return ""
}

// UserDN is the DN of the person with this uid under ou=people.
func UserDN(uid string) string { return "uid=" + ldap.EscapeDN(uid) + "," + PeopleDN }

// GroupDN is the DN of the group with this cn under ou=groups.
func GroupDN(cn string) string { return "cn=" + ldap.EscapeDN(cn) + "," + GroupsDN }

// writeConfig writes slapd.conf: the core, cosine, inetorgperson and nis
// schemas, an mdb database for dc=example,dc=test whose rootdn is the
// service account, the ppolicy overlay, TLS, and access rules that keep
// anonymous clients out.
func (s *Server) writeConfig(f tlsFiles) error {
	dataDir := filepath.Join(s.dir, "data")
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return err
	}
	conf := fmt.Sprintf(`# Generated by slapdtest for one test; thrown away with it.
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema

pidfile %[1]s/slapd.pid
argsfile %[1]s/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload ppolicy

# A DN with an empty password binds as anonymous instead of failing, like a
# badly configured directory: the client must never send one.
allow bind_anon_dn

TLSCACertificateFile %[2]s
TLSCertificateFile %[3]s
TLSCertificateKeyFile %[4]s

database mdb
suffix %[5]q
rootdn %[6]q
rootpw %[7]s
directory %[8]s
maxsize 33554432
dbnosync
index objectClass,uid,mail,member,uniqueMember,entryUUID eq

overlay ppolicy
ppolicy_default "cn=default,ou=policies,%[5]s"

access to attrs=userPassword
	by anonymous auth
	by * none
access to *
	by users read
	by * none
`, s.dir, f.caFile, f.certFile, f.keyFile, BaseDN, BindDN, ssha(s.BindPassword), dataDir)
	return os.WriteFile(filepath.Join(s.dir, "slapd.conf"), []byte(conf), 0o600)
}

// launch starts slapd on fresh ports and waits until it accepts
// connections.
func (s *Server) launch() error {
	ports := freePorts(s.tb, 2)
	ldapPort, ldapsPort := ports[0], ports[1]
	s.URL = "ldap://127.0.0.1:" + strconv.Itoa(ldapPort)
	s.LDAPSURL = "ldaps://127.0.0.1:" + strconv.Itoa(ldapsPort)

	logf, err := os.Create(s.LogFile)
	if err != nil {
		return err
	}
	defer logf.Close() // slapd has its own descriptor

	// -d stats keeps slapd in the foreground and writes the stats log
	// (connections, binds, searches, results) to stderr.
	cmd := exec.Command(SlapdPath, "-d", "stats",
		"-f", filepath.Join(s.dir, "slapd.conf"),
		"-h", s.URL+"/ "+s.LDAPSURL+"/")
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = procAttr()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", SlapdPath, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()

	deadline := time.Now().Add(15 * time.Second)
	for {
		select {
		case <-done:
			return fmt.Errorf("slapd exited while starting; its log:\n%s", s.tail(40))
		default:
		}
		if c, err := net.DialTimeout("tcp", strings.TrimPrefix(s.URL, "ldap://"), 200*time.Millisecond); err == nil {
			_ = c.Close()
			s.cmd, s.done = cmd, done
			return nil
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-done
			return fmt.Errorf("slapd did not accept connections within 15s; its log:\n%s", s.tail(40))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop stops slapd, as if the directory went down. It is safe to call more
// than once; Start registers it with t.Cleanup.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped || s.cmd == nil {
		return
	}
	s.stopped = true
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

// Conn returns a connection bound as the rootdn, closed in t.Cleanup, for
// changing data in a test.
func (s *Server) Conn() *ldap.Conn {
	s.tb.Helper()
	conn := s.dial()
	s.tb.Cleanup(func() { _ = conn.Close() })
	return conn
}

func (s *Server) dial() *ldap.Conn {
	s.tb.Helper()
	conn, err := ldap.DialURL(s.URL, ldap.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}))
	if err != nil {
		s.tb.Fatalf("slapdtest: connecting: %v", err)
	}
	conn.SetTimeout(5 * time.Second)
	if err := conn.Bind(s.BindDN, s.BindPassword); err != nil {
		_ = conn.Close()
		s.tb.Fatalf("slapdtest: binding as rootdn: %v", err)
	}
	return conn
}

// AddGroup creates a groupOfNames under ou=groups with these members and
// returns its DN.
func (s *Server) AddGroup(cn string, memberDNs ...string) string {
	s.tb.Helper()
	conn := s.dial()
	defer conn.Close()
	dn := GroupDN(cn)
	req := ldap.NewAddRequest(dn, nil)
	req.Attribute("objectClass", []string{"groupOfNames"})
	req.Attribute("cn", []string{cn})
	req.Attribute("member", memberDNs)
	if err := conn.Add(req); err != nil {
		s.tb.Fatalf("slapdtest: adding group %s: %v", dn, err)
	}
	return dn
}

// AddToGroup adds memberDN to the group's member attribute (uniqueMember
// for groupOfUniqueNames).
func (s *Server) AddToGroup(memberDN, groupDN string) {
	s.tb.Helper()
	req := ldap.NewModifyRequest(groupDN, nil)
	req.Add(s.memberAttr(groupDN), []string{memberDN})
	conn := s.dial()
	defer conn.Close()
	if err := conn.Modify(req); err != nil {
		s.tb.Fatalf("slapdtest: adding %s to %s: %v", memberDN, groupDN, err)
	}
}

// RemoveFromGroup removes memberDN from the group.
func (s *Server) RemoveFromGroup(memberDN, groupDN string) {
	s.tb.Helper()
	req := ldap.NewModifyRequest(groupDN, nil)
	req.Delete(s.memberAttr(groupDN), []string{memberDN})
	conn := s.dial()
	defer conn.Close()
	if err := conn.Modify(req); err != nil {
		s.tb.Fatalf("slapdtest: removing %s from %s: %v", memberDN, groupDN, err)
	}
}

// RenameUser changes a person's uid with a modrdn (the entry, and so its
// entryUUID, stays the same) and points their group memberships at the new
// DN, as the refint overlay or Active Directory would. It returns the new
// DN.
func (s *Server) RenameUser(oldUID, newUID string) string {
	s.tb.Helper()
	conn := s.dial()
	defer conn.Close()
	oldDN, newDN := UserDN(oldUID), UserDN(newUID)
	if err := conn.ModifyDN(ldap.NewModifyDNRequest(oldDN, "uid="+ldap.EscapeDN(newUID), true, "")); err != nil {
		s.tb.Fatalf("slapdtest: renaming %s to %s: %v", oldDN, newUID, err)
	}
	for _, attr := range []string{"member", "uniqueMember"} {
		res, err := conn.Search(ldap.NewSearchRequest(GroupsDN, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false,
			"("+attr+"="+ldap.EscapeFilter(oldDN)+")", []string{"1.1"}, nil))
		if err != nil {
			s.tb.Fatalf("slapdtest: finding groups of %s: %v", oldDN, err)
		}
		for _, g := range res.Entries {
			req := ldap.NewModifyRequest(g.DN, nil)
			req.Delete(attr, []string{oldDN})
			req.Add(attr, []string{newDN})
			if err := conn.Modify(req); err != nil {
				s.tb.Fatalf("slapdtest: updating %s in %s: %v", attr, g.DN, err)
			}
		}
	}
	return newDN
}

// Lock disables the person with this uid the way ppolicy does.
func (s *Server) Lock(uid string) {
	s.tb.Helper()
	req := ldap.NewModifyRequest(UserDN(uid), nil)
	req.Replace("pwdAccountLockedTime", []string{"000001010000Z"})
	conn := s.dial()
	defer conn.Close()
	if err := conn.Modify(req); err != nil {
		s.tb.Fatalf("slapdtest: locking %s: %v", uid, err)
	}
}

// DeleteUser removes the person with this uid (leaving their DN in any
// group, as a directory without referential integrity would).
func (s *Server) DeleteUser(uid string) {
	s.tb.Helper()
	conn := s.dial()
	defer conn.Close()
	if err := conn.Del(ldap.NewDelRequest(UserDN(uid), nil)); err != nil {
		s.tb.Fatalf("slapdtest: deleting %s: %v", uid, err)
	}
}

// EntryUUID reads the entryUUID of the entry at dn.
func (s *Server) EntryUUID(dn string) string {
	s.tb.Helper()
	conn := s.dial()
	defer conn.Close()
	res, err := conn.Search(ldap.NewSearchRequest(dn, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 1, 0, false,
		"(objectClass=*)", []string{"entryUUID"}, nil))
	if err != nil || len(res.Entries) != 1 {
		s.tb.Fatalf("slapdtest: reading entryUUID of %s: %v", dn, err)
	}
	return res.Entries[0].GetAttributeValue("entryUUID")
}

var (
	bindLine = regexp.MustCompile(` BIND dn="(.*)" method=`)
	srchLine = regexp.MustCompile(` SRCH base=".*" scope=\d+ deref=\d+ filter="(.*)"$`)
)

// Binds returns the DN of every simple bind slapd received, in order,
// from its stats log ("" for an anonymous bind).
func (s *Server) Binds() []string { return s.logMatches(bindLine) }

// Searches returns the filter of every search slapd received, in order,
// as slapd logged it (values in escaped form, e.g. \2A for *).
func (s *Server) Searches() []string { return s.logMatches(srchLine) }

// Log returns slapd's whole log so far.
func (s *Server) Log() string {
	s.tb.Helper()
	b, err := os.ReadFile(s.LogFile)
	if err != nil {
		s.tb.Fatalf("slapdtest: reading the log: %v", err)
	}
	return string(b)
}

func (s *Server) logMatches(re *regexp.Regexp) []string {
	s.tb.Helper()
	var out []string
	sc := bufio.NewScanner(strings.NewReader(s.Log()))
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		if m := re.FindStringSubmatch(sc.Text()); m != nil {
			out = append(out, m[1])
		}
	}
	return out
}

// tail is the end of the log, for failure messages.
func (s *Server) tail(lines int) string {
	b, err := os.ReadFile(s.LogFile)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	all := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}

// seed adds the base entries, the password policy, the people and the
// groups.
func (s *Server) seed() {
	s.tb.Helper()
	conn := s.dial()
	defer conn.Close()
	add := func(dn string, attrs map[string][]string) {
		req := ldap.NewAddRequest(dn, nil)
		for k, v := range attrs {
			req.Attribute(k, v)
		}
		if err := conn.Add(req); err != nil {
			s.tb.Fatalf("slapdtest: adding %s: %v", dn, err)
		}
	}
	add(BaseDN, map[string][]string{"objectClass": {"dcObject", "organization"}, "dc": {"example"}, "o": {"Example"}})
	for _, ou := range []string{"people", "groups", "policies"} {
		add("ou="+ou+","+BaseDN, map[string][]string{"objectClass": {"organizationalUnit"}, "ou": {ou}})
	}
	add("cn=default,ou=policies,"+BaseDN, map[string][]string{
		"objectClass":  {"organizationalRole", "pwdPolicy"},
		"cn":           {"default"},
		"pwdAttribute": {"userPassword"},
		"pwdLockout":   {"TRUE"}, // slapd 2.5 enforces no lock without it
	})
	for _, u := range seedUsers {
		attrs := map[string][]string{
			"objectClass":  {"inetOrgPerson"},
			"uid":          {u.uid},
			"cn":           {u.cn},
			"sn":           {u.cn[strings.LastIndex(u.cn, " ")+1:]},
			"displayName":  {u.cn},
			"mail":         {u.mail},
			"userPassword": {ssha(u.password)},
		}
		if u.locked {
			attrs["pwdAccountLockedTime"] = []string{"000001010000Z"}
		}
		add(UserDN(u.uid), attrs)
	}
	for _, g := range seedGroups {
		var members []string
		for _, m := range g.members {
			kind, name, _ := strings.Cut(m, ":")
			if kind == "uid" {
				members = append(members, UserDN(name))
			} else {
				members = append(members, GroupDN(name))
			}
		}
		class, attr := "groupOfNames", "member"
		if g.unique {
			class, attr = "groupOfUniqueNames", "uniqueMember"
		}
		add(GroupDN(g.cn), map[string][]string{"objectClass": {class}, "cn": {g.cn}, attr: members})
	}
	// loop-a and loop-b contain each other, to prove cycles end the walk.
	s.AddToGroup(GroupDN("loop-b"), GroupDN("loop-a"))
}

// memberAttr is the attribute that lists members of the seed group at dn.
func (s *Server) memberAttr(groupDN string) string {
	for _, g := range seedGroups {
		if strings.EqualFold(GroupDN(g.cn), groupDN) && g.unique {
			return "uniqueMember"
		}
	}
	return "member"
}

// ssha hashes a password in OpenLDAP's {SSHA} scheme: base64 of
// SHA-1(password + salt) followed by the salt. SHA-1 is weak for real
// password storage, but these are throwaway test passwords and {SSHA} is
// what slapd verifies without extra modules.
func ssha(password string) string {
	salt := make([]byte, 8)
	if _, err := rand.Read(salt); err != nil {
		panic(err) // crypto/rand does not fail on supported systems
	}
	h := sha1.New()
	h.Write([]byte(password))
	h.Write(salt)
	return "{SSHA}" + base64.StdEncoding.EncodeToString(append(h.Sum(nil), salt...))
}

func randomHex(tb testing.TB, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		tb.Fatal(err)
	}
	return fmt.Sprintf("%x", b)
}

// freePorts returns n distinct TCP ports on 127.0.0.1 that were free a
// moment ago. The listeners stay open until all are chosen, so the same
// port cannot come back twice.
func freePorts(tb testing.TB, n int) []int {
	tb.Helper()
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			tb.Fatalf("slapdtest: finding a free port: %v", err)
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports
}
