package satori_test

import (
	"context"
	"fmt"
	"os"

	"github.com/reefdb/reef/satori"
	"github.com/reefdb/reef/satori/attr"
)

// The README's Go quick start.
func Example() {
	dir, _ := os.MkdirTemp("", "satori-example")
	defer os.RemoveAll(dir)

	db, err := satori.Open(dir, satori.Options{Dim: 3, Metric: satori.L2})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()

	db.Insert(1, []float32{0.1, 0.2, 0.3}, attr.Set{"color": attr.String("red"), "year": attr.Int(2020)})
	db.Insert(2, []float32{0.9, 0.8, 0.7}, attr.Set{"color": attr.String("blue"), "year": attr.Int(2021)})
	db.InsertBatch([]satori.Item{{ID: 3, Vector: []float32{0.1, 0.25, 0.3}}})

	ctx := context.Background()
	res, err := db.Search(ctx, []float32{0.1, 0.2, 0.3}, 2, satori.SearchOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range res {
		fmt.Printf("id %d at %.4f\n", r.ID, r.Distance)
	}
	blue := attr.And(attr.Eq("color", attr.String("blue")), attr.Gte("year", attr.Int(2020)))
	res, _ = db.Search(ctx, []float32{0.1, 0.2, 0.3}, 2, satori.SearchOptions{Filter: blue, Probes: 64})
	fmt.Println("blue since 2020:", res[0].ID)

	db.Delete(1)
	if _, err := db.Get(1); err != nil {
		fmt.Println(err)
	}
	// Output:
	// id 1 at 0.0000
	// id 3 at 0.0025
	// blue since 2020: 2
	// get 1: satori: id not found
}
