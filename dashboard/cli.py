"""The `krimdash` command: init, import, export, template, check, log, retract, user, month,
public, backup, restore, migrate-store, serve, report.

Messages are in Danish for the analysts who use it. Exit codes: 0 done; 1 the input was
rejected (nothing saved); 2 wrong use of the command; 3 warnings not acknowledged (nothing
saved); 4 the database was busy, missing or older than this krimdash (then only `init` writes:
it creates and upgrades the database; no other command creates a file).
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import errno
import os
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import duckdb

from . import config
from .access import LOCAL, ROLES, NotAllowed
from .backup import BackupRejected
from .catalog import load_catalog
from .db import (
    DatabaseBroken,
    DatabaseBusy,
    DatabaseMissing,
    DatabaseNotSaved,
    DatabaseOutdated,
    Store,
    WriteConflict,
    broken_reason,
)
from .months import format_month, month_label, parse_month

EXIT_REJECTED, EXIT_USAGE, EXIT_WARNINGS, EXIT_DATABASE = 1, 2, 3, 4
# Commands that start without the start-up check (Store.check): restoring is how a database that
# cannot be opened is replaced, so it must not be stopped by it.
_NO_STARTUP_CHECK = frozenset({"restore"})

# Danish for the texts argparse writes itself (usage errors, help headings), by its msgid.
_ARGPARSE_DA = {
    "usage: ": "brug: ",
    "positional arguments": "argumenter",
    "options": "tilvalg",
    "show this help message and exit": "vis denne hjælp og afslut",
    "%(prog)s: error: %(message)s\n": "%(prog)s: fejl: %(message)s\n",
    "argument %(argument_name)s: %(message)s": "%(argument_name)s: %(message)s",
    "the following arguments are required: %s": "skal angives: %s",
    "one of the arguments %s is required": "et af disse skal angives: %s",
    "unrecognized arguments: %s": "ukendt argument: %s",
    "invalid choice: %(value)r (choose from %(choices)s)": (
        "ukendt valg %(value)r (mulige: %(choices)s)"
    ),
    "invalid %(type)s value: %(value)r": "ugyldig værdi: %(value)r",
    "expected one argument": "mangler en værdi",
    "expected at most one argument": "højst én værdi",
    "expected at least one argument": "mindst én værdi",
    "not allowed with argument %s": "kan ikke bruges sammen med %s",
    "ignored explicit argument %r": "tager ingen værdi (fik %r)",
    "ambiguous option: %(option)s could match %(matches)s": (
        "tvetydigt tilvalg: %(option)s kan være %(matches)s"
    ),
    "unexpected option string: %s": "uventet tilvalg: %s",
    "can't open '%(filename)s': %(error)s": "kan ikke åbne «%(filename)s»: %(error)s",
}


def _da(message: str) -> str:
    return _ARGPARSE_DA.get(message, message)


def _da_n(singular: str, plural: str, n: int) -> str:
    return _da(singular if n == 1 else plural)


@contextlib.contextmanager
def _danish_argparse() -> Iterator[None]:
    """argparse looks its texts up through its module's gettext names; answer them in Danish."""
    saved = argparse._, argparse.ngettext  # type: ignore[attr-defined]
    argparse._, argparse.ngettext = _da, _da_n  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved  # type: ignore[attr-defined]


class DanishParser(argparse.ArgumentParser):
    """An ArgumentParser whose usage, help and errors are Danish; wrong use exits with 2."""

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003 - argparse's own
        with _danish_argparse():
            super().__init__(*args, **kwargs)

    def parse_known_args(self, args=None, namespace=None):  # noqa: ANN001, ANN201
        with _danish_argparse():
            return super().parse_known_args(args, namespace)

    def parse_args(self, args=None, namespace=None):  # noqa: ANN001, ANN201
        with _danish_argparse():
            return super().parse_args(args, namespace)

    def format_usage(self) -> str:
        with _danish_argparse():
            return super().format_usage()

    def format_help(self) -> str:
        with _danish_argparse():
            return super().format_help()

    def error(self, message: str) -> NoReturn:
        with _danish_argparse():
            self.print_usage(sys.stderr)
            self.exit(EXIT_USAGE, _da("%(prog)s: error: %(message)s\n") % {
                "prog": self.prog, "message": _suggest_command(message)
            })  # fmt: skip


def _suggest_command(message: str) -> str:
    """A mistyped command ("impot") gets the nearest command as a suggestion."""
    if message == "skal angives: KOMMANDO":
        return f"skriv en kommando: {', '.join(COMMANDS)} (se krimdash --help)"
    prefix = "KOMMANDO: ukendt valg "
    if not message.startswith(prefix):
        return message
    typed = message[len(prefix) :].split(" (", 1)[0].strip("'\"")
    close = difflib.get_close_matches(typed, COMMANDS, n=1)
    return f"ukendt kommando «{typed}»" + (
        f"; mente du {close[0]}?" if close else f" (mulige: {', '.join(COMMANDS)})"
    )


COMMANDS = (
    "init", "import", "export", "template", "check", "log", "retract",
    "user", "month", "public", "backup", "restore", "migrate-store", "report", "serve",
)  # fmt: skip


def count(n: int, one: str, many: str) -> str:
    """A count with its noun in the right number: count(1, "advarsel", "advarsler") → "1 advarsel"."""
    return f"{n} {one if n == 1 else many}"


def _whole_number(text: str) -> int:
    """argparse type for --limit and --port: a whole number, said in Danish otherwise."""
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"«{text}» er ikke et helt tal") from None


def _user(args: argparse.Namespace) -> str:
    return args.user or config.user_name()


def _say(text: str = "") -> None:
    print(text, flush=True)


