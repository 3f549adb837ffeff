"""Reads deploy/: the image's Dockerfile, the compose file, the systemd units and the env file,
so the tests run and check the commands written there instead of copies of them."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
COMPOSE = DEPLOY / "compose.yaml"
DOCKERFILE = DEPLOY / "Dockerfile"
CADDYFILE = DEPLOY / "Caddyfile"
ENV_EXAMPLE = DEPLOY / "hub.env.example"
SYSTEMD = DEPLOY / "systemd"
# The services that run the hub image (the others are PostgreSQL, Redis and the proxy).
HUB_IMAGE = "${HUB_IMAGE:-hub:latest}"


@dataclass(frozen=True)
class Image:
    entrypoint: list[str]
    cmd: list[str]
    env: dict[str, str]
    healthcheck: list[str]
    user: str


def image() -> Image:
    """The final stage of deploy/Dockerfile: ENTRYPOINT, CMD, ENV, HEALTHCHECK and USER."""
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    stages = re.split(r"^FROM .*$", text, flags=re.MULTILINE)
    found: dict[str, Any] = {"ENV": {}}
    for line in stages[-1].splitlines():
        word, _, rest = line.strip().partition(" ")
        if word in ("ENTRYPOINT", "CMD", "USER"):
            found[word] = json.loads(rest) if rest.startswith("[") else rest.strip()
        elif word == "ENV":
            for pair in shlex.split(rest):
                key, _, value = pair.partition("=")
                found["ENV"][key] = value
        elif word == "HEALTHCHECK":
            found["HEALTHCHECK"] = json.loads(rest[rest.index("CMD") + 3 :].strip())
    return Image(
        found["ENTRYPOINT"], found["CMD"], found["ENV"], found["HEALTHCHECK"], found["USER"]
    )


def compose() -> dict[str, Any]:
    """deploy/compose.yaml as compose reads it (YAML merge keys resolved)."""
    return yaml.safe_load(COMPOSE.read_text())


def hub_services() -> dict[str, dict[str, Any]]:
    """The compose services that run the hub image, by name."""
    services = compose()["services"]
    return {name: s for name, s in services.items() if s.get("image") == HUB_IMAGE}


def interpolate(value: str, variables: Mapping[str, str]) -> str:
    """Compose's ``${NAME}``, ``${NAME:-default}`` and ``${NAME:?error}``."""

    def one(match: re.Match[str]) -> str:
        name, op, arg = match.group(1), match.group(2), match.group(3)
        if variables.get(name):
            return variables[name]
        if op == ":?":
            raise KeyError(f"{name}: {arg}")
        return arg or ""

    return re.sub(r"\$\{(\w+)(?:(:[-?])([^}]*))?\}", one, value)


def env_file(path: Path = ENV_EXAMPLE) -> dict[str, str]:
    """KEY=value lines (what both compose's env_file and systemd's EnvironmentFile read)."""
    pairs = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            pairs[key.strip()] = value.strip()
    return pairs


def unit(name: str) -> dict[str, dict[str, list[str]]]:
    """A systemd unit file: section -> key -> values (a key may repeat)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] = {}
    for raw in (SYSTEMD / name).read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        key, _, value = line.partition("=")
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def exec_start(name: str, instance: str = "") -> list[str]:
    """The unit's ExecStart as an argument list, ``%I`` replaced by ``instance``."""
    (line,) = unit(name)["Service"]["ExecStart"]
    return shlex.split(line.replace("%I", instance))
