//! [`Entrances`]: the gateway to the session of each of a server's
//! reactors, and the one an SSH newcomer goes through.

use std::sync::{Arc, OnceLock};

use weft::bridge::Gateway;
use weft::{Address, Reactor};

use super::super::lobby::Lobby;
use super::super::server::Server;
use super::player::{Login, SshPlayer};

/// One gateway per session of the lobby (one per reactor), opened by each
/// reactor as it sets up (`Send + Sync`).
pub struct Entrances {
    lobby: Arc<Lobby>,
    gateways: Vec<OnceLock<Gateway<Login>>>,
}

impl Entrances {
    /// No gateway yet, for the sessions of `lobby`.
    pub fn new(lobby: Arc<Lobby>) -> Arc<Entrances> {
        let gateways = (0..lobby.sessions()).map(|_| OnceLock::new()).collect();
        Arc::new(Entrances { lobby, gateways })
    }

    /// On `reactor`'s thread: SSH players sent to session `place` play on
    /// `server`, which runs there.
    pub fn open(&self, place: usize, server: &Server, reactor: &Reactor) {
        let server = server.clone();
        let gateway = Gateway::new(reactor, move |_peer: &Address, login: Login| {
            Some(SshPlayer::new(
                server.player(Some(login.name)),
                login.window,
            ))
        });
        if let Some(slot) = self.gateways.get(place) {
            let _ = slot.set(gateway);
        }
    }

    /// The gateway a newcomer goes through: to the session the lobby
    /// chooses, or any open one while that one is still setting up;
    /// `None` before any is open.
    pub fn for_newcomer(&self) -> Option<&Gateway<Login>> {
        let chosen = self.lobby.session_for_newcomer();
        self.gateways
            .get(chosen)
            .and_then(OnceLock::get)
            .or_else(|| self.gateways.iter().find_map(OnceLock::get))
    }

    /// What the sessions share (the per-address counts among others).
    pub fn lobby(&self) -> &Arc<Lobby> {
        &self.lobby
    }

    /// Connections open through every gateway now.
    pub fn connections(&self) -> usize {
        self.gateways
            .iter()
            .filter_map(OnceLock::get)
            .map(Gateway::connections)
            .sum()
    }
}
