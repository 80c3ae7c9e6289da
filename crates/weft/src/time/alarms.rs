//! [`Timed`] and [`Alarms`]: timers owned by a protocol, whose calls get
//! the protocol itself.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::rc::{Rc, Weak};
use std::time::{Duration, Instant};

use super::{DelayedCall, Scheduler, Timers};
use crate::panic_guard::catch_panic;
use crate::{CloseReason, HalfClose, Protocol, Transport};

/// A protocol with timers that call back into it (Twisted's
/// `callLater(1, self.sendNext)`).
///
/// The protocol is built with an [`Alarms`] handle and keeps it; from any
/// of its methods it schedules a closure that receives `&mut` the
/// protocol when due, so its state needs no `Rc<RefCell<…>>` of its own:
///
/// ```
/// use std::time::Duration;
/// use weft::testing::{Clock, StringTransport};
/// use weft::time::{Alarms, Timed};
/// use weft::{Protocol, Transport};
///
/// struct Countdown {
///     alarms: Alarms<Countdown>,
///     transport: Option<Transport>,
///     left: u32,
/// }
///
/// impl Countdown {
///     fn tick(&mut self) {
///         let transport = self.transport.as_ref().unwrap();
///         transport.write(format!("{}\r\n", self.left).as_bytes());
///         if self.left == 0 {
///             transport.lose_connection();
///         } else {
///             self.left -= 1;
///             self.alarms.call_later(Duration::from_secs(1), Countdown::tick);
///         }
///     }
/// }
///
/// impl Protocol for Countdown {
///     fn connection_made(&mut self, transport: Transport) {
///         self.transport = Some(transport);
///         self.tick();
///     }
///     fn data_received(&mut self, _data: &[u8]) {}
/// }
///
/// let clock = Clock::new();
/// let mut protocol = Timed::new(&clock, |alarms| Countdown { alarms, transport: None, left: 2 });
/// let peer = StringTransport::new();
/// protocol.connection_made(peer.transport());
/// clock.pump(&[Duration::from_secs(1); 2]);
/// assert_eq!(peer.written(), b"2\r\n1\r\n0\r\n");
/// ```
///
/// `Timed<P>` is itself the protocol given to the reactor (or to a test
/// transport): it hands every event to `P`. When the connection is gone
/// (the `Timed` is dropped), pending alarms are cancelled. An alarm that
/// panics aborts the connection, as a panicking protocol method does.
pub struct Timed<P: Protocol> {
    protocol: Rc<RefCell<P>>,
    shared: Rc<Shared<P>>,
}

/// The handle a [`Timed`] protocol schedules calls into itself with.
pub struct Alarms<P> {
    timers: Timers,
    protocol: Weak<RefCell<P>>,
    shared: Rc<Shared<P>>,
}

/// An alarm's call on its protocol.
type AlarmCall<P> = Box<dyn FnOnce(&mut P)>;

/// What a `Timed` and its `Alarms` share.
struct Shared<P> {
    transport: RefCell<Option<Transport>>,
    /// Scheduled alarms, cancelled when the protocol goes; inactive ones
    /// are pruned as the list grows.
    pending: RefCell<Vec<DelayedCall>>,
    pruned_at: Cell<usize>,
    /// Alarms that came due while one of the protocol's methods ran (time
    /// was moved from inside it, on a test clock): they run as soon as
    /// that method returns.
    came_due_while_busy: RefCell<Vec<AlarmCall<P>>>,
}

impl<P> Default for Shared<P> {
    fn default() -> Self {
        Shared {
            transport: RefCell::default(),
            pending: RefCell::default(),
            pruned_at: Cell::default(),
            came_due_while_busy: RefCell::default(),
        }
    }
}

impl<P: Protocol> Timed<P> {
    /// Builds the protocol with an [`Alarms`] handle on `scheduler`'s
    /// timeline (the reactor, or a test clock).
    pub fn new(scheduler: &dyn Scheduler, build: impl FnOnce(Alarms<P>) -> P) -> Self {
        let shared = Rc::new(Shared::default());
        let timers = scheduler.timers();
        let protocol = Rc::new_cyclic(|weak| {
            RefCell::new(build(Alarms {
                timers,
                protocol: weak.clone(),
                shared: shared.clone(),
            }))
        });
        Timed { protocol, shared }
    }

    /// Runs `f` on the protocol (to look at its state in a test, say).
    ///
    /// # Panics
    ///
    /// If called from inside one of the protocol's own methods.
    pub fn with<R>(&self, f: impl FnOnce(&mut P) -> R) -> R {
        let output = f(&mut self.protocol.borrow_mut());
        self.run_alarms_that_came_due();
        output
    }

    /// Runs `f` on the protocol, then the alarms that came due meanwhile.
    fn call(&mut self, f: impl FnOnce(&mut P)) {
        f(&mut self.protocol.borrow_mut());
        self.run_alarms_that_came_due();
    }

    fn run_alarms_that_came_due(&self) {
        loop {
            let due = std::mem::take(&mut *self.shared.came_due_while_busy.borrow_mut());
            if due.is_empty() {
                return;
            }
            for call in due {
                run_alarm(&self.protocol, &self.shared, call);
            }
        }
    }
}

impl<P: Protocol> Protocol for Timed<P> {
    fn connection_made(&mut self, transport: Transport) {
        *self.shared.transport.borrow_mut() = Some(transport.clone());
        self.call(|p| p.connection_made(transport));
    }

    fn data_received(&mut self, data: &[u8]) {
        self.call(|p| p.data_received(data));
    }

    fn eof_received(&mut self) -> HalfClose {
        let mut half_close = HalfClose::Close;
        self.call(|p| half_close = p.eof_received());
        half_close
    }

