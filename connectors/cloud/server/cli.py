"""``castor-cloud``: serve, migrate, and the company / user / agent-token admin commands.

A thin layer: it parses arguments, calls the services and prints. Messages are English;
exit status 0 on success, 1 on a refused request, 2 on misuse (argparse).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from collections.abc import Sequence

from connectors.cloud.server import accounts, agents
from connectors.cloud.server.db import Database
from connectors.cloud.server.settings import Settings, SettingsError

DEFAULT_THREADS = 40  # anyio's default; the database pools are sized for it (db.py)
# Longer than the usual reverse-proxy idle timeout (60 s), so the proxy, not the server, closes
# idle connections: otherwise a request can race the server closing the connection under it.
DEFAULT_KEEP_ALIVE_SECONDS = 75
THREADS_ENV = "CASTOR_SERVE_THREADS"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``castor-cloud`` console script."""
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        return args.handler(args, settings)
    except (SettingsError, accounts.AccountError) as exc:
        print(f"castor-cloud: error: {exc}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="castor-cloud",
        description="Castor Pedidos cloud server. Database from CASTOR_DATABASE_URL.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the web server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1,
                       help="server processes sharing the port (they share the database: "
                            "sessions, leases and the outbox live there)")
    serve.add_argument("--threads", type=int, default=DEFAULT_THREADS,
                       help="worker threads per process for the database-bound requests")
    serve.add_argument("--proxy-headers", action="store_true",
                       help="trust X-Forwarded-* from the reverse proxy (https detection)")
    serve.add_argument("--keep-alive", type=int, default=DEFAULT_KEEP_ALIVE_SECONDS,
                       metavar="SECONDS",
                       help="how long an idle connection stays open; keep it longer than the "
                            "reverse proxy's idle timeout, so the server never closes a "
                            "connection the proxy (or a phone) is about to reuse")
    serve.set_defaults(handler=_serve)

    migrate = sub.add_parser("migrate", help="create or upgrade the database schema")
    migrate.set_defaults(handler=_migrate)

    company = sub.add_parser("company", help="manage companies").add_subparsers(
        dest="action", required=True
    )
    create_company = company.add_parser("create", help="create a company (tenant)")
    create_company.add_argument("--slug", required=True)
    create_company.add_argument("--name", required=True)
    create_company.add_argument("--notify-email")
    create_company.set_defaults(handler=_company_create)

    user = sub.add_parser("user", help="manage users").add_subparsers(
        dest="action", required=True
    )
    create_user = user.add_parser("create", help="create a web user")
    create_user.add_argument("--company", required=True, metavar="SLUG")
    create_user.add_argument("--email", required=True)
    create_user.add_argument("--role", required=True, choices=[r.value for r in accounts.Role])
    create_user.add_argument("--name", required=True)
    create_user.add_argument("--seller-code")
    create_user.add_argument("--customer-code")
    create_user.add_argument("--password-stdin", action="store_true", required=True,
                             help="read the password from standard input")
    create_user.set_defaults(handler=_user_create)

    invite_user = user.add_parser(
        "invite", help="create a user without a password and e-mail them an invitation link "
                       "(needs CASTOR_PUBLIC_URL; a running server sends the e-mail)")
    invite_user.add_argument("--company", required=True, metavar="SLUG")
    invite_user.add_argument("--email", required=True)
    invite_user.add_argument("--role", required=True, choices=[r.value for r in accounts.Role])
    invite_user.add_argument("--name", default="")
    invite_user.add_argument("--seller-code")
    invite_user.add_argument("--customer-code")
    invite_user.set_defaults(handler=_user_invite)

    token = sub.add_parser("agent-token", help="manage agent tokens").add_subparsers(
        dest="action", required=True
    )
    create_token = token.add_parser("create", help="issue a token and print it")
    create_token.add_argument("--company", required=True, metavar="SLUG")
    create_token.set_defaults(handler=_token_create)
    revoke_token = token.add_parser("revoke", help="revoke every token of a company")
    revoke_token.add_argument("--company", required=True, metavar="SLUG")
    revoke_token.set_defaults(handler=_token_revoke)

    secret = sub.add_parser(
        "secret-key", help="the key that encrypts the companies' SMTP passwords at rest"
    ).add_subparsers(dest="action", required=True)
    secret.add_parser("new", help="print a new key for CASTOR_SECRET_KEY").set_defaults(
        handler=_secret_new)
    secret.add_parser(
        "rotate", help="re-encrypt the stored passwords with the first key of CASTOR_SECRET_KEY"
    ).set_defaults(handler=_secret_rotate)
    return parser


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from connectors.cloud.server.migrate import pending_revisions

    if pending_revisions(settings.database_url):
        print("castor-cloud: error: the database schema is not current; run "
              "`castor-cloud migrate` first", file=sys.stderr)
        return 1
    if args.workers < 1 or args.threads < 1:
        print("castor-cloud: error: --workers and --threads must be at least 1", file=sys.stderr)
        return 2
    if args.keep_alive < 1:
        print("castor-cloud: error: --keep-alive must be at least 1 second", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    os.environ[THREADS_ENV] = str(args.threads)  # read again by each worker process
    options = {"host": args.host, "port": args.port, "proxy_headers": args.proxy_headers,
               "log_level": "info", "timeout_keep_alive": args.keep_alive}
    if args.workers > 1:
        uvicorn.run(f"{__name__}:app_from_env", factory=True, workers=args.workers, **options)
    else:
        uvicorn.run(app_from_env(settings), **options)
    return 0


def app_from_env(settings: Settings | None = None):  # type: ignore[no-untyped-def]
    """The app of one server process (uvicorn's factory for ``--workers``): settings from the
    environment, and the worker-thread limit raised to ``--threads`` when it starts."""
    import anyio.to_thread

    from connectors.cloud.server.app import create_app

    app = create_app(settings or Settings.from_env())
    threads = int(os.environ.get(THREADS_ENV, DEFAULT_THREADS))
    inner = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(the_app):  # type: ignore[no-untyped-def]
        anyio.to_thread.current_default_thread_limiter().total_tokens = threads
        async with inner(the_app) as state:
            yield state

    app.router.lifespan_context = lifespan
    return app


def _migrate(_args: argparse.Namespace, settings: Settings) -> int:
    from connectors.cloud.server.migrate import upgrade_head

    upgrade_head(settings.database_url)
    print("database is at the newest schema", file=sys.stderr)
    return 0


def _company_create(args: argparse.Namespace, settings: Settings) -> int:
    db = Database.from_url(settings.database_url)
    try:
        with db.transaction() as session:
            company = accounts.create_company(session, args.slug, args.name, args.notify_email)
            print(f"created company {company.slug}", file=sys.stderr)
    finally:
        db.dispose()
    return 0


def _user_create(args: argparse.Namespace, settings: Settings) -> int:
    password = sys.stdin.readline().rstrip("\r\n")
    db = Database.from_url(settings.database_url)
    try:
        with db.transaction() as session:
            company = accounts.company_by_slug(session, args.company)
            user = accounts.create_user(
                session,
                company,
                email=args.email,
                role=accounts.Role(args.role),
                name=args.name,
                password=password,
                seller_code=args.seller_code,
                customer_code=args.customer_code,
            )
            print(f"created {user.role} {user.email} in {company.slug}", file=sys.stderr)
    finally:
        db.dispose()
    return 0


def _user_invite(args: argparse.Namespace, settings: Settings) -> int:
    from connectors.cloud.server import invitations
    from connectors.cloud.server.mail_compose import MailComposer

    if not settings.public_url:
        print("castor-cloud: error: set CASTOR_PUBLIC_URL (the address people open) so the "
              "invitation link works", file=sys.stderr)
        return 1
    db = Database.from_url(settings.database_url)
    try:
        with db.transaction() as session:
            company = accounts.company_by_slug(session, args.company)
            invitee = invitations.Invitee(
                email=args.email, name=args.name, role=accounts.Role(args.role),
                seller_code=args.seller_code, customer_code=args.customer_code)
            try:
                user = invitations.invite(session, company, invitee, base_url=settings.public_url,
                                          days=settings.invitation_days, composer=MailComposer())
            except invitations.InvitationError as exc:
                raise accounts.AccountError(str(exc)) from None
            print(f"invited {user.role} {user.email} to {company.slug}; the e-mail is queued",
                  file=sys.stderr)
    finally:
        db.dispose()
    return 0


def _token_create(args: argparse.Namespace, settings: Settings) -> int:
    db = Database.from_url(settings.database_url)
    try:
        with db.transaction() as session:
            token = agents.issue_token(session, accounts.company_by_slug(session, args.company))
    finally:
        db.dispose()
    print(token)  # only the token on stdout, so scripts can capture it
    return 0


def _token_revoke(args: argparse.Namespace, settings: Settings) -> int:
    db = Database.from_url(settings.database_url)
    try:
        with db.transaction() as session:
            count = agents.revoke_tokens(session, accounts.company_by_slug(session, args.company))
    finally:
        db.dispose()
    print(f"revoked {count} token(s)", file=sys.stderr)
    return 0


def _secret_new(_args: argparse.Namespace, _settings: Settings) -> int:
    from connectors.cloud.server.secret_box import new_key

    print(new_key())  # only the key on stdout; put it in the server's environment, not a file
    return 0


def _secret_rotate(_args: argparse.Namespace, settings: Settings) -> int:
    from connectors.cloud.server.company_settings import reseal_passwords
    from connectors.cloud.server.secret_box import SecretBox, SecretUnreadable

    if not settings.secret_keys:
        print("castor-cloud: error: set CASTOR_SECRET_KEY (new key first, then the old ones)",
              file=sys.stderr)
        return 1
    db = Database.from_url(settings.database_url)
    try:
        with db.transaction() as session:
            count = reseal_passwords(session, SecretBox(settings.secret_keys))
    except SecretUnreadable as exc:
        print(f"castor-cloud: error: {exc}; nothing was changed", file=sys.stderr)
        return 1
    finally:
        db.dispose()
    print(f"re-encrypted {count} stored password(s) with the first key", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
