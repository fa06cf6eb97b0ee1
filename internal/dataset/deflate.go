package dataset

import (
	"bytes"
	"compress/flate"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
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
	failed  atomic.Pointer[error]   // the first write error, as soon as it happens
	err     error
	once    sync.Once
}

const deflateBlock = 1 << 20

// blockPool and outPool recycle the input and output buffers, so an export
// allocates a handful of them however large it is.
var (
	blockPool = sync.Pool{New: func() any { b := make([]byte, 0, deflateBlock); return &b }}
	outPool   = sync.Pool{New: func() any { return new(bytes.Buffer) }}
)

// flateWriters recycles *flate.Writer by level (index level+2, for
// flate.HuffmanOnly … flate.BestCompression): each holds several hundred
// KiB of tables, and a workbook is several zip entries, each with its own
// parallelDeflate, so a pool per stream would build new ones for each.
var flateWriters [flate.BestCompression + 3]sync.Pool

// finalBlock is an empty final deflate block with fixed codes (BFINAL=1,
// BTYPE=01, end-of-block), which ends a stream whose blocks all end on a
// byte boundary, as sync-flushed ones do.
var finalBlock = []byte{0x03, 0x00}

func newParallelDeflate(w io.Writer, level int) *parallelDeflate {
	d := &parallelDeflate{w: w, level: level, written: make(chan error, 1)}
	d.queue = make(chan chan *bytes.Buffer, max(runtime.GOMAXPROCS(0), 2))
	d.buf = (*blockPool.Get().(*[]byte))[:0]
	go func() {
		var err error
		for res := range d.queue {
			out := <-res
			if err == nil {
				if _, err = w.Write(out.Bytes()); err != nil {
					failed := err
					d.failed.Store(&failed)
				}
			}
			out.Reset()
			outPool.Put(out)
		}
		d.written <- err
	}()
	return d
}

// Write buffers p and hands full blocks to the compressors. Once writing
// the output has failed (a client gone mid-download), it returns that
// error, so the caller stops producing a file nobody will receive.
func (d *parallelDeflate) Write(p []byte) (int, error) {
	if err := d.failed.Load(); err != nil {
		return 0, *err
	}
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
		pool := &flateWriters[d.level+2]
		fw, ok := pool.Get().(*flate.Writer)
		if ok {
			fw.Reset(out)
		} else {
			fw, _ = flate.NewWriter(out, d.level) // the level is a constant known to be valid
		}
		_, _ = fw.Write(block) // writes to a bytes.Buffer do not fail
		_ = fw.Flush()
		pool.Put(fw)
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
		} else {
			b := d.buf
			blockPool.Put(&b)
		}
		d.buf = nil
		close(d.queue)
		if d.err = <-d.written; d.err != nil {
			return
		}
		_, d.err = d.w.Write(finalBlock)
	})
	return d.err
}
