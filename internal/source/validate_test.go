package source

import (
	"strings"
	"testing"
)

func TestValidateSelect(t *testing.T) {
	tests := []struct {
		name string
		sql  string
		// wantErr is a fragment of the error, empty when the SQL is accepted.
		wantErr string
	}{
		{"plain select is accepted", "SELECT a, b FROM t WHERE c = 1", ""},
		{"lower case is accepted", "select a from t", ""},
		{"with then select is accepted", "WITH a AS (SELECT 1 AS x), b AS (SELECT x FROM a) SELECT * FROM b", ""},
		{"with recursive is accepted", "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 5) SELECT x FROM c", ""},
		{"leading comments and whitespace are accepted", "\n  -- inventory\n/* by lot */\n\tSELECT 1", ""},
		{"parenthesised select is accepted", "(SELECT 1) UNION (SELECT 2)", ""},
		{"trailing semicolon is accepted", "SELECT 1;", ""},
		{"trailing semicolon and comment are accepted", "SELECT 1; -- done\n", ""},
		{"semicolon in a string is accepted", "SELECT 'a;b' AS x", ""},
		{"doubled quote in a string is accepted", "SELECT 'O''Brien; DROP TABLE x' AS x", ""},
		{"semicolon in a line comment is accepted", "SELECT 1 -- a; b\n", ""},
		{"semicolon in a block comment is accepted", "SELECT 1 /* a; DELETE FROM x */", ""},
		{"semicolon in a double-quoted identifier is accepted", `SELECT 1 AS "a;b"`, ""},
		{"semicolon in a bracketed identifier is accepted", "SELECT 1 AS [a;b]", ""},
		{"semicolon in a backquoted identifier is accepted", "SELECT 1 AS `a;b`", ""},
		{"keywords in strings are accepted", "SELECT 'DELETE FROM x', 'INTO' AS y", ""},
		{"write words as columns of a table are accepted", "SELECT t.update, t.delete FROM t", ""},
		{"functions named like writes are accepted", "SELECT INSERT('abc', 1, 1, 'x'), REPLACE(a, 'x', 'y') FROM t", ""},
		{"deacom style sql server query is accepted", "SELECT [Customer].[cu_CustName] AS [Customer], N'x' FROM [dtm_Inventory] WITH (NOLOCK)", ""},

		{"empty is refused", "", "the SQL is empty"},
		{"whitespace and comments only are refused", "  -- nothing\n /* here */ ", "the SQL is empty"},
		{"a lone semicolon is refused", ";", "the SQL is empty"},
		{"second statement is refused", "SELECT 1; DROP TABLE x", `found a second statement after ";"`},
		{"second select is refused", "SELECT 1; SELECT 2", `found a second statement after ";"`},
		{"a leading semicolon is refused", ";WITH a AS (SELECT 1) SELECT * FROM a", `found ";" before the statement`},
		{"two semicolons are refused", "SELECT 1;;", `found a second statement after ";"`},
		{"delete is refused", "DELETE FROM x", `found "DELETE"`},
		{"update is refused", "UPDATE x SET a = 1", `found "UPDATE"`},
		{"insert is refused", "INSERT INTO x VALUES (1)", `found "INSERT"`},
		{"merge is refused", "MERGE INTO x USING y ON x.a = y.a WHEN MATCHED THEN DELETE", `found "MERGE"`},
		{"exec is refused", "EXEC sp_who", `found "EXEC"`},
		{"drop is refused", "drop table x", `found "DROP"`},
		{"with delete is refused", "WITH a AS (SELECT 1) DELETE FROM x", `a WITH must end in a SELECT, found "DELETE"`},
		{"with update is refused", "WITH a AS (SELECT 1) UPDATE x SET b = 1", `found "UPDATE"`},
		{"with insert is refused", "WITH a AS (SELECT 1) INSERT INTO x SELECT * FROM a", `found "INSERT"`},
		{"with merge is refused", "WITH a AS (SELECT 1) MERGE INTO x USING a ON 1=1 WHEN MATCHED THEN DELETE", `found "MERGE"`},
		{"data-modifying cte is refused", "WITH d AS (DELETE FROM x RETURNING *) SELECT * FROM d", `found "DELETE"`},
		{"with without a statement is refused", "WITH a AS (SELECT 1)", "none was found"},
		{"select into is refused", "SELECT * INTO new FROM x", "SELECT … INTO"},
		{"select into outfile is refused", "SELECT a FROM x INTO OUTFILE '/tmp/x'", "SELECT … INTO"},
		{"for update is refused", "SELECT a FROM x FOR UPDATE", "FOR UPDATE"},
		{"statement hidden after a comment is refused", "/* hello */ DELETE FROM x", `found "DELETE"`},
		{"unclosed string is refused", "SELECT 'abc", "not closed"},
		{"unclosed comment is refused", "SELECT 1 /* abc", "not closed"},
		{"unclosed bracket is refused", "SELECT [abc FROM t", "not closed"},
		{"mysql backslash escape cannot hide a statement", `SELECT 'x\'' ; DELETE FROM t; -- '`, "SQL must be a single SELECT"},
		{"nested comment cannot hide a statement", "SELECT 1 /* /* */ ' */ ; DELETE FROM x; SELECT '", "SQL must be a single SELECT"},
		{"a leading keyword other than select is refused", "VALUES (1)", `found "VALUES"`},
		{"a leading symbol is refused", "* FROM t", `found "*"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateSelect(tt.sql)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("ValidateSelect(%q) = %v, want nil", tt.sql, err)
			case tt.wantErr != "" && err == nil:
				t.Fatalf("ValidateSelect(%q) = nil, want an error containing %q", tt.sql, tt.wantErr)
			case tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr):
				t.Fatalf("ValidateSelect(%q) = %q, want it to contain %q", tt.sql, err, tt.wantErr)
			case err != nil && !strings.HasPrefix(err.Error(), "dataset SQL must"):
				t.Fatalf("error %q does not start by saying what dataset SQL must be", err)
			}
		})
	}
}

// FuzzValidateSelect checks that no SQL makes the check panic, and that
// wrapping accepted SQL for a scope never lets a second statement or a
// write through.
func FuzzValidateSelect(f *testing.F) {
	for _, s := range []string{
		"SELECT 1", "SELECT 1;", "WITH a AS (SELECT 1) SELECT * FROM a", "SELECT 'a;b' -- c",
		"SELECT 1 /* x */", `SELECT "a""b" FROM [c]]d]`, "SELECT 'x\\'' ; DELETE FROM t; -- '",
		"SELECT 1 /* /* */ ' */ ; DELETE FROM x; SELECT '", "DELETE FROM x", "SELECT * INTO y FROM x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, sql string) {
		if ValidateSelect(sql) != nil {
			return
		}
		for _, driver := range Drivers {
			d, _ := DialectFor(driver)
			q, _, err := ScopedQuery(d, sql, "customer", false, []string{"A"})
			if err != nil {
				t.Fatalf("%s: ScopedQuery of accepted SQL %q: %v", driver, sql, err)
			}
			if err := ValidateSelect(q); err != nil {
				t.Fatalf("%s: accepted SQL %q wraps into %q, which is refused: %v", driver, sql, q, err)
			}
		}
	})
}
