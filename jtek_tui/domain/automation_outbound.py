"""The slow actions: run a local command, POST a webhook, send an email.

They run after the move that fired them has committed (in the TUI on a
background worker, in the CLI right after the command's own work), never
inside a database transaction, and every one of them is bounded in time:

- command: `timeout` seconds (default 30, at most 300), then its whole process
  group is killed. No shell, stdin is /dev/null, output is kept (the tail) for
  the run log.
- webhook: `timeout` seconds per attempt (at most 30), `retries` extra attempts
  (at most 3) on a 5xx, 429, timeout or connection failure, short back-off, and
  an overall cap of `WEBHOOK_BUDGET` seconds.
- email: one SMTP conversation with `EMAIL_TIMEOUT` seconds per network step.

Each function takes plain data (the action dict and the context from
`automation_templates.build_context`) and returns a one-line summary, or
raises `ActionFailed` with the reason; nothing here touches the database.
"""

from __future__ import annotations

import json
import os
import signal
import smtplib
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from email.message import EmailMessage
from typing import Any

from jtek_tui import __version__
from jtek_tui.config import load_settings
from jtek_tui.domain.automation_actions import ActionFailed
from jtek_tui.domain.automation_templates import environment, payload, render
from jtek_tui.domain.errors import ValidationError

OUTPUT_TAIL = 2000
WEBHOOK_BUDGET = 60.0
WEBHOOK_BACKOFF = 0.5  # seconds before the first retry, doubled each time
EMAIL_TIMEOUT = 15.0


def run_slow(action: dict, ctx: dict[str, Any], *, db_location: str | None = None) -> str:
    kind = action["type"]
    if kind == "command":
        return run_command(action, environment(ctx, db_url=db_location))
    if kind == "webhook":
        return post_webhook(action, payload(ctx))
    if kind == "email":
        return send_email(action, ctx)
    raise ActionFailed(f"{kind} is not a slow action")


# -- command -----------------------------------------------------------------------


def _tail(data: bytes | None) -> str:
    text = (data or b"").decode("utf-8", errors="replace").strip()
    return text if len(text) <= OUTPUT_TAIL else "…" + text[-OUTPUT_TAIL:]


def _output(out: bytes | None, err: bytes | None) -> str:
    parts = []
    if _tail(out):
        parts.append(f"stdout: {_tail(out)}")
    if _tail(err):
        parts.append(f"stderr: {_tail(err)}")
    return ("\n" + "\n".join(parts)) if parts else ""


def run_command(action: dict, jtek_env: dict[str, str]) -> str:
    """Run argv directly (no shell) with the deal in `JTEK_*` variables."""
    argv = list(action["argv"])
    timeout = int(action.get("timeout", 30))
    env = {k: v for k, v in os.environ.items() if not k.startswith("JTEK_") or k == "JTEK_USER"}
    env.update(jtek_env)
    try:
        proc = subprocess.Popen(
            argv,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its own process group: a timeout kills its children too
        )
    except FileNotFoundError:
        raise ActionFailed(f"command not found: {argv[0]}") from None
    except PermissionError:
        raise ActionFailed(f"not allowed to run {argv[0]} (permission denied)") from None
    except OSError as error:
        raise ActionFailed(f"could not start {argv[0]}: {error.strerror or error}") from None
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            out, err = proc.communicate(timeout=5)
        except subprocess.TimeoutExpired:  # a child escaped the group and holds the pipes
            proc.kill()
            out, err = b"", b""
        raise ActionFailed(
            f"{argv[0]} timed out after {timeout}s and was stopped{_output(out, err)}"
        ) from None
    if proc.returncode != 0:
        how = (
            f"was killed by signal {-proc.returncode}"
            if proc.returncode < 0
            else f"exited with status {proc.returncode}"
        )
        raise ActionFailed(f"{argv[0]} {how}{_output(out, err)}")
    return f"{argv[0]} exited 0{_output(out, err)}"


