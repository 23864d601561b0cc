package exec

import "context"

// Progress is how far a running statement is: Done of Total units of
// work (morsels of the pipeline running now, or bytes of a file being
// loaded), in Stage (e.g. "pipeline 1/2", "load").
type Progress struct {
	Stage       string
	Done, Total int64
}

type progressKey struct{}

// WithProgress returns a context whose statements report their progress
// to fn (from any goroutine, possibly concurrently; fn must be cheap).
func WithProgress(ctx context.Context, fn func(Progress)) context.Context {
	return context.WithValue(ctx, progressKey{}, fn)
}

// ReportProgress calls the context's progress function, if any.
func ReportProgress(ctx context.Context, p Progress) {
	if fn, ok := ctx.Value(progressKey{}).(func(Progress)); ok {
		fn(p)
	}
}
