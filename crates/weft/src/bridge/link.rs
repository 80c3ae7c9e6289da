//! [`Link`]: the tokio side of one bridged connection, pumping a byte
//! stream to its protocol on the reactor and back.

use std::any::Any;
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::{ReactorGone, Remote};

use super::CHUNK;
use super::backend::{self, Incoming, Key};
use super::outgoing::{Batch, Ending, Outgoing};

/// One bridged connection, as its tokio side sees it (`Send + Sync`,
/// cheap to clone); made by [`Gateway::open`](super::Gateway::open).
#[derive(Clone)]
pub struct Link {
    inner: Arc<Inner>,
}

struct Inner {
    remote: Remote,
    key: Key,
    out: Arc<Outgoing>,
    live: Arc<AtomicUsize>,
    /// Whether [`Link::run`] told the protocol that the link ended.
    ended: AtomicBool,
}

impl Drop for Inner {
    /// A link dropped before its run told the protocol it ended (never
    /// run, or its task dropped mid-way, as when its runtime stops) ends
    /// its connection now: nothing is left to pump its stream.
    fn drop(&mut self) {
        self.live.fetch_sub(1, Ordering::Relaxed);
        if !self.ended.load(Ordering::SeqCst) {
            let key = self.key;
            let outcome = Err(io::Error::new(
                io::ErrorKind::ConnectionAborted,
                "the bridge's link was dropped",
            ));
            let _ = self
                .remote
                .call_from_thread(move |_| backend::dispatch(key, Incoming::Ended(outcome)));
        }
    }
}

impl Link {
    pub(crate) fn new(
        remote: Remote,
        key: Key,
        out: Arc<Outgoing>,
        live: Arc<AtomicUsize>,
    ) -> Self {
        live.fetch_add(1, Ordering::Relaxed);
        Link {
            inner: Arc::new(Inner {
                remote,
                key,
                out,
                live,
                ended: AtomicBool::new(false),
            }),
        }
    }

    /// Sends `message` to the protocol, after the bytes read so far: it
    /// arrives as [`LayerEvent::Message`](crate::LayerEvent::Message)
    /// (unless the connection is closing). Fails once the reactor stopped.
    pub fn send(&self, message: impl Any + Send) -> Result<(), ReactorGone> {
        self.post(Incoming::Message(Box::new(message)))
    }

    /// Pumps `stream` both ways until the connection ends — the protocol
    /// closed it (after its output was written, or at once), the stream
    /// failed, or the reactor is gone — then tells the protocol why. Run
    /// it once per link.
    pub async fn run<S: AsyncRead + AsyncWrite>(&self, stream: S) {
        let (reader, writer) = tokio::io::split(stream);
        let outcome = tokio::select! {
            _ = self.inner.out.abort.notified() => Ok(()),
            outcome = self.pump(reader, writer) => outcome,
        };
        if let Err(error) = &outcome {
            tracing::debug!(%error, "bridged stream ended");
        }
        let _ = self.post(Incoming::Ended(outcome));
        self.inner.ended.store(true, Ordering::SeqCst);
    }

    /// Reads and writes until the writer is done (or either fails); the
    /// end of input is passed on and writing goes on.
    async fn pump<R: AsyncRead, W: AsyncWrite>(&self, reader: R, writer: W) -> io::Result<()> {
        let reading = self.read_all(reader);
        let writing = self.write_all(writer);
        tokio::pin!(reading, writing);
        let mut read_to_end = false;
        loop {
            tokio::select! {
                read = &mut reading, if !read_to_end => {
                    read?;
                    read_to_end = true;
                }
                written = &mut writing => return written,
            }
        }
    }

    /// Reads chunk after chunk, each when the protocol has room for it
    /// (a credit), until the end of input, which it passes on.
    async fn read_all<R: AsyncRead>(&self, reader: R) -> io::Result<()> {
        tokio::pin!(reader);
        let mut buffer = vec![0; CHUNK];
        loop {
            self.inner
                .out
                .credits
                .acquire()
                .await
                .map_err(|_| gone())?
                .forget();
            let n = reader.read(&mut buffer).await?;
            if n == 0 {
                return self.post(Incoming::Eof).map_err(|_| gone());
            }
            self.post(Incoming::Data(buffer[..n].to_vec()))
                .map_err(|_| gone())?;
        }
    }

    /// Writes what the protocol queues until it asks to close.
    async fn write_all<W: AsyncWrite>(&self, writer: W) -> io::Result<()> {
        tokio::pin!(writer);
        let out = &self.inner.out;
        let mut shut = false;
        loop {
            match out.take() {
                Batch::Write(bytes) => {
                    writer.write_all(&bytes).await?;
                    writer.flush().await?;
                    if out.written() {
                        self.post(Incoming::ResumeWriting).map_err(|_| gone())?;
                    }
                }
                Batch::Idle(Ending::Open) => out.wake.notified().await,
                Batch::Idle(Ending::ShutdownWrite) => {
                    if !std::mem::replace(&mut shut, true) {
                        writer.shutdown().await?;
                    }
                    out.wake.notified().await;
                }
                Batch::Idle(Ending::Close) => {
                    if !shut {
                        writer.shutdown().await?;
                    }
                    return Ok(());
                }
                Batch::Idle(Ending::Abort) => return Ok(()),
            }
        }
    }

    fn post(&self, incoming: Incoming) -> Result<(), ReactorGone> {
        let key = self.inner.key;
        self.inner
            .remote
            .call_from_thread(move |_| backend::dispatch(key, incoming))
    }
}

fn gone() -> io::Error {
    io::Error::new(io::ErrorKind::ConnectionAborted, ReactorGone)
}
