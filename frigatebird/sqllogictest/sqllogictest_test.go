package sqllogictest

import (
	"context"
	"strings"
	"testing"

	"github.com/reefdb/reef/frigatebird"
)

func TestParseAndRun(t *testing.T) {
	script := `# comment
statement ok
CREATE TABLE t (a INTEGER, b VARCHAR)

statement ok
INSERT INTO t VALUES (1, 'x'), (2, ''), (NULL, 'z')

query IT rowsort
SELECT a, b FROM t
----
1	x
2	(empty)
NULL	z

query I valuesort
SELECT a FROM t
----
1
2
NULL

hash-threshold 2

query IT rowsort
SELECT a, b FROM t
----
6 values hashing to 0e9e2fe5b9ec7d6ba3bd2c6b8d6f44b2

skipif frigatebird
query I
SELECT 'skipped'
----
nope

onlyif sqlite
statement ok
THIS IS NOT SQL

statement error does not exist
SELECT nope FROM t

query R
SELECT 1.5 * 2
----
3.000

halt

statement ok
THIS IS NOT RUN
`
	recs, err := Parse(strings.NewReader(script))
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 8 {
		t.Fatalf("%d records, want 8: %+v", len(recs), recs)
	}
	db, err := frigatebird.OpenMemory(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fails := Run(context.Background(), db, "script", recs)
	// The hash is made up: exactly that record must fail, reporting the
	// real hash.
	if len(fails) != 1 || !strings.Contains(fails[0].Msg, "6 values hashing to") {
		t.Fatalf("failures: %v", fails)
	}
}

func TestFailures(t *testing.T) {
	script := `query I
SELECT 1
----
2

statement ok
SELECT nope

statement error
SELECT 1

query II
SELECT 1
----
1
`
	recs, err := Parse(strings.NewReader(script))
	if err != nil {
		t.Fatal(err)
	}
	db, err := frigatebird.OpenMemory(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if fails := Run(context.Background(), db, "script", recs); len(fails) != 4 {
		t.Fatalf("%d failures, want 4: %v", len(fails), fails)
	}
	for _, bad := range []string{"query\nSELECT 1\n", "statement maybe\nSELECT 1\n", "bogus\n", "query I sideways\nSELECT 1\n"} {
		if _, err := Parse(strings.NewReader(bad)); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
}
