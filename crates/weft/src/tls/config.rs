//! What a TLS server or client needs (certificates, keys, trust roots,
//! ALPN) as options naming files, and the rustls configurations loaded
//! from them, with errors that name the file and the fault.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rustls::RootCertStore;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{ClientConfig, ServerConfig};

/// How long a handshake may take before the connection is closed, unless
/// the endpoint's `handshakeTimeout=` says otherwise.
pub const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// A TLS configuration that could not be loaded. The message names the
/// file and what is wrong with it.
#[derive(Debug, thiserror::Error)]
pub enum TlsConfigError {
    /// A file could not be read.
    #[error("cannot read the {what} file '{}': {source}", path.display())]
    Read {
        /// What the file was to hold.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// Why it could not be read.
        #[source]
        source: std::io::Error,
    },
    /// A file holds no PEM section of the expected kind, or a malformed
    /// one.
    #[error("the {what} file '{}' holds no usable PEM {what}: {fault}", path.display())]
    Pem {
        /// What the file was to hold.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// What the PEM parser found wrong.
        fault: String,
    },
    /// rustls refused the certificates and key together (a key that does
    /// not match its certificate, a certificate it cannot parse).
    #[error("the certificate '{}' and private key '{}' cannot be used: {source}", certificate.display(), private_key.display())]
    Rejected {
        /// The certificate file.
        certificate: PathBuf,
        /// The key file.
        private_key: PathBuf,
        /// rustls's reason.
        #[source]
        source: rustls::Error,
    },
    /// The host of a `tls:` endpoint is neither a DNS name nor an IP
    /// address, so no certificate can be checked against it.
    #[error("'{host}' is not a host name or IP address a certificate can be checked against")]
    ServerName {
        /// The host as given.
        host: String,
    },
    /// The trust roots could not be used to verify peers.
    #[error("the CA certificates in '{}' cannot verify peers: {fault}", path.display())]
    Roots {
        /// The file or directory of CA certificates.
        path: PathBuf,
        /// What is wrong with them.
        fault: String,
    },
}

/// Whether a server that has client CAs requires a client certificate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ClientVerification {
    /// Every client must present a certificate signed by one of the CAs.
    #[default]
    Required,
    /// A client may present none; one it presents must verify.
    Optional,
}

/// A TLS server's settings, as files (the options of an `ssl:` endpoint).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsServerOptions {
    /// The PEM file of the private key (`privateKey=`).
    pub private_key: PathBuf,
    /// The PEM file of the certificate, followed by any intermediates
    /// (`certKey=`; the key file when not given).
    pub certificate: PathBuf,
    /// More intermediate certificates sent after the certificate's own
    /// (`extraCertChain=`).
    pub extra_chain: Option<PathBuf>,
    /// The protocols offered by ALPN, most preferred first (`alpn=`).
    pub alpn: Vec<String>,
    /// CA certificates (a PEM file, or a directory of them) that client
    /// certificates must chain to; `None` asks for no client certificate
    /// (`caCerts=`).
    pub client_cas: Option<PathBuf>,
    /// Whether a client certificate is required when `client_cas` is set
    /// (`verifyClient=require|optional`).
    pub client_verification: ClientVerification,
    /// How long a handshake may take (`handshakeTimeout=`).
    pub handshake_timeout: Duration,
}

impl TlsServerOptions {
    /// A server with the key and certificate chain in `private_key` and
    /// `certificate` (which may be the same file), no ALPN, no client
    /// certificates and the default handshake timeout.
    pub fn new(private_key: impl Into<PathBuf>, certificate: impl Into<PathBuf>) -> Self {
        TlsServerOptions {
            private_key: private_key.into(),
            certificate: certificate.into(),
            extra_chain: None,
            alpn: Vec::new(),
            client_cas: None,
            client_verification: ClientVerification::Required,
            handshake_timeout: DEFAULT_HANDSHAKE_TIMEOUT,
        }
    }

    /// Reads the files and builds the rustls configuration.
    pub fn load(&self) -> Result<Arc<ServerConfig>, TlsConfigError> {
        let key = read_private_key(&self.private_key)?;
        let mut chain = read_certificates("certificate", &self.certificate)?;
        if let Some(extra) = &self.extra_chain {
            chain.extend(read_certificates("certificate chain", extra)?);
        }
        let builder = ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .expect("ring supports the default protocol versions");
        let builder = match &self.client_cas {
            None => builder.with_no_client_auth(),
            Some(path) => builder.with_client_cert_verifier(self.client_verifier(path)?),
        };
        let mut config =
            builder
                .with_single_cert(chain, key)
                .map_err(|source| TlsConfigError::Rejected {
                    certificate: self.certificate.clone(),
                    private_key: self.private_key.clone(),
                    source,
                })?;
        config.alpn_protocols = alpn(&self.alpn);
        Ok(Arc::new(config))
    }

