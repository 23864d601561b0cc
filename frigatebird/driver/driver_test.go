package driver

import (
	"database/sql"
	"database/sql/driver"
	"strings"
	"testing"
	"time"
)

func TestBind(t *testing.T) {
	args := func(vs ...any) []driver.NamedValue {
		out := make([]driver.NamedValue, len(vs))
		for i, v := range vs {
			out[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
		}
		return out
	}
	for _, c := range []struct {
		q    string
		args []driver.NamedValue
		want string
	}{
		{"SELECT $1, $2", args(int64(-5), "it's"), "SELECT (-5), 'it''s'"},
		{"SELECT ?, ? -- ?\n", args(true, nil), "SELECT TRUE, NULL -- ?\n"},
		{"SELECT '$1', \"?\", $1 /* $2 */", args(1.5), "SELECT '$1', \"?\", CAST(1.5 AS DOUBLE) /* $2 */"},
		{"SELECT $1 + $1", args(int64(2)), "SELECT 2 + 2"},
		{"SELECT $1", args(time.Date(2024, 2, 29, 1, 2, 3, 500000000, time.UTC)), "SELECT TIMESTAMP '2024-02-29 01:02:03.5'"},
		{"SELECT a$1 FROM t", args(), "SELECT a$1 FROM t"},
	} {
		got, err := Bind(c.q, c.args)
		if err != nil || got != c.want {
			t.Errorf("Bind(%q) = %q, %v; want %q", c.q, got, err, c.want)
		}
	}
	for _, c := range []struct {
		q    string
		args []driver.NamedValue
	}{
		{"SELECT $2", args(int64(1))},
		{"SELECT 1", args(int64(1))},
		{"SELECT ?", args()},
	} {
		if _, err := Bind(c.q, c.args); err == nil {
			t.Errorf("Bind(%q) with %d args succeeded", c.q, len(c.args))
		}
	}
	if _, err := countParams("SELECT $1, ?"); err == nil {
		t.Error("mixed parameter styles accepted")
	}
}

func TestDatabaseSQL(t *testing.T) {
	dir := t.TempDir()
	db, err := sql.Open("frigatebird", dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CREATE TABLE items (id BIGINT, name VARCHAR, price DECIMAL(8,2), added DATE)"); err != nil {
		t.Fatal(err)
	}
	ins, err := db.Prepare("INSERT INTO items VALUES ($1, $2, $3, $4)")
	if err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"apple", "pear", "o'clock"} {
		if _, err := ins.Exec(int64(i+1), name, "1.25", "2024-05-0"+string(rune('1'+i))); err != nil {
			t.Fatal(err)
		}
	}
	var n int64
	var total string
	if err := db.QueryRow("SELECT count(*), sum(price) FROM items WHERE name <> ?", "pear").Scan(&n, &total); err != nil {
		t.Fatal(err)
	}
	if n != 2 || total != "2.50" {
		t.Fatalf("count %d sum %s", n, total)
	}
	var name string
	if err := db.QueryRow("SELECT name FROM items WHERE added = $1", "2024-05-03").Scan(&name); err != nil || name != "o'clock" {
		t.Fatalf("name %q, %v", name, err)
	}

	// A transaction stays on one connection; rollback discards.
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec("DELETE FROM items"); err != nil {
		t.Fatal(err)
	}
	if err := tx.QueryRow("SELECT count(*) FROM items").Scan(&n); err != nil || n != 0 {
		t.Fatalf("inside: %d, %v", n, err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	tx, err = db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	res, err := tx.Exec("UPDATE items SET price = price * 2 WHERE id >= ?", int64(2))
	if err != nil {
		t.Fatal(err)
	}
	if k, _ := res.RowsAffected(); k != 2 {
		t.Fatalf("updated %d", k)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}

	// A second sql.DB on the same directory shares the database.
	db2, err := sql.Open("frigatebird", dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := db2.QueryRow("SELECT sum(price) FROM items").Scan(&total); err != nil || total != "6.25" {
		t.Fatalf("second handle: %s, %v", total, err)
	}
	rows, err := db2.Query("SELECT id, name FROM items ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	cts, _ := rows.ColumnTypes()
	if cts[0].DatabaseTypeName() != "BIGINT" || cts[1].DatabaseTypeName() != "VARCHAR" {
		t.Fatalf("column types %s %s", cts[0].DatabaseTypeName(), cts[1].DatabaseTypeName())
	}
	var names []string
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id, &name); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	if strings.Join(names, ",") != "apple,pear,o'clock" {
		t.Fatalf("names %v", names)
	}
	db2.Close()
	if _, err := db.Exec("SELECT nope FROM items"); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("error: %v", err)
	}
	db.Close()
	// Closed everywhere: the directory can be opened again.
	db3, err := sql.Open("frigatebird", dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := db3.QueryRow("SELECT count(*) FROM items").Scan(&n); err != nil || n != 3 {
		t.Fatalf("reopened: %d, %v", n, err)
	}
	db3.Close()
}

// FuzzBind: any statement text and argument count binds or errors,
// never panics, and text without parameters is left as it is.
func FuzzBind(f *testing.F) {
	f.Add("SELECT $1, '?' -- $2", 1)
	f.Add("SELECT ?, ?, \"$1\" /* ? */", 2)
	f.Add("'unterminated $1", 0)
	f.Fuzz(func(t *testing.T, q string, n int) {
		n = min(max(n, 0), 4)
		args := make([]driver.NamedValue, n)
		for i := range args {
			args[i] = driver.NamedValue{Ordinal: i + 1, Value: int64(i)}
		}
		out, err := Bind(q, args)
		if err == nil && n == 0 && out != q {
			t.Fatalf("Bind changed a statement without parameters: %q -> %q", q, out)
		}
		countParams(q)
	})
}
