//! The Q method of RFC 1143: the state of one option on one side, and its
//! transitions.
//!
//! The same machine serves both sides. For the peer's side ("him") the
//! positive message we send or receive is DO/WILL respectively; for our side
//! ("us") it is WILL/DO. This module speaks of *enable* (WILL or DO) and
//! *disable* (WONT or DONT) messages; [`super::negotiation`] maps them to
//! verbs.
//!
//! What the method guarantees: a confirmation is never answered with a
//! request (no negotiation loops), crossing requests settle, and a request
//! made while another is in flight is queued rather than sent.
//!
//! # What the application is told
//!
//! The option counts as *enabled* in [`QState::Yes`] and in
//! [`QState::WantNo`] (we asked to disable it and the peer has not yet
//! confirmed: until it does, it may still act on the option). A
//! [`Report::Enabled`] or [`Report::Disabled`] accompanies every transition
//! that changes this, so the reports for one option alternate and always
//! match [`QState::is_enabled`]. [`Report::Refused`] is given when the peer
//! refuses an enable request of ours (the option stays disabled).

/// The queue bit of RFC 1143: whether the opposite request is waiting for the
/// current one to complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Queue {
    /// Nothing queued.
    Empty,
    /// The opposite request is queued.
    Opposite,
}

/// The state of one option on one side (RFC 1143's `us`/`him` with
/// `usq`/`himq`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum QState {
    /// Disabled, nothing in flight.
    #[default]
    No,
    /// Enabled, nothing in flight.
    Yes,
    /// We sent a disable message and wait for the confirmation.
    WantNo(Queue),
    /// We sent an enable message and wait for the answer.
    WantYes(Queue),
}

/// A message to send in reply or as a request: enable (WILL/DO) or disable
/// (WONT/DONT), for the side the state belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Send {
    /// Send WILL (our side) or DO (the peer's side).
    Enable,
    /// Send WONT (our side) or DONT (the peer's side).
    Disable,
}

/// What a transition tells the application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Report {
    /// The option became enabled.
    Enabled,
    /// The option became disabled.
    Disabled,
    /// The peer refused our request to enable the option.
    Refused,
}

/// A noncompliant message from the peer that RFC 1143 calls an error; the
/// transition still settles the state as the RFC says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Violation {
    /// Our disable message was answered by an enable message.
    DisableAnsweredByEnable,
}

/// The result of a received message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Transition {
    /// The new state.
    pub state: QState,
    /// The message to send, if any.
    pub send: Option<Send>,
    /// What to tell the application, if anything.
    pub report: Option<Report>,
    /// A protocol violation by the peer, if there was one.
    pub violation: Option<Violation>,
}

/// How a request of the application was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestStatus {
    /// A message was sent; the outcome will be reported by an event.
    Sent,
    /// A negotiation in the other direction is in flight; this request is
    /// queued and sent when that one completes. The outcome will be reported.
    Queued,
    /// The same request is already in flight (a queued opposite request, if
    /// any, was cancelled). The outcome will be reported.
    Pending,
    /// The option already is in the requested state, or the same request is
    /// already queued: nothing was sent, and no new event will follow.
    Unchanged,
}

/// The result of a request made by the application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Request {
    /// The new state.
    pub state: QState,
    /// The message to send, if any.
    pub send: Option<Send>,
    /// How the request was taken.
    pub status: RequestStatus,
}

impl QState {
    /// Whether the option counts as enabled (see the module docs): `Yes`, or
    /// `WantNo` (disable not yet confirmed).
    pub fn is_enabled(self) -> bool {
        matches!(self, QState::Yes | QState::WantNo(_))
    }

    /// The transition on receiving an enable message (WILL for the peer's
    /// side, DO for ours). `accept` says whether the policy agrees to enable
    /// the option when the peer asks; it is consulted only in state `No`.
    pub fn receive_enable(self, accept: bool) -> Transition {
        use QState::*;
        use Queue::*;
        let (state, send, report, violation) = match self {
            No if accept => (Yes, Some(Send::Enable), Some(Report::Enabled), None),
            No => (No, Some(Send::Disable), None, None),
            Yes => (Yes, None, None, None),
            WantNo(Empty) => (
                No,
                None,
                Some(Report::Disabled),
                Some(Violation::DisableAnsweredByEnable),
            ),
            WantNo(Opposite) => (Yes, None, None, Some(Violation::DisableAnsweredByEnable)),
            WantYes(Empty) => (Yes, None, Some(Report::Enabled), None),
            WantYes(Opposite) => (
                WantNo(Empty),
                Some(Send::Disable),
                Some(Report::Enabled),
                None,
            ),
        };
        Transition {
            state,
            send,
            report,
            violation,
        }
    }

    /// The transition on receiving a disable message (WONT for the peer's
    /// side, DONT for ours). A disable can never be refused.
    pub fn receive_disable(self) -> Transition {
        use QState::*;
        use Queue::*;
        let (state, send, report) = match self {
            No => (No, None, None),
            Yes => (No, Some(Send::Disable), Some(Report::Disabled)),
            WantNo(Empty) => (No, None, Some(Report::Disabled)),
            WantNo(Opposite) => (WantYes(Empty), Some(Send::Enable), Some(Report::Disabled)),
            WantYes(Empty) => (No, None, Some(Report::Refused)),
            // Our enable was refused; the disable queued behind it is moot.
            WantYes(Opposite) => (No, None, Some(Report::Refused)),
        };
        Transition {
            state,
            send,
            report,
            violation: None,
        }
    }

