"""deploy/ read without running it: the compose file against the Compose Specification's JSON
schema, the systemd units through ``systemd-analyze verify``, and the image, the compose file,
the units and the README naming the same commands. tests/e2e/test_deploy.py runs them."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from hub.scheduler.app import QUEUES
from tests import deploy_files
from tests.conftest import service_missing

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "tests" / "fixtures" / "compose" / "compose-spec.json"
# systemd unit -> the compose service running the same command
UNITS = {"hub-init.service": "init", "hub-web.service": "web", "hub-beat.service": "beat"}


def worker_services() -> dict[str, list[str]]:
    """Compose's worker services and the queues each takes (``-Q``)."""
    workers = {}
    for name, service in deploy_files.hub_services().items():
        command = service["command"]
        if command[0] == "worker":
            workers[name] = command[command.index("-Q") + 1].split(",")
    return workers


def test_the_compose_file_follows_the_compose_specification() -> None:
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft7Validator(schema).validate(deploy_files.compose())


def test_every_queue_has_a_worker() -> None:
    """A queue nobody takes stops what is sent to it: without ``dispatch`` nothing is ever
    published (the dispatcher's pass is a task on that queue)."""
    taken = [queue for queues in worker_services().values() for queue in queues]
    assert sorted(taken) == sorted(QUEUES)


def test_the_image_runs_the_web_app_by_default_and_every_service_through_its_entrypoint() -> None:
    image = deploy_files.image()
    assert image.entrypoint == ["hub"]
    assert image.cmd == ["web"]
    assert image.user == "hub"
    services = deploy_files.hub_services()
    assert services["web"]["command"] == image.cmd
    assert set(services) == {"init", "web", "beat", *worker_services()}
    # Every hub service waits for init; init for the database and Redis.
    for name, service in services.items():
        if name != "init":
            assert service["depends_on"]["init"]["condition"] == "service_completed_successfully"
    assert set(services["init"]["depends_on"]) == {"db", "redis"}


def test_the_image_health_check_asks_the_web_app_where_it_listens() -> None:
    image = deploy_files.image()
    port = image.env["HUB_WEB_BIND"].rsplit(":", 1)[1]
    (url,) = re.findall(r"http://[^'\"]+", " ".join(image.healthcheck))
    assert url == f"http://127.0.0.1:{port}/healthz"
    assert port in deploy_files.hub_services()["web"]["expose"]


def test_the_systemd_units_run_the_commands_of_the_compose_file() -> None:
    """The same program (the image's /opt/hub venv) with the same arguments."""
    image = deploy_files.image()
    services = deploy_files.hub_services()
    commands = {unit: deploy_files.exec_start(unit) for unit in UNITS}
    for name, queues in worker_services().items():
        commands[f"hub-worker@ {name}"] = deploy_files.exec_start(
            "hub-worker@.service", ",".join(queues)
        )
    for unit, (program, *args) in commands.items():
        service = UNITS.get(unit) or unit.split(" ")[1]
        assert Path(program).name == image.entrypoint[0], unit
        assert str(Path(program).parent) in image.env["PATH"].split(":"), unit
        assert args == services[service]["command"], unit


