"""Virtual BLE peripherals on bumble's in-process link: Polar H10, Polar Verity Sense,
PineTime (InfiniTime), a Nordic UART device and a soleus IMU device.

Each is a bumble Device with its own virtual Controller on the radio's LocalLink, with the
real GATT layout of the device it imitates, advertising its name (and a service UUID where it
fits in 31 bytes). Streaming follows the device's own sample clock at `speed` x real time:
samples due while the link is down or streaming is off are never sent (as on real devices),
and every sample actually sent is logged in `sent` so tests can prove none was lost.

Fault injection: `loss` (probability a notification is silently dropped), `malformed`
(probability an extra corrupted packet is sent), drop_link() (peripheral-side disconnect),
vanish() (disconnect and stop advertising for good), refuse_rates (PMD start with one of
these rates answers "invalid sample rate").
"""
from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

import numpy as np

from counting.samples import Samples
from sensor.ble.bumble_backend import Radio, build_ad, get_radio
from sensor.ble.profiles import infinitime, nus, polar_pmd as pmd, soleus_imu
from sensor.ble.profiles.base import G
from sensor.ble.signal import device_session

log = logging.getLogger("soleus.ble.virtual")

KINDS = ("polar-h10", "verity-sense", "pinetime", "nus", "soleus-imu")
HR_SERVICE = "0000180d-0000-1000-8000-00805f9b34fb"
HR_MEASUREMENT = "00002a37-0000-1000-8000-00805f9b34fb"
PMD_EPOCH_OFFSET_NS = 815_000_000 * 10**9  # device clock: ~2025 in ns since 2000-01-01


@dataclass
class SentLog:
    samples: int = 0
    packets: int = 0
    dropped_packets: int = 0
    dropped_samples: int = 0
    malformed_sent: int = 0
    not_sent_disconnected: int = 0


