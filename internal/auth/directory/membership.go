package directory

import (
	"errors"
	"fmt"

	"github.com/go-ldap/ldap/v3"
)

// Limits on following nested groups. Real nesting is a few levels deep; the
// limits stop a pathological or hostile directory from turning one sign-in
// into thousands of searches.
const (
	maxNestingDepth = 10  // group-in-group levels followed
	maxGroupsWalked = 500 // groups looked at in one membership check
)

// errTooManyGroups is the cause when a walk reaches maxGroupsWalked.
var errTooManyGroups = errors.New("too many nested groups to follow")

// isMember reports whether dn is in the admin group, directly or through
// nested groups.
//
// Active Directory answers in one search with the in-chain matching rule,
// evaluated by the server. OpenLDAP has no such rule, so the groups that
// list dn are searched, then the groups that list those, level by level.
func (s *session) isMember(dn string) (bool, error) {
	if s.c.cfg.Kind == KindAD {
		return s.inChain(dn)
	}
	path, err := s.groupPath(dn)
	return path != nil, err
}

// inChain asks Active Directory whether the entry at dn is in the admin
// group at any depth.
func (s *session) inChain(dn string) (bool, error) {
	res, err := s.search(dn, ldap.ScopeBaseObject, inChainFilter(s.c.cfg.AdminGroupDN), []string{"1.1"}, 1, false)
	if err != nil {
		if hasCode(err, ldap.LDAPResultNoSuchObject) {
			return false, nil // renamed or deleted between the search and now
		}
		return false, s.fail(StageSearch, "AdminGroupDN", "checking membership of the admin group", err)
	}
	return len(res.Entries) == 1, nil
}

// groupPath finds the shortest chain of groups from dn up to the admin
// group: the first element is a group that lists dn, the last is the admin
// group itself. It returns nil when there is none within the limits.
//
// The walk goes upwards, from the user to the groups that contain it,
// because the admin group may be large while one person is in few groups.
// Visited groups are remembered, so membership cycles (A in B, B in A)
// end the walk instead of looping. Groups are searched under BaseDN.
func (s *session) groupPath(dn string) ([]string, error) {
	target := normDN(s.c.cfg.AdminGroupDN)
	type node struct {
		dn     string
		parent *node // the member one level down; nil for the user
	}
	visited := map[string]bool{normDN(dn): true}
	level := []*node{{dn: dn}}
	walked := 0

	for depth := 0; depth < maxNestingDepth && len(level) > 0; depth++ {
		var next []*node
		for _, child := range level {
			res, err := s.search(s.c.cfg.BaseDN, ldap.ScopeWholeSubtree,
				memberOfAnyFilter(s.c.profile, child.dn), []string{"1.1"}, 0, true)
			if err != nil {
				return nil, s.fail(StageSearch, "BaseDN", "looking up group memberships", err)
			}
			for _, e := range res.Entries {
				key := normDN(e.DN)
				if visited[key] {
					continue
				}
				visited[key] = true
				group := &node{dn: e.DN, parent: child}
				if key == target {
					var path []string
					for n := group; n.parent != nil; n = n.parent {
						path = append([]string{n.dn}, path...)
					}
					return path, nil
				}
				if walked++; walked > maxGroupsWalked {
					return nil, &CheckError{Stage: StageSearch, Field: "AdminGroupDN",
						Err:     fmt.Errorf("%w: more than %d groups reached from %s", errTooManyGroups, maxGroupsWalked, dn),
						Message: fmt.Sprintf("gave up following nested groups after %d groups — the nesting around %s is too wide to check at sign-in", maxGroupsWalked, dn)}
				}
				next = append(next, group)
			}
		}
		level = next
	}
	return nil, nil
}
