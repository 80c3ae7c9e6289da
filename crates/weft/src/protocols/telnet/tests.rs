//! Session-level tests: negotiation through the whole `Telnet` object, bad
//! input, and split invariance.

use proptest::prelude::*;

use super::command::{DO, DONT, IAC, NOP, SB, SE, WILL, WONT};
use super::qmethod::Queue;
use super::*;

/// An owned event; adjacent data merged so splits compare equal.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Ev {
    Data(Vec<u8>),
    Other(String),
}

fn record(events: &mut Vec<Ev>, event: Event<'_>) {
    match event {
        Event::Data(data) => {
            assert!(!data.is_empty());
            if let Some(Ev::Data(last)) = events.last_mut() {
                last.extend_from_slice(data);
            } else {
                events.push(Ev::Data(data.to_vec()));
            }
        }
        other => events.push(Ev::Other(format!("{other:?}"))),
    }
}

fn receive(telnet: &mut Telnet, input: &[u8]) -> Vec<Ev> {
    let mut events = Vec::new();
    telnet.receive(input, |e| record(&mut events, e));
    events
}

fn other(text: &str) -> Ev {
    Ev::Other(text.to_owned())
}

fn neg(verb: u8, option: TelnetOption) -> Vec<u8> {
    vec![IAC, verb, option.0]
}

const ECHO: TelnetOption = TelnetOption::ECHO;
const SGA: TelnetOption = TelnetOption::SGA;
const NAWS: TelnetOption = TelnetOption::NAWS;
const TTYPE: TelnetOption = TelnetOption::TTYPE;
const LINEMODE: TelnetOption = TelnetOption::LINEMODE;

#[test]
fn character_mode_handshake_with_a_linux_client() {
    let mut server = Telnet::new(Policy::character_mode().request_remote(TTYPE));
    let opening = server.take_output();
    assert_eq!(
        opening,
        [
            neg(WILL, ECHO),
            neg(WILL, SGA),
            neg(DO, TTYPE),
            neg(DO, NAWS),
            neg(WONT, LINEMODE)
        ]
        .concat()
    );
    // What netkit telnet answers: DO ECHO, DO SGA, WILL TTYPE, WILL NAWS and
    // the window size; it asks for SGA on our side too and offers LINEMODE.
    let reply = [
        neg(DO, ECHO),
        neg(DO, SGA),
        neg(WILL, TTYPE),
        neg(WILL, NAWS),
        vec![IAC, SB, 31, 0, 80, 0, 24, IAC, SE],
        neg(WILL, LINEMODE),
        neg(DO, LINEMODE),
    ]
    .concat();
    let events = receive(&mut server, &reply);
    assert_eq!(
        events,
        vec![
            other("OptionEnabled { side: Local, option: ECHO }"),
            other("OptionEnabled { side: Local, option: SGA }"),
            other("OptionEnabled { side: Remote, option: TTYPE }"),
            other("OptionEnabled { side: Remote, option: NAWS }"),
            other("WindowSize { width: 80, height: 24 }"),
        ]
    );
    // Confirmations are not answered; LINEMODE is refused both ways; TTYPE
    // SEND follows its acceptance.
    assert_eq!(
        server.take_output(),
        [
            vec![IAC, SB, 24, 1, IAC, SE],
            neg(DONT, LINEMODE),
            neg(WONT, LINEMODE)
        ]
        .concat()
    );
    let events = receive(&mut server, b"\xff\xfa\x18\x00XTERM\xff\xf0ab\r\n");
    assert_eq!(
        events,
        vec![
            other("TerminalType(\"XTERM\")"),
            Ev::Data(b"ab\r\n".to_vec())
        ]
    );
    assert!(server.is_enabled_local(ECHO) && server.is_enabled_local(SGA));
    assert!(server.is_enabled_remote(NAWS) && !server.is_enabled_remote(LINEMODE));
    assert!(server.request_terminal_type());
    assert_eq!(server.take_output(), vec![IAC, SB, 24, 1, IAC, SE]);
}

