"""Load benchmark of the review app: N coders on loopback making decisions for S seconds.

For SQLite (WAL) and PostgreSQL (a throw-away server started like the tests' fixture), it
seeds a synthetic run, starts ``qualflow serve --workers W`` in its own process(es), signs N coders in and
lets each one loop: load a page of their queue, decide a few items on it (accept, reject or
recode), now and then undo. It reports p50/p95/p99 latency and throughput per request kind,
then counts the decisions in the store: every 2xx decision or undo the clients saw must be
exactly one row (none lost, none duplicated), and no other row may exist.

    python -m benchmarks.app_load --seconds 60 --coders 20 [--backend sqlite|postgresql|both]
    python -m benchmarks.app_load --backend postgresql --workers 1 2 4 --repeat 2 --seconds 30 --think 0

Each run also records the CPU time the app's processes (and PostgreSQL's) spent per request
and the machine's load average: on a shared machine the latencies mean little without them.

Writes outputs/bench/app.json. Not a test: its figures depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

REPO = Path(__file__).resolve().parents[1]
PASSWORD = "benchmark password 2026"
RUN = "bench-run"
CODES = ["funding_calls", "funding_calls/reporting", "trust", "trust/parents", "regulation", "digital_divide"]
ITEM = re.compile(r'<li class="item[^"]*" id="s(\d+)" data-id="\d+" data-excerpt="([^"]+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')
CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')
META = re.compile(r'<meta name="csrf-token" content="([^"]*)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def postgres() -> Iterator[tuple[str, int] | None]:
    """A throwaway PostgreSQL server: its URL and its postmaster's pid; None if not installed."""
    from pipeline.store.local_postgres import find_bindir, throwaway_postgres

    if find_bindir() is None:
        yield None
        return
    # durable commits (fsync on), unlike the tests' server: the figures should be honest
    with throwaway_postgres(durable=True) as server:
        postmaster = int((server.data / "postmaster.pid").read_text().split()[0])
        yield server.url(), postmaster


def seed(url: str, coders: int, interviews: int) -> None:
    """A synthetic run: ``interviews`` transcripts of 6 answers, 1-2 suggestions each; N coders."""
    sys.path.insert(0, str(REPO))
    from app.auth import add_user
    from pipeline.codebook import codebook_to_dict, load_codebook
    from pipeline.codebook.load import DEFAULT_CODEBOOK
    from pipeline.records import CategoryScore, Excerpt, ExcerptCoding, Suggestion, Topic, TopicAssignment
    from pipeline.segment import excerpt_id
    from pipeline.store.db import Store
    from pipeline.store.repository import Repository
    from tests.factories import make_transcript

    rng = random.Random(11)
    cities = [("Bologna", "it"), ("Budapest", "hu"), ("Thessaloniki", "el"), ("Kortrijk", "nl")]
    roles = ["parent", "local_organisation", "local_government", "company"]
    transcripts, excerpts, codings = [], [], []
    for i in range(interviews):
        city, lang = cities[i % len(cities)]
        turns = []
        for j in range(6):
            turns.append(("Interviewer", "interviewer", f"Question {j} about childcare in {city}?"))
            turns.append(("Respondent", "respondent", f"Answer {j} of interview {i}: we organise childcare "
                                                      f"together and it is hard because of rule {rng.randint(0, 999)}."))
        t = make_transcript(f"T{i:04d}", turns, city=city, role=roles[i % len(roles)], lang=lang)
        transcripts.append(t)
        for turn in t.turns:
            if turn.role != "respondent":
                continue
            e = Excerpt(excerpt_id(t.id, turn.start, turn.end, turn.text), t.id, turn.start, turn.end, turn.text,
                        turn.index, turn.speaker, lang, t.turns[turn.index - 1].text, "difficulties")
            excerpts.append(e)
            picks = rng.sample(CODES, rng.choice([1, 1, 2]))
            suggestions = tuple(Suggestion(e.id, c, round(rng.random(), 3), "synthetic", r + 1)
                                for r, c in enumerate(picks))
            codings.append(ExcerptCoding(e.id, tuple(CategoryScore(s.code, s.confidence) for s in suggestions),
                                         suggestions))
    store = Store(url)
    repo = Repository(store)
    repo.save_transcripts(transcripts)
    repo.save_excerpts(excerpts)
    book = load_codebook(DEFAULT_CODEBOOK)
    repo.save_codebook(book, codebook_to_dict(book))
    repo.create_run(RUN, "synthetic", {})
    repo.save_run_results(RUN, codings=codings, assignments=[TopicAssignment(e.id, 0) for e in excerpts],
                          topics=[Topic(0, "synthetic", ("childcare",), len(excerpts), (), ("regulation",))],
                          quarantined=[])
    repo.finish_run(RUN, status="completed", output_dir=None, summary={}, codebook_id=book.id)
    for n in range(coders):
        add_user(store, f"coder{n:02d}", "coder", PASSWORD)
    store.dispose()


