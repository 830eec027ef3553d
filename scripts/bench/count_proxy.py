#!/usr/bin/env python3
"""A loopback TCP proxy that counts PostgreSQL round trips per client connection.

    count_proxy.py --listen PORT --target HOST:PORT [--delay-ms D] [--ready-file FILE] [--out FILE]

Every byte is forwarded unchanged; with --delay-ms each chunk is held D milliseconds in each
direction (a round trip then costs 2*D more, as on a network with that latency; chunks keep their
order and are not serialised behind each other's delay). The client->server stream is parsed into protocol messages;
a message that ends a round trip (the client then waits for the server) is counted:
'Q' (simple query) and 'S' (extended-protocol Sync). Password/SASL messages ('p') and
connections are counted apart. On SIGTERM or SIGINT it prints (and writes to --out) one JSON
object: per connection {Q, S, p, round_trips} and the totals.
SSL and GSS encryption requests are answered by the server; only plaintext sessions can be
parsed, so run the client with sslmode=disable (or a server without SSL).
"""
import argparse
import asyncio
import json
import signal
import struct
import sys

SSL_REQUEST = 80877103
GSSENC_REQUEST = 80877104
CANCEL_REQUEST = 80877102


class MessageCounter:
    """Parses a client->server PostgreSQL byte stream incrementally and counts message types."""

    def __init__(self):
        self.buffer = bytearray()
        self.startup_done = False
        self.counts = {"Q": 0, "S": 0, "p": 0}

    def feed(self, data):
        self.buffer += data
        while True:
            if not self.startup_done:
                if len(self.buffer) < 8:
                    return
                length, code = struct.unpack("!ii", self.buffer[:8])
                if len(self.buffer) < length:
                    return
                del self.buffer[:length]
                # SSL/GSS requests are followed by another startup-phase packet.
                if code not in (SSL_REQUEST, GSSENC_REQUEST):
                    self.startup_done = True
                continue
            if len(self.buffer) < 5:
                return
            kind = chr(self.buffer[0])
            (length,) = struct.unpack("!i", self.buffer[1:5])
            if len(self.buffer) < 1 + length:
                return
            del self.buffer[: 1 + length]
            if kind in self.counts:
                self.counts[kind] += 1

    def round_trips(self):
        return self.counts["Q"] + self.counts["S"]


class Proxy:
    def __init__(self, target_host, target_port, delay_seconds):
        self.target_host = target_host
        self.target_port = target_port
        self.delay = delay_seconds
        self.connections = []

    async def handle(self, client_reader, client_writer):
        counter = MessageCounter()
        self.connections.append(counter)
        try:
            server_reader, server_writer = await asyncio.open_connection(
                self.target_host, self.target_port)
        except OSError:
            client_writer.close()
            return

        loop = asyncio.get_running_loop()

        async def deliver(queue, writer):
            # Writes each chunk once its delay is over, in arrival order; None ends the stream.
            try:
                while True:
                    due, data = await queue.get()
                    if data is None:
                        break
                    wait = due - loop.time()
                    if wait > 0:
                        await asyncio.sleep(wait)
                    writer.write(data)
                    await writer.drain()
            except (ConnectionError, asyncio.CancelledError):
                pass
            finally:
                try:
                    writer.close()
                except Exception:  # the other side may already be gone
                    pass

        async def pump(reader, writer, count):
            queue = asyncio.Queue()
            delivery = asyncio.ensure_future(deliver(queue, writer))
            try:
                while True:
                    data = await reader.read(65536)
                    if not data:
                        break
                    if count:
                        counter.feed(data)
                    queue.put_nowait((loop.time() + self.delay, data))
            except (ConnectionError, asyncio.CancelledError):
                pass
            finally:
                queue.put_nowait((0, None))
                await delivery

        await asyncio.gather(pump(client_reader, server_writer, True),
                             pump(server_reader, client_writer, False))

    def report(self):
        per_connection = [dict(c.counts, round_trips=c.round_trips()) for c in self.connections]
        totals = {"connections": len(per_connection)}
        for key in ("Q", "S", "p", "round_trips"):
            totals[key] = sum(c[key] for c in per_connection)
        return {"totals": totals, "connections": per_connection}


async def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", type=int, required=True)
    parser.add_argument("--target", required=True, help="HOST:PORT of the PostgreSQL server")
    parser.add_argument("--delay-ms", type=float, default=0.0,
                        help="added latency in each direction, in milliseconds")
    parser.add_argument("--ready-file", help="written once the proxy accepts connections")
    parser.add_argument("--out", help="also write the JSON report here")
    args = parser.parse_args()
    host, _, port = args.target.rpartition(":")

    proxy = Proxy(host, int(port), args.delay_ms / 1000.0)
    server = await asyncio.start_server(proxy.handle, "127.0.0.1", args.listen)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if args.ready_file:
        with open(args.ready_file, "w") as ready:
            ready.write("ready\n")
    await stop.wait()
    server.close()
    report = json.dumps(proxy.report())
    if args.out:
        with open(args.out, "w") as out:
            out.write(report + "\n")
    print(report)
    sys.stdout.flush()


if __name__ == "__main__":
    asyncio.run(main())
