"""The press office at work, for Locust: moderators, editors and managers in their browsers.

Run by ``bench/office_load.py`` (``locust -f bench/office_staff.py --headless ...`` in its own
process); what the people do and who they are comes from the JSON file named by
``OFFICE_STAFF`` (accounts, channels, announcements with figures) and how many of each from
``OFFICE_MODERATORS``, ``OFFICE_EDITORS``, ``OFFICE_MANAGERS``. Each person logs in once through
the login form (with its CSRF token), as people do, then works with pauses of a few seconds
(``OFFICE_PAUSE``, "min-max" seconds) between steps:

- a moderator opens the inbox, filters it (network, state, assigned to me, flagged), pages on
  by "Older", opens an item and sometimes answers it (the reply is queued for a worker);
- an editor opens the compose form, types (the live preview asks the server), saves a draft;
- a manager looks at the dashboard (30 days, all channels or one) and an announcement's figures.

Every request is named by the page it stands for, so Locust's statistics are per page.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
from pathlib import Path
from typing import Any

from locust import HttpUser, between, task

STAFF: dict[str, Any] = json.loads(Path(os.environ["OFFICE_STAFF"]).read_text(encoding="utf-8"))
LOW, HIGH = (float(x) for x in os.environ.get("OFFICE_PAUSE", "1-4").split("-"))
ROW = re.compile(r'data-comment-id="(\d+)"')
OLDER = re.compile(r'id="older" href="([^"]+)"')
REPLY_FORM = re.compile(r'id="reply-form"(.*?)</form>', re.S)
FIELD = 'name="{}"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*name="{}"'

# Who is who: each new simulated person takes the next account of their role.
_accounts = {role: itertools.cycle(STAFF[role]) for role in ("moderator", "editor", "manager")}


def field(html: str, name: str) -> str | None:
    found = re.search(FIELD.format(name, name), html)
    return (found.group(1) or found.group(2)) if found else None


class Staff(HttpUser):
    abstract = True
    role = ""
    wait_time = between(LOW, HIGH)

    def on_start(self) -> None:
        self.email = next(_accounts[self.role])
        page = self.client.get("/login", name="login form").text
        token = field(page, "csrf_token")
        with self.client.post(
            "/login",
            data={"email": self.email, "password": STAFF["password"], "csrf_token": token},
            name="login",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code not in (302, 303):
                response.failure(f"{self.email}: login answered {response.status_code}")

    def page(self, url: str, name: str, **kwargs: Any) -> str:
        with self.client.get(url, name=name, catch_response=True, **kwargs) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")
            return response.text


class Moderator(Staff):
    role = "moderator"
    fixed_count = int(os.environ.get("OFFICE_MODERATORS", "10"))
    weight = fixed_count

    def on_start(self) -> None:
        super().on_start()
        self.rows: list[str] = []
        self.older: str | None = None

    def _list(self, url: str, name: str) -> None:
        html = self.page(url, name)
        self.rows = ROW.findall(html)
        older = OLDER.search(html)
        self.older = older.group(1).replace("&amp;", "&") if older else None

    @task(4)
    def first_page(self) -> None:
        self._list("/admin/inbox/", "inbox: first page")

    @task(2)
    def by_network(self) -> None:
        network = random.choice(STAFF["networks"])
        self._list(f"/admin/inbox/?network={network}", "inbox: one network")

    @task(2)
    def by_state(self) -> None:
        state = random.choice(("new", "assigned", "answered"))
        self._list(f"/admin/inbox/?status={state}", "inbox: one state")

    @task(2)
    def mine(self) -> None:
        self._list("/admin/inbox/?assignee=me", "inbox: assigned to me")

    @task(2)
    def flagged(self) -> None:
        self._list("/admin/inbox/?flagged=1", "inbox: flagged")

    @task(3)
    def next_page(self) -> None:
        if self.older:
            self._list(self.older, "inbox: next page")

    @task(3)
    def answer(self) -> None:
        if not self.rows:
            return
        comment = random.choice(self.rows)
        html = self.page(f"/admin/inbox/{comment}", "inbox: an item")
        form = REPLY_FORM.search(html)
        if not form or random.random() < 0.5:  # not answerable, or only read
            return
        self.client.post(
            f"/admin/inbox/{comment}/reply",
            allow_redirects=False,
            data={
                "csrf_token": field(form.group(1), "csrf_token"),
                "key": field(form.group(1), "key"),
                "saved_reply": "",
                "text": "Danke für Ihren Hinweis, wir kümmern uns darum.",
            },
            name="inbox: answer",
        )


class Editor(Staff):
    role = "editor"
    fixed_count = int(os.environ.get("OFFICE_EDITORS", "5"))
    weight = fixed_count

    @task
    def compose(self) -> None:
        html = self.page("/admin/announcements/new", "compose: form")
        token = field(html, "csrf_token")
        channels = [str(c) for c in random.sample(STAFF["text_channels"], k=2)]
        body = "Die Kortumstraße ist am Samstag zwischen 8 und 18 Uhr gesperrt."
        for typed in range(3):  # the live preview asks while the editor types
            self.client.post(
                "/admin/announcements/count",
                json={"title": "Sperrung", "body": body[: 20 * (typed + 1)], "channels": channels},
                headers={"X-CSRFToken": token},
                name="compose: preview",
            )
        with self.client.post(
            "/admin/announcements/new",
            data={
                "csrf_token": token,
                "title": "Sperrung Kortumstraße",
                "body": body,
                "link": "https://www.bochum.de/sperrung",
                "channels": channels,
            },
            name="compose: save draft",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code not in (302, 303):
                response.failure(f"draft not saved: {response.status_code}")


class Manager(Staff):
    role = "manager"
    fixed_count = int(os.environ.get("OFFICE_MANAGERS", "5"))
    weight = fixed_count

    @task(3)
    def dashboard(self) -> None:
        self.page("/admin/engagement/?days=30", "dashboard: 30 days, all channels")

    @task(2)
    def one_channel(self) -> None:
        channel = random.choice(STAFF["channels"])
        self.page(f"/admin/engagement/?days=30&channel={channel}", "dashboard: one channel")

    @task(2)
    def announcement(self) -> None:
        item = random.choice(STAFF["announcements"])
        self.page(f"/admin/engagement/announcements/{item}", "announcement figures")
