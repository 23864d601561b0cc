package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/chzyer/readline"
)

// progress reports a long import: on a terminal one status line redrawn
// at most ten times a second (bar, %, vectors/s, ETA); elsewhere (a log
// file, a pipe) a plain line every interval. Progress is measured in
// bytes of the input, so it works for formats whose vector count is not
// known up front (csv). Not safe for concurrent use.
type progress struct {
	w          io.Writer
	tty        bool
	totalBytes int64
	interval   time.Duration // between plain lines
	start      time.Time
	last       time.Time
	drawn      bool
}

func newProgress(w io.Writer, totalBytes int64) *progress {
	p := &progress{w: w, totalBytes: totalBytes, interval: 5 * time.Second, start: time.Now()}
	if f, ok := w.(*os.File); ok && readline.IsTerminal(int(f.Fd())) {
		p.tty = true
	}
	p.last = p.start
	return p
}

// update reports vectors imported so far and input bytes consumed.
func (p *progress) update(vectors int, doneBytes int64) {
	now := time.Now()
	every := p.interval
	if p.tty {
		every = 100 * time.Millisecond
	}
	if now.Sub(p.last) < every {
		return
	}
	p.last = now
	if p.tty {
		fmt.Fprintf(p.w, "\r\033[K%s", p.line(vectors, doneBytes, now))
		p.drawn = true
		return
	}
	fmt.Fprintf(p.w, "import: %s\n", p.line(vectors, doneBytes, now))
}

func (p *progress) line(vectors int, doneBytes int64, now time.Time) string {
	elapsed := now.Sub(p.start)
	rate := float64(vectors) / max(elapsed.Seconds(), 1e-9)
	s := fmt.Sprintf("%d vectors  %.0f vectors/s", vectors, rate)
	if p.totalBytes > 0 {
		frac := min(float64(doneBytes)/float64(p.totalBytes), 1)
		eta := "?"
		if frac > 0 {
			eta = (time.Duration(float64(elapsed)/frac) - elapsed).Round(time.Second).String()
		}
		const width = 30
		filled := int(frac * width)
		s = fmt.Sprintf("[%s%s] %3.0f%%  %s  ETA %s", strings.Repeat("=", filled), strings.Repeat(" ", width-filled), 100*frac, s, eta)
	}
	return s
}

// finish clears the status line.
func (p *progress) finish() {
	if p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
		p.drawn = false
	}
}
