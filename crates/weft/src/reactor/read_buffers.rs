//! [`ReadBuffers`]: the buffers a reactor reads into, and how a protocol's
//! write of the very bytes it was lent is queued without a copy.
//!
//! A read turn reads into one buffer and lends `&buffer[..n]` to
//! `data_received`. When the protocol writes (part of) that slice back —
//! an echo, a proxy, a filter that forwards what it does not change — and
//! the kernel does not take it all at once, the rest would have to be
//! copied into the connection's output. Instead the connection keeps a
//! counted reference to the buffer itself; the reactor reads on into
//! another one, and the buffer comes back to the pool once its bytes are
//! sent.

use std::cell::RefCell;
use std::ops::Range;
use std::rc::Rc;

/// Size of each read buffer.
pub(crate) const READ_BUFFER_SIZE: usize = 64 * 1024;
/// Spare buffers kept for reuse; more are freed.
const MAX_SPARE: usize = 16;

/// A reactor's read buffers.
#[derive(Default)]
pub(crate) struct ReadBuffers {
    spare: RefCell<Vec<Rc<[u8]>>>,
    /// The buffer lent to `data_received` right now, if any.
    lent: RefCell<Option<Rc<[u8]>>>,
}

impl ReadBuffers {
    /// A buffer nobody else holds, ready to read into.
    pub(crate) fn take(&self) -> Rc<[u8]> {
        self.spare
            .borrow_mut()
            .pop()
            .unwrap_or_else(|| Rc::from(vec![0; READ_BUFFER_SIZE]))
    }

    /// Takes a buffer back once nothing else holds it (dropped otherwise:
    /// its last holder frees it).
    pub(crate) fn recycle(&self, buffer: Rc<[u8]>) {
        let mut spare = self.spare.borrow_mut();
        if Rc::strong_count(&buffer) == 1 && spare.len() < MAX_SPARE {
            spare.push(buffer);
        }
    }

    /// Notes that `buffer` is lent to a protocol until [`end_lending`](Self::end_lending).
    pub(crate) fn lend(&self, buffer: &Rc<[u8]>) {
        *self.lent.borrow_mut() = Some(buffer.clone());
    }

    pub(crate) fn end_lending(&self) {
        self.lent.borrow_mut().take();
    }

    /// If `data` lies within the buffer lent right now, that buffer and
    /// where `data` lies in it.
    pub(crate) fn share(&self, data: &[u8]) -> Option<(Rc<[u8]>, Range<usize>)> {
        let lent = self.lent.borrow();
        let buffer = lent.as_ref()?;
        let base = buffer.as_ptr() as usize;
        let start = (data.as_ptr() as usize).checked_sub(base)?;
        let end = start.checked_add(data.len())?;
        (end <= buffer.len()).then(|| (buffer.clone(), start..end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_slices_of_the_lent_buffer_are_shared() {
        let buffers = ReadBuffers::default();
        let buffer = buffers.take();
        let elsewhere = vec![0u8; 16];
        assert!(buffers.share(&buffer[10..20]).is_none(), "not lent yet");
        buffers.lend(&buffer);
        let (shared, range) = buffers.share(&buffer[10..20]).unwrap();
        assert!(Rc::ptr_eq(&shared, &buffer));
        assert_eq!(range, 10..20);
        assert!(buffers.share(&elsewhere).is_none());
        buffers.end_lending();
        assert!(buffers.share(&buffer[10..20]).is_none());
        // Still held by `shared`: not taken back.
        buffers.recycle(buffer);
        assert!(buffers.spare.borrow().is_empty());
        buffers.recycle(shared);
        assert_eq!(buffers.spare.borrow().len(), 1);
    }
}
