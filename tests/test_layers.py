"""The domain layer (and the database plumbing) must never import Textual."""

import subprocess
import sys
import textwrap


def test_domain_imports_no_textual():
    code = textwrap.dedent("""
        import pkgutil, sys, importlib
        import jtek_tui.domain, jtek_tui.db, jtek_tui.models, jtek_tui.config
        for mod in pkgutil.walk_packages(jtek_tui.domain.__path__, "jtek_tui.domain."):
            importlib.import_module(mod.name)
        import jtek_tui.cli.root, jtek_tui.demo
        bad = sorted(m for m in sys.modules if m == "textual" or m.startswith("textual."))
        print(bad)
        sys.exit(1 if bad else 0)
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_ui_never_writes_sql():
    """UI modules talk to jtek_tui.domain, never to sqlalchemy/sqlmodel directly."""
    from pathlib import Path

    import jtek_tui

    ui = Path(jtek_tui.__file__).parent / "ui"
    offenders = []
    for path in ui.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for needle in ("import sqlalchemy", "from sqlalchemy", "from sqlmodel", "import sqlmodel", ".execute("):
            if needle in text:
                offenders.append(f"{path.name}: {needle}")
    assert offenders == []
