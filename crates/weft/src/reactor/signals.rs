//! SIGINT and SIGTERM as events of the loop.

use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook_mio::v1_0::Signals;

use super::Inner;
use super::event_loop::SIGNALS;
use crate::Error;

impl Inner {
    pub(crate) fn handle_signals(&self) -> Result<(), Error> {
        let mut slot = self.signals.borrow_mut();
        if slot.is_some() {
            return Ok(());
        }
        let mut signals = Signals::new([SIGINT, SIGTERM]).map_err(Error::Signals)?;
        self.registry
            .register(&mut signals, SIGNALS, mio::Interest::READABLE)
            .map_err(Error::Signals)?;
        *slot = Some(signals);
        Ok(())
    }

    /// A first signal starts a graceful stop; another one while stopping
    /// ends the grace period.
    pub(crate) fn on_signal(&self) {
        let received: Vec<i32> = match self.signals.borrow_mut().as_mut() {
            Some(signals) => signals.pending().collect(),
            None => return,
        };
        for signal in received {
            tracing::info!(signal, "signal received; stopping");
            if self.lifecycle.get().is_stopping() {
                self.end_grace_now();
            } else {
                self.stop();
            }
        }
    }
}
