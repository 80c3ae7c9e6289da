//! [`HttpServer`]: one HTTP request per connection, answered by a
//! [`Handler`] with a response or a WebSocket.

use std::time::Duration;

use crate::layer::{LayerEvent, Layered};
use crate::protocols::websocket::{self, WebSocketLayer, WebSocketLimits};
use crate::time::{DelayedCall, Scheduler, Timers};
use crate::{CloseReason, HalfClose, HandOver, Protocol, Transport};

use super::head::{HeadReader, RequestHead};
use super::response::{Response, Status};

/// What a server tolerates from a client before it answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HttpLimits {
    /// The largest request head, in bytes (a larger one is answered 431).
    pub max_head: usize,
    /// How long the whole head may take to arrive (after that, 408).
    pub head_timeout: Duration,
    /// What a WebSocket may hold.
    pub websocket: WebSocketLimits,
}

impl Default for HttpLimits {
    /// Heads of 8 KiB within 10 s; the WebSocket defaults.
    fn default() -> Self {
        HttpLimits {
            max_head: 8 * 1024,
            head_timeout: Duration::from_secs(10),
            websocket: WebSocketLimits::default(),
        }
    }
}

/// How a [`Handler`] answers a request.
pub enum Reply<P> {
    /// This response, then the connection closes.
    Respond(Response),
    /// A WebSocket, if the request asks for one properly (otherwise the
    /// refusal of [`websocket::accept`]), with `P` above it.
    WebSocket(P),
    /// The request is for another reactor: the connection is taken off
    /// this one ([`Transport::hand_over`]) with the request unread, and
    /// given to this function, which sends it where it is served (with
    /// [`Dispatcher::hand_over_to`](crate::pool::Dispatcher::hand_over_to),
    /// say). A connection that cannot be handed over is answered 500.
    HandOver(Box<dyn FnOnce(HandOver)>),
}

/// What a server does with a request: the application's part.
pub trait Handler: 'static {
    /// The protocol that runs over a WebSocket this handler accepts.
    type Upgraded: Protocol;

    /// Answers `request`, which came over `transport` (for its addresses).
    fn handle(&mut self, request: &RequestHead, transport: &Transport) -> Reply<Self::Upgraded>;
}

/// Where a connection is.
enum Stage<P: Protocol> {
    /// Reading the request head.
    Reading(HeadReader),
    /// Answered; the connection is closing.
    Answered,
    /// Upgraded: the WebSocket and the protocol above it.
    Upgraded(Box<Layered<WebSocketLayer, P>>),
}

/// A protocol that reads one request head (bounded by [`HttpLimits`]),
/// asks its [`Handler`], and answers or switches the connection to a
/// WebSocket with the handler's protocol above it.
///
/// Refusals, each followed by closing the connection: 400 for a malformed
/// head, 431 for one too large, 408 when it does not arrive within the
/// head timeout; 426 or 400 for a WebSocket asked for improperly. Only one
/// request is served per connection (every response says `Connection:
/// close` or upgrades).
pub struct HttpServer<H: Handler> {
    handler: H,
    timers: Timers,
    limits: HttpLimits,
    stage: Stage<H::Upgraded>,
    transport: Option<Transport>,
    head_timer: Option<DelayedCall>,
}

impl<H: Handler> HttpServer<H> {
    /// A server for one connection, timing the head on `scheduler`.
    pub fn new(handler: H, scheduler: &dyn Scheduler, limits: HttpLimits) -> Self {
        HttpServer {
            handler,
            timers: scheduler.timers(),
            stage: Stage::Reading(HeadReader::new(limits.max_head)),
            limits,
            transport: None,
            head_timer: None,
        }
    }

    /// The protocol above the WebSocket, once upgraded.
    pub fn upgraded(&self) -> Option<&H::Upgraded> {
        match &self.stage {
            Stage::Upgraded(stack) => Some(stack.inner()),
            _ => None,
        }
    }

