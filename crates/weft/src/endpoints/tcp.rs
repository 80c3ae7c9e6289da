//! `tcp:` and `tcp6:` descriptions.

use std::net::{IpAddr, SocketAddr};

use super::{ClientEndpoint, Description, EndpointError, ServerEndpoint, TcpListenOptions};

const SERVER_FORM: &str = "tcp:PORT[:interface=ADDRESS][:backlog=N][:reuseport=0|1]";
const SERVER6_FORM: &str = "tcp6:PORT[:interface=ADDRESS][:backlog=N][:reuseport=0|1]";
const CLIENT_FORM: &str = "tcp:host=HOST:port=PORT[:timeout=SECONDS] or tcp:HOST:PORT";

/// A listening TCP port; `any` is the interface when none is given, and
/// says which of the two forms the description is.
pub(super) fn parse_server(
    d: &mut Description,
    any: IpAddr,
) -> Result<ServerEndpoint, EndpointError> {
    let form = if any.is_ipv4() {
        SERVER_FORM
    } else {
        SERVER6_FORM
    };
    d.check(&["port"], SERVER_KEYS, form)?;
    listen_options(d, any, form).map(ServerEndpoint::Tcp)
}

/// The options every TCP server description has.
pub(super) const SERVER_KEYS: &[&str] = &["port", "interface", "backlog", "reuseport"];

/// The TCP part of a checked server description (`port`, `interface`,
/// `backlog`, `reuseport`).
pub(super) fn listen_options(
    d: &Description,
    any: IpAddr,
    form: &'static str,
) -> Result<TcpListenOptions, EndpointError> {
    let port = d.required("port", form)?;
    let port = d.port(port, form)?;
    let interface = match d.get("interface") {
        None | Some("") => any,
        Some(text) => text
            .parse()
            .map_err(|_| d.error(format!("interface '{text}' is not an IP address"), form))?,
    };
    Ok(TcpListenOptions {
        address: SocketAddr::new(interface, port),
        backlog: d.backlog(form)?,
        reuse_port: d.flag("reuseport", form)?,
    })
}

/// A TCP host and port to connect to.
pub(super) fn parse_client(d: &mut Description) -> Result<ClientEndpoint, EndpointError> {
    let form = CLIENT_FORM;
    d.check(&["host", "port"], CLIENT_KEYS, form)?;
    let (host, port) = host_and_port(d, form)?;
    Ok(ClientEndpoint::Tcp {
        host,
        port,
        timeout: d.timeout(form)?,
    })
}

/// The options every TCP client description has.
pub(super) const CLIENT_KEYS: &[&str] = &["host", "port", "timeout"];

/// The host and port of a checked client description.
pub(super) fn host_and_port(
    d: &Description,
    form: &'static str,
) -> Result<(String, u16), EndpointError> {
    let host = d.required("host", form)?;
    if host.is_empty() {
        return Err(d.error("the host is empty".into(), form));
    }
    let port = d.port(d.required("port", form)?, form)?;
    Ok((host.to_owned(), port))
}
