//! [`TokioThread`]: a current-thread tokio runtime on a thread of its
//! own, for the tokio side of bridged connections.

use std::io;
use std::thread::JoinHandle;

use tokio::runtime::{Builder, Handle};
use tokio::sync::oneshot;

/// One tokio runtime (current-thread, with I/O and time enabled) running
/// on a thread of its own until [`stop`](Self::stop) or drop, which end
/// its tasks.
pub struct TokioThread {
    handle: Handle,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl TokioThread {
    /// Starts the runtime on a new thread named `name`.
    pub fn start(name: &str) -> io::Result<TokioThread> {
        let runtime = Builder::new_current_thread().enable_all().build()?;
        let handle = runtime.handle().clone();
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || {
                runtime.block_on(async {
                    let _ = stopped.await;
                });
            })?;
        Ok(TokioThread {
            handle,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The runtime's handle: spawn the tokio side's tasks with it.
    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// Stops the runtime (its tasks are dropped) and waits for its thread.
    pub fn stop(mut self) {
        self.shut_down();
    }

    fn shut_down(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for TokioThread {
    fn drop(&mut self) {
        self.shut_down();
    }
}
