//! [`Haproxy`]: a real HAProxy in front of a server, sending it the PROXY
//! header, for interoperability tests.

use std::io;
use std::net::{SocketAddr, TcpListener};
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Which header HAProxy sends to the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SendProxy {
    /// `send-proxy`: version 1, the text line.
    V1,
    /// `send-proxy-v2`: version 2, binary.
    V2,
}

/// An `haproxy` process in `mode tcp` (in the foreground, `-db`), relaying
/// every connection made to [`address`](Self::address) to one server with
/// the PROXY header. Stopped (killed) when dropped.
///
/// It listens on a socket this process bound and hands it (`bind fd@N`),
/// so the port is free of races and connections made before HAProxy is
/// ready wait in the socket's queue.
pub struct Haproxy {
    child: Child,
    address: SocketAddr,
    directory: PathBuf,
}

impl Haproxy {
    /// Starts HAProxy in front of `server`. Fails with the error of
    /// kind `NotFound` when `haproxy` is not installed.
    pub fn start(server: SocketAddr, send: SendProxy) -> io::Result<Haproxy> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let address = listener.local_addr()?;
        let fd = listener.as_raw_fd();
        let directory = fresh_directory()?;
        let config = directory.join("haproxy.cfg");
        let send = match send {
            SendProxy::V1 => "send-proxy",
            SendProxy::V2 => "send-proxy-v2",
        };
        std::fs::write(
            &config,
            format!(
                "defaults\n    mode tcp\n    timeout connect 10s\n    timeout client 60s\n    timeout server 60s\n\
                 frontend front\n    bind fd@{fd}\n    default_backend back\n\
                 backend back\n    server weft {server} {send}\n"
            ),
        )?;
        let mut command = Command::new("haproxy");
        command.arg("-db").arg("-f").arg(&config);
        // SAFETY: fcntl is async-signal-safe; it only clears close-on-exec
        // on the listening socket, in the child.
        unsafe {
            command.pre_exec(move || match libc::fcntl(fd, libc::F_SETFD, 0) {
                -1 => Err(io::Error::last_os_error()),
                _ => Ok(()),
            });
        }
        let child = command.spawn().inspect_err(|_| {
            let _ = std::fs::remove_dir_all(&directory);
        })?;
        Ok(Haproxy {
            child,
            address,
            directory,
        })
    }

    /// Where clients connect.
    pub fn address(&self) -> SocketAddr {
        self.address
    }
}

impl Drop for Haproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.directory);
    }
}

/// A new, empty directory for one HAProxy's configuration.
fn fresh_directory() -> io::Result<PathBuf> {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let name = format!(
        "weft-haproxy-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let directory = std::env::temp_dir().join(name);
    std::fs::create_dir_all(&directory)?;
    Ok(directory)
}

/// Whether `haproxy` can be started, for tests that need it: when it
/// cannot, fails (panics) where the environment variable `CI` is set, and
/// otherwise prints that the test is skipped and returns `false`.
pub fn available() -> bool {
    let found = Command::new("haproxy")
        .arg("-v")
        .output()
        .is_ok_and(|output| output.status.success());
    if !found {
        let message = "`haproxy` is not installed: the HAProxy tests need it \
                       (run .ci/install, or apt-get install -y haproxy)";
        assert!(std::env::var_os("CI").is_none(), "{message}");
        eprintln!("skipped: {message}");
    }
    found
}