def _err(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def cmd_init(args: argparse.Namespace, store: Store) -> int:
    from .reference import load_reference

    existed = store.exists()
    version = store.upgrade()
    has_demo = bool(store.rows("demo_status")[0][0])
    counts = load_reference(store, user=_user(args), demo=args.demo or has_demo)
    _say(
        f"Database {'opgraderet' if existed else 'oprettet'}: {store.path} (skemaversion {version})"
    )
    _say(
        f"Katalog indlæst: {count(counts['initiatives_in'], 'indsats', 'indsatser')}, "
        f"{count(counts['measures_in'], 'måling', 'målinger')}."
    )
    # The database owns events and targets: init only adds ids from data/ it has never seen.
    for kind, one, many in (("events", "begivenhed", "begivenheder"), ("targets", "mål", "mål")):
        _say(
            f"{many.capitalize()}: {counts[kind + '_added']} nye fra data/, "
            f"{counts[kind + '_kept']} fandtes allerede og er beholdt som i databasen; "
            f"{count(counts[kind + '_total'], one, many)} i alt."
        )
    if not args.demo:
        return 0
    from .demo import DEMO_NOTE, DEMO_PATH, DEMO_USERS, set_up_demo_access
    from .imports import import_file

    demo_figures, all_figures = store.rows("demo_status")[0]
    if real := all_figures - demo_figures:
        _err(
            f"Demodata indlæses ikke: databasen har {real} rigtige tal, og fiktive tal må "
            "aldrig blandes med dem. Brug en anden database (--db) til demo."
        )
        return EXIT_REJECTED
    result = import_file(
        store,
        DEMO_PATH,
        user=_user(args),
        role=LOCAL,
        accept_warnings=True,
        note="DEMO: fiktive tal. Januar 2025 er som rapporteret (8 + 12 ≠ 19 i kilden).",
        action="demo",
        is_demo=True,
    )
    if not result.ok:
        _report(result)
        return EXIT_REJECTED
    _say(
        f"DEMO-data indlæst: {count(result.n_new, 'nyt', 'nye')} og "
        f"{count(result.n_unchanged, 'uændret', 'uændrede')} tal ({DEMO_NOTE})."
    )
    approved = set_up_demo_access(store, user=_user(args), role=LOCAL)
    _say(
        "Demobrugere: "
        + ", ".join(f"{subject} ({role})" for subject, role in DEMO_USERS.items())
        + (
            f". {count(len(approved), 'demomåned', 'demomåneder')} godkendt; den seneste måned "
            "er kladde, så godkendelsen kan prøves."
            if approved
            else ". Månedernes status er bevaret."
        )
    )
    return 0


# An import prints at most this many errors, changed figures and warnings, then a count of the rest.
SHOWN = 50


def _report(result) -> None:  # noqa: ANN001 - ImportResult, imported lazily
    from .rules import printable  # text from the file is shown escaped, never raw

    if result.parsed:
        layout = "lang form" if result.parsed.layout == "long" else "bred skabelon"
        enc = f", {result.parsed.encoding}" if result.parsed.encoding else ""
        _say(
            f"Fil: {printable(result.file_name)} ({result.parsed.kind}{enc}, {layout}), "
            f"{result.n_figures} tal"
        )
    if result.errors:
        _err(f"Filen er afvist; intet er gemt. {len(result.errors)} fejl:")
        for problem in result.errors[:SHOWN]:
            _err(f"  - {printable(str(problem))}")
        if len(result.errors) > SHOWN:
            _err(f"  ... og {len(result.errors) - SHOWN} fejl mere")
        return
    _say(f"Nye: {result.n_new}, ændrede: {result.n_changed}, uændrede: {result.n_unchanged}")
    for figure, old in result.changed[:SHOWN]:
        cat = f" / kategori {figure.category}" if figure.category else ""
        _say(
            f"  ændret: {month_label(figure.month)} / {figure.measure}{cat}: {old} → {figure.value}"
        )
    if result.n_changed > SHOWN:
        _say(f"  ... og {result.n_changed - SHOWN} ændrede tal mere")
    if result.warnings:
        _say(f"Advarsler ({len(result.warnings)}):")
        for warning in result.warnings[:SHOWN]:
            _say(f"  - {printable(warning.message)}")
        if len(result.warnings) > SHOWN:
            _say(f"  ... og {len(result.warnings) - SHOWN} advarsler mere")


def cmd_import(args: argparse.Namespace, store: Store) -> int:
    from .imports import import_file

    if not store.exists():  # before reading the file: without a database there is nothing to check
        raise DatabaseMissing(store.path)
    result = import_file(
        store,
        args.file,
        user=_user(args),
        role=LOCAL,
        dry_run=args.dry_run,
        accept_warnings=args.accept_warnings,
        note=args.note or "",
    )
    _report(result)
    if result.status == "rejected":
        return EXIT_REJECTED
    if result.status == "needs_ack":
        _err(
            "Intet er gemt: filen giver advarsler. Tjek tallene; er de rigtige, så gem med "
            '--accept-warnings --note "begrundelse".'
        )
        return EXIT_WARNINGS
    if result.status == "dry_run":
        _say("Prøvekørsel (--dry-run): intet er gemt.")
    elif result.status == "no_change":
        _say("Ingen ændringer: alle tal findes allerede. Intet er gemt.")
    else:
        _say(f"Gemt som indlæsning nr. {result.batch_id} (se krimdash log).")
    return 0


def cmd_export(args: argparse.Namespace, store: Store) -> int:
    from .exports import (
        current_rows,
        figures_csv,
        figures_xlsx,
        parse_as_of,
        public_rows,
        xlsx_notes,
    )

    as_of = parse_as_of(args.as_of) if args.as_of else None
    rows = public_rows(store, as_of) if args.public else current_rows(store, as_of)
    if args.format == "xlsx":
        data = figures_xlsx(rows, xlsx_notes(rows, public=args.public))
    else:
        data = figures_csv(rows)
    if args.output and args.output != "-":
        Path(args.output).write_bytes(data)
        _say(f"Eksporteret {len(rows)} tal til {args.output}")
    else:
        sys.stdout.buffer.write(data)
    return 0


REPORT_FORMATS = ("docx", "pdf", "html")


def _writable(output: str) -> Path:
    """The file -o names, if it can be written; else a Danish ValueError (before any work)."""
    path = Path(output)
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise ValueError(f"«{output}» er en mappe; angiv et filnavn, fx notat.pdf")
    if not folder.is_dir():
        raise ValueError(f"mappen «{folder}» findes ikke; opret den eller vælg en anden -o")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise ValueError(f"der er ikke skriveadgang til «{output}»; vælg en anden -o")
    return path


_OS_ERRORS_DA = {
    errno.ENOENT: "filen kan ikke oprettes der",
    errno.EACCES: "der er ikke skriveadgang",
    errno.EPERM: "der er ikke skriveadgang",
    errno.EROFS: "drevet er skrivebeskyttet",
    errno.ENOSPC: "der er ikke plads på disken",
    errno.EISDIR: "det er en mappe",
}


def _write_file(path: Path, data: bytes) -> None:
    """Write `data` to `path` whole or not at all (a temporary file beside it, then renamed);
    a failure is a Danish ValueError naming the file and the reason."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_bytes(data)
        os.replace(temporary, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            temporary.unlink()
        reason = _OS_ERRORS_DA.get(exc.errno or 0, exc.strerror or str(exc))
        raise ValueError(f"notatet kunne ikke skrives til «{path}»: {reason}") from None


def cmd_report(args: argparse.Namespace, store: Store) -> int:
    """The monthly note for a month as DOCX, PDF or one HTML file (dashboard/note.py)."""
    from .note import build_note, small_counts_in_text

    month = parse_month(args.month)
    if not store.exists():
        raise DatabaseMissing(store.path)
    path = _writable(args.output)
    if args.format == "docx":
        try:
            from .note_docx import note_docx as write
        except ImportError:
            raise ValueError(
                "notatet som DOCX er ikke tilgængeligt i denne udgave af krimdash; brug "
                "--format pdf eller --format html"
            ) from None
    else:
        from .note_html import note_html, note_pdf

        write = note_pdf if args.format == "pdf" else note_html
    note = build_note(store, month, public=args.public, images=args.format == "docx")
    if args.public:  # the protection covers figures, not the words the analyst wrote
        for place in small_counts_in_text(note):
            _err(f"Advarsel: {place}; den offentlige udgave trykker teksten, som den er skrevet.")
    data = write(note)
    _write_file(path, data)
    marks = [m for m, on in (("KLADDE", note.draft), ("DEMO", note.demo)) if on]
    size = f"{len(data):,}".replace(",", ".")
    _say(
        f"Notatet for {month_label(month)} er skrevet til {args.output} "
        f"({args.format.upper()}, {size} byte"
        + ("; offentlig udgave" if note.public else "")
        + (f"; mærket {' og '.join(marks)}" if marks else "")
        + ")."
    )
    return 0


def cmd_template(args: argparse.Namespace, store: Store) -> int:
    from .exports import write_template
    from .rules import EARLIEST_MONTH

    first, last = parse_month(args.from_month), parse_month(args.to_month)
    if last < first:
        raise ValueError("--to skal være samme måned som --from eller senere")
    if len(range(first.year * 12 + first.month, last.year * 12 + last.month)) > 240:
        raise ValueError("skabelonen kan højst dække 240 måneder")
    if first < EARLIEST_MONTH or last.year > 9998:  # figures before 2000 are refused anyway
        raise ValueError("skabelonen kan dække måneder fra januar 2000 til december 9998")
    rows = write_template(store, first, last, args.output)
    _say(
        f"Skabelon for {month_label(first)}-{month_label(last)} skrevet til {args.output} "
        f"({count(rows, 'række', 'rækker')})."
    )
    return 0


def cmd_check(args: argparse.Namespace, store: Store) -> int:
    from .rules import find_warnings

    catalog = load_catalog()
    state = {(m, meas, cat): v for m, meas, cat, v, _ in store.rows("figures_current")}
    acknowledged: dict[str, str] = {}
    for _, _, user, note, message in store.rows("acknowledged_warnings"):
        acknowledged[message] = f"{note} ({user})"
    warnings = find_warnings(state, catalog)
    _say(
        f"{len(state)} nuværende tal kontrolleret; {count(len(warnings), 'advarsel', 'advarsler')}."
    )
    open_count = 0
    for w in warnings:
        ack = acknowledged.get(w.message)
        if ack:
            _say(f"  - {w.message}\n      godkendt: {ack}")
        else:
            open_count += 1
            _say(f"  - {w.message}\n      IKKE godkendt")
    return EXIT_REJECTED if open_count else 0


def cmd_log(args: argparse.Namespace, store: Store) -> int:
    if args.access:
        return _access_log(args, store)
    from .history import action_text, batches

    for b in batches(store, args.limit):
        when = config.local_time(b.created_at, "%Y-%m-%d %H:%M:%S")
        parts = [f"#{b.id}", when, b.user, action_text(b.action)]
        if b.file_name:
            # a batch written by a tool of its own (bench/synthetic.py) may name a file without its digest
            sha = b.file_sha256
            parts.append(f"{b.file_name} (sha256 {sha[:12]})" if sha else b.file_name)
        parts.append(
            f"nye {b.new}, ændrede {b.changed}, uændrede {b.unchanged}, tilbagetrukne {b.retracted}"
        )
        if acknowledged := len(b.warnings):
            parts.append(count(acknowledged, "godkendt advarsel", "godkendte advarsler"))
        if b.note:
            parts.append(f"note: {b.note}")
        if b.is_demo:
            parts.append("DEMO")
        _say(" | ".join(parts))
    return 0


def cmd_retract(args: argparse.Namespace, store: Store) -> int:
    from .imports import retract

    key = (parse_month(args.month), args.measure, args.category or "")
    number = retract(store, [key], user=_user(args), role=LOCAL, note=args.note or "")
    _say(
        f"Trukket tilbage som nr. {number} i loggen: {format_month(key[0])} / {key[1]} / «{key[2]}»"
    )
    return 0


def _access_log(args: argparse.Namespace, store: Store) -> int:
    from . import accesslog
    from .exports import parse_as_of

    since = parse_as_of(args.since) if args.since else None
    entries = accesslog.read(since, args.limit, database=store)
    if not entries:
        _say(f"Adgangsloggen er tom ({accesslog.log_path(store)}).")
    for entry in entries:
        parts = [
            config.local_time(entry.at, "%Y-%m-%d %H:%M:%S"),
            accesslog.EVENTS.get(entry.event, entry.event),
            entry.who or "anonym",
            entry.role or "ingen rolle",
        ]
        parts += [text for text in (entry.target, entry.what) if text]
        if not entry.ok:
            parts.append("AFVIST/FEJLET")
        _say(" | ".join(parts))
    return 0


_STATUS_DA = {"approved": "godkendt", "kladde": "kladde"}


def cmd_user(args: argparse.Namespace, store: Store) -> int:
    from .access import add_user, list_users, normal_subject, remove_user

    if args.action == "add":
        subject = normal_subject(args.subject)
        new = add_user(store, subject, args.role, by=_user(args), by_role=LOCAL)
        _say(f"{'Tilføjet' if new else 'Rolle ændret'}: {subject} er nu {args.role}.")
    elif args.action == "remove":
        subject = normal_subject(args.subject)
        remove_user(store, subject, by=_user(args), by_role=LOCAL)
        _say(f"Fjernet: {subject} har ikke længere adgang.")
    else:
        users = list_users(store)
        if not users:
            _say("Ingen brugere. Tilføj en med: krimdash user add SUBJECT --role viewer")
        for subject, role, added_at, added_by in users:
            when = config.local_time(added_at, "%Y-%m-%d %H:%M")
            _say(f"{subject} | {role} | tilføjet {when} af {added_by}")
    return 0


def cmd_month(args: argparse.Namespace, store: Store) -> int:
    from . import approvals

    if args.action in ("approve", "reopen"):
        month = parse_month(args.month)
        if args.action == "approve":
            done = approvals.approve(store, month, user=_user(args), role=LOCAL)
            _say(
                f"{month_label(month).capitalize()} er godkendt."
                if done
                else f"{month_label(month).capitalize()} var allerede godkendt; intet ændret."
            )
        else:
            done = approvals.reopen(
                store, month, user=_user(args), role=LOCAL, reason=args.reason or ""
            )
            _say(
                f"{month_label(month).capitalize()} er genåbnet og er nu kladde."
                if done
                else f"{month_label(month).capitalize()} var allerede kladde; intet ændret."
            )
        return 0
    if args.action == "history":
        rows = approvals.history(store)
        if not rows:
            _say("Ingen måned er godkendt eller genåbnet endnu.")
        for _, month, status, changed_at, changed_by, reason, _ in rows[: args.limit]:
            when = config.local_time(changed_at, "%Y-%m-%d %H:%M:%S")
            line = f"{when} | {format_month(month)} | {_STATUS_DA[status]} | {changed_by}"
            _say(line + (f" | {reason}" if reason else ""))
        return 0
    from .exports import parse_as_of

    as_of = parse_as_of(args.as_of) if args.as_of else None
    found = approvals.statuses(store, as_of)
    if not found:
        _say("Der er ingen måneder med tal" + (" på det tidspunkt." if as_of else "."))
    for month, status in found.items():
        _say(f"{format_month(month)}  {month_label(month):<16} {_STATUS_DA[status]}")
    return 0


def cmd_public(args: argparse.Namespace, store: Store) -> int:
    from .access import public_view, public_view_is_set, set_public

    if args.action in ("on", "off"):
        set_public(store, args.action == "on", user=_user(args), role=LOCAL)
    on = public_view(store)
    how = "" if public_view_is_set(store) else " (standard: til, så længe alle tal er demotal)"
    _say(
        f"Den offentlige visning er {'slået til' if on else 'slået fra'}{how}: "
        + (
            "læsere, der ikke er logget ind, ser godkendte måneder med beskyttede små tal."
            if on
            else "læsere, der ikke er logget ind, ser kun siden «Log ind»."
        )
    )
    return 0


# Streamlit's sign-in settings (the [auth] section; see README, "Log ind"): beside the app's
# config.toml unless `krimdash serve --secrets FILE` names another file.
SECRETS_FILE = Path(__file__).resolve().parent / "web" / ".streamlit" / "secrets.toml"


def cmd_serve(args: argparse.Namespace, store: Store) -> int:
    from . import testlogin
    from .access import made_by_demo_init, public_view

    app = Path(__file__).resolve().parent / "web" / "app.py"
    secrets_file = Path(args.secrets).resolve() if args.secrets else SECRETS_FILE
    if args.secrets and not secrets_file.is_file():
        _err(f"Fejl: login-opsætningen {secrets_file} findes ikke.")
        return EXIT_USAGE
    secrets_ = testlogin.read_secrets(secrets_file)  # ValueError (broken TOML): exit code 2
    if testlogin.signin_configured(secrets_):
        test = testlogin.is_test_provider(secrets_)
        if (
            test
            and store.exists()
            and not config.allow_test_login()
            and not made_by_demo_init(store)
        ):
            _err(testlogin.REFUSAL)
            return EXIT_USAGE
        redirect = str(secrets_["auth"]["redirect_uri"]).replace("{port}", str(args.port))
        start = redirect.removesuffix("/oauth2callback") + "/"
        _say(
            f"Login er sat op ({secrets_file}). Åbn {start} (samme værtsnavn som "
            "redirect_uri, ellers mister browseren login-cookien)."
        )
        if test:
            _say("Test-login (oidc-provider-mock): kun til demotal og test.")
    else:
        public = store.exists() and public_view(store)
        _say(
            f"Ingen login-opsætning ({secrets_file} har intet [auth]-afsnit): serverer kun den "
            + (
                "offentlige visning (godkendte måneder, små tal skjult)."
                if public
                else "offentlige visning, og den er slået fra (krimdash public on): "
                "læsere ser kun en side om, at der intet er at vise."
            )
        )
    from .lake import LakeStore

    if isinstance(store, LakeStore):  # the app opens the same shared store
        env = {**os.environ, "KRIMDASH_STORE": store.url, "KRIMDASH_LAKE_DATA": str(store.data)}
    else:
        env = {**os.environ, "KRIMDASH_DB": str(store.path.resolve())}
        env.pop("KRIMDASH_STORE", None)
    command = [
        sys.executable, "-m", "streamlit", "run", str(app),
        "--server.port", str(args.port), "--server.headless", "true",
        "--browser.gatherUsageStats", "false", "--server.address", args.address,
        "--client.toolbarMode", "viewer", "--secrets.files", str(secrets_file),
    ]  # fmt: skip
    # Become the server process, so a stop signal reaches Streamlit itself and leaves no orphan.
    os.execve(sys.executable, command, env)
    return 0  # not reached


def cmd_backup(args: argparse.Namespace, store: Store) -> int:
    from .backup import backup

    result = backup(store, Path(args.folder))
    rows = sum(result.tables.values())
    log = (
        f"; adgangsloggen med {count(result.access_log_rows, 'linje', 'linjer')}"
        if result.access_log_rows is not None
        else "; ingen adgangslog"
    )
    _say(
        f"Sikkerhedskopi skrevet til {result.folder}: skemaversion {result.schema_version}, "
        f"{count(len(result.tables), 'tabel', 'tabeller')} med {rows} rækker{log} "
        f"({result.seconds:.1f} s)."
    )
    return 0


def cmd_restore(args: argparse.Namespace, store: Store) -> int:
    from .backup import restore
    from .lake import LakeStore

    if isinstance(store, LakeStore) and not args.target_db:  # never a file named like the address
        raise ValueError(
            f"krimdash restore gendanner en databasefil, ikke det delte lager {store.location}; "
            "intet er skrevet. Gendan til en fil: krimdash restore MAPPE --db FIL"
        )
    target = Path(args.target_db) if args.target_db else store.path
    result = restore(Path(args.folder), target, force=args.force)
    rows = sum(result.tables.values())
    _say(
        f"Gendannet fra {args.folder} til {result.database}: skemaversion "
        f"{result.schema_version}, {count(len(result.tables), 'tabel', 'tabeller')} med "
        f"{rows} rækker ({result.seconds:.1f} s)."
    )
    if result.access_log is not None:
        _say(f"Adgangsloggen gendannet til {result.access_log}.")
    for path in result.kept_old:
        _say(f"Den gamle fil er gemt som {path}.")
    from .db import latest_version

    if result.schema_version < latest_version():
        _say(
            f"Skemaversion {result.schema_version} er ældre end denne krimdash "
            f"({latest_version()}): opgrader med krimdash --db {result.database} init"
        )
    return 0


def cmd_migrate_store(args: argparse.Namespace, store: Store) -> int:
    """Copy the database file into an empty shared store and verify the copy (migrate_store.py)."""
    from .lake import LakeStore, shown
    from .migrate_store import MigrateRefused, migrate

    if isinstance(store, LakeStore):
        raise ValueError(
            f"kilden {store.location} er selv et delt lager; migrate-store flytter en "
            "databasefil (--db eller KRIMDASH_DB) ind i et delt lager"
        )
    if not args.to.startswith(config.LAKE_PREFIX):
        raise ValueError(
            f"--to «{shown(args.to)[:200]}» er ikke et delt lager; skriv fx --to "
            '"ducklake:postgres:dbname=krimdash host=… port=5432 user=…"'
        )
    target = Store(args.to)  # a lake without KRIMDASH_LAKE_DATA: ValueError (exit 2)
    try:
        result = migrate(store, target)
    except MigrateRefused as exc:
        _err(f"Flytning afvist; intet er skrevet. {exc}")
        return EXIT_REJECTED
    _say(f"Kopieret fra {result.source} til {result.target} ({result.seconds:.1f} s):")
    for t in result.tables:
        same = "ens række for række" if t.ok else "FORSKELLIG"
        _say(
            f"  {t.name}: {count(t.source_rows, 'række', 'rækker')} i filen, "
            f"{t.target_rows} i det delte lager; {same}"
        )
    for e in result.exports:
        when = (
            "" if e.as_of is None else f" pr. {config.local_time(e.as_of, '%Y-%m-%d %H:%M:%S.%f')}"
        )
        sign = "=" if e.ok else "≠"
        _say(
            f"  eksport{when} før {sign} eksport efter ({count(e.figures, 'tal', 'tal')}, "
            f"sha256 {e.before[:16]}" + ("" if e.ok else f" / {e.after[:16]}") + ")"
        )
    _say(result.access_log)
    if not result.ok:
        tables = [t.name for t in result.tables if not t.ok]
        exports = sum(not e.ok for e in result.exports)
        _err(
            "Kopien passer ikke: "
            + "; ".join(
                ([f"tabellen {', '.join(tables)} er forskellig"] if tables else [])
                + ([f"{count(exports, 'eksport', 'eksporter')} er forskellig"] if exports else [])
            )
            + f". Det delte lager {result.target} er efterladt, som det er, til undersøgelse; "
            "databasefilen er uændret. Brug en ny, tom database til næste forsøg."
        )
        return EXIT_REJECTED
    _say(
        f"Færdig: alt er kopieret og kontrolleret. Brug nu det delte lager med --store eller "
        f"KRIMDASH_STORE (og KRIMDASH_LAKE_DATA={target.data})."
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = DanishParser(
        prog="krimdash",
        description="krimdash: tal for det kriminalpræventive område, måned for måned.",
        epilog="Afslutningskoder: 0 udført; 1 filen afvist eller check fandt advarsler; "
        "2 forkert brug; 3 advarsler ikke godkendt; 4 databasen optaget eller mangler. "
        "backup/restore: 1 sikkerhedskopien afvist (ændret eller ufuldstændig). "
        "migrate-store: 1 målet har allerede data, eller kopien passer ikke.",
    )
    parser.add_argument(
        "--db", metavar="FIL", help="databasefil (ellers KRIMDASH_DB eller data/krimdash.duckdb)"
    )
    parser.add_argument(
        "--store",
        metavar="ADRESSE",
        help="et delt lager i stedet for databasefilen: ducklake:postgres:dbname=… host=… "
        "port=… user=… (ellers KRIMDASH_STORE; datafilerne i KRIMDASH_LAKE_DATA)",
    )
    sub = parser.add_subparsers(
        dest="command", metavar="KOMMANDO", required=True, title="kommandoer"
    )
    user_help = "hvem gør det (ellers KRIMDASH_USER eller login-navnet)"

    p = sub.add_parser(
        "init",
        help="opret eller opgrader databasen og indlæs katalog og begivenheder",
        description="Opret eller opgrader databasen og indlæs katalog, begivenheder og mål fra data/.",
    )
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--demo", action="store_true", help="indlæs også de fiktive demotal")
    mode.add_argument("--empty", action="store_true", help="ingen tal (standard)")
    p.add_argument("--user", metavar="NAVN", help=user_help)
    p.set_defaults(func=cmd_init)

    p = sub.add_parser(
        "import",
        help="indlæs en talfil (CSV eller XLSX, lang form eller skabelon)",
        description="Indlæs en talfil (CSV eller XLSX, lang form eller den brede skabelon) "
        "og gem den som én indlæsning. Giver filen advarsler, gemmes intet uden "
        "--accept-warnings og --note.",
    )
    p.add_argument("file", metavar="FIL", help="talfilen (.csv eller .xlsx)")
    p.add_argument("--user", metavar="NAVN", help=user_help)
    p.add_argument("--dry-run", action="store_true", help="vis hvad der ville ske, men gem intet")
    p.add_argument(
        "--accept-warnings", action="store_true", help="gem trods advarsler (kræver --note)"
    )
    p.add_argument("--note", metavar="TEKST", help="begrundelse, der gemmes i revisionssporet")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser(
        "export",
        help="eksportér nuværende tal som CSV eller XLSX",
        description="Eksportér tallene som CSV (eller XLSX med --format xlsx): de nuværende, "
        "eller som de så ud på et tidspunkt.",
    )
    p.add_argument("-o", "--output", metavar="FIL", help="fil (ellers standard-output)")
    p.add_argument(
        "--as-of",
        metavar="TIDSPUNKT",
        help="tallene som de så ud på et tidspunkt, fx 2025-02-01T14:30 (dansk tid)",
    )
    p.add_argument(
        "--public",
        action="store_true",
        help="den offentlige udgave: kun godkendte måneder, små tal (1-4) vist som ..",
    )
    p.add_argument(
        "--format",
        choices=("csv", "xlsx"),
        default="csv",
        help="csv (standard) eller xlsx (Excel); tekst, der ligner en formel, skrives med ' foran",
    )
    p.set_defaults(func=cmd_export)

    p = sub.add_parser(
        "template",
        help="skriv den brede XLSX-skabelon, udfyldt med nuværende tal",
        description="Skriv den brede XLSX-skabelon: én række pr. måling og kategori, én kolonne "
        "pr. måned, udfyldt med de nuværende tal.",
    )
    p.add_argument(
        "--from", dest="from_month", metavar="MÅNED", required=True,
        help="første måned i skabelonen, fx 2025-01",
    )  # fmt: skip
    p.add_argument(
        "--to", dest="to_month", metavar="MÅNED", required=True,
        help="sidste måned i skabelonen, fx 2025-12 (højst 240 måneder i alt)",
    )  # fmt: skip
    p.add_argument(
        "-o", "--output", metavar="FIL", required=True, help="hvor skabelonen skrives (.xlsx)"
    )
    p.set_defaults(func=cmd_template)

    p = sub.add_parser(
        "check",
        help="kør alle regler over de nuværende tal og vis advarsler",
        description="Kør alle regler over de nuværende tal og vis hver advarsel, og om den er "
        "godkendt.",
    )
    p.set_defaults(func=cmd_check)

    p = sub.add_parser(
        "log",
        help="vis revisionssporet: én linje pr. indlæsning, nyeste først",
        description="Vis revisionssporet: én linje pr. indlæsning eller tilbagetrækning, "
        "nyeste først, i dansk tid.",
    )
    p.add_argument(
        "--limit", type=_whole_number, default=50, metavar="ANTAL",
        help="højst så mange linjer (standard 50)",
    )  # fmt: skip
    p.add_argument(
        "--access", action="store_true",
        help="vis adgangsloggen i stedet: log ind, afviste forsøg, sidevisninger, eksporter, "
        "indlæsninger, ændringer og godkendelser",
    )  # fmt: skip
    p.add_argument(
        "--since", metavar="TIDSPUNKT",
        help="med --access: kun linjer fra dette tidspunkt, fx 2025-02-01 (dansk tid)",
    )  # fmt: skip
    p.set_defaults(func=cmd_log)

    p = sub.add_parser(
        "retract",
        help="træk et tal tilbage (historikken bevares)",
        description="Træk et tal tilbage; dets historik bevares.",
    )
    p.add_argument("--month", metavar="MÅNED", required=True, help="måneden, fx 2025-01")
    p.add_argument(
        "--measure", metavar="MÅLING", required=True, help="målingens id, fx top100.screened"
    )
    p.add_argument("--category", metavar="KATEGORI", default="", help="kategori (ellers totalen)")
    p.add_argument("--note", metavar="TEKST", required=True, help="begrundelse for revisionssporet")
    p.add_argument("--user", metavar="NAVN", help=user_help)
    p.set_defaults(func=cmd_retract)

    p = sub.add_parser(
        "user",
        help="brugere og roller: tilføj, fjern eller vis",
        description="Hvem må logge ind, og med hvilken rolle. SUBJECT er identitetens sub eller "
        "e-mail (som log ind giver den) eller en gruppe fra gruppe-claimet.",
    )
    actions = p.add_subparsers(
        dest="action", metavar="HANDLING", required=True, title="handlinger",
        help="add, remove eller list",
    )  # fmt: skip
    a = actions.add_parser(
        "add", help="giv en bruger en rolle", description="Giv en bruger en rolle (eller en ny)."
    )
    a.add_argument("subject", metavar="SUBJECT", help="identitetens sub eller e-mail")
    a.add_argument(
        "--role", required=True, choices=ROLES, metavar="ROLLE",
        help=f"rollen: {', '.join(ROLES)}",
    )  # fmt: skip
    a.add_argument("--user", metavar="NAVN", help=user_help)
    a = actions.add_parser(
        "remove", help="fjern en brugers adgang", description="Fjern en brugers adgang."
    )
    a.add_argument("subject", metavar="SUBJECT", help="identitetens sub eller e-mail")
    a.add_argument("--user", metavar="NAVN", help=user_help)
    actions.add_parser("list", help="vis brugerne", description="Vis brugerne og deres roller.")
    p.set_defaults(func=cmd_user)

    p = sub.add_parser(
        "month",
        help="månedernes status: godkend, genåbn eller vis",
        description="En måned er kladde, til rådmanden godkender den; en senere ændring af et "
        "tal i en godkendt måned gør den til kladde igen.",
    )
    actions = p.add_subparsers(
        dest="action", metavar="HANDLING", required=True, title="handlinger",
        help="approve, reopen, list eller history",
    )  # fmt: skip
    a = actions.add_parser("approve", help="godkend en måned", description="Godkend en måned.")
    a.add_argument("month", metavar="MÅNED", help="måneden, fx 2025-01")
    a.add_argument("--user", metavar="NAVN", help=user_help)
    a = actions.add_parser(
        "reopen", help="gør en godkendt måned til kladde igen",
        description="Gør en godkendt måned til kladde igen.",
    )  # fmt: skip
    a.add_argument("month", metavar="MÅNED", help="måneden, fx 2025-01")
    a.add_argument("--reason", metavar="TEKST", help="begrundelse, der gemmes i historikken")
    a.add_argument("--user", metavar="NAVN", help=user_help)
    a = actions.add_parser(
        "list", help="vis hver måneds status", description="Vis hver måneds status."
    )
    a.add_argument(
        "--as-of", metavar="TIDSPUNKT",
        help="status som den var på et tidspunkt, fx 2025-02-01T14:30 (dansk tid)",
    )  # fmt: skip
    a = actions.add_parser(
        "history", help="vis godkendelser og genåbninger, nyeste først",
        description="Vis alle godkendelser og genåbninger med hvem og hvornår, nyeste først.",
    )  # fmt: skip
    a.add_argument(
        "--limit", type=_whole_number, default=50, metavar="ANTAL",
        help="højst så mange linjer (standard 50)",
    )  # fmt: skip
    p.set_defaults(func=cmd_month)

    p = sub.add_parser(
        "public",
        help="slå den offentlige visning til eller fra, eller vis status",
        description="Den offentlige visning: hvad læsere, der ikke er logget ind, ser "
        "(godkendte måneder, små tal beskyttet).",
    )
    p.add_argument(
        "action", choices=("on", "off", "status"), metavar="HANDLING",
        help="on (til), off (fra) eller status",
    )  # fmt: skip
    p.add_argument("--user", metavar="NAVN", help=user_help)
    p.set_defaults(func=cmd_public)

    p = sub.add_parser(
        "backup",
        help="skriv en sikkerhedskopi af databasen og adgangsloggen til en ny mappe",
        description="Skriv en sikkerhedskopi (Parquet-filer, adgangsloggen og manifest.json "
        "med rækketal og SHA-256) til en ny mappe. Kan køre, mens dashboardet kører og "
        "mens der indlæses: kopien er et helt øjebliksbillede.",
    )
    p.add_argument("folder", metavar="MAPPE", help="ny (eller tom) mappe til kopien")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser(
        "restore",
        help="gendan databasen fra en sikkerhedskopi",
        description="Tjek sikkerhedskopiens manifest og filer, byg databasen i en midlertidig "
        "fil og læg den på plads, når den er færdig. En eksisterende database overskrives "
        "kun med --force (den gamle gemmes ved siden af).",
    )
    p.add_argument("folder", metavar="MAPPE", help="mappen med sikkerhedskopien")
    p.add_argument(
        "--db", dest="target_db", metavar="FIL",
        help="databasefilen, der skal gendannes (ellers KRIMDASH_DB eller data/krimdash.duckdb)",
    )  # fmt: skip
    p.add_argument(
        "--force", action="store_true",
        help="erstat en eksisterende database (den gamle gemmes som .foer-gendannelse-TID)",
    )  # fmt: skip
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser(
        "migrate-store",
        help="flyt databasefilen med hele historikken ind i et tomt delt lager (DuckLake)",
        description="Kopiér databasefilen (--db eller KRIMDASH_DB) med alle tal, hele "
        "historikken, godkendelser, brugere, indstillinger og adgangsloggen ind i et tomt "
        "delt lager, i én transaktion, og kontrollér bagefter hver tabels rækker og at "
        "eksporten (nu og på tidligere tidspunkter) er byte for byte den samme. Datafilerne "
        "lægges i KRIMDASH_LAKE_DATA. Databasefilen ændres ikke.",
    )
    p.add_argument(
        "--to", metavar="ADRESSE", required=True,
        help="det delte lager: ducklake:postgres:dbname=… host=… port=… user=… (tomt, eller "
        "kun med det, krimdash init laver)",
    )  # fmt: skip
    p.set_defaults(func=cmd_migrate_store)

    p = sub.add_parser(
        "report",
        help="lav månedens notat (DOCX, PDF eller HTML)",
        description="Lav «Månedlig orientering på det kriminalpræventive område» for en måned: "
        "månedens tekst, hver indsats' tal og figur og månedens begivenheder. En måned, "
        "rådmanden ikke har godkendt, er mærket KLADDE på hver side.",
    )
    p.add_argument("--month", metavar="MÅNED", required=True, help="måneden, fx 2025-01")
    p.add_argument(
        "--format", choices=REPORT_FORMATS, required=True, metavar="FORMAT",
        help="docx (Word), pdf eller html (én fil, der kan åbnes uden net)",
    )  # fmt: skip
    p.add_argument(
        "--public", action="store_true",
        help="den offentlige udgave: kun en godkendt måned, små tal (1-4) skjult som ..",
    )  # fmt: skip
    p.add_argument("-o", "--output", metavar="FIL", required=True, help="hvor notatet skrives")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser(
        "serve", help="start dashboardet", description="Start dashboardet (Streamlit)."
    )
    p.add_argument(
        "--port", type=_whole_number, default=8501, metavar="PORT", help="port (standard 8501)"
    )
    p.add_argument(
        "--address", default="127.0.0.1", metavar="ADRESSE",
        help="adresse (standard 127.0.0.1: kun denne maskine, bag en reverse proxy; "
        "0.0.0.0 for alle netværk)",
    )  # fmt: skip
    p.add_argument(
        "--secrets",
        metavar="FIL",
        help="login-opsætningen ([auth], se README) (standard dashboard/web/.streamlit/secrets.toml)",
    )
    p.set_defaults(func=cmd_serve)
    parser.commands = sub.choices  # type: ignore[attr-defined]
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "import" and args.accept_warnings and not (args.note or "").strip():
        parser.commands["import"].error(  # exits with 2
            "--accept-warnings kræver --note med en begrundelse, fx "
            '--accept-warnings --note "som rapporteret"'
        )
    if args.command == "log" and args.since and not args.access:
        parser.commands["log"].error(
            "--since hører til --access: krimdash log --access --since ..."
        )
    code = EXIT_USAGE
    if args.db and args.store:
        parser.error("brug enten --db eller --store, ikke begge")  # exits with 2
    try:
        # without --db or --store: KRIMDASH_STORE, else KRIMDASH_DB or data/krimdash.duckdb
        store = Store(args.store or args.db)
    except ValueError as exc:  # an address that is not a store, or a lake without its folder
        _err(f"Fejl: {exc}")
        return EXIT_USAGE
    except DatabaseBusy as exc:  # a shared store's PostgreSQL does not answer
        _err(str(exc))
        return EXIT_DATABASE
    try:
        if store.exists() and args.command not in _NO_STARTUP_CHECK:
            store.check()  # it opens, its schema version is known, its WAL replays; or stop
        if args.command in ("user", "month", "public"):
            _needs_current_schema(store)
        code = args.func(args, store)
        return code
    except NotAllowed as exc:  # a PermissionError: before OSError below
        _err(f"Fejl: {exc}")
        return EXIT_USAGE
    except BackupRejected as exc:  # a ValueError: before ValueError below
        what = "Sikkerhedskopi" if args.command == "backup" else "Gendannelse"
        _err(f"{what} afvist; intet er skrevet. {exc}")
        return EXIT_REJECTED
    except (DatabaseBusy, DatabaseMissing, DatabaseOutdated, DatabaseBroken) as exc:
        _err(str(exc))
        return EXIT_DATABASE
    except (DatabaseNotSaved, WriteConflict) as exc:  # nothing saved, nothing changed
        _err(str(exc))
        return EXIT_DATABASE
    except duckdb.Error as exc:
        # The file could not be read to the end after all (damage the start-up check missed).
        _err(str(DatabaseBroken(store.path, broken_reason(exc))))
        return EXIT_DATABASE
    except ValueError as exc:
        _err(f"Fejl: {exc}")
        return EXIT_USAGE
    except OSError as exc:
        # e.g. -o into a folder that does not exist, or a file without write access
        _err(f"Fejl: kan ikke skrive eller læse {exc.filename or ''}: {exc.strerror or exc}")
        return EXIT_USAGE
    except KeyboardInterrupt:
        code = 130
        return code
    finally:
        _log_access(args, store, code)


def _needs_current_schema(store: Store) -> None:
    """Users, month status and settings came with schema version 5: reading them from an older
    database is the message to run `krimdash init`, not a traceback."""
    from .db import latest_version

    if (version := store.schema_version()) < latest_version():
        raise DatabaseOutdated(store.path, version)


def _access_entry(args: argparse.Namespace) -> tuple[str, str, str] | None:
    """(event, what, target) the access log records for this command, or None for a command
    that neither changes anything nor takes figures out (init, check, template, log, lists)."""
    action = getattr(args, "action", None)
    if args.command == "import":
        return ("import", "prøvekørsel" if args.dry_run else (args.note or ""), str(args.file))
    if args.command == "retract":
        target = f"{args.month} / {args.measure} / {args.category or ''}"
        return ("change", f"tilbagetrækning: {args.note or ''}", target)
    if args.command == "export":
        what = " ".join(
            part
            for part in (
                "offentlig" if getattr(args, "public", False) else "",
                f"as-of {args.as_of}" if args.as_of else "",
                "xlsx" if getattr(args, "format", "csv") == "xlsx" else "",
            )
            if part
        )
        return ("export", what, args.output or "standard-output")
    if args.command == "migrate-store":
        from .lake import shown

        return ("export", "flytning til delt lager (migrate-store)", shown(args.to))
    if args.command == "report":
        what = f"notat {args.month} {args.format}" + (" offentlig" if args.public else "")
        return ("export", what, args.output)
    if args.command == "user" and action in ("add", "remove"):
        what = f"rolle {args.role}" if action == "add" else "fjernet"
        return ("user", what, args.subject)
    if args.command == "month" and action in ("approve", "reopen"):
        return (action, getattr(args, "reason", None) or "", args.month)
    if args.command == "public" and action in ("on", "off"):
        return ("public", action, "offentlig visning")
    return None


def _log_access(args: argparse.Namespace, store: Store, code: int) -> None:
    """Record the command in the access log beside the database (ok when it exited with 0).
    A database that does not exist gets no log; a log that cannot be written is said, in
    Danish, without changing the command's outcome."""
    entry = _access_entry(args)
    try:
        if entry is None or not store.exists():
            return
    except DatabaseBusy:  # a shared store that does not answer: said already, nothing to log
        return
    from . import accesslog

    event, what, target = entry
    try:
        accesslog.record(
            event,
            who=_user(args) if hasattr(args, "user") else config.user_name(),
            role=LOCAL,
            what=what,
            target=target,
            ok=code == 0,
            database=store,
        )
    except (OSError, ValueError, sqlite3.Error) as exc:
        _err(f"Advarsel: adgangsloggen {accesslog.log_path(store)} kunne ikke skrives ({exc}).")


if __name__ == "__main__":
    sys.exit(main())
