//! The status lines shown with the board in the full game: round state,
//! who is alive and the scores, your own name, the controls.

use std::io::Write as _;

use crate::game::{Arena, PawnId, RoundState};

/// Longest status line written (longer lists are cut with `…`).
pub const MAX_STATUS: usize = 78;

/// The controls, shown to every player.
pub const CONTROLS: &[u8] = b"Keys: arrows/wasd/hjkl move, e/space bomb, q quit";

/// Replaces `out` with the round line, such as `Round 2: playing`.
pub fn round_line(arena: &Arena, out: &mut Vec<u8>) {
    out.clear();
    let name = |id: PawnId| arena.pawn(id).map_or("?", |p| p.name());
    let _ = match arena.round() {
        RoundState::Open => write!(out, "Playing: no rounds, bombs away"),
        RoundState::Waiting => write!(out, "Waiting for another player"),
        RoundState::Countdown { round, starts_at } => write!(
            out,
            "Round {round} starts in {} s, get ready",
            seconds_until(arena, starts_at)
        ),
        RoundState::Playing { round, .. } => {
            let alive = arena
                .pawns()
                .iter()
                .filter(|p| p.in_round() && p.is_alive())
                .count();
            write!(out, "Round {round}: playing, {alive} alive")
        }
        RoundState::Over {
            round,
            winner: Some(id),
            next_at,
        } => write!(
            out,
            "Round {round} over: {} wins; next round in {} s",
            name(id),
            seconds_until(arena, next_at)
        ),
        RoundState::Over {
            round,
            winner: None,
            next_at,
        } => write!(
            out,
            "Round {round} over: a draw; next round in {} s",
            seconds_until(arena, next_at)
        ),
    };
}

/// Whole seconds (rounded up) from the arena's time to `at`.
fn seconds_until(arena: &Arena, at: std::time::Duration) -> u128 {
    at.saturating_sub(arena.now()).as_millis().div_ceil(1000)
}

/// Replaces `out` with the players line: each name with its score, in
/// lower case while dead (as the board shows dead pawns), `(bot)` after
/// bots, such as `Scores:  A 2  b(bot) 0`.
pub fn scores_line(arena: &Arena, out: &mut Vec<u8>) {
    out.clear();
    out.extend_from_slice(b"Scores:");
    for pawn in arena.pawns() {
        let start = out.len();
        out.extend_from_slice(b"  ");
        if pawn.is_alive() {
            out.extend_from_slice(pawn.name().as_bytes());
        } else {
            out.extend(pawn.name().bytes().map(|b| b.to_ascii_lowercase()));
        }
        let _ = write!(
            out,
            "{} {}",
            if pawn.is_bot() { "(bot)" } else { "" },
            pawn.score()
        );
        if out.len() > MAX_STATUS {
            out.truncate(start);
            out.extend_from_slice(" …".as_bytes());
            break;
        }
    }
}

/// A watcher's own line.
pub const WATCHING: &[u8] = b"You are watching";

/// Replaces `out` with the line about the player's own pawn: its name,
/// state, bombs, flame and speed (when limited).
pub fn you_line(arena: &Arena, pawn: PawnId, out: &mut Vec<u8>) {
    out.clear();
    let Some(pawn) = arena.pawn(pawn) else {
        return;
    };
    let state = if pawn.pos().is_none() {
        "watching until the next round"
    } else if !pawn.is_alive() {
        "dead: wait for the next round"
    } else {
        "alive"
    };
    let _ = write!(
        out,
        "You are {} ({state}); bombs {}, flame {}",
        pawn.name(),
        pawn.bombs_in_stock(),
        pawn.flame()
    );
    if let Some(speed) = pawn.speed() {
        let _ = write!(out, ", speed {speed}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::game::Config;

    #[test]
    fn lines_name_the_round_the_players_and_you() {
        let mut arena = Arena::new(Config::default()).unwrap();
        let a = arena.join("A");
        arena.add_bot("B");
        let mut out = Vec::new();
        round_line(&arena, &mut out);
        assert!(
            out.starts_with(b"Round 1"),
            "{}",
            String::from_utf8_lossy(&out)
        );
        scores_line(&arena, &mut out);
        assert_eq!(out, b"Scores:  A 0  B(bot) 0");
        you_line(&arena, a, &mut out);
        let speed = arena
            .pawn(a)
            .unwrap()
            .speed()
            .expect("the full game limits speed");
        assert_eq!(
            String::from_utf8(out).unwrap(),
            format!("You are A (alive); bombs 1, flame 1, speed {speed}")
        );
    }

    #[test]
    fn a_long_list_is_cut() {
        let mut arena = Arena::new(Config::default()).unwrap();
        for n in 0..100 {
            arena.join(&super::super::names::nth_name(n));
        }
        let mut out = Vec::new();
        scores_line(&arena, &mut out);
        assert!(out.len() <= MAX_STATUS + 4);
        assert!(out.ends_with(" …".as_bytes()));
    }
}
