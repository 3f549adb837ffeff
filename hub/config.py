"""Settings from the environment (``HUB_*``), in one place, with embedded defaults.

Secrets never have a hard-coded default: when ``HUB_SECRET_KEY`` or ``HUB_ENCRYPTION_KEYS`` is
absent, a random value is generated once into the data directory and read from there afterwards,
so a single-machine install needs no set-up and a scaled-out one passes the same values to every
process through the environment.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from cryptography.fernet import Fernet

# Folders under $HUB_DATA_DIR/broker; hub swaps in its own transport that writes every file whole
# (hub/scheduler/broker.py), so the URL, and old data dirs, stay as they were.
EMBEDDED_BROKER = "filesystem://"
# Where the sandbox serves an API whose real host is not graph.facebook.com's twin: Instagram
# Login's graph.instagram.com answers the same paths (/vNN.N/...) for other tokens.
# Mastodon: every instance under /mastodon/<instance>/ (the connector appends the instance).
SANDBOX_PREFIXES = {
    "mastodon": "/mastodon",
    "instagram": "/graph.instagram.com",
    "linkedin": "/api.linkedin.com",
    "threads": "/graph.threads.net",
}
NETWORK_URL_VARS = {
    "x": "HUB_X_API_URL",
    "graph": "HUB_GRAPH_API_URL",  # Facebook, and Instagram with Facebook Login
    "instagram": "HUB_INSTAGRAM_API_URL",  # Instagram with Instagram Login (graph.instagram.com)
    "youtube": "HUB_YOUTUBE_API_URL",
    "flickr": "HUB_FLICKR_API_URL",
    "mastodon": "HUB_MASTODON_API_URL",  # a proxy for /<instance>/api/...; unset: the instance
    "bluesky": "HUB_BLUESKY_API_URL",  # the account's PDS (bsky.social)
    "linkedin": "HUB_LINKEDIN_API_URL",  # api.linkedin.com (the versioned /rest/ API)
    "threads": "HUB_THREADS_API_URL",  # graph.threads.net
}


@dataclass(frozen=True)
class Settings:
    """Everything hub reads from its environment. Build it with :meth:`from_env`."""

    data_dir: Path
    database_url: str
    broker_url: str
    secret_key: str
    encryption_keys: tuple[str, ...]
    sandbox_url: str | None
    public_url: str
    redis_url: str | None = None
    timezone: str = "Europe/Berlin"
    default_locale: str = "de"
    max_image_mb: int = 30
    max_video_mb: int = 4096
    # The publishing pipeline's clock (seconds); the defaults suit production.
    dispatch_interval: float = 2.0
    requeue_after: float = 60.0
    # Admins see a warning on every page once a due post has waited this long (dispatcher or
    # workers stopped): hub.publishing.dispatch_health.
    dispatch_alert_minutes: float = 5.0
    # A post on a manual channel not marked posted or skipped this long after it fell due is
    # flagged to the announcement's author: hub.publishing.manual.flag_overdue.
    manual_overdue_minutes: float = 60.0
    publish_lease: float | None = None  # None: each connector's own lease_seconds
    max_attempts: int = 5
    retry_base: float = 10.0
    retry_cap: float = 900.0
    worker_concurrency: int = 8
    network_timeout: float | None = None  # seconds per HTTP answer; None: each connector's own
    # Per-network API base URLs (HUB_X_API_URL, HUB_GRAPH_API_URL, ...); HUB_SANDBOX_URL wins.
    network_urls: Mapping[str, str] = field(default_factory=dict)
    # The shared inbox: Meta webhooks (Facebook, Instagram) and the comment sync's pace.
    meta_app_secret: str | None = None  # checks X-Hub-Signature-256 on /webhooks/meta
    meta_verify_token: str | None = None  # answers Meta's subscription check
    # The city's apps at the networks, for connecting channels by their login (hub.connect).
    meta_app_id: str | None = None  # Facebook Login (pages, Instagram), with meta_app_secret
    x_client_id: str | None = None  # X OAuth 2.0 (PKCE)
    x_client_secret: str | None = None  # unset: X's "public client" (PKCE alone)
    google_client_id: str | None = None  # YouTube (Google OAuth 2.0, PKCE)
    google_client_secret: str | None = None
    flickr_api_key: str | None = None  # Flickr OAuth 1.0a
    flickr_api_secret: str | None = None
    linkedin_client_id: str | None = None  # LinkedIn app (Community Management API)
    linkedin_client_secret: str | None = None
    # The Meta app's Threads use case has an id and secret of its own ("Threads app ID").
    threads_app_id: str | None = None
    threads_app_secret: str | None = None
    inbox_sync_interval: float = 60.0  # seconds between syncs of a channel (new posts)
    inbox_window_days: int = 30  # posts older than this are no longer synced
    inbox_sync_concurrency: int = 2  # channels synced at once, deployment-wide
    inbox_quota_share: float = 0.5  # share of a daily unit quota (YouTube) the sync may use
    # The read-only Instagram monitor (instaloader, public data, no Graph API): off while unset.
    instagram_public_profile: str | None = None  # the city's public profile name
    instagram_public_interval: float = 86400.0  # seconds between reads (at least an hour)
    instagram_public_posts: int = 12  # newest posts whose likes and comments are read
    # Security: proxies in front (ProxyFix), session lifetimes, roles that must use two factors.
    trusted_proxies: int = 0  # how many proxies set X-Forwarded-*; 0: believe none of them
    session_idle_minutes: float = 30.0  # a session unused this long ends
    session_max_hours: float = 10.0  # a session ends this long after its login, used or not
    require_2fa_roles: tuple[str, ...] = ("admin", "approver")
    # Single sign-on with the city's identity provider (OpenID Connect, hub.auth.sso): off
    # while oidc_issuer is unset. The role map pairs a group (a value of the roles claim) with a
    # hub role; a group may appear several times.
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None  # unset: a public client (PKCE alone)
    oidc_roles_claim: str = "groups"
    oidc_role_map: tuple[tuple[str, str], ...] = ()
    oidc_scopes: str = "openid email profile"
    oidc_label: str | None = None  # the login button's text; unset: hub's own, translated
    oidc_mfa_values: tuple[str, ...] = ()  # amr/acr values of which a login needs one; (): any
    api_token_days: int = 90  # a new API token expires after this many days (1 to 365)
    # Monitoring (hub.observability): log lines as text or one JSON object each; the bearer
    # token /metrics asks for (unset: no /metrics at all).
    log_format: str = "text"
    metrics_token: str | None = None
    extra: Mapping[str, object] = field(default_factory=dict)

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"

    def api_url(self, api: str) -> str | None:
        """Base URL for one API ("x", "graph", "instagram", "youtube", "flickr"); None means the
        real one."""
        if self.sandbox_url:
            return self.sandbox_url.rstrip("/") + SANDBOX_PREFIXES.get(api, "")
        return self.network_urls.get(api)

    @property
    def uses_embedded_broker(self) -> bool:
        return self.broker_url == EMBEDDED_BROKER

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        env = os.environ if environ is None else environ
        data_dir = Path(env.get("HUB_DATA_DIR") or "./instance").resolve()
        data_dir.mkdir(parents=True, exist_ok=True)
        database_url = env.get("HUB_DATABASE_URL") or f"sqlite:///{data_dir / 'hub.db'}"
        broker_url = env.get("HUB_BROKER_URL") or EMBEDDED_BROKER
        redis_url = env.get("HUB_REDIS_URL") or (
            broker_url if broker_url.startswith(("redis://", "rediss://")) else None
        )
        settings = cls(
            data_dir=data_dir,
            database_url=database_url,
            broker_url=broker_url,
            secret_key=env.get("HUB_SECRET_KEY") or _generated(data_dir / "secret_key", _token),
            encryption_keys=_split_keys(
                env.get("HUB_ENCRYPTION_KEYS")
                or _generated(data_dir / "encryption_keys", _fernet_key)
            ),
            sandbox_url=(env.get("HUB_SANDBOX_URL") or None),
            public_url=(env.get("HUB_PUBLIC_URL") or "http://localhost:5000").rstrip("/"),
            redis_url=redis_url,
            timezone=env.get("HUB_TIMEZONE") or "Europe/Berlin",
            max_image_mb=int(env.get("HUB_MAX_IMAGE_MB") or 30),
            max_video_mb=int(env.get("HUB_MAX_VIDEO_MB") or 4096),
            dispatch_interval=float(env.get("HUB_DISPATCH_INTERVAL") or 2.0),
            requeue_after=float(env.get("HUB_REQUEUE_AFTER") or 60.0),
            dispatch_alert_minutes=float(env.get("HUB_DISPATCH_ALERT_MINUTES") or 5.0),
            manual_overdue_minutes=float(env.get("HUB_MANUAL_OVERDUE_MINUTES") or 60.0),
            publish_lease=float(env["HUB_PUBLISH_LEASE"]) if env.get("HUB_PUBLISH_LEASE") else None,
            max_attempts=int(env.get("HUB_MAX_ATTEMPTS") or 5),
            retry_base=float(env.get("HUB_RETRY_BASE") or 10.0),
            retry_cap=float(env.get("HUB_RETRY_CAP") or 900.0),
            worker_concurrency=int(env.get("HUB_WORKER_CONCURRENCY") or 8),
            network_timeout=(
                float(env["HUB_NETWORK_TIMEOUT"]) if env.get("HUB_NETWORK_TIMEOUT") else None
            ),
            network_urls={name: env[var] for name, var in NETWORK_URL_VARS.items() if env.get(var)},
            meta_app_secret=env.get("HUB_META_APP_SECRET") or None,
            meta_verify_token=env.get("HUB_META_VERIFY_TOKEN") or None,
            meta_app_id=env.get("HUB_META_APP_ID") or None,
            x_client_id=env.get("HUB_X_CLIENT_ID") or None,
            x_client_secret=env.get("HUB_X_CLIENT_SECRET") or None,
            google_client_id=env.get("HUB_GOOGLE_CLIENT_ID") or None,
            google_client_secret=env.get("HUB_GOOGLE_CLIENT_SECRET") or None,
            flickr_api_key=env.get("HUB_FLICKR_API_KEY") or None,
            flickr_api_secret=env.get("HUB_FLICKR_API_SECRET") or None,
            linkedin_client_id=env.get("HUB_LINKEDIN_CLIENT_ID") or None,
            linkedin_client_secret=env.get("HUB_LINKEDIN_CLIENT_SECRET") or None,
            threads_app_id=env.get("HUB_THREADS_APP_ID") or None,
            threads_app_secret=env.get("HUB_THREADS_APP_SECRET") or None,
            inbox_sync_interval=float(env.get("HUB_INBOX_SYNC_INTERVAL") or 60.0),
            inbox_window_days=int(env.get("HUB_INBOX_WINDOW_DAYS") or 30),
            inbox_sync_concurrency=int(env.get("HUB_INBOX_SYNC_CONCURRENCY") or 2),
            inbox_quota_share=float(env.get("HUB_INBOX_QUOTA_SHARE") or 0.5),
            instagram_public_profile=(
                (env.get("HUB_INSTAGRAM_PUBLIC_PROFILE") or "").strip().lstrip("@") or None
            ),
            instagram_public_interval=float(env.get("HUB_INSTAGRAM_PUBLIC_INTERVAL") or 86400.0),
            instagram_public_posts=int(env.get("HUB_INSTAGRAM_PUBLIC_POSTS") or 12),
            trusted_proxies=int(env.get("HUB_TRUSTED_PROXIES") or 0),
            session_idle_minutes=float(env.get("HUB_SESSION_IDLE_MINUTES") or 30.0),
            session_max_hours=float(env.get("HUB_SESSION_MAX_HOURS") or 10.0),
            # Unset: admins and approvers; set but empty: nobody is required to.
            require_2fa_roles=_split_roles(env.get("HUB_REQUIRE_2FA_ROLES", "admin,approver")),
            api_token_days=_token_days(env.get("HUB_API_TOKEN_DAYS") or "90"),
            log_format=_log_format(env.get("HUB_LOG_FORMAT") or "text"),
            metrics_token=env.get("HUB_METRICS_TOKEN") or None,
            oidc_issuer=(env.get("HUB_OIDC_ISSUER") or "").strip().rstrip("/") or None,
            oidc_client_id=env.get("HUB_OIDC_CLIENT_ID") or None,
            oidc_client_secret=env.get("HUB_OIDC_CLIENT_SECRET") or None,
            oidc_roles_claim=(env.get("HUB_OIDC_ROLES_CLAIM") or "groups").strip(),
            oidc_role_map=parse_role_map(env.get("HUB_OIDC_ROLE_MAP") or ""),
            oidc_scopes=env.get("HUB_OIDC_SCOPES") or "openid email profile",
            oidc_label=(env.get("HUB_OIDC_LABEL") or "").strip() or None,
            oidc_mfa_values=tuple(
                v.strip() for v in (env.get("HUB_OIDC_MFA_VALUES") or "").split(",") if v.strip()
            ),
        )
        return replace(settings, **overrides) if overrides else settings


def _token() -> str:
    return secrets.token_urlsafe(48)


def _fernet_key() -> str:
    return Fernet.generate_key().decode()


def _generated(path: Path, make: object) -> str:
    """Read a secret from the data dir, creating it (mode 0600) on first use."""
    if path.exists():
        return path.read_text().strip()
    value = make()  # type: ignore[operator]
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value + "\n")
    try:
        # link() fails if another process won the race; then both use the winner's value.
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return path.read_text().strip()


def parse_role_map(raw: str) -> tuple[tuple[str, str], ...]:
    """``HUB_OIDC_ROLE_MAP``: ``group=role`` pairs, separated by commas, e.g.
    ``presse-redaktion=editor,presse-freigabe=approver``, or one pair a line when the value has
    line breaks (then a group may hold commas: ``CN=Presse,OU=Stadt=editor``). A group is taken
    as the IdP sends it (case and spaces inside kept); the last ``=`` separates it from the
    role. Whether each role exists is checked when the app starts."""
    pairs = []
    for item in raw.splitlines() if "\n" in raw.strip() else raw.split(","):
        if not item.strip():
            continue
        group, sep, role = item.strip().rpartition("=")
        if not sep or not group.strip() or not role.strip():
            raise ValueError(f"HUB_OIDC_ROLE_MAP: {item.strip()!r} is not group=role")
        pairs.append((group.strip(), role.strip().lower()))
    return tuple(pairs)


def _token_days(raw: str) -> int:
    """A token that never expires is what this setting exists to prevent: 1 to 365 days."""
    days = int(raw)
    if not 1 <= days <= 365:
        raise ValueError(f"HUB_API_TOKEN_DAYS must be between 1 and 365, not {days}")
    return days


def _log_format(raw: str) -> str:
    """``HUB_LOG_FORMAT``: ``text`` (for people) or ``json`` (for a log collector)."""
    value = raw.strip().lower()
    if value not in ("text", "json"):
        raise ValueError(f"HUB_LOG_FORMAT must be text or json, not {raw!r}")
    return value


def _split_roles(raw: str) -> tuple[str, ...]:
    return tuple(r.strip().lower() for r in raw.split(",") if r.strip())


def _split_keys(raw: str) -> tuple[str, ...]:
    keys = tuple(k.strip() for k in raw.replace("\n", ",").split(",") if k.strip())
    if not keys:
        raise ValueError("HUB_ENCRYPTION_KEYS is empty")
    return keys
