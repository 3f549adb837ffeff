"""Simulated citizens: people who comment on the city's published posts, now and then.

``POST /_sandbox/citizens {"per_minute": 4}`` starts them (0 stops them; a reset stops them
too). They pick one of the most recent posts on any network, and either comment on it or answer
a comment already there, in German: questions, thanks, complaints, and some hostile ones
(insults, a threat, spam) and emergencies, so that the inbox's rules have something to flag.
"""

from __future__ import annotations

import logging
import random
import threading
from typing import TYPE_CHECKING, Any

from hub.sandbox.core import Post

if TYPE_CHECKING:
    from hub.sandbox.server import SandboxApp

log = logging.getLogger(__name__)

RECENT_POSTS = 20
REPLY_SHARE = 0.3  # how often a citizen answers a comment instead of the post
MAX_RATE = 600.0

FRIENDLY = (
    "Wann genau geht es los? Ich finde keine Uhrzeit.",
    "Danke für die Info! 👍",
    "Gibt es dort auch Parkplätze für Menschen mit Behinderung?",
    "Ist das auch am Wochenende geöffnet?",
    "Super Sache, wir kommen mit der ganzen Familie.",
    "Kann man sich irgendwo online anmelden?",
    "Fährt die Straßenbahn 308 trotzdem normal?",
    "Wo finde ich die Umleitung genau? Die Schilder sind verwirrend.",
    "Gilt das auch für Wattenscheid?",
    "Vielen Dank an alle, die das organisieren!",
    "Warum erfährt man so etwas immer erst so spät?",
    "Die Ampel an der Kreuzung ist seit Tagen kaputt, wer ist zuständig?",
    "Wird es eine Übersetzung in leichter Sprache geben?",
    "Schon wieder eine Baustelle. Wie lange dauert das denn noch?",
)
HOSTILE = (
    "Ihr seid doch alle Idioten im Rathaus.",
    "Was für ein Schwachsinn, typisch Stadtverwaltung. Vollidioten!",
    "Wenn das so weitergeht, passiert hier bald was, das schwöre ich euch.",
    "Ihr Versager, tretet endlich zurück!",
    "JETZT GÜNSTIG KREDIT OHNE SCHUFA!!! Klick hier: http://spam.example/kredit",
)
EMERGENCY = (
    "Notfall! Am Husemannplatz liegt ein Mann am Boden, wer hilft?",
    "Achtung, an der Königsallee ist ein Wasserrohrbruch, die Straße steht unter Wasser!",
)
NAMES = (
    "Anna Kowalski",
    "Mehmet Yılmaz",
    "Jürgen Schäfer",
    "Sabine Müller",
    "Lukas Weißenberg",
    "Fatma Demir",
    "Heinz-Günter Brökelmann",
    "Olga Nowak",
    "Kevin S.",
    "Ruhrpott_Mädel",
)


def sample_text(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.15:
        return rng.choice(HOSTILE)
    if roll < 0.22:
        return rng.choice(EMERGENCY)
    return rng.choice(FRIENDLY)


class Citizens:
    """The background commenters of one sandbox. Thread-safe; one thread, started on demand."""

    def __init__(self, app: SandboxApp, seed: int | None = None) -> None:
        self.app = app
        self.state = app.state
        self.rng = random.Random(seed)
        self._rate = 0.0
        self._posted = 0
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def configure(self, per_minute: float) -> dict[str, Any]:
        if not 0 <= per_minute <= MAX_RATE:
            raise ValueError(f"per_minute must be between 0 and {MAX_RATE:g}")
        with self._lock:
            self._rate = float(per_minute)
            if self._rate and self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="sandbox-citizens", daemon=True
                )
                self._thread.start()
        self._wake.set()
        return self.status()

    def stop(self) -> None:
        with self._lock:
            self._rate = 0.0
            self._posted = 0
        self._wake.set()

    def status(self) -> dict[str, Any]:
        with self._lock:
            return {"per_minute": self._rate, "comments": self._posted}

    def _run(self) -> None:
        while True:
            with self._lock:
                rate = self._rate
            if rate <= 0:
                self._wake.wait()
                self._wake.clear()
                continue
            pause = 60.0 / rate * self.rng.uniform(0.5, 1.5)
            if self._wake.wait(pause):
                self._wake.clear()  # the rate changed: start the pause again
                continue
            try:
                self.comment_once()
            except Exception:  # one failed comment must not stop the citizens
                log.exception("a simulated citizen could not comment")

    def comment_once(self) -> Post | None:
        """One citizen comments on one of the most recent published posts (or answers there)."""
        with self.state.lock:
            posts = [
                p
                for p in self.state.posts_of()
                if not p.is_comment
                and not p.deleted
                and p.published
                and p.network in self.app.networks
                and not getattr(
                    self.state.accounts.get((p.network, p.account_id)), "is_citizen", False
                )
            ]
            posts.sort(key=lambda p: p.created_at, reverse=True)
            if not posts:
                return None
            post = self.rng.choice(posts[:RECENT_POSTS])
            target = post
            if self.rng.random() < REPLY_SHARE:
                comments = [
                    p
                    for p in self.state.posts_of(post.network)
                    if p.root_id == post.id and p.is_comment and not p.deleted
                ]
                if comments:
                    target = self.rng.choice(comments)
            author = self.state.citizen(post.network, self.rng.choice(NAMES))
            text = sample_text(self.rng)
        comment = self.app.api_for(post.network).add_comment(target, text, author)
        with self._lock:
            self._posted += 1
        return comment
