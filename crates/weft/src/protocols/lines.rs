//! Line framing (Twisted's `LineReceiver`), sans-I/O.
//!
//! [`LineDecoder`] cuts a byte stream into lines ended by a [`Delimiter`]
//! (CR LF by default) and hands them out one [`LineEvent`] at a time. Between
//! two events the caller may switch the decoder to *raw mode* and back, as
//! Twisted's `setRawMode` / `setLineMode` do: every byte after the switch
//! point is delivered in the new mode, even when the switch happens in the
//! middle of a chunk.
//!
//! ```
//! use weft::protocols::lines::{LineDecoder, LineEvent};
//!
//! let mut decoder = LineDecoder::new();
//! let mut input: &[u8] = b"PUT 5\r\nhelloQUIT\r\n";
//! assert_eq!(decoder.next_event(&mut input), Some(LineEvent::Line(b"PUT 5")));
//! decoder.set_raw_mode_for(5); // the next 5 bytes are a body
//! assert_eq!(decoder.next_event(&mut input), Some(LineEvent::Raw(b"hello")));
//! // back in line mode by itself after 5 raw bytes
//! assert_eq!(decoder.next_event(&mut input), Some(LineEvent::Line(b"QUIT")));
//! assert_eq!(decoder.next_event(&mut input), None);
//! ```
//!
//! # Over-long lines
//!
//! A line longer than the maximum (16 KiB by default, not counting the
//! delimiter) is never buffered whole. The decoder reports
//! [`LineEvent::LineTooLong`] once for that line, as soon as it has seen
//! enough of it to know (`max + delimiter length` bytes without a delimiter;
//! with [`Delimiter::CrLfOrLf`], `max + 2` bytes without LF, or `max + 1`
//! bytes then a bare LF; with [`Delimiter::CrOrLf`], `max + 1` bytes
//! without CR or LF), and then *discards* the rest of the line up to and
//! including the next delimiter, keeping at most `delimiter length - 1` bytes
//! to recognise a delimiter cut across two chunks (the line's buffer is
//! freed). Decoding resumes with the line after it.
//! The usual reaction (Twisted's default `lineLengthExceeded`) is to close the
//! connection with a reason that says so; a caller that prefers to go on
//! simply keeps pulling events. A caller that switches to raw mode right
//! after the event receives the bytes after the point of detection instead,
//! and nothing is discarded.
//!
//! Where the event falls in the stream depends only on the bytes, never on
//! how they were cut into chunks, so even a switch to raw mode after it sees
//! the same bytes for any split.

use memchr::memmem::Finder;

/// The default maximum line length: 16 KiB (Twisted's `MAX_LENGTH`).
pub const DEFAULT_MAX_LINE_LENGTH: usize = 16 * 1024;

/// A buffer emptied with more capacity than this is given back to the
/// allocator, so that an idle connection costs little memory.
const RELEASE_CAPACITY: usize = 1024;

/// Delimiters up to this long are found by their last byte; longer ones by
/// a substring search.
const SHORT_DELIMITER: usize = 4;

/// The smallest allocation made for a partial line.
const MIN_CAPACITY: usize = 64;

/// What ends a line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Delimiter {
    /// CR LF (`"\r\n"`), the Internet's line ending; the default. A bare LF
    /// is part of the line.
    #[default]
    CrLf,
    /// LF alone (`"\n"`). A CR before it is part of the line.
    Lf,
    /// LF, with one CR right before it removed: accepts both `"\r\n"` and a
    /// bare `"\n"` (what a stock `telnet` or `nc` user may send). Encoders
    /// write `"\r\n"`.
    CrLfOrLf,
    /// A CR, an LF, or CR LF: each ends one line (an LF right after a CR
    /// that ended a line, in the same chunk or the next, is skipped, so CR
    /// LF ends one line, not two). What a Telnet client in character mode
    /// sends for Enter (`CR NUL`, which the telnet layer turns into a bare
    /// CR) ends a line, as do the CR LF of line mode and the LF of `nc`.
    /// Encoders write `"\r\n"`, and refuse a line holding either byte.
    CrOrLf,
    /// Any other byte string (Twisted's `delimiter` attribute), made with
    /// [`Delimiter::bytes`], which refuses an empty one. The first
    /// occurrence in the stream ends the line.
    Bytes(DelimiterBytes),
}

/// The non-empty byte string of a [`Delimiter::Bytes`]; made by
/// [`Delimiter::bytes`], so it is never empty.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DelimiterBytes(Vec<u8>);

/// [`Delimiter::bytes`] was given no bytes: an empty delimiter would end a
/// line before every byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a line delimiter must not be empty: give at least one byte, such as b\"\\n\"")]
pub struct EmptyDelimiter;

impl Delimiter {
    /// A delimiter of any byte string; fails on an empty one.
    pub fn bytes(bytes: impl Into<Vec<u8>>) -> Result<Delimiter, EmptyDelimiter> {
        let bytes = bytes.into();
        if bytes.is_empty() {
            return Err(EmptyDelimiter);
        }
        Ok(Delimiter::Bytes(DelimiterBytes(bytes)))
    }

    /// The bytes written after a line by [`LineEncoder`].
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Delimiter::CrLf | Delimiter::CrLfOrLf | Delimiter::CrOrLf => b"\r\n",
            Delimiter::Lf => b"\n",
            Delimiter::Bytes(DelimiterBytes(bytes)) => bytes,
        }
    }

    /// The byte string searched for in the stream: LF for
    /// [`CrLfOrLf`](Delimiter::CrLfOrLf) (the CR is stripped afterwards);
    /// one byte for [`CrOrLf`](Delimiter::CrOrLf), which is searched for
    /// CR and LF alike.
    fn needle(&self) -> &[u8] {
        match self {
            Delimiter::CrLfOrLf | Delimiter::CrOrLf => b"\n",
            other => other.as_bytes(),
        }
    }
}