def test_the_systemd_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    if shutil.which("systemd-analyze") is None:
        service_missing("systemd-analyze", "not on PATH")
    hub = shutil.which("hub", path=str(Path(sys.executable).parent))
    assert hub
    shutil.copytree(deploy_files.SYSTEMD, tmp_path, dirs_exist_ok=True)
    # It insists on existing programs: the units name the installed hub, here the venv's.
    for unit in tmp_path.glob("*.service"):
        unit.write_text(unit.read_text().replace("/opt/hub/bin/hub", hub))
    escape = subprocess.run(
        [
            "systemd-escape",
            "--template",
            "hub-worker@.service",
            *[",".join(q) for q in worker_services().values()],
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    units = [*UNITS, *escape.stdout.split()]
    result = subprocess.run(
        ["systemd-analyze", "verify", *units],
        cwd=tmp_path,
        env={
            "PATH": "/usr/bin:/bin",
            "SYSTEMD_UNIT_PATH": f"{tmp_path}:",
            "SYSTEMD_LOG_COLOR": "0",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    # Unknown or misspelt settings are only warnings: any output at all fails.
    assert result.returncode == 0 and not result.stderr.strip() and not result.stdout.strip(), (
        result.stdout + result.stderr
    )


def test_the_units_run_as_hub_sandboxed_with_the_settings_file() -> None:
    shared = deploy_files.unit("hub-.service.d/hub.conf")["Service"]
    assert shared["User"] == ["hub"]
    assert shared["EnvironmentFile"] == ["/etc/hub/hub.env"]
    assert shared["ProtectSystem"] == ["strict"]
    assert shared["NoNewPrivileges"] == ["yes"]
    assert shared["StateDirectory"] == ["hub"]
    assert "HUB_DATA_DIR=/var/lib/hub" in shared["Environment"][0].split()


def test_every_setting_in_the_example_env_file_is_read_somewhere() -> None:
    """A misspelt name would be ignored without a word: each is read by hub, the compose file
    or the Caddyfile."""
    sources = "".join(p.read_text() for p in (ROOT / "hub").rglob("*.py"))
    deploy = deploy_files.COMPOSE.read_text() + deploy_files.CADDYFILE.read_text()
    example = deploy_files.ENV_EXAMPLE.read_text()
    names = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", example, flags=re.MULTILINE))
    assert "HUB_SECRET_KEY" in names
    unknown = {n for n in names if f'"{n}"' not in sources and n not in deploy}
    assert not unknown


def test_the_readme_names_the_commands_the_files_run() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Production deployment", 1)[1].split("\n## ", 1)[0]
    for queues in worker_services().values():
        assert f"hub worker -Q {','.join(queues)}" in section
    for command in ("hub init", "hub web", "hub beat", "deploy/compose.yaml"):
        assert command in section


def test_every_name_in_the_gunicorn_config_is_a_gunicorn_setting(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """gunicorn ignores a name it does not know: a misspelt setting would be lost silently."""
    import importlib

    from gunicorn.config import Config

    monkeypatch.setenv("HUB_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("HUB_WEB_WORKERS", "3")
    monkeypatch.setenv("HUB_LOG_FORMAT", "json")
    module = importlib.reload(importlib.import_module("hub.gunicorn_config"))
    names = {n for n in vars(module) if not n.startswith("_") and n.islower()} - {
        "annotations",
        "os",
    }
    config = Config()
    assert names and not names - set(config.settings)
    for name in names:
        config.set(name, getattr(module, name))  # gunicorn's own validation
    assert config.workers == 3
    assert config.worker_class_str == "gthread"
    assert config.forwarded_allow_ips == [] and config.secure_scheme_headers == {}
    handler = config.logconfig_dict["handlers"]["stdout"]
    assert handler["formatter"] == "json"


def test_caddy_accepts_the_caddyfile_as_compose_and_the_systemd_drop_in_fill_it(
    tmp_path: Path,
) -> None:
    """As production runs it (a Let's Encrypt certificate); tests/e2e/test_deploy.py runs it
    with ``tls internal``."""
    if shutil.which("caddy") is None:
        service_missing("caddy", "not on PATH (scripts/setup.sh installs Debian's)")
    proxy = deploy_files.compose()["services"]["proxy"]
    variables = {"HUB_DOMAIN": "hub.stadt.example", "CADDY_TLS": "tls presse@stadt.example"}
    from_compose = {
        k: deploy_files.interpolate(str(v), variables) for k, v in proxy["environment"].items()
    }
    drop_in = deploy_files.unit("caddy.service.d/hub.conf")["Service"]["Environment"]
    from_systemd = dict(line.split("=", 1) for line in drop_in)
    for env in (from_compose, from_systemd):
        result = subprocess.run(
            [
                "caddy",
                "validate",
                "--config",
                str(deploy_files.CADDYFILE),
                "--adapter",
                "caddyfile",
            ],
            env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), **env},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr[-2000:]


def test_the_build_context_holds_what_the_image_copies() -> None:
    """deploy/Dockerfile.dockerignore lets only what the image installs reach the builder."""
    ignore = (deploy_files.DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
    allowed = {line[1:] for line in ignore if line.startswith("!")}
    copied = set()
    for line in deploy_files.DOCKERFILE.read_text().splitlines():
        if line.startswith("COPY ") and "--from=" not in line:
            copied.update(line.split()[1:-1])
    assert copied == allowed == {"pyproject.toml", "README.md", "hub"}
    assert all((ROOT / name).exists() for name in copied)
