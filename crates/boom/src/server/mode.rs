//! [`Mode`]: the seed's game or the full one, and everything that differs
//! between them in how the server serves it.

use super::keys::KeyDecoder;
use super::names::Names;

/// Which game a session serves. Every difference the server makes between
/// them is a method here, so that the rest of the server asks the mode
/// instead of branching on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// The seed's game (R1–R20): the whole plain frame to everyone at every
    /// tick, no status lines, `wasd` and `e` only, names A … Z wrapping.
    Classic,
    /// The full game: frames only when something changed, status lines
    /// under the board, more keys and `q`, unique names, a bot for a lone
    /// player.
    Full,
}

impl Mode {
    /// The mode of `classic`.
    pub fn new(classic: bool) -> Self {
        if classic { Mode::Classic } else { Mode::Full }
    }

    /// Whether every tick sends the whole frame, changed or not (the seed's
    /// periodic repaint), rather than only frames that changed.
    pub fn repaints(self) -> bool {
        self == Mode::Classic
    }

    /// Whether status lines (round, scores, your pawn, keys) go with the
    /// board.
    pub fn status_lines(self) -> bool {
        self == Mode::Full
    }

    /// Whether a lone player gets a bot for company (unless bots are asked
    /// for).
    pub fn keeps_company(self) -> bool {
        self == Mode::Full
    }

    /// A key decoder for one player.
    pub fn keys(self) -> KeyDecoder {
        match self {
            Mode::Classic => KeyDecoder::classic(),
            Mode::Full => KeyDecoder::full(),
        }
    }

    /// How players are named.
    pub fn names(self) -> Names {
        match self {
            Mode::Classic => Names::classic(),
            Mode::Full => Names::unique(),
        }
    }
}
