"""A TCP proxy that a test can switch off: the broker "goes down" for whoever talks through it.

Stopping it closes the listening socket and every open connection, which is what a client
sees when the broker host dies; starting it again on the same port brings the broker back.
``cut(seconds)`` does both, for the fault campaign (tests/support/faults.py), and
``cuts`` counts how often the proxy was stopped while connections were open through it.

An open connection stays open however long it is idle: only ``stop`` ends it (a pooled
database connection or an AMQP connection between heartbeats is silent for many seconds).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time


class TcpProxy:
    def __init__(self, target: tuple[str, int], port: int) -> None:
        self.target = target
        self.port = port
        self._listener: socket.socket | None = None
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self.cuts = 0  # stops that closed at least one open connection
        self.connections = 0  # connections accepted since the proxy was made

    @property
    def url_host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        if self._listener is not None:
            with contextlib.suppress(OSError):
                # shutdown wakes the thread blocked in accept(), so the port is really free
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            self._listener = None
        with self._lock:
            if self._sockets:
                self.cuts += 1
            for s in self._sockets:
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                with contextlib.suppress(OSError):
                    s.close()  # even when the peer had already gone (shutdown raised)
            self._sockets.clear()

    def cut(self, seconds: float) -> None:
        """The server is unreachable for ``seconds``: every open connection is closed and new
        ones are refused, then the proxy listens again on the same port."""
        self.stop()
        time.sleep(seconds)
        self.start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            # The timeout was for connecting only: a silent server must not end the connection.
            upstream.settimeout(None)
            with self._lock:
                self._sockets += [client, upstream]
                self.connections += 1
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                sink.shutdown(socket.SHUT_WR)