    /// Writes `response` and closes.
    fn answer(&mut self, transport: &Transport, response: &Response) {
        self.stop_timer();
        self.stage = Stage::Answered;
        transport.write(&response.to_bytes());
        transport.lose_connection();
    }

    fn stop_timer(&mut self) {
        if let Some(timer) = self.head_timer.take() {
            timer.cancel();
        }
    }

    /// The head is in: the handler answers, or the connection upgrades and
    /// what followed the head goes to the WebSocket.
    fn serve(&mut self, transport: &Transport, request: &RequestHead, rest: &[u8]) {
        match self.handler.handle(request, transport) {
            Reply::Respond(response) => self.answer(transport, &response),
            Reply::HandOver(send) => {
                self.stop_timer();
                let unread = [request.raw(), rest].concat();
                match transport.hand_over(&unread) {
                    Ok(hand_over) => {
                        self.stage = Stage::Answered;
                        send(hand_over);
                    }
                    Err(error) => {
                        let refusal = Response::error(
                            Status::new(500, "Internal Server Error"),
                            &format!("the request could not be passed on: {error}"),
                        );
                        self.answer(transport, &refusal);
                    }
                }
            }
            Reply::WebSocket(protocol) => match websocket::accept(request) {
                Err(refusal) => self.answer(transport, &refusal),
                Ok(switching) => {
                    self.stop_timer();
                    transport.write(&switching.to_bytes());
                    let mut stack = Box::new(Layered::wrap(
                        WebSocketLayer::new(self.limits.websocket),
                        protocol,
                    ));
                    stack.connection_made(transport.clone());
                    if !rest.is_empty() {
                        stack.data_received(rest);
                    }
                    self.stage = Stage::Upgraded(stack);
                }
            },
        }
    }
}

impl<H: Handler> Protocol for HttpServer<H> {
    fn connection_made(&mut self, transport: Transport) {
        let late = transport.clone();
        let timeout = self.limits.head_timeout;
        self.head_timer = Some(self.timers.call_later(timeout, move || {
            let refusal = Response::error(
                Status::REQUEST_TIMEOUT,
                &format!("the request head did not arrive within {timeout:?}"),
            );
            late.write(&refusal.to_bytes());
            late.lose_connection_because("request head timeout");
        }));
        self.transport = Some(transport);
    }

    fn data_received(&mut self, data: &[u8]) {
        let Some(transport) = self.transport.clone() else {
            return;
        };
        let read = match &mut self.stage {
            Stage::Upgraded(stack) => return stack.data_received(data),
            Stage::Answered => return,
            Stage::Reading(reader) => reader.feed(data),
        };
        match read {
            Ok(None) => {}
            Ok(Some((request, rest))) => self.serve(&transport, &request, rest),
            Err(error) => {
                tracing::debug!(%error, "refusing a request");
                self.answer(
                    &transport,
                    &Response::error(error.status(), &error.to_string()),
                );
            }
        }
    }

    fn eof_received(&mut self) -> HalfClose {
        match &mut self.stage {
            Stage::Upgraded(stack) => stack.eof_received(),
            _ => HalfClose::Close,
        }
    }

    fn connection_lost(&mut self, reason: &CloseReason) {
        self.stop_timer();
        if let Stage::Upgraded(stack) = &mut self.stage {
            stack.connection_lost(reason);
        }
    }

    fn pause_writing(&mut self) {
        if let Stage::Upgraded(stack) = &mut self.stage {
            stack.pause_writing();
        }
    }

    fn resume_writing(&mut self) {
        if let Stage::Upgraded(stack) = &mut self.stage {
            stack.resume_writing();
        }
    }

    fn layer_event(&mut self, event: &LayerEvent<'_>) {
        if let Stage::Upgraded(stack) = &mut self.stage {
            stack.layer_event(event);
        }
    }
}
