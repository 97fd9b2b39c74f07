//! `run --trace`'s JSON Lines writer on its own thread: the engine hands over each chunk of trace records and
//! runs on while another core formats, writes and frees them.
//!
//! The engine thread's share of a traced run is then the simulation and taking the records; formatting
//! (`TraceRecord::write_line`), writing and dropping the records — about half the time of a traced run on one
//! thread — overlap with it. Chunks pass through a bounded channel ([`CHUNKS_IN_FLIGHT`]), so a slow disk or
//! reader holds the engine back instead of letting records pile up in memory. The bytes are those of the
//! single-threaded writer, in the same order: one thread writes them all, chunk after chunk.

use std::io::{ErrorKind, Write};
use std::thread::JoinHandle;

use crossbeam_channel::{Sender, bounded};

use crate::sim::TraceRecord;

/// Chunks handed over and not yet written, at most: enough to ride out a short stall of either side, few enough
/// that the records waiting stay a few chunks' worth (a chunk is `run`'s 65,536 engine events, ~20 MB of
/// records at most on the API benchmark).
pub const CHUNKS_IN_FLIGHT: usize = 2;

/// The formatted lines are written out whenever this many bytes are waiting (a chunk of records makes ~28 MB of
/// JSON Lines on the API benchmark: the buffer stays small and warm instead of growing to that).
const LINE_BUF_BYTES: usize = 1 << 20;

/// How the writing ended.
#[derive(Debug)]
pub enum WriteEnd {
    /// Every record was written and flushed.
    Done,
    /// The reader went away (`run … --trace - | head`): it has seen enough; records after that were dropped.
    ReaderGone,
    /// Writing failed.
    Failed(std::io::Error),
}

/// A JSON Lines trace being written on its own thread.
pub struct TraceWriter {
    chunks: Option<Sender<Vec<TraceRecord>>>,
    thread: Option<JoinHandle<WriteEnd>>,
}

impl TraceWriter {
    /// Starts the writer thread on `out` (already buffered by the caller as it sees fit).
    pub fn spawn(out: Box<dyn Write + Send>) -> std::io::Result<TraceWriter> {
        let (tx, rx) = bounded::<Vec<TraceRecord>>(CHUNKS_IN_FLIGHT);
        let thread = std::thread::Builder::new()
            .name("trace-writer".to_string())
            .spawn(move || {
                let mut out = out;
                let mut line_buf = Vec::with_capacity(LINE_BUF_BYTES + (64 << 10));
                let mut write = |buf: &mut Vec<u8>| -> Result<(), WriteEnd> {
                    let result = out.write_all(buf);
                    buf.clear();
                    match result {
                        Ok(()) => Ok(()),
                        Err(e) if e.kind() == ErrorKind::BrokenPipe => Err(WriteEnd::ReaderGone),
                        Err(e) => Err(WriteEnd::Failed(e)),
                    }
                };
                for chunk in rx {
                    // By reference: moving each record out of the vector would copy it.
                    for r in &chunk {
                        r.write_line(&mut line_buf);
                        if line_buf.len() >= LINE_BUF_BYTES
                            && let Err(end) = write(&mut line_buf)
                        {
                            return end;
                        }
                    }
                }
                if let Err(end) = write(&mut line_buf) {
                    return end;
                }
                match out.flush() {
                    Ok(()) => WriteEnd::Done,
                    Err(e) if e.kind() == ErrorKind::BrokenPipe => WriteEnd::ReaderGone,
                    Err(e) => WriteEnd::Failed(e),
                }
            })?;
        Ok(TraceWriter {
            chunks: Some(tx),
            thread: Some(thread),
        })
    }

    /// Hands a chunk of records over. `false` when the writer has stopped (its reader went away, or writing
    /// failed): [`TraceWriter::finish`] says which; later chunks are not wanted.
    pub fn send(&mut self, records: Vec<TraceRecord>) -> bool {
        if records.is_empty() {
            return self.chunks.is_some();
        }
        match &self.chunks {
            Some(tx) => tx.send(records).is_ok(),
            None => false,
        }
    }

    /// Waits until every chunk handed over is written and flushed, and says how the writing ended.
    pub fn finish(mut self) -> WriteEnd {
        self.chunks = None;
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(end)) => end,
            Some(Err(_)) => {
                WriteEnd::Failed(std::io::Error::other("the trace writer thread panicked"))
            }
            None => WriteEnd::Done,
        }
    }
}

impl Drop for TraceWriter {
    /// Closes the channel and waits for the thread, so no write outlives the writer.
    fn drop(&mut self) {
        self.chunks = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::sim::{Sim, SimOptions};

    /// A writer into shared memory, to compare with the single-threaded bytes.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .map_err(|_| std::io::Error::other("poisoned"))?
                .extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// A reader that takes `left` bytes, then goes away as `head` does.
    struct Closes {
        left: usize,
    }

    impl Write for Closes {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if self.left == 0 {
                return Err(ErrorKind::BrokenPipe.into());
            }
            let n = buf.len().min(self.left);
            self.left -= n;
            Ok(n)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn traced_sim() -> Sim {
        let text = r#"{
          "format": "eventflow/1",
          "name": "writer",
          "settings": { "seed": 3, "until_s": 5 },
          "resources": {
            "Api": { "type": "api", "routes": { "POST /orders": "Create" } },
            "Create": { "type": "function", "duration_ms": { "dist": "uniform", "min": 2, "max": 8 } }
          },
          "traffic": [ { "to": "Api", "every_s": 0.001, "count": 4000,
                         "request": { "method": "POST", "path": "/orders", "body": { "n": 1 } } } ]
        }"#;
        let sc = crate::scenario::load_str(text, "writer.json", None).expect("loads");
        Sim::new(
            Arc::new(sc),
            SimOptions {
                seed: None,
                trace: true,
            },
        )
    }

    #[test]
    fn writes_the_same_bytes_as_one_thread() {
        let mut alone = traced_sim();
        let mut expected = Vec::new();
        while alone.next_event_us().is_some() {
            alone.run_until_bounded(u64::MAX, 1000);
            for r in alone.take_trace() {
                r.write_line(&mut expected);
            }
        }
        let out = Shared::default();
        let mut writer = TraceWriter::spawn(Box::new(out.clone())).expect("spawns");
        let mut sim = traced_sim();
        let mut chunks = 0;
        while sim.next_event_us().is_some() {
            sim.run_until_bounded(u64::MAX, 1000);
            assert!(writer.send(sim.take_trace()));
            chunks += 1;
        }
        assert!(chunks > 10, "many chunks: {chunks}");
        assert!(matches!(writer.finish(), WriteEnd::Done));
        let got = out.0.lock().expect("not poisoned").clone();
        assert!(expected.len() > 100_000, "{} bytes", expected.len());
        assert!(
            got == expected,
            "{} bytes against {}",
            got.len(),
            expected.len()
        );
    }

    #[test]
    fn a_reader_that_goes_away_stops_the_writer_without_an_error() {
        let mut writer = TraceWriter::spawn(Box::new(Closes { left: 10_000 })).expect("spawns");
        let mut sim = traced_sim();
        let mut refused = false;
        while sim.next_event_us().is_some() {
            sim.run_until_bounded(u64::MAX, 1000);
            if !writer.send(sim.take_trace()) {
                refused = true;
                break;
            }
        }
        assert!(
            refused,
            "the writer stops taking chunks once its reader has gone"
        );
        assert!(matches!(writer.finish(), WriteEnd::ReaderGone));
    }
}
