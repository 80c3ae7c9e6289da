//! Recording the name a client asks for by SNI.
//!
//! rustls's unbuffered server connection does not tell it (its buffered
//! `ServerConnection` has `server_name()`, `UnbufferedServerConnection`
//! has no equivalent in rustls 0.23), so each server session's
//! configuration gets a certificate resolver that notes the name from
//! the client's hello, then asks the configured resolver as before. The
//! configuration is copied per connection (a handful of reference-counted
//! pointers) and dropped by rustls when the handshake ends.

use std::sync::{Arc, OnceLock};

use rustls::ServerConfig;
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

/// `config` with a resolver that records the client's SNI name in the
/// cell returned alongside.
pub(super) fn recording(config: &Arc<ServerConfig>) -> (Arc<ServerConfig>, Arc<OnceLock<String>>) {
    let name = Arc::new(OnceLock::new());
    let mut recording = ServerConfig::clone(config);
    recording.cert_resolver = Arc::new(RecordServerName {
        resolver: config.cert_resolver.clone(),
        name: name.clone(),
    });
    (Arc::new(recording), name)
}

/// Notes the SNI name of the hello it is asked about, then lets the
/// configured resolver choose the certificate.
#[derive(Debug)]
struct RecordServerName {
    resolver: Arc<dyn ResolvesServerCert>,
    name: Arc<OnceLock<String>>,
}

impl ResolvesServerCert for RecordServerName {
    fn resolve(&self, client_hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        if let Some(name) = client_hello.server_name() {
            // A second hello (after a HelloRetryRequest) names the same server.
            let _ = self.name.set(name.to_owned());
        }
        self.resolver.resolve(client_hello)
    }

    fn only_raw_public_keys(&self) -> bool {
        self.resolver.only_raw_public_keys()
    }
}
