"""An asyncio echo server on uvloop (Protocol API), for the weft benchmark.

    python3 uvloop_echo.py HOST PORT

Prints `listening on HOST:PORT` once ready (port 0 picks a free port);
SIGTERM stops it. Reading pauses while the peer does not read.
"""

import asyncio
import signal
import sys

import uvloop


class Echo(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.transport.write(data)

    def pause_writing(self):
        self.transport.pause_reading()

    def resume_writing(self):
        self.transport.resume_reading()


async def main():
    host, port = sys.argv[1], int(sys.argv[2])
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Echo, host, port, backlog=1024)
    address = server.sockets[0].getsockname()
    print(f"listening on {address[0]}:{address[1]}", flush=True)
    stop = loop.create_future()
    loop.add_signal_handler(signal.SIGTERM, stop.set_result, None)
    await stop
    server.close()


if __name__ == "__main__":
    uvloop.run(main())
