"""Single sign-on with the city's identity provider (OpenID Connect, Authlib's Flask client).

``/login/sso`` sends the browser to the provider (authorization code flow with PKCE S256, a
``state`` and a ``nonce`` kept in the signed session); ``/login/sso/callback`` redeems the code,
checks the ID token (signature from the provider's JWKS, ``iss``, ``aud``, ``exp``, ``nonce``)
and logs the person in with Flask-Security's ``login_user``, so hub's session rules apply as to
a password login (idle and absolute timeout, logout ends every session).

At every login, the provider decides:

- **who:** the ID token's ``iss`` and ``sub``. A person's first login creates their hub account;
  an existing hub account with the same address is taken over only when the provider says the
  address is verified (``email_verified`` is true) and the account is not already linked to
  someone else at the provider. An unverified address never reaches an existing account.
- **roles:** the groups in ``HUB_OIDC_ROLES_CLAIM`` through ``HUB_OIDC_ROLE_MAP`` replace the
  person's roles (audited as ``user.roles_changed``). Groups that give no role: refused, and
  roles the person still had are taken away.
- **may they:** a hub account an admin switched off is refused; someone the provider no longer
  knows is refused by the provider itself.
- **second factor:** hub asks for no code of its own; the provider is expected to enforce MFA
  (``HUB_OIDC_MFA_VALUES`` can demand it through the ID token's ``amr``/``acr``).

Why not Flask-Security's own OAuth glue: it logs in an existing account by a matching e-mail
address and creates none, maps no roles and does not look at ``email_verified``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Blueprint, Flask, abort, current_app, flash, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from flask_security import login_user, url_for_security
from flask_security.tf_plugin import tf_clean_session
from joserfc.errors import JoseError
from requests import RequestException
from sqlalchemy import func, select

from hub import audit
from hub.config import Settings
from hub.extensions import db, limiter
from hub.models import Role, RoleName, User
from hub.web import same_site_path

log = logging.getLogger(__name__)
bp = Blueprint("sso", __name__)
CLIENT = "city"  # the Authlib client's name (its state is kept in the session under it)
NEXT_KEY = "hub_sso_next"
LOGIN_RATE = "20 per minute"  # as for the password login
TIMEOUT = 15  # seconds for one answer from the identity provider


class Refused(Exception):
    """A login the provider confirmed but hub does not let in; the message is for the person."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(reason)
        self.message = message
        self.reason = reason  # for the log and the audit log


def enabled(settings: Settings) -> bool:
    return bool(settings.oidc_issuer and settings.oidc_client_id)


def init_sso(app: Flask) -> None:
    """Register the login routes and, when ``HUB_OIDC_ISSUER`` is set, the provider's client.

    Nothing is fetched from the provider here: its discovery document is read at the first
    login, so hub starts while the provider is down."""
    settings: Settings = app.config["HUB_SETTINGS"]
    app.register_blueprint(bp)
    app.context_processor(lambda: {"sso_login_label": _label()})
    app.before_request(_no_local_password_for_linked_accounts)
    if not enabled(settings):
        return
    known = {role.value for role in RoleName}
    unknown = sorted({role for _group, role in settings.oidc_role_map} - known)
    if unknown:
        raise ValueError(f"HUB_OIDC_ROLE_MAP names unknown roles: {', '.join(unknown)}")
    scopes = settings.oidc_scopes.split()
    if "openid" not in scopes:
        scopes.insert(0, "openid")
    oauth = OAuth(app)
    oauth.register(
        CLIENT,
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret,
        server_metadata_url=f"{settings.oidc_issuer}/.well-known/openid-configuration",
        client_kwargs={
            "scope": " ".join(scopes),
            "code_challenge_method": "S256",
            "token_endpoint_auth_method": (
                "client_secret_basic" if settings.oidc_client_secret else "none"
            ),
            "default_timeout": TIMEOUT,
        },
    )


def _no_local_password_for_linked_accounts() -> ResponseReturnValue | None:
    """A person the provider lets in has no hub password, and sets none: Flask-Security's
    /change would let an account without a password choose one, which would outlive their
    removal at the provider. Their password (and second factor) are the provider's."""
    if request.endpoint != "security.change_password":
        return None
    if not (current_user.is_authenticated and current_user.signs_in_at_provider):
        return None
    flash(_("Your password is managed by the city's identity provider."), "info")
    return redirect(url_for("admin.index"))


def _settings() -> Settings:
    return current_app.config["HUB_SETTINGS"]


def _label() -> str | None:
    settings = _settings()
    if not enabled(settings):
        return None
    return settings.oidc_label or _("Log in with the city's account")


