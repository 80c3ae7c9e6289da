//! [`TelnetProtocol`]: Telnet as a [layer](crate::layer) under any
//! protocol (the idea of Twisted's `TelnetTransport`, in Rust's shape).
//!
//! The protocol above sees only application bytes in `data_received`;
//! negotiation events reach its [`layer_event`](Protocol::layer_event) as
//! [`LayerEvent::Telnet`], through any layers in between (lines over
//! telnet hear the window size too); what it writes to its transport is
//! escaped (`IAC` doubled, bare `CR` sent as `CR NUL`); requests go through
//! the [`TelnetSession`] it finds from its transport.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use memchr::memchr2;

use super::codec;
use super::command::{CR, IAC};
use super::{Command, Event, Policy, Side, Telnet, TelnetOption};
use crate::layer::{Above, Layer, LayerEvent, Layered, WritePath};
use crate::{Protocol, Transport};

/// The telnet layer: a [`Telnet`] session between a transport and the
/// protocol above. Used as [`TelnetProtocol`].
pub struct TelnetLayer {
    policy: Option<Policy>,
    state: Option<Rc<TelnetState>>,
}

/// A [`Protocol`] `P` run over Telnet (the idea of Twisted's
/// `TelnetTransport`).
///
/// `P` sees only application bytes in `data_received`; negotiation events
/// reach its [`layer_event`](Protocol::layer_event) as
/// [`LayerEvent::Telnet`] (anything but [`Event::Data`]); what it writes
/// to its transport is escaped (`IAC` doubled, bare `CR` sent as
/// `CR NUL`), after the negotiation replies to the input that came before;
/// requests go through the [`TelnetSession`] found from its transport.
/// Every other transport call (closing, flow control, socket settings)
/// goes to the connection's transport unchanged.
///
/// The layer answers negotiation on its own (a `WONT` for each refused
/// `DO`, …). Those answers are output like any other: a peer that floods
/// requests and never reads makes them pile up, so an application facing
/// untrusted peers pauses reading in `pause_writing` or sets a hard limit
/// with [`Transport::set_write_limits`].
pub type TelnetProtocol<P> = Layered<TelnetLayer, P>;

impl<P: Protocol> TelnetProtocol<P> {
    /// Runs `protocol` over a Telnet session following `policy`; the
    /// policy's opening requests are sent when the connection is made.
    pub fn new(protocol: P, policy: Policy) -> Self {
        Layered::wrap(
            TelnetLayer {
                policy: Some(policy),
                state: None,
            },
            protocol,
        )
    }
}

/// What the telnet layer shares with its transport and its
/// [`TelnetSession`]s.
pub struct TelnetState {
    /// `None` while the layer decodes input (the session is borrowed then).
    telnet: RefCell<Option<Telnet>>,
    /// Requests made while the session was busy, applied right after.
    deferred: RefCell<Vec<Request>>,
    enabled_local: Cell<OptionSet>,
    enabled_remote: Cell<OptionSet>,
    lower: Transport,
    /// Scratch space for escaping writes that need it.
    scratch: RefCell<Vec<u8>>,
}

#[derive(Clone, Copy)]
enum Request {
    Enable(Side, TelnetOption),
    Disable(Side, TelnetOption),
    Command(Command),
    TerminalType,
}

/// One bit per option code.
#[derive(Clone, Copy, Default)]
struct OptionSet([u64; 4]);

impl OptionSet {
    fn contains(self, option: TelnetOption) -> bool {
        let code = usize::from(option.0);
        self.0[code / 64] & (1 << (code % 64)) != 0
    }

    fn set(&mut self, option: TelnetOption, on: bool) {
        let code = usize::from(option.0);
        if on {
            self.0[code / 64] |= 1 << (code % 64);
        } else {
            self.0[code / 64] &= !(1 << (code % 64));
        }
    }
}

impl Layer for TelnetLayer {
    type Shared = TelnetState;

    fn connection_made(&mut self, lower: &Transport) -> Rc<TelnetState> {
        let telnet = Telnet::new(self.policy.take().unwrap_or_else(Policy::character_mode));
        let state = Rc::new(TelnetState {
            telnet: RefCell::new(Some(telnet)),
            deferred: RefCell::new(Vec::new()),
            enabled_local: Cell::new(OptionSet::default()),
            enabled_remote: Cell::new(OptionSet::default()),
            lower: lower.clone(),
            scratch: RefCell::new(Vec::new()),
        });
        state.flush_session();
        self.state = Some(state.clone());
        state
    }

