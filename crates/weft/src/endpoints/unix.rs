//! `unix:` descriptions.

use std::path::PathBuf;

use super::{ClientEndpoint, Description, EndpointError, ServerEndpoint, UnixListenOptions};

const SERVER_FORM: &str = "unix:PATH[:mode=OCTAL][:backlog=N]";
const CLIENT_FORM: &str = "unix:path=PATH[:timeout=SECONDS] or unix:PATH";

/// A Unix socket to listen on.
pub(super) fn parse_server(d: &mut Description) -> Result<ServerEndpoint, EndpointError> {
    let form = SERVER_FORM;
    d.check(
        &["address"],
        &["address", "path", "mode", "backlog", "lockfile"],
        form,
    )?;
    let path = d.get("address").or_else(|| d.get("path"));
    let path = path.ok_or_else(|| d.error("the socket path is missing".into(), form))?;
    let mode = match d.get("mode") {
        None => None,
        Some(text) => Some(
            u32::from_str_radix(text, 8)
                .ok()
                .filter(|m| *m <= 0o7777)
                .ok_or_else(|| {
                    d.error(
                        format!("mode '{text}' is not an octal permission like 660"),
                        form,
                    )
                })?,
        ),
    };
    d.flag("lockfile", form)?;
    Ok(ServerEndpoint::Unix(UnixListenOptions {
        path: non_empty_path(d, path, form)?,
        mode,
        backlog: d.backlog(form)?,
    }))
}

/// A Unix socket to connect to.
pub(super) fn parse_client(d: &mut Description) -> Result<ClientEndpoint, EndpointError> {
    let form = CLIENT_FORM;
    d.check(&["path"], &["path", "timeout", "checkPID"], form)?;
    let path = d.required("path", form)?;
    Ok(ClientEndpoint::Unix {
        path: non_empty_path(d, path, form)?,
        timeout: d.timeout(form)?,
    })
}

fn non_empty_path(
    d: &Description,
    path: &str,
    form: &'static str,
) -> Result<PathBuf, EndpointError> {
    if path.is_empty() {
        return Err(d.error("the socket path is empty".into(), form));
    }
    Ok(PathBuf::from(path))
}
