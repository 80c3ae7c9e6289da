//! `udp:` descriptions.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use super::{Description, EndpointError, ServerEndpoint, UdpListenOptions};

const FORM: &str = "udp:PORT[:interface=ADDRESS][:reuseaddr=0|1]";

/// A UDP socket to bind (Twisted's `udp:` arguments, `port` and
/// `interface`, and `reuseaddr`).
pub(super) fn parse_server(d: &mut Description) -> Result<ServerEndpoint, EndpointError> {
    d.check(&["port"], &["port", "interface", "reuseaddr"], FORM)?;
    let port = d.required("port", FORM)?;
    let port = d.port(port, FORM)?;
    let interface = match d.get("interface") {
        None | Some("") => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        Some(text) => text
            .parse()
            .map_err(|_| d.error(format!("interface '{text}' is not an IP address"), FORM))?,
    };
    Ok(ServerEndpoint::Udp(UdpListenOptions {
        address: SocketAddr::new(interface, port),
        reuse_address: d.flag("reuseaddr", FORM)?,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn udp_sockets_in_every_form() {
        let parse = |text: &str| text.parse::<ServerEndpoint>().unwrap();
        assert_eq!(
            parse(r"udp:port=9000:interface=\:\:1"),
            ServerEndpoint::Udp(UdpListenOptions {
                address: "[::1]:9000".parse().unwrap(),
                reuse_address: false,
            })
        );
        assert_eq!(parse("udp:9000"), parse("udp:port=9000:interface=0.0.0.0"));
        assert_eq!(
            parse("udp:0:reuseaddr=1"),
            ServerEndpoint::Udp(UdpListenOptions {
                address: "0.0.0.0:0".parse().unwrap(),
                reuse_address: true,
            })
        );
        assert_eq!(parse("udp:9000").to_string(), "udp:0.0.0.0:9000");
    }

    #[test]
    fn faults_are_named() {
        let error = |text: &str| text.parse::<ServerEndpoint>().unwrap_err().to_string();
        assert_eq!(
            error("udp:port=9000:interface=here"),
            format!(
                "invalid endpoint 'udp:port=9000:interface=here': interface 'here' is not an IP address; expected {FORM}"
            )
        );
        assert!(
            error("udp").contains("the port is missing"),
            "{}",
            error("udp")
        );
        assert!(error("udp:1:ttl=3").contains("unknown option 'ttl'"));
    }
}