    /// The application asks for the option to be enabled on this side.
    pub fn request_enable(self) -> Request {
        use QState::*;
        use Queue::*;
        use RequestStatus as S;
        let (state, send, status) = match self {
            No => (WantYes(Empty), Some(Send::Enable), S::Sent),
            Yes => (Yes, None, S::Unchanged),
            WantNo(Empty) => (WantNo(Opposite), None, S::Queued),
            WantNo(Opposite) => (WantNo(Opposite), None, S::Unchanged),
            WantYes(Empty) => (WantYes(Empty), None, S::Pending),
            WantYes(Opposite) => (WantYes(Empty), None, S::Pending),
        };
        Request {
            state,
            send,
            status,
        }
    }

    /// The application asks for the option to be disabled on this side.
    pub fn request_disable(self) -> Request {
        use QState::*;
        use Queue::*;
        use RequestStatus as S;
        let (state, send, status) = match self {
            No => (No, None, S::Unchanged),
            Yes => (WantNo(Empty), Some(Send::Disable), S::Sent),
            WantNo(Empty) => (WantNo(Empty), None, S::Pending),
            WantNo(Opposite) => (WantNo(Empty), None, S::Pending),
            WantYes(Empty) => (WantYes(Opposite), None, S::Queued),
            WantYes(Opposite) => (WantYes(Opposite), None, S::Unchanged),
        };
        Request {
            state,
            send,
            status,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::QState::*;
    use super::Queue::*;
    use super::*;

    fn t(
        state: QState,
        send: Option<Send>,
        report: Option<Report>,
        violation: Option<Violation>,
    ) -> Transition {
        Transition {
            state,
            send,
            report,
            violation,
        }
    }

    fn r(state: QState, send: Option<Send>, status: RequestStatus) -> Request {
        Request {
            state,
            send,
            status,
        }
    }

    const ALL: [QState; 6] = [
        No,
        Yes,
        WantNo(Empty),
        WantNo(Opposite),
        WantYes(Empty),
        WantYes(Opposite),
    ];

    // RFC 1143, "Upon receipt of WILL, we choose based upon him and himq".
    #[test]
    fn receive_enable_in_no() {
        assert_eq!(
            No.receive_enable(true),
            t(Yes, Some(Send::Enable), Some(Report::Enabled), None)
        );
        assert_eq!(
            No.receive_enable(false),
            t(No, Some(Send::Disable), None, None)
        );
    }

    #[test]
    fn receive_enable_in_yes_is_ignored() {
        for accept in [true, false] {
            assert_eq!(Yes.receive_enable(accept), t(Yes, None, None, None));
        }
    }

    #[test]
    fn receive_enable_in_want_no_is_an_error() {
        for accept in [true, false] {
            assert_eq!(
                WantNo(Empty).receive_enable(accept),
                t(
                    No,
                    None,
                    Some(Report::Disabled),
                    Some(Violation::DisableAnsweredByEnable)
                )
            );
            assert_eq!(
                WantNo(Opposite).receive_enable(accept),
                t(Yes, None, None, Some(Violation::DisableAnsweredByEnable))
            );
        }
    }

    #[test]
    fn receive_enable_in_want_yes() {
        for accept in [true, false] {
            assert_eq!(
                WantYes(Empty).receive_enable(accept),
                t(Yes, None, Some(Report::Enabled), None)
            );
            assert_eq!(
                WantYes(Opposite).receive_enable(accept),
                t(
                    WantNo(Empty),
                    Some(Send::Disable),
                    Some(Report::Enabled),
                    None
                )
            );
        }
    }

    // RFC 1143, "Upon receipt of WONT, we choose based upon him and himq".
    #[test]
    fn receive_disable_in_every_state() {
        assert_eq!(No.receive_disable(), t(No, None, None, None));
        assert_eq!(
            Yes.receive_disable(),
            t(No, Some(Send::Disable), Some(Report::Disabled), None)
        );
        assert_eq!(
            WantNo(Empty).receive_disable(),
            t(No, None, Some(Report::Disabled), None)
        );
        assert_eq!(
            WantNo(Opposite).receive_disable(),
            t(
                WantYes(Empty),
                Some(Send::Enable),
                Some(Report::Disabled),
                None
            )
        );
        assert_eq!(
            WantYes(Empty).receive_disable(),
            t(No, None, Some(Report::Refused), None)
        );
        assert_eq!(
            WantYes(Opposite).receive_disable(),
            t(No, None, Some(Report::Refused), None)
        );
    }

    // RFC 1143, "If we decide to ask him to enable".
    #[test]
    fn request_enable_in_every_state() {
        use RequestStatus::*;
        assert_eq!(
            No.request_enable(),
            r(WantYes(Empty), Some(Send::Enable), Sent)
        );
        assert_eq!(Yes.request_enable(), r(Yes, None, Unchanged));
        assert_eq!(
            WantNo(Empty).request_enable(),
            r(WantNo(Opposite), None, Queued)
        );
        assert_eq!(
            WantNo(Opposite).request_enable(),
            r(WantNo(Opposite), None, Unchanged)
        );
        assert_eq!(
            WantYes(Empty).request_enable(),
            r(WantYes(Empty), None, Pending)
        );
        assert_eq!(
            WantYes(Opposite).request_enable(),
            r(WantYes(Empty), None, Pending)
        );
    }

    // RFC 1143, "If we decide to ask him to disable".
    #[test]
    fn request_disable_in_every_state() {
        use RequestStatus::*;
        assert_eq!(No.request_disable(), r(No, None, Unchanged));
        assert_eq!(
            Yes.request_disable(),
            r(WantNo(Empty), Some(Send::Disable), Sent)
        );
        assert_eq!(
            WantNo(Empty).request_disable(),
            r(WantNo(Empty), None, Pending)
        );
        assert_eq!(
            WantNo(Opposite).request_disable(),
            r(WantNo(Empty), None, Pending)
        );
        assert_eq!(
            WantYes(Empty).request_disable(),
            r(WantYes(Opposite), None, Queued)
        );
        assert_eq!(
            WantYes(Opposite).request_disable(),
            r(WantYes(Opposite), None, Unchanged)
        );
    }

    #[test]
    fn reports_always_match_is_enabled() {
        for state in ALL {
            let mut transitions = vec![state.receive_enable(true), state.receive_enable(false)];
            transitions.push(state.receive_disable());
            for tr in transitions {
                let expected = match (state.is_enabled(), tr.state.is_enabled()) {
                    (false, true) => Some(Report::Enabled),
                    (true, false) => Some(Report::Disabled),
                    _ => None,
                };
                match tr.report {
                    Some(Report::Refused) => {
                        assert!(!state.is_enabled() && !tr.state.is_enabled())
                    }
                    report => assert_eq!(report, expected, "{state:?} -> {tr:?}"),
                }
            }
            for req in [state.request_enable(), state.request_disable()] {
                assert_eq!(state.is_enabled(), req.state.is_enabled(), "{state:?}");
            }
        }
    }

    /// Two Q-method ends joined by a wire: one end's side X talks to the
    /// other's side X (his "us" is my "him"). Every message is delivered and
    /// the exchange settles with both ends agreeing.
    fn settle(
        mut a: QState,
        mut b: QState,
        a_sends: Vec<Send>,
        b_sends: Vec<Send>,
    ) -> (QState, QState, usize) {
        // Messages in flight towards b and towards a, in order.
        let mut to_b = a_sends;
        let mut to_a = b_sends;
        let mut messages = 0;
        while !(to_a.is_empty() && to_b.is_empty()) {
            messages += 1;
            assert!(messages < 20, "negotiation loop");
            if let Some(m) = (!to_b.is_empty()).then(|| to_b.remove(0)) {
                let tr = match m {
                    Send::Enable => b.receive_enable(true),
                    Send::Disable => b.receive_disable(),
                };
                assert_eq!(tr.violation, None);
                b = tr.state;
                to_a.extend(tr.send);
            }
            if let Some(m) = (!to_a.is_empty()).then(|| to_a.remove(0)) {
                let tr = match m {
                    Send::Enable => a.receive_enable(true),
                    Send::Disable => a.receive_disable(),
                };
                assert_eq!(tr.violation, None);
                a = tr.state;
                to_b.extend(tr.send);
            }
        }
        (a, b, messages)
    }

    #[test]
    fn crossing_enable_requests_settle_enabled() {
        let ra = No.request_enable();
        let rb = No.request_enable();
        let (a, b, _) = settle(
            ra.state,
            rb.state,
            ra.send.into_iter().collect(),
            rb.send.into_iter().collect(),
        );
        assert_eq!((a, b), (Yes, Yes));
    }

    #[test]
    fn crossing_disable_requests_settle_disabled() {
        let ra = Yes.request_disable();
        let rb = Yes.request_disable();
        let (a, b, _) = settle(
            ra.state,
            rb.state,
            ra.send.into_iter().collect(),
            rb.send.into_iter().collect(),
        );
        assert_eq!((a, b), (No, No));
    }

    #[test]
    fn enable_then_disable_in_flight_settles_disabled() {
        let r1 = No.request_enable();
        let r2 = r1.state.request_disable();
        assert_eq!(r2.status, RequestStatus::Queued);
        let (a, b, _) = settle(r2.state, No, r1.send.into_iter().collect(), vec![]);
        assert_eq!((a, b), (No, No));
    }

    #[test]
    fn disable_then_enable_in_flight_settles_enabled() {
        let r1 = Yes.request_disable();
        let r2 = r1.state.request_enable();
        assert_eq!(r2.status, RequestStatus::Queued);
        let (a, b, _) = settle(r2.state, Yes, r1.send.into_iter().collect(), vec![]);
        assert_eq!((a, b), (Yes, Yes));
    }
}
