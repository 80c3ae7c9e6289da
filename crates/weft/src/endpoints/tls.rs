//! `ssl:` (a TLS server: TCP with TLS on every accepted connection) and
//! `tls:` (a TLS client) descriptions, with Twisted's option names.

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::time::Duration;

use super::tcp::{self, CLIENT_KEYS, SERVER_KEYS};
use super::{ClientEndpoint, Description, EndpointError, ServerEndpoint, TcpListenOptions};
use crate::tls::{
    ClientVerification, DEFAULT_HANDSHAKE_TIMEOUT, TlsClientOptions, TlsServerOptions,
};

/// How to listen for TLS (`ssl:`): a TCP port, and the TLS server's
/// settings for every connection accepted there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SslListenOptions {
    /// The TCP port.
    pub tcp: TcpListenOptions,
    /// The certificate, key and TLS options.
    pub tls: TlsServerOptions,
}

/// Where to connect over TLS (`tls:`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsConnectOptions {
    /// Host name or IP address: where to connect, the name sent by SNI
    /// and the name the server's certificate must carry.
    pub host: String,
    /// Port.
    pub port: u16,
    /// Give up connecting (TCP) after this long.
    pub timeout: Option<Duration>,
    /// Trust roots, client certificate, ALPN, handshake timeout.
    pub tls: TlsClientOptions,
}

const SERVER_FORM: &str = "ssl:PORT:privateKey=FILE[:certKey=FILE][:extraCertChain=FILE]\
     [:alpn=P1,P2][:caCerts=FILE|DIR][:verifyClient=require|optional][:handshakeTimeout=SECONDS]\
     [:interface=ADDRESS][:backlog=N]";
const CLIENT_FORM: &str = "tls:host=HOST:port=PORT[:trustRoots=FILE|DIR][:certificate=FILE]\
     [:privateKey=FILE][:alpn=P1,P2][:timeout=SECONDS][:handshakeTimeout=SECONDS] or tls:HOST:PORT";

const SERVER_TLS_KEYS: &[&str] = &[
    "privateKey",
    "certKey",
    "extraCertChain",
    "dhParameters",
    "alpn",
    "caCerts",
    "caCertsDir",
    "verifyClient",
    "handshakeTimeout",
];
const CLIENT_TLS_KEYS: &[&str] = &[
    "trustRoots",
    "certificate",
    "privateKey",
    "alpn",
    "handshakeTimeout",
];

/// A TLS server on a TCP port. `dhParameters=` is accepted and ignored
/// (rustls uses elliptic-curve key exchange only); `caCertsDir=` is
/// Twisted's name for `caCerts=`.
pub(super) fn parse_server(d: &mut Description) -> Result<ServerEndpoint, EndpointError> {
    let form = SERVER_FORM;
    let keys: Vec<&str> = SERVER_KEYS.iter().chain(SERVER_TLS_KEYS).copied().collect();
    d.check(&["port"], &keys, form)?;
    let tcp = tcp::listen_options(d, IpAddr::V4(Ipv4Addr::UNSPECIFIED), form)?;
    let private_key = path(d, "privateKey", form)?
        .ok_or_else(|| d.error("the privateKey is missing".into(), form))?;
    let certificate = path(d, "certKey", form)?.unwrap_or_else(|| private_key.clone());
    if d.get("caCerts").is_some() && d.get("caCertsDir").is_some() {
        return Err(d.error(
            "caCerts and caCertsDir are the same option, given twice".into(),
            form,
        ));
    }
    let client_cas = match path(d, "caCerts", form)? {
        Some(path) => Some(path),
        None => path(d, "caCertsDir", form)?,
    };
    let client_verification = match d.get("verifyClient") {
        None | Some("require") => ClientVerification::Required,
        Some("optional") => ClientVerification::Optional,
        Some(text) => {
            return Err(d.error(
                format!("verifyClient must be 'require' or 'optional', not '{text}'"),
                form,
            ));
        }
    };
    if d.get("verifyClient").is_some() && client_cas.is_none() {
        return Err(d.error(
            "verifyClient needs caCerts (the CAs to verify against)".into(),
            form,
        ));
    }
    let tls = TlsServerOptions {
        private_key,
        certificate,
        extra_chain: path(d, "extraCertChain", form)?,
        alpn: alpn(d, form)?,
        client_cas,
        client_verification,
        handshake_timeout: d
            .seconds("handshakeTimeout", form)?
            .unwrap_or(DEFAULT_HANDSHAKE_TIMEOUT),
    };
    Ok(ServerEndpoint::Ssl(SslListenOptions { tcp, tls }))
}

/// A TLS connection to a host and port; the host name is also the name
/// the server's certificate must carry (and is sent by SNI).
pub(super) fn parse_client(d: &mut Description) -> Result<ClientEndpoint, EndpointError> {
    let form = CLIENT_FORM;
    let keys: Vec<&str> = CLIENT_KEYS.iter().chain(CLIENT_TLS_KEYS).copied().collect();
    d.check(&["host", "port"], &keys, form)?;
    let (host, port) = tcp::host_and_port(d, form)?;
    let certificate = path(d, "certificate", form)?;
    let private_key = path(d, "privateKey", form)?;
    if private_key.is_some() && certificate.is_none() {
        return Err(d.error("privateKey needs a certificate".into(), form));
    }
    let tls = TlsClientOptions {
        trust_roots: path(d, "trustRoots", form)?,
        certificate,
        private_key,
        alpn: alpn(d, form)?,
        handshake_timeout: d.seconds("handshakeTimeout", form)?,
    };
    Ok(ClientEndpoint::Tls(TlsConnectOptions {
        host,
        port,
        timeout: d.timeout(form)?,
        tls,
    }))
}

