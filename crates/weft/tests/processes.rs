//! Child processes whose standard input and output are a connection:
//! real programs (`cat`, `sh`, `sleep`) started on the reactor, their
//! output received, their input written and ended, their exit status
//! awaited, signals sent, back-pressure from a child that does not read,
//! lines over a process, and a program that cannot start named.

mod common;

use std::cell::RefCell;
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, ExitStatus};
use std::rc::Rc;

use common::run;
use weft::protocols::LineReceiver;
use weft::protocols::lines::Delimiter;
use weft::{CloseReason, Error, Process, Protocol, Reactor, Transport};

/// What a protocol saw of its process, in order.
#[derive(Clone, Default)]
struct Seen(Rc<RefCell<Vec<String>>>);

impl Seen {
    fn push(&self, entry: String) {
        self.0.borrow_mut().push(entry);
    }

    fn entries(&self) -> Vec<String> {
        self.0.borrow().clone()
    }

    /// The first entry that starts with `prefix`, if any yet.
    fn first(&self, prefix: &str) -> Option<String> {
        self.0
            .borrow()
            .iter()
            .find(|entry| entry.starts_with(prefix))
            .cloned()
    }

    fn output(&self) -> String {
        self.0
            .borrow()
            .iter()
            .filter_map(|entry| entry.strip_prefix("data "))
            .collect()
    }
}

/// Writes `input` when connected, then ends the child's input if told;
/// records what comes back, pauses, and the end.
struct Feeder {
    input: Vec<u8>,
    end_input: bool,
    seen: Seen,
    transport: Option<Transport>,
}

impl Feeder {
    fn new(input: &[u8], end_input: bool, seen: &Seen) -> Feeder {
        Feeder {
            input: input.to_vec(),
            end_input,
            seen: seen.clone(),
            transport: None,
        }
    }
}

impl Protocol for Feeder {
    fn connection_made(&mut self, transport: Transport) {
        self.seen.push(format!("made {}", transport.peer_address()));
        transport.write(&self.input);
        if self.end_input {
            transport.shutdown_write();
        }
        self.transport = Some(transport);
    }

    fn data_received(&mut self, data: &[u8]) {
        self.seen
            .push(format!("data {}", String::from_utf8_lossy(data)));
    }

    fn pause_writing(&mut self) {
        let pending = self.transport.as_ref().unwrap().pending_bytes();
        self.seen.push(format!("paused with {pending} pending"));
    }

    fn connection_lost(&mut self, reason: &CloseReason) {
        self.seen.push(format!("lost: {reason}"));
    }
}

/// Waits for `process` to exit; its status.
fn exit_of(reactor: &Reactor, process: &Process) -> ExitStatus {
    run(reactor, process.wait()).expect("the exit status")
}

/// Runs `reactor` until every one of `seen` has an entry starting with
/// `prefix`.
fn until_seen(reactor: &Reactor, prefix: &str, seen: &[&Seen]) {
    let all = || seen.iter().all(|seen| seen.first(prefix).is_some());
    reactor.run_until(common::PATIENCE, all).unwrap();
}

fn sh(script: &str) -> Command {
    let mut command = Command::new("sh");
    command.args(["-c", script]);
    command
}

#[test]
fn cat_gives_back_what_it_is_given_and_exits_when_its_input_ends() {
    let reactor = Reactor::new().unwrap();
    let seen = Seen::default();
    let protocol = Feeder::new(b"through a child", true, &seen);
    let process = reactor
        .spawn_process(&mut Command::new("cat"), protocol)
        .unwrap();
    let status = exit_of(&reactor, &process);
    assert!(status.success(), "{status}");
    // Its output may still be on the way when its exit is known.
    until_seen(&reactor, "lost", &[&seen]);
    assert_eq!(seen.output(), "through a child");
    let entries = seen.entries();
    assert_eq!(entries[0], format!("made process:{}", process.pid()));
    assert_eq!(
        entries.last().unwrap(),
        "lost: the peer closed the connection"
    );
    assert_eq!(process.exit_status(), Some(status));
}

#[test]
fn the_exit_code_and_a_signal_that_ended_it_are_told() {
    let reactor = Reactor::new().unwrap();
    let seen = Seen::default();
    let exits = reactor
        .spawn_process(&mut sh("echo done; exit 3"), Feeder::new(b"", false, &seen))
        .unwrap();
    assert_eq!(exit_of(&reactor, &exits).code(), Some(3));

    let sleeper = reactor
        .spawn_process(
            Command::new("sleep").arg("600"),
            Feeder::new(b"", false, &seen),
        )
        .unwrap();
    sleeper.signal(libc::SIGTERM).unwrap();
    let status = exit_of(&reactor, &sleeper);
    assert_eq!(status.signal(), Some(libc::SIGTERM), "{status}");
    let refused = sleeper.signal(libc::SIGTERM).unwrap_err();
    assert_eq!(refused.to_string(), "the process has exited");
}

