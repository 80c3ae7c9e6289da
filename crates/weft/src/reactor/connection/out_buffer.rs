//! [`OutBuffer`]: a connection's output waiting for the socket.

/// Output waiting for the socket. Holds no allocation while empty, so an
/// idle connection costs nothing here.
#[derive(Debug, Default)]
pub(crate) struct OutBuffer {
    bytes: Vec<u8>,
    /// Bytes before this offset were already sent.
    sent: usize,
}

impl OutBuffer {
    pub(crate) fn len(&self) -> usize {
        self.bytes.len() - self.sent
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub(crate) fn push(&mut self, data: &[u8]) {
        // Reclaim the sent prefix before growing, so a connection that
        // streams steadily reuses one buffer.
        if self.sent > 0 && self.bytes.len() + data.len() > self.bytes.capacity() {
            self.bytes.drain(..self.sent);
            self.sent = 0;
        }
        self.bytes.extend_from_slice(data);
    }

    pub(crate) fn unsent(&self) -> &[u8] {
        &self.bytes[self.sent..]
    }

    /// Records that `n` more bytes were sent; frees the buffer once all were.
    pub(crate) fn consume(&mut self, n: usize) {
        self.sent += n;
        if self.sent >= self.bytes.len() {
            *self = OutBuffer::default();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::OutBuffer;

    #[test]
    fn out_buffer_frees_itself_when_drained() {
        let mut out = OutBuffer::default();
        out.push(b"hello ");
        out.push(b"world");
        assert_eq!(out.unsent(), b"hello world");
        out.consume(6);
        assert_eq!(out.unsent(), b"world");
        out.push(b"!");
        assert_eq!(out.unsent(), b"world!");
        out.consume(6);
        assert!(out.is_empty());
        assert_eq!(out.bytes.capacity(), 0);
    }
}
