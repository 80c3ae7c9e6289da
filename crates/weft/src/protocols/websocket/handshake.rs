//! [`accept`]: the server's side of the WebSocket opening handshake.

use tungstenite::handshake::derive_accept_key;

use crate::protocols::http::{RequestHead, Response, Status};

/// The only version of the protocol spoken (RFC 6455).
const VERSION: &str = "13";

/// The answer to a request for a WebSocket: `Ok` with the `101 Switching
/// Protocols` response when it is a valid opening handshake, or `Err`
/// with the response that refuses it — 426 (naming the version spoken)
/// when it asks for no WebSocket or for another version, 400 when its
/// key is missing or malformed.
pub fn accept(request: &RequestHead) -> Result<Response, Response> {
    if !request.header_has_token("Upgrade", "websocket") {
        return Err(Response::error(
            Status::UPGRADE_REQUIRED,
            "this address speaks WebSocket only",
        )
        .field("Upgrade", "websocket")
        .field("Sec-WebSocket-Version", VERSION));
    }
    if request.header("Sec-WebSocket-Version") != Some(VERSION.as_bytes()) {
        return Err(Response::error(
            Status::UPGRADE_REQUIRED,
            "unsupported WebSocket version: this server speaks version 13",
        )
        .field("Upgrade", "websocket")
        .field("Sec-WebSocket-Version", VERSION));
    }
    if !request.header_has_token("Connection", "upgrade") {
        return Err(Response::error(
            Status::BAD_REQUEST,
            "a WebSocket handshake needs 'Connection: Upgrade'",
        ));
    }
    let key = request
        .header("Sec-WebSocket-Key")
        .map(<[u8]>::trim_ascii)
        .filter(|key| is_key(key))
        .ok_or_else(|| {
            Response::error(
                Status::BAD_REQUEST,
                "a WebSocket handshake needs a Sec-WebSocket-Key of 16 bytes in base64",
            )
        })?;
    Ok(Response::new(Status::SWITCHING_PROTOCOLS)
        .field("Upgrade", "websocket")
        .field("Connection", "Upgrade")
        .field("Sec-WebSocket-Accept", derive_accept_key(key)))
}

/// Whether `key` is 16 bytes in base64: 22 characters of the alphabet and
/// `==`.
fn is_key(key: &[u8]) -> bool {
    key.len() == 24
        && key.ends_with(b"==")
        && key[..22]
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocols::http::HeadReader;

    fn head(text: &str) -> RequestHead {
        HeadReader::new(4096)
            .feed(text.as_bytes())
            .unwrap()
            .expect("a whole head")
            .0
    }

    #[test]
    fn the_rfc_example_is_accepted_with_its_key() {
        let response = accept(&head(
            "GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\n\
             Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
             Sec-WebSocket-Version: 13\r\n\r\n",
        ))
        .unwrap();
        let text = String::from_utf8(response.to_bytes()).unwrap();
        assert!(text.starts_with("HTTP/1.1 101 Switching Protocols\r\n"));
        assert!(text.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"));
    }

    #[test]
    fn a_plain_get_or_another_version_needs_an_upgrade() {
        let plain = accept(&head("GET /chat HTTP/1.1\r\n\r\n")).unwrap_err();
        assert_eq!(plain.status(), Status::UPGRADE_REQUIRED);
        let old = accept(&head(
            "GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n",
        ))
        .unwrap_err();
        assert_eq!(old.status(), Status::UPGRADE_REQUIRED);
    }

    #[test]
    fn a_missing_or_malformed_key_is_a_bad_request() {
        for key in ["", "Sec-WebSocket-Key: short\r\n"] {
            let refused = accept(&head(&format!(
                "GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n{key}\
                 Sec-WebSocket-Version: 13\r\n\r\n"
            )))
            .unwrap_err();
            assert_eq!(refused.status(), Status::BAD_REQUEST, "{key:?}");
        }
    }
}
