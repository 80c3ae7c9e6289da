//! [`Severable`]: a byte stream that can be cut from outside, so that an
//! SSH connection ends within a bound whatever its client does (a client
//! that never reads would otherwise hold its connection's task in a
//! write forever), and its game's channel ends with it (russh's channel
//! stream would otherwise wait forever for window space that a vanished
//! client can no longer give).

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// `S`, until [`Cut::sever`]: from then on every read and write fails
/// with `ConnectionAborted`, and those waiting are woken to fail too.
pub(super) struct Severable<S> {
    stream: S,
    cut: Cut,
    /// This stream's place in the cut's [`Shared::waiting`].
    slot: usize,
}

/// The handle that cuts the [`Severable`] streams it made (`Send`, cheap
/// to clone).
#[derive(Clone, Default)]
pub(super) struct Cut {
    shared: Arc<Shared>,
}

#[derive(Default)]
struct Shared {
    severed: AtomicBool,
    /// By stream (one slot per [`Cut::wrap`]): the tasks waiting to read
    /// and to write.
    waiting: Mutex<Vec<[Option<Waker>; 2]>>,
}

const READ: usize = 0;
const WRITE: usize = 1;

impl<S> Severable<S> {
    /// `stream`, and the handle that cuts it.
    pub(super) fn new(stream: S) -> (Self, Cut) {
        let cut = Cut::default();
        (cut.wrap(stream), cut)
    }
}

impl Cut {
    /// `stream`, cut with the other streams of this handle (cut already
    /// if they are).
    pub(super) fn wrap<S>(&self, stream: S) -> Severable<S> {
        let slot = {
            let mut waiting = self.waiting();
            waiting.push([None, None]);
            waiting.len() - 1
        };
        Severable {
            stream,
            cut: self.clone(),
            slot,
        }
    }

    /// Cuts the streams: their reads and writes fail from now on.
    pub(super) fn sever(&self) {
        self.shared.severed.store(true, Ordering::SeqCst);
        let waiting: Vec<Waker> = self
            .waiting()
            .iter_mut()
            .flat_map(|sides| sides.iter_mut().filter_map(Option::take))
            .collect();
        for waker in waiting {
            waker.wake();
        }
    }

    fn waiting(&self) -> std::sync::MutexGuard<'_, Vec<[Option<Waker>; 2]>> {
        self.shared
            .waiting
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Fails if the streams are cut; otherwise notes who to wake for
    /// `side` of stream `slot` when they are, and runs `poll`.
    fn guard<T>(
        &self,
        slot: usize,
        side: usize,
        cx: &mut Context<'_>,
        poll: impl FnOnce(&mut Context<'_>) -> Poll<io::Result<T>>,
    ) -> Poll<io::Result<T>> {
        if self.shared.severed.load(Ordering::SeqCst) {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::ConnectionAborted,
                "the connection was cut",
            )));
        }
        let result = poll(cx);
        if result.is_pending() {
            if let Some(sides) = self.waiting().get_mut(slot) {
                sides[side] = Some(cx.waker().clone());
            }
            // A cut between the check and the registration would be missed.
            if self.shared.severed.load(Ordering::SeqCst) {
                cx.waker().wake_by_ref();
            }
        }
        result
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Severable<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let stream = &mut this.stream;
        this.cut.guard(this.slot, READ, cx, |cx| {
            Pin::new(stream).poll_read(cx, buf)
        })
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Severable<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let stream = &mut this.stream;
        this.cut.guard(this.slot, WRITE, cx, |cx| {
            Pin::new(stream).poll_write(cx, data)
        })
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let stream = &mut this.stream;
        this.cut
            .guard(this.slot, WRITE, cx, |cx| Pin::new(stream).poll_flush(cx))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let stream = &mut this.stream;
        this.cut.guard(this.slot, WRITE, cx, |cx| {
            Pin::new(stream).poll_shutdown(cx)
        })
    }
}

#[cfg(test)]
mod tests {
    use std::future::Future;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    /// Runs `test` on a current-thread runtime; a hang fails after 30 s.
    fn run(what: &str, test: impl Future<Output = ()>) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        let patience = std::time::Duration::from_secs(30);
        runtime
            .block_on(async { tokio::time::timeout(patience, test).await })
            .unwrap_or_else(|_| panic!("{what}"));
    }

    /// Whether `result` failed because its stream was cut.
    fn cut<T: std::fmt::Debug>(result: io::Result<T>) -> bool {
        result.unwrap_err().kind() == io::ErrorKind::ConnectionAborted
    }

    #[test]
    fn a_cut_wakes_a_blocked_writer_and_reader_with_an_error() {
        run("the cut woke both", async {
            let (near, _far) = tokio::io::duplex(8);
            let (mut stream, severing) = Severable::new(near);
            let (mut reading, mut writing) = tokio::io::split(&mut stream);
            let write = async { writing.write_all(&[0; 64]).await };
            let read = async { reading.read(&mut [0; 8]).await };
            let sever = async {
                tokio::task::yield_now().await;
                severing.sever();
            };
            let (written, read, ()) = tokio::join!(write, read, sever);
            assert!(cut(written) && cut(read));
        });
    }

    #[test]
    fn a_cut_wakes_the_waiters_of_every_stream_it_wrapped() {
        run("the cut woke every stream", async {
            let (near, _far) = tokio::io::duplex(8);
            let (mut first, severing) = Severable::new(near);
            let (other, _other_far) = tokio::io::duplex(8);
            let mut second = severing.wrap(other);
            let write = async { first.write_all(&[0; 64]).await };
            let read = async { second.read(&mut [0; 8]).await };
            let sever = async {
                tokio::task::yield_now().await;
                severing.sever();
            };
            let (written, read, ()) = tokio::join!(write, read, sever);
            assert!(cut(written) && cut(read));
            // A stream wrapped after the cut is cut already.
            let (stream, _late_far) = tokio::io::duplex(8);
            let mut late = severing.wrap(stream);
            assert!(cut(late.read(&mut [0; 8]).await));
        });
    }
}
