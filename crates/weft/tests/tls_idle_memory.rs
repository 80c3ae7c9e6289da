//! What an established TLS connection keeps between records, seen from
//! the allocator: the bytes of a record that has only partly arrived are
//! held, and released once it completes, so that an idle connection
//! holds no read buffer.

mod tls_support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::{Cell, RefCell};
use std::rc::Rc;

use tls_support::Pki;
use weft::testing::{Clock, StringTransport};
use weft::tls::TlsProtocol;
use weft::{Protocol, Transport};

/// The system allocator, counting the bytes live on each thread.
struct Counting;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
}

fn count(bytes: isize) {
    let _ = LIVE.try_with(|live| live.set(live.get() + bytes));
}

fn live() -> isize {
    LIVE.with(Cell::get)
}

// SAFETY: every call goes to the system allocator unchanged; only a
// thread-local counter is updated besides.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size() as isize);
        // SAFETY: the caller's contract, passed on.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        count(-(layout.size() as isize));
        // SAFETY: the caller's contract, passed on.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count(layout.size() as isize);
        // SAFETY: the caller's contract, passed on.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size as isize - layout.size() as isize);
        // SAFETY: the caller's contract, passed on.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Counts what it receives, allocating nothing.
#[derive(Default)]
struct Count {
    transport: Option<Transport>,
    received: Rc<Cell<usize>>,
}

impl Protocol for Count {
    fn connection_made(&mut self, transport: Transport) {
        self.transport = Some(transport);
    }

    fn data_received(&mut self, data: &[u8]) {
        self.received.set(self.received.get() + data.len());
    }
}

#[test]
fn a_partial_record_is_held_until_it_completes_then_released() {
    const MESSAGE: usize = 10_000;
    let pki = Pki::new();
    let clock = Clock::new();
    let (client_wire, server_wire) = (StringTransport::new(), StringTransport::new());
    let mut client = TlsProtocol::new(pki.client_role(), &clock, Count::default());
    let server = Rc::new(RefCell::new(TlsProtocol::new(
        pki.server_role(),
        &clock,
        Count::default(),
    )));
    client.connection_made(client_wire.transport());
    server.borrow_mut().connection_made(server_wire.transport());
    loop {
        let (to_server, to_client) = (client_wire.take_written(), server_wire.take_written());
        if to_server.is_empty() && to_client.is_empty() {
            break;
        }
        server.borrow_mut().data_received(&to_server);
        client.data_received(&to_client);
    }
    let writer = client.inner().transport.clone().unwrap();
    let received = server.borrow().inner().received.clone();
    let record = |writer: &Transport| {
        writer.write(&[b'x'; MESSAGE]);
        client_wire.take_written()
    };
    // Once whole, so that the thread's shared buffers have grown to fit.
    server.borrow_mut().data_received(&record(&writer));
    assert_eq!(received.get(), MESSAGE);
    let record = record(&writer);
    let (first, second) = record.split_at(record.len() / 2);

    let idle = live();
    server.borrow_mut().data_received(first);
    let holding = live() - idle;
    server.borrow_mut().data_received(second);
    let after = live() - idle;

    assert_eq!(received.get(), 2 * MESSAGE);
    assert!(
        holding >= first.len() as isize,
        "half a record is held: {holding} bytes more for {} received",
        first.len()
    );
    assert!(
        after <= 0,
        "the complete record leaves nothing held: {after} bytes more than when idle"
    );
}
