//! Fire: starting one (R14), re-lighting one (R15), and its going out.
//!
//! Starting a fire destroys the tile (SOFT becomes EMPTY, uncovering any
//! power-up under it), kills every pawn there and destroys a power-up that
//! was already lying uncovered there. Setting off a bomb on a burning tile
//! is the blast walk's job ([`crate::game::blast`]), or
//! [`crate::game::Arena::start_fire`]'s for a fire lit by hand.

use std::time::Duration;

use weft::time::TimerId;

use super::arena::{Arena, Timed};
use super::board::Tile;
use super::events::Event;
use super::position::Pos;

/// A fire burning on a tile.
#[derive(Clone, Copy, Debug)]
pub struct Fire {
    pub(crate) until: Duration,
    pub(crate) timer: TimerId,
}

impl Fire {
    /// When it goes out: the latest end of every lighting (R15).
    pub fn until(&self) -> Duration {
        self.until
    }
}

impl Arena {
    /// Lights a fire at `pos` burning for `burn` from now (R14, R15): keeps
    /// an existing fire burning until the later end, destroys a SOFT tile,
    /// destroys an uncovered power-up (unless this fire is what uncovered
    /// it), and kills every pawn there. HARD tiles and positions off the
    /// board are left alone. A bomb there is *not* set off here: callers do
    /// it (the blast walk, or `start_fire`).
    pub(crate) fn ignite(&mut self, pos: Pos, burn: Duration) {
        let Some(i) = self.board.index(pos) else {
            return;
        };
        let tile = self.board.tile_at_index(i).unwrap_or(Tile::Hard);
        if tile == Tile::Hard {
            return;
        }
        let until = self.later(burn);
        let relit = match &mut self.fires[i] {
            Some(fire) => {
                if until > fire.until {
                    fire.until = until;
                    self.timeline.reset(fire.timer, until);
                }
                true
            }
            None => {
                let timer = self.timeline.schedule(until, Timed::FireOut(pos));
                self.fires[i] = Some(Fire { until, timer });
                self.fire_count += 1;
                self.emit(Event::FireStarted { at: pos });
                false
            }
        };
        if tile == Tile::Soft {
            self.board.set_tile(pos, Tile::Empty);
            self.emit(Event::TileDestroyed { at: pos });
            if let Some(kind) = self.board.powerup(pos) {
                self.emit(Event::PowerUpUncovered { at: pos, kind });
            }
        } else if !relit && let Some(kind) = self.board.take_powerup(pos) {
            self.emit(Event::PowerUpDestroyed { at: pos, kind });
        }
        if self.alive_here[i] > 0 {
            self.kill_all_at(pos);
        }
        self.hazard_version += 1;
    }

    /// The fire at `pos` goes out, if its timer is `timer` (a fire re-lit
    /// later keeps its timer, moved to the later end).
    pub(crate) fn fire_out(&mut self, pos: Pos, timer: TimerId) {
        let Some(i) = self.board.index(pos) else {
            return;
        };
        if self.fires[i].is_some_and(|f| f.timer == timer) {
            self.fires[i] = None;
            self.fire_count -= 1;
            self.hazard_version += 1;
            self.emit(Event::FireOut { at: pos });
        }
    }
}