    fn connection_lost(&mut self, reason: &CloseReason) {
        self.shared.cancel_all();
        self.shared.came_due_while_busy.borrow_mut().clear();
        self.protocol.borrow_mut().connection_lost(reason);
        self.shared.transport.borrow_mut().take();
    }

    fn pause_writing(&mut self) {
        self.call(P::pause_writing);
    }

    fn resume_writing(&mut self) {
        self.call(P::resume_writing);
    }
}

impl<P: Protocol> Drop for Timed<P> {
    fn drop(&mut self) {
        self.shared.cancel_all();
    }
}

impl<P: Protocol + fmt::Debug> fmt::Debug for Timed<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Timed").field(&self.protocol).finish()
    }
}

impl<P> Shared<P> {
    fn cancel_all(&self) {
        let pending = std::mem::take(&mut *self.pending.borrow_mut());
        for call in pending {
            call.cancel();
        }
    }

    fn track(&self, call: DelayedCall) {
        let mut pending = self.pending.borrow_mut();
        pending.push(call);
        if pending.len() >= 2 * self.pruned_at.get().max(8) {
            pending.retain(DelayedCall::active);
            self.pruned_at.set(pending.len());
        }
    }
}

impl<P: 'static> Alarms<P> {
    /// Calls `call` with the protocol `delay` from now. The returned
    /// handle cancels, resets or delays it; the call never runs once the
    /// protocol is gone.
    pub fn call_later(&self, delay: Duration, call: impl FnOnce(&mut P) + 'static) -> DelayedCall {
        self.call_at(self.timers.now() + delay, call)
    }

    /// Calls `call` with the protocol at `when`.
    pub fn call_at(&self, when: Instant, call: impl FnOnce(&mut P) + 'static) -> DelayedCall {
        let protocol = self.protocol.clone();
        let shared = Rc::downgrade(&self.shared);
        let handle = self.timers.call_at(
            when,
            Box::new(move || fire(protocol, shared, Box::new(call))),
        );
        self.shared.track(handle.clone());
        handle
    }

    /// The timeline the alarms run on (to read the time, or spawn a task).
    pub fn timers(&self) -> &Timers {
        &self.timers
    }
}

/// Runs a due alarm on its protocol; if one of the protocol's methods is
/// running (time was moved from inside it), the alarm runs when that
/// method returns.
fn fire<P: 'static>(protocol: Weak<RefCell<P>>, shared: Weak<Shared<P>>, call: AlarmCall<P>) {
    let (Some(target), Some(shared)) = (protocol.upgrade(), shared.upgrade()) else {
        return;
    };
    if target.try_borrow_mut().is_err() {
        shared.came_due_while_busy.borrow_mut().push(call);
        return;
    }
    run_alarm(&target, &shared, call);
}

/// Runs `call` on the protocol; a panic aborts the connection.
fn run_alarm<P>(protocol: &RefCell<P>, shared: &Shared<P>, call: AlarmCall<P>) {
    let mut state = protocol.borrow_mut();
    if catch_panic("alarm", || call(&mut state)).is_err() {
        drop(state);
        let transport = shared.transport.borrow().clone();
        if let Some(transport) = transport {
            transport.abort_connection();
        }
    }
}

impl<P> fmt::Debug for Alarms<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Alarms")
            .field("pending", &self.shared.pending.borrow().len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CloseKind;
    use crate::testing::{Clock, StringTransport};

    #[derive(Default)]
    struct Beeper {
        alarms: Option<Alarms<Beeper>>,
        beeps: u32,
    }

    impl Protocol for Beeper {
        fn connection_made(&mut self, _transport: Transport) {
            let alarms = self.alarms.as_ref().unwrap();
            alarms.call_later(Duration::from_secs(1), |b: &mut Beeper| b.beeps += 1);
            alarms.call_later(Duration::from_secs(2), |_: &mut Beeper| panic!("alarm bug"));
        }

        fn data_received(&mut self, _data: &[u8]) {}
    }

    fn beeper(clock: &Clock) -> Timed<Beeper> {
        Timed::new(clock, |alarms| Beeper {
            alarms: Some(alarms),
            beeps: 0,
        })
    }

    #[test]
    fn an_alarm_that_panics_aborts_the_connection() {
        let clock = Clock::new();
        let peer = StringTransport::new();
        let mut protocol = beeper(&clock);
        protocol.connection_made(peer.transport());
        clock.advance(Duration::from_secs(1));
        assert_eq!(protocol.with(|b| b.beeps), 1);
        clock.advance(Duration::from_secs(1));
        assert_eq!(peer.close_requested(), Some(CloseKind::Abort));
    }

    #[test]
    fn alarms_are_cancelled_when_the_connection_ends_or_the_protocol_goes() {
        let clock = Clock::new();
        let mut lost = beeper(&clock);
        lost.connection_made(StringTransport::new().transport());
        lost.connection_lost(&CloseReason::Done);
        let mut dropped = beeper(&clock);
        dropped.connection_made(StringTransport::new().transport());
        assert_eq!(clock.pending_calls(), 2);
        drop(dropped);
        assert_eq!(clock.pending_calls(), 0);
        clock.advance(Duration::from_secs(5));
        assert_eq!(lost.with(|b| b.beeps), 0);
    }

    #[test]
    fn an_alarm_due_while_the_protocol_is_busy_runs_right_after() {
        let clock = Clock::new();
        let protocol = beeper(&clock);
        protocol.with(|b| {
            b.alarms
                .as_ref()
                .unwrap()
                .call_later(Duration::ZERO, |b: &mut Beeper| b.beeps += 10);
            // Time moves while the protocol is borrowed.
            clock.advance(Duration::ZERO);
        });
        assert_eq!(protocol.with(|b| b.beeps), 10);
    }
}
