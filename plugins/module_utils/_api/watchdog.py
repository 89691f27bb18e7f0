# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What requests cannot bound as a whole: an exchange from its connect to the head of its answer.

urllib3 gives each read of a socket the timeout, so a proxy answering CONNECT, or a server sending an answer's
status line and headers, one byte a second would hold a request for hours; and connecting, the TLS handshake and
sending the request each get the whole timeout anew. From its connect (or its request, on a connection kept
open) until its answer's head has arrived, a connection is registered here with the moment its exchange must
end; one thread shuts down the socket each connection still registered holds when its moment passes, which ends
the read or write at once (_api.exchange then names the timeout). The body is read under the same moment there.
"""

from __future__ import annotations

import heapq
import itertools
import socket
import threading
import time


class Watchdog:
    """Shuts down the socket of each registered connection whose moment (time.monotonic()) has passed; one
    daemon thread, started by the first registration."""

    def __init__(self, clock=time.monotonic):
        self._clock = clock
        self._changed = threading.Condition()
        self._due = []  # heap of (moment, ticket, connection)
        self._watched = set()  # tickets not released yet
        self._tickets = itertools.count()
        self._thread = None

    def watch(self, connection, moment):
        """Watch `connection` (anything with a `sock`, read when its moment passes: the socket it has then, plain
        while it connects, TLS after) until `moment`; returns the ticket that `release` takes."""
        with self._changed:
            ticket = next(self._tickets)
            heapq.heappush(self._due, (moment, ticket, connection))
            self._watched.add(ticket)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="tanium-answer-watchdog", daemon=True)
                self._thread.start()
            if self._due[0][1] == ticket:
                self._changed.notify()  # due before everything watched so far
        return ticket

    def release(self, ticket):
        """Stop watching; False when its socket was shut down already (its moment had passed)."""
        with self._changed:
            watched = ticket in self._watched
            self._watched.discard(ticket)
            self._drop_released()
            return watched

    def _drop_released(self):
        while self._due and self._due[0][1] not in self._watched:
            heapq.heappop(self._due)

    def _run(self):
        with self._changed:
            while True:
                self._drop_released()
                if not self._due:
                    self._changed.wait()
                    continue
                moment, ticket, connection = self._due[0]
                left = moment - self._clock()
                if left > 0:
                    self._changed.wait(left)
                    continue
                heapq.heappop(self._due)
                self._watched.discard(ticket)
                sock = getattr(connection, "sock", None)
                if sock is None:
                    continue  # between sockets: nothing to end
                try:
                    # The plain socket's shutdown, not SSLSocket's (which drops its TLS state under the reader).
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)
                except OSError:
                    pass  # closed meanwhile


WATCHDOG = Watchdog()
