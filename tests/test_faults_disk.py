"""A full disk and a read-only disk, for real: a small tmpfs mounted in the test's own folder
(filled to the last byte, or remounted read-only). A save that cannot be written fails with a
Danish message, the database is as it was (the export's bytes before and after are equal), and a
served app keeps serving.

Mounting needs root. The tests skip, saying so, only when not root and not in CI; CI runs as root,
and there they must run.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import real_january
from apptest import body, open_page
from servers import krimdash_serve, serving

from dashboard.access import Reader
from dashboard.web.texts import text

SIZE = "16m"  # room for a copy of the demo database (about 6 MB) and its write-ahead log


def _cannot(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}: CI runs as root, and the disk tests must run there")
    pytest.skip(reason)


@contextmanager
def small_disk(folder: Path, size: str = SIZE) -> Iterator[Path]:
    """A tmpfs of `size` mounted at `folder` for the duration, unmounted afterwards."""
    if os.geteuid() != 0:
        _cannot("mounting a small tmpfs (a disk that can fill up) needs root")
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        _cannot(f"mount -t tmpfs failed here: {done.stderr.strip()}")
    try:
        yield folder
    finally:
        if subprocess.run(["umount", str(folder)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(folder)], check=True)  # a process still holds it


def fill(disk: Path) -> Path:
    """Write a file until the disk is full to the last page; returns it."""
    filler = disk / "filler"
    with open(filler, "wb", buffering=0) as out:
        for chunk in (1 << 20, 1 << 16, 1 << 12, 1):
            block = b"\0" * chunk
            try:
                while True:
                    out.write(block)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC, exc
    with pytest.raises(OSError):  # the disk is full: not one more byte
        (disk / "one-more").write_bytes(b"x" * 4096)
    return filler


def read_only(disk: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Path]:
    with small_disk(tmp_path / "disk") as folder:
        yield folder


@pytest.fixture
def db_on_disk(disk: Path, demo_db: Path) -> Path:
    """A copy of the demo database on the small disk."""
    db = disk / demo_db.name
    shutil.copy(demo_db, db)
    return db


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """The access log on the ordinary disk, so the test is about the database alone."""
    return {"KRIMDASH_ACCESS_LOG": str(tmp_path / "access.sqlite")}


IMPORT = ("import", real_january.PATH, "--accept-warnings", "--note", real_january.NOTE)


def _export(krimdash, db: Path, env: dict[str, str], folder: Path) -> bytes:
    out = folder / "export.csv"
    done = krimdash("export", "-o", out, db=db, **env)
    assert done.code == 0, done.err
    return out.read_bytes()


def test_an_import_on_a_full_disk_fails_in_danish_and_changes_nothing(
    db_on_disk, disk, krimdash, env, tmp_path
):
    before = _export(krimdash, db_on_disk, env, tmp_path)
    file_before = digest(db_on_disk)
    batches_before = krimdash("log", db=db_on_disk, **env).out
    filler = fill(disk)

    done = krimdash(*IMPORT, db=db_on_disk, **env)

    assert done.code == 4, done.out + done.err
    assert "Intet er gemt" in done.err and "disken er fuld" in done.err, done.err
    assert "Traceback" not in done.err and "Gemt som" not in done.out
    assert _export(krimdash, db_on_disk, env, tmp_path) == before
    assert digest(db_on_disk) == file_before
    assert krimdash("log", db=db_on_disk, **env).out == batches_before

    # With room again, the same import is saved whole: the failed save left nothing in the way.
    filler.unlink()
    done = krimdash(*IMPORT, db=db_on_disk, **env)
    assert done.code == 0, done.out + done.err
    after = _export(krimdash, db_on_disk, env, tmp_path).decode()
    assert after.encode() != before
    assert f"2025-01,top100.screened,,{real_january.value('top100.screened')}," in after


@pytest.mark.parametrize(
    "command",
    [
        IMPORT,
        ("retract", "--month", "2025-01", "--measure", "top100.screened", "--note", "fejl"),
        ("month", "approve", "2025-01"),
    ],
    ids=["import", "retract", "month-approve"],
)
def test_a_save_on_a_read_only_disk_fails_in_danish_and_changes_nothing(
    command, db_on_disk, disk, krimdash, env, tmp_path
):
    before = _export(krimdash, db_on_disk, env, tmp_path)
    file_before = digest(db_on_disk)
    read_only(disk)

    done = krimdash(*command, db=db_on_disk, **env)

    assert done.code == 4, done.out + done.err
    assert "Intet er gemt" in done.err and "skrivebeskyttet" in done.err, done.err
    assert "Traceback" not in done.err
    # Reading still works on the read-only disk, and shows the database as it was.
    assert _export(krimdash, db_on_disk, env, tmp_path) == before
    assert digest(db_on_disk) == file_before


@pytest.mark.parametrize("page", ["overblik", "top100", "sammenlign"])
def test_a_signed_in_reader_reads_pages_on_a_full_disk(page, db_on_disk, disk, monkeypatch):
    """The access log beside the database is on the full disk too: the page view it cannot record
    goes to the server's log, and the page is served."""
    fill(disk)
    at = open_page(monkeypatch, db_on_disk, page)
    assert not at.exception, at.exception
    assert not at.error
    assert "DEMO" in body(at)


RAADMAND = Reader(subject="raadmand@aarhus.dk", name="Rådmand", role="raadmand")


def test_approving_on_a_full_disk_is_a_danish_message_in_the_app(
    db_on_disk, disk, krimdash, env, tmp_path, monkeypatch
):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    before = _export(krimdash, db_on_disk, env, tmp_path)
    at = open_page(monkeypatch, db_on_disk, reader=RAADMAND)
    assert not at.exception
    buttons = [b for b in at.button if b.key.startswith(("approve-", "reopen-"))]
    assert len(buttons) == 1, [b.key for b in at.button]
    fill(disk)

    buttons[0].click().run()

    assert not at.exception, at.exception
    assert text("db_not_saved", "da") in [e.value for e in at.error]
    assert _export(krimdash, db_on_disk, env, tmp_path) == before


@pytest.mark.browser
def test_a_served_app_keeps_serving_when_an_import_meets_a_full_disk(
    db_on_disk, disk, krimdash, env, tmp_path, browser
):
    """A served app keeps serving the figures it has after an import fails on a full disk (the
    session's one Chromium, conftest.py: it fails in CI when the browser is missing)."""

    def screened(page) -> str:
        tile = page.locator(".tile", has_text="Screenede sager").first
        return tile.locator(".value").inner_text().strip()

    def read(browser, url: str):
        page = browser.new_page()
        page.goto(url)
        page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for(
            timeout=60_000
        )
        page.locator("[data-testid='stMain'] h1").first.wait_for(timeout=30_000)
        return page

    with serving(krimdash_serve, {"KRIMDASH_DB": str(db_on_disk), **env}) as server:
        shown = screened(read(browser, server.url))
        fill(disk)
        done = krimdash(*IMPORT, db=db_on_disk, **env)
        assert done.code == 4 and "disken er fuld" in done.err, done.out + done.err
        assert server.alive()
        # A new reader (a new session, a new script run) reads the pages as before.
        for address in ("", "?side=top100", "?side=sammenlign"):
            page = read(browser, server.url + "/" + address)
            assert not page.locator("[data-testid='stException']").count()
            assert not page.locator("[data-testid='stAlert']").count()
        assert screened(read(browser, server.url)) == shown
