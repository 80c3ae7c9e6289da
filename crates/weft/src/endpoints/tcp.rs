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
    d.check(
        &["port"],
        &["port", "interface", "backlog", "reuseport"],
        form,
    )?;
    let port = d.required("port", form)?;
    let port = d.port(port, form)?;
    let interface = match d.get("interface") {
        None | Some("") => any,
        Some(text) => text
            .parse()
            .map_err(|_| d.error(format!("interface '{text}' is not an IP address"), form))?,
    };
    Ok(ServerEndpoint::Tcp(TcpListenOptions {
        address: SocketAddr::new(interface, port),
        backlog: d.backlog(form)?,
        reuse_port: d.flag("reuseport", form)?,
    }))
}

/// A TCP host and port to connect to.
pub(super) fn parse_client(d: &mut Description) -> Result<ClientEndpoint, EndpointError> {
    let form = CLIENT_FORM;
    d.check(&["host", "port"], &["host", "port", "timeout"], form)?;
    let host = d.required("host", form)?;
    if host.is_empty() {
        return Err(d.error("the host is empty".into(), form));
    }
    let port = d.port(d.required("port", form)?, form)?;
    Ok(ClientEndpoint::Tcp {
        host: host.to_owned(),
        port,
        timeout: d.timeout(form)?,
    })
}
