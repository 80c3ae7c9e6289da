//! The `boom` command: argument errors, and a graceful exit on SIGTERM.

use std::process::Command;

mod support;

use support::binary::start_announced;
use support::net::Client;
use support::received::Frames;

fn boom() -> Command {
    Command::new(env!("CARGO_BIN_EXE_boom"))
}

/// Runs `boom` with `args` and checks that it exits with status 2 after
/// one line naming `named` and saying `why`.
#[track_caller]
fn assert_refused(args: &[&str], named: &str, why: &str) {
    let output = boom().args(args).output().expect("run boom");
    assert_eq!(output.status.code(), Some(2), "{args:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
    assert!(stderr.contains(named), "{args:?}: {stderr}");
    assert!(stderr.contains(why), "{args:?}: {stderr}");
}

#[test]
fn a_bad_argument_prints_one_line_naming_it_and_exits_with_2() {
    for (args, named, form) in [
        (&["--size", "11"][..], "--size", "WIDTHxHEIGHT"),
        (&["--listen", "tcp:80x"][..], "--listen", "tcp:PORT"),
        (
            &["--render", "colour"][..],
            "--render",
            "auto, ansi or plain",
        ),
        (&["--frame-ms", "0"][..], "--frame-ms", "1.."),
        (&["--bots", "many"][..], "--bots", "many"),
        (&["--colour"][..], "--colour", "--help"),
    ] {
        assert_refused(args, named, form);
    }
}

#[test]
fn every_number_out_of_its_range_is_refused_naming_the_option_and_the_range() {
    for (args, named, range) in [
        (&["--bots", "100000"][..], "--bots", "0..=256"),
        (&["--bots", "9"][..], "--bots", "0..=8"),
        (&["--size", "3x3", "--bots", "5"][..], "--bots", "0..=4"),
        (
            &["--frame-ms", "18446744073709551615"][..],
            "--frame-ms",
            "1..=1000",
        ),
        (&["--frame-ms", "1001"][..], "--frame-ms", "1..=1000"),
        (&["--fuse-ms", "0"][..], "--fuse-ms", "1..=60000"),
        (&["--fuse-ms", "60001"][..], "--fuse-ms", "1..=60000"),
        (&["--burn-ms", "99999999999"][..], "--burn-ms", "1..=60000"),
        (&["--size", "257x11"][..], "--size", "1 to 256"),
        (&["--max-players", "0"][..], "--max-players", "1..=1024"),
        (&["--max-players", "1025"][..], "--max-players", "1..=1024"),
        (&["--seed", "-1"][..], "--seed", "0..=18446744073709551615"),
        (&["--join-timeout", "0"][..], "--join-timeout", "1..=3600"),
        (
            &["--join-timeout", "3601"][..],
            "--join-timeout",
            "1..=3600",
        ),
        (
            &["--max-per-address", "0"][..],
            "--max-per-address",
            "1..=100000",
        ),
        (&["--threads", "0"][..], "--threads", "1..=1024"),
        (
            &["--classic", "--threads", "2"][..],
            "--threads",
            "one reactor",
        ),
    ] {
        assert_refused(args, named, range);
    }
}

#[test]
fn a_port_in_use_is_named_as_written_with_the_cause_and_the_fix() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a port");
    let port = taken.local_addr().unwrap().port();
    let endpoint = format!("tcp:port={port}:interface=127.0.0.1");
    let output = boom()
        .args(["--listen", &endpoint])
        .output()
        .expect("run boom");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr.trim_end(),
        format!(
            "boom: cannot listen on {endpoint}: the address is already in use: \
             stop the other server or choose another port"
        )
    );
}

#[test]
fn sigterm_tells_the_players_and_exits_with_0() {
    let (mut child, line) = start_announced(boom().args([
        "--classic",
        "--frame-ms",
        "20",
        "--listen",
        "tcp:port=0:interface=127.0.0.1",
    ]));
    // "… join with: telnet 127.0.0.1 PORT"
    let mut words = line.split_whitespace().rev();
    let port: u16 = words.next().unwrap().parse().expect("a port");
    let host = words.next().unwrap();
    assert_eq!(host, "127.0.0.1", "{line}");
    let mut client = Client::connect((host.parse::<std::net::IpAddr>().unwrap(), port).into());
    client.frame(0);
    let pid = i32::try_from(child.id()).unwrap();
    // SAFETY: kill has no memory-safety preconditions.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    assert!(client.read_to_end().contains("The server is going down"));
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
}
