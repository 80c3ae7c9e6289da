"""A Twisted echo server (epoll reactor), for the weft benchmark.

    python3 twisted_echo.py HOST PORT

Prints `listening on HOST:PORT` once ready (port 0 picks a free port);
SIGTERM stops it. Reading pauses while the peer does not read (the
transport is registered as its own streaming producer).
"""

import sys

from twisted.internet import epollreactor

epollreactor.install()

from twisted.internet import protocol, reactor  # noqa: E402


class Echo(protocol.Protocol):
    def connectionMade(self):
        self.transport.setTcpNoDelay(True)
        self.transport.registerProducer(self.transport, True)

    def dataReceived(self, data):
        self.transport.write(data)


class EchoFactory(protocol.Factory):
    protocol = Echo


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    listening = reactor.listenTCP(port, EchoFactory(), backlog=1024, interface=host)
    address = listening.getHost()
    print(f"listening on {address.host}:{address.port}", flush=True)
    reactor.run()


if __name__ == "__main__":
    main()
