//! Which options a session agrees to ([`Policy`]) and where each option
//! stands on each side ([`OptionTable`]).

use super::option::TelnetOption;
use super::qmethod::QState;

/// Which side of the connection an option is enabled on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// Our side: we perform the option (we send WILL/WONT, the peer DO/DONT).
    /// For example ECHO on our side means we echo what the peer types.
    Local,
    /// The peer's side: the peer performs it (we send DO/DONT, the peer
    /// WILL/WONT). For example NAWS on the peer's side means the peer reports
    /// its window size.
    Remote,
}

/// A set of option codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct OptionSet([u64; 4]);

impl OptionSet {
    fn insert(&mut self, option: TelnetOption) {
        self.0[usize::from(option.0 >> 6)] |= 1 << (option.0 & 63);
    }

    fn remove(&mut self, option: TelnetOption) {
        self.0[usize::from(option.0 >> 6)] &= !(1 << (option.0 & 63));
    }

    fn contains(&self, option: TelnetOption) -> bool {
        self.0[usize::from(option.0 >> 6)] & (1 << (option.0 & 63)) != 0
    }

    fn iter(&self) -> impl Iterator<Item = TelnetOption> + '_ {
        (0..=255u8)
            .map(TelnetOption)
            .filter(|option| self.contains(*option))
    }
}

/// What a session agrees to: for each option and side, whether we accept it
/// when the peer asks, and whether we ask for it when the session starts.
///
/// The default policy refuses every option (answers DO with WONT and WILL
/// with DONT) and asks for nothing. Built with chained calls:
///
/// ```
/// use weft::protocols::telnet::{Policy, TelnetOption};
///
/// // What a character-mode game server sends on connect.
/// let policy = Policy::new()
///     .request_local(TelnetOption::ECHO) // WILL ECHO
///     .request_local(TelnetOption::SGA) // WILL SGA
///     .announce_wont(TelnetOption::LINEMODE) // WONT LINEMODE
///     .request_remote(TelnetOption::NAWS) // DO NAWS
///     .accept_remote(TelnetOption::SGA); // agree to WILL SGA
/// assert!(policy.accepts_local(TelnetOption::ECHO));
/// ```
///
/// [`Policy::character_mode`] is that policy.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Policy {
    accept_local: OptionSet,
    accept_remote: OptionSet,
    request_local: OptionSet,
    request_remote: OptionSet,
    announce_wont: OptionSet,
    announce_dont: OptionSet,
}

impl Policy {
    /// The policy that refuses everything and asks for nothing.
    pub fn new() -> Policy {
        Policy::default()
    }

    /// The policy of a server that wants a stock `telnet` client in
    /// character-at-a-time mode with the server echoing: sends `WILL ECHO`,
    /// `WILL SGA`, `WONT LINEMODE`, `DO NAWS` at the start, agrees to
    /// `DO ECHO`, `DO SGA`, `WILL SGA` and `WILL NAWS`, and refuses the rest
    /// (LINEMODE included). Add `.request_remote(TelnetOption::TTYPE)` to
    /// also learn the terminal type.
    pub fn character_mode() -> Policy {
        Policy::new()
            .request_local(TelnetOption::ECHO)
            .request_local(TelnetOption::SGA)
            .announce_wont(TelnetOption::LINEMODE)
            .request_remote(TelnetOption::NAWS)
            .accept_remote(TelnetOption::SGA)
    }

    /// Agree when the peer asks us to enable `option` (answer `DO` with
    /// `WILL`).
    pub fn accept_local(mut self, option: TelnetOption) -> Policy {
        self.accept_local.insert(option);
        self
    }

    /// Agree when the peer offers to enable `option` (answer `WILL` with
    /// `DO`).
    pub fn accept_remote(mut self, option: TelnetOption) -> Policy {
        self.accept_remote.insert(option);
        self
    }

    /// Offer `option` on our side when the session starts (send `WILL`);
    /// implies [`accept_local`](Self::accept_local).
    pub fn request_local(mut self, option: TelnetOption) -> Policy {
        self.accept_local.insert(option);
        self.request_local.insert(option);
        self
    }

    /// Ask the peer to enable `option` when the session starts (send `DO`);
    /// implies [`accept_remote`](Self::accept_remote).
    pub fn request_remote(mut self, option: TelnetOption) -> Policy {
        self.accept_remote.insert(option);
        self.request_remote.insert(option);
        self
    }

    /// Refuse `option` on our side, undoing `accept_local` and
    /// `request_local`.
    pub fn refuse_local(mut self, option: TelnetOption) -> Policy {
        self.accept_local.remove(option);
        self.request_local.remove(option);
        self
    }

    /// Refuse `option` on the peer's side, undoing `accept_remote` and
    /// `request_remote`.
    pub fn refuse_remote(mut self, option: TelnetOption) -> Policy {
        self.accept_remote.remove(option);
        self.request_remote.remove(option);
        self
    }

    /// Send `WONT option` when the session starts, telling the peer up front
    /// that we will not perform it (for example `WONT LINEMODE`). The option
    /// stays refused; a peer that already considers it disabled ignores the
    /// message (RFC 1143), so this cannot start a loop. Ignored for options
    /// the policy requests.
    ///
    /// Strictly, RFC 854 says a party should not send a request merely to
    /// announce the mode it is in; servers announce anyway because some
    /// clients wait for it, and a conforming peer ignores it.
    pub fn announce_wont(mut self, option: TelnetOption) -> Policy {
        self.announce_wont.insert(option);
        self
    }

