package frigatebird_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/reefdb/reef/frigatebird"
)

type sale struct {
	Region string  `parquet:"region"`
	Qty    int64   `parquet:"qty"`
	Price  float64 `parquet:"price"`
	Note   *string `parquet:"note,optional"`
}

// TestParquetSQL reads a Parquet file from SQL: as a table function, as
// a FROM 'file.parquet', and with COPY FROM into a table.
func TestParquetSQL(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sales.parquet")
	note := "late"
	rows := []sale{{"north", 3, 1.5, nil}, {"south", 5, 2.25, &note}, {"north", 1, 10, nil}}
	if err := parquet.WriteFile(path, rows); err != nil {
		t.Fatal(err)
	}
	db, err := frigatebird.OpenMemory(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	r, err := db.Query(ctx, "SELECT region, sum(qty), sum(qty * price) FROM read_parquet('"+path+"') GROUP BY region ORDER BY region")
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Value(0, 0).String() + " " + r.Value(0, 1).String() + " " + r.Value(0, 2).String(); got != "north 4 14.5" {
		t.Fatalf("north: %s", got)
	}
	r, err = db.Query(ctx, "SELECT count(*), count(note) FROM '"+path+"'")
	if err != nil {
		t.Fatal(err)
	}
	if r.Value(0, 0).Int != 3 || r.Value(0, 1).Int != 1 {
		t.Fatalf("counts %v %v", r.Value(0, 0), r.Value(0, 1))
	}
	if _, err := db.Exec(ctx, "CREATE TABLE s (region VARCHAR, qty INTEGER, price DECIMAL(8,2), note VARCHAR)"); err != nil {
		t.Fatal(err)
	}
	res, err := db.Exec(ctx, "COPY s FROM '"+path+"'")
	if err != nil {
		t.Fatal(err)
	}
	if res.RowsAffected != 3 {
		t.Fatalf("copied %d", res.RowsAffected)
	}
	r, err = db.Query(ctx, "SELECT sum(price), max(note) FROM s")
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Value(0, 0).String() + " " + r.Value(0, 1).String(); got != "13.75 late" {
		t.Fatalf("after COPY: %s", got)
	}
}
