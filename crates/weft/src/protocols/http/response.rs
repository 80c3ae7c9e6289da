//! [`Status`] and [`Response`]: an HTTP/1.1 response, written whole.

use std::fmt::Write as _;

/// A status code and its reason phrase.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Status {
    code: u16,
    reason: &'static str,
}

impl Status {
    /// 101: the connection now speaks the protocol asked for.
    pub const SWITCHING_PROTOCOLS: Status = Status::new(101, "Switching Protocols");
    /// 200.
    pub const OK: Status = Status::new(200, "OK");
    /// 400: the request is malformed.
    pub const BAD_REQUEST: Status = Status::new(400, "Bad Request");
    /// 404: nothing is served at that path.
    pub const NOT_FOUND: Status = Status::new(404, "Not Found");
    /// 405: the path is served, not with that method.
    pub const METHOD_NOT_ALLOWED: Status = Status::new(405, "Method Not Allowed");
    /// 408: the request head did not arrive in time.
    pub const REQUEST_TIMEOUT: Status = Status::new(408, "Request Timeout");
    /// 426: the path is served over another protocol (WebSocket).
    pub const UPGRADE_REQUIRED: Status = Status::new(426, "Upgrade Required");
    /// 431: the request head is too large.
    pub const REQUEST_HEADER_FIELDS_TOO_LARGE: Status =
        Status::new(431, "Request Header Fields Too Large");

    /// A status with `code` and `reason`.
    pub const fn new(code: u16, reason: &'static str) -> Status {
        Status { code, reason }
    }

    /// The three-digit code.
    pub fn code(&self) -> u16 {
        self.code
    }

    /// The reason phrase.
    pub fn reason(&self) -> &'static str {
        self.reason
    }
}

/// A response: status, header fields, body; [`to_bytes`](Self::to_bytes)
/// writes it with its `Content-Length`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    status: Status,
    fields: Vec<(&'static str, String)>,
    body: Vec<u8>,
}

impl Response {
    /// A response with `status`, no fields and an empty body.
    pub fn new(status: Status) -> Self {
        Response {
            status,
            fields: Vec::new(),
            body: Vec::new(),
        }
    }

    /// An error answer: `status`, with `why` as a plain-text body, closing
    /// the connection.
    pub fn error(status: Status, why: &str) -> Self {
        Response::new(status)
            .field("Connection", "close")
            .body("text/plain; charset=utf-8", format!("{why}\n").into_bytes())
    }

    /// Adds a header field.
    pub fn field(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.fields.push((name, value.into()));
        self
    }

    /// Sets the body, of type `content_type`.
    pub fn body(self, content_type: &'static str, body: impl Into<Vec<u8>>) -> Self {
        let mut response = self.field("Content-Type", content_type);
        response.body = body.into();
        response
    }

    /// The status.
    pub fn status(&self) -> Status {
        self.status
    }

    /// The response as sent: status line, fields, `Content-Length` (except
    /// for 101), blank line, body.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut head = format!("HTTP/1.1 {} {}\r\n", self.status.code, self.status.reason);
        for (name, value) in &self.fields {
            let _ = write!(head, "{name}: {value}\r\n");
        }
        if self.status != Status::SWITCHING_PROTOCOLS {
            let _ = write!(head, "Content-Length: {}\r\n", self.body.len());
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(&self.body);
        bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_response_has_its_status_line_fields_length_and_body() {
        let bytes = Response::new(Status::OK)
            .body("text/plain", "hi")
            .to_bytes();
        assert_eq!(
            bytes,
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi"
        );
    }

    #[test]
    fn an_error_says_why_and_closes() {
        let text = String::from_utf8(Response::error(Status::NOT_FOUND, "no such page").to_bytes())
            .unwrap();
        assert!(text.starts_with("HTTP/1.1 404 Not Found\r\n"));
        assert!(text.contains("Connection: close\r\n"));
        assert!(text.ends_with("\r\n\r\nno such page\n"));
    }
}