    /// Send `DONT option` when the session starts (for example
    /// `DONT LINEMODE`); see [`announce_wont`](Self::announce_wont).
    pub fn announce_dont(mut self, option: TelnetOption) -> Policy {
        self.announce_dont.insert(option);
        self
    }

    /// Whether we agree to perform `option` when the peer asks.
    pub fn accepts_local(&self, option: TelnetOption) -> bool {
        self.accept_local.contains(option)
    }

    /// Whether we agree that the peer performs `option` when it offers.
    pub fn accepts_remote(&self, option: TelnetOption) -> bool {
        self.accept_remote.contains(option)
    }

    /// Whether we agree to `option` on `side` when the peer asks.
    pub fn accepts(&self, side: Side, option: TelnetOption) -> bool {
        match side {
            Side::Local => self.accepts_local(option),
            Side::Remote => self.accepts_remote(option),
        }
    }

    /// The options we offer at the start, in code order.
    pub fn requested_local(&self) -> impl Iterator<Item = TelnetOption> + '_ {
        self.request_local.iter()
    }

    /// The options we ask the peer for at the start, in code order.
    pub fn requested_remote(&self) -> impl Iterator<Item = TelnetOption> + '_ {
        self.request_remote.iter()
    }

    /// The options for which `WONT` is sent at the start, in code order.
    pub fn announced_wont(&self) -> impl Iterator<Item = TelnetOption> + '_ {
        self.announce_wont
            .iter()
            .filter(|option| !self.request_local.contains(*option))
    }

    /// The options for which `DONT` is sent at the start, in code order.
    pub fn announced_dont(&self) -> impl Iterator<Item = TelnetOption> + '_ {
        self.announce_dont
            .iter()
            .filter(|option| !self.request_remote.contains(*option))
    }
}

/// The Q-method state of every option on both sides.
///
/// Only options that are not disabled on both sides take room (a few bytes
/// each), so a session that refuses a flood of requests stays small; at most
/// 256 entries.
#[derive(Debug, Clone, Default)]
pub struct OptionTable {
    entries: Vec<Entry>,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    option: TelnetOption,
    local: QState,
    remote: QState,
}

impl OptionTable {
    /// A table with every option disabled on both sides.
    pub fn new() -> OptionTable {
        OptionTable::default()
    }

    /// The state of `option` on `side`.
    pub fn get(&self, side: Side, option: TelnetOption) -> QState {
        match self.entries.iter().find(|e| e.option == option) {
            Some(entry) => match side {
                Side::Local => entry.local,
                Side::Remote => entry.remote,
            },
            None => QState::No,
        }
    }

    /// Sets the state of `option` on `side`.
    pub fn set(&mut self, side: Side, option: TelnetOption, state: QState) {
        let index = match self.entries.iter().position(|e| e.option == option) {
            Some(index) => index,
            None if state == QState::No => return,
            None => {
                self.entries.push(Entry {
                    option,
                    local: QState::No,
                    remote: QState::No,
                });
                self.entries.len() - 1
            }
        };
        let entry = &mut self.entries[index];
        match side {
            Side::Local => entry.local = state,
            Side::Remote => entry.remote = state,
        }
        if entry.local == QState::No && entry.remote == QState::No {
            self.entries.swap_remove(index);
        }
    }

    /// The options in a state other than `No` on at least one side, with
    /// their states (local, remote), in no particular order.
    pub fn active(&self) -> impl Iterator<Item = (TelnetOption, QState, QState)> + '_ {
        self.entries.iter().map(|e| (e.option, e.local, e.remote))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocols::telnet::qmethod::Queue;

    #[test]
    fn default_policy_refuses_everything() {
        let policy = Policy::new();
        for code in 0..=255 {
            assert!(!policy.accepts(Side::Local, TelnetOption(code)));
            assert!(!policy.accepts(Side::Remote, TelnetOption(code)));
        }
        assert_eq!(policy.requested_local().count(), 0);
    }

    #[test]
    fn character_mode_policy() {
        let policy = Policy::character_mode();
        assert_eq!(
            policy.requested_local().collect::<Vec<_>>(),
            vec![TelnetOption::ECHO, TelnetOption::SGA]
        );
        assert_eq!(
            policy.requested_remote().collect::<Vec<_>>(),
            vec![TelnetOption::NAWS]
        );
        assert_eq!(
            policy.announced_wont().collect::<Vec<_>>(),
            vec![TelnetOption::LINEMODE]
        );
        assert!(!policy.accepts_local(TelnetOption::LINEMODE));
        assert!(!policy.accepts_remote(TelnetOption::LINEMODE));
        let policy = policy.refuse_local(TelnetOption::ECHO);
        assert!(!policy.accepts_local(TelnetOption::ECHO));
        assert_eq!(policy.requested_local().count(), 1);
    }

    #[test]
    fn table_only_keeps_active_options() {
        let mut table = OptionTable::new();
        assert_eq!(table.get(Side::Local, TelnetOption::ECHO), QState::No);
        table.set(Side::Local, TelnetOption::ECHO, QState::Yes);
        table.set(
            Side::Remote,
            TelnetOption::ECHO,
            QState::WantYes(Queue::Empty),
        );
        table.set(Side::Remote, TelnetOption::NAWS, QState::No);
        assert_eq!(table.active().count(), 1);
        assert_eq!(table.get(Side::Local, TelnetOption::ECHO), QState::Yes);
        table.set(Side::Local, TelnetOption::ECHO, QState::No);
        table.set(Side::Remote, TelnetOption::ECHO, QState::No);
        assert_eq!(table.active().count(), 0);
    }
}
