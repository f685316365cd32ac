"""Polar Measurement Data (PMD) service: Polar H10, Verity Sense, OH1.

Pure functions only: build control-point requests, parse responses, decode data frames.

Control point (write with response, responses arrive as notifications/indications):
    request   op type [setting TLVs]        op: 1 get settings, 2 start, 3 stop
    response  F0 op type status more [params]
    setting TLV: setting_type count value*count (little endian; sizes per SETTING_SIZES)
Data frame (notification):
    byte 0      measurement type (0 ECG, 1 PPG, 2 ACC, 3 PPI, 5 GYRO, 6 MAG)
    bytes 1-8   u64 LE timestamp, ns since 2000-01-01, of the LAST sample in the frame
    byte 9      frame type; bit 7 set = delta compressed
    raw types   0/1/2 = int8/int16/int24 LE x,y,z
    compressed  reference sample (3 x int16 for ACC/GYRO) then blocks of
                [bit width][count][count*3 deltas, bit-packed LSB first, two's complement]
Units: ACC mG (compressed type 0: raw*factor is g; type 1: raw*factor is mG),
GYRO deg/s (raw*factor), `factor` comes from the start response (setting type 5).
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field

import numpy as np

from sensor.ble.profiles.base import DEG, G, DecodeStats, Frame, MalformedPacket

SERVICE = "fb005c80-02e7-f387-1cad-8acd2d8df0c8"
CONTROL_POINT = "fb005c81-02e7-f387-1cad-8acd2d8df0c8"
DATA = "fb005c82-02e7-f387-1cad-8acd2d8df0c8"

ECG, PPG, ACC, PPI, GYRO, MAG = 0, 1, 2, 3, 5, 6
GET_SETTINGS, START, STOP = 1, 2, 3
RESPONSE_CODE = 0xF0
FEATURE_CODE = 0x0F

SAMPLE_RATE, RESOLUTION, RANGE, RANGE_MILLIUNIT, CHANNELS, FACTOR = 0, 1, 2, 3, 4, 5
SETTING_SIZES = {SAMPLE_RATE: 2, RESOLUTION: 2, RANGE: 2, RANGE_MILLIUNIT: 4, CHANNELS: 1, FACTOR: 4}

STATUS = {
    0: "success",
    1: "invalid op code",
    2: "invalid measurement type",
    3: "not supported",
    4: "invalid length",
    5: "invalid parameter",
    6: "already in state",
    7: "invalid resolution",
    8: "invalid sample rate",
    9: "invalid range",
    10: "invalid MTU (the device needs a larger ATT MTU than this link negotiated)",
    11: "invalid number of channels",
    12: "invalid state",
    13: "device in charger",
}

# ns between 1970-01-01 and 2000-01-01 (PMD epoch)
EPOCH_2000_NS = 946_684_800 * 1_000_000_000


# ---------------------------------------------------------------- control point
def encode_settings(settings: dict[int, int | float | list]) -> bytes:
    """Setting TLVs. FACTOR values are floats; others ints (a list gives count > 1)."""
    out = bytearray()
    for stype, value in settings.items():
        values = value if isinstance(value, (list, tuple)) else [value]
        size = SETTING_SIZES[stype]
        out += bytes([stype, len(values)])
        for v in values:
            if stype == FACTOR:
                out += struct.pack("<f", float(v))
            else:
                out += int(v).to_bytes(size, "little")
    return bytes(out)


def decode_settings(data: bytes, strict: bool = True) -> dict[int, list]:
    """Parse setting TLVs; raise MalformedPacket on unknown types or truncation
    (strict=False: return what was parsed before the damage, keeping complete values)."""
    out: dict[int, list] = {}
    i = 0
    while i < len(data):
        if i + 2 > len(data):
            if strict:
                raise MalformedPacket("truncated setting header")
            break
        stype, count = data[i], data[i + 1]
        i += 2
        if stype not in SETTING_SIZES:
            if strict:
                raise MalformedPacket(f"unknown setting type {stype}")
            break
        size = SETTING_SIZES[stype]
        avail = min(count, (len(data) - i) // size)
        if avail < count and strict:
            raise MalformedPacket("truncated setting values")
        vals = []
        for _ in range(avail):
            raw = data[i:i + size]
            i += size
            vals.append(struct.unpack("<f", raw)[0] if stype == FACTOR else int.from_bytes(raw, "little"))
        if vals:
            out[stype] = vals
        if avail < count:
            break
    return out


def request_settings(mtype: int) -> bytes:
    return bytes([GET_SETTINGS, mtype])


def request_start(mtype: int, *, sample_rate: int, resolution: int = 16, range_g: int | None = None,
                  channels: int | None = None) -> bytes:
    s: dict[int, int] = {SAMPLE_RATE: sample_rate, RESOLUTION: resolution}
    if range_g is not None:
        s[RANGE] = range_g
    if channels is not None:
        s[CHANNELS] = channels
    return bytes([START, mtype]) + encode_settings(s)


def request_stop(mtype: int) -> bytes:
    return bytes([STOP, mtype])


@dataclass
class PmdResponse:
    op: int
    mtype: int
    status: int
    more: bool = False
    params: bytes = b""
    settings: dict[int, list] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == 0

    @property
    def status_text(self) -> str:
        return STATUS.get(self.status, f"status {self.status}")

    @property
    def factor(self) -> float:
        return float(self.settings.get(FACTOR, [1.0])[0])


def parse_response(data: bytes, strict: bool = True) -> PmdResponse:
    """Parse `F0 op type status [more params...]`. strict=False keeps the settings parsed
    before a truncation (a response cut at MTU - 3 by a small MTU)."""
    if len(data) < 4 or data[0] != RESPONSE_CODE:
        raise MalformedPacket(f"not a PMD control point response: {bytes(data[:8]).hex()}")
    op, mtype, status = data[1], data[2], data[3]
    if status != 0:
        return PmdResponse(op, mtype, status)
    more = len(data) > 4 and data[4] != 0
    params = bytes(data[5:])
    settings = decode_settings(params, strict=strict) if params else {}
    return PmdResponse(op, mtype, status, more, params, settings)


def encode_response(op: int, mtype: int, status: int = 0, settings: dict | None = None) -> bytes:
    """Device side (virtual devices)."""
    out = bytes([RESPONSE_CODE, op, mtype, status])
    if status == 0:
        out += b"\x00" + (encode_settings(settings) if settings else b"")
    return out


def parse_features(data: bytes) -> set[int]:
    """Read of the control point: `0F bitmap...` -> the measurement types supported."""
    if len(data) < 2 or data[0] != FEATURE_CODE:
        raise MalformedPacket("not a PMD feature read")
    bits = int.from_bytes(bytes(data[1:]), "little")
    return {i for i in range(8 * (len(data) - 1)) if bits >> i & 1}


def encode_features(types: set[int]) -> bytes:
    bits = 0
    for t in types:
        bits |= 1 << t
    return bytes([FEATURE_CODE]) + bits.to_bytes(2, "little")


# ---------------------------------------------------------------- data frames
@dataclass
class PmdFrame:
    mtype: int
    timestamp_ns: int
    frame_type: int
    compressed: bool
    values: np.ndarray  # (n, 3) int64 in device units (before factor)


_RAW_SIZES = {0: 1, 1: 2, 2: 3}


def _raw_values(payload: bytes, size: int) -> np.ndarray:
    if len(payload) % (3 * size):
        raise MalformedPacket(f"raw payload of {len(payload)} bytes is not whole {size}-byte x,y,z samples")
    if size == 1:
        v = np.frombuffer(payload, dtype="<i1").astype(np.int64)
    elif size == 2:
        v = np.frombuffer(payload, dtype="<i2").astype(np.int64)
    else:
        b = np.frombuffer(payload, dtype=np.uint8).reshape(-1, 3).astype(np.int64)
        v = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        v = np.where(v >= 1 << 23, v - (1 << 24), v)
    return v.reshape(-1, 3)


def _delta_values(payload: bytes, ref_bytes: int = 2) -> np.ndarray:
    if len(payload) < 3 * ref_bytes:
        raise MalformedPacket("compressed frame shorter than its reference sample")
    ref = np.array([int.from_bytes(payload[i * ref_bytes:(i + 1) * ref_bytes], "little", signed=True)
                    for i in range(3)], dtype=np.int64)
    rows = [ref[None, :]]
    i = 3 * ref_bytes
    while i < len(payload):
        if i + 2 > len(payload):
            raise MalformedPacket("truncated delta block header")
        width, count = payload[i], payload[i + 1]
        i += 2
        if width > 32:
            raise MalformedPacket(f"delta bit width {width} > 32")
        nbytes = (width * 3 * count + 7) // 8
        if i + nbytes > len(payload):
            raise MalformedPacket("truncated delta block")
        if width == 0 or count == 0:
            deltas = np.zeros((count, 3), dtype=np.int64)
        else:
            bits = np.unpackbits(np.frombuffer(payload[i:i + nbytes], dtype=np.uint8), bitorder="little")
            bits = bits[: width * 3 * count].reshape(-1, width).astype(np.int64)
            vals = bits @ (np.int64(1) << np.arange(width, dtype=np.int64))
            vals = np.where(vals >= (1 << (width - 1)), vals - (1 << width), vals)
            deltas = vals.reshape(count, 3)
        i += nbytes
        rows.append(rows[-1][-1:] + np.cumsum(deltas, axis=0))
    return np.concatenate(rows)


def parse_frame(data: bytes) -> PmdFrame:
    """Decode one PMD data notification into integer device values. Raises MalformedPacket."""
    if len(data) < 10:
        raise MalformedPacket(f"PMD frame of {len(data)} bytes is shorter than its 10-byte header")
    mtype = data[0]
    ts = int.from_bytes(data[1:9], "little")
    ft = data[9]
    compressed = bool(ft & 0x80)
    ftype = ft & 0x7F
    payload = bytes(data[10:])
    if compressed:
        values = _delta_values(payload)
    else:
        if ftype not in _RAW_SIZES:
            raise MalformedPacket(f"unknown raw frame type {ftype}")
        values = _raw_values(payload, _RAW_SIZES[ftype])
    if len(values) == 0:
        raise MalformedPacket("frame without samples")
    return PmdFrame(mtype, ts, ftype, compressed, values)


def encode_raw_frame(mtype: int, timestamp_ns: int, values: np.ndarray, frame_type: int = 1) -> bytes:
    size = _RAW_SIZES[frame_type]
    v = np.asarray(values, dtype=np.int64).reshape(-1)
    if size == 3:
        u = v & 0xFFFFFF
        payload = np.stack([u & 0xFF, (u >> 8) & 0xFF, (u >> 16) & 0xFF], axis=1).astype(np.uint8).tobytes()
    else:
        payload = v.astype({1: "<i1", 2: "<i2"}[size]).tobytes()
    return bytes([mtype]) + timestamp_ns.to_bytes(8, "little") + bytes([frame_type]) + payload


def encode_delta_frame(mtype: int, timestamp_ns: int, values: np.ndarray, frame_type: int = 0,
                       block: int = 16) -> bytes:
    """Delta-compress (n, 3) int16-range values the way Polar devices do."""
    v = np.asarray(values, dtype=np.int64).reshape(-1, 3)
    out = bytearray([mtype]) + timestamp_ns.to_bytes(8, "little") + bytes([0x80 | frame_type])
    for c in v[0]:
        out += int(c).to_bytes(2, "little", signed=True)
    d = np.diff(v, axis=0)
    for s in range(0, len(d), block):
        blk = d[s:s + block]
        width = 1
        while not (-(1 << (width - 1)) <= blk.min() and blk.max() < (1 << (width - 1))):
            width += 1
        u = (blk.reshape(-1) & ((1 << width) - 1)).astype(np.int64)
        bits = ((u[:, None] >> np.arange(width)) & 1).astype(np.uint8).reshape(-1)
        out += bytes([width, len(blk)]) + np.packbits(bits, bitorder="little").tobytes()
    return bytes(out)


class PmdDecoder:
    """Stateful wrapper: PMD notifications -> Frames in SI units, with malformed accounting.

    `factors` maps measurement type -> factor from the start response; `rates` the
    configured sample rate (used as the nominal rate).
    """

    name = "polar-pmd"

    def __init__(self) -> None:
        self.stats = DecodeStats()
        self.factors: dict[int, float] = {}
        self.rates: dict[int, float] = {}

    def decode(self, data: bytes) -> Frame | None:
        self.stats.packets += 1
        try:
            f = parse_frame(data)
        except MalformedPacket as exc:
            self.stats.bad(self.name, str(exc))
            return None
        factor = self.factors.get(f.mtype, 1.0)
        t_last = f.timestamp_ns / 1e9
        if f.mtype == ACC:
            if f.compressed and f.frame_type == 0:
                mg = f.values * factor * 1000.0
            else:
                mg = f.values * factor
            acc = mg * (G / 1000.0)
            if np.abs(acc).max() > 16 * G * 2:
                self.stats.bad(self.name, "acceleration beyond any PMD range")
                return None
            self.stats.samples += len(acc)
            return Frame(acc=acc, device_t_last=t_last, rate_hz=self.rates.get(ACC))
        if f.mtype == GYRO:
            gyro = f.values * factor * DEG
            self.stats.samples += len(gyro)
            return Frame(acc=None, gyro=gyro, device_t_last=t_last, rate_hz=self.rates.get(GYRO))
        self.stats.ignored += 1
        return None