/// One step of a [`LineDecoder`]'s output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineEvent<'a> {
    /// A complete line, without its delimiter. It may be empty and may
    /// contain any byte, NUL included.
    Line(&'a [u8]),
    /// Bytes received in raw mode, never empty. How raw bytes are cut into
    /// events depends on how they arrived; only their concatenation is
    /// meaningful.
    Raw(&'a [u8]),
    /// The current line is longer than the maximum. Reported once per
    /// over-long line; see the [module docs](self) for what happens next.
    LineTooLong,
}

/// How a [`LineDecoder`] reads the bytes it is given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Bytes are cut into lines.
    Line,
    /// Bytes are delivered as they come, until the mode is changed.
    Raw,
    /// The next `remaining` bytes (never 0) are delivered raw, then the
    /// decoder returns to line mode by itself.
    RawFor {
        /// Raw bytes still to deliver before line mode resumes.
        remaining: u64,
    },
}

/// A sans-I/O line decoder: bytes in, [`LineEvent`]s out.
///
/// Feed it a chunk through a cursor and pull events until it returns `None`:
///
/// ```
/// use weft::protocols::lines::{LineDecoder, LineEvent};
///
/// let mut decoder = LineDecoder::new();
/// for chunk in [&b"hel"[..], b"lo\r\nwor", b"ld\r\n"] {
///     let mut input = chunk;
///     while let Some(event) = decoder.next_event(&mut input) {
///         match event {
///             LineEvent::Line(line) => println!("line {line:?}"),
///             LineEvent::Raw(bytes) => println!("raw {bytes:?}"),
///             LineEvent::LineTooLong => return, // close the connection
///         }
///     }
/// }
/// ```
///
/// Contract:
/// - Any split of the same stream into chunks yields the same lines and
///   [`LineTooLong`](LineEvent::LineTooLong) events at the same places, and
///   the same raw bytes, provided mode switches happen in response to events
///   (not to chunk boundaries).
/// - A line that lies whole in the current chunk is a slice of that chunk (no
///   copy). Only an incomplete line is copied into the decoder's buffer.
/// - The buffer never holds more than `max_line_length + delimiter length + 1`
///   bytes, whatever the input; an emptied buffer over 1 KiB is freed.
/// - Mode switches take effect at the next call: every byte after the last
///   event is read in the new mode.
#[derive(Debug, Clone)]
pub struct LineDecoder {
    delimiter: Delimiter,
    /// A substring searcher, for delimiters longer than [`SHORT_DELIMITER`]
    /// only (it is large; most connections do without).
    finder: Option<Box<Finder<'static>>>,
    /// Strip one CR before the LF ([`Delimiter::CrLfOrLf`]).
    strip_cr: bool,
    /// A CR ends a line as an LF does ([`Delimiter::CrOrLf`]).
    any_eol: bool,
    /// The last line ended with a CR: an LF that comes next is part of
    /// its end ([`Delimiter::CrOrLf`]).
    after_cr: bool,
    /// How many trailing bytes of a discarded line may begin a delimiter.
    keep: usize,
    max_line_length: usize,
    /// A pending line this long, with no delimiter in it, is over-long.
    trip: usize,
    mode: Mode,
    /// Skipping the rest of an over-long line; `buf` holds at most `keep`
    /// bytes of it.
    discarding: bool,
    buf: Vec<u8>,
    /// Bytes at the front of `buf` already handed out, dropped at the next
    /// call.
    spent: usize,
}

impl Default for LineDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl LineDecoder {
    /// A decoder for CR LF lines of at most [`DEFAULT_MAX_LINE_LENGTH`]
    /// bytes, in line mode.
    pub fn new() -> Self {
        Self::with(Delimiter::CrLf, DEFAULT_MAX_LINE_LENGTH)
    }

    /// This decoder, ending lines with `delimiter` instead. Meant for
    /// configuring a new decoder: the result starts afresh, in line mode.
    pub fn with_delimiter(self, delimiter: Delimiter) -> Self {
        Self::with(delimiter, self.max_line_length)
    }

    /// This decoder, accepting lines of at most `max_line_length` bytes
    /// (delimiter not counted). Meant for configuring a new decoder: the
    /// result starts afresh, in line mode. `0` accepts only empty lines;
    /// `usize::MAX` means no limit (and no bound on memory).
    pub fn with_max_line_length(self, max_line_length: usize) -> Self {
        Self::with(self.delimiter, max_line_length)
    }

    fn with(delimiter: Delimiter, max_line_length: usize) -> Self {
        let needle = delimiter.needle();
        let finder =
            (needle.len() > SHORT_DELIMITER).then(|| Box::new(Finder::new(needle).into_owned()));
        let strip_cr = delimiter == Delimiter::CrLfOrLf;
        let any_eol = delimiter == Delimiter::CrOrLf;
        let keep = needle.len() - 1;
        // Bytes that may end a pending line without being part of it: the
        // start of a delimiter, or the CR before an LF.
        let slack = if strip_cr { 1 } else { keep };
        LineDecoder {
            delimiter,
            finder,
            strip_cr,
            any_eol,
            after_cr: false,
            keep,
            max_line_length,
            trip: max_line_length.saturating_add(slack + 1),
            mode: Mode::Line,
            discarding: false,
            buf: Vec::new(),
            spent: 0,
        }
    }

    /// The delimiter this decoder cuts lines at.
    pub fn delimiter(&self) -> &Delimiter {
        &self.delimiter
    }

    /// The longest line accepted, delimiter not counted.
    pub fn max_line_length(&self) -> usize {
        self.max_line_length
    }

    /// An encoder writing lines this decoder reads back.
    pub fn encoder(&self) -> LineEncoder {
        LineEncoder::new(self.delimiter.clone())
    }

