"""Sessions and login rate limiting for the web app (both kept in memory).

Sessions are server-side: the cookie holds only a random token (HttpOnly, SameSite=Lax,
Secure when the request came over https); the server maps it to the user name, the CSRF
token and the time of the last request. A session expires after ``idle`` seconds without a
request and after ``absolute`` seconds in any case; logging in issues a fresh token (no
session fixation). Because the store is in memory, restarting ``exitlens serve`` signs
everyone out, and one process must serve all requests (uvicorn's default, one worker).

Login failures are counted per user name and per client address in a sliding window
(default 5 failures in 15 minutes); while either is over the limit, logins are refused
without checking the password. Also in memory: a restart clears the counters.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from fastapi import Request, Response

COOKIE_NAME = "exitlens_session"


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    response.set_cookie(COOKIE_NAME, token, httponly=True, samesite="lax", path="/",
                        secure=request.url.scheme == "https")


@dataclass
class WebSession:
    token: str
    csrf: str
    user: str | None = None  # None: an anonymous visitor (the login form's CSRF token)
    created: float = field(default_factory=time.time)
    last_seen: float = field(default_factory=time.time)


class SessionStore:
    """token → :class:`WebSession`, with idle and absolute expiry."""

    def __init__(self, idle: float = 8 * 3600, absolute: float = 24 * 3600,
                 clock: Callable[[], float] = time.time, max_sessions: int = 10_000):
        self.idle, self.absolute, self.clock = idle, absolute, clock
        self.max_sessions = max_sessions
        self._sessions: dict[str, WebSession] = {}
        self._lock = threading.Lock()

    def _expired(self, session: WebSession, now: float) -> bool:
        return now - session.last_seen > self.idle or now - session.created > self.absolute

    def get(self, token: str | None) -> WebSession | None:
        """The live session for ``token`` (touching it), or None."""
        if not token:
            return None
        now = self.clock()
        with self._lock:
            session = self._sessions.get(token)
            if session is None:
                return None
            if self._expired(session, now):
                del self._sessions[token]
                return None
            session.last_seen = now
            return session

    def new(self, user: str | None = None) -> WebSession:
        now = self.clock()
        session = WebSession(secrets.token_urlsafe(32), secrets.token_urlsafe(32), user,
                             created=now, last_seen=now)
        with self._lock:
            if len(self._sessions) >= self.max_sessions:
                self._purge(now)
            if len(self._sessions) >= self.max_sessions:  # still full: drop the oldest
                oldest = min(self._sessions.values(), key=lambda s: s.last_seen)
                del self._sessions[oldest.token]
            self._sessions[session.token] = session
        return session

    def drop(self, token: str) -> None:
        with self._lock:
            self._sessions.pop(token, None)

    def drop_user(self, user: str) -> None:
        """Sign a user out everywhere (e.g. after deactivation)."""
        with self._lock:
            for token in [t for t, s in self._sessions.items() if s.user == user]:
                del self._sessions[token]

    def _purge(self, now: float) -> None:
        for token in [t for t, s in self._sessions.items() if self._expired(s, now)]:
            del self._sessions[token]


class LoginLimiter:
    """At most ``limit`` failed logins per user name and per address in ``window`` seconds."""

    def __init__(self, limit: int = 5, window: float = 15 * 60,
                 clock: Callable[[], float] = time.time):
        self.limit, self.window, self.clock = limit, window, clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and now - times[0] > self.window:
            times.popleft()
        return times

    def blocked(self, user: str, address: str) -> float:
        """Seconds until a login may be tried again (0 when it may be tried now)."""
        now = self.clock()
        wait = 0.0
        with self._lock:
            for key in (f"user:{user.lower()}", f"addr:{address}"):
                times = self._recent(key, now)
                if len(times) >= self.limit:
                    wait = max(wait, times[0] + self.window - now)
        return wait

    def failed(self, user: str, address: str) -> None:
        now = self.clock()
        with self._lock:
            for key in (f"user:{user.lower()}", f"addr:{address}"):
                self._recent(key, now).append(now)

    def succeeded(self, user: str) -> None:
        with self._lock:
            self._failures.pop(f"user:{user.lower()}", None)