#[test]
fn a_child_that_does_not_read_pauses_the_writer() {
    let reactor = Reactor::new().unwrap();
    let seen = Seen::default();
    let flood = vec![b'x'; 8 << 20];
    let sleeper = reactor
        .spawn_process(
            Command::new("sleep").arg("600"),
            Feeder::new(&flood, false, &seen),
        )
        .unwrap();
    until_seen(&reactor, "paused", &[&seen]);
    let paused = seen.entries();
    assert!(
        paused.iter().any(|e| e.starts_with("paused with")),
        "{paused:?}"
    );
    sleeper.signal(libc::SIGKILL).unwrap();
    assert_eq!(exit_of(&reactor, &sleeper).signal(), Some(libc::SIGKILL));
    until_seen(&reactor, "lost", &[&seen]);
}

/// Records each line; ends the child's input after the third.
struct Counter {
    seen: Seen,
    transport: Option<Transport>,
}

impl Protocol for Counter {
    fn connection_made(&mut self, transport: Transport) {
        self.transport = Some(transport);
    }

    fn data_received(&mut self, line: &[u8]) {
        self.seen.push(String::from_utf8_lossy(line).into_owned());
        if self.seen.entries().len() == 3 {
            self.transport.as_ref().unwrap().shutdown_write();
        }
    }
}

#[test]
fn lines_over_a_process() {
    let reactor = Reactor::new().unwrap();
    let seen = Seen::default();
    let counter = Counter {
        seen: seen.clone(),
        transport: None,
    };
    let protocol = LineReceiver::new(counter).with_delimiter(Delimiter::Lf);
    // The child waits for its input to end before its last line.
    let script = r#"for n in 1 2 3; do echo "line $n"; done; cat > /dev/null; echo last"#;
    let process = reactor.spawn_process(&mut sh(script), protocol).unwrap();
    assert!(exit_of(&reactor, &process).success());
    reactor
        .run_until(common::PATIENCE, || seen.entries().len() == 4)
        .unwrap();
    assert_eq!(seen.entries(), ["line 1", "line 2", "line 3", "last"]);
}

#[test]
fn a_program_that_cannot_start_is_named() {
    let reactor = Reactor::new().unwrap();
    let seen = Seen::default();
    let mut missing = Command::new("/nonexistent/weft-test-program");
    let error = reactor
        .spawn_process(&mut missing, Feeder::new(b"", false, &seen))
        .unwrap_err();
    assert!(matches!(error, Error::Spawn { .. }), "{error:?}");
    assert!(
        error
            .to_string()
            .starts_with("cannot start '/nonexistent/weft-test-program': "),
        "{error}"
    );
    assert!(seen.entries().is_empty(), "no protocol was connected");
}

#[test]
fn each_reactor_collects_its_own_children() {
    let threads: Vec<_> = (0..2)
        .map(|_| {
            std::thread::spawn(|| {
                let reactor = Reactor::new().unwrap();
                let seen = Seen::default();
                let children: Vec<_> = (0..10)
                    .map(|n| {
                        let exit = format!("exit {n}");
                        reactor
                            .spawn_process(&mut sh(&exit), Feeder::new(b"", false, &seen))
                            .unwrap()
                    })
                    .collect();
                children
                    .iter()
                    .map(|child| exit_of(&reactor, child).code().unwrap())
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    for thread in threads {
        assert_eq!(thread.join().unwrap(), (0..10).collect::<Vec<_>>());
    }
}

#[test]
fn a_child_that_exits_while_being_written_to_ends_the_connection() {
    let reactor = Reactor::new().unwrap();
    let seen = Seen::default();
    let flood = vec![b'x'; 8 << 20];
    let quitter = reactor
        .spawn_process(&mut sh("exit 0"), Feeder::new(&flood, false, &seen))
        .unwrap();
    assert!(exit_of(&reactor, &quitter).success());
    until_seen(&reactor, "lost", &[&seen]);
    let lost = seen.first("lost").unwrap();
    assert_ne!(
        lost, "lost: connection closed cleanly",
        "what was written never arrived"
    );
}

#[test]
fn standard_error_can_be_a_connection_of_its_own() {
    let reactor = Reactor::new().unwrap();
    let (output, errors) = (Seen::default(), Seen::default());
    let script = "echo to output; echo to errors >&2; echo more output";
    let process = reactor
        .spawn_process_with_errors(
            &mut sh(script),
            Feeder::new(b"", false, &output),
            Feeder::new(b"", false, &errors),
        )
        .unwrap();
    assert!(exit_of(&reactor, &process).success());
    until_seen(&reactor, "lost", &[&output, &errors]);
    assert_eq!(output.output(), "to output\nmore output\n");
    assert_eq!(errors.output(), "to errors\n");
}

#[test]
fn a_child_another_part_of_the_program_waited_for_ends_with_an_error() {
    let reactor = Reactor::new().unwrap();
    let seen = Seen::default();
    let process = reactor
        .spawn_process(&mut sh("exit 0"), Feeder::new(b"", false, &seen))
        .unwrap();
    let pid = libc::pid_t::try_from(process.pid()).unwrap();
    let mut status = 0;
    // SAFETY: waitpid writes the status into the integer it is given.
    assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
    let error = run(&reactor, process.wait()).unwrap_err();
    assert!(error.to_string().contains("cannot be collected"), "{error}");
    assert_eq!(process.exit_status(), None);
    assert!(
        process.signal(libc::SIGTERM).is_err(),
        "its id may be reused"
    );
}
