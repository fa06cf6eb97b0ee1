package dataset

import (
	"bytes"
	"compress/flate"
	"io"
	"runtime"
	"sync"
)

// parallelDeflate compresses a stream in independent blocks on several
// cores and writes them out in order, as one valid raw deflate stream: each
// block ends with a sync flush (a byte-aligned, non-final empty block), and
// Close adds the final empty block. Back-references never cross a block, so
// the blocks need no shared state; with 1 MiB blocks the file is barely
// larger. The worksheet XML of an export is most of its bytes, and
// compressing it on one core is a large part of the export's time.
type parallelDeflate struct {
	w       io.Writer
	level   int
	buf     []byte
	queue   chan chan *bytes.Buffer // compressed blocks, in input order
	written chan error              // the writer goroutine's result
	err     error
	once    sync.Once
	writers sync.Pool // *flate.Writer at level: each holds large tables, so they are reused
}

const deflateBlock = 1 << 20

// blockPool and outPool recycle the input and output buffers, so an export
// allocates a handful of them however large it is.
var (
	blockPool = sync.Pool{New: func() any { b := make([]byte, 0, deflateBlock); return &b }}
	outPool   = sync.Pool{New: func() any { return new(bytes.Buffer) }}
)

func newParallelDeflate(w io.Writer, level int) *parallelDeflate {
	d := &parallelDeflate{w: w, level: level, written: make(chan error, 1)}
	d.queue = make(chan chan *bytes.Buffer, max(runtime.GOMAXPROCS(0), 2))
	d.buf = (*blockPool.Get().(*[]byte))[:0]
	go func() {
		var err error
		for res := range d.queue {
			out := <-res
			if err == nil {
				_, err = w.Write(out.Bytes())
			}
			out.Reset()
			outPool.Put(out)
		}
		d.written <- err
	}()
	return d
}

// Write buffers p and hands full blocks to the compressors.
func (d *parallelDeflate) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		k := min(len(p), deflateBlock-len(d.buf))
		d.buf = append(d.buf, p[:k]...)
		p = p[k:]
		if len(d.buf) == deflateBlock {
			d.submit()
		}
	}
	return n, nil
}

// submit compresses the current block in the background.
func (d *parallelDeflate) submit() {
	block := d.buf
	nb := blockPool.Get().(*[]byte)
	d.buf = (*nb)[:0]
	res := make(chan *bytes.Buffer, 1)
	d.queue <- res // blocks when enough blocks are in flight
	go func() {
		out := outPool.Get().(*bytes.Buffer)
		fw, ok := d.writers.Get().(*flate.Writer)
		if ok {
			fw.Reset(out)
		} else {
			fw, _ = flate.NewWriter(out, d.level) // the level is a constant known to be valid
		}
		_, _ = fw.Write(block) // writes to a bytes.Buffer do not fail
		_ = fw.Flush()
		d.writers.Put(fw)
		block = block[:0]
		blockPool.Put(&block)
		res <- out
	}()
}

// Close compresses what is left, waits for every block to be written and
// ends the stream.
func (d *parallelDeflate) Close() error {
	d.once.Do(func() {
		if len(d.buf) > 0 {
			d.submit()
		}
		close(d.queue)
		if d.err = <-d.written; d.err != nil {
			return
		}
		// An empty final block ends the deflate stream.
		fw, _ := flate.NewWriter(d.w, d.level)
		d.err = fw.Close()
	})
	return d.err
}
