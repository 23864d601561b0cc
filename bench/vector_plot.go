package main

import (
	"fmt"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// writeVectorPlot draws recall@10 (x) against QPS (y, log scale), one line
// with markers per side, as a PNG at path.
func writeVectorPlot(path, title string, curves []vectorCurve) error {
	p := plot.New()
	p.Title.Text = "vector: " + title
	p.X.Label.Text = "recall@10"
	p.Y.Label.Text = "queries per second (log)"
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = logTicks125{}
	p.Legend.Top = false
	p.Legend.Left = true
	p.Add(plotter.NewGrid())
	for _, c := range curves {
		// Knob order: the curve a user walks by turning the knob up.
		pts := c.Points
		xys := make(plotter.XYs, 0, len(pts))
		for _, pt := range pts {
			if pt.QPS > 0 {
				xys = append(xys, plotter.XY{X: pt.Recall, Y: pt.QPS})
			}
		}
		if len(xys) == 0 {
			continue
		}
		line, points, err := plotter.NewLinePoints(xys)
		if err != nil {
			return fmt.Errorf("vector plot: %s: %w", c.Name, err)
		}
		col := vectorSideColor(c.Key)
		line.Color, points.Color = col, col
		line.Width = vg.Points(1.5)
		points.Shape = draw.CircleGlyph{}
		points.Radius = vg.Points(2.5)
		p.Add(line, points)
		p.Legend.Add(c.Name, line, points)
	}
	if err := p.Save(8*vg.Inch, 5*vg.Inch, path); err != nil {
		return fmt.Errorf("vector plot: %w", err)
	}
	return nil
}

// vectorSideColor gives every side the same colour in every plot.
func vectorSideColor(key string) color.Color {
	switch key {
	case "reef":
		return color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}
	case "faiss-ivfflat":
		return color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}
	case "faiss-hnswflat":
		return color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff}
	case "exact":
		return color.RGBA{R: 0x55, G: 0x55, B: 0x55, A: 0xff}
	}
	return color.RGBA{R: 0x94, G: 0x67, B: 0xbd, A: 0xff}
}

// logTicks125 labels a log axis at 1, 2 and 5 times the powers of ten
// (plot.LogTicks labels only the powers, often one or none on a QPS axis).
type logTicks125 struct{}

func (logTicks125) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	if !(lo > 0) || !(hi >= lo) {
		return ticks
	}
	for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
		p := math.Pow(10, e)
		for _, m := range []float64{1, 2, 5} {
			v := m * p
			if v >= lo && v <= hi {
				ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', -1, 64)})
			}
		}
		for m := 3.0; m <= 9; m++ {
			if v := m * p; v >= lo && v <= hi && m != 5 {
				ticks = append(ticks, plot.Tick{Value: v}) // minor
			}
		}
	}
	return ticks
}
