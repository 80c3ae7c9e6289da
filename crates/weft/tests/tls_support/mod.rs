//! Certificates made for TLS tests with rcgen: a CA, and server and client
//! certificates it signs (good, expired, for the wrong name), plus a
//! server certificate from a CA nobody trusts; written as PEM files to a
//! directory removed at the end.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use weft::tls::{
    ClientConfig, ServerConfig, ServerName, TlsClientOptions, TlsRole, TlsServerOptions,
};

/// A certificate and its key, as PEM files.
pub struct Identity {
    pub certificate: PathBuf,
    pub key: PathBuf,
}

/// The files of one test's public-key infrastructure.
pub struct Pki {
    dir: PathBuf,
    /// The CA that signs everything below but `untrusted`.
    pub ca: PathBuf,
    /// For `localhost` and `127.0.0.1`.
    pub server: Identity,
    /// Key and certificate in one file (Twisted's `privateKey=` alone).
    pub server_combined: PathBuf,
    /// For `localhost`, expired in 2001.
    pub expired: Identity,
    /// For `example.org` only.
    pub wrong_name: Identity,
    /// For `localhost`, signed by a CA nobody trusts.
    pub untrusted: Identity,
    /// A client certificate signed by the CA.
    pub client: Identity,
}

impl Pki {
    /// Makes every certificate, in a fresh directory.
    pub fn new() -> Pki {
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "weft-tls-{}-{}",
            std::process::id(),
            COUNT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).expect("temporary directory");
        let ca = authority("weft test CA");
        let other_ca = authority("nobody's CA");
        let ca_file = write(&dir, "ca.pem", &ca.pem());
        let server = leaf(&dir, "server", &["localhost", "127.0.0.1"], &ca, |_| {});
        let combined = format!(
            "{}{}",
            std::fs::read_to_string(&server.key).unwrap(),
            std::fs::read_to_string(&server.certificate).unwrap()
        );
        let server_combined = write(&dir, "combined.pem", &combined);
        let expired = leaf(&dir, "expired", &["localhost"], &ca, |params| {
            params.not_before = rcgen::date_time_ymd(2000, 1, 1);
            params.not_after = rcgen::date_time_ymd(2001, 1, 1);
        });
        let wrong_name = leaf(&dir, "wrong-name", &["example.org"], &ca, |_| {});
        let untrusted = leaf(&dir, "untrusted", &["localhost"], &other_ca, |_| {});
        let client = leaf(&dir, "client", &["client.test"], &ca, |params| {
            params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        });
        Pki {
            dir,
            ca: ca_file,
            server,
            server_combined,
            expired,
            wrong_name,
            untrusted,
            client,
        }
    }

    /// The directory of the files.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The server's configuration with `identity`.
    pub fn server_config(&self, identity: &Identity) -> Arc<ServerConfig> {
        TlsServerOptions::new(&identity.key, &identity.certificate)
            .load()
            .expect("server configuration")
    }

    /// A server role with the good certificate.
    pub fn server_role(&self) -> TlsRole {
        TlsRole::Server(self.server_config(&self.server))
    }

    /// A client configuration trusting only the test CA.
    pub fn client_config(&self) -> Arc<ClientConfig> {
        TlsClientOptions {
            trust_roots: Some(self.ca.clone()),
            ..TlsClientOptions::default()
        }
        .load()
        .expect("client configuration")
    }

    /// A client role for `localhost`, trusting the test CA.
    pub fn client_role(&self) -> TlsRole {
        self.client_role_with(TlsClientOptions {
            trust_roots: Some(self.ca.clone()),
            ..TlsClientOptions::default()
        })
    }

    /// A client role for `localhost` with `options`.
    pub fn client_role_with(&self, options: TlsClientOptions) -> TlsRole {
        TlsRole::Client(
            options.load().expect("client configuration"),
            ServerName::try_from("localhost").unwrap(),
        )
    }
}

impl Drop for Pki {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn authority(name: &str) -> CertifiedIssuer<'static, KeyPair> {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name.push(DnType::CommonName, name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap()
}

fn leaf(
    dir: &Path,
    name: &str,
    names: &[&str],
    issuer: &CertifiedIssuer<'static, KeyPair>,
    adjust: impl FnOnce(&mut CertificateParams),
) -> Identity {
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    let mut params = CertificateParams::new(names).unwrap();
    params.distinguished_name.push(DnType::CommonName, name);
    adjust(&mut params);
    let key = KeyPair::generate().unwrap();
    let certificate = params.signed_by(&key, issuer).unwrap();
    Identity {
        certificate: write(dir, &format!("{name}.crt"), &certificate.pem()),
        key: write(dir, &format!("{name}.key"), &key.serialize_pem()),
    }
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write a PEM file");
    path
}