    fn data_received<P: Protocol>(&mut self, data: &[u8], above: &mut Above<'_, P>) {
        let Some(state) = &self.state else {
            return;
        };
        let Some(mut telnet) = state.telnet.borrow_mut().take() else {
            return;
        };
        telnet.receive_with_output(data, |event, output| {
            if !output.is_empty() {
                state.lower.write(output);
                output.clear();
            }
            match event {
                Event::Data(bytes) => {
                    above.deliver(bytes);
                }
                other => {
                    state.track(&other);
                    above.event(&LayerEvent::Telnet(&other));
                }
            }
        });
        *state.telnet.borrow_mut() = Some(telnet);
        state.apply_deferred();
        state.flush_session();
    }
}

impl TelnetState {
    /// Writes what the session queued for the peer.
    fn flush_session(&self) {
        let output = match self.telnet.borrow_mut().as_mut() {
            Some(telnet) if telnet.has_output() => telnet.take_output(),
            _ => return,
        };
        self.lower.write(&output);
    }

    fn track(&self, event: &Event<'_>) {
        let (side, option, on) = match *event {
            Event::OptionEnabled { side, option } => (side, option, true),
            Event::OptionDisabled { side, option } => (side, option, false),
            _ => return,
        };
        let cell = match side {
            Side::Local => &self.enabled_local,
            Side::Remote => &self.enabled_remote,
        };
        let mut set = cell.get();
        set.set(option, on);
        cell.set(set);
    }

    fn request(&self, request: Request) {
        if self.telnet.borrow().is_none() {
            self.deferred.borrow_mut().push(request);
            return;
        }
        self.apply(request);
        self.flush_session();
    }

    fn apply_deferred(&self) {
        let deferred = std::mem::take(&mut *self.deferred.borrow_mut());
        for request in deferred {
            self.apply(request);
        }
    }

    fn apply(&self, request: Request) {
        let mut slot = self.telnet.borrow_mut();
        let Some(telnet) = slot.as_mut() else {
            return;
        };
        match request {
            Request::Enable(Side::Local, option) => drop(telnet.enable_local(option)),
            Request::Enable(Side::Remote, option) => drop(telnet.enable_remote(option)),
            Request::Disable(Side::Local, option) => drop(telnet.disable_local(option)),
            Request::Disable(Side::Remote, option) => drop(telnet.disable_remote(option)),
            Request::Command(command) => telnet.send_command(command),
            Request::TerminalType => drop(telnet.request_terminal_type()),
        }
    }
}

/// What the protocol above writes is escaped; negotiation replies were
/// written before it.
impl WritePath for TelnetState {
    fn write(&self, data: &[u8], lower: &Transport) {
        if memchr2(IAC, CR, data).is_none() {
            lower.write(data);
            return;
        }
        let mut scratch = self.scratch.borrow_mut();
        scratch.clear();
        codec::encode_data(data, &mut scratch);
        lower.write(&scratch);
    }
}

/// A protocol's handle on the Telnet session under it: requests and
/// option state. Cheap to clone; found with [`of`](Self::of).
///
/// Requests made while the session is decoding input (from inside
/// `data_received` or `layer_event`) are carried out right after the
/// current chunk of input; their outcome arrives as
/// [`LayerEvent::Telnet`] events.
#[derive(Clone)]
pub struct TelnetSession {
    shared: Rc<TelnetState>,
}

impl TelnetSession {
    /// The session of the nearest telnet layer under `transport`, if any
    /// (other layers may sit in between).
    pub fn of(transport: &Transport) -> Option<TelnetSession> {
        transport
            .layer::<TelnetState>()
            .map(|shared| TelnetSession { shared })
    }

    /// Asks to enable `option` on our side (`WILL`).
    pub fn enable_local(&self, option: TelnetOption) {
        self.shared.request(Request::Enable(Side::Local, option));
    }

    /// Asks to disable `option` on our side (`WONT`).
    pub fn disable_local(&self, option: TelnetOption) {
        self.shared.request(Request::Disable(Side::Local, option));
    }

    /// Asks the peer to enable `option` on its side (`DO`).
    pub fn enable_remote(&self, option: TelnetOption) {
        self.shared.request(Request::Enable(Side::Remote, option));
    }

    /// Asks the peer to disable `option` on its side (`DONT`).
    pub fn disable_remote(&self, option: TelnetOption) {
        self.shared.request(Request::Disable(Side::Remote, option));
    }

    /// Sends `IAC <command>` (for example `GoAhead`).
    pub fn send_command(&self, command: Command) {
        self.shared.request(Request::Command(command));
    }

