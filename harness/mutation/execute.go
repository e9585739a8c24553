package mutation

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/kmsconform/kmsconform/reports"
)

// RunSuite runs the suite for one run and returns its results. An error
// means the run gave no results to judge.
type RunSuite func(ctx context.Context, run Run) (reports.Results, error)

// Result is what one suite run gave: its results, or why there are none.
type Result struct {
	Run     Run
	Results reports.Results
	Err     error
	Took    time.Duration
}

// Execute runs the suite for every run, at most parallel at a time, and
// returns the results in the order of runs. done, when not nil, is called
// once per finished run, never concurrently. Once ctx ends, the runs not
// started yet fail with its error.
func Execute(ctx context.Context, runs []Run, parallel int, runSuite RunSuite, done func(Result)) []Result {
	results := make([]Result, len(runs))
	next := make(chan int)
	var mu sync.Mutex // serialises done
	var wg sync.WaitGroup
	for range min(max(parallel, 1), len(runs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				r := execute(ctx, runs[i], runSuite)
				results[i] = r
				if done != nil {
					mu.Lock()
					done(r)
					mu.Unlock()
				}
			}
		}()
	}
	for i := range runs {
		next <- i
	}
	close(next)
	wg.Wait()
	return results
}

func execute(ctx context.Context, run Run, runSuite RunSuite) Result {
	if err := ctx.Err(); err != nil {
		return Result{Run: run, Err: fmt.Errorf("not run: %w", err)}
	}
	start := time.Now()
	res, err := runSuite(ctx, run)
	return Result{Run: run, Results: res, Err: err, Took: time.Since(start)}
}