class VirtualPeripheral:
    kind = "base"
    default_rate = 50.0
    has_gyro = False

    def __init__(self, *, name: str | None = None, index: int = 0, signal: Samples | None = None, speed: float = 1.0,
                 loss: float = 0.0, malformed: float = 0.0, drift_ppm: float = 0.0, seed: int = 0, reps: int = 10,
                 rate_hz: float | None = None, radio: Radio | None = None, loop_signal: bool = False,
                 tempo=(2.0, 1.0, 1.0, 1.0), n_sets: int = 1, rest_s: float | None = None,
                 placement: str | None = None, exercise: str | None = None, pad_s: float | None = None) -> None:
        self.index = index
        self.address = f"C1:50:1E:{0x10 + index:02X}:{KINDS.index(self.kind) if self.kind in KINDS else 9:02X}:{index:02X}"
        self.name = name or self.default_name()
        self.rate = float(rate_hz or self.default_rate)
        self.truth = None
        if signal is None:
            signal, self.truth = device_session(self.kind, rate_hz=self.rate, reps=reps, seed=7 + seed, tempo=tempo,
                                                n_sets=n_sets, rest_s=rest_s, placement=placement,
                                                exercise=exercise, has_gyro=self.has_gyro, pad_s=pad_s)
        self.signal = signal
        self.speed = speed
        self.loss, self.malformed = loss, malformed
        self.drift = drift_ppm * 1e-6
        self.rng = np.random.default_rng(seed)
        self.radio = radio
        self.loop_signal = loop_signal
        self.device = None
        self.connection = None
        self.streaming = False
        self.sent = SentLog()
        self.sent_t: list[np.ndarray] = []  # signal times of the samples actually notified
        self.dropped_at: list[tuple[int, int]] = []  # (first sample index, samples) of packets lost to `loss`
        self.finished = asyncio.Event()
        self._t0_wall: float | None = None
        self._next = 0
        self._task: asyncio.Task | None = None
        self._vanished = False
        self.connections = 0
        self._adv_lock = asyncio.Lock()
        self._send_lock = asyncio.Lock()
        self._silent_s = 0.0
        self._readv_task: asyncio.Task | None = None

    # -------------------------------------------------------------- identity
    def default_name(self) -> str:
        return f"{self.kind}-{self.index}"

    def advertised_uuids(self) -> list[str]:
        return []

    def services(self) -> list:
        raise NotImplementedError

    # -------------------------------------------------------------- lifecycle
    async def start(self) -> "VirtualPeripheral":
        from bumble.controller import Controller
        from bumble.device import Device
        from bumble.hci import Address
        from bumble.host import Host
        from bumble.transport.common import AsyncPipeSink

        radio = self.radio or get_radio()
        self.radio = radio
        ctrl = Controller(f"virtual-{self.kind}-{self.index}", link=radio.link, public_address=self.address)
        self.device = Device(name=self.name, address=Address(self.address), host=Host(ctrl, AsyncPipeSink(ctrl)))
        self.device.add_services(self.services())
        self.device.on("connection", self._on_connection)
        await self.device.power_on()
        await self._advertise()
        self._task = asyncio.create_task(self._stream_loop(), name=f"virtual-{self.name}")
        return self

    async def _advertise(self) -> None:
        async with self._adv_lock:
            if self._vanished:
                return
            await self.device.start_advertising(advertising_data=build_ad(self.name, self.advertised_uuids()),
                                                auto_restart=False, advertising_interval_min=20.0,
                                                advertising_interval_max=20.0)

    def _on_connection(self, connection) -> None:
        self.connection = connection
        self.connections += 1
        connection.on("disconnection", lambda reason: self._on_disconnection(connection))

    def _on_disconnection(self, connection) -> None:
        if self.connection is connection:
            self.connection = None
        self.streaming = False
        self.on_link_lost()
        if not self._vanished:
            self._readv_task = asyncio.get_running_loop().create_task(self._readvertise())

    async def _readvertise(self) -> None:
        try:
            if self._silent_s > 0:
                await asyncio.sleep(self._silent_s)  # out of range for a while: no advertising
                self._silent_s = 0.0
            await self._advertise()
        except Exception as exc:
            log.debug("%s: re-advertise failed: %s", self.name, exc)

    def on_link_lost(self) -> None:
        """Device-specific state reset when the link drops."""

    async def drop_link(self, silent_s: float = 0.0) -> None:
        """Peripheral-side disconnect (as when the wearer walks out of range); with
        silent_s, the device then stays silent (no advertising) that long.

        Notifications already handed to the stack are let through first (a few ms), so
        `sent` counts exactly the samples that went over the air before the link died;
        samples due after that are never sent.
        """
        self._silent_s = silent_s
        async with self._send_lock:
            if self.connection is not None:
                await asyncio.sleep(0.01)
                try:
                    await self.connection.disconnect()
                except Exception as exc:
                    log.debug("drop_link: %s", exc)

    async def _stop_advertising(self) -> None:
        self._vanished = True
        if self._readv_task is not None:
            try:
                await self._readv_task
            except Exception:
                pass
        async with self._adv_lock:
            try:
                await self.device.stop_advertising()
            except Exception:
                pass

    async def vanish(self) -> None:
        """Disconnect and never advertise again (battery died)."""
        await self._stop_advertising()
        await self.drop_link()

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass
        await self._stop_advertising()
        await self.drop_link()
        await asyncio.sleep(0.02)  # let in-flight HCI commands complete

    # -------------------------------------------------------------- streaming
    @property
    def duration_s(self) -> float:
        return float(self.signal.t[-1] - self.signal.t[0]) if len(self.signal) else 0.0

    def device_time(self, i: np.ndarray | int) -> np.ndarray:
        """Device clock (s) of sample index i (with the device's own drift)."""
        return (self.signal.t[0] + np.asarray(i) / self.rate) * (1.0 + self.drift)

    def samples_per_packet(self, mtu: int) -> int:
        return max(1, int(self.rate * 0.1))

    def _due_index(self) -> int:
        if self._t0_wall is None:
            self._t0_wall = time.monotonic()
        return int((time.monotonic() - self._t0_wall) * self.speed * self.rate)

    async def _stream_loop(self) -> None:
        n_total = len(self.signal)
        while not self.streaming:  # the sensor starts measuring at the first start command
            await asyncio.sleep(0.005)
        self._t0_wall = time.monotonic()
        while True:
            mtu = self.connection.att_mtu if self.connection is not None else 23
            spp = self.samples_per_packet(mtu)
            if self._t0_wall is None:
                self._t0_wall = time.monotonic()
            due_wall = self._t0_wall + (self._next + spp) / (self.rate * self.speed)
            delay = due_wall - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            due = min(self._due_index(), n_total if not self.loop_signal else 1 << 60)
            while self._next + spp <= due or (due >= n_total and self._next < due and not self.loop_signal):
                i0 = self._next
                i1 = min(i0 + spp, due)
                self._next = i1
                async with self._send_lock:
                    if self.connection is None or not self.streaming:
                        self.sent.not_sent_disconnected += i1 - i0
                        continue
                    await self._send_range(i0, i1)
            if not self.loop_signal and self._next >= n_total:
                self.finished.set()
                return

    def _row(self, i: np.ndarray):
        j = i % len(self.signal)
        acc = self.signal.acc[j]
        gyro = self.signal.gyro[j] if self.signal.gyro is not None else np.zeros_like(acc)
        return acc, gyro

    async def _send_range(self, i0: int, i1: int) -> None:
        idx = np.arange(i0, i1)
        packets = self.encode(idx)
        for pkt, n in packets:
            if self.rng.random() < self.loss:
                self.sent.dropped_packets += 1
                self.sent.dropped_samples += n
                self.dropped_at.append((int(idx[0]), n))
                continue
            if self.rng.random() < self.malformed:
                bad = bytes(pkt[: max(1, len(pkt) // 3)]) + b"\xff\x07"
                await self._notify(bad, count=False)
                self.sent.malformed_sent += 1
            if await self._notify(pkt):
                self.sent.packets += 1
                if n:
                    self.sent.samples += n
                    self.sent_t.append(self.signal.t[0] + idx[:n] / self.rate)
            else:
                self.sent.not_sent_disconnected += n

    async def _notify(self, data: bytes, count: bool = True) -> bool:
        conn = self.connection
        if conn is None:
            return False
        try:
            await self.device.notify_subscriber(conn, self.data_characteristic, data)
            return True
        except Exception as exc:
            log.debug("%s: notify failed: %s", self.name, exc)
            return False

    def encode(self, idx: np.ndarray) -> list[tuple[bytes, int]]:
        raise NotImplementedError


# ------------------------------------------------------------------ Polar PMD devices
class _PolarPmd(VirtualPeripheral):
    supported: dict[int, dict[int, list]] = {}
    frame_type = {pmd.ACC: 0x01}
    factors: dict[int, float] = {}

    def __init__(self, *, refuse_rates: set[int] | None = None, **kw) -> None:
        super().__init__(**kw)
        self.refuse_rates = set(refuse_rates or ())
        self.active: dict[int, int] = {}  # mtype -> rate
        self.started_rates: list[int] = []

    def advertised_uuids(self) -> list[str]:
        return [HR_SERVICE]

    def services(self) -> list:
        from bumble.att import AttributeValue
        from bumble.gatt import Characteristic, Service

        self.cp = Characteristic(pmd.CONTROL_POINT,
                                 Characteristic.Properties.READ | Characteristic.Properties.WRITE | Characteristic.Properties.INDICATE,
                                 Characteristic.READABLE | Characteristic.WRITEABLE,
                                 AttributeValue(read=lambda c: pmd.encode_features(set(self.supported)),
                                                write=self._on_cp_write))
        self.data_characteristic = Characteristic(pmd.DATA, Characteristic.Properties.NOTIFY, Characteristic.READABLE, b"")
        hr = Characteristic(HR_MEASUREMENT, Characteristic.Properties.NOTIFY, Characteristic.READABLE, b"\x00\x3c")
        return [Service(HR_SERVICE, [hr]), Service(pmd.SERVICE, [self.cp, self.data_characteristic])]

    def _on_cp_write(self, connection, value: bytes) -> None:
        resp = self._handle_cp(bytes(value))
        asyncio.get_running_loop().create_task(self._indicate(connection, resp))

    async def _indicate(self, connection, resp: bytes) -> None:
        await asyncio.sleep(0.002)
        try:
            await self.device.indicate_subscriber(connection, self.cp, resp)
        except Exception as exc:
            log.debug("%s: CP indication failed: %s", self.name, exc)

    def _handle_cp(self, req: bytes) -> bytes:
        if len(req) < 2:
            return bytes([pmd.RESPONSE_CODE, req[0] if req else 0, 0, 4])
        op, mtype = req[0], req[1]
        if op not in (pmd.GET_SETTINGS, pmd.START, pmd.STOP):
            return pmd.encode_response(op, mtype, 1)
        if mtype not in self.supported:
            return pmd.encode_response(op, mtype, 3)
        if op == pmd.GET_SETTINGS:
            return pmd.encode_response(op, mtype, 0, self.supported[mtype])
        if op == pmd.STOP:
            self.active.pop(mtype, None)
            self.streaming = bool(self.active)
            return pmd.encode_response(op, mtype, 0)
        try:
            settings = pmd.decode_settings(req[2:])
        except pmd.MalformedPacket:
            return pmd.encode_response(op, mtype, 5)
        if mtype in self.active:
            return pmd.encode_response(op, mtype, 6)
        rate = settings.get(pmd.SAMPLE_RATE, [None])[0]
        if rate is None or rate not in self.supported[mtype][pmd.SAMPLE_RATE] or rate in self.refuse_rates:
            return pmd.encode_response(op, mtype, 8)
        if pmd.RANGE in settings and settings[pmd.RANGE][0] not in self.supported[mtype].get(pmd.RANGE, []):
            return pmd.encode_response(op, mtype, 9)
        if self.connection is not None and self.connection.att_mtu < 70:
            return pmd.encode_response(op, mtype, 10)  # real Polar devices need a larger MTU
        self.active[mtype] = rate
        self.started_rates.append(rate)
        self.streaming = True
        out = {pmd.FACTOR: self.factors[mtype]} if mtype in self.factors else None
        return pmd.encode_response(op, mtype, 0, out)

    def on_link_lost(self) -> None:
        self.active.clear()  # Polar devices stop measuring when the link drops

    def samples_per_packet(self, mtu: int) -> int:
        per = (mtu - 3 - 10) // 6 if not any(self.frame_type[m] & 0x80 for m in self.frame_type) else (mtu - 3 - 18) // 3
        return max(1, min(per, int(self.rate * 0.15) or 1))

    def _ns(self, i_last: int) -> int:
        return PMD_EPOCH_OFFSET_NS + int(round(float(self.device_time(i_last)) * 1e9))

    def encode(self, idx: np.ndarray) -> list[tuple[bytes, int]]:
        acc, gyro = self._row(idx)
        out: list[tuple[bytes, int]] = []
        ts = self._ns(int(idx[-1]))
        if pmd.ACC in self.active:
            ft = self.frame_type[pmd.ACC]
            if ft & 0x80:
                mg = np.round(acc / G * 1000).astype(np.int64)
                out.append((pmd.encode_delta_frame(pmd.ACC, ts, mg, ft & 0x7F), len(idx)))
            else:
                mg = np.clip(np.round(acc / G * 1000), -32768, 32767).astype(np.int64)
                out.append((pmd.encode_raw_frame(pmd.ACC, ts, mg, ft), len(idx)))
        if pmd.GYRO in self.active:
            counts = np.round(np.rad2deg(gyro) / self.factors[pmd.GYRO]).astype(np.int64)
            # gyro samples are counted once, with the accelerometer
            out.append((pmd.encode_delta_frame(pmd.GYRO, ts, counts, 0), 0 if pmd.ACC in self.active else len(idx)))
        return out


class PolarH10(_PolarPmd):
    kind = "polar-h10"
    default_rate = 100.0
    supported = {
        pmd.ACC: {pmd.SAMPLE_RATE: [25, 50, 100, 200], pmd.RESOLUTION: [16], pmd.RANGE: [2, 4, 8]},
        pmd.ECG: {pmd.SAMPLE_RATE: [130], pmd.RESOLUTION: [14]},
    }
    frame_type = {pmd.ACC: 0x01}

    def default_name(self) -> str:
        return f"Polar H10 5A3C1B{0x2D + self.index:02X}"


class VeritySense(_PolarPmd):
    kind = "verity-sense"
    default_rate = 52.0
    has_gyro = True
    supported = {
        pmd.ACC: {pmd.SAMPLE_RATE: [52], pmd.RESOLUTION: [16], pmd.RANGE: [8], pmd.CHANNELS: [3]},
        pmd.GYRO: {pmd.SAMPLE_RATE: [52], pmd.RESOLUTION: [16], pmd.RANGE: [2000], pmd.CHANNELS: [3]},
        pmd.PPG: {pmd.SAMPLE_RATE: [55], pmd.RESOLUTION: [22]},
    }
    frame_type = {pmd.ACC: 0x81, pmd.GYRO: 0x80}
    factors = {pmd.GYRO: 2000.0 / 32768.0}

    def default_name(self) -> str:
        return f"Polar Sense B5C6D7{0xE8 + self.index:02X}"


# ------------------------------------------------------------------ PineTime / InfiniTime
class PineTime(VirtualPeripheral):
    kind = "pinetime"
    default_rate = 25.0

    def default_name(self) -> str:
        return "InfiniTime"

    def advertised_uuids(self) -> list[str]:
        return []  # InfiniTime advertises its name; the motion service is found after connecting

    def services(self) -> list:
        from bumble.gatt import Characteristic, Service

        steps = Characteristic(infinitime.STEP_COUNT, Characteristic.Properties.READ | Characteristic.Properties.NOTIFY,
                               Characteristic.READABLE, b"\x00\x00\x00\x00")
        self.data_characteristic = Characteristic(infinitime.RAW_MOTION,
                                                  Characteristic.Properties.READ | Characteristic.Properties.NOTIFY,
                                                  Characteristic.READABLE, b"\x00" * 6)
        self.data_characteristic.on("subscription", self._on_sub)
        return [Service(infinitime.SERVICE, [steps, self.data_characteristic])]

    def _on_sub(self, bearer, notify: bool, indicate: bool) -> None:
        self.streaming = notify

    def samples_per_packet(self, mtu: int) -> int:
        return 1  # one x,y,z sample per notification, as InfiniTime sends

    def encode(self, idx: np.ndarray) -> list[tuple[bytes, int]]:
        acc, _ = self._row(idx)
        counts = np.clip(np.round(acc / G * infinitime.LSB_PER_G), -32768, 32767)
        return [(infinitime.encode(counts), len(idx))]


# ------------------------------------------------------------------ Nordic UART
class NusDevice(VirtualPeripheral):
    kind = "nus"
    default_rate = 50.0
    chunk = 20  # Bangle.js/Espruino send 20-byte notifications: lines get split

    def default_name(self) -> str:
        return "NUS-IMU" if self.index == 0 else f"NUS-IMU{self.index}"

    def advertised_uuids(self) -> list[str]:
        return [nus.SERVICE]

    def services(self) -> list:
        from bumble.att import AttributeValue
        from bumble.gatt import Characteristic, Service

        rx = Characteristic(nus.RX, Characteristic.Properties.WRITE | Characteristic.Properties.WRITE_WITHOUT_RESPONSE,
                            Characteristic.WRITEABLE, AttributeValue(write=self._on_rx))
        self.data_characteristic = Characteristic(nus.TX, Characteristic.Properties.NOTIFY, Characteristic.READABLE, b"")
        self._rx_buf = b""
        return [Service(nus.SERVICE, [rx, self.data_characteristic])]

    def _on_rx(self, connection, value: bytes) -> None:
        self._rx_buf += bytes(value)
        while b"\n" in self._rx_buf:
            line, self._rx_buf = self._rx_buf.split(b"\n", 1)
            cmd = line.decode(errors="replace").split()
            if cmd and cmd[0] == "start":
                self.streaming = True
            elif cmd and cmd[0] == "stop":
                self.streaming = False

    def samples_per_packet(self, mtu: int) -> int:
        return max(1, int(self.rate * 0.1))

    def encode(self, idx: np.ndarray) -> list[tuple[bytes, int]]:
        acc, _ = self._row(idx)
        t_ms = np.round(self.device_time(idx) * 1000).astype(np.int64)
        text = "".join(nus.format_line(t, a / G) for t, a in zip(t_ms, acc)).encode()
        pieces = [text[k:k + self.chunk] for k in range(0, len(text), self.chunk)]
        # all samples are counted with the last piece (the line is complete only then)
        return [(p, len(idx) if k == len(pieces) - 1 else 0) for k, p in enumerate(pieces)]


# ------------------------------------------------------------------ soleus IMU
class SoleusImuDevice(VirtualPeripheral):
    kind = "soleus-imu"
    default_rate = 100.0
    has_gyro = True

    def default_name(self) -> str:
        return "soleus" if self.index == 0 else f"soleus{self.index}"

    def advertised_uuids(self) -> list[str]:
        return [soleus_imu.SERVICE]

    def services(self) -> list:
        from bumble.att import ATT_Error, AttributeValue
        from bumble.gatt import Characteristic, Service

        def on_control(connection, value: bytes) -> None:
            value = bytes(value)
            if value[:1] == b"\x01" and len(value) == 3:
                rate = int.from_bytes(value[1:3], "little")
                if rate not in (25, 50, 100, 200) or abs(rate - self.rate) > 0.5:
                    raise ATT_Error(0x80)
                self.streaming = True
            elif value[:1] == b"\x02":
                self.streaming = False
            else:
                raise ATT_Error(0x80)

        self.seq = 0
        control = Characteristic(soleus_imu.CONTROL, Characteristic.Properties.WRITE, Characteristic.WRITEABLE,
                                 AttributeValue(write=on_control))
        self.data_characteristic = Characteristic(soleus_imu.DATA, Characteristic.Properties.NOTIFY, Characteristic.READABLE, b"")
        return [Service(soleus_imu.SERVICE, [self.data_characteristic, control])]

    def samples_per_packet(self, mtu: int) -> int:
        return max(1, min((mtu - 3 - 12) // 12, int(self.rate * 0.1)))

    def encode(self, idx: np.ndarray) -> list[tuple[bytes, int]]:
        acc, gyro = self._row(idx)
        a = np.round(acc / G / 8 * 32768)
        g = np.round(np.rad2deg(gyro) / 2000 * 32768)
        t_us = int(round(float(self.device_time(int(idx[-1]))) * 1e6))
        pkt = soleus_imu.encode(self.seq, t_us, self.rate, a, g, acc_range_g=8, gyro_range_125=16)
        self.seq = (self.seq + 1) % 65536
        return [(pkt, len(idx))]


VIRTUAL = {c.kind: c for c in (PolarH10, VeritySense, PineTime, NusDevice, SoleusImuDevice)}


def make_virtual(kind: str, **kw) -> VirtualPeripheral:
    try:
        return VIRTUAL[kind](**kw)
    except KeyError:
        raise ValueError(f"unknown virtual device {kind!r}; choose from {', '.join(VIRTUAL)}") from None
