"""Slow actions against real local endpoints: a command, an HTTP server on 127.0.0.1
(answering, failing with 500, hanging), and an aiosmtpd server (accepting, refusing).

They run after the move commits; with the default runner (the CLI's) that is
right after the move returns, so each test moves a card and then reads the log.
"""

import json
import socket
import sys
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from jtek_tui.domain import automation_outbound
from jtek_tui.domain import automations as A
from jtek_tui.domain import contacts as C
from jtek_tui.domain import opportunities as O
from jtek_tui.domain.automation_triggers import Filters, TriggerSpec

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    for name in (
        "http_proxy",
        "https_proxy",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(automation_outbound, "WEBHOOK_BACKOFF", 0.0)


@pytest.fixture
def deal(db, frozen):
    frozen(T0)
    C.create_contact(db, "Maria Johnson", email="maria@example.com")
    return O.create_opportunity(db, contact="Maria Johnson", value_cents=75_000_000, name="Oak St")


@pytest.fixture
def heard():
    runs: list[A.RunRow] = []
    A.add_run_listener(runs.append)
    yield runs
    A.remove_run_listener(runs.append)


def fire(db, deal, *actions, stage="Contacted"):
    """Save an automation on `stage` with these actions, move the deal there, return its run."""
    A.create_automation(
        db,
        A.AutomationSpec(
            f"on {stage}", TriggerSpec("stage", stage=stage), Filters(), list(actions)
        ),
    )
    O.move_opportunity(db, deal.id, stage)
    return A.list_runs(db, opportunity_id=deal.id)[0]  # the newest


# -- commands ------------------------------------------------------------------------


def test_command_gets_deal_fields_in_the_environment(db, deal):
    script = (
        "import os; print(' | '.join(os.environ[k] for k in ('JTEK_OPPORTUNITY_ID', "
        "'JTEK_OPPORTUNITY_NAME', 'JTEK_CONTACT_NAME', 'JTEK_STAGE', 'JTEK_PREVIOUS_STAGE_NAME', "
        "'JTEK_VALUE_CENTS', 'JTEK_TRIGGER', 'JTEK_ACTOR_LOGIN', 'JTEK_DB')))"
    )
    run = fire(db, deal, {"type": "command", "argv": [sys.executable, "-c", script]})
    assert run.outcome == "ok" and run.finished_at is not None
    expected = f"{deal.id} | Oak St | Maria Johnson | Contacted | New Lead | 75000000 | stage_changed_to | alice | {db.path}"
    assert f"stdout: {expected}" in run.detail


def test_command_arguments_never_go_through_a_shell(db, deal, tmp_path):
    target = tmp_path / "out"
    run = fire(
        db,
        deal,
        {
            "type": "command",
            "argv": [
                sys.executable,
                "-c",
                "import sys; open(sys.argv[1], 'w').write(sys.argv[2])",
                str(target),
                "$(touch pwned); `id` ; >x",
            ],
        },
    )
    assert run.outcome == "ok"
    assert target.read_text() == "$(touch pwned); `id` ; >x"
    assert not (tmp_path / "pwned").exists()


def test_failing_command_is_logged_with_its_output_and_the_move_stands(db, deal, heard):
    run = fire(
        db,
        deal,
        {"type": "add_tag", "tag": "kept"},
        {
            "type": "command",
            "argv": [sys.executable, "-c", "import sys; print('half way'); sys.exit('disk full')"],
        },
        {"type": "webhook", "url": "http://127.0.0.1:9/never"},
    )
    assert run.outcome == "error"
    assert "exited with status 1" in run.detail and "stdout: half way" in run.detail
    assert "stderr: disk full" in run.detail and "not run" in run.detail
    assert O.get_row(db, deal.id).stage == "Contacted"
    assert C.contact_row(db, deal.contact_id).tags == ["kept"]  # quick actions had committed
    assert heard[-1].outcome == "error" and "exited with status 1" in heard[-1].summary


def test_missing_program_and_timeout(db, deal):
    run = fire(db, deal, {"type": "command", "argv": ["/nonexistent/jtek-hook"]})
    assert run.outcome == "error" and "command not found: /nonexistent/jtek-hook" in run.detail
    started = time.monotonic()
    run = fire(
        db,
        deal,
        {
            "type": "command",
            "argv": [sys.executable, "-c", "import time; time.sleep(30)"],
            "timeout": 1,
        },
        stage="Qualified",
    )
    assert time.monotonic() - started < 10
    assert run.outcome == "error" and "timed out after 1s" in run.detail


# -- webhooks ------------------------------------------------------------------------


class Hook:
    """A tiny HTTP server on 127.0.0.1 answering every POST with `status`."""

    def __init__(self, status: int):
        self.status = status
        self.bodies: list[dict] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                hook.bodies.append(json.loads(self.rfile.read(length)))
                self.send_response(hook.status)
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hook_server():
    made: list[Hook] = []

    def make(status: int) -> Hook:
        made.append(Hook(status))
        return made[-1]

    yield make
    for h in made:
        h.close()


def test_webhook_posts_the_deal_as_json(db, deal, hook_server):
    hook = hook_server(200)
    run = fire(db, deal, {"type": "webhook", "url": hook.url})
    assert run.outcome == "ok" and "HTTP 200" in run.detail
    [body] = hook.bodies
    assert (
        body["opportunity"]["name"] == "Oak St" and body["opportunity"]["value_cents"] == 75_000_000
    )
    assert body["stage"]["name"] == "Contacted" and body["previous_stage"]["name"] == "New Lead"
    assert body["contact"]["email"] == "maria@example.com" and body["trigger"] == "stage_changed_to"
    assert (
        body["automation"]["name"] == "on Contacted" and body["sent_at"] == "2026-03-02T09:00:00Z"
    )


def test_webhook_500_is_retried_a_bounded_number_of_times(db, deal, hook_server):
    hook = hook_server(500)
    run = fire(db, deal, {"type": "webhook", "url": hook.url, "retries": 2, "timeout": 2})
    assert len(hook.bodies) == 3
    assert run.outcome == "error" and "failed after 3 attempts: HTTP 500" in run.detail
    assert O.get_row(db, deal.id).stage == "Contacted"


def test_webhook_4xx_is_not_retried(db, deal, hook_server):
    hook = hook_server(404)
    run = fire(db, deal, {"type": "webhook", "url": hook.url, "retries": 3})
    assert len(hook.bodies) == 1 and run.outcome == "error" and "HTTP 404" in run.detail


def test_webhook_that_hangs_times_out(db, deal):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)  # accepts connections (backlog) but never answers
    try:
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/slow"
        started = time.monotonic()
        run = fire(db, deal, {"type": "webhook", "url": url, "timeout": 1, "retries": 1})
        assert time.monotonic() - started < 8
    finally:
        listener.close()
    assert run.outcome == "error" and "failed after 2 attempts: timed out" in run.detail


