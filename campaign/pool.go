package campaign

import (
	"sync"
	"sync/atomic"
)

// windowPerWorker bounds how many batches workers may run ahead of the
// oldest one not yet committed, which bounds the results held in memory.
const windowPerWorker = 8

// executionBatch is how many consecutive indices a worker runs before
// handing their results over. Each handover wakes the committer, and its
// thread spins and sleeps again, which a batch of 16 paid about 10% of a
// campaign's CPU for (BenchmarkCampaign, workers=1) and a batch of 64
// pays a quarter of.
const executionBatch = 64

// guidedBatch is executionBatch for a guided run, whose executions wait
// for the commits guideLag before them: small enough that guideLag spans
// the batches of many workers at once, so that they rarely wait for one
// another.
const guidedBatch = 16

// pool is the workers of one run and what they share with the committer.
// A worker holds a token for each batch it has taken and the committer
// has not yet committed, so tokens bound how far workers run ahead.
type pool struct {
	results chan []unit   // batches of consecutive indices, in any order
	tokens  chan struct{} // the window of batches taken, not yet committed
	// free holds batches committed, for workers to fill again: a run's
	// steady state allocates no batch.
	free  chan []unit
	done  chan struct{} // closed to stop the workers
	next  atomic.Int64  // the first local index no worker has taken
	limit int64         // the first local index this run does not run
	size  int64         // indices per batch
}

// newPool makes the pool of a run of the local indices [start, limit),
// taken batch indices at a time. Workers take indices in batches: a
// channel send and a wakeup of the committer per execution cost more
// than a small execution.
func newPool(workers int, start, limit, batch int64) *pool {
	p := &pool{
		results: make(chan []unit, workers*windowPerWorker),
		tokens:  make(chan struct{}, workers*windowPerWorker),
		free:    make(chan []unit, workers*windowPerWorker),
		done:    make(chan struct{}),
		limit:   limit,
		size:    batch,
	}
	p.next.Store(start)
	return p
}

// startWorkers starts the run's workers; results is closed once they have
// all returned, which ends the commit loop.
func (r *runner) startWorkers(p *pool) {
	var wg sync.WaitGroup
	for range r.c.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.work(p)
		}()
	}
	go func() { wg.Wait(); close(p.results) }()
}

// work runs batches until the run's limit or its stop.
func (r *runner) work(p *pool) {
	w := new(worker)
	for p.acquire() {
		j0 := p.next.Add(p.size) - p.size
		if j0 >= p.limit {
			<-p.tokens
			return
		}
		us := r.runBatch(p, w, j0, min(p.size, p.limit-j0))
		if len(us) == 0 { // the run stopped before the batch could start
			<-p.tokens
			return
		}
		p.results <- us
	}
}

// acquire takes a place in the window, waiting for one. It reports false,
// holding none, once the run has stopped.
func (p *pool) acquire() bool {
	select {
	case p.tokens <- struct{}{}:
	case <-p.done:
		return false
	}
	// Both cases may be ready at once: a stopped run takes no new batch.
	select {
	case <-p.done:
		<-p.tokens
		return false
	default:
		return true
	}
}

// batch returns an empty batch with room for n units: one committed
// before, if there is one.
func (p *pool) batch(n int64) []unit {
	select {
	case us := <-p.free:
		if int64(cap(us)) >= n {
			return us
		}
	default:
	}
	return make([]unit, 0, n)
}

// recycle hands us, committed, back to the workers, emptied: what its
// units pointed to (findings, hashes) is the summary's now, or garbage.
// There is room for every batch in the window, but a batch too many is
// left to the collector rather than waited for.
func (p *pool) recycle(us []unit) {
	clear(us)
	select {
	case p.free <- us[:0]:
	default:
	}
}

// runBatch runs the n local indices from j0 on, on w, into a batch of p.
// A guided run that stops meanwhile cuts the batch short: what it leaves
// out is never committed.
func (r *runner) runBatch(p *pool, w *worker, j0, n int64) []unit {
	c := &r.c
	us := p.batch(n)
	for j := j0; j < j0+n; j++ {
		i := r.sum.Shard.Global(j)
		// Each unit run into its place in the batch (which has room for
		// n): a unit is 288 bytes, and one kept aside cost a copy more.
		us = us[:len(us)+1]
		u := &us[len(us)-1]
		switch {
		case c.Strategy == Exhaustive:
			*u = explore(c, i)
		case r.guide != nil:
			if !runGuided(c, r.guide, w, i, j, r.k, u) {
				return us[:len(us)-1]
			}
		default:
			runOneOn(c, w, i, r.k, u)
		}
		u.j = j
	}
	return us
}