def _client() -> Any:
    if not enabled(_settings()):
        abort(404)
    return current_app.extensions["authlib.integrations.flask_client"].create_client(CLIENT)


def _back_to_login(message: str) -> ResponseReturnValue:
    flash(message, "error")
    return redirect(url_for_security("login"))


@bp.get("/login/sso")
@limiter.limit(LOGIN_RATE)
def start() -> ResponseReturnValue:
    """Off to the provider's login page; ``next`` (a path on hub) is where the login ends."""
    client = _client()
    target = request.args.get("next") or ""
    session[NEXT_KEY] = target if same_site_path(target) else None
    redirect_uri = _settings().public_url + url_for("sso.callback")
    try:
        _issuer(client, _settings())
        return client.authorize_redirect(redirect_uri)
    except (RequestException, ValueError, KeyError, RuntimeError) as exc:
        log.warning("single sign-on: the identity provider's discovery failed: %s", exc)
        return _back_to_login(_unreachable())


def _unreachable() -> str:
    return _(
        "The city's login cannot be reached right now. Please try again later, or log in with "
        "your hub password."
    )


def _failed() -> str:
    return _("The login with the city's account did not work. Please start it again.")


@bp.get("/login/sso/callback")
@limiter.limit(LOGIN_RATE)
def callback() -> ResponseReturnValue:
    """Back from the provider: check everything, then log the person in (or say why not)."""
    client = _client()
    if request.args.get("error") == "access_denied":
        return _back_to_login(_("The login with the city's account was cancelled."))
    settings = _settings()
    try:
        # authorize_access_token checks the state against this session (and forgets it), sends
        # the PKCE verifier and validates the ID token with the nonce it sent.
        token = client.authorize_access_token(
            claims_options={
                "iss": {"essential": True, "value": _issuer(client, settings)},
                "aud": {"essential": True, "value": settings.oidc_client_id},
                "exp": {"essential": True},
                "sub": {"essential": True},
            }
        )
        claims = token.get("userinfo")
        if not claims or not claims.get("nonce"):
            raise OAuthError(description="no ID token, or one without the nonce")
        claims = _with_userinfo(client, token, dict(claims), settings)
    except (OAuthError, JoseError, RequestException, ValueError, KeyError) as exc:
        # A forged or replayed callback, a code the provider refuses (someone it no longer
        # knows), an ID token that does not check out: the details go to the log only.
        log.warning("single sign-on refused: %s", exc)
        return _back_to_login(_failed())
    try:
        sign_in(claims, settings)
    except Refused as refusal:
        log.warning("single sign-on of %s refused: %s", claims.get("sub"), refusal.reason)
        db.session.commit()  # keeps what was recorded (roles taken away, the refusal)
        return _back_to_login(refusal.message)
    target = session.pop(NEXT_KEY, None) or current_app.config["SECURITY_POST_LOGIN_VIEW"]
    return redirect(target)


def _issuer(client: Any, settings: Settings) -> str:
    """The issuer as the discovery document spells it; it must be the configured one
    (OpenID Connect Discovery 4.3), or someone else's tokens could pass."""
    issuer = str(client.load_server_metadata().get("issuer") or "")
    if issuer.rstrip("/") != (settings.oidc_issuer or "").rstrip("/"):
        raise ValueError(f"the discovery document names the issuer {issuer!r}")
    return issuer


def _with_userinfo(
    client: Any, token: Mapping[str, Any], claims: dict[str, Any], settings: Settings
) -> dict[str, Any]:
    """The ID token's claims, completed from the userinfo endpoint where the ID token lacks the
    roles claim or the address (providers differ: Entra ID puts groups into the ID token only,
    others only into userinfo). The ID token's own claims win; userinfo must name the same
    ``sub`` (OpenID Connect Core 5.3.2)."""
    wanted = (settings.oidc_roles_claim.split(".")[0], "email", "name")
    metadata = client.load_server_metadata()
    if all(name in claims for name in wanted) or not metadata.get("userinfo_endpoint"):
        return claims
    info = client.userinfo(token=token)
    if info.get("sub") != claims["sub"]:
        raise ValueError("userinfo names another subject than the ID token")
    return {**info, **claims}