    /// The current mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Delivers every byte after the last event as [`LineEvent::Raw`] until
    /// [`set_line_mode`](Self::set_line_mode) is called (Twisted's
    /// `setRawMode`). An incomplete line held in the buffer comes out first,
    /// as raw bytes. Ends the discarding of an over-long line. (With
    /// [`Delimiter::CrOrLf`], an LF right after the CR that ended the last
    /// line is raw too.)
    pub fn set_raw_mode(&mut self) {
        self.stop_discarding();
        self.mode = Mode::Raw;
    }

    /// Delivers the next `count` bytes as [`LineEvent::Raw`], then returns to
    /// line mode by itself: the way to read a body of known length between
    /// lines. `count == 0` is line mode. Ends the discarding of an over-long
    /// line.
    pub fn set_raw_mode_for(&mut self, count: u64) {
        self.stop_discarding();
        self.mode = match count {
            0 => Mode::Line,
            remaining => Mode::RawFor { remaining },
        };
    }

    /// Cuts every byte after the last event into lines again (Twisted's
    /// `setLineMode`).
    pub fn set_line_mode(&mut self) {
        self.mode = Mode::Line;
    }

    /// The bytes of an incomplete line held by the decoder (empty while the
    /// rest of an over-long line is being discarded).
    pub fn pending(&self) -> &[u8] {
        if self.discarding {
            &[]
        } else {
            &self.buf[self.spent..]
        }
    }

    /// Takes the incomplete line out of the decoder, leaving it empty (for a
    /// connection that ends, or Twisted's `clearLineBuffer`). Returns nothing
    /// and changes nothing while the rest of an over-long line is being
    /// discarded.
    pub fn take_pending(&mut self) -> Vec<u8> {
        if self.discarding {
            return Vec::new();
        }
        let pending = self.pending().to_vec();
        self.buf = Vec::new();
        self.spent = 0;
        pending
    }

    /// The error to close a connection with after
    /// [`LineEvent::LineTooLong`]: it names the limit.
    pub fn too_long_error(&self) -> LineTooLong {
        LineTooLong {
            max_line_length: self.max_line_length,
        }
    }

    /// The capacity of the internal buffer, in bytes: the memory this
    /// decoder holds (bounded by the maximum line length plus the delimiter
    /// length plus one).
    pub fn buffer_capacity(&self) -> usize {
        self.buf.capacity()
    }

    /// Decodes the next event from `input`, advancing it past the bytes
    /// used.
    ///
    /// Returns `None` when `input` is used up; it is then empty, and an
    /// incomplete line is kept for the next call. The event borrows the
    /// decoder: drop it before switching modes.
    pub fn next_event<'s, 'c: 's>(&'s mut self, input: &mut &'c [u8]) -> Option<LineEvent<'s>> {
        if self.spent > 0 {
            self.buf.drain(..self.spent);
            self.spent = 0;
        }
        loop {
            if self.mode != Mode::Line {
                return self.next_raw(input);
            }
            if !self.discarding {
                return self.next_line(input);
            }
            if !self.skip_discarded(input) {
                return self.need_more();
            }
        }
    }

    fn stop_discarding(&mut self) {
        self.after_cr = false;
        if self.discarding {
            self.discarding = false;
            self.buf.clear();
            self.spent = 0;
        }
    }

    fn need_more<'s>(&mut self) -> Option<LineEvent<'s>> {
        if self.buf.is_empty() && self.buf.capacity() > RELEASE_CAPACITY {
            self.buf = Vec::new();
        }
        None
    }

    /// Grows `buf` so that `additional` more bytes fit, never past `trip`.
    fn reserve(&mut self, additional: usize) {
        let needed = self.buf.len() + additional;
        if needed > self.buf.capacity() {
            let target = needed
                .max(self.buf.capacity().saturating_mul(2))
                .max(MIN_CAPACITY)
                .min(self.trip.max(needed));
            self.buf.reserve_exact(target - self.buf.len());
        }
    }

    fn next_raw<'s, 'c: 's>(&'s mut self, input: &mut &'c [u8]) -> Option<LineEvent<'s>> {
        let limit = match self.mode {
            Mode::RawFor { remaining } => usize::try_from(remaining).unwrap_or(usize::MAX),
            _ => usize::MAX,
        };
        if !self.buf.is_empty() {
            let n = self.buf.len().min(limit);
            self.spent = n;
            self.count_raw(n);
            return Some(LineEvent::Raw(&self.buf[..n]));
        }
        let data: &'c [u8] = input;
        if data.is_empty() {
            return self.need_more();
        }
        let (raw, rest) = data.split_at(data.len().min(limit));
        *input = rest;
        self.count_raw(raw.len());
        Some(LineEvent::Raw(raw))
    }

    fn count_raw(&mut self, n: usize) {
        if let Mode::RawFor { remaining } = self.mode {
            self.mode = match remaining - n as u64 {
                0 => Mode::Line,
                remaining => Mode::RawFor { remaining },
            };
        }
    }

