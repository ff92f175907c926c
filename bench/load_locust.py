"""The Locust side of bench/load.py: each Locust user is one reader holding a Streamlit session
(bench/stsession.py) and reading pages. Each page read fires Locust's request event (type
"page", named by the page), so Locust's statistics are the report's p50/p95 and errors; a run
only counts when the server said the script finished.

Run by bench/load.py as `python -m locust -f bench/load_locust.py --headless ...` (Locust
monkey-patches with gevent, so it lives in a process of its own). Settings come from the
environment: LOAD_OUT (the JSON written on quitting), LOAD_THINK ("min,max" seconds between
reads), LOAD_TIMEOUT (seconds a page read may take), LOAD_RECONNECT ("1": a new websocket for
every read, as a click on one of the frame's links does), LOAD_SEED.
"""

from __future__ import annotations

import itertools
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

from locust import User, between, events, task

sys.path.insert(0, str(Path(__file__).resolve().parent))
import stsession  # noqa: E402

THINK = tuple(float(x) for x in os.environ.get("LOAD_THINK", "1,3").split(","))
TIMEOUT_S = float(os.environ.get("LOAD_TIMEOUT", "60"))
RECONNECT = os.environ.get("LOAD_RECONNECT") == "1"
SEED = int(os.environ.get("LOAD_SEED", "1"))
_numbers = itertools.count()

# What every user saw, for the JSON on quitting (Locust's own statistics have the timings).
RUNS: list[dict] = []
COUNTS: Counter = Counter()


class PageRunFailed(Exception):
    """A page read that did not end in a good script run; the message is its kind."""


class StreamlitReader(User):
    wait_time = between(*THINK)

    def on_start(self) -> None:
        self.number = next(_numbers)
        self.session = stsession.Session(self.host, TIMEOUT_S)
        self.walk = stsession.Reader(SEED * 1000 + self.number)
        COUNTS["users_started"] += 1

    @task
    def read(self) -> None:
        page, query, what = self.walk.next_view()
        if RECONNECT:
            self.session.close()
        started = time.time()
        COUNTS["reads_sent"] += 1  # a read Locust cuts off when it stops shows as sent only
        run = self.session.read(page, query)
        name = stsession.page_name(page)
        self.environment.events.request.fire(
            request_type="page",
            name=name,
            response_time=run.ms,
            response_length=run.bytes,
            exception=PageRunFailed(run.error) if run.error else None,
            context={"what": what},
        )
        COUNTS["script_finished"] += run.finished
        COUNTS[f"views_{what}"] += 1
        RUNS.append(
            {
                "t": started,
                "user": self.number,
                "page": name,
                "what": what,
                "ms": round(run.ms, 1),
                "finished": run.finished,
                "error": run.error,
                "bytes": run.bytes,
            }
        )

    def on_stop(self) -> None:
        COUNTS["connects"] += self.session.connects
        COUNTS["users_stopped"] += 1
        self.session.close()


def _entry(e) -> dict:
    return {
        "name": e.name,
        "n": e.num_requests,
        "failures": e.num_failures,
        "p50_ms": e.get_response_time_percentile(0.5) if e.num_requests else None,
        "p95_ms": e.get_response_time_percentile(0.95) if e.num_requests else None,
        "max_ms": e.max_response_time if e.num_requests else None,
        "avg_ms": e.avg_response_time if e.num_requests else None,
    }


@events.quitting.add_listener
def _write(environment, **_kw) -> None:
    out = os.environ.get("LOAD_OUT")
    if not out:
        return
    stats = environment.stats
    report = {
        "locust": {
            "pages": {e.name: _entry(e) for e in stats.entries.values()},
            "total": _entry(stats.total),
            "errors": {e.error: e.occurrences for e in stats.errors.values()},
        },
        "counts": dict(COUNTS),
        "runs": RUNS,
    }
    Path(out).write_text(json.dumps(report, default=str), encoding="utf-8")
