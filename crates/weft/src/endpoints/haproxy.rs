//! `haproxy:` descriptions: any server endpoint, behind a proxy that
//! speaks the PROXY protocol.

use super::{EndpointError, ServerEndpoint};

const FORM: &str = "haproxy:ENDPOINT, where ENDPOINT is a server endpoint such as tcp:PORT";

/// `haproxy:` followed by the description of the endpoint the proxy
/// connects to (Twisted's grammar: `haproxy:tcp:8900`).
pub(super) fn parse_server(description: &str) -> Result<ServerEndpoint, EndpointError> {
    let fail = |fault: String| EndpointError {
        description: description.to_owned(),
        fault,
        expected: FORM,
    };
    let inner = description
        .split_once(':')
        .map(|(_, inner)| inner)
        .filter(|inner| !inner.is_empty())
        .ok_or_else(|| fail("the endpoint behind the proxy is missing".into()))?;
    match inner.parse::<ServerEndpoint>() {
        Ok(ServerEndpoint::Haproxy(_)) => Err(fail("haproxy: is given twice".into())),
        Ok(endpoint) => Ok(ServerEndpoint::Haproxy(Box::new(endpoint))),
        Err(error) => Err(fail(format!(
            "{}; expected {}",
            error.fault, error.expected
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::endpoints::TcpListenOptions;

    fn error(text: &str) -> String {
        text.parse::<ServerEndpoint>().unwrap_err().to_string()
    }

    #[test]
    fn any_server_endpoint_behind_haproxy() {
        let endpoint: ServerEndpoint = r"haproxy:tcp:port=8900:interface=\:\:1".parse().unwrap();
        assert_eq!(
            endpoint,
            ServerEndpoint::Haproxy(Box::new(ServerEndpoint::Tcp(TcpListenOptions::new(
                "[::1]:8900".parse().unwrap()
            ))))
        );
        assert_eq!(endpoint.to_string(), "haproxy:tcp:[::1]:8900");
        let unix: ServerEndpoint = "haproxy:unix:/run/boom.sock".parse().unwrap();
        assert_eq!(unix.to_string(), "haproxy:unix:/run/boom.sock");
    }

    #[test]
    fn faults_name_the_inner_endpoint() {
        assert_eq!(
            error("haproxy"),
            format!(
                "invalid endpoint 'haproxy': the endpoint behind the proxy is missing; expected {FORM}"
            )
        );
        assert_eq!(
            error("haproxy:haproxy:tcp:1"),
            format!(
                "invalid endpoint 'haproxy:haproxy:tcp:1': haproxy: is given twice; expected {FORM}"
            )
        );
        assert!(
            error("haproxy:tcp:80x").starts_with(
                "invalid endpoint 'haproxy:tcp:80x': port must be a number from 0 to 65535, not '80x'; expected tcp:PORT"
            ),
            "{}",
            error("haproxy:tcp:80x")
        );
    }
}
