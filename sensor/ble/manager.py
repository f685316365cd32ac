"""Connection manager: find a device, pick its profile, stream, survive dropped links.

Uses only bleak's public API, so it runs on the OS stack (BlueZ, CoreBluetooth, WinRT) or on
bumble (sensor.ble.bumble_backend) unchanged. Every notification is decoded and timestamped in
the notification callback, written to the recording (if any) and queued for the consumer, so
nothing received is lost when the link drops. A dropped link is retried with exponential
backoff, re-scanning after the first failed attempt (the OS may have forgotten the device);
the gap is recorded. A device that stays away longer than `give_up_s` ends the session
cleanly: the queue is closed and the recording flushed.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import AsyncIterator

import numpy as np
from bleak import BleakClient, BleakScanner
from bleak.exc import BleakError

from counting.samples import Samples
from sensor.ble.drivers import Driver, ProfileError, make_driver, profile_from_advertisement, profile_from_services
from sensor.ble.recorder import CsvRecorder
from sensor.ble.timestamps import Gap, StreamClock
from sensor.errors import SoleusError

log = logging.getLogger("soleus.ble")


class DeviceNotFound(SoleusError):
    pass


@dataclass
class Found:
    name: str | None
    address: str
    rssi: int | None
    profile: str | None
    uuids: list[str]
    device: object = None  # bleak BLEDevice


async def scan(*, timeout: float = 5.0, backend=None, all_devices: bool = False) -> list[Found]:
    """Nearby devices soleus can use (or all, with all_devices), strongest first."""
    seen = await BleakScanner.discover(timeout=timeout, return_adv=True, backend=backend)
    out = []
    for addr, (dev, adv) in seen.items():
        prof = profile_from_advertisement(adv.local_name or dev.name, adv.service_uuids)
        if prof or all_devices:
            out.append(Found(adv.local_name or dev.name, dev.address, adv.rssi, prof, list(adv.service_uuids), dev))
    out.sort(key=lambda f: -(f.rssi if f.rssi is not None else -999))
    return out


@dataclass
class LinkStats:
    state: str = "idle"
    name: str | None = None
    address: str | None = None
    profile: str | None = None
    rate_hz: float | None = None
    rssi: int | None = None
    connects: int = 0
    drops: int = 0
    rescans: int = 0
    packets: int = 0
    samples: int = 0
    malformed: int = 0
    duplicates: int = 0
    lost_samples_estimate: int = 0
    gaps: list[Gap] = field(default_factory=list)
    drift_ppm: float | None = None
    last_packet_host: float | None = None
    warnings: list[str] = field(default_factory=list)
    end_reason: str | None = None

    def quality(self) -> str:
        """One line for the display."""
        age = "" if self.last_packet_host is None else f", last packet {time.monotonic() - self.last_packet_host:.1f} s ago"
        drift = "" if self.drift_ppm is None else f", clock {self.drift_ppm:+.0f} ppm"
        return (f"{self.state}, {self.samples} samples, {self.drops} drop(s), {len(self.gaps)} gap(s), "
                f"{self.malformed} malformed{drift}{age}")


class _Merger:
    """Joins separate accelerometer and gyro streams (Polar) into Samples with both."""

    def __init__(self, gyro: bool) -> None:
        self.gyro = gyro
        self._acc_t: list[np.ndarray] = []
        self._acc: list[np.ndarray] = []
        self._g_t = np.zeros(0)
        self._g = np.zeros((0, 3))

    def add_acc(self, t, acc) -> None:
        self._acc_t.append(t)
        self._acc.append(acc)

    def add_gyro(self, t, g) -> None:
        self._g_t = np.concatenate([self._g_t[-400:], t])
        self._g = np.concatenate([self._g[-400:], g])

    def pop(self, force: bool = False) -> Samples | None:
        if not self._acc:
            return None
        t = np.concatenate(self._acc_t)
        acc = np.concatenate(self._acc)
        if not self.gyro:
            self._acc_t, self._acc = [], []
            return Samples(t, acc)
        if len(self._g_t) == 0:
            if not force:
                return None
            return self._emit(t, acc, np.zeros_like(acc), len(t))
        n = len(t) if force else int(np.searchsorted(t, self._g_t[-1], side="right"))
        if n == 0:
            return None
        g = np.stack([np.interp(t[:n], self._g_t, self._g[:, k]) for k in range(3)], axis=1)
        return self._emit(t, acc, g, n)

    def _emit(self, t, acc, g, n) -> Samples:
        self._acc_t, self._acc = ([t[n:]], [acc[n:]]) if n < len(t) else ([], [])
        return Samples(t[:n], acc[:n], g[:n] if len(g) >= n else g)


class LiveSession:
    """Stream one device. `async for chunk in session.stream(): ...` yields Samples chunks.

    device: name (prefix) or address; None = the strongest usable device.
    profile: force a profile (polar-pmd, infinitime, nus, soleus-imu); None = auto.
    out: recording CSV path (raw samples, appended and flushed as they arrive).
    give_up_s: how long a vanished device is retried before the session ends.
    """

    def __init__(self, *, device: str | None = None, profile: str | None = None, rate_hz: float | None = None,
                 gyro: bool = True, out: str | Path | None = None, client_backend=None, scanner_backend=None,
                 scan_timeout: float = 5.0, connect_timeout: float = 10.0, give_up_s: float = 30.0,
                 backoff_s: tuple[float, float] = (0.2, 4.0), max_gyro_wait_s: float = 0.5,
                 client_kwargs: dict | None = None, host_time_scale: float = 1.0) -> None:
        self.host_time_scale = host_time_scale
        self.client_kwargs = dict(client_kwargs or {})
        self.device_query = device
        self.profile = profile
        self.rate_hz = rate_hz
        self.want_gyro = gyro
        self.client_backend = client_backend
        self.scanner_backend = scanner_backend
        self.scan_timeout = scan_timeout
        self.connect_timeout = connect_timeout
        self.give_up_s = give_up_s
        self.backoff_s = backoff_s
        self.max_gyro_wait_s = max_gyro_wait_s
        self.recorder = CsvRecorder(out) if out else None
        self.stats = LinkStats()
        self.host_t0 = time.monotonic()
        self.driver: Driver | None = None
        self._clocks: dict[str, StreamClock] = {}
        self._merger: _Merger | None = None
        self._held: list[tuple[Driver, bytes, float]] = []
        self._ready = False
        self._queue: asyncio.Queue = asyncio.Queue()
        self._stop = asyncio.Event()
        self._disconnected = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._client: BleakClient | None = None
        self._target = None
        self._adv_profile: str | None = None
        self.samples_delivered = 0
        self.arrivals: deque[tuple[float, float]] = deque(maxlen=10000)  # (host arrival - t0, last sample t)

    # ----------------------------------------------------------- public
    async def stream(self) -> AsyncIterator[Samples]:
        self._task = asyncio.create_task(self._run(), name="ble-link")
        flusher = asyncio.create_task(self._flush_loop())
        try:
            while True:
                item = await self._queue.get()
                if item is None:
                    break
                self.samples_delivered += len(item)
                yield item
        finally:
            flusher.cancel()
            await self.stop()

    async def stop(self) -> None:
        self._stop.set()
        self._disconnected.set()
        if self._task is not None and not self._task.done():
            try:
                await asyncio.wait_for(asyncio.shield(self._task), 5.0)
            except (asyncio.TimeoutError, Exception):
                self._task.cancel()
        self._close_recording()

    async def drop_link(self) -> None:
        """Central-side forced disconnect (used by tests and the benchmark); reconnection follows."""
        if self._client is not None and self._client.is_connected:
            await self._client.disconnect()
            self._on_disconnect(None)

    # ----------------------------------------------------------- link loop
    def _matches(self, f: Found) -> bool:
        q = self.device_query
        if q is None:
            return bool(f.profile) and (self.profile is None or f.profile == self.profile)
        return f.address.lower() == q.lower() or bool(f.name and f.name.lower().startswith(q.lower()))

    async def _find(self, timeout: float):
        """Scan until the named device shows up (or `timeout`); with no name, the strongest
        supported device seen during the whole scan."""
        best: dict[str, Found] = {}
        hit = asyncio.Event()

        def on_adv(dev, adv) -> None:
            name = adv.local_name or dev.name
            f = Found(name, dev.address, adv.rssi, profile_from_advertisement(name, adv.service_uuids),
                      list(adv.service_uuids), dev)
            if self._matches(f):
                best[f.address] = f
                if self.device_query is not None:
                    hit.set()

        scanner = BleakScanner(detection_callback=on_adv, backend=self.scanner_backend)
        await scanner.start()
        try:
            await asyncio.wait_for(hit.wait(), timeout)
        except asyncio.TimeoutError:
            pass
        finally:
            await scanner.stop()
        if not best:
            return None
        return max(best.values(), key=lambda f: f.rssi if f.rssi is not None else -999)

    async def _run(self) -> None:
        attempt = 0
        last_ok = time.monotonic()
        try:
            self.stats.state = "scanning"
            f = await self._find(self.scan_timeout)
            if f is None:
                what = f"device {self.device_query!r}" if self.device_query else "a supported device"
                raise DeviceNotFound(f"{what} not found after a {self.scan_timeout:g} s scan (is it on and advertising?)")
            self._target, self._adv_profile = f.device, f.profile
            self.stats.name, self.stats.address, self.stats.rssi = f.name, f.address, f.rssi
            while not self._stop.is_set():
                budget = self.give_up_s - (time.monotonic() - last_ok)
                if budget <= 0:
                    self.stats.end_reason = f"device gone for more than {self.give_up_s:g} s"
                    log.warning("%s: %s; ending the session", self.stats.name, self.stats.end_reason)
                    break
                seen = True
                if attempt >= 1:  # after a failed attempt, look again first (the OS may have forgotten it)
                    self.stats.state = "scanning"
                    self.stats.rescans += 1
                    f = await self._find(min(self.scan_timeout, 1.0, max(budget, 0.1)))
                    seen = f is not None
                    if seen:
                        self._target = f.device
                        self.stats.rssi = f.rssi
                if seen:
                    try:
                        await self._connect_and_stream(timeout=max(0.5, min(self.connect_timeout, budget)))
                        attempt = 0
                        last_ok = time.monotonic()
                    except ProfileError:
                        raise
                    except (BleakError, asyncio.TimeoutError, OSError) as exc:
                        log.info("link attempt failed: %s", exc)
                        attempt += 1
                else:
                    attempt += 1
                if self._stop.is_set():
                    break
                self.stats.state = "reconnecting"
                if attempt == 0:
                    continue  # a link that just dropped: try again at once
                delay = min(self.backoff_s[1], self.backoff_s[0] * (2 ** (attempt - 1)))
                try:
                    await asyncio.wait_for(self._stop.wait(), delay)
                    break
                except asyncio.TimeoutError:
                    pass
        except SoleusError as exc:
            self.stats.end_reason = str(exc)
            self._error = exc
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # no adapter, Bluetooth off, no permission, D-Bus missing...
            what = "scan" if self.stats.connects == 0 else "stream"
            self._error = SoleusError(f"cannot {what}: Bluetooth unavailable ({type(exc).__name__}: {exc})")
            self.stats.end_reason = str(self._error)
            log.debug("link task failed", exc_info=True)
        finally:
            self.stats.state = "ended"
            self._flush_pending(force=True)
            self._queue.put_nowait(None)

    async def _connect_and_stream(self, timeout: float) -> None:
        self.stats.state = "connecting"
        self._disconnected.clear()
        client = BleakClient(self._target, disconnected_callback=lambda c: self._on_disconnect(c),
                             timeout=timeout, backend=self.client_backend, **self.client_kwargs)
        await client.connect()
        self._client = client
        self.stats.connects += 1
        for clock in self._clocks.values():
            clock.link_lost()  # no-op before the first connection: there are no clocks yet
        try:
            if self.driver is None:
                prof = self.profile or self._adv_profile or profile_from_services(client)
                if prof is None:
                    raise ProfileError(f"{self.stats.name or self.stats.address}: no supported service found")
                self.driver = make_driver(prof, rate_hz=self.rate_hz, gyro=self.want_gyro)
                self.stats.profile = prof
            self.driver.reset_stream()
            self._ready = False
            await self.driver.start(client, self._on_packet)
            self.stats.rate_hz = self.driver.rate_hz
            for w in self.driver.warnings:
                if w not in self.stats.warnings:
                    self.stats.warnings.append(w)
            self._ready = True
            held, self._held = self._held, []
            for drv, data, host in held:
                self._handle(drv, data, host)
            self.stats.state = "streaming"
            await self._disconnected.wait()
        finally:
            if self._stop.is_set() and client.is_connected:
                try:
                    await asyncio.wait_for(self.driver.stop(client), 3.0) if self.driver else None
                except (BleakError, asyncio.TimeoutError, Exception):
                    pass
                await client.disconnect()
            self._client = None

    def _on_disconnect(self, _client) -> None:
        if not self._stop.is_set() and not self._disconnected.is_set():
            self.stats.drops += 1
            log.warning("%s: link lost; reconnecting", self.stats.name)
        self._disconnected.set()

    # ----------------------------------------------------------- data path
    def _on_packet(self, driver: Driver, data: bytes) -> None:
        host = time.monotonic()
        if not self._ready:
            self._held.append((driver, data, host))
            return
        self._handle(driver, data, host)

    def _clock(self, key: str, rate: float | None) -> StreamClock:
        c = self._clocks.get(key)
        if c is None:
            if key != "acc" and "acc" not in self._clocks:
                self._clocks["acc"] = StreamClock(self.host_t0, rate, host_time_scale=self.host_time_scale)
            c = self._clocks[key] = StreamClock(self.host_t0, rate, follow=self._clocks.get("acc") if key != "acc" else None,
                                                host_time_scale=self.host_time_scale)
        return c

    def _handle(self, driver: Driver, data: bytes, host: float) -> None:
        self.stats.packets += 1
        self.stats.last_packet_host = host
        frame = driver.decode(data)
        self.stats.malformed = driver.decoder.stats.malformed
        if frame is None or len(frame) == 0:
            return
        if self._merger is None:
            self._merger = _Merger(gyro=bool(driver.has_gyro or frame.gyro is not None))
        key = "acc" if frame.acc is not None else "gyro"
        clock = self._clock(key, frame.rate_hz or driver.rate_hz)
        t, keep = clock.frame(len(frame), host, device_t_last=frame.device_t_last, device_t=frame.device_t,
                              seq=frame.seq, seq_modulo=frame.seq_modulo, rate_hz=frame.rate_hz or driver.rate_hz)
        if not keep.any():
            self._update_stats()
            return
        if frame.acc is not None:
            self._merger.add_acc(t[keep], frame.acc[keep])
            if frame.gyro is not None:
                self._merger.add_gyro(t[keep], frame.gyro[keep])
            self.arrivals.append((host - self.host_t0, float(t[keep][-1])))
        else:
            self._merger.add_gyro(t[keep], frame.gyro[keep])
        self._update_stats()
        self._flush_pending()

    def _update_stats(self) -> None:
        acc = self._clocks.get("acc")
        if acc is None:
            return
        self.stats.samples = acc.stats.samples
        self.stats.duplicates = acc.stats.duplicates
        self.stats.lost_samples_estimate = acc.stats.lost_samples_estimate
        self.stats.gaps = acc.stats.gaps
        self.stats.drift_ppm = acc.drift_ppm()
        if self.driver is not None and not self.driver.rate_hz:
            self.stats.rate_hz = acc.measured_rate_hz()

    def _flush_pending(self, force: bool = False) -> None:
        if self._merger is None:
            return
        if not force and self._merger.gyro and self._merger._acc_t:
            # do not wait for gyro forever: past max_gyro_wait_s, emit with interpolation/hold
            oldest = self._merger._acc_t[0][0]
            newest = self._merger._acc_t[-1][-1]
            force = newest - oldest > self.max_gyro_wait_s
        s = self._merger.pop(force=force)
        if s is None or len(s) == 0:
            return
        if self.recorder is not None:
            self.recorder.write(s)
        self._queue.put_nowait(s)

    async def _flush_loop(self) -> None:
        while True:
            await asyncio.sleep(0.5)
            if self.recorder is not None:
                self.recorder.flush()

    def _close_recording(self) -> None:
        if self.recorder is None:
            return
        self._update_stats()
        s = self.stats
        meta = {
            "device": {"name": s.name, "address": s.address, "profile": s.profile, "rate_hz": s.rate_hz},
            "samples": s.samples, "packets": s.packets, "malformed": s.malformed, "duplicates": s.duplicates,
            "connects": s.connects, "drops": s.drops, "drift_ppm": s.drift_ppm, "end_reason": s.end_reason,
            "gaps": [{"t_before": g.t_before, "t_after": g.t_after, "lost_estimate": g.lost_estimate} for g in s.gaps],
            "warnings": s.warnings,
        }
        self.recorder.close(meta)
        self.recorder = None

    @property
    def error(self) -> SoleusError | None:
        return getattr(self, "_error", None)