    /// Asks for the peer's terminal type (TTYPE `SEND`), if TTYPE is
    /// enabled on its side; the answer arrives as [`Event::TerminalType`].
    pub fn request_terminal_type(&self) {
        self.shared.request(Request::TerminalType);
    }

    /// Whether `option` is enabled on our side, as of the last event.
    pub fn is_enabled_local(&self, option: TelnetOption) -> bool {
        self.shared.enabled_local.get().contains(option)
    }

    /// Whether `option` is enabled on the peer's side, as of the last event.
    pub fn is_enabled_remote(&self, option: TelnetOption) -> bool {
        self.shared.enabled_remote.get().contains(option)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CloseReason;
    use crate::testing::StringTransport;

    /// Records what the application sees, and echoes data back.
    #[derive(Default)]
    struct Recorder {
        transport: Option<Transport>,
        session: Option<TelnetSession>,
        data: Vec<u8>,
        events: Vec<String>,
        lost: Option<String>,
    }

    impl Protocol for Recorder {
        fn connection_made(&mut self, transport: Transport) {
            self.session = TelnetSession::of(&transport);
            self.transport = Some(transport);
        }

        fn data_received(&mut self, data: &[u8]) {
            self.data.extend_from_slice(data);
            self.transport.as_ref().unwrap().write(data);
        }

        fn connection_lost(&mut self, reason: &CloseReason) {
            self.lost = Some(reason.to_string());
        }

        fn layer_event(&mut self, event: &LayerEvent<'_>) {
            let LayerEvent::Telnet(event) = event else {
                return;
            };
            self.events.push(format!("{event:?}"));
            if let Event::WindowSize { .. } = event {
                // A request from inside a callback: deferred, then sent.
                let session = self.session.as_ref().unwrap();
                session.enable_remote(TelnetOption::TTYPE);
            }
        }
    }

    fn connected() -> (TelnetProtocol<Recorder>, StringTransport) {
        let record = StringTransport::new();
        let mut layer = TelnetProtocol::new(Recorder::default(), Policy::character_mode());
        layer.connection_made(record.transport());
        (layer, record)
    }

    #[test]
    fn the_opening_negotiation_is_written_on_connect() {
        let (layer, record) = connected();
        assert_eq!(
            record.written(),
            [255, 251, 1, 255, 251, 3, 255, 253, 31, 255, 252, 34]
        );
        assert!(layer.inner().transport.is_some());
        assert!(layer.inner().session.is_some());
    }

    #[test]
    fn the_application_sees_only_data_and_its_writes_are_escaped() {
        let (mut layer, record) = connected();
        record.take_written();
        layer.data_received(b"a\xff\xffb\xff\xf1c");
        assert_eq!(layer.inner().data, b"a\xffbc");
        assert_eq!(layer.inner().events, ["Command(Nop)"]);
        // The echo of 0xFF is escaped again.
        assert_eq!(record.written(), b"a\xff\xffbc");
    }

    #[test]
    fn replies_precede_the_application_writes_they_came_before() {
        let (mut layer, record) = connected();
        record.take_written();
        // DO TIMING-MARK (refused: WONT) arrives before "x", which is echoed.
        layer.data_received(b"\xff\xfd\x06x");
        assert_eq!(record.written(), b"\xff\xfc\x06x");
    }

    #[test]
    fn option_state_and_requests_made_during_events() {
        let (mut layer, record) = connected();
        record.take_written();
        let session = layer.inner().session.clone().unwrap();
        assert!(!session.is_enabled_local(TelnetOption::ECHO));
        // DO ECHO (agrees with our WILL), WILL NAWS, then a window size.
        layer.data_received(b"\xff\xfd\x01\xff\xfb\x1f\xff\xfa\x1f\x00\x50\x00\x18\xff\xf0");
        assert!(session.is_enabled_local(TelnetOption::ECHO));
        assert!(session.is_enabled_remote(TelnetOption::NAWS));
        assert!(
            layer
                .inner()
                .events
                .iter()
                .any(|e| e.contains("WindowSize { width: 80, height: 24 }"))
        );
        // The TTYPE request made inside telnet_event went out afterwards.
        assert_eq!(record.written(), [255, 253, 24]);
    }

    #[test]
    fn closing_goes_through_to_the_connection() {
        let (mut layer, record) = connected();
        layer
            .inner()
            .transport
            .as_ref()
            .unwrap()
            .lose_connection_because("bye");
        assert!(record.lose_connection_called());
        layer.connection_lost(&CloseReason::Done);
        assert!(layer.inner_mut().lost.is_some());
    }
}
