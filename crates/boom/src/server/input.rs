//! [`Input`]: one player's keys, bounded per frame tick, so that no player
//! (however fast it sends) can take the frame rate of the others, and one
//! tick's work stays bounded.

use std::time::Duration;

use crate::game::Action;

use super::keys::{Key, KeyDecoder};
use super::work::Work;

/// What a player may send in one frame tick: `actions` applied, `bytes`
/// decoded. Past that, actions are dropped and bytes only scanned for the
/// quit key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Allowance {
    /// Actions applied per tick.
    pub actions: u32,
    /// Bytes decoded per tick.
    pub bytes: usize,
}

/// Actions per second a player may always make, however short the tick
/// (held keys repeat about 30 times a second).
const ACTIONS_PER_SECOND: u32 = 40;
/// Fewest and most actions allowed in one tick.
const ACTIONS_PER_TICK: std::ops::RangeInclusive<u32> = 8..=64;
/// Bytes decoded per action allowed: room for escape sequences and for
/// the line ends and stray bytes of a line-at-a-time client.
const BYTES_PER_ACTION: usize = 512;

impl Allowance {
    /// The allowance for a tick every `interval`: at least 8 actions, and
    /// 40 a second, at most 64 a tick.
    pub fn per_tick(interval: Duration) -> Self {
        let per_second = u128::from(ACTIONS_PER_SECOND) * interval.as_millis();
        let actions = u32::try_from(per_second.div_ceil(1000))
            .unwrap_or(u32::MAX)
            .clamp(*ACTIONS_PER_TICK.start(), *ACTIONS_PER_TICK.end());
        Allowance {
            actions,
            bytes: actions as usize * BYTES_PER_ACTION,
        }
    }
}

/// One player's key decoder and what is left of its allowance in the
/// current tick.
#[derive(Debug)]
pub struct Input {
    keys: KeyDecoder,
    /// The tick the allowance left is for (`None`: none yet).
    tick: Option<u64>,
    actions_left: u32,
    bytes_left: usize,
}

impl Input {
    /// Input decoded by `keys`, with nothing used yet.
    pub fn new(keys: KeyDecoder) -> Self {
        Input {
            keys,
            tick: None,
            actions_left: 0,
            bytes_left: 0,
        }
    }

    /// Reads `bytes` that arrived in tick `tick`: each action within the
    /// tick's `allowance` goes to `act`, in order; later ones are dropped,
    /// and bytes past the allowance are only skimmed for the quit key.
    /// Returns whether the player asked to quit (nothing after the quit key
    /// is applied). Counts what it did in `work`.
    pub fn read(
        &mut self,
        tick: u64,
        allowance: Allowance,
        bytes: &[u8],
        work: &mut Work,
        mut act: impl FnMut(Action),
    ) -> bool {
        if self.tick != Some(tick) {
            self.tick = Some(tick);
            self.actions_left = allowance.actions;
            self.bytes_left = allowance.bytes;
        }
        let (decoded, skimmed) = bytes.split_at(bytes.len().min(self.bytes_left));
        self.bytes_left -= decoded.len();
        work.decoded += decoded.len() as u64;
        let mut quit = false;
        let actions_left = &mut self.actions_left;
        self.keys.feed(decoded, |key| match key {
            Key::Quit => quit = true,
            Key::Act(action) if !quit && *actions_left > 0 => {
                *actions_left -= 1;
                work.actions += 1;
                act(action);
            }
            Key::Act(_) => work.dropped += 1,
        });
        if !skimmed.is_empty() && !quit {
            work.skimmed += skimmed.len() as u64;
            quit = self.keys.skim(skimmed);
        }
        quit
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::game::Direction;

    const ALLOWANCE: Allowance = Allowance {
        actions: 3,
        bytes: 10,
    };

    fn read(input: &mut Input, tick: u64, bytes: &[u8], work: &mut Work) -> (Vec<Action>, bool) {
        let mut acted = Vec::new();
        let quit = input.read(tick, ALLOWANCE, bytes, work, |a| acted.push(a));
        (acted, quit)
    }

    #[test]
    fn actions_past_the_allowance_wait_for_no_one_and_are_dropped() {
        let mut input = Input::new(KeyDecoder::classic());
        let mut work = Work::default();
        let (acted, _) = read(&mut input, 0, b"dd", &mut work);
        assert_eq!(acted.len(), 2);
        let (acted, _) = read(&mut input, 0, b"ddd", &mut work);
        assert_eq!(acted, [Action::Move(Direction::Right)]);
        assert_eq!((work.actions, work.dropped), (3, 2));
        // The next tick brings a fresh allowance.
        let (acted, _) = read(&mut input, 1, b"eee", &mut work);
        assert_eq!(acted.len(), 3);
    }

    #[test]
    fn bytes_past_the_allowance_are_only_skimmed_for_the_quit_key() {
        let mut input = Input::new(KeyDecoder::full());
        let mut work = Work::default();
        let flood = [b'x'; 100];
        let (_, quit) = read(&mut input, 1, &flood, &mut work);
        assert!(!quit);
        assert_eq!((work.decoded, work.skimmed), (10, 90));
        let (acted, quit) = read(&mut input, 1, b"dq", &mut work);
        assert!(acted.is_empty() && quit);
    }

    #[test]
    fn nothing_after_the_quit_key_is_applied() {
        let mut input = Input::new(KeyDecoder::full());
        let (acted, quit) = read(&mut input, 1, b"dqd", &mut Work::default());
        assert_eq!((acted.len(), quit), (1, true));
    }

    #[test]
    fn the_allowance_follows_the_tick() {
        let actions = |ms| Allowance::per_tick(Duration::from_millis(ms)).actions;
        assert_eq!(actions(10), 8);
        assert_eq!(actions(200), 8);
        assert_eq!(actions(1000), 40);
        assert_eq!(actions(u64::MAX / 4), 64);
    }
}
