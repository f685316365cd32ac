"""Profiles: golden byte vectors (polar-ble-sdk AccDataTest) and hypothesis properties."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sensor.ble.profiles import infinitime, nus, polar_pmd as pmd, soleus_imu
from sensor.ble.profiles.base import G, unwrap

# --- golden vectors from polar-ble-sdk AccDataTest (Android) -------------------------
HDR_2000000000 = bytes.fromhex("02 00 94 35 77 00 00 00 00".replace(" ", ""))


def test_pmd_raw_int16_golden():
    # frame type 1: int16 x,y,z in mG; timestamp 2_000_000_000 ns is the last sample's
    data = HDR_2000000000 + b"\x01" + bytes.fromhex("F7FFFFFFE703F8FFFEFFE503")
    f = pmd.parse_frame(data)
    assert f.timestamp_ns == 2_000_000_000 and f.mtype == pmd.ACC and not f.compressed
    assert f.values.tolist() == [[-9, -1, 999], [-8, -2, 997]]


def test_pmd_delta_type1_golden():
    data = bytes([0x02, 0x65, 0, 0, 0, 0, 0, 0, 0, 0x81,
                  0xF1, 0xFF, 0x14, 0x00, 0xF0, 0x03, 0x06, 0x01, 0x7B, 0x0F, 0x08])
    f = pmd.parse_frame(data)
    assert f.compressed and f.frame_type == 1 and f.timestamp_ns == 101
    assert f.values.tolist() == [[-15, 20, 1008], [-20, 17, 1008]]


DELTA0 = bytes.fromhex(
    "7107F06A9E8D0A38BE5CBEBA2F96B3EE4BE5ADFB42B9EBBE4CFEBA2F92BFEE4BE4B1FB12B9ECBD3C3EBB2F8FD3DE4BE3"
    "B5F7D2B8EDBD307E7B2F8BE3CE8BE2BAF7A2B8EEBC20BE7B2F88F3CECBE1BDEF52F8EFBC18FE3B2F8403BFCBE0C2EF32"
    "B8F0BB044EBC2E8113AF0BE0C6EFF2F7F1B9FC7DBC2E7D279F4BDFCAEBC2F7F2B8ECCD7C2E7B378F4BDECEE392F7F3B8"
    "E00DFD2D774B7FCBDDD2DF6237F5B7D44DBD2D745B6FCBDCD7D73237F6B5C88D7D2D716B4F4BDCDCD3F236F7B4BCDDFD"
    "2C6F7B3F4BDBE0CFD236F8B2B02DBE2C6C8F1FCBDAE3C7A276F9")


def test_pmd_delta_type0_golden_with_factor():
    data = HDR_2000000000 + b"\x80" + DELTA0
    f = pmd.parse_frame(data)
    assert len(f.values) == 57  # reference + 56 deltas
    assert f.values[0].tolist() == [1905, 27376, -29282]
    assert f.values[1].tolist() == [1905 + 190, 27376 - 105, -29282 - 85]
    dec = pmd.PmdDecoder()
    dec.factors[pmd.ACC] = 2.44e-4
    fr = dec.decode(data)
    mg = fr.acc / G * 1000
    assert int(mg[0, 0]) == int(2.44e-4 * 1905 * 1000)
    assert np.all(np.abs(mg) <= 8000)  # within the 8 G range, as the SDK test checks
    assert fr.device_t_last == pytest.approx(2.0)


def test_pmd_control_point_round_trip_and_errors():
    req = pmd.request_start(pmd.ACC, sample_rate=200, resolution=16, range_g=8)
    assert req == bytes([2, 2, 0, 1, 200, 0, 1, 1, 16, 0, 2, 1, 8, 0])
    assert pmd.request_settings(pmd.ACC) == b"\x01\x02"
    assert pmd.request_stop(pmd.GYRO) == b"\x03\x05"
    ok = pmd.parse_response(pmd.encode_response(pmd.START, pmd.ACC, 0, {pmd.FACTOR: 2.5}))
    assert ok.ok and ok.factor == 2.5
    sett = pmd.parse_response(bytes([0xF0, 1, 2, 0, 0, 0, 4, 25, 0, 50, 0, 100, 0, 200, 0, 1, 1, 16, 0, 2, 3, 2, 0, 4, 0, 8, 0]))
    assert sett.settings[pmd.SAMPLE_RATE] == [25, 50, 100, 200] and sett.settings[pmd.RANGE] == [2, 4, 8]
    err = pmd.parse_response(bytes([0xF0, 2, 2, 8]))
    assert not err.ok and err.status_text == "invalid sample rate"
    with pytest.raises(pmd.MalformedPacket):
        pmd.parse_response(b"\x01\x02")
    with pytest.raises(pmd.MalformedPacket):
        pmd.parse_response(bytes([0xF0, 1, 2, 0, 0, 0, 4, 25]))  # truncated TLV
    assert pmd.parse_features(pmd.encode_features({pmd.ACC, pmd.GYRO})) >= {pmd.ACC, pmd.GYRO}


def test_pmd_malformed_counted_not_raised():
    dec = pmd.PmdDecoder()
    for bad in [b"", b"\x02", HDR_2000000000 + b"\x01" + b"\x00" * 5, HDR_2000000000 + b"\x07\x00\x00\x00",
                HDR_2000000000 + b"\x80\x01\x00", HDR_2000000000 + b"\x80" + DELTA0[:40]]:
        assert dec.decode(bad) is None
    assert dec.stats.malformed == 6 and dec.stats.packets == 6


# --- properties ------------------------------------------------------------------------
samples_i16 = arrays(np.int64, st.tuples(st.integers(1, 60), st.just(3)), elements=st.integers(-32768, 32767))


@given(samples_i16, st.integers(0, 2**63), st.sampled_from([0, 1, 2]))
def test_pmd_raw_round_trip(values, ts, ftype):
    lim = {0: 127, 1: 32767, 2: 2**23 - 1}[ftype]
    values = np.clip(values, -lim - 1, lim)
    f = pmd.parse_frame(pmd.encode_raw_frame(pmd.ACC, ts, values, ftype))
    assert f.timestamp_ns == ts and np.array_equal(f.values, values)


@given(samples_i16, st.integers(1, 40))
def test_pmd_delta_round_trip(values, block):
    f = pmd.parse_frame(pmd.encode_delta_frame(pmd.GYRO, 123, values, block=block))
    assert f.compressed and np.array_equal(f.values, values)


@given(st.binary(max_size=300))
@settings(max_examples=300)
def test_decoders_never_crash_on_garbage(data):
    for dec in (pmd.PmdDecoder(), infinitime.InfiniTimeDecoder(), nus.NusDecoder(), soleus_imu.SoleusImuDecoder()):
        before = dec.stats.malformed
        out = dec.decode(data)
        assert out is None or len(out) >= 1
        assert dec.stats.packets == 1 and dec.stats.malformed >= before


@given(arrays(np.int64, st.tuples(st.integers(1, 10), st.just(3)), elements=st.integers(-32768, 32767)))
def test_infinitime_round_trip(counts):
    fr = infinitime.InfiniTimeDecoder().decode(infinitime.encode(counts))
    assert np.allclose(fr.acc, counts * G / 1024)


def test_infinitime_one_g():
    fr = infinitime.InfiniTimeDecoder().decode(infinitime.encode(np.array([[0, 0, 1024]])))
    assert fr.acc[0, 2] == pytest.approx(G)
    d = infinitime.InfiniTimeDecoder()
    assert d.decode(b"\x00\x01\x02") is None and d.stats.malformed == 1


@given(st.lists(st.tuples(st.floats(-8, 8), st.floats(-8, 8), st.floats(-8, 8)), min_size=1, max_size=20),
       st.booleans(), st.data())
def test_nus_lines_split_anywhere(rows, with_gyro, data):
    text = "".join(nus.format_line(10 * i, r, (1.0, -2.0, 3.0) if with_gyro else None) for i, r in enumerate(rows))
    blob = ("junk line\n" + text).encode()
    cuts = sorted(data.draw(st.lists(st.integers(0, len(blob)), max_size=8)))
    pieces = [blob[a:b] for a, b in zip([0] + cuts, cuts + [len(blob)])]
    dec = nus.NusDecoder()
    frames = [f for f in (dec.decode(p) for p in pieces) if f is not None]
    acc = np.concatenate([f.acc for f in frames])
    t = np.concatenate([f.device_t for f in frames])
    assert len(acc) == len(rows) and dec.stats.malformed == 0 and dec.stats.ignored == 1
    assert np.allclose(acc / G, np.round(np.array(rows), 4), atol=1e-4)
    assert np.allclose(t, np.arange(len(rows)) * 0.01)
    if with_gyro:
        assert all(f.gyro is not None for f in frames)


def test_nus_malformed_and_wrap():
    dec = nus.NusDecoder()
    assert dec.decode(b"A,1,2\nA,x,1,2,3\nA,5,1,1,1,1\n") is None
    assert dec.stats.malformed == 3
    assert dec.decode(b"Z" * 300) is None and dec.stats.malformed == 4
    f1 = dec.decode(f"A,{2**32 - 10},0,0,1\n".encode())
    f2 = dec.decode(b"A,5,0,0,1\n")
    assert f2.device_t[0] - f1.device_t[0] == pytest.approx(0.015)


@given(arrays(np.int64, st.tuples(st.integers(1, 20), st.just(3)), elements=st.integers(-32768, 32767)),
       st.booleans(), st.integers(0, 70000), st.integers(0, 2**32 - 1), st.sampled_from([2, 4, 8, 16]))
def test_soleus_round_trip(acc, gyro_on, seq, t_us, rng):
    gyro = acc[:, ::-1] if gyro_on else None
    fr = soleus_imu.SoleusImuDecoder().decode(soleus_imu.encode(seq, t_us, 104.0, acc, gyro, acc_range_g=rng))
    assert fr.seq == seq % 65536 and fr.rate_hz == pytest.approx(104.0)
    assert fr.device_t_last == pytest.approx(t_us / 1e6)
    assert np.allclose(fr.acc, acc * rng / 32768 * G)
    assert (fr.gyro is not None) == gyro_on


def test_soleus_malformed():
    dec = soleus_imu.SoleusImuDecoder()
    good = soleus_imu.encode(1, 1000, 100, np.zeros((4, 3)))
    for bad in [good[:11], good[:-1], b"\x02" + good[1:], good[:10] + b"\x03" + good[11:]]:
        assert dec.decode(bad) is None
    assert dec.stats.malformed == 4


@given(st.integers(0, 2**32 - 1), st.integers(0, 2**31 - 1))
def test_unwrap_forward(start, step):
    m = 2**32
    u = unwrap((start + step) % m, start, m)
    assert u == start + step


def test_pmd_truncated_settings_response_keeps_what_survived():
    full = bytes([0xF0, 1, 2, 0, 0, 0, 4, 25, 0, 50, 0, 100, 0, 200, 0, 1, 1, 16, 0, 2, 3, 2, 0, 4, 0, 8, 0])
    cut = full[:20]  # what an MTU of 23 delivers
    with pytest.raises(pmd.MalformedPacket):
        pmd.parse_response(cut)
    r = pmd.parse_response(cut, strict=False)
    assert r.settings[pmd.SAMPLE_RATE] == [25, 50, 100, 200] and r.settings[pmd.RESOLUTION] == [16]
    assert pmd.RANGE not in r.settings
    assert pmd.parse_response(full[:23], strict=False).settings[pmd.RANGE] == [2]  # complete values kept
    assert pmd.parse_response(full[:16], strict=False).settings == {pmd.SAMPLE_RATE: [25, 50, 100, 200]}