/// A file or directory option, not empty.
fn path(d: &Description, name: &str, form: &'static str) -> Result<Option<PathBuf>, EndpointError> {
    match d.get(name) {
        None => Ok(None),
        Some("") => Err(d.error(format!("{name} is empty"), form)),
        Some(text) => Ok(Some(PathBuf::from(text))),
    }
}

/// `alpn=h2,http/1.1`: protocol names, most preferred first.
fn alpn(d: &Description, form: &'static str) -> Result<Vec<String>, EndpointError> {
    let Some(text) = d.get("alpn") else {
        return Ok(Vec::new());
    };
    let names: Vec<String> = text.split(',').map(str::to_owned).collect();
    if names.iter().any(|n| n.is_empty() || n.len() > 255) {
        return Err(d.error(
            format!("alpn must be protocol names separated by commas, not '{text}'"),
            form,
        ));
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn server(text: &str) -> SslListenOptions {
        match text.parse::<ServerEndpoint>() {
            Ok(ServerEndpoint::Ssl(options)) => options,
            other => panic!("{other:?}"),
        }
    }

    fn client(text: &str) -> TlsConnectOptions {
        match text.parse::<ClientEndpoint>() {
            Ok(ClientEndpoint::Tls(options)) => options,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn ssl_servers_in_twisted_forms() {
        let full = server(
            "ssl:port=8443:interface=127.0.0.1:backlog=50:privateKey=key.pem:certKey=cert.pem:\
             extraCertChain=chain.pem:dhParameters=dh.pem:alpn=h2,http/1.1:caCerts=cas:\
             verifyClient=optional:handshakeTimeout=2.5",
        );
        assert_eq!(full.tcp.address, "127.0.0.1:8443".parse().unwrap());
        assert_eq!(full.tcp.backlog, 50);
        assert_eq!(
            full.tls,
            TlsServerOptions {
                private_key: "key.pem".into(),
                certificate: "cert.pem".into(),
                extra_chain: Some("chain.pem".into()),
                alpn: vec!["h2".into(), "http/1.1".into()],
                client_cas: Some("cas".into()),
                client_verification: ClientVerification::Optional,
                handshake_timeout: Duration::from_millis(2500),
            }
        );
        let short = server("ssl:8443:privateKey=both.pem");
        assert_eq!(short.tcp.address, "0.0.0.0:8443".parse().unwrap());
        assert_eq!(short.tls, TlsServerOptions::new("both.pem", "both.pem"));
        assert_eq!(
            server("ssl:1:privateKey=k:caCertsDir=d").tls.client_cas,
            Some("d".into())
        );
    }

    #[test]
    fn tls_clients_in_twisted_forms() {
        let full = client(
            "tls:host=example.org:port=443:trustRoots=ca.pem:certificate=me.pem:\
             privateKey=me.key:alpn=h2:timeout=5:handshakeTimeout=3",
        );
        assert_eq!(
            full,
            TlsConnectOptions {
                host: "example.org".into(),
                port: 443,
                timeout: Some(Duration::from_secs(5)),
                tls: TlsClientOptions {
                    trust_roots: Some("ca.pem".into()),
                    certificate: Some("me.pem".into()),
                    private_key: Some("me.key".into()),
                    alpn: vec!["h2".into()],
                    handshake_timeout: Some(Duration::from_secs(3)),
                },
            }
        );
        assert_eq!(
            client("tls:example.org:443"),
            client("tls:host=example.org:port=443")
        );
    }

    #[test]
    fn errors_name_the_fault() {
        for (text, fault) in [
            ("ssl:8443", "the privateKey is missing"),
            ("ssl:privateKey=k", "the port is missing"),
            ("ssl:8443:privateKey=", "privateKey is empty"),
            (
                "ssl:8443:privateKey=k:alpn=h2,,x",
                "alpn must be protocol names separated by commas, not 'h2,,x'",
            ),
            (
                "ssl:8443:privateKey=k:verifyClient=always",
                "verifyClient must be 'require' or 'optional', not 'always'",
            ),
            (
                "ssl:8443:privateKey=k:verifyClient=optional",
                "verifyClient needs caCerts (the CAs to verify against)",
            ),
            (
                "ssl:8443:privateKey=k:caCerts=a:caCertsDir=b",
                "caCerts and caCertsDir are the same option, given twice",
            ),
            (
                "ssl:8443:privateKey=k:handshakeTimeout=0",
                "handshakeTimeout must be a positive number of seconds, not '0'",
            ),
            (
                "ssl:8443:privateKey=k:method=TLSv1",
                "unknown option 'method'",
            ),
        ] {
            let message = text.parse::<ServerEndpoint>().unwrap_err().to_string();
            assert!(
                message.starts_with(&format!(
                    "invalid endpoint '{text}': {fault}; expected ssl:PORT"
                )),
                "{message}"
            );
        }
        for (text, fault) in [
            ("tls:example.org", "the port is missing"),
            ("tls:port=443", "the host is missing"),
            ("tls:h:443:privateKey=k", "privateKey needs a certificate"),
        ] {
            let message = text.parse::<ClientEndpoint>().unwrap_err().to_string();
            assert!(
                message.starts_with(&format!(
                    "invalid endpoint '{text}': {fault}; expected tls:"
                )),
                "{message}"
            );
        }
    }
}