#[test]
fn server_agrees_when_the_client_asks_first() {
    let mut server = Telnet::new(Policy::character_mode());
    server.take_output();
    // The client sent its own DO ECHO / DO SGA crossing our WILLs: these are
    // confirmations; then a repeated DO is ignored.
    receive(
        &mut server,
        &[neg(DO, ECHO), neg(DO, SGA), neg(DO, ECHO)].concat(),
    );
    assert!(!server.has_output());
    // A client that asks for SGA on its side gets DO SGA.
    let events = receive(&mut server, &neg(WILL, SGA));
    assert_eq!(
        events,
        vec![other("OptionEnabled { side: Remote, option: SGA }")]
    );
    assert_eq!(server.take_output(), neg(DO, SGA));
}

#[test]
fn unsupported_options_are_refused_without_events() {
    let mut telnet = Telnet::new(Policy::new());
    assert!(!telnet.has_output());
    for code in [0u8, 5, 24, 31, 34, 200, 255] {
        let option = TelnetOption(code);
        let events = receive(&mut telnet, &[neg(DO, option), neg(WILL, option)].concat());
        assert_eq!(events, vec![]);
        assert_eq!(
            telnet.take_output(),
            [neg(WONT, option), neg(DONT, option)].concat()
        );
        // WONT/DONT for a disabled option are ignored.
        receive(
            &mut telnet,
            &[neg(WONT, option), neg(DONT, option)].concat(),
        );
        assert!(!telnet.has_output());
        assert_eq!(telnet.state(Side::Local, option), QState::No);
    }
}

#[test]
fn linemode_can_be_refused_and_switched_off() {
    let mut telnet = Telnet::new(
        Policy::new()
            .announce_wont(LINEMODE)
            .announce_dont(LINEMODE),
    );
    assert_eq!(
        telnet.take_output(),
        [neg(WONT, LINEMODE), neg(DONT, LINEMODE)].concat()
    );
    // A policy that accepted LINEMODE can switch it off later.
    let mut telnet = Telnet::new(Policy::new().accept_remote(LINEMODE));
    receive(&mut telnet, &neg(WILL, LINEMODE));
    assert_eq!(telnet.take_output(), neg(DO, LINEMODE));
    assert_eq!(telnet.disable_remote(LINEMODE), RequestStatus::Sent);
    assert_eq!(telnet.take_output(), neg(DONT, LINEMODE));
    let events = receive(&mut telnet, &neg(WONT, LINEMODE));
    assert_eq!(
        events,
        vec![other("OptionDisabled { side: Remote, option: LINEMODE }")]
    );
    assert!(!telnet.has_output());
}

#[test]
fn requests_complete_with_events() {
    let mut telnet = Telnet::new(Policy::new());
    assert_eq!(telnet.enable_remote(ECHO), RequestStatus::Sent);
    assert_eq!(telnet.enable_remote(ECHO), RequestStatus::Pending);
    assert_eq!(telnet.take_output(), neg(DO, ECHO));
    assert_eq!(
        receive(&mut telnet, &neg(WONT, ECHO)),
        vec![other("OptionRefused { side: Remote, option: ECHO }")]
    );
    assert!(!telnet.has_output());

    assert_eq!(telnet.enable_local(SGA), RequestStatus::Sent);
    assert_eq!(telnet.take_output(), neg(WILL, SGA));
    assert_eq!(
        receive(&mut telnet, &neg(DO, SGA)),
        vec![other("OptionEnabled { side: Local, option: SGA }")]
    );
    assert_eq!(telnet.enable_local(SGA), RequestStatus::Unchanged);
    assert_eq!(telnet.disable_local(SGA), RequestStatus::Sent);
    assert_eq!(telnet.take_output(), neg(WONT, SGA));
    // Still enabled until the peer confirms.
    assert!(telnet.is_enabled_local(SGA));
    assert_eq!(
        receive(&mut telnet, &neg(DONT, SGA)),
        vec![other("OptionDisabled { side: Local, option: SGA }")]
    );
    assert!(!telnet.is_enabled_local(SGA));
    assert!(!telnet.has_output());
    assert_eq!(telnet.disable_local(SGA), RequestStatus::Unchanged);
}