# -- webhook -----------------------------------------------------------------------


def post_webhook(action: dict, body: dict[str, Any]) -> str:
    """POST the deal as JSON; retry a bounded number of times on server trouble."""
    url = action["url"]
    timeout = float(action.get("timeout", 10))
    attempts = 1 + int(action.get("retries", 2))
    data = json.dumps(body, ensure_ascii=False, default=str).encode("utf-8")
    headers = {"Content-Type": "application/json", "User-Agent": f"jtek/{__version__}"}
    deadline = time.monotonic() + WEBHOOK_BUDGET
    last, tried = "", 0
    for attempt in range(1, attempts + 1):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        tried = attempt
        request = urllib.request.Request(url, data=data, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=min(timeout, remaining)) as response:
                return f"HTTP {response.status}" + (
                    f" after {attempt} attempts" if attempt > 1 else ""
                )
        except urllib.error.HTTPError as error:
            last = f"HTTP {error.code} {error.reason}".strip()
            if (
                error.code < 500 and error.code != 429
            ):  # the request itself is wrong: retrying won't help
                raise ActionFailed(f"{url} answered {last}") from None
        except (TimeoutError, urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            last = (
                "timed out"
                if isinstance(reason, TimeoutError) or "timed out" in str(reason)
                else str(reason)
            )
        if attempt < attempts:
            time.sleep(
                max(0.0, min(WEBHOOK_BACKOFF * 2 ** (attempt - 1), deadline - time.monotonic()))
            )
    raise ActionFailed(f"{url} failed after {tried} attempt{'s' if tried != 1 else ''}: {last}")


# -- email ---------------------------------------------------------------------------


def smtp_settings() -> dict[str, Any]:
    """The `[smtp]` table of settings.toml (host, port, from, username, password, starttls, ssl)."""
    return load_settings().smtp


def send_email(action: dict, ctx: dict[str, Any]) -> str:
    from jtek_tui.domain.contacts import clean_email

    smtp = smtp_settings()
    host = str(smtp.get("host") or "").strip()
    sender = str(smtp.get("from") or "").strip()
    if not host or not sender:
        raise ActionFailed(
            "no SMTP server is set up: add [smtp] with host and from to settings.toml"
        )
    to = render(action.get("to") or "{contact.email}", ctx).strip()
    if not to:
        raise ActionFailed("there is no address to send to (the contact has no email)")
    try:
        clean_email(to)
    except ValidationError:
        raise ActionFailed(f"{to!r} is not an email address") from None
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = " ".join(render(action["subject"], ctx).split())
    message.set_content(render(action["body"], ctx))
    use_ssl = bool(smtp.get("ssl", False))
    starttls = bool(smtp.get("starttls", False))
    port = int(smtp.get("port") or (465 if use_ssl else 587 if starttls else 25))
    client_class = smtplib.SMTP_SSL if use_ssl else smtplib.SMTP
    try:
        with client_class(host, port, timeout=EMAIL_TIMEOUT) as client:
            if starttls and not use_ssl:
                client.starttls(context=ssl.create_default_context())
            if smtp.get("username"):
                client.login(str(smtp["username"]), str(smtp.get("password", "")))
            client.send_message(message)
    except smtplib.SMTPRecipientsRefused as error:
        code, reason = next(iter(error.recipients.values()))
        raise ActionFailed(f"the mail server refused {to}: {code} {_decode(reason)}") from None
    except smtplib.SMTPResponseException as error:
        raise ActionFailed(
            f"the mail server said {error.smtp_code} {_decode(error.smtp_error)}"
        ) from None
    except smtplib.SMTPException as error:
        raise ActionFailed(f"sending mail failed: {error}") from None
    except (TimeoutError, OSError) as error:
        raise ActionFailed(f"could not reach the mail server {host}:{port}: {error}") from None
    return f"sent to {to}"


def _decode(value: bytes | str) -> str:
    return value.decode("utf-8", errors="replace") if isinstance(value, bytes) else str(value)
