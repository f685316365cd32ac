"""Per-profile start/stop sequences on a bleak client (any backend), and profile choice.

A driver subscribes to the device's data characteristic(s), sends its start commands,
and turns notifications into Frames through the profile's pure decoder. Raw notifications
go to `on_packet(driver, data)` given by the connection manager, which timestamps them.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Callable

from bleak import BleakClient
from bleak.exc import BleakError

from sensor.ble.profiles import infinitime, nus, polar_pmd as pmd, soleus_imu
from sensor.errors import SoleusError

log = logging.getLogger("soleus.ble")

PROFILES = ("polar-pmd", "infinitime", "nus", "soleus-imu")
SERVICE_OF = {"polar-pmd": pmd.SERVICE, "infinitime": infinitime.SERVICE, "nus": nus.SERVICE,
              "soleus-imu": soleus_imu.SERVICE}
NAME_HINTS = (("Polar H10", "polar-pmd"), ("Polar Sense", "polar-pmd"), ("Polar OH1", "polar-pmd"),
              ("Polar Verity", "polar-pmd"), ("InfiniTime", "infinitime"), ("Pinetime", "infinitime"),
              ("Bangle.js", "nus"), ("Puck.js", "nus"), ("soleus", "soleus-imu"))


class ProfileError(SoleusError):
    """The device refused to stream (bad setting, unsupported feature)."""


def profile_from_advertisement(name: str | None, uuids: list[str]) -> str | None:
    u = {x.lower() for x in uuids or ()}
    for prof, svc in SERVICE_OF.items():
        if svc in u:
            return prof
    for hint, prof in NAME_HINTS:
        if name and name.lower().startswith(hint.lower()):
            return prof
    return None


def profile_from_services(client: BleakClient) -> str | None:
    have = {s.uuid.lower() for s in client.services}
    for prof in ("soleus-imu", "polar-pmd", "infinitime", "nus"):
        if SERVICE_OF[prof] in have:
            return prof
    return None


OnPacket = Callable[["Driver", bytes], None]


class Driver:
    profile = "base"

    def __init__(self, *, rate_hz: float | None = None, gyro: bool = True) -> None:
        self.want_rate = rate_hz
        self.want_gyro = gyro
        self.rate_hz: float | None = rate_hz
        self.has_gyro = False
        self.decoder = None
        self.warnings: list[str] = []

    async def start(self, client: BleakClient, on_packet: OnPacket) -> None:
        raise NotImplementedError

    async def stop(self, client: BleakClient) -> None:
        pass

    def decode(self, data: bytes):
        return self.decoder.decode(data)

    def reset_stream(self) -> None:
        """Called after a reconnect: forget partial state (e.g. a half NUS line)."""


class PmdDriver(Driver):
    profile = "polar-pmd"

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self.decoder = pmd.PmdDecoder()
        self._pending: dict[tuple[int, int], asyncio.Future] = {}
        self.started: list[int] = []

    def _on_cp(self, data: bytes) -> None:
        try:
            r = pmd.parse_response(bytes(data))
        except pmd.MalformedPacket as exc:
            self.decoder.stats.bad("polar-pmd control point", str(exc))
            try:  # keep what survived (e.g. a settings list cut by a small MTU)
                r = pmd.parse_response(bytes(data), strict=False)
            except pmd.MalformedPacket:
                return
        fut = self._pending.pop((r.op, r.mtype), None)
        if fut is not None and not fut.done():
            fut.set_result(r)

    async def _request(self, client: BleakClient, req: bytes, timeout: float = 5.0) -> pmd.PmdResponse:
        fut = asyncio.get_running_loop().create_future()
        self._pending[(req[0], req[1])] = fut
        await client.write_gatt_char(pmd.CONTROL_POINT, req, response=True)
        try:
            return await asyncio.wait_for(fut, timeout)
        except asyncio.TimeoutError:
            if not client.is_connected:
                raise BleakError("link lost during a control point request") from None
            raise ProfileError(f"Polar device did not answer control point request {req[:2].hex()}") from None

    async def start(self, client: BleakClient, on_packet: OnPacket) -> None:
        await client.start_notify(pmd.CONTROL_POINT, lambda _c, d: self._on_cp(d))
        await client.start_notify(pmd.DATA, lambda _c, d: on_packet(self, bytes(d)))
        features = {pmd.ACC}
        try:
            features = pmd.parse_features(bytes(await client.read_gatt_char(pmd.CONTROL_POINT)))
        except (BleakError, pmd.MalformedPacket) as exc:
            log.debug("PMD feature read failed (%s); assuming ACC", exc)
        if pmd.ACC not in features:
            raise ProfileError("this Polar device does not stream acceleration")
        types = [pmd.ACC] + ([pmd.GYRO] if self.want_gyro and pmd.GYRO in features else [])
        self.started = []
        for mtype in types:
            await self._start_type(client, mtype)
        self.has_gyro = pmd.GYRO in self.started

    async def _start_type(self, client: BleakClient, mtype: int) -> None:
        name = "ACC" if mtype == pmd.ACC else "gyro"
        sett = await self._request(client, pmd.request_settings(mtype))
        if not sett.ok:
            raise ProfileError(f"Polar {name} settings request refused: {sett.status_text}")
        rates = sorted(sett.settings.get(pmd.SAMPLE_RATE, [])) or [52]
        want = self.want_rate or (100 if 100 in rates else rates[-1] if rates[-1] <= 104 else rates[0])
        order = sorted(rates, key=lambda r: (abs(r - want), -r))
        ranges = sorted(sett.settings.get(pmd.RANGE, []))
        rng = None
        if ranges:
            rng = 8 if mtype == pmd.ACC and 8 in ranges else ranges[-1]
        res = (sett.settings.get(pmd.RESOLUTION) or [16])[0]
        last = None
        for rate in order:
            resp = await self._request(client, pmd.request_start(mtype, sample_rate=rate, resolution=res, range_g=rng))
            if resp.ok or resp.status == 6:  # 6: already streaming (after a reconnect)
                self.decoder.factors[mtype] = resp.factor if resp.ok else self.decoder.factors.get(mtype, 1.0)
                self.decoder.rates[mtype] = float(rate)
                if mtype == pmd.ACC:
                    self.rate_hz = float(rate)
                if self.want_rate and rate != self.want_rate:
                    msg = f"Polar {name}: {self.want_rate:g} Hz refused ({last.status_text if last else 'not offered'}); streaming at {rate} Hz"
                    if msg not in self.warnings:
                        self.warnings.append(msg)
                        log.warning(msg)
                self.started.append(mtype)
                return
            last = resp
            log.warning("Polar %s start at %s Hz refused: %s", name, rate, resp.status_text)
            if resp.status not in (5, 7, 8, 9):
                break
        raise ProfileError(f"Polar device refused to start {name}: {last.status_text if last else 'no rate'}")

    async def stop(self, client: BleakClient) -> None:
        for mtype in self.started:
            try:
                await self._request(client, pmd.request_stop(mtype), timeout=2.0)
            except (BleakError, ProfileError, asyncio.TimeoutError) as exc:
                log.debug("PMD stop: %s", exc)


class InfiniTimeDriver(Driver):
    profile = "infinitime"

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self.decoder = infinitime.InfiniTimeDecoder()

    async def start(self, client: BleakClient, on_packet: OnPacket) -> None:
        await client.start_notify(infinitime.RAW_MOTION, lambda _c, d: on_packet(self, bytes(d)))

    async def stop(self, client: BleakClient) -> None:
        try:
            await client.stop_notify(infinitime.RAW_MOTION)
        except (BleakError, Exception) as exc:
            log.debug("InfiniTime stop: %s", exc)


class NusDriver(Driver):
    profile = "nus"

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self.decoder = nus.NusDecoder()

    def reset_stream(self) -> None:
        self.decoder._buf = b""

    async def start(self, client: BleakClient, on_packet: OnPacket) -> None:
        self.rate_hz = self.want_rate or 50.0
        await client.start_notify(nus.TX, lambda _c, d: on_packet(self, bytes(d)))
        ch = client.services.get_characteristic(nus.RX)
        await client.write_gatt_char(nus.RX, nus.command_start(self.rate_hz), response="write" in ch.properties)

    async def stop(self, client: BleakClient) -> None:
        try:
            ch = client.services.get_characteristic(nus.RX)
            await client.write_gatt_char(nus.RX, nus.command_stop(), response="write" in ch.properties)
        except (BleakError, Exception) as exc:
            log.debug("NUS stop: %s", exc)


class SoleusImuDriver(Driver):
    profile = "soleus-imu"

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self.decoder = soleus_imu.SoleusImuDecoder()

    async def start(self, client: BleakClient, on_packet: OnPacket) -> None:
        await client.start_notify(soleus_imu.DATA, lambda _c, d: on_packet(self, bytes(d)))
        tried = []
        for rate in ([int(self.want_rate)] if self.want_rate else []) + [100, 50, 200, 25]:
            if rate in tried:
                continue
            tried.append(rate)
            try:
                await client.write_gatt_char(soleus_imu.CONTROL, soleus_imu.command_start(rate), response=True)
            except BleakError as exc:
                log.warning("soleus IMU refused %s Hz: %s", rate, exc)
                continue
            if self.want_rate and rate != self.want_rate:
                self.warnings.append(f"soleus IMU: {self.want_rate:g} Hz refused; streaming at {rate} Hz")
            self.rate_hz = float(rate)
            return
        raise ProfileError(f"soleus IMU device refused every rate ({', '.join(map(str, tried))} Hz)")

    async def stop(self, client: BleakClient) -> None:
        try:
            await client.write_gatt_char(soleus_imu.CONTROL, soleus_imu.command_stop(), response=True)
        except (BleakError, Exception) as exc:
            log.debug("soleus IMU stop: %s", exc)


DRIVERS = {d.profile: d for d in (PmdDriver, InfiniTimeDriver, NusDriver, SoleusImuDriver)}


def make_driver(profile: str, **kw) -> Driver:
    if profile not in DRIVERS:
        raise SoleusError(f"unknown profile {profile!r}; choose from {', '.join(DRIVERS)}")
    return DRIVERS[profile](**kw)