#[test]
fn the_peer_may_disable_an_option_at_any_time() {
    let mut telnet = Telnet::new(Policy::new().accept_local(ECHO));
    receive(&mut telnet, &neg(DO, ECHO));
    assert_eq!(telnet.take_output(), neg(WILL, ECHO));
    assert_eq!(
        receive(&mut telnet, &neg(DONT, ECHO)),
        vec![other("OptionDisabled { side: Local, option: ECHO }")]
    );
    assert_eq!(telnet.take_output(), neg(WONT, ECHO));
}

#[test]
fn queued_requests_are_sent_after_the_current_one() {
    let mut telnet = Telnet::new(Policy::new());
    telnet.enable_remote(ECHO);
    assert_eq!(telnet.disable_remote(ECHO), RequestStatus::Queued);
    assert_eq!(telnet.take_output(), neg(DO, ECHO));
    // The peer agrees: enabled, then at once the queued DONT.
    assert_eq!(
        receive(&mut telnet, &neg(WILL, ECHO)),
        vec![other("OptionEnabled { side: Remote, option: ECHO }")]
    );
    assert_eq!(telnet.take_output(), neg(DONT, ECHO));
    assert_eq!(
        telnet.state(Side::Remote, ECHO),
        QState::WantNo(Queue::Empty)
    );
    assert_eq!(
        receive(&mut telnet, &neg(WONT, ECHO)),
        vec![other("OptionDisabled { side: Remote, option: ECHO }")]
    );
    assert!(!telnet.has_output());
}

/// Runs two sessions against each other until neither has anything to send;
/// returns the events each saw and the number of round trips.
fn pump(a: &mut Telnet, b: &mut Telnet) -> (Vec<Ev>, Vec<Ev>, usize) {
    let (mut ea, mut eb) = (Vec::new(), Vec::new());
    let mut rounds = 0;
    while a.has_output() || b.has_output() {
        rounds += 1;
        assert!(rounds < 10, "negotiation loop");
        let to_b = a.take_output();
        b.receive(&to_b, |e| record(&mut eb, e));
        let to_a = b.take_output();
        a.receive(&to_a, |e| record(&mut ea, e));
    }
    (ea, eb, rounds)
}

#[test]
fn crossing_requests_settle_between_two_sessions() {
    // Both sides ask for ECHO on the server and for NAWS on the client at
    // the same time.
    let mut server = Telnet::new(Policy::new().request_local(ECHO).request_remote(NAWS));
    let mut client = Telnet::new(Policy::new().request_local(NAWS).request_remote(ECHO));
    let (es, ec, _) = pump(&mut server, &mut client);
    assert!(server.is_enabled_local(ECHO) && client.is_enabled_remote(ECHO));
    assert!(server.is_enabled_remote(NAWS) && client.is_enabled_local(NAWS));
    assert_eq!(es.len(), 2);
    assert_eq!(ec.len(), 2);
    // And crossing disables.
    server.disable_local(ECHO);
    client.disable_remote(ECHO);
    pump(&mut server, &mut client);
    assert!(!server.is_enabled_local(ECHO) && !client.is_enabled_remote(ECHO));
}

#[test]
fn naws_values_with_escaped_255() {
    let mut telnet = Telnet::new(Policy::new().accept_remote(NAWS));
    let mut input = neg(WILL, NAWS);
    input.extend_from_slice(&[IAC, SB, 31, 0, IAC, IAC, IAC, IAC, 0, IAC, SE]);
    input.extend_from_slice(&[IAC, SB, 31, 0, 80, 0, IAC, SE]);
    assert_eq!(
        receive(&mut telnet, &input),
        vec![
            other("OptionEnabled { side: Remote, option: NAWS }"),
            other("WindowSize { width: 255, height: 65280 }"),
            other("Discarded(MalformedSubnegotiation { option: NAWS, length: 3 })"),
        ]
    );
}

