//! The server's SSH host key: an Ed25519 key made on the first start and
//! kept in a file (OpenSSH's format, mode 0600), so that players are not
//! warned of a changed key when the server restarts.

use std::fs::OpenOptions;
use std::io::{ErrorKind, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use russh::keys::PrivateKey;
use russh::keys::ssh_key::LineEnding;
use russh::keys::ssh_key::private::Ed25519Keypair;

/// Where the host key is kept when `--ssh-host-key` is not given: in the
/// working directory.
pub const DEFAULT_PATH: &str = "boom_ssh_host_ed25519_key";

/// The host key could not be read or made; the message names the file.
#[derive(Debug, thiserror::Error)]
#[error("SSH host key {}: {problem}", path.display())]
pub struct HostKeyError {
    /// The key's file.
    pub path: PathBuf,
    /// What went wrong, and what to do.
    pub problem: String,
}

/// The key kept at `path`, or a new one written there (mode 0600) when
/// there is no such file.
pub fn load_or_create(path: &Path) -> Result<PrivateKey, HostKeyError> {
    let error = |problem: String| HostKeyError {
        path: path.to_owned(),
        problem,
    };
    match std::fs::read(path) {
        Ok(text) => PrivateKey::from_openssh(&text).map_err(|e| {
            error(format!(
                "not an OpenSSH private key ({e}): give another path, or remove the file to make a new key"
            ))
        }),
        Err(e) if e.kind() == ErrorKind::NotFound => create(path).map_err(error),
        Err(e) => Err(error(format!("cannot be read: {e}"))),
    }
}

/// Makes a key and writes it to `path`, which must not exist.
fn create(path: &Path) -> Result<PrivateKey, String> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| format!("no randomness for a new key: {e}"))?;
    let key = PrivateKey::from(Ed25519Keypair::from_seed(&seed));
    let text = key
        .to_openssh(LineEnding::LF)
        .map_err(|e| format!("cannot encode a new key: {e}"))?;
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| format!("cannot be created: {e}"))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| format!("cannot be written: {e}"))?;
    tracing::info!(path = %path.display(), "made a new SSH host key");
    Ok(key)
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("boom-host-key-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir.join("key")
    }

    #[test]
    fn a_key_is_made_once_with_mode_0600_then_kept() {
        let path = scratch("kept");
        let first = load_or_create(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let again = load_or_create(&path).unwrap();
        assert_eq!(first.public_key(), again.public_key());
    }

    #[test]
    fn a_file_that_is_no_key_is_an_error_naming_it() {
        let path = scratch("garbage");
        std::fs::write(&path, "not a key").unwrap();
        let message = load_or_create(&path).unwrap_err().to_string();
        assert!(message.contains(&path.display().to_string()), "{message}");
        assert!(message.contains("not an OpenSSH private key"), "{message}");
    }

    #[test]
    fn a_path_in_no_directory_is_an_error_naming_it() {
        let path = scratch("nowhere").join("missing-directory").join("key");
        let message = load_or_create(&path).unwrap_err().to_string();
        assert!(message.contains("missing-directory"), "{message}");
        assert!(message.contains("cannot be created"), "{message}");
    }
}