    fn client_verifier(
        &self,
        path: &Path,
    ) -> Result<Arc<dyn rustls::server::danger::ClientCertVerifier>, TlsConfigError> {
        let roots = read_roots(path)?;
        let builder = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider());
        let builder = match self.client_verification {
            ClientVerification::Required => builder,
            ClientVerification::Optional => builder.allow_unauthenticated(),
        };
        builder.build().map_err(|error| TlsConfigError::Roots {
            path: path.to_path_buf(),
            fault: error.to_string(),
        })
    }
}

/// A TLS client's settings, as files (the options of a `tls:` endpoint).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TlsClientOptions {
    /// CA certificates (a PEM file or a directory of them) to trust
    /// instead of the built-in web roots (`trustRoots=`).
    pub trust_roots: Option<PathBuf>,
    /// A client certificate chain to present (`certificate=`), with its
    /// key (`privateKey=`, the certificate's file when not given).
    pub certificate: Option<PathBuf>,
    /// The client certificate's private key.
    pub private_key: Option<PathBuf>,
    /// The protocols asked for by ALPN, most preferred first (`alpn=`).
    pub alpn: Vec<String>,
    /// How long a handshake may take (`handshakeTimeout=`); the default
    /// when `None`.
    pub handshake_timeout: Option<Duration>,
}

impl TlsClientOptions {
    /// Reads the files and builds the rustls configuration.
    pub fn load(&self) -> Result<Arc<ClientConfig>, TlsConfigError> {
        let roots = match &self.trust_roots {
            Some(path) => read_roots(path)?,
            None => RootCertStore {
                roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
            },
        };
        let builder = ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .expect("ring supports the default protocol versions")
            .with_root_certificates(roots);
        let mut config = match &self.certificate {
            None => builder.with_no_client_auth(),
            Some(certificate) => {
                let private_key = self.private_key.as_ref().unwrap_or(certificate);
                let chain = read_certificates("certificate", certificate)?;
                let key = read_private_key(private_key)?;
                builder
                    .with_client_auth_cert(chain, key)
                    .map_err(|source| TlsConfigError::Rejected {
                        certificate: certificate.clone(),
                        private_key: private_key.clone(),
                        source,
                    })?
            }
        };
        config.alpn_protocols = alpn(&self.alpn);
        Ok(Arc::new(config))
    }

    /// The handshake timeout in force.
    pub fn handshake_timeout(&self) -> Duration {
        self.handshake_timeout.unwrap_or(DEFAULT_HANDSHAKE_TIMEOUT)
    }
}

/// The one crypto provider weft's TLS uses: *ring*.
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn alpn(protocols: &[String]) -> Vec<Vec<u8>> {
    protocols.iter().map(|p| p.as_bytes().to_vec()).collect()
}

fn read(what: &'static str, path: &Path) -> Result<Vec<u8>, TlsConfigError> {
    std::fs::read(path).map_err(|source| TlsConfigError::Read {
        what,
        path: path.to_path_buf(),
        source,
    })
}

fn pem_fault(what: &'static str, path: &Path, fault: impl ToString) -> TlsConfigError {
    TlsConfigError::Pem {
        what,
        path: path.to_path_buf(),
        fault: fault.to_string(),
    }
}

/// Every certificate of a PEM file, in order; at least one.
fn read_certificates(
    what: &'static str,
    path: &Path,
) -> Result<Vec<CertificateDer<'static>>, TlsConfigError> {
    let pem = read(what, path)?;
    let certificates = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| pem_fault(what, path, error))?;
    if certificates.is_empty() {
        return Err(pem_fault(what, path, "no CERTIFICATE section was found"));
    }
    Ok(certificates)
}

/// The first private key of a PEM file (PKCS#8, PKCS#1 or SEC1).
fn read_private_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsConfigError> {
    let what = "private key";
    let pem = read(what, path)?;
    PrivateKeyDer::from_pem_slice(&pem).map_err(|error| match error {
        rustls::pki_types::pem::Error::NoItemsFound => {
            pem_fault(what, path, "no PRIVATE KEY section was found")
        }
        other => pem_fault(what, path, other),
    })
}

/// The CA certificates of a PEM file, or of every `.pem` and `.crt` file
/// of a directory.
fn read_roots(path: &Path) -> Result<RootCertStore, TlsConfigError> {
    let what = "CA certificate";
    let files = if path.is_dir() {
        let entries = std::fs::read_dir(path).map_err(|source| TlsConfigError::Read {
            what,
            path: path.to_path_buf(),
            source,
        })?;
        let mut files: Vec<PathBuf> = entries
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "pem" || e == "crt"))
            .collect();
        files.sort();
        files
    } else {
        vec![path.to_path_buf()]
    };
    let mut roots = RootCertStore::empty();
    for file in &files {
        for certificate in read_certificates(what, file)? {
            roots
                .add(certificate)
                .map_err(|error| pem_fault(what, file, error))?;
        }
    }
    if roots.is_empty() {
        return Err(TlsConfigError::Roots {
            path: path.to_path_buf(),
            fault: "no .pem or .crt file holds a CA certificate".into(),
        });
    }
    Ok(roots)
}
