package shell

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/reefdb/reef/frigatebird/exec"
)

// progressBar draws one status line on a terminal, redrawn at most ten
// times a second and only once the statement has run for half a second.
type progressBar struct {
	w     io.Writer
	start time.Time
	mu    sync.Mutex
	last  time.Time
	drawn bool
}

func newProgressBar(w io.Writer) *progressBar { return &progressBar{w: w, start: time.Now()} }

func (b *progressBar) update(p exec.Progress) {
	now := time.Now()
	b.mu.Lock()
	defer b.mu.Unlock()
	if now.Sub(b.start) < 500*time.Millisecond || now.Sub(b.last) < 100*time.Millisecond {
		return
	}
	b.last = now
	var line string
	if p.Total > 0 {
		const width = 30
		filled := int(int64(width) * min(p.Done, p.Total) / p.Total)
		line = fmt.Sprintf("%s [%s%s] %3d%%", p.Stage, strings.Repeat("=", filled), strings.Repeat(" ", width-filled), 100*min(p.Done, p.Total)/p.Total)
	} else {
		line = fmt.Sprintf("%s: %d rows", p.Stage, p.Done)
	}
	fmt.Fprintf(b.w, "\r\033[K%s  %.1fs", line, now.Sub(b.start).Seconds())
	b.drawn = true
}

// finish clears the line.
func (b *progressBar) finish() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.drawn {
		fmt.Fprint(b.w, "\r\033[K")
	}
	b.drawn = false
	b.last = time.Now().Add(time.Hour) // late updates draw nothing
}
