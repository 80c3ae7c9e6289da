//! [`Lobby`]: what the sessions of a server's reactors share — player
//! names, the counters, the per-address counts — and where a newcomer
//! should play, so that friends meet in one arena whichever reactor
//! accepted them.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use weft::policies::AddressCounts;
use weft::pool::Member;
use weft::{Factory, ListeningPort};

use super::mode::Mode;
use super::names::{HeldName, Names};
use super::session::ArenaSummary;
use super::stats::Stats;

/// Shared by the [`Session`](super::Session)s of one server, one per
/// reactor (`Send + Sync`; sessions on one reactor need no other).
#[derive(Debug)]
pub struct Lobby {
    names: Mutex<Names>,
    stats: Arc<Stats>,
    addresses: AddressCounts,
    /// Per session: free seats in its open arenas.
    seats: Vec<AtomicUsize>,
    /// Per session: players.
    players: Vec<AtomicUsize>,
    /// Per session: its open arenas, as it last told.
    arenas: Vec<Mutex<Vec<ArenaSummary>>>,
}

impl Lobby {
    /// A lobby for `sessions` sessions of `mode`'s game.
    pub fn new(sessions: usize, mode: Mode) -> Arc<Lobby> {
        let counters = || (0..sessions.max(1)).map(|_| AtomicUsize::new(0)).collect();
        Arc::new(Lobby {
            names: Mutex::new(mode.names()),
            stats: Arc::default(),
            addresses: AddressCounts::new(),
            seats: counters(),
            players: counters(),
            arenas: (0..sessions.max(1)).map(|_| Mutex::default()).collect(),
        })
    }

    /// How many sessions share the lobby.
    pub fn sessions(&self) -> usize {
        self.seats.len()
    }

    /// The counters of all sessions together.
    pub fn stats(&self) -> Arc<Stats> {
        self.stats.clone()
    }

    /// Connections per address, counted across all sessions.
    pub fn addresses(&self) -> AddressCounts {
        self.addresses.clone()
    }

    /// A name for a new pawn, unique among the pawns of every session
    /// (in the full game); give its number back with
    /// [`release_name`](Self::release_name).
    pub fn take_name(&self) -> (usize, String) {
        self.names().take()
    }

    /// The pawn named by number `n` left.
    pub fn release_name(&self, n: usize) {
        self.names().release(n);
    }

    /// A player's name: the one it asked for (cleaned up, and numbered
    /// when someone holds it), or the next of the sequence; unique among
    /// the players of every session. Give it back with
    /// [`release_held_name`](Self::release_held_name).
    pub fn take_held_name(&self, wanted: Option<&str>) -> HeldName {
        self.names().take_held(wanted)
    }

    /// The player holding `held` left.
    pub fn release_held_name(&self, held: &HeldName) {
        self.names().release_held(held);
    }

    fn names(&self) -> MutexGuard<'_, Names> {
        self.names.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Session `session` now has `players` players and `free_seats` free
    /// seats in its open arenas.
    pub(crate) fn publish(&self, session: usize, players: usize, free_seats: usize) {
        if let (Some(seats), Some(count)) = (self.seats.get(session), self.players.get(session)) {
            seats.store(free_seats, Ordering::Relaxed);
            count.store(players, Ordering::Relaxed);
        }
    }

    /// Session `session`'s open arenas are `arenas`.
    pub(crate) fn publish_arenas(&self, session: usize, arenas: Vec<ArenaSummary>) {
        if let Some(list) = self.arenas.get(session) {
            *list.lock().unwrap_or_else(PoisonError::into_inner) = arenas;
        }
    }

    /// The open arenas of every session but `session`, as they last told.
    pub fn arenas_elsewhere(&self, session: usize) -> Vec<ArenaSummary> {
        self.arenas
            .iter()
            .enumerate()
            .filter(|&(place, _)| place != session)
            .flat_map(|(_, list)| list.lock().unwrap_or_else(PoisonError::into_inner).clone())
            .collect()
    }

    /// Players in session `session`, as it last said.
    pub fn players_in(&self, session: usize) -> usize {
        self.players
            .get(session)
            .map_or(0, |count| count.load(Ordering::Relaxed))
    }

    /// The session a newcomer should join: the first with a free seat in
    /// an arena already open, so that players fill arenas and friends who
    /// arrive together meet; when every arena is full, the session with
    /// the fewest players, which opens a new one.
    pub fn session_for_newcomer(&self) -> usize {
        let load = |i: &usize| self.players[*i].load(Ordering::Relaxed);
        (0..self.seats.len())
            .find(|&i| self.seats[i].load(Ordering::Relaxed) > 0)
            .or_else(|| (0..self.seats.len()).min_by_key(load))
            .unwrap_or(0)
    }

    /// Listens on `endpoint` on a pool of this lobby's sessions: reactor 0
    /// accepts, and hands each connection to the reactor
    /// [`session_for_newcomer`](Self::session_for_newcomer) names. The
    /// port on member 0, `None` on the others.
    pub fn listen_dispatched<F: Factory>(
        self: &Arc<Self>,
        member: &Member,
        endpoint: &str,
        factory: F,
    ) -> Result<Option<ListeningPort>, weft::Error> {
        let lobby = self.clone();
        member.listen_dispatched(endpoint, factory, move |_| lobby.session_for_newcomer())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newcomers_fill_open_arenas_first_then_the_emptiest_session() {
        let lobby = Lobby::new(3, Mode::Full);
        lobby.publish(0, 8, 0);
        lobby.publish(1, 3, 5);
        lobby.publish(2, 0, 0);
        assert_eq!(
            lobby.session_for_newcomer(),
            1,
            "a free seat in an open arena"
        );
        lobby.publish(1, 8, 0);
        assert_eq!(lobby.session_for_newcomer(), 2, "all full: the emptiest");
    }

    #[test]
    fn names_are_unique_across_sessions() {
        let lobby = Lobby::new(2, Mode::Full);
        let (a, first) = lobby.take_name();
        let (_, second) = lobby.take_name();
        assert_ne!(first, second);
        lobby.release_name(a);
        assert_eq!(lobby.take_name().1, first, "a freed name is taken again");
    }
}
