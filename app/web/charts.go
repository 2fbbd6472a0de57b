package web

import (
	"fmt"
	"html/template"
	"strings"

	"github.com/advocate-org/advocate/app"
)

// Charts on the staff dashboard are drawn here as inline SVG: no script, no
// library, nothing fetched. Each has a table view next to it on the page;
// the SVG carries a title and a description for screen readers and a
// <title> per mark for pointer users.

// dayChart draws letters per day as bars, with the part already sent
// darker.
func dayChart(days []app.DayTally) template.HTML {
	if len(days) == 0 {
		return ""
	}
	const w, h, left, bottom, top = 720.0, 220.0, 48.0, 28.0, 12.0
	var most int64 = 1
	for _, d := range days {
		most = max(most, d.Letters, d.Sent)
	}
	scale := niceCeil(most)
	plotW, plotH := w-left-8, h-bottom-top
	step := plotW / float64(len(days))
	barW := max(step*0.8, 1)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %g %g" role="img" aria-labelledby="day-chart-title day-chart-desc">`, w, h)
	b.WriteString(`<title id="day-chart-title">Letters per day</title>`)
	fmt.Fprintf(&b, `<desc id="day-chart-desc">%d days from %s to %s; the most letters on one day: %d. The table below has every number.</desc>`,
		len(days), days[0].Day, days[len(days)-1].Day, most)
	// Grid lines and their labels: 0, half, full scale.
	for _, f := range []float64{0, 0.5, 1} {
		y := top + plotH*(1-f)
		fmt.Fprintf(&b, `<line class="grid" x1="%g" y1="%.1f" x2="%g" y2="%.1f"/>`, left, y, w-8, y)
		fmt.Fprintf(&b, `<text class="axis" x="%g" y="%.1f" text-anchor="end">%s</text>`, left-6, y+4, groupDigits(int64(float64(scale)*f)))
	}
	for i, d := range days {
		x := left + float64(i)*step + (step-barW)/2
		hl := plotH * float64(d.Letters) / float64(scale)
		hs := plotH * float64(d.Sent) / float64(scale)
		fmt.Fprintf(&b, `<g><title>%s: %s letters, %s sent</title>`, d.Day, groupDigits(d.Letters), groupDigits(d.Sent))
		fmt.Fprintf(&b, `<rect class="bar" x="%.1f" y="%.1f" width="%.1f" height="%.1f"/>`, x, top+plotH-hl, barW, hl)
		if hs > 0 {
			fmt.Fprintf(&b, `<rect class="bar-sent" x="%.1f" y="%.1f" width="%.1f" height="%.1f"/>`, x, top+plotH-hs, barW, hs)
		}
		b.WriteString(`</g>`)
	}
	// First and last day under the axis.
	fmt.Fprintf(&b, `<text class="axis" x="%g" y="%g">%s</text>`, left, h-8, days[0].Day)
	if len(days) > 1 {
		fmt.Fprintf(&b, `<text class="axis" x="%g" y="%g" text-anchor="end">%s</text>`, w-8, h-8, days[len(days)-1].Day)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) //nolint:gosec // built from numbers and YYYY-MM-DD strings only
}

// niceCeil rounds n up to 1, 2 or 5 times a power of ten, so the axis
// reads well.
func niceCeil(n int64) int64 {
	p := int64(1)
	for {
		for _, m := range []int64{1, 2, 5} {
			if m*p >= n {
				return m * p
			}
		}
		p *= 10
	}
}

// tileGrid places each state on a 12-column grid that keeps its rough
// position on the map; territories sit on a row of their own.
var tileGrid = map[string][2]int{
	"AK": {0, 0}, "ME": {11, 0},
	"VT": {10, 1}, "NH": {11, 1},
	"WA": {1, 2}, "ID": {2, 2}, "MT": {3, 2}, "ND": {4, 2}, "MN": {5, 2}, "IL": {6, 2}, "WI": {7, 2}, "MI": {8, 2},
	"NY": {9, 2}, "RI": {10, 2}, "MA": {11, 2},
	"OR": {1, 3}, "NV": {2, 3}, "WY": {3, 3}, "SD": {4, 3}, "IA": {5, 3}, "IN": {6, 3}, "OH": {7, 3}, "PA": {8, 3},
	"NJ": {9, 3}, "CT": {10, 3},
	"CA": {1, 4}, "UT": {2, 4}, "CO": {3, 4}, "NE": {4, 4}, "MO": {5, 4}, "KY": {6, 4}, "WV": {7, 4}, "VA": {8, 4},
	"MD": {9, 4}, "DE": {10, 4},
	"AZ": {2, 5}, "NM": {3, 5}, "KS": {4, 5}, "AR": {5, 5}, "TN": {6, 5}, "NC": {7, 5}, "SC": {8, 5}, "DC": {9, 5},
	"OK": {4, 6}, "LA": {5, 6}, "MS": {6, 6}, "AL": {7, 6}, "GA": {8, 6},
	"HI": {0, 7}, "TX": {4, 7}, "FL": {9, 7},
	"GU": {0, 8}, "MP": {1, 8}, "AS": {2, 8}, "PR": {9, 8}, "VI": {10, 8},
}

// stateMap draws supporters per state on the tile grid, shaded in five
// steps from the most supporters in any state.
func stateMap(states []app.StateTally) template.HTML {
	const cell, gap = 52.0, 4.0
	counts := map[string]int64{}
	var most int64
	for _, s := range states {
		counts[s.State] = s.Supporters
		most = max(most, s.Supporters)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart map" viewBox="0 0 %g %g" role="img" aria-labelledby="map-title map-desc">`, 12*cell, 9*cell)
	b.WriteString(`<title id="map-title">Supporters by state</title>`)
	fmt.Fprintf(&b, `<desc id="map-desc">Each square is a state; darker squares have more supporters (at most %d in one state). The table below has every number.</desc>`, most)
	for _, code := range app.States() {
		pos, ok := tileGrid[code]
		if !ok {
			continue // military mail codes have no square
		}
		n := counts[code]
		shade := 0
		if n > 0 && most > 0 {
			shade = 1 + int(4*float64(n-1)/float64(max(most, 1))) // 1..5
			shade = min(shade, 5)
		}
		x, y := float64(pos[0])*cell, float64(pos[1])*cell
		fmt.Fprintf(&b, `<g><title>%s: %s supporters</title><rect class="tile tile-%d" x="%g" y="%g" width="%g" height="%g" rx="4"/>`,
			code, groupDigits(n), shade, x, y, cell-gap, cell-gap)
		fmt.Fprintf(&b, `<text class="tile-label" x="%g" y="%g" text-anchor="middle">%s</text>`, x+(cell-gap)/2, y+20, code)
		fmt.Fprintf(&b, `<text class="tile-count" x="%g" y="%g" text-anchor="middle">%s</text></g>`, x+(cell-gap)/2, y+38, shortCount(n))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) //nolint:gosec // state codes from app.States() and numbers only
}

// groupDigits writes 1234567 as "1,234,567".
func groupDigits(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// shortCount fits a number in a map tile: 950, 12k, 1.2M.
func shortCount(n int64) string {
	switch {
	case n >= 1_000_000:
		return fmt.Sprintf("%.1fM", float64(n)/1e6)
	case n >= 10_000:
		return fmt.Sprintf("%dk", n/1000)
	}
	return groupDigits(n)
}