#[test]
fn unknown_subnegotiations_are_passed_on() {
    let mut telnet = Telnet::new(Policy::new());
    assert_eq!(
        receive(
            &mut telnet,
            &[
                IAC, SB, 42, 1, 2, IAC, IAC, IAC, SE, IAC, SB, 24, 1, IAC, SE
            ]
        ),
        vec![
            other("Subnegotiation { option: CHARSET, content: [1, 2, 255] }"),
            other("Subnegotiation { option: TTYPE, content: [1] }"),
        ]
    );
}

#[test]
fn send_methods_escape() {
    let mut telnet = Telnet::new(Policy::new());
    telnet.send_data(b"\xff\r");
    telnet.send_command(Command::GoAhead);
    telnet.send_subnegotiation(TelnetOption(42), &[255]);
    let mut own = Vec::new();
    telnet.encode_data(b"x\r\n", &mut own);
    assert_eq!(own, b"x\r\n");
    let mut out = b"head".to_vec();
    telnet.drain_output_into(&mut out);
    assert_eq!(
        out,
        [
            &b"head"[..],
            &[IAC, IAC, b'\r', 0, IAC, 249, IAC, SB, 42, IAC, IAC, IAC, SE]
        ]
        .concat()
    );
    assert!(!telnet.has_output());
}

#[test]
fn command_flood_costs_no_memory_and_bounded_output() {
    let mut telnet = Telnet::new(Policy::character_mode());
    telnet.take_output();
    let flood: Vec<u8> = [IAC, NOP].repeat(50_000);
    let mut count = 0;
    telnet.receive(&flood, |e| {
        assert_eq!(e, Event::Command(Command::Nop));
        count += 1;
    });
    assert_eq!(count, 50_000);
    assert!(!telnet.has_output());
    // A flood of requests for refused options: one refusal per request,
    // never more than three output bytes per input byte.
    let flood: Vec<u8> = (0..30_000u32)
        .flat_map(|i| {
            neg(
                if i % 2 == 0 { DO } else { WILL },
                TelnetOption(200 + (i % 50) as u8),
            )
        })
        .collect();
    for chunk in flood.chunks(1000) {
        let events = receive(&mut telnet, chunk);
        assert!(events.is_empty());
        assert!(telnet.take_output().len() <= 3 * chunk.len() + 9);
    }
    // Enable/disable churn on an accepted option: bounded too.
    let churn: Vec<u8> = [neg(WILL, TTYPE), neg(WONT, TTYPE)].concat().repeat(5000);
    let mut telnet = Telnet::new(Policy::new().accept_remote(TTYPE));
    for chunk in churn.chunks(999) {
        receive(&mut telnet, chunk);
        assert!(telnet.take_output().len() <= 3 * chunk.len() + 9);
    }
}

#[test]
fn iac_at_the_end_of_every_chunk() {
    let mut input = Vec::new();
    for i in 0..200u8 {
        input.extend_from_slice(&[b'a', IAC]);
        input.push(match i % 4 {
            0 => IAC,
            1 => NOP,
            2 => SB,
            _ => SE,
        });
    }
    let whole = receive(&mut Telnet::new(Policy::new()), &input);
    let mut telnet = Telnet::new(Policy::new());
    let mut events = Vec::new();
    // Cut right after every IAC: [a IAC] [x a IAC] [x a IAC] ...
    let mut start = 0;
    for (at, &byte) in input.iter().enumerate() {
        if byte == IAC && at % 3 == 1 {
            telnet.receive(&input[start..=at], |e| record(&mut events, e));
            start = at + 1;
        }
    }
    telnet.receive(&input[start..], |e| record(&mut events, e));
    assert_eq!(events, whole);
    assert!(whole.contains(&other("Command(Nop)")));
}

