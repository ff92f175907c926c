"""The `krimdash` command: init, import, export, template, check, log, retract, serve.

Messages are in Danish for the analysts who use it. Exit codes: 0 done; 1 the input was
rejected (nothing saved); 2 wrong use of the command; 3 warnings not acknowledged (nothing
saved); 4 the database was busy, missing or older than this krimdash (then only `init` writes:
it creates and upgrades the database; no other command creates a file).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import duckdb

from . import config
from .catalog import load_catalog
from .db import DatabaseBusy, DatabaseMissing, DatabaseOutdated, Store
from .months import format_month, month_label, parse_month

EXIT_REJECTED, EXIT_USAGE, EXIT_WARNINGS, EXIT_DATABASE = 1, 2, 3, 4


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
        f"Katalog indlæst: {counts['initiatives_in']} indsatser, {counts['measures_in']} målinger, "
        f"{counts['events_in']} begivenheder, {counts['targets_in']} mål."
    )
    if not args.demo:
        return 0
    from .demo import DEMO_NOTE, DEMO_PATH
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
        accept_warnings=True,
        note="DEMO: fiktive tal. Januar 2025 er som rapporteret (8 + 12 ≠ 19 i kilden).",
        action="demo",
        is_demo=True,
    )
    if not result.ok:
        _report(result)
        return EXIT_REJECTED
    _say(
        f"DEMO-data indlæst: {len(result.new)} nye, {len(result.unchanged)} uændrede tal ({DEMO_NOTE})."
    )
    return 0


def _report(result) -> None:  # noqa: ANN001 - ImportResult, imported lazily
    if result.parsed:
        layout = "lang form" if result.parsed.layout == "long" else "bred skabelon"
        enc = f", {result.parsed.encoding}" if result.parsed.encoding else ""
        _say(
            f"Fil: {result.file_name} ({result.parsed.kind}{enc}, {layout}), {len(result.figures)} tal"
        )
    if result.errors:
        _err(f"Filen er afvist; intet er gemt. {len(result.errors)} fejl:")
        for problem in result.errors[:50]:
            _err(f"  - {problem}")
        if len(result.errors) > 50:
            _err(f"  ... og {len(result.errors) - 50} fejl mere")
        return
    _say(
        f"Nye: {len(result.new)}, ændrede: {len(result.changed)}, uændrede: {len(result.unchanged)}"
    )
    for figure, old in result.changed[:50]:
        cat = f" / kategori {figure.category}" if figure.category else ""
        _say(
            f"  ændret: {month_label(figure.month)} / {figure.measure}{cat}: {old} → {figure.value}"
        )
    if result.warnings:
        _say(f"Advarsler ({len(result.warnings)}):")
        for warning in result.warnings:
            _say(f"  - {warning.message}")


def cmd_import(args: argparse.Namespace, store: Store) -> int:
    from .imports import import_file

    if not store.exists():  # before reading the file: without a database there is nothing to check
        raise DatabaseMissing(store.path)
    result = import_file(
        store,
        args.file,
        user=_user(args),
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
        _say(f"Gemt som batch {result.batch_id}.")
    return 0


def cmd_export(args: argparse.Namespace, store: Store) -> int:
    from .exports import export_csv, parse_as_of

    as_of = parse_as_of(args.as_of) if args.as_of else None
    data = export_csv(store, as_of)
    if args.output and args.output != "-":
        Path(args.output).write_bytes(data)
        rows = data.count(b"\n") - 1
        _say(f"Eksporteret {rows} tal til {args.output}")
    else:
        sys.stdout.buffer.write(data)
    return 0


def cmd_template(args: argparse.Namespace, store: Store) -> int:
    from .exports import write_template

    first, last = parse_month(args.from_month), parse_month(args.to_month)
    if last < first:
        raise ValueError("--to skal være samme måned som --from eller senere")
    if len(range(first.year * 12 + first.month, last.year * 12 + last.month)) > 240:
        raise ValueError("skabelonen kan højst dække 240 måneder")
    rows = write_template(store, first, last, args.output)
    _say(
        f"Skabelon for {month_label(first)}-{month_label(last)} skrevet til {args.output} ({rows} rækker)."
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
    _say(f"{len(state)} nuværende tal kontrolleret; {len(warnings)} advarsler.")
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
    for row in store.rows("batches")[: args.limit]:
        (batch_id, created_at, user, action, file_name, sha, n_new, n_changed, n_unchanged,
         n_retracted, warnings, note, is_demo) = row  # fmt: skip
        when = config.local_time(created_at, "%Y-%m-%d %H:%M:%S")
        parts = [f"#{batch_id}", when, user, action]
        if file_name:
            parts.append(f"{file_name} (sha256 {sha[:12]})")
        parts.append(
            f"nye {n_new}, ændrede {n_changed}, uændrede {n_unchanged}, tilbagetrukne {n_retracted}"
        )
        if acknowledged := len(json.loads(warnings)):
            parts.append(f"{acknowledged} godkendte advarsler")
        if note:
            parts.append(f"note: {note}")
        if is_demo:
            parts.append("DEMO")
        _say(" | ".join(parts))
    return 0


def cmd_retract(args: argparse.Namespace, store: Store) -> int:
    from .imports import retract

    key = (parse_month(args.month), args.measure, args.category or "")
    batch = retract(store, [key], user=_user(args), note=args.note or "")
    _say(f"Trukket tilbage som batch {batch}: {format_month(key[0])} / {key[1]} / «{key[2]}»")
    return 0


def cmd_serve(args: argparse.Namespace, store: Store) -> int:
    app = Path(__file__).resolve().parent / "web" / "app.py"
    env = {**os.environ, "KRIMDASH_DB": str(store.path.resolve())}
    command = [
        sys.executable, "-m", "streamlit", "run", str(app),
        "--server.port", str(args.port), "--server.headless", "true",
        "--browser.gatherUsageStats", "false", "--server.address", args.address,
        "--client.toolbarMode", "viewer",
    ]  # fmt: skip
    # Become the server process, so a stop signal reaches Streamlit itself and leaves no orphan.
    os.execve(sys.executable, command, env)
    return 0  # not reached


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="krimdash",
        description="krimdash: tal for det kriminalpræventive område, måned for måned.",
    )
    parser.add_argument("--db", help="databasefil (ellers KRIMDASH_DB eller data/krimdash.duckdb)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser(
        "init", help="opret eller opgrader databasen og indlæs katalog og begivenheder"
    )
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--demo", action="store_true", help="indlæs også de fiktive demotal")
    mode.add_argument("--empty", action="store_true", help="ingen tal (standard)")
    p.add_argument("--user")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("import", help="indlæs en talfil (CSV eller XLSX, lang form eller skabelon)")
    p.add_argument("file")
    p.add_argument("--user", help="hvem indlæser (ellers KRIMDASH_USER eller login-navnet)")
    p.add_argument("--dry-run", action="store_true", help="vis hvad der ville ske, men gem intet")
    p.add_argument(
        "--accept-warnings", action="store_true", help="gem trods advarsler (kræver --note)"
    )
    p.add_argument("--note", help="begrundelse, der gemmes i revisionssporet")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("export", help="eksportér nuværende tal som CSV")
    p.add_argument("-o", "--output", help="fil (ellers standard-output)")
    p.add_argument("--as-of", help="tallene som de så ud på et tidspunkt, fx 2025-02-01T14:30")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("template", help="skriv den brede XLSX-skabelon, udfyldt med nuværende tal")
    p.add_argument("--from", dest="from_month", required=True)
    p.add_argument("--to", dest="to_month", required=True)
    p.add_argument("-o", "--output", required=True)
    p.set_defaults(func=cmd_template)

    p = sub.add_parser("check", help="kør alle regler over de nuværende tal og vis advarsler")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("log", help="vis revisionssporet (batches), nyeste først")
    p.add_argument("--limit", type=int, default=50)
    p.set_defaults(func=cmd_log)

    p = sub.add_parser("retract", help="træk et tal tilbage (historikken bevares)")
    p.add_argument("--month", required=True)
    p.add_argument("--measure", required=True)
    p.add_argument("--category", default="")
    p.add_argument("--note", required=True)
    p.add_argument("--user")
    p.set_defaults(func=cmd_retract)

    p = sub.add_parser("serve", help="start dashboardet")
    p.add_argument("--port", type=int, default=8501)
    p.add_argument("--address", default="0.0.0.0")
    p.set_defaults(func=cmd_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    store = Store(args.db)  # without --db: KRIMDASH_DB or data/krimdash.duckdb
    try:
        return args.func(args, store)
    except (DatabaseBusy, DatabaseMissing, DatabaseOutdated) as exc:
        _err(str(exc))
        return EXIT_DATABASE
    except duckdb.IOException as exc:
        # The file cannot be opened at all: a folder, or not a DuckDB database.
        _err(f"Databasen {store.path} kan ikke åbnes ({exc}).")
        return EXIT_DATABASE
    except ValueError as exc:
        _err(f"Fejl: {exc}")
        return EXIT_USAGE
    except OSError as exc:
        # e.g. -o into a folder that does not exist, or a file without write access
        _err(f"Fejl: kan ikke skrive eller læse {exc.filename or ''}: {exc.strerror or exc}")
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
