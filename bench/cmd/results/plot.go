package main

import (
	"fmt"
	"image/color"
	"os"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// codingColors: one colour per coding, the same in every panel.
var codingColors = map[string]color.RGBA{
	"gzip": {R: 0x1f, G: 0x77, B: 0xb4, A: 0xff},
	"br":   {R: 0xd6, G: 0x27, B: 0x28, A: 0xff},
	"zstd": {R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff},
}

// writePlot draws the frontier of every corpus into one PNG: CPU per
// response (log scale) across, bytes sent as a share of the body up, one
// dot per setting labelled with its level, the frontier as a line, and the
// browser's default response from streamzip, gzhttp and streamzip before.
func writePlot(path string, res *results) error {
	var cps []corpusPoints
	for _, c := range frontierCorpora {
		if cp, ok := loadCorpus(res, c.name); ok {
			cps = append(cps, cp)
		}
	}
	if len(cps) == 0 {
		return fmt.Errorf("no frontier results to plot")
	}
	// One panel per corpus and a last one for the legend.
	const cols = 3
	rows := (len(cps) + 1 + cols - 1) / cols
	plots := make([][]*plot.Plot, rows)
	for i := range plots {
		plots[i] = make([]*plot.Plot, cols)
	}
	legend := plot.New()
	legend.HideAxes()
	for i, cp := range cps {
		p, err := corpusPlot(cp, legend, i == 0)
		if err != nil {
			return err
		}
		plots[i/cols][i%cols] = p
	}
	legend.Legend.Top, legend.Legend.Left = true, true
	legend.Legend.TextStyle.Font.Size = vg.Points(12)
	legend.Legend.YOffs = -vg.Points(20)
	legend.Legend.XOffs = vg.Points(20)
	legend.Title.Text = "Codec frontier: CPU across, bytes up"
	plots[len(cps)/cols][len(cps)%cols] = legend
	img := vgimg.NewWith(vgimg.UseWH(vg.Length(cols)*5*vg.Inch, vg.Length(rows)*3.8*vg.Inch), vgimg.UseDPI(100))
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Millimeter * 4, PadY: vg.Millimeter * 4,
		PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 4}
	canvases := plot.Align(plots, tiles, dc)
	for r := range plots {
		for c, p := range plots[r] {
			if p != nil {
				p.Draw(canvases[r][c])
			}
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// corpusPlot draws one corpus; with addLegend, it also fills legend.
// Settings that barely compress (over 3× the median share of the body,
// brotli 0 and 1 on flushed events) would squash the rest: they are left
// out and named in the title.
func corpusPlot(cp corpusPoints, legend *plot.Plot, addLegend bool) (*plot.Plot, error) {
	p := plot.New()
	title := cp.name
	for _, c := range frontierCorpora {
		if c.name == cp.name {
			title = c.what
		}
	}
	p.Title.Text = fmt.Sprintf("%s (%s)", title, bytesHuman(cp.settings[0].body))
	shares := make([]float64, len(cp.settings))
	for i, q := range cp.settings {
		shares[i] = q.bytes
	}
	slices.Sort(shares)
	cutoff := 3 * shares[len(shares)/2]
	var left []string
	for _, q := range cp.settings {
		if q.bytes > cutoff {
			left = append(left, q.name)
		}
	}
	if len(left) > 0 {
		p.Title.Text += "\n" + strings.Join(left, ", ") + " off the scale (barely compressed)"
	}
	unit := "response"
	if cp.stream {
		unit = "event"
	}
	p.X.Label.Text = "CPU µs per " + unit + " (log)"
	p.Y.Label.Text = "bytes sent, % of body"
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	p.Add(plotter.NewGrid())
	body := cp.settings[0].body
	xy := func(q point) plotter.XY { return plotter.XY{X: q.ns / 1e3, Y: 100 * q.bytes / body} }

	var front plotter.XYs
	sorted := slices.Clone(cp.settings)
	slices.SortFunc(sorted, func(a, b point) int { return cmpFloat(a.ns, b.ns) })
	for _, q := range sorted {
		if q.front && q.bytes <= cutoff {
			front = append(front, xy(q))
		}
	}
	line, err := plotter.NewLine(front)
	if err != nil {
		return nil, err
	}
	line.Color = color.Gray{Y: 0x80}
	line.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	p.Add(line)
	if addLegend {
		legend.Legend.Add("frontier (no setting both smaller and cheaper)", line)
	}

	for _, cd := range []string{"gzip", "br", "zstd"} {
		var pts plotter.XYs
		var labels []string
		for _, q := range cp.settings {
			if strings.HasPrefix(q.name, cd+"-") && q.bytes <= cutoff {
				pts = append(pts, xy(q))
				labels = append(labels, shortLevel(q.name))
			}
		}
		if len(pts) == 0 {
			continue
		}
		s, err := plotter.NewScatter(pts)
		if err != nil {
			return nil, err
		}
		s.GlyphStyle.Color = codingColors[cd]
		s.GlyphStyle.Shape = draw.CircleGlyph{}
		s.GlyphStyle.Radius = vg.Points(3)
		p.Add(s)
		l, err := plotter.NewLabels(plotter.XYLabels{XYs: pts, Labels: labels})
		if err != nil {
			return nil, err
		}
		for i := range l.TextStyle {
			l.TextStyle[i].Color = codingColors[cd]
			l.TextStyle[i].Font.Size = vg.Points(8)
		}
		l.Offset = vg.Point{X: vg.Points(4), Y: vg.Points(2)}
		p.Add(l)
		if addLegend {
			legend.Legend.Add(cd+", labelled with its level", s)
		}
	}

	marks := []struct {
		row, label string
		shape      draw.GlyphDrawer
		radius     vg.Length
	}{
		{"default-streamzip-browser", "streamzip default, browser", draw.PyramidGlyph{}, 6},
		{"default-gzhttp-browser", "gzhttp default, browser", draw.BoxGlyph{}, 5},
		{"default-before-browser", "streamzip before, browser", draw.CrossGlyph{}, 6},
	}
	if cp.stream {
		marks[0].row, marks[0].label = "default-compress-browser", "streamzip CompressEventStreams, browser"
	}
	for _, m := range marks {
		q, ok := cp.defaults[m.row]
		if !ok || q.coding == "identity" {
			continue
		}
		s, err := plotter.NewScatter(plotter.XYs{xy(q)})
		if err != nil {
			return nil, err
		}
		s.GlyphStyle.Shape = m.shape
		s.GlyphStyle.Radius = vg.Points(float64(m.radius))
		s.GlyphStyle.Color = color.Black
		p.Add(s)
		if addLegend || (cp.stream && m.row == "default-compress-browser") {
			legend.Legend.Add(m.label, s)
		}
	}
	return p, nil
}

// shortLevel turns "gzip-5" into "5" and "zstd-fastest" into "fastest".
func shortLevel(name string) string {
	_, level, _ := strings.Cut(name, "-")
	return level
}