#[test]
fn unterminated_and_oversized_subnegotiations() {
    let mut telnet = Telnet::new(Policy::new());
    telnet.set_max_subnegotiation(16);
    assert_eq!(telnet.max_subnegotiation(), 16);
    let mut input = vec![IAC, SB, 24, 0];
    input.extend_from_slice(&[b'A'; 100]);
    input.extend_from_slice(&[IAC, SE, b'o', b'k', IAC, SB, 31, 0, IAC, NOP]);
    assert_eq!(
        receive(&mut telnet, &input),
        vec![
            other("Discarded(SubnegotiationTooLong { option: TTYPE, limit: 16 })"),
            Ev::Data(b"ok".to_vec()),
            other("Discarded(UnterminatedSubnegotiation { option: NAWS })"),
            other("Command(Nop)"),
        ]
    );
    // SB without SE, forever: one report, bounded memory, no events.
    let mut telnet = Telnet::new(Policy::new());
    let mut events = receive(&mut telnet, &[IAC, SB, 24]);
    for _ in 0..100 {
        events.extend(receive(&mut telnet, &[b'x'; 10_000]));
    }
    assert_eq!(
        events,
        vec![other(
            "Discarded(SubnegotiationTooLong { option: TTYPE, limit: 512 })"
        )]
    );
}

/// Bytes that exercise the decoder: mostly the special ones.
fn telnet_bytes() -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![
        4 => Just(IAC),
        1 => Just(SB),
        1 => Just(SE),
        1 => Just(WILL),
        1 => Just(WONT),
        1 => Just(DO),
        1 => Just(DONT),
        1 => Just(NOP),
        2 => Just(b'\r'),
        2 => Just(b'\n'),
        2 => Just(0u8),
        1 => Just(1u8),
        1 => Just(3u8),
        1 => Just(24u8),
        1 => Just(31u8),
        1 => Just(34u8),
        3 => any::<u8>(),
    ];
    proptest::collection::vec(byte, 0..200)
}

fn run(policy: &Policy, chunks: &[&[u8]]) -> (Vec<Ev>, Vec<u8>) {
    let mut telnet = Telnet::new(policy.clone());
    telnet.set_max_subnegotiation(8);
    let mut events = Vec::new();
    let mut output = telnet.take_output();
    for chunk in chunks {
        telnet.receive(chunk, |e| record(&mut events, e));
        telnet.drain_output_into(&mut output);
    }
    (events, output)
}

proptest! {
    #[test]
    fn any_split_gives_the_same_events(
        input in telnet_bytes(),
        cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..6),
    ) {
        let policy = Policy::character_mode().request_remote(TTYPE);
        let whole = run(&policy, &[&input]);
        let mut points: Vec<usize> = cuts.iter().map(|c| c.index(input.len() + 1)).collect();
        points.sort_unstable();
        let mut chunks = Vec::new();
        let mut start = 0;
        for p in points {
            chunks.push(&input[start..p]);
            start = p;
        }
        chunks.push(&input[start..]);
        prop_assert_eq!(run(&policy, &chunks), whole);
    }

    #[test]
    fn byte_by_byte_gives_the_same_events(input in telnet_bytes()) {
        let policy = Policy::character_mode();
        let whole = run(&policy, &[&input]);
        let chunks: Vec<&[u8]> = input.chunks(1).collect();
        prop_assert_eq!(run(&policy, &chunks), whole);
    }

    #[test]
    fn encoded_data_decodes_to_itself(data in proptest::collection::vec(any::<u8>(), 0..300)) {
        let mut wire = Vec::new();
        codec::encode_data(&data, &mut wire);
        let events = receive(&mut Telnet::new(Policy::new()), &wire);
        let expected = if data.is_empty() { vec![] } else { vec![Ev::Data(data.clone())] };
        prop_assert_eq!(events, expected);
    }

    #[test]
    fn random_requests_between_two_sessions_settle(
        ops in proptest::collection::vec((0u8..4, 0u8..4, any::<bool>(), any::<bool>()), 0..30),
        accept in proptest::collection::vec((0u8..4, any::<bool>()), 0..6),
    ) {
        let options = [ECHO, SGA, NAWS, TTYPE];
        let mut pa = Policy::new();
        let mut pb = Policy::new();
        for &(o, local) in &accept {
            let o = options[usize::from(o)];
            pa = if local { pa.accept_local(o) } else { pa.accept_remote(o) };
            pb = if local { pb.accept_remote(o) } else { pb.accept_local(o) };
        }
        let mut a = Telnet::new(pa);
        let mut b = Telnet::new(pb);
        for &(who, o, local, enable) in &ops {
            let o = options[usize::from(o)];
            let t = if who % 2 == 0 { &mut a } else { &mut b };
            match (local, enable) {
                (true, true) => t.enable_local(o),
                (true, false) => t.disable_local(o),
                (false, true) => t.enable_remote(o),
                (false, false) => t.disable_remote(o),
            };
            if who >= 2 {
                pump(&mut a, &mut b);
            }
        }
        pump(&mut a, &mut b);
        for o in options {
            // Settled: nothing in flight, and both ends agree.
            for side in [Side::Local, Side::Remote] {
                prop_assert!(matches!(a.state(side, o), QState::Yes | QState::No));
                prop_assert!(matches!(b.state(side, o), QState::Yes | QState::No));
            }
            prop_assert_eq!(a.is_enabled_local(o), b.is_enabled_remote(o));
            prop_assert_eq!(a.is_enabled_remote(o), b.is_enabled_local(o));
        }
    }
}

