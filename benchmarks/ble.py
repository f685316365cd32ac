"""BLE benchmark: `python -m benchmarks.ble [--quick]`.

Prints
1. decode throughput per profile (samples/s) on realistic packets;
2. end-to-end latency over bumble: device sample -> chunk delivered to the app (transport +
   decode + timestamping), and device sample at a rep's end -> RepCompleted event (adds the
   detector's own wait for the rep to finish), with a virtual soleus IMU at 1x real time;
3. samples lost across 20 forced link drops in a 10-minute virtual session (run at 20x):
   lost = sent while connected - received; every gap must be reported.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import time

import numpy as np

from counting.counter import RepCounter
from counting.events import RepCompleted
from sensor.ble.profiles import infinitime, nus, polar_pmd as pmd, soleus_imu


# ----------------------------------------------------------------------------- decode
def _packets(rng, n_packets: int):
    acc = rng.normal(0, 300, (n_packets, 36, 3)).astype(np.int64) + np.array([0, 0, 1000])
    slow = np.cumsum(rng.integers(-20, 21, (n_packets, 36, 3)), axis=1) + 500
    out = {
        "polar-pmd raw int16 (H10)": (pmd.PmdDecoder(), [pmd.encode_raw_frame(pmd.ACC, 10**9 * k, acc[k], 1) for k in range(n_packets)], 36),
        "polar-pmd delta (Verity)": (pmd.PmdDecoder(), [pmd.encode_delta_frame(pmd.ACC, 10**9 * k, slow[k], 1) for k in range(n_packets)], 36),
        "infinitime (1 sample/packet)": (infinitime.InfiniTimeDecoder(), [infinitime.encode(acc[k, :1]) for k in range(n_packets)], 1),
        "soleus-imu acc+gyro": (soleus_imu.SoleusImuDecoder(), [soleus_imu.encode(k, 10000 * k, 100, acc[k, :19], acc[k, :19]) for k in range(n_packets)], 19),
    }
    text = "".join(nus.format_line(10 * i, acc[i // 36, i % 36] / 1000.0) for i in range(n_packets * 5)).encode()
    out["nus text lines (20-byte chunks)"] = (nus.NusDecoder(), [text[i:i + 20] for i in range(0, len(text), 20)], None)
    return out


def bench_decode(n_packets: int) -> list[tuple[str, float, int]]:
    rng = np.random.default_rng(0)
    rows = []
    for name, (dec, pkts, _) in _packets(rng, n_packets).items():
        t = time.perf_counter()
        for p in pkts:
            dec.decode(p)
        dt = time.perf_counter() - t
        assert dec.stats.malformed == 0
        rows.append((name, dec.stats.samples / dt, dec.stats.samples))
    return rows


# ----------------------------------------------------------------------------- latency
async def bench_latency(kind: str = "soleus-imu", placement: str = "foot", reps: int = 4) -> dict:
    from sensor.ble.bumble_backend import BumbleClient, BumbleScanner
    from sensor.ble.manager import LiveSession
    from sensor.ble.signal import device_session
    from sensor.ble.virtual import make_virtual

    sig, truth = device_session(kind, rate_hz=100, reps=reps, seed=11, placement=placement,
                                has_gyro=kind != "polar-h10")
    if truth and truth.get("sets"):
        s0, s1 = truth["sets"][0]["start_s"] - 4.0, truth["sets"][0]["end_s"] + 4.0
        i0, i1 = np.searchsorted(sig.t, [s0, s1])
        sig = sig.slice(int(i0), int(i1))
    v = await make_virtual(kind, signal=sig, speed=1.0, rate_hz=100).start()
    s = LiveSession(client_backend=BumbleClient, scanner_backend=BumbleScanner, scan_timeout=0.5)
    counter = RepCounter(placement=placement)
    t_first = None
    chunk_lat, rep_lat = [], []
    first_seen: dict[float, float] = {}  # rep end (s) -> latency of its first report (tentative or confirmed)

    async def stopper():
        await v.finished.wait()
        await asyncio.sleep(0.3)
        await s.stop()

    task = asyncio.create_task(stopper())
    async for c in s.stream():
        now = time.monotonic()
        if t_first is None:
            t_first = float(c.t[0])
        idx_last = int(round((float(c.t[-1]) - t_first) * v.rate))
        produced = v._t0_wall + (idx_last + 1) / (v.rate * v.speed)  # when the device had this sample
        chunk_lat.append(now - produced)
        for e in counter.feed(c):
            rep = getattr(e, "rep", None)
            if rep is None:
                continue
            idx = int(round((rep.end_s - t_first) * v.rate))
            lat = time.monotonic() - (v._t0_wall + (idx + 1) / (v.rate * v.speed))
            key = round(rep.end_s, 1)
            first_seen.setdefault(key, lat)
            if isinstance(e, RepCompleted):
                rep_lat.append(lat)
    task.cancel()
    await v.stop()
    return {"chunk_ms": np.array(chunk_lat) * 1000, "rep_ms": np.array(rep_lat) * 1000, "reps": len(rep_lat),
            "first_ms": np.array(sorted(first_seen.values())) * 1000,
            "samples": s.samples_delivered}


# ----------------------------------------------------------------------------- drops
async def bench_drops(kind: str = "polar-h10", minutes: float = 10.0, drops: int = 20, speed: float = 20.0) -> dict:
    from sensor.ble.bumble_backend import BumbleClient, BumbleScanner
    from sensor.ble.manager import LiveSession
    from sensor.ble.virtual import make_virtual

    v = await make_virtual(kind, speed=speed, reps=10, loop_signal=True).start()
    s = LiveSession(client_backend=BumbleClient, scanner_backend=BumbleScanner, scan_timeout=0.5, give_up_s=10)
    total = int(minutes * 60 * v.rate)
    every = total / (drops + 1)
    done_drops = 0
    down = [0]

    async def driver():
        nonlocal done_drops
        for k in range(1, drops + 1):
            while v._next < k * every:
                await asyncio.sleep(0.01)
            while not (v.connection is not None and v.streaming):
                await asyncio.sleep(0.005)
            await v.drop_link()
            done_drops += 1
        while v._next < total:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.3)
        down[0] = v.sent.not_sent_disconnected  # before stopping: what the drops cost
        await s.stop()

    task = asyncio.create_task(driver())
    received = 0
    async for c in s.stream():
        received += len(c)
    await task
    await v.stop()
    return {"kind": kind, "device_s": v._next / v.rate, "drops": done_drops, "reconnects": s.stats.connects - 1,
            "sent": v.sent.samples, "received": received, "lost": v.sent.samples - received,
            "not_sent_while_down": down[0], "gaps_reported": len(s.stats.gaps),
            "lost_estimate_from_gaps": s.stats.lost_samples_estimate,
            "mean_gap_s": float(np.mean([g.duration_s for g in s.stats.gaps])) if s.stats.gaps else 0.0}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.ble")
    ap.add_argument("--quick", action="store_true", help="smaller decode run, 2-minute drop session")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    print("1. decode throughput (pure decoders, one thread)")
    for name, rate, n in bench_decode(2000 if args.quick else 20000):
        print(f"   {name:<34} {rate / 1e6:7.2f} M samples/s  ({n} samples)")
    print("2. end-to-end latency over bumble (virtual soleus IMU on the foot, 100 Hz, 1x real time, one set)")
    lat = asyncio.run(bench_latency())
    c = lat["chunk_ms"]
    print(f"   device sample -> chunk in the app: median {np.median(c):.1f} ms, p95 {np.percentile(c, 95):.1f} ms, "
          f"max {c.max():.1f} ms ({len(c)} chunks; from the newest sample of each chunk: "
          "older samples of a packet also wait on the device until the packet is full, 0.1 s)")
    if len(lat["first_ms"]):
        f = lat["first_ms"]
        print(f"   sample at a rep's end -> first report of the rep (RepTentative or RepCompleted): median {np.median(f):.0f} ms, "
              f"max {f.max():.0f} ms ({len(f)} reps)")
    if lat["reps"]:
        r = lat["rep_ms"]
        print(f"   sample at a rep's end -> RepCompleted: median {np.median(r):.0f} ms, max {r.max():.0f} ms ({lat['reps']} reps; "
              "the counter confirms a set only after a few reps, so early reps wait for it)")
    else:
        print("   sample at a rep's end -> RepCompleted: no reps detected in this run")
    minutes = 2.0 if args.quick else 10.0
    print(f"3. {minutes:g}-minute virtual session (20x speed) with 20 forced link drops")
    for kind in ("polar-h10", "soleus-imu"):
        d = asyncio.run(bench_drops(kind, minutes=minutes))
        print(f"   {kind:<11} drops {d['drops']}, reconnects {d['reconnects']}, sent while connected {d['sent']}, "
              f"received {d['received']}, LOST {d['lost']}; gaps reported {d['gaps_reported']} "
              f"(mean {d['mean_gap_s'] * 1000:.0f} ms of device time), samples never sent while down "
              f"{d['not_sent_while_down']} vs estimated from gaps {d['lost_estimate_from_gaps']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