def sign_in(claims: Mapping[str, Any], settings: Settings) -> User:
    """Find or create the hub account for these (checked) claims, give it the mapped roles
    and log it in. Raises :class:`Refused` with a message for the person."""
    _check_mfa(claims, settings)
    issuer, subject = str(claims["iss"]), str(claims["sub"])
    roles = mapped_roles(_claim(claims, settings.oidc_roles_claim), settings.oidc_role_map)
    user = db.session.scalar(
        select(User).where(User.sso_issuer == issuer, User.sso_subject == subject)
    )
    if user is None:
        user = _existing_by_address(claims)
    if user is not None and not user.active:
        audit.record("login.sso_refused", user, actor=user, reason="deactivated")
        raise Refused(
            _("Your hub account is switched off. Please ask an administrator."), "deactivated"
        )
    if not roles:
        if user is not None:
            _give_roles(user, set())
            audit.record("login.sso_refused", user, actor=user, reason="no role")
        raise Refused(
            _(
                "Your city account has no role in hub. Please ask an administrator to add "
                "you to a hub group at the city's identity provider."
            ),
            f"no role for the groups {_claim(claims, settings.oidc_roles_claim)!r}",
        )
    if user is None:
        user = _create(claims, issuer, subject)
    elif user.sso_subject is None:
        user.sso_issuer, user.sso_subject = issuer, subject
        user.password = None  # from now on the provider alone lets them in
        audit.record("user.sso_linked", user, actor=user, issuer=issuer)
    _update_profile(user, claims)
    _give_roles(user, roles)
    tf_clean_session()  # a password login left half-way in this browser ends here
    login_user(user, authn_via=["sso"])  # also audits "login" and starts the session's clock
    db.session.commit()
    return user


def mapped_roles(groups: Any, role_map: Iterable[tuple[str, str]]) -> set[str]:
    """The hub roles that these groups give (a single group may come as a plain string)."""
    if isinstance(groups, str):
        groups = [groups]
    if not isinstance(groups, list | tuple):
        return set()
    held = {str(group) for group in groups}
    return {role for group, role in role_map if group in held}


def _claim(claims: Mapping[str, Any], name: str) -> Any:
    """A claim by name, or along a dotted path (Keycloak's ``realm_access.roles``)."""
    if name in claims:
        return claims[name]
    value: Any = claims
    for part in name.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def _check_mfa(claims: Mapping[str, Any], settings: Settings) -> None:
    if not settings.oidc_mfa_values:
        return
    amr = claims.get("amr")
    shown = set(amr) if isinstance(amr, list) else set()
    if claims.get("acr") is not None:
        shown.add(str(claims["acr"]))
    if not shown & set(settings.oidc_mfa_values):
        raise Refused(
            _(
                "Please log in at the city's account with a second factor (for example your "
                "authenticator app)."
            ),
            f"no second factor: amr={amr!r} acr={claims.get('acr')!r}",
        )


def _address(claims: Mapping[str, Any]) -> str:
    email = claims.get("email")
    if not isinstance(email, str) or "@" not in email:
        raise Refused(_failed(), "the identity provider sent no e-mail address")
    return email.strip().lower()


def _existing_by_address(claims: Mapping[str, Any]) -> User | None:
    """A local account with the same address, if it may be taken over: only when the provider
    vouches for the address and the account is no other provider person's (ASVS: no account
    takeover through an address someone merely typed in)."""
    email = _address(claims)
    user = db.session.scalar(select(User).where(func.lower(User.email) == email))
    if user is None:
        return None
    if user.sso_subject is None and claims.get("email_verified") is True:
        return user
    why = "linked to another person" if user.sso_subject else "address not verified"
    raise Refused(
        _(
            "There is already a hub account with your e-mail address. Please ask an "
            "administrator to connect it to your city account."
        ),
        f"existing account {user.id}: {why}",
    )


def _create(claims: Mapping[str, Any], issuer: str, subject: str) -> User:
    from hub.auth import user_datastore

    user = user_datastore.create_user(
        email=_address(claims), password=None, full_name=_name(claims), active=True
    )
    user.sso_issuer, user.sso_subject = issuer, subject
    db.session.flush()
    audit.record("user.created", user, actor=user, via="sso", issuer=issuer)
    return user


def _name(claims: Mapping[str, Any]) -> str | None:
    name = claims.get("name")
    if not isinstance(name, str):
        return None
    return name.strip()[:200] or None


def _update_profile(user: User, claims: Mapping[str, Any]) -> None:
    """The person's name and address follow the provider, as their roles do (an address that
    another hub account already has stays with that one)."""
    name = _name(claims)
    if name and name != user.full_name:
        user.full_name = name
    email = _address(claims)
    if email != user.email.lower():
        taken = db.session.scalar(select(User.id).where(func.lower(User.email) == email))
        if taken is None:
            audit.record("user.updated", user, actor=user, changed=["email"], via="sso")
            user.email = email


def _give_roles(user: User, names: set[str]) -> None:
    before = sorted(role.name for role in user.roles)
    if before == sorted(names):
        return
    user.roles = list(db.session.scalars(select(Role).where(Role.name.in_(names))))
    audit.record(
        "user.roles_changed", user, actor=user, before=before, after=sorted(names), via="sso"
    )