#[test]
fn output_lent_with_events_keeps_replies_before_later_data() {
    let mut telnet = Telnet::new(Policy::new().accept_local(ECHO));
    let mut wire = Vec::new();
    let input = [&b"a"[..], &neg(DO, ECHO), b"b"].concat();
    telnet.receive_with_output(&input, |event, output| {
        wire.append(output);
        if let Event::Data(data) = event {
            // The application's echo, in order with the replies.
            codec::encode_data(data, &mut wire);
        }
    });
    assert!(!telnet.has_output());
    assert_eq!(wire, [&b"a"[..], &neg(WILL, ECHO), b"b"].concat());
}

#[test]
fn an_idle_session_is_small() {
    let mut telnet = Telnet::new(Policy::character_mode().request_remote(TTYPE));
    telnet.take_output();
    receive(
        &mut telnet,
        &[
            neg(DO, ECHO),
            neg(DO, SGA),
            neg(WILL, NAWS),
            neg(WILL, TTYPE),
        ]
        .concat(),
    );
    telnet.take_output();
    // Inline size plus the heap: the option table (a few entries) only.
    assert!(std::mem::size_of::<Telnet>() + 4 * 16 < 512);
    assert!(!telnet.has_output());
}

/// What the application or the peer does to an option.
#[derive(Debug, Clone, Copy)]
enum Input {
    /// The peer sends WILL (remote side) or DO (local side).
    Positive,
    /// The peer sends WONT (remote side) or DONT (local side).
    Negative,
    /// The application asks to enable.
    AskEnable,
    /// The application asks to disable.
    AskDisable,
}

/// The verbs of a side: (we send positive, we send negative, peer positive,
/// peer negative).
fn verbs(side: Side) -> (u8, u8, u8, u8) {
    match side {
        Side::Local => (WILL, WONT, DO, DONT),
        Side::Remote => (DO, DONT, WILL, WONT),
    }
}

fn ask(telnet: &mut Telnet, side: Side, enable: bool) -> RequestStatus {
    match (side, enable) {
        (Side::Local, true) => telnet.enable_local(ECHO),
        (Side::Local, false) => telnet.disable_local(ECHO),
        (Side::Remote, true) => telnet.enable_remote(ECHO),
        (Side::Remote, false) => telnet.disable_remote(ECHO),
    }
}

