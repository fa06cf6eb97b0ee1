package config

import (
	"strings"
	"testing"
	"time"
)

func TestLDAPVariables(t *testing.T) {
	c, err := Parse(lookup(map[string]string{}))
	if err != nil || c.LDAP.URL != "" || c.LDAP.Timeout != 5*time.Second || c.LDAP.Recheck != 15*time.Minute {
		t.Fatalf("defaults: %+v, %v", c.LDAP, err)
	}
	c, err = Parse(lookup(map[string]string{
		"PORTICO_LDAP_URL": " ldaps://dc1.corp.example ", "PORTICO_LDAP_START_TLS": "false", "PORTICO_LDAP_SKIP_VERIFY": "yes",
		"PORTICO_LDAP_CA_FILE": "/etc/ca.pem", "PORTICO_LDAP_BIND_DN": "CN=reader,DC=corp", "PORTICO_LDAP_BIND_PASSWORD": " pw with spaces ",
		"PORTICO_LDAP_BASE_DN": "DC=corp", "PORTICO_LDAP_USER_FILTER": "(uid={username})", "PORTICO_LDAP_KIND": "AD",
		"PORTICO_LDAP_ADMIN_GROUP": "CN=Admins,DC=corp", "PORTICO_LDAP_TIMEOUT": "2s", "PORTICO_LDAP_RECHECK": "5m",
	}))
	want := LDAPConfig{URL: "ldaps://dc1.corp.example", SkipVerify: true, CAFile: "/etc/ca.pem", BindDN: "CN=reader,DC=corp",
		BindPassword: " pw with spaces ", BaseDN: "DC=corp", UserFilter: "(uid={username})", Kind: "ad", AdminGroup: "CN=Admins,DC=corp",
		Timeout: 2 * time.Second, Recheck: 5 * time.Minute}
	if err != nil || c.LDAP != want {
		t.Fatalf("got %+v, %v", c.LDAP, err)
	}
	c, _ = Parse(lookup(map[string]string{"PORTICO_SECRET_KEY": strings.Repeat("k", 40), "PORTICO_LDAP_RECHECK": "10s"}))
	if err := c.Validate(true); err == nil || !strings.Contains(err.Error(), "PORTICO_LDAP_RECHECK") {
		t.Errorf("10s re-check: %v", err)
	}
	if _, err := Parse(lookup(map[string]string{"PORTICO_LDAP_START_TLS": "maybe"})); err == nil || !strings.Contains(err.Error(), "PORTICO_LDAP_START_TLS") {
		t.Errorf("bad bool: %v", err)
	}
}
