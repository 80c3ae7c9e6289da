//! A self-signed certificate for `localhost`, made with rcgen for the TLS
//! tests, and what a server and a client do with it.

use std::path::PathBuf;
use std::sync::Arc;

/// A self-signed certificate for `localhost` and its key, as PEM files in
/// a directory removed at the end.
pub struct Certificate {
    dir: PathBuf,
    pub certificate: PathBuf,
    pub key: PathBuf,
    der: rustls::pki_types::CertificateDer<'static>,
}

impl Certificate {
    /// Makes one, in a directory of its own named after `name`.
    pub fn new(name: &str) -> Certificate {
        let dir = std::env::temp_dir().join(format!("boom-tls-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let generated = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
        let certificate = dir.join("cert.pem");
        let key = dir.join("key.pem");
        std::fs::write(&certificate, generated.cert.pem()).unwrap();
        std::fs::write(&key, generated.signing_key.serialize_pem()).unwrap();
        Certificate {
            dir,
            certificate,
            key,
            der: generated.cert.der().clone(),
        }
    }

    /// An `ssl:` endpoint on a free port of `interface` with this
    /// certificate.
    pub fn ssl_endpoint(&self, interface: &str) -> String {
        format!(
            "ssl:port=0:interface={interface}:privateKey={}:certKey={}",
            self.key.display(),
            self.certificate.display()
        )
    }

    /// A client configuration that trusts this certificate only.
    pub fn client_config(&self) -> Arc<rustls::ClientConfig> {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(self.der.clone()).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        Arc::new(config)
    }
}

impl Drop for Certificate {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
