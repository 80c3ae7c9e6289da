//! Unix socket races. A serves on a path; B is started on the same path
//! while A runs (it must refuse, not steal the path); the file is removed
//! and B is started again (it binds a new file); A stops — and must not
//! remove B's file on its way out (weft removes a socket file only if it
//! is still the very file it bound). Then a server killed with SIGKILL
//! leaves a stale file behind, and the next one on the path must replace
//! it.

use std::io::Read;
use std::os::unix::fs::FileTypeExt;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::command_line::invoke;
use super::target::{FD_LIMIT, Target};
use super::{Context, Error, Outcome};

/// A directory removed when dropped.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn run(context: &Context) -> Result<Vec<Outcome>, Error> {
    let mut outcome =
        Outcome::new("Unix socket: A on a path, the file removed, B on it, A stops; a stale file");
    let dir = TempDir(std::env::temp_dir().join(format!("weft-attack-{}", std::process::id())));
    std::fs::create_dir_all(&dir.0)?;
    let path = dir.0.join("boom.sock");
    let endpoint = format!("unix:{}", path.display());
    let listen = ["--listen", endpoint.as_str()];

    let mut a = Target::boom(context, 8, &listen, FD_LIMIT)?;
    let a_serves = serves(&path);
    let intruder = invoke(&context.binary("boom"), &listen, Duration::from_secs(3))?;
    let refused = intruder.status.and_then(|s| s.code()) == Some(1);
    outcome.detail(format!(
        "A serves on the path: {a_serves}; B started while A serves: {}",
        match intruder.status {
            Some(status) => format!("exits ({status}): {}", intruder.stderr.trim_end()),
            None => "kept running (it took the path)".into(),
        }
    ));
    outcome.check(
        !refused,
        "a second server started on the path of a live one",
    );

    std::fs::remove_file(&path)?;
    let b = Target::boom(context, 8, &listen, FD_LIMIT)?;
    a.server.signal(libc::SIGTERM)?;
    let a_exit = a.server.wait_exit(Duration::from_secs(10))?;
    let stays = is_socket(&path);
    let b_serves = serves(&path);
    outcome.detail(format!(
        "after A's file was removed, B started on the path and A stopped ({}): B's file is there: {stays}; B serves on it: {b_serves}",
        a_exit.map_or("still running".into(), |s| s.to_string())
    ));
    outcome.check(!stays, "A removed B's socket file on its way out");
    outcome.check(stays && !b_serves, "B's socket did not serve");
    b.server.stop()?;
    let removed = !path.exists();
    outcome.detail(format!(
        "B stopped with SIGTERM removed its file: {removed}"
    ));

    // A server killed outright leaves its file; the next one replaces it.
    let killed = Target::boom(context, 8, &listen, FD_LIMIT)?;
    drop(killed);
    let stale = is_socket(&path);
    let next = Target::boom(context, 8, &listen, FD_LIMIT);
    let next_serves = next.is_ok() && serves(&path);
    outcome.detail(format!(
        "a server killed with SIGKILL left its file: {stale}; the next one on the path serves: {next_serves}"
    ));
    outcome.check(!next_serves, "a stale socket file kept the next server out");
    outcome.drop_time = Some(if stays && b_serves {
        "B's socket stays and serves".into()
    } else {
        "B lost its socket".into()
    });
    Ok(vec![outcome])
}

fn is_socket(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_socket())
}

/// Whether a connection to `path` gets the server's first bytes.
fn serves(path: &Path) -> bool {
    let Ok(mut stream) = UnixStream::connect(path) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let mut byte = [0u8; 1];
    matches!(stream.read(&mut byte), Ok(1))
}
