"""`soleus scan`, `soleus live` and `soleus record`: streaming from BLE wearables.

Real devices go through bleak on the OS Bluetooth stack; `--virtual KIND` runs a virtual
device on bumble's in-process link (no hardware), and `--bumble TRANSPORT` drives a
controller directly through bumble (e.g. a USB dongle: `--bumble usb:0`).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import time
from datetime import datetime
from pathlib import Path

from cli.render import LiveSetCounts, correction_note, format_rep_line, render_sets_table, set_end_line
from counting.events import EXERCISES, PLACEMENTS, Rep, RepCompleted, SetEnded, SetStarted, Tempo, session_to_dict
from sensor.errors import SoleusError

VIRTUAL_KINDS = ("polar-h10", "verity-sense", "pinetime", "nus", "soleus-imu")
PROFILES = ("polar-pmd", "infinitime", "nus", "soleus-imu")


# ----------------------------------------------------------------------------- coaching
def tempo_cues(rep: Rep, target: Tempo, prev: Rep | None = None) -> list[str]:
    """What to fix in this rep compared with the target tempo (eccentric-bottom-concentric-top).

    Tolerance: 0.3 s or 25% of the target phase, whichever is larger. Calf raises: the
    bottom pause is measured from the previous rep's end to this rep's start.
    """
    cues: list[str] = []

    def tol(x: float) -> float:
        return max(0.3, 0.25 * x)

    def check(actual, want, fast, slow):
        if actual is None:
            return
        if actual < want - tol(want):
            cues.append(f"{fast} ({actual:.1f} s, target {want:g} s)")
        elif actual > want + tol(want):
            cues.append(f"{slow} ({actual:.1f} s, target {want:g} s)")

    squat = rep.exercise == "raised_heel_squat"
    check(rep.eccentric_s, target.eccentric_s, "rushed eccentric: lower slower", "eccentric too slow")
    check(rep.concentric_s, target.concentric_s, "concentric too fast: rise under control", "concentric too slow")
    top = rep.top_hold_s if not squat else None
    if top is not None:
        if target.top_s > 0 and top < 0.3 * target.top_s:
            cues.append(f"missing top hold: pause {target.top_s:g} s at the top")
        else:
            check(top, target.top_s, "hold the top longer", "top hold too long")
    if prev is not None and prev.set_index == rep.set_index and not squat:
        pause = rep.start_s - prev.end_s
        if target.bottom_s > 0 and pause < 0.3 * target.bottom_s:
            cues.append(f"no bottom pause: rest {target.bottom_s:g} s at the bottom")
        else:
            check(pause, target.bottom_s, "bottom pause too short", "bottom pause too long")
    if rep.partial:
        cues.append("partial rep: use the full range")
    return cues


def rep_tempo(rep: Rep, prev: Rep | None) -> str:
    def f(x):
        return "?" if x is None else f"{x:.1f}"

    bottom = None
    if prev is not None and prev.set_index == rep.set_index and prev.index == rep.index - 1:
        bottom = rep.start_s - prev.end_s  # (not across a corrected count)
    return f"{f(rep.eccentric_s)}-{f(bottom)}-{f(rep.concentric_s)}-{f(rep.top_hold_s)}"


# ----------------------------------------------------------------------------- display
class LiveView:
    """State shown while streaming; renders as rich panel (TTY) or plain lines."""

    def __init__(self, *, target: Tempo | None, out=sys.stdout) -> None:
        self.target = target
        self.out = out
        self.reps_total = 0
        self.set_index: int | None = None
        self.set_reps = 0
        self.set_start: float | None = None
        self.last_set_end: float | None = None
        self.last_rep: Rep | None = None
        self.prev_rep: Rep | None = None
        self.cues: list[str] = []
        self.t_now = 0.0
        self.link = "starting"
        self.lines: list[str] = []
        self.sets_done = 0
        self.pending = 0  # provisional reps before a set is confirmed (RepTentative)
        self.live_counts = LiveSetCounts()

    def event(self, e) -> list[str]:
        out: list[str] = []
        short: list[str] = []
        if type(e).__name__ == "RepTentative":
            self.pending = int(getattr(e, "pending", self.pending + 1))
            if self.set_start is None and self.pending == 1:
                out.append(f"possible rep at {e.rep.end_s:.1f} s (a set is confirmed after a few reps)")
        elif isinstance(e, SetStarted):
            self.pending = 0
            self.set_index, self.set_reps, self.set_start = e.set_index, 0, e.start_s
            self.live_counts.started(e.start_s)
            # numbered only when it ends: the final sets are chosen later (counting/merge.py)
            out.append(f"set started at {e.start_s:.1f} s")
            short.append(out[-1])
        elif isinstance(e, RepCompleted):
            r = e.rep
            self.prev_rep, self.last_rep = self.last_rep, r
            shown = self.set_reps
            count = r.index if r.index else self.set_reps + 1
            self.reps_total += count - self.set_reps  # a corrected count moves the total with it
            self.set_reps = count
            self.live_counts.rep(self.set_reps)
            self.cues = tempo_cues(r, self.target, self.prev_rep) if self.target else []
            line = format_rep_line(r) + f"  tempo {rep_tempo(r, self.prev_rep)}" + correction_note(shown, r)
            if self.cues:
                line += "  -> " + "; ".join(self.cues)
            out.append(line)
            short.append(f"rep {r.index}: tempo {rep_tempo(r, self.prev_rep)}, range {r.rom:.1f} {r.rom_unit}"
                         + (" (partial)" if r.partial else ""))
        elif isinstance(e, SetEnded):
            s = e.summary
            # the summary comes 20-35 s after the set: the next set may already be under way
            note = self.live_counts.ended(s)
            if self.set_start is None or self.set_start <= s.end_s:
                self.set_start, self.set_index, self.set_reps = None, None, 0
            self.last_set_end = s.end_s
            self.sets_done += 1
            out.append(set_end_line(s) + note)
            short.append(out[-1])
        self.lines = (self.lines + short)[-8:]
        return out

    def timers(self) -> str:
        if self.set_start is not None:
            return f"set {self.t_now - self.set_start:5.1f} s"
        if self.last_set_end is not None:
            return f"rest {self.t_now - self.last_set_end:5.1f} s"
        return "waiting for the first rep"

    def render(self):
        from rich.markup import escape
        from rich.panel import Panel
        from rich.table import Table

        tb = Table.grid(padding=(0, 2))
        pend = f" ({self.pending} provisional)" if self.pending and self.set_start is None else ""
        tb.add_row("reps", f"[bold]{self.set_reps}[/] this set{pend}, {self.reps_total} total, {self.sets_done} set(s) done")
        if self.last_rep is not None:
            r = self.last_rep
            tb.add_row("last rep", f"tempo {rep_tempo(r, self.prev_rep)} (ecc-bottom-con-top), range {r.rom:.1f} {r.rom_unit}"
                       + ("  [yellow]partial[/]" if r.partial else ""))
        if self.target is not None:
            tb.add_row("target", f"{self.target.notation()}")
            tb.add_row("fix", "[red]" + "\n".join(self.cues) + "[/]" if self.cues else "[green]on tempo[/]")
        tb.add_row("timer", self.timers())
        tb.add_row("link", escape(self.link))
        for ln in self.lines[-5:]:
            tb.add_row("", escape(ln))
        return Panel(tb, title="soleus live", expand=False)


# ----------------------------------------------------------------------------- commands
def _add_ble_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--device", help="device name (prefix) or address (default: the strongest supported device)")
    p.add_argument("--profile", choices=PROFILES, help="force a device profile (default: from its services)")
    p.add_argument("--virtual", choices=VIRTUAL_KINDS, help="stream from a virtual device (no hardware needed)")
    p.add_argument("--speed", type=float, default=None, help="virtual device: x real time (default 3)")
    p.add_argument("--reps", type=int, default=8, help="virtual device: reps in its one set (default 8)")
    p.add_argument("--rate", type=float, default=None, help="requested sample rate, Hz (default: the device's)")
    p.add_argument("--no-gyro", action="store_true", help="do not start the gyro even if the device has one")
    p.add_argument("--duration", type=float, default=None, help="stop after S seconds (default: until Ctrl-C, "
                   "or the end of the virtual device's set)")
    p.add_argument("--out", help="recording CSV (default: a new file in the soleus data folder)")
    p.add_argument("--bumble", metavar="TRANSPORT", help="use bumble on this transport instead of the OS stack, "
                   "e.g. usb:0 (a USB dongle); untested without hardware")
    p.add_argument("--give-up", type=float, default=30.0, help="end the session when the device is gone this long (s)")
    p.add_argument("-v", "--verbose", action="store_true", help="log link events to stderr")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("scan", help="list nearby BLE devices soleus can use")
    p.add_argument("--timeout", type=float, default=5.0, help="scan time, s (default 5)")
    p.add_argument("--all", action="store_true", help="list every advertising device")
    p.add_argument("--virtual", action="store_true", help="scan the virtual link with one of each virtual device on it")
    p.add_argument("--bumble", metavar="TRANSPORT", help="scan through bumble on this transport (e.g. usb:0)")
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.set_defaults(func=run_scan)

    p = sub.add_parser("live", help="stream from a BLE wearable and count reps live")
    _add_ble_options(p)
    p.add_argument("--exercise", choices=EXERCISES, help="the exercise (default: recognised)")
    p.add_argument("--placement", choices=PLACEMENTS, help="where the sensor is worn (default: recognised)")
    p.add_argument("--target-tempo", help="target tempo ecc-bottom-con-top in s, e.g. 3-1-1-2: cue what to fix")
    p.add_argument("--json", action="store_true", help="print the session as one JSON document at the end")
    from cli.batch import add_save_options

    add_save_options(p)
    p.set_defaults(func=run_live)

    p = sub.add_parser("record", help="record raw samples from a BLE wearable to a CSV")
    _add_ble_options(p)
    p.set_defaults(func=run_record)


def _backends(args):
    if getattr(args, "virtual", None) or getattr(args, "bumble", None):
        from sensor.ble import bumble_backend as bb

        if getattr(args, "bumble", None):
            bb.configure(args.bumble)
        return bb.BumbleClient, bb.BumbleScanner
    return None, None


def _default_out(prefix: str) -> Path:
    from platformdirs import user_data_path

    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return user_data_path("soleus") / "recordings" / f"{prefix}-{stamp}.csv"


def run_scan(args: argparse.Namespace) -> int:
    return asyncio.run(_scan(args))


async def _scan(args) -> int:
    from sensor.ble.manager import scan

    client_b, scanner_b = _backends(args)
    virtuals = []
    if args.virtual:
        from sensor.ble import bumble_backend as bb
        from sensor.ble.virtual import make_virtual

        scanner_b = bb.BumbleScanner
        virtuals = [await make_virtual(k, index=i, reps=1).start() for i, k in enumerate(VIRTUAL_KINDS)]
    try:
        found = await scan(timeout=args.timeout if not args.virtual else min(args.timeout, 1.0), backend=scanner_b,
                           all_devices=args.all)
    except Exception as exc:  # no adapter, Bluetooth off, permissions
        raise SoleusError(f"cannot scan: Bluetooth unavailable ({type(exc).__name__}: {exc})") from None
    finally:
        for v in virtuals:
            await v.stop()
    if args.json:
        json.dump({"devices": [{"name": f.name, "address": f.address, "rssi": f.rssi, "profile": f.profile,
                                "service_uuids": f.uuids} for f in found]}, sys.stdout)
        sys.stdout.write("\n")
        return 0
    if not found:
        print("no supported devices found (use --all to list every device)")
        return 0
    print(f"{'name':<24} {'address':<20} {'rssi':>5}  profile")
    for f in found:
        print(f"{(f.name or '?'):<24} {f.address:<20} {f.rssi if f.rssi is not None else '':>5}  {f.profile or '-'}")
    return 0


def run_live(args: argparse.Namespace) -> int:
    return asyncio.run(_live(args, count=True))


def run_record(args: argparse.Namespace) -> int:
    return asyncio.run(_live(args, count=False))


async def _live(args, *, count: bool) -> int:
    from sensor.ble.manager import LiveSession

    if args.verbose:
        logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(name)s: %(message)s")
    else:
        logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="soleus: %(message)s")
        logging.getLogger("bumble").setLevel(logging.ERROR)
    target = None
    if count and args.target_tempo:
        try:
            target = Tempo.parse(args.target_tempo)
        except ValueError as exc:
            raise SoleusError(str(exc)) from None
    if args.speed is not None and args.speed <= 0:
        raise SoleusError("--speed must be > 0")
    if args.duration is not None and args.duration <= 0:
        raise SoleusError("--duration must be > 0")
    client_b, scanner_b = _backends(args)
    out = Path(args.out) if args.out else _default_out("live" if count else "record")
    virtual = None
    device = args.device
    if args.virtual:
        from sensor.ble.virtual import make_virtual

        virtual = await make_virtual(args.virtual, speed=args.speed or 3.0, reps=args.reps,
                                     rate_hz=None, placement=getattr(args, "placement", None),
                                     exercise=getattr(args, "exercise", None)).start()
        device = device or virtual.name
    session = LiveSession(device=device, profile=args.profile, rate_hz=args.rate, gyro=not args.no_gyro, out=out,
                          client_backend=client_b, scanner_backend=scanner_b, give_up_s=args.give_up,
                          scan_timeout=1.0 if virtual else 5.0,
                          host_time_scale=virtual.speed if virtual is not None else 1.0)
    from counting.counter import RepCounter  # heavy (scipy): imported when a session starts

    counter = RepCounter(placement=getattr(args, "placement", None), exercise=getattr(args, "exercise", None)) if count else None
    view = LiveView(target=target, out=sys.stderr if getattr(args, "json", False) else sys.stdout)
    tty = view.out.isatty() and not getattr(args, "json", False)
    sets = []
    events_all = []
    started = time.monotonic()
    started_at = datetime.now().astimezone()

    async def stopper():
        waits = []
        if args.duration:
            waits.append(asyncio.create_task(asyncio.sleep(args.duration)))
        if virtual is not None:
            waits.append(asyncio.create_task(virtual.finished.wait()))
        if not waits:
            return
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        for w in waits:
            w.cancel()
        if virtual is not None and virtual.finished.is_set():
            await asyncio.sleep(0.3)  # let the last notifications arrive
        await session.stop()

    stop_task = asyncio.create_task(stopper())
    interrupted = []

    def on_sigint() -> None:  # Ctrl-C: end the session cleanly and still print the summary
        interrupted.append(True)
        asyncio.ensure_future(session.stop())

    try:
        import signal

        asyncio.get_running_loop().add_signal_handler(signal.SIGINT, on_sigint)
    except (NotImplementedError, RuntimeError, ValueError):
        pass  # Windows event loops: KeyboardInterrupt still ends the session with the recording saved
    live_ctx = None
    if tty:
        from rich.console import Console
        from rich.live import Live

        live_ctx = Live(view.render(), console=Console(file=view.out), refresh_per_second=4, transient=False)
        live_ctx.__enter__()
    else:
        src = f"virtual {args.virtual} at {args.speed or 3.0:g}x" if virtual else (device or "nearest device")
        print(f"soleus: streaming from {src}; recording to {out}", file=view.out, flush=True)
    last_status = time.monotonic()

    def show(evts):
        for e in evts:
            events_all.append(e)
            if isinstance(e, SetEnded):
                sets.append(e.summary)
            for line in view.event(e):
                if not tty:
                    print(line, file=view.out, flush=True)

    try:
        async for chunk in session.stream():
            view.t_now = float(chunk.t[-1])
            view.link = f"{session.stats.name or '?'} [{session.stats.profile or '?'}] " + session.stats.quality()
            if counter is not None:
                show(counter.feed(chunk))
            if tty:
                live_ctx.update(view.render())
            elif time.monotonic() - last_status > 10:
                last_status = time.monotonic()
                print(f"link: {view.link}", file=view.out, flush=True)
        if counter is not None:
            show(counter.finish())
    finally:
        stop_task.cancel()
        if live_ctx is not None:
            live_ctx.update(view.render())
            live_ctx.__exit__(None, None, None)
        if virtual is not None:
            await virtual.stop()
    st = session.stats
    if session.error is not None and st.samples == 0:
        raise session.error
    if st.samples == 0:
        raise SoleusError(f"no samples received from {st.name or device or 'the device'} before the session ended")
    for w in st.warnings:
        print(f"soleus: warning: {w}", file=sys.stderr)
    if st.gaps:
        total = sum(g.duration_s for g in st.gaps)
        print(f"soleus: warning: {len(st.gaps)} gap(s) in the stream ({total:.1f} s, about {st.lost_samples_estimate} "
              f"samples never received), {st.drops} link drop(s)", file=sys.stderr)
    if st.end_reason:
        print(f"soleus: session ended: {st.end_reason}", file=sys.stderr)
    elif interrupted:
        print("soleus: session stopped (Ctrl-C)", file=sys.stderr)
    elapsed = time.monotonic() - started
    if count and getattr(args, "save", False) and st.samples:
        from types import SimpleNamespace

        from cli.batch import save_if_asked

        rec = SimpleNamespace(path=out, started_at=started_at, device=st.name)
        save_if_asked(args, rec, sets, source="live")
    summary = (f"{st.samples} samples from {st.name or '?'} ({st.profile}, {st.rate_hz or 0:.4g} Hz) in {elapsed:.1f} s; "
               f"recording: {out} (replay: soleus replay {out})")
    if getattr(args, "json", False):
        doc = session_to_dict(sets, recording=str(out), link={
            "device": st.name, "address": st.address, "profile": st.profile, "rate_hz": st.rate_hz,
            "samples": st.samples, "drops": st.drops, "malformed": st.malformed,
            "gaps": [{"t_before": g.t_before, "t_after": g.t_after, "lost_estimate": g.lost_estimate} for g in st.gaps]})
        json.dump(doc, sys.stdout)
        sys.stdout.write("\n")
        print(summary, file=sys.stderr)
        return 0
    if count:
        print(render_sets_table(sets, title="session"), file=view.out)
    print(summary, file=view.out)
    return 0