    /// Where the line made of `pending` then `chunk` ends: the number of
    /// bytes of `chunk` up to and including the delimiter.
    fn find_end(&self, pending: &[u8], chunk: &[u8]) -> Option<usize> {
        let needle = self.delimiter.needle();
        let d = needle.len();
        if d == 1 {
            if self.any_eol {
                return memchr::memchr2(b'\r', b'\n', chunk).map(|i| i + 1);
            }
            return memchr::memchr(needle[0], chunk).map(|i| i + 1);
        }
        if d <= SHORT_DELIMITER {
            // Look for the last byte, then check the bytes before it (in
            // `chunk`, or for the first few in `pending`). Cheaper than a
            // substring search for short lines; at most `d` comparisons per
            // candidate.
            let (head, last) = needle.split_at(d - 1);
            return memchr::memchr_iter(last[0], chunk)
                .find(|&i| {
                    // Byte loops: a call to memcmp costs more than these few
                    // comparisons.
                    if i >= head.len() {
                        bytes_eq(&chunk[i - head.len()..i], head)
                    } else {
                        let (from_pending, from_chunk) = head.split_at(head.len() - i);
                        bytes_eq(&chunk[..i], from_chunk)
                            && pending.len() >= from_pending.len()
                            && bytes_eq(
                                &pending[pending.len() - from_pending.len()..],
                                from_pending,
                            )
                    }
                })
                .map(|i| i + 1);
        }
        // A delimiter begun in `pending` (k bytes there) ends earlier than
        // any delimiter lying whole in `chunk`; a longer k ends earlier.
        for k in (1..d).rev() {
            if pending.len() >= k
                && chunk.len() >= d - k
                && pending.ends_with(&needle[..k])
                && chunk.starts_with(&needle[k..])
            {
                return Some(d - k);
            }
        }
        let finder = self.finder.as_ref().expect("long delimiters have a finder");
        finder.find(chunk).map(|i| i + d)
    }

    /// Drops the rest of an over-long line. True once its delimiter is
    /// consumed.
    fn skip_discarded(&mut self, input: &mut &[u8]) -> bool {
        let data: &[u8] = input;
        if let Some(end) = self.find_end(&self.buf, data) {
            self.after_cr = self.any_eol && data[end - 1] == b'\r';
            *input = &data[end..];
            self.buf.clear();
            self.discarding = false;
            return true;
        }
        self.keep_tail(data);
        *input = &[];
        false
    }

    /// Keeps the last `keep` bytes of `buf` followed by `data`.
    fn keep_tail(&mut self, data: &[u8]) {
        let keep = self.keep;
        if data.len() >= keep {
            self.buf.clear();
            if self.buf.capacity() > RELEASE_CAPACITY {
                // Discarding needs a few bytes, not the whole line's worth.
                self.buf = Vec::new();
            }
            self.reserve(keep);
            self.buf.extend_from_slice(&data[data.len() - keep..]);
        } else {
            let excess = (self.buf.len() + data.len()).saturating_sub(keep);
            self.buf.drain(..excess);
            self.reserve(data.len());
            self.buf.extend_from_slice(data);
        }
    }

    fn next_line<'s, 'c: 's>(&'s mut self, input: &mut &'c [u8]) -> Option<LineEvent<'s>> {
        if self.after_cr {
            match input.split_first() {
                None => return self.need_more(),
                Some((b'\n', rest)) => *input = rest,
                Some(_) => {}
            }
            self.after_cr = false;
        }
        let data: &'c [u8] = input;
        let held = self.buf.len();
        let end = self
            .find_end(&self.buf, data)
            .filter(|&end| held + end <= self.trip);
        let Some(end) = end else {
            if held + data.len() >= self.trip {
                // Over-long: report it where the limit is crossed, whatever
                // the chunking, and discard the rest of the line.
                let take = self.trip - held;
                self.keep_tail(&data[..take]);
                *input = &data[take..];
                self.discarding = true;
                return Some(LineEvent::LineTooLong);
            }
            self.reserve(data.len());
            self.buf.extend_from_slice(data);
            *input = &[];
            return self.need_more();
        };
        let line_len = held + end;
        self.after_cr = self.any_eol && data[end - 1] == b'\r';
        let mut content = line_len - self.delimiter.needle().len();
        if self.strip_cr && content > 0 {
            let last = if content > held {
                data[content - held - 1]
            } else {
                self.buf[content - 1]
            };
            if last == b'\r' {
                content -= 1;
            }
        }
        *input = &data[end..];
        if content > self.max_line_length {
            // Only a CR-less line of max + 1 bytes ended by a bare LF gets
            // here: every longer one tripped above.
            self.buf.clear();
            return Some(LineEvent::LineTooLong);
        }
        if held == 0 {
            return Some(LineEvent::Line(&data[..content]));
        }
        if content > held {
            self.reserve(content - held);
            self.buf.extend_from_slice(&data[..content - held]);
        } else {
            self.buf.truncate(content);
        }
        self.spent = self.buf.len();
        Some(LineEvent::Line(&self.buf))
    }
}

/// A line longer than the decoder's maximum: the reason a connection is
/// closed after [`LineEvent::LineTooLong`] (Twisted's default
/// `lineLengthExceeded`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "line too long: the peer sent a line over the maximum of {max_line_length} bytes (raise the maximum line length to accept it)"
)]
pub struct LineTooLong {
    /// The decoder's maximum line length.
    pub max_line_length: usize,
}

/// Compares two short slices of equal length.
fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

/// Why a line could not be encoded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LineEncodeError {
    /// The line contains its own delimiter, so the peer would read it as
    /// more than one line (or, with a self-overlapping delimiter, would cut
    /// it early).
    #[error(
        "line contains its delimiter at byte {position}: split it into several lines or escape the delimiter"
    )]
    ContainsDelimiter {
        /// The offset in the line where the delimiter the peer would see
        /// starts.
        position: usize,
    },
}

/// Writes lines followed by a delimiter (Twisted's `sendLine`), refusing
/// lines the peer would not read back as one.
#[derive(Debug, Clone)]
pub struct LineEncoder {
    delimiter: Delimiter,
    finder: Finder<'static>,
}

impl LineEncoder {
    /// An encoder ending each line with `delimiter`
    /// ([`Delimiter::as_bytes`]).
    pub fn new(delimiter: Delimiter) -> Self {
        let needle = delimiter.needle();
        let finder = Finder::new(needle).into_owned();
        LineEncoder { delimiter, finder }
    }