/// A session with ECHO on `side` in `state`, reached through the API and
/// the wire only, with its output drained.
fn session_in(side: Side, state: QState, accept: bool) -> Telnet {
    let policy = match (side, accept) {
        (_, false) => Policy::new(),
        (Side::Local, true) => Policy::new().accept_local(ECHO),
        (Side::Remote, true) => Policy::new().accept_remote(ECHO),
    };
    let mut telnet = Telnet::new(policy);
    let (_, _, positive, _) = verbs(side);
    let enable = |telnet: &mut Telnet| {
        ask(telnet, side, true);
        receive(telnet, &neg(positive, ECHO));
    };
    match state {
        QState::No => {}
        QState::Yes => enable(&mut telnet),
        QState::WantYes(Queue::Empty) => {
            ask(&mut telnet, side, true);
        }
        QState::WantYes(Queue::Opposite) => {
            ask(&mut telnet, side, true);
            ask(&mut telnet, side, false);
        }
        QState::WantNo(Queue::Empty) => {
            enable(&mut telnet);
            ask(&mut telnet, side, false);
        }
        QState::WantNo(Queue::Opposite) => {
            enable(&mut telnet);
            ask(&mut telnet, side, false);
            ask(&mut telnet, side, true);
        }
    }
    telnet.take_output();
    assert_eq!(telnet.state(side, ECHO), state);
    telnet
}

/// Every transition of RFC 1143's tables, on both sides, through the
/// session: the new state, the bytes sent and the event delivered.
#[test]
fn every_rfc1143_transition_on_both_sides() {
    use Input::*;
    use QState::*;
    use Queue::*;
    // (state, input, accept, new state, send positive?, event)
    type Row = (
        QState,
        Input,
        bool,
        QState,
        Option<bool>,
        Option<&'static str>,
    );
    #[rustfmt::skip]
    let table: &[Row] = &[
        (No, Positive, true, Yes, Some(true), Some("OptionEnabled")),
        (No, Positive, false, No, Some(false), None),
        (No, Negative, true, No, None, None),
        (No, AskEnable, true, WantYes(Empty), Some(true), None),
        (No, AskDisable, true, No, None, None),
        (Yes, Positive, true, Yes, None, None),
        (Yes, Negative, true, No, Some(false), Some("OptionDisabled")),
        (Yes, AskEnable, true, Yes, None, None),
        (Yes, AskDisable, true, WantNo(Empty), Some(false), None),
        (WantNo(Empty), Positive, true, No, None, Some("OptionDisabled")),
        (WantNo(Empty), Negative, true, No, None, Some("OptionDisabled")),
        (WantNo(Empty), AskEnable, true, WantNo(Opposite), None, None),
        (WantNo(Empty), AskDisable, true, WantNo(Empty), None, None),
        (WantNo(Opposite), Positive, true, Yes, None, None),
        (WantNo(Opposite), Negative, true, WantYes(Empty), Some(true), Some("OptionDisabled")),
        (WantNo(Opposite), AskEnable, true, WantNo(Opposite), None, None),
        (WantNo(Opposite), AskDisable, true, WantNo(Empty), None, None),
        (WantYes(Empty), Positive, true, Yes, None, Some("OptionEnabled")),
        (WantYes(Empty), Positive, false, Yes, None, Some("OptionEnabled")),
        (WantYes(Empty), Negative, true, No, None, Some("OptionRefused")),
        (WantYes(Empty), AskEnable, true, WantYes(Empty), None, None),
        (WantYes(Empty), AskDisable, true, WantYes(Opposite), None, None),
        (WantYes(Opposite), Positive, true, WantNo(Empty), Some(false), Some("OptionEnabled")),
        (WantYes(Opposite), Negative, true, No, None, Some("OptionRefused")),
        (WantYes(Opposite), AskEnable, true, WantYes(Empty), None, None),
        (WantYes(Opposite), AskDisable, true, WantYes(Opposite), None, None),
    ];
    for side in [Side::Local, Side::Remote] {
        let (send_pos, send_neg, peer_pos, peer_neg) = verbs(side);
        for &(state, input, accept, next, send, event) in table {
            let mut telnet = session_in(side, state, accept);
            let events = match input {
                Positive => receive(&mut telnet, &neg(peer_pos, ECHO)),
                Negative => receive(&mut telnet, &neg(peer_neg, ECHO)),
                AskEnable => {
                    ask(&mut telnet, side, true);
                    vec![]
                }
                AskDisable => {
                    ask(&mut telnet, side, false);
                    vec![]
                }
            };
            let context = format!("{side:?} {state:?} {input:?} accept={accept}");
            assert_eq!(telnet.state(side, ECHO), next, "{context}");
            let expected_out = match send {
                Some(true) => neg(send_pos, ECHO),
                Some(false) => neg(send_neg, ECHO),
                None => vec![],
            };
            assert_eq!(telnet.take_output(), expected_out, "{context}");
            let expected_events: Vec<Ev> = event
                .map(|name| other(&format!("{name} {{ side: {side:?}, option: ECHO }}")))
                .into_iter()
                .collect();
            assert_eq!(events, expected_events, "{context}");
            // The other side of the option is untouched.
            let other_side = match side {
                Side::Local => Side::Remote,
                Side::Remote => Side::Local,
            };
            assert_eq!(telnet.state(other_side, ECHO), No, "{context}");
        }
    }
}

