//! Socket activation over real sockets: the echo example started as
//! systemd starts a service (its listening socket as file descriptor 3,
//! `LISTEN_PID` and `LISTEN_FDS` set) serves on that socket through a
//! `systemd:` endpoint, found by index or by name, and leaves a Unix
//! socket's file in place when it stops; started without one, or with
//! the wrong kind, it says why and exits.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::{UnixListener, UnixStream};
use std::os::unix::process::CommandExt;
use std::process::{Child, ChildStderr, Command, Stdio};

use common::{PATIENCE, example_path};

/// The echo example serving `endpoint`, started the way systemd starts a
/// socket-activated service: `socket` as file descriptor 3, and the
/// variables that say so (`names` as `LISTEN_FDNAMES`).
fn activated(socket: &impl AsRawFd, endpoint: &str, names: Option<&str>) -> (Child, ChildStderr) {
    let fd = socket.as_raw_fd();
    let mut command = Command::new("sh");
    // The shell puts its own process id in LISTEN_PID, then becomes the
    // example, which keeps that id.
    command
        .args(["-c", r#"export LISTEN_PID=$$; exec "$0" "$@""#])
        .arg(example_path("echo"))
        .arg(endpoint)
        .env("LISTEN_FDS", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if let Some(names) = names {
        command.env("LISTEN_FDNAMES", names);
    }
    // SAFETY: the closure only calls fcntl or dup2, which are
    // async-signal-safe, between fork and exec.
    unsafe {
        command.pre_exec(move || at_three(fd));
    }
    let mut child = command.spawn().expect("start the echo example");
    let stderr = child.stderr.take().unwrap();
    (child, stderr)
}

/// Makes `fd` file descriptor 3 of the new process, kept across exec.
fn at_three(fd: RawFd) -> std::io::Result<()> {
    // SAFETY: plain system calls on descriptors of the child process.
    let result = unsafe {
        if fd == 3 {
            libc::fcntl(3, libc::F_SETFD, 0)
        } else {
            libc::dup2(fd, 3)
        }
    };
    if result < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// The address in the `listening on ADDRESS` line the example writes.
fn announced(stderr: &mut BufReader<ChildStderr>) -> String {
    let mut line = String::new();
    loop {
        line.clear();
        assert!(stderr.read_line(&mut line).unwrap() > 0, "no announcement");
        if let Some(address) = line.trim().strip_prefix("listening on ") {
            return address.to_owned();
        }
    }
}

/// Sends `message`, reads it back.
fn echoes(stream: &mut (impl Read + Write), message: &[u8]) -> Vec<u8> {
    stream.write_all(message).unwrap();
    let mut echo = vec![0; message.len()];
    stream.read_exact(&mut echo).unwrap();
    echo
}

/// Stops the example with SIGTERM; it exits with 0.
fn stop(mut child: Child) {
    let pid = i32::try_from(child.id()).unwrap();
    // SAFETY: kill has no memory-safety preconditions.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    assert!(child.wait().unwrap().success());
}

/// Runs the example on `endpoint` with `socket` passed, expecting it to
/// refuse: returns what it wrote.
fn refusal(socket: &impl AsRawFd, endpoint: &str) -> String {
    let (mut child, mut stderr) = activated(socket, endpoint, None);
    let mut said = String::new();
    stderr.read_to_string(&mut said).unwrap();
    assert!(!child.wait().unwrap().success(), "{said}");
    said
}

#[test]
fn a_passed_tcp_socket_is_served() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let (child, stderr) = activated(&listener, "systemd:domain=INET:index=0", None);
    let mut stderr = BufReader::new(stderr);
    assert_eq!(announced(&mut stderr), address.to_string());
    let mut client = TcpStream::connect(address).unwrap();
    client.set_read_timeout(Some(PATIENCE)).unwrap();
    assert_eq!(echoes(&mut client, b"activated"), b"activated");
    stop(child);
}

#[test]
fn a_passed_unix_socket_is_found_by_name_and_its_file_outlives_the_server() {
    let dir = std::env::temp_dir().join(format!("weft-activation-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("echo.sock");
    let _ = std::fs::remove_file(&path);
    let listener = UnixListener::bind(&path).unwrap();
    let (child, stderr) = activated(&listener, "systemd:domain=UNIX:name=echo", Some("echo"));
    let mut stderr = BufReader::new(stderr);
    announced(&mut stderr);
    let mut client = UnixStream::connect(&path).unwrap();
    client.set_read_timeout(Some(PATIENCE)).unwrap();
    assert_eq!(echoes(&mut client, b"by name"), b"by name");
    stop(child);
    assert!(
        path.exists(),
        "the socket file belongs to systemd, for the next start"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn without_a_passed_socket_the_server_says_why_and_exits() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let said = refusal(&listener, "systemd:domain=INET:index=1");
    assert!(
        said.contains("index 1 asked for, but systemd passed 1 socket(s)"),
        "{said}"
    );
    let said = refusal(&listener, "systemd:domain=UNIX:index=0");
    assert!(
        said.contains("file descriptor 3 is not a stream socket of domain UNIX"),
        "{said}"
    );
    let output = Command::new(example_path("echo"))
        .arg("systemd:domain=INET:index=0")
        .env_remove("LISTEN_FDS")
        .env_remove("LISTEN_PID")
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(said.contains("LISTEN_FDS is not set"), "{said}");
}