    /// Appends `line` and the delimiter to `out`.
    ///
    /// Fails, leaving `out` unchanged, if a decoder with the same delimiter
    /// would not read exactly `line` back.
    pub fn encode(&self, line: &[u8], out: &mut Vec<u8>) -> Result<(), LineEncodeError> {
        if matches!(self.delimiter, Delimiter::CrOrLf) {
            if let Some(position) = memchr::memchr2(b'\r', b'\n', line) {
                return Err(LineEncodeError::ContainsDelimiter { position });
            }
            out.extend_from_slice(line);
            out.extend_from_slice(b"\r\n");
            return Ok(());
        }
        let start = out.len();
        out.extend_from_slice(line);
        out.extend_from_slice(self.delimiter.as_bytes());
        let expected = match self.delimiter {
            // "\r\n" is written: the LF is the byte after the CR.
            Delimiter::CrLfOrLf => line.len() + 1,
            _ => line.len(),
        };
        match self.finder.find(&out[start..]) {
            Some(position) if position == expected => Ok(()),
            found => {
                out.truncate(start);
                Err(LineEncodeError::ContainsDelimiter {
                    position: found.unwrap_or(0).min(line.len()),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocols::split::cut;
    use proptest::prelude::*;

    /// An owned [`LineEvent`], with adjacent raw bytes merged (their cut
    /// depends on the chunking).
    #[derive(Clone, Debug, PartialEq, Eq)]
    enum Ev {
        Line(Vec<u8>),
        Raw(Vec<u8>),
        TooLong,
    }

    /// What the test user does after an event: a line starting with `R`
    /// switches to raw mode for as many bytes as the line is long; a line
    /// `RAW` switches to raw mode for good; a line starting with `S` after an
    /// over-long line switches to raw mode for 3 bytes.
    fn react(decoder: &mut LineDecoder, event: &Ev) {
        match event {
            Ev::Line(line) if line == b"RAW" => decoder.set_raw_mode(),
            Ev::Line(line) if line.first() == Some(&b'R') => {
                decoder.set_raw_mode_for(line.len() as u64)
            }
            Ev::TooLong if decoder.max_line_length() % 2 == 1 => decoder.set_raw_mode_for(3),
            _ => {}
        }
    }

    fn bound(decoder: &LineDecoder) -> usize {
        decoder
            .max_line_length()
            .saturating_add(decoder.delimiter().as_bytes().len() + 1)
    }

    /// Feeds `chunks` to `decoder`, reacting to events, checking the memory
    /// bound after every call.
    fn run(decoder: &mut LineDecoder, chunks: &[&[u8]]) -> Vec<Ev> {
        let mut events: Vec<Ev> = Vec::new();
        for chunk in chunks {
            let mut input = *chunk;
            loop {
                let event = match decoder.next_event(&mut input) {
                    None => break,
                    Some(LineEvent::Line(line)) => Ev::Line(line.to_vec()),
                    Some(LineEvent::Raw(raw)) => {
                        assert!(!raw.is_empty(), "empty raw event");
                        Ev::Raw(raw.to_vec())
                    }
                    Some(LineEvent::LineTooLong) => Ev::TooLong,
                };
                assert!(decoder.buffer_capacity() <= bound(decoder));
                react(decoder, &event);
                match (events.last_mut(), event) {
                    (Some(Ev::Raw(before)), Ev::Raw(more)) => before.extend(more),
                    (_, event) => events.push(event),
                }
            }
            assert!(input.is_empty(), "input left over after None");
            assert!(decoder.buffer_capacity() <= bound(decoder));
        }
        events
    }

    fn decode(decoder: LineDecoder, chunks: &[&[u8]]) -> Vec<Ev> {
        let mut decoder = decoder;
        run(&mut decoder, chunks)
    }

    fn line(bytes: &[u8]) -> Ev {
        Ev::Line(bytes.to_vec())
    }

    #[test]
    fn crlf_lines_are_cut_at_each_delimiter() {
        let events = decode(
            LineDecoder::new(),
            &[b"one\r\ntwo\r\n\r\nthree\nx\r\npartial"],
        );
        assert_eq!(
            events,
            [line(b"one"), line(b"two"), line(b""), line(b"three\nx")]
        );
    }

    #[test]
    fn incomplete_line_is_kept_until_its_delimiter() {
        let mut decoder = LineDecoder::new();
        assert_eq!(run(&mut decoder, &[b"hel", b"lo"]), []);
        assert_eq!(decoder.pending(), b"hello");
        assert_eq!(run(&mut decoder, &[b"\r", b"\nnext"]), [line(b"hello")]);
        assert_eq!(decoder.take_pending(), b"next");
        assert_eq!(decoder.pending(), b"");
    }

    #[test]
    fn lf_delimiter_keeps_carriage_returns() {
        let decoder = LineDecoder::new().with_delimiter(Delimiter::Lf);
        assert_eq!(
            decode(decoder, &[b"a\r\nb\n\n"]),
            [line(b"a\r"), line(b"b"), line(b"")]
        );
    }

    #[test]
    fn crlf_or_lf_accepts_both_and_strips_one_cr() {
        let decoder = LineDecoder::new().with_delimiter(Delimiter::CrLfOrLf);
        assert_eq!(
            decode(decoder, &[b"a\r\nb\nc\r\r\n\r\n\n"]),
            [line(b"a"), line(b"b"), line(b"c\r"), line(b""), line(b"")]
        );
    }

    #[test]
    fn crlf_or_lf_strips_a_cr_that_arrived_in_an_earlier_chunk() {
        let decoder = LineDecoder::new().with_delimiter(Delimiter::CrLfOrLf);
        assert_eq!(decode(decoder, &[b"abc\r", b"\n"]), [line(b"abc")]);
    }

    #[test]
    fn cr_or_lf_ends_lines_at_cr_lf_and_cr_lf_once() {
        let stream = b"a\rb\nc\r\n\r\r\nd\r\0e\r";
        let expected = [
            line(b"a"),
            line(b"b"),
            line(b"c"),
            line(b""),
            line(b""),
            line(b"d"),
            line(b"\0e"),
        ];
        for cut in 0..=stream.len() {
            let decoder = LineDecoder::new().with_delimiter(Delimiter::CrOrLf);
            let chunks = [&stream[..cut], &stream[cut..]];
            assert_eq!(decode(decoder, &chunks), expected, "cut at {cut}");
        }
    }

    #[test]
    fn cr_or_lf_gives_an_lf_after_a_switch_to_raw_mode_to_raw_mode() {
        for chunks in [&[&b"RAW\r\nx"[..]][..], &[b"RAW\r", b"\nx"]] {
            let decoder = LineDecoder::new().with_delimiter(Delimiter::CrOrLf);
            assert_eq!(
                decode(decoder, chunks),
                [line(b"RAW"), Ev::Raw(b"\nx".to_vec())]
            );
        }
    }

    #[test]
    fn custom_delimiter_cut_across_chunks() {
        let delimiter = Delimiter::bytes(b"<END>".to_vec()).unwrap();
        let decoder = LineDecoder::new().with_delimiter(delimiter);
        assert_eq!(
            decode(decoder, &[b"a<EN", b"D><", b"E", b"ND>b<END<END>"]),
            [line(b"a"), line(b""), line(b"b<END")]
        );
    }

    #[test]
    fn self_overlapping_delimiter_ends_at_its_first_occurrence() {
        // Short delimiters are found by their last byte, long ones by a
        // substring search: both ways.
        for (delimiter, input) in [
            (b"aba".to_vec(), b"xababay".to_vec()),
            (b"abcab".to_vec(), b"xabcabcaby".to_vec()),
        ] {
            let delimiter = Delimiter::bytes(delimiter).unwrap();
            check_first_occurrence(delimiter, &input);
        }
    }

    fn check_first_occurrence(delimiter: Delimiter, input: &[u8]) {
        let whole = decode(
            LineDecoder::new().with_delimiter(delimiter.clone()),
            &[input],
        );
        assert_eq!(whole, [line(b"x")]);
        for cut in 0..=input.len() {
            let split = decode(
                LineDecoder::new().with_delimiter(delimiter.clone()),
                &[&input[..cut], &input[cut..]],
            );
            assert_eq!(split, whole, "cut at {cut}");
        }
    }

    #[test]
    fn every_split_of_a_stream_gives_the_same_lines() {
        let input = b"GET / HTTP/1.0\r\nHost: x\r\n\r\nbody\r\r\n\n\r\nend";
        let whole = decode(LineDecoder::new(), &[input]);
        for a in 0..=input.len() {
            for b in a..=input.len() {
                let split = decode(
                    LineDecoder::new(),
                    &[&input[..a], &input[a..b], &input[b..]],
                );
                assert_eq!(split, whole, "cuts at {a} and {b}");
            }
        }
        let bytewise: Vec<&[u8]> = input.chunks(1).collect();
        assert_eq!(decode(LineDecoder::new(), &bytewise), whole);
    }

    #[test]
    fn lines_whole_in_the_chunk_are_not_copied() {
        let mut decoder = LineDecoder::new();
        let chunk = b"first\r\nsecond\r\n";
        let range = chunk.as_ptr_range();
        let mut input = &chunk[..];
        while let Some(event) = decoder.next_event(&mut input) {
            let LineEvent::Line(line) = event else {
                panic!("unexpected {event:?}")
            };
            assert!(range.contains(&line.as_ptr()), "line was copied");
        }
        assert_eq!(decoder.buffer_capacity(), 0);
    }

    #[test]
    fn nul_filled_lines_come_out_intact() {
        let mut input = vec![0u8; 1000];
        input.extend_from_slice(b"\r\n\0\r\n\0\0");
        assert_eq!(
            decode(LineDecoder::new(), &[&input]),
            [Ev::Line(vec![0; 1000]), line(b"\0")]
        );
    }

    #[test]
    fn raw_mode_switch_mid_chunk_keeps_every_byte() {
        let mut decoder = LineDecoder::new();
        let mut input: &[u8] = b"header\r\nraw\r\nbytes";
        assert_eq!(
            decoder.next_event(&mut input),
            Some(LineEvent::Line(b"header"))
        );
        decoder.set_raw_mode();
        assert_eq!(
            decoder.next_event(&mut input),
            Some(LineEvent::Raw(b"raw\r\nbytes"))
        );
        assert_eq!(decoder.next_event(&mut input), None);
        let mut more: &[u8] = b"more";
        assert_eq!(decoder.next_event(&mut more), Some(LineEvent::Raw(b"more")));
        decoder.set_line_mode();
        let mut lines: &[u8] = b"x\r\n";
        assert_eq!(decoder.next_event(&mut lines), Some(LineEvent::Line(b"x")));
    }

    #[test]
    fn raw_mode_delivers_the_buffered_partial_line_first() {
        let mut decoder = LineDecoder::new();
        assert_eq!(run(&mut decoder, &[b"parti"]), []);
        decoder.set_raw_mode();
        assert_eq!(
            run(&mut decoder, &[b"al\r\n"]),
            [Ev::Raw(b"partial\r\n".to_vec())]
        );
    }

    #[test]
    fn raw_mode_for_a_count_returns_to_line_mode_by_itself() {
        let mut decoder = LineDecoder::new();
        assert_eq!(run(&mut decoder, &[b"abc"]), []);
        decoder.set_raw_mode_for(5);
        assert_eq!(decoder.mode(), Mode::RawFor { remaining: 5 });
        let mut input: &[u8] = b"defg\r\nh\r\n";
        assert_eq!(decoder.next_event(&mut input), Some(LineEvent::Raw(b"abc")));
        assert_eq!(decoder.next_event(&mut input), Some(LineEvent::Raw(b"de")));
        assert_eq!(decoder.mode(), Mode::Line);
        assert_eq!(decoder.next_event(&mut input), Some(LineEvent::Line(b"fg")));
        assert_eq!(decoder.next_event(&mut input), Some(LineEvent::Line(b"h")));
        decoder.set_raw_mode_for(0);
        assert_eq!(decoder.mode(), Mode::Line);
    }

    #[test]
    fn a_line_at_the_limit_passes_and_one_byte_more_does_not() {
        for delimiter in [
            Delimiter::CrLf,
            Delimiter::Lf,
            Delimiter::CrLfOrLf,
            Delimiter::CrOrLf,
        ] {
            let decoder = LineDecoder::new()
                .with_delimiter(delimiter.clone())
                .with_max_line_length(4);
            let d = String::from_utf8(delimiter.as_bytes().to_vec()).unwrap();
            let input = format!("abcd{d}abcde{d}ok{d}");
            assert_eq!(
                decode(decoder, &[input.as_bytes()]),
                [line(b"abcd"), Ev::TooLong, line(b"ok")],
                "{delimiter:?}"
            );
        }
    }

    #[test]
    fn bare_lf_after_a_line_one_byte_too_long_is_reported() {
        let decoder = LineDecoder::new()
            .with_delimiter(Delimiter::CrLfOrLf)
            .with_max_line_length(4);
        assert_eq!(
            decode(decoder, &[b"abcde\nabcd\r\nabcde\r\n"]),
            [Ev::TooLong, line(b"abcd"), Ev::TooLong]
        );
    }

    #[test]
    fn over_long_line_is_reported_before_its_end_and_the_rest_discarded() {
        let mut decoder = LineDecoder::new().with_max_line_length(8);
        assert_eq!(run(&mut decoder, &[b"0123456789\r"]), [Ev::TooLong]);
        assert_eq!(decoder.pending(), b"");
        assert_eq!(decoder.take_pending(), b"");
        assert_eq!(
            decoder.too_long_error().to_string(),
            "line too long: the peer sent a line over the maximum of 8 bytes \
             (raise the maximum line length to accept it)"
        );
        assert_eq!(
            run(&mut decoder, &[b"more\r", b"\nnext\r\n"]),
            [line(b"next")]
        );
    }

    #[test]
    fn raw_mode_after_line_too_long_starts_at_the_detection_point() {
        let mut decoder = LineDecoder::new().with_max_line_length(4);
        let mut input: &[u8] = b"abcdefgh\r\n";
        assert_eq!(decoder.next_event(&mut input), Some(LineEvent::LineTooLong));
        decoder.set_raw_mode();
        // max + delimiter length = 6 bytes were read to detect it
        assert_eq!(
            decoder.next_event(&mut input),
            Some(LineEvent::Raw(b"gh\r\n"))
        );
    }

    #[test]
    fn endless_line_costs_at_most_the_limit_and_is_reported_once() {
        let mut decoder = LineDecoder::new();
        let chunk = vec![b'x'; 64 * 1024];
        let mut too_long = 0;
        for _ in 0..1600 {
            // 100 MiB
            let mut input = &chunk[..];
            while let Some(event) = decoder.next_event(&mut input) {
                assert_eq!(event, LineEvent::LineTooLong);
                too_long += 1;
            }
            assert!(decoder.buffer_capacity() <= DEFAULT_MAX_LINE_LENGTH + 3);
            if too_long == 1 {
                // Discarding the rest costs a few bytes.
                assert!(decoder.buffer_capacity() <= MIN_CAPACITY);
            }
        }
        assert_eq!(too_long, 1);
        assert_eq!(run(&mut decoder, &[b"x\r\nfine\r\n"]), [line(b"fine")]);
        assert!(decoder.buffer_capacity() <= RELEASE_CAPACITY);
    }

    #[test]
    fn endless_line_in_tiny_chunks_never_grows_the_buffer_past_the_limit() {
        let mut decoder = LineDecoder::new().with_max_line_length(100);
        let mut too_long = 0;
        for _ in 0..10_000 {
            let mut input: &[u8] = b"\rx\r";
            while let Some(event) = decoder.next_event(&mut input) {
                assert_eq!(event, LineEvent::LineTooLong);
                too_long += 1;
            }
            assert!(decoder.buffer_capacity() <= 103);
        }
        assert_eq!(too_long, 1);
    }

    #[test]
    fn large_buffer_is_released_once_empty() {
        let mut decoder = LineDecoder::new();
        let long = vec![b'y'; 8000];
        assert_eq!(run(&mut decoder, &[&long]), []);
        assert!(decoder.buffer_capacity() >= 8000);
        assert_eq!(run(&mut decoder, &[b"\r\n"]), [Ev::Line(long)]);
        assert_eq!(run(&mut decoder, &[b""]), []);
        assert_eq!(decoder.buffer_capacity(), 0);
    }

    #[test]
    fn an_idle_decoder_is_small() {
        assert!(
            size_of::<LineDecoder>() <= 128,
            "{}",
            size_of::<LineDecoder>()
        );
    }

    #[test]
    fn an_empty_delimiter_is_refused_with_an_error() {
        let error = Delimiter::bytes(Vec::new()).unwrap_err();
        assert_eq!(error, EmptyDelimiter);
        assert!(error.to_string().contains("must not be empty"), "{error}");
        assert_eq!(Delimiter::bytes(*b"\0").unwrap().as_bytes(), b"\0");
    }

    #[test]
    fn encoder_writes_lines_the_decoder_reads_back() {
        let mut out = Vec::new();
        let encoder = LineDecoder::new().encoder();
        encoder.encode(b"hello", &mut out).unwrap();
        encoder.encode(b"a\r", &mut out).unwrap();
        encoder.encode(b"", &mut out).unwrap();
        assert_eq!(out, b"hello\r\na\r\r\n\r\n");
        assert_eq!(
            decode(LineDecoder::new(), &[&out]),
            [line(b"hello"), line(b"a\r"), line(b"")]
        );
    }

    #[test]
    fn encoder_refuses_a_line_holding_its_delimiter() {
        let mut out = b"kept".to_vec();
        let encoder = LineEncoder::new(Delimiter::CrLf);
        assert_eq!(
            encoder.encode(b"ab\r\ncd", &mut out),
            Err(LineEncodeError::ContainsDelimiter { position: 2 })
        );
        let lf = LineEncoder::new(Delimiter::CrLfOrLf);
        assert!(lf.encode(b"a\nb", &mut out).is_err());
        let any = LineEncoder::new(Delimiter::CrOrLf);
        assert_eq!(
            any.encode(b"ab\rc", &mut out),
            Err(LineEncodeError::ContainsDelimiter { position: 2 })
        );
        let overlapping = LineEncoder::new(Delimiter::bytes(b"aba".to_vec()).unwrap());
        assert!(overlapping.encode(b"ab", &mut out).is_err());
        assert_eq!(out, b"kept");
    }

    fn delimiters() -> impl Strategy<Value = Delimiter> {
        prop_oneof![
            Just(Delimiter::CrLf),
            Just(Delimiter::Lf),
            Just(Delimiter::CrLfOrLf),
            Just(Delimiter::CrOrLf),
            Just(Delimiter::bytes(b"aba".to_vec()).unwrap()),
            Just(Delimiter::bytes(b"\r\n\r\n".to_vec()).unwrap()),
            Just(Delimiter::bytes(b"\0".to_vec()).unwrap()),
            Just(Delimiter::bytes(b"ababa".to_vec()).unwrap()),
            Just(Delimiter::bytes(b"\r\n\r\nR\n".to_vec()).unwrap()),
        ]
    }

    /// Streams rich in delimiter bytes and in the `R` that switches modes.
    fn streams() -> impl Strategy<Value = Vec<u8>> {
        let byte = prop_oneof![
            Just(b'\r'),
            Just(b'\n'),
            Just(b'a'),
            Just(b'b'),
            Just(b'R'),
            Just(b'\0'),
            any::<u8>(),
        ];
        proptest::collection::vec(byte, 0..300)
    }

    proptest! {
        #[test]
        fn any_split_gives_the_same_events(
            input in streams(),
            delimiter in delimiters(),
            max in prop_oneof![0usize..12, Just(DEFAULT_MAX_LINE_LENGTH)],
            cuts in proptest::collection::vec(any::<usize>(), 0..8),
        ) {
            let decoder = LineDecoder::new()
                .with_delimiter(delimiter)
                .with_max_line_length(max);
            let whole = decode(decoder.clone(), &[&input]);
            let split = decode(decoder.clone(), &cut(&input, &cuts));
            prop_assert_eq!(&split, &whole);
            let bytewise: Vec<&[u8]> = input.chunks(1).collect();
            prop_assert_eq!(decode(decoder, &bytewise), whole);
        }

        #[test]
        fn without_limit_or_mode_switch_lines_are_the_split_pieces(
            input in proptest::collection::vec(prop_oneof![Just(b'\r'), Just(b'\n'), Just(b'x')], 0..200),
            cuts in proptest::collection::vec(any::<usize>(), 0..8),
        ) {
            let mut decoder = LineDecoder::new().with_delimiter(Delimiter::Lf);
            let mut lines = Vec::new();
            for chunk in cut(&input, &cuts) {
                let mut chunk = chunk;
                while let Some(event) = decoder.next_event(&mut chunk) {
                    let LineEvent::Line(line) = event else { panic!("{event:?}") };
                    lines.push(line.to_vec());
                }
            }
            let mut expected: Vec<Vec<u8>> = input.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
            let tail = expected.pop().unwrap();
            prop_assert_eq!(lines, expected);
            prop_assert_eq!(decoder.pending(), &tail[..]);
        }

        #[test]
        fn each_over_long_line_is_reported_once_and_the_others_pass(
            lengths in proptest::collection::vec(0usize..40, 0..20),
            delimiter in delimiters(),
            half_max in 0usize..10,
            cuts in proptest::collection::vec(any::<usize>(), 0..8),
        ) {
            // Lines of `x` and an even maximum: the test user never switches
            // modes here.
            let max = half_max * 2;
            let mut input = Vec::new();
            let mut expected = Vec::new();
            for &length in &lengths {
                input.extend(std::iter::repeat_n(b'x', length));
                input.extend_from_slice(delimiter.as_bytes());
                expected.push(if length > max {
                    Ev::TooLong
                } else {
                    Ev::Line(vec![b'x'; length])
                });
            }
            let decoder = LineDecoder::new()
                .with_delimiter(delimiter)
                .with_max_line_length(max);
            prop_assert_eq!(decode(decoder, &cut(&input, &cuts)), expected);
        }

        #[test]
        fn encoded_lines_decode_back(
            lines in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..20), 0..10),
            delimiter in delimiters(),
        ) {
            let encoder = LineEncoder::new(delimiter.clone());
            let mut out = Vec::new();
            let mut sent = Vec::new();
            for line in &lines {
                if encoder.encode(line, &mut out).is_ok() {
                    sent.push(Ev::Line(line.clone()));
                }
            }
            let mut decoder = LineDecoder::new().with_delimiter(delimiter);
            let mut input = &out[..];
            let mut got = Vec::new();
            while let Some(event) = decoder.next_event(&mut input) {
                let LineEvent::Line(line) = event else { panic!("{event:?}") };
                got.push(Ev::Line(line.to_vec()));
            }
            prop_assert_eq!(got, sent);
            prop_assert_eq!(decoder.pending(), b"");
        }
    }
}