@contextmanager
def server(url: str, workers: int = 1) -> Iterator[tuple[str, subprocess.Popen]]:
    """``qualflow serve --workers N`` on ``url``, ready when every worker has answered."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "qualflow_cli", "serve", "--host", "127.0.0.1", "--port", str(port),
                             "--database", url, "--workers", str(workers)], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    import httpx

    from app.main import WORKER_HEADER

    deadline = time.monotonic() + 120
    answered: set[str] = set()
    while len(answered) < workers:
        try:
            reply = httpx.get(base + "/healthz", timeout=1)  # a new connection each time: any worker may take it
            if reply.status_code == 200:
                answered.add(reply.headers.get(WORKER_HEADER, ""))
        except httpx.HTTPError:
            time.sleep(0.1)
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the app did not start: " + (proc.stderr.read().decode() if proc.poll() is not None
                                                            else f"{len(answered)} of {workers} workers answered"))
    try:
        yield base, proc
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


def cpu_seconds(pid: int, *, reaped: bool = False) -> float:
    """User + system CPU so far of process ``pid`` and its live descendants; with ``reaped``,
    also of its children that have exited (a PostgreSQL backend ends with its connection)."""
    import psutil

    total = 0.0
    root = psutil.Process(pid)
    for p in [root, *root.children(recursive=True)]:
        try:
            t = p.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += t.user + t.system
        if reaped and p is root:
            total += t.children_user + t.children_system
    return total


class Coder(threading.Thread):
    def __init__(self, base: str, name: str, seconds: float, seed: int, start: threading.Barrier,
                 think: float = 0.0) -> None:
        super().__init__(daemon=True)
        self.base, self.name, self.seconds, self.rng, self.start_line = base, name, seconds, random.Random(seed), start
        self.think = think
        self.latency: dict[str, list[float]] = {"decision": [], "undo": [], "queue": []}
        self.ok_decisions: list[int] = []
        self.conflicts = 0
        self.errors: list[str] = []

    def _timed(self, kind: str, call):
        t = time.perf_counter()
        response = call()
        self.latency[kind].append(time.perf_counter() - t)
        return response

    def run(self) -> None:
        import httpx

        with httpx.Client(base_url=self.base, timeout=30) as c:
            page = c.get("/login")
            c.post("/login", data={"username": self.name, "password": PASSWORD,
                                   "csrf_token": CSRF.search(page.text).group(1)})
            csrf = META.search(c.get("/queue").text).group(1)
            headers = {"X-CSRF-Token": csrf, "Accept": "application/json"}
            self.start_line.wait()
            end = time.monotonic() + self.seconds
            pending = 1000
            while time.monotonic() < end:
                offset = self.rng.randrange(0, max(pending - 20, 1))
                page = self._timed("queue", lambda: c.get(f"/queue?offset={offset}"))
                found = re.search(r"of (\d+)</span>", page.text)
                pending = int(found.group(1)) if found else 0
                status = "" if pending else "&status=all"
                if not pending:
                    page = self._timed("queue", lambda: c.get(f"/queue?status=all&offset={self.rng.randrange(0, 500)}"
                                                              + status))
                blocks = page.text.split('<li class="item')[1:]
                items = []
                for block in blocks:
                    m1, m2 = ITEM.search('<li class="item' + block), VERSION.search(block)
                    if m1 and m2:
                        items.append((int(m1.group(1)), int(m2.group(1))))
                versions = dict(items)
                # with the page's script a coder decides item after item without reloading
                for sid, _ in self.rng.sample(items, min(10, len(items))):
                    if self.think:
                        time.sleep(self.rng.uniform(0, 2 * self.think))
                    if time.monotonic() >= end:
                        break
                    action = self.rng.choice(["accept", "accept", "reject", "recode"])
                    data = {"action": action, "version": str(versions[sid])}
                    if action == "recode":
                        data["codes"] = self.rng.sample(CODES, 2)
                    r = self._timed("decision", lambda: c.post(f"/suggestions/{sid}/decision", data=data,
                                                               headers=headers))
                    if r.status_code == 200:
                        body = r.json()
                        self.ok_decisions.append(body["decision"])
                        versions.update({int(k): v for k, v in body["versions"].items()})
                    elif r.status_code == 409:
                        self.conflicts += 1
                    else:
                        self.errors.append(f"{r.status_code} {r.text[:200]}")
                    if self.rng.random() < 0.08:
                        u = self._timed("undo", lambda: c.post("/queue/undo", data={}, headers=headers))
                        if u.status_code == 200:
                            self.ok_decisions.append(u.json()["decision"])
                        elif u.status_code == 409:
                            self.conflicts += 1
                        else:
                            self.errors.append(f"undo {u.status_code} {u.text[:200]}")


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return round(ordered[k] * 1000, 2)


def peak_rss_mb(pid: int) -> list[int]:
    """Peak resident memory (``VmHWM``, MB) of process ``pid`` and each live descendant, in
    that order: with ``serve --workers N``, the supervisor and then its N workers."""
    import psutil

    root = psutil.Process(pid)
    out = []
    for p in [root, *root.children(recursive=True)]:
        try:
            status = Path(f"/proc/{p.pid}/status").read_text(encoding="ascii")
        except OSError:
            continue
        out += [round(int(line.split()[1]) / 1024) for line in status.splitlines() if line.startswith("VmHWM:")]
    return out


def bench(url: str, label: str, *, coders: int, seconds: float, interviews: int, think: float = 0.0,
          workers: int = 1, database_pid: int | None = None) -> dict:
    """One run; ``database_pid`` (PostgreSQL's postmaster) adds the database's CPU to the figures."""
    seed(url, coders, interviews)

    def cpu(proc) -> tuple[float, float]:
        return cpu_seconds(proc.pid), cpu_seconds(database_pid, reaped=True) if database_pid else 0.0

    with server(url, workers) as (base, proc):
        start = threading.Barrier(coders + 1)
        threads = [Coder(base, f"coder{n:02d}", seconds, n, start, think) for n in range(coders)]
        for t in threads:
            t.start()
        start.wait()
        began, cpu_before, load_before = time.perf_counter(), cpu(proc), os.getloadavg()
        for t in threads:
            t.join(seconds + 120)
        elapsed = time.perf_counter() - began
        cpu_after, load_after = cpu(proc), os.getloadavg()
        peaks = peak_rss_mb(proc.pid)
    server_cpu, database_cpu = (after - before for after, before in zip(cpu_after, cpu_before))
    sys.path.insert(0, str(REPO))
    from sqlalchemy import func, select

    from pipeline.store import models as m
    from pipeline.store.db import Store

    store = Store(url)
    with store.session() as s:
        rows = list(s.scalars(select(m.Decision.id)))
        audit = s.scalar(select(func.count()).select_from(m.AuditEntry).where(m.AuditEntry.action.like("decision_%")))
    store.dispose()
    seen = [d for t in threads for d in t.ok_decisions]
    result = {"backend": label, "workers": workers, "coders": coders, "think_s": think, "seconds": round(elapsed, 1),
              "decisions_ok": len(seen), "conflicts_409": sum(t.conflicts for t in threads),
              "errors": [e for t in threads for e in t.errors][:10],
              "error_count": sum(len(t.errors) for t in threads),
              "rows": len(rows), "audit_rows": audit,
              "lost": len(set(seen) - set(rows)), "duplicated": len(seen) - len(set(seen)),
              "unexpected_rows": len(set(rows) - set(seen))}
    for kind in ("decision", "undo", "queue"):
        values = [v for t in threads for v in t.latency[kind]]
        result[kind] = {"requests": len(values), "per_second": round(len(values) / elapsed, 1),
                        "p50_ms": percentile(values, 50), "p95_ms": percentile(values, 95),
                        "p99_ms": percentile(values, 99)}
    writes = result["decision"]["requests"] + result["undo"]["requests"]
    result["write_requests_per_second"] = round(writes / elapsed, 1)
    requests = writes + result["queue"]["requests"]
    result["server_cpu_s"] = round(server_cpu, 1)
    result["server_cpu_ms_per_request"] = round(1000 * server_cpu / requests, 1) if requests else None
    if database_pid:
        result["database_cpu_s"] = round(database_cpu, 1)
        result["database_cpu_ms_per_request"] = round(1000 * database_cpu / requests, 1) if requests else None
    # the app's processes: one serving process alone, else the supervisor first and then the workers
    result["peak_rss_mb_per_process"] = peaks
    result["peak_rss_mb_per_worker"] = max(peaks[1:] if workers > 1 else peaks[:1], default=None)
    result["target_rss_per_worker_400mb"] = (result["peak_rss_mb_per_worker"] or 1e9) <= 400
    result["load_average_1min"] = {"before": round(load_before[0], 2), "after": round(load_after[0], 2)}
    result["target_p95_under_100ms"] = (result["decision"]["p95_ms"] or 1e9) < 100
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--coders", type=int, default=20)
    parser.add_argument("--interviews", type=int, default=400, help="synthetic transcripts (6 excerpts each)")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--workers", type=int, nargs="+", default=[1],
                        help="server processes (qualflow serve --workers); one run per value. SQLite runs only with 1")
    parser.add_argument("--repeat", type=int, default=1, help="runs per setting, each on a fresh store")
    parser.add_argument("--think", type=float, nargs="+", default=[0.0, 1.0],
                        help="mean seconds a coder reads before each decision (uniform 0..2x); one run per value. "
                             "0 is a stress test: every coder fires back to back")
    parser.add_argument("--out", type=Path, default=REPO / "outputs" / "bench" / "app.json")
    args = parser.parse_args(argv)
    if min(args.workers) < 1 or args.repeat < 1:
        parser.error("--workers and --repeat are 1 or more")
    results = []
    for think in args.think:
        for workers in args.workers:
            for _ in range(args.repeat):
                if args.backend in ("sqlite", "both") and workers == 1:
                    work = Path(tempfile.mkdtemp(prefix="qualflow-bench-"))
                    try:
                        results.append(bench(f"sqlite:///{work / 'bench.db'}", "sqlite", coders=args.coders,
                                             seconds=args.seconds, interviews=args.interviews, think=think))
                    finally:
                        shutil.rmtree(work, ignore_errors=True)
                if args.backend in ("postgresql", "both"):
                    with postgres() as found:  # a fresh server per run: no state carried over
                        if found is None:
                            print("PostgreSQL server binaries not installed: skipping PostgreSQL", file=sys.stderr)
                        else:
                            url, postmaster = found
                            results.append(bench(url, "postgresql", coders=args.coders, seconds=args.seconds,
                                                 interviews=args.interviews, think=think, workers=workers,
                                                 database_pid=postmaster))
    if args.backend == "sqlite" and max(args.workers) > 1:
        print("SQLite runs with one worker only (qualflow serve refuses more)", file=sys.stderr)
    report = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
              "command": "python -m benchmarks.app_load " + " ".join(sys.argv[1:] if argv is None else argv),
              "results": results}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    ok = True
    for r in results:
        d = r["decision"]
        print(f"{r['backend']:>10} x{r['workers']}: {r['coders']} coders, think {r['think_s']} s, {r['seconds']} s | "
              f"decisions {d['requests']} ({d['per_second']}/s) p50 {d['p50_ms']} ms p95 {d['p95_ms']} ms "
              f"p99 {d['p99_ms']} ms | queue pages {r['queue']['requests']} p95 {r['queue']['p95_ms']} ms | "
              f"CPU per request: app {r['server_cpu_ms_per_request']} ms, database "
              f"{r.get('database_cpu_ms_per_request', '-')} ms | load {r['load_average_1min']['before']}"
              f"-{r['load_average_1min']['after']} | 409s {r['conflicts_409']} | "
              f"rows {r['rows']} = ok {r['decisions_ok']}: lost {r['lost']}, duplicated {r['duplicated']}, "
              f"unexpected {r['unexpected_rows']}, errors {r['error_count']} | "
              f"peak RSS per worker {r['peak_rss_mb_per_worker']} MB")
        ok &= r["lost"] == r["duplicated"] == r["unexpected_rows"] == r["error_count"] == 0
    print(f"written {args.out.relative_to(REPO) if args.out.is_relative_to(REPO) else args.out}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