/// Bytes a stock netkit `telnet` 0.17 client sent to a server using
/// `Policy::character_mode().request_remote(TTYPE)` in a pty: the answer to
/// the opening, the terminal type, "a", "b", a window resize to 255x50 and
/// Enter, each in its own read.
#[test]
fn netkit_telnet_transcript() {
    let reads: [&[u8]; 6] = [
        &[
            255, 253, 1, 255, 253, 3, 255, 251, 24, 255, 251, 31, 255, 250, 31, 0, 80, 0, 24, 255,
            240,
        ],
        &[255, 250, 24, 0, 88, 84, 69, 82, 77, 255, 240],
        b"a",
        b"b",
        &[255, 250, 31, 0, 255, 255, 0, 50, 255, 240],
        &[13, 0],
    ];
    let mut server = Telnet::new(Policy::character_mode().request_remote(TTYPE));
    server.take_output();
    let mut events = Vec::new();
    let mut replies = Vec::new();
    for read in reads {
        server.receive(read, |e| record(&mut events, e));
        replies.push(server.take_output());
    }
    assert_eq!(
        events,
        vec![
            other("OptionEnabled { side: Local, option: ECHO }"),
            other("OptionEnabled { side: Local, option: SGA }"),
            other("OptionEnabled { side: Remote, option: TTYPE }"),
            other("OptionEnabled { side: Remote, option: NAWS }"),
            other("WindowSize { width: 80, height: 24 }"),
            other("TerminalType(\"XTERM\")"),
            Ev::Data(b"ab".to_vec()),
            other("WindowSize { width: 255, height: 50 }"),
            Ev::Data(b"\r".to_vec()),
        ]
    );
    // Only TTYPE SEND is ever sent back: every other message was a
    // confirmation.
    assert_eq!(replies[0], vec![IAC, SB, 24, 1, IAC, SE]);
    assert!(replies[1..].iter().all(Vec::is_empty));
}

#[test]
fn terminal_type_list_by_repeated_requests() {
    let mut server = Telnet::new(Policy::new().request_remote(TTYPE));
    assert!(!server.request_terminal_type());
    assert_eq!(server.take_output(), neg(DO, TTYPE));
    receive(&mut server, &neg(WILL, TTYPE));
    let send = vec![IAC, SB, 24, 1, IAC, SE];
    assert_eq!(server.take_output(), send);
    let mut types = TerminalTypes::new();
    for name in ["MUDLET", "XTERM", "MTTS 2349", "MTTS 2349"] {
        let mut is = vec![IAC, SB, 24, 0];
        is.extend_from_slice(name.as_bytes());
        is.extend_from_slice(&[IAC, SE]);
        let mut done = None;
        server.receive(&is, |event| {
            if let Event::TerminalType(name) = event {
                done = Some(types.record(&name));
            }
        });
        if done == Some(false) {
            assert!(server.request_terminal_type());
            assert_eq!(server.take_output(), send);
        }
    }
    assert!(types.is_complete());
    assert_eq!(types.names(), ["MUDLET", "XTERM", "MTTS 2349"]);
    assert!(!server.has_output());
}