# -- email ---------------------------------------------------------------------------


class Mailbox:
    def __init__(self, refuse: set[str]):
        self.refuse = refuse
        self.messages: list = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(tmp_path, monkeypatch):
    """An aiosmtpd server on 127.0.0.1 and a settings.toml pointing at it."""
    from jtek_tui.config import settings_path

    box = Mailbox(refuse={"nobody@example.com"})
    port = _free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nfrom = "Jtek <jtek@example.com>"\n'
    )
    yield box
    controller.stop()


def test_email_is_sent_through_the_configured_server(db, deal, smtp):
    run = fire(
        db,
        deal,
        {
            "type": "email",
            "subject": "Hello {contact.first_name}",
            "body": "{opportunity.name} is now in {stage.name}.",
        },
    )
    assert run.outcome == "ok" and "sent to maria@example.com" in run.detail
    [envelope] = smtp.messages
    assert envelope.rcpt_tos == ["maria@example.com"]
    text = envelope.content.decode()
    assert "Subject: Hello Maria" in text and "Oak St is now in Contacted." in text
    assert "From: Jtek <jtek@example.com>" in text


def test_email_refused_by_the_server_is_logged(db, deal, smtp, heard):
    run = fire(
        db, deal, {"type": "email", "to": "nobody@example.com", "subject": "Hi", "body": "x"}
    )
    assert run.outcome == "error"
    assert "refused nobody@example.com: 550 5.1.1 No such mailbox here" in run.detail
    assert smtp.messages == [] and heard[-1].outcome == "error"


def test_email_without_smtp_settings_or_address_fails_cleanly(db, deal):
    run = fire(db, deal, {"type": "email", "subject": "Hi", "body": "x"})
    assert run.outcome == "error" and "no SMTP server is set up" in run.detail


# -- the after-commit runner ----------------------------------------------------------


def test_slow_actions_wait_for_the_runner_and_leave_the_run_pending(db, deal, hook_server, heard):
    """The TUI swaps in a worker: until it runs the queue, the move is saved and the run is pending."""
    hook = hook_server(200)
    queued: list = []
    db.after_commit_runner = queued.extend
    run = fire(db, deal, {"type": "add_tag", "tag": "now"}, {"type": "webhook", "url": hook.url})
    assert run.running and run.outcome == "ok" and "waiting to run" in run.detail
    assert hook.bodies == [] and heard == []
    assert C.contact_row(db, deal.contact_id).tags == ["now"]
    worker = threading.Thread(target=lambda: [job() for job in queued])
    worker.start()
    worker.join(10)
    [done] = A.list_runs(db, opportunity_id=deal.id)
    assert not done.running and done.outcome == "ok" and "HTTP 200" in done.detail
    assert len(hook.bodies) == 1 and [r.outcome for r in heard] == ["ok"]


def test_rolled_back_chain_drops_the_slow_work_it_queued(db, deal, hook_server):
    """A fails after its move fired B: B's effects, run row and queued webhook all go."""
    from sqlalchemy import delete

    from jtek_tui.domain import pipelines as P
    from jtek_tui.models import Stage

    hook = hook_server(200)
    gone = P.add_stage(db, "Sales Pipeline", "Parking")
    A.create_automation(db, A.AutomationSpec(
        "A", TriggerSpec("stage", stage="Contacted"), Filters(),
        [{"type": "move", "stage": "Qualified"}, {"type": "move", "stage_id": gone.id}],
    ))
    A.create_automation(db, A.AutomationSpec(
        "B", TriggerSpec("stage", stage="Qualified"), Filters(),
        [{"type": "add_tag", "tag": "b"}, {"type": "webhook", "url": hook.url}],
    ))
    with db.write() as s:  # the stage vanishes behind the automation's back
        s.execute(delete(Stage).where(Stage.id == gone.id))
    O.move_opportunity(db, deal.id, "Contacted")
    assert O.get_row(db, deal.id).stage == "Contacted"
    assert [(r.automation, r.outcome) for r in A.list_runs(db)] == [("A", "error")]
    assert hook.bodies == [] and C.contact_row(db, deal.contact_id).tags == []
