//! [`HeadReader`]: an HTTP/1.1 request head (request line and headers)
//! read from a byte stream in chunks of any size, with a bound on its
//! size; [`RequestHead`]: the head read.

use super::response::Status;

/// The most header fields a head may carry.
const MAX_FIELDS: usize = 64;

/// A request's method, target and header fields, owned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestHead {
    method: String,
    target: String,
    fields: Vec<(String, Vec<u8>)>,
    raw: Vec<u8>,
}

impl RequestHead {
    /// The method, such as `GET`.
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The request target as sent, such as `/watch?arena=2`.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// The target's path, without its query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or_default()
    }

    /// The value of query parameter `name` (not percent-decoded), if
    /// present.
    pub fn query(&self, name: &str) -> Option<&str> {
        let (_, query) = self.target.split_once('?')?;
        query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value)
    }

    /// The head's bytes as they came (to hand the request on whole).
    pub fn raw(&self) -> &[u8] {
        &self.raw
    }

    /// The value of the first header field named `name` (compared without
    /// regard to case).
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.fields
            .iter()
            .find(|(field, _)| field.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_slice())
    }

    /// Whether header field `name` lists `token` among its comma-separated
    /// values (compared without regard to case), as `Connection:
    /// keep-alive, Upgrade` lists `upgrade`.
    pub fn header_has_token(&self, name: &str, token: &str) -> bool {
        self.header(name).is_some_and(|value| {
            value
                .split(|&b| b == b',')
                .any(|part| part.trim_ascii().eq_ignore_ascii_case(token.as_bytes()))
        })
    }
}

/// Why a request head was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeadError {
    /// The head did not end within the size allowed.
    #[error("request head longer than {limit} bytes")]
    TooLarge {
        /// The size allowed, in bytes.
        limit: usize,
    },
    /// More header fields than allowed.
    #[error("more than {MAX_FIELDS} header fields")]
    TooManyFields,
    /// The bytes are not an HTTP/1.x request head.
    #[error("malformed request head: {0}")]
    Malformed(httparse::Error),
}

impl HeadError {
    /// The status that answers this error: 431 for a head too large, 400
    /// for a malformed one.
    pub fn status(&self) -> Status {
        match self {
            HeadError::TooLarge { .. } | HeadError::TooManyFields => {
                Status::REQUEST_HEADER_FIELDS_TOO_LARGE
            }
            HeadError::Malformed(_) => Status::BAD_REQUEST,
        }
    }
}

/// Reads one request head, keeping at most `limit` bytes of it.
///
/// Feed it chunks as they arrive; it answers with the head once the blank
/// line that ends it came, together with the bytes of that chunk that
/// follow it. Any way of cutting the stream gives the same result.
#[derive(Debug)]
pub struct HeadReader {
    buffer: Vec<u8>,
    limit: usize,
}

impl HeadReader {
    /// A reader of heads of at most `limit` bytes.
    pub fn new(limit: usize) -> Self {
        HeadReader {
            buffer: Vec::new(),
            limit,
        }
    }

    /// Feeds `data`: the head and the rest of `data` after it once the
    /// head is complete, `None` while it is not, or why it is refused.
    /// Once it answered, the reader is not to be fed again.
    pub fn feed<'a>(
        &mut self,
        data: &'a [u8],
    ) -> Result<Option<(RequestHead, &'a [u8])>, HeadError> {
        let before = self.buffer.len();
        let room = self.limit.saturating_sub(before);
        self.buffer.extend_from_slice(&data[..data.len().min(room)]);
        let mut fields = [httparse::EMPTY_HEADER; MAX_FIELDS];
        let mut request = httparse::Request::new(&mut fields);
        match request.parse(&self.buffer) {
            Ok(httparse::Status::Complete(end)) => {
                let mut head = RequestHead {
                    method: request.method.unwrap_or_default().to_owned(),
                    target: request.path.unwrap_or_default().to_owned(),
                    fields: request
                        .headers
                        .iter()
                        .map(|field| (field.name.to_owned(), field.value.to_owned()))
                        .collect(),
                    raw: Vec::new(),
                };
                // The request borrowed the buffer until here.
                self.buffer.truncate(end);
                head.raw = std::mem::take(&mut self.buffer);
                Ok(Some((head, &data[end - before..])))
            }
            Ok(httparse::Status::Partial) if self.buffer.len() >= self.limit => {
                Err(HeadError::TooLarge { limit: self.limit })
            }
            Ok(httparse::Status::Partial) => Ok(None),
            Err(httparse::Error::TooManyHeaders) => Err(HeadError::TooManyFields),
            Err(error) => Err(HeadError::Malformed(error)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const UPGRADE: &[u8] =
        b"GET /play?name=Ann HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, Upgrade\r\n\r\nrest";

    #[test]
    fn a_head_split_anywhere_reads_the_same_and_hands_back_what_follows() {
        for cut in 0..UPGRADE.len() {
            let mut reader = HeadReader::new(1024);
            let (first, second) = UPGRADE.split_at(cut);
            let (head, rest) = match reader.feed(first).unwrap() {
                Some((head, rest)) => (head, [rest, second].concat()),
                None => {
                    let (head, rest) = reader.feed(second).unwrap().expect("complete");
                    (head, rest.to_vec())
                }
            };
            assert_eq!(head.method(), "GET");
            assert_eq!(head.path(), "/play");
            assert_eq!(head.query("name"), Some("Ann"));
            assert!(head.header_has_token("connection", "upgrade"));
            assert_eq!(head.header("HOST"), Some(&b"x"[..]));
            assert_eq!(rest, b"rest", "cut at {cut}");
            assert_eq!(head.raw(), &UPGRADE[..UPGRADE.len() - 4]);
        }
    }

    #[test]
    fn a_head_past_the_limit_is_too_large_and_keeps_no_more_than_the_limit() {
        let mut reader = HeadReader::new(64);
        assert_eq!(reader.feed(b"GET / HTTP/1.1\r\n").unwrap(), None);
        let error = reader.feed(&[b'a'; 1000]).unwrap_err();
        assert_eq!(error, HeadError::TooLarge { limit: 64 });
        assert_eq!(error.status().code(), 431);
        assert!(reader.buffer.len() <= 64);
    }

    #[test]
    fn garbage_is_malformed_and_answered_400() {
        let mut reader = HeadReader::new(1024);
        let error = reader.feed(b"\x16\x03\x01 hello\r\n\r\n").unwrap_err();
        assert!(matches!(error, HeadError::Malformed(_)));
        assert_eq!(error.status().code(), 400);
    }

    #[test]
    fn too_many_fields_are_answered_431() {
        let mut head = b"GET / HTTP/1.1\r\n".to_vec();
        for n in 0..=MAX_FIELDS {
            head.extend_from_slice(format!("X-{n}: y\r\n").as_bytes());
        }
        head.extend_from_slice(b"\r\n");
        let error = HeadReader::new(1 << 16).feed(&head).unwrap_err();
        assert_eq!(error, HeadError::TooManyFields);
        assert_eq!(error.status().code(), 431);
    }
}
