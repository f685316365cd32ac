"""The plain recording CSV reader on real files: every kind of bad input a user can hand it.

Every error must be a RecordingError whose message names the file and, where there is
one, the exact line (1-based, header = line 1, blank lines counted).
"""
from __future__ import annotations

import os
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from counting.samples import Samples
from sensor import csv_reader
from sensor.csv_reader import (
    CHUNK_ROWS, G, ReadReport, iter_recording, read_recording, write_recording,
)
from sensor.errors import RecordingError, SoleusError
from sensor.sources import open_recording

H4 = "t,ax,ay,az"
H7 = "t,ax,ay,az,gx,gy,gz"


def rows(n: int = 400, rate: float = 100.0, t0: float = 1000.0, gyro: bool = False,
         acc: tuple[float, float, float] = (0.3, -0.2, 9.8)) -> list[str]:
    """Valid data lines (no header)."""
    out = []
    for i in range(n):
        r = [f"{t0 + i / rate:.6f}", *(f"{a:.4f}" for a in acc)]
        if gyro:
            r += ["0.0100", "-0.0200", "0.0300"]
        out.append(",".join(r))
    return out


def write(tmp_path, lines: list[str], header: str | None = H4, name: str = "rec.csv",
          newline: str = "\n", bom: bool = False, final_newline: bool = True):
    p = tmp_path / name
    all_lines = ([header] if header is not None else []) + list(lines)
    text = newline.join(all_lines) + (newline if final_newline and all_lines else "")
    p.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))
    return p


def read(p, **kw) -> tuple[Samples, ReadReport]:
    report = ReadReport()
    parts = list(iter_recording(p, report=report, **kw))
    return Samples.concat(parts), report


def fails(p, line: int | None = None, match: str | None = None, **kw) -> RecordingError:
    """Reading p raises a RecordingError naming the file (and exactly `line`)."""
    with pytest.raises(RecordingError) as ei:
        read(p, **kw)
    e = ei.value
    msg = str(e)
    assert str(p) in msg and e.path == str(p)
    assert "\n" not in msg
    assert e.line == line, msg
    if line is not None:
        assert msg.startswith(f"{p}:{line}: ")
    if match:
        assert re.search(match, msg, re.I), msg
    return e


# --- files that are not recordings at all ------------------------------------------------


def test_empty_file(tmp_path):
    p = tmp_path / "e.csv"
    p.write_bytes(b"")
    fails(p, None, "empty")


def test_whitespace_only_file(tmp_path):
    p = tmp_path / "w.csv"
    p.write_text("\n  \n\r\n\n")
    fails(p, None, "empty")


def test_bom_only_file(tmp_path):
    p = tmp_path / "b.csv"
    p.write_bytes(b"\xef\xbb\xbf")
    fails(p, None, "empty")


def test_header_only(tmp_path):
    fails(write(tmp_path, []), None, "no samples")


def test_header_then_blank_lines_only(tmp_path):
    fails(write(tmp_path, ["", "   ", ""]), None, "no samples")


def test_blank_first_line(tmp_path):
    fails(write(tmp_path, [H4] + rows(), header=""), 1, "blank")


@pytest.mark.parametrize("header", ["time,x,y,z", "t,ax,ay", "t,ax,ay,az,gx", "t;ax;ay;az", "t,ax,ay,az,"])
def test_wrong_header(tmp_path, header):
    fails(write(tmp_path, rows(), header=header), 1, "header")


def test_missing_header(tmp_path):
    fails(write(tmp_path, rows(), header=None), 1, "no header")


def test_header_tolerates_case_spaces_and_quotes(tmp_path):
    s, _ = read(write(tmp_path, rows(), header=' T , "AX", ay,Az '))
    assert len(s) == 400


def test_missing_file(tmp_path):
    p = tmp_path / "nope.csv"
    with pytest.raises(RecordingError, match="no such file") as ei:
        iter_recording(p)  # fails at once, not at the first chunk
    assert str(p) in str(ei.value)


def test_directory(tmp_path):
    fails(tmp_path, None, "directory")


def test_binary_file(tmp_path):
    p = tmp_path / "img.csv"
    p.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20)
    fails(p, 1, "not a text file")


def test_random_bytes_file(tmp_path):
    p = tmp_path / "rnd.csv"
    p.write_bytes(np.random.default_rng(1).integers(0, 256, 50_000, dtype=np.uint8).tobytes())
    e = fails(p, 1)
    assert len(str(e)) < 300


def test_huge_first_line(tmp_path):
    p = tmp_path / "long.csv"
    p.write_text("x" * 100_000)
    e = fails(p, 1, "too long")
    assert len(str(e)) < 300


def test_not_utf8_far_down(tmp_path):
    lines = rows(3000)
    p = tmp_path / "latin.csv"
    body = "\n".join([H4] + lines[:2499]).encode() + b"\n1024.99,\xe9,1,1\n" + "\n".join(lines[2500:]).encode()
    p.write_bytes(body)
    fails(p, 2501, "UTF-8")


def test_nul_byte_in_data(tmp_path):
    lines = rows()
    lines[10] = "1000.1,0.1\x00,0.2,9.8"
    fails(write(tmp_path, lines), 12, "binary")


# --- line-level problems --------------------------------------------------------------------


@pytest.mark.parametrize("k", [0, 1, 57, 399])
def test_extra_column(tmp_path, k):
    lines = rows()
    lines[k] += ",5.0"
    fails(write(tmp_path, lines), k + 2, "expected 4 values.*found 5")


@pytest.mark.parametrize("k", [0, 1, 57, 399])
def test_missing_column(tmp_path, k):
    lines = rows()
    lines[k] = lines[k].rsplit(",", 1)[0]
    fails(write(tmp_path, lines), k + 2, "expected 4 values.*found 3")


def test_missing_column_in_7_column_file(tmp_path):
    lines = rows(gyro=True)
    lines[30] = lines[30].rsplit(",", 2)[0]
    fails(write(tmp_path, lines, header=H7), 32, "expected 7 values.*found 5")


def test_compensating_column_errors(tmp_path):
    """One line short and one long: the total comma count is right, the lines are not."""
    lines = rows()
    lines[20] = lines[20].rsplit(",", 1)[0]
    lines[40] += ",1"
    fails(write(tmp_path, lines), 22, "found 3")


def test_empty_cell(tmp_path):
    lines = rows()
    lines[5] = "1000.05,0.3,,9.8"
    fails(write(tmp_path, lines), 7, r"\bay\b.*missing")


def test_line_of_commas(tmp_path):
    lines = rows()
    lines[5] = ",,,"
    fails(write(tmp_path, lines), 7, "missing")


@pytest.mark.parametrize("cell", ["abc", "1_0", "0x1F", "1,5", "9.8m/s", "1.2.3", "--1", "١٢", "e5"])
def test_non_numeric_cell(tmp_path, cell):
    lines = rows()
    lines[100] = f'1001.0,"{cell}",0.2,9.8' if "," in cell else f"1001.0,{cell},0.2,9.8"
    fails(write(tmp_path, lines), 102, r"\bax\b.*not a number")


def test_unbalanced_quote(tmp_path):
    lines = rows()
    lines[3] = '1000.03,0.3,-0.2,"9.8'
    fails(write(tmp_path, lines), 5, "quote")


@pytest.mark.parametrize("cell", ["nan", "NaN", "inf", "-inf", "Infinity", "NA", "null", "1e999"])
def test_non_finite(tmp_path, cell):
    lines = rows()
    lines[50] = f"1000.5,0.3,{cell},9.8"
    fails(write(tmp_path, lines), 52, r"\bay\b")


def test_non_finite_time(tmp_path):
    lines = rows()
    lines[50] = "nan,0.3,-0.2,9.8"
    fails(write(tmp_path, lines), 52, r"\bt\b.*NaN")


def test_numbers_with_spaces_and_quotes_are_fine(tmp_path):
    lines = rows()
    lines[7] = ' 1000.07 , "0.3" ,-0.2,  9.8 '
    s, _ = read(write(tmp_path, lines))
    assert s.t[7] == pytest.approx(1000.07) and s.acc[7, 0] == pytest.approx(0.3)


# --- time axis ------------------------------------------------------------------------------


@pytest.mark.parametrize("k", [1, 2, 250, 399])
def test_time_goes_backwards(tmp_path, k):
    lines = rows()
    lines[k] = "999.0" + lines[k][lines[k].index(","):]
    fails(write(tmp_path, lines), k + 2, "backwards")


def test_time_goes_backwards_across_chunk_boundary(tmp_path):
    lines = rows()
    lines[20] = "999.0" + lines[20][lines[20].index(","):]
    for chunk in (1, 2, 10, 20, 21, 1000):
        fails(write(tmp_path, lines), 22, "backwards", chunk_rows=chunk)


def test_duplicates_dropped_and_counted(tmp_path):
    lines = rows()
    for k in (10, 100, 200):  # repeat a sample with other values: the first one is kept
        lines.insert(k + 1, lines[k].rsplit(",", 1)[0] + ",9.7")
    lines.insert(300, lines[300])
    lines.insert(300, lines[300])  # three in a row
    for chunk in (1, 7, 100, CHUNK_ROWS):
        s, rep = read(write(tmp_path, lines), chunk_rows=chunk)
        assert len(s) == 400 and rep.rows == 400
        assert rep.duplicates_dropped == 5
        assert np.all(np.diff(s.t) > 0)
        assert s.acc[10, 2] == pytest.approx(9.8)  # the first of the pair is kept
        assert any("dropped 5 duplicated" in w for w in rep.warnings())


def test_gaps_reported(tmp_path):
    lines = rows(600)
    del lines[100:150]  # 0.5 s lost after t=1000.99
    del lines[300:500]  # 2 s lost after t=1003.49
    for chunk in (1, 13, 100, CHUNK_ROWS):
        s, rep = read(write(tmp_path, lines), chunk_rows=chunk)
        assert len(s) == 350
        assert rep.gaps == [pytest.approx((1000.99, 1001.5)), pytest.approx((1003.49, 1005.5))]
        (w,) = rep.warnings()
        assert "2 gap(s)" in w and "2.5 s missing" in w


def test_jitter_is_not_a_gap(tmp_path):
    rng = np.random.default_rng(0)
    t = 1000 + np.cumsum(rng.uniform(0.007, 0.013, 500))
    lines = [f"{x:.6f},0.1,0.2,9.8" for x in t]
    s, rep = read(write(tmp_path, lines))
    assert rep.gaps == [] and rep.warnings() == [] and len(s) == 500
    assert 90 < rep.rate_hz < 110


@pytest.mark.parametrize("k", [1, 200, 399])
def test_absurd_time_jump(tmp_path, k):
    lines = rows()
    lines[k:] = [f"{float(x.split(',')[0]) + 86_400 * 365:.6f}" + x[x.index(","):] for x in lines[k:]]
    fails(write(tmp_path, lines), k + 2, "jumps")


def test_epoch_timestamps_are_fine(tmp_path):
    s, rep = read(write(tmp_path, rows(t0=1.7e9)))
    assert s.t[0] == pytest.approx(1.7e9) and rep.rate_hz == pytest.approx(100, rel=1e-3)


def test_negative_time_origin_is_fine(tmp_path):
    s, _ = read(write(tmp_path, rows(t0=-5.0)))
    assert s.t[0] == pytest.approx(-5.0)


def test_milliseconds_timestamps(tmp_path):
    lines = [f"{1000 + 10 * i},0.1,0.2,9.8" for i in range(400)]  # 100 Hz in ms
    fails(write(tmp_path, lines), 2, "outside 10-1000 Hz.*millisecond")


def test_microseconds_timestamps(tmp_path):
    lines = [f"{10_000 * i},0.1,0.2,9.8" for i in range(400)]  # 100 Hz in us
    fails(write(tmp_path, lines), 2, "outside 10-1000 Hz.*microsecond")


def test_sample_numbers_as_time(tmp_path):
    lines = [f"{i},0.1,0.2,9.8" for i in range(400)]
    fails(write(tmp_path, lines), 2, "outside 10-1000 Hz")


def test_rate_too_high(tmp_path):
    fails(write(tmp_path, rows(5000, rate=5000.0)), 2, "outside 10-1000 Hz")


@pytest.mark.parametrize("rate", [10.0, 25.0, 52.0, 104.0, 200.0, 1000.0])
def test_rates_in_range(tmp_path, rate):
    s, rep = read(write(tmp_path, rows(int(rate * 3), rate=rate)))
    assert rep.rate_hz == pytest.approx(rate, rel=1e-3)


# --- units and plausibility ------------------------------------------------------------------


def test_accelerometer_in_g_is_converted(tmp_path):
    s, rep = read(write(tmp_path, rows(acc=(0.03, -0.02, 1.0))))
    assert rep.converted_from_g
    assert s.acc[0] == pytest.approx([0.03 * G, -0.02 * G, G])
    assert any("look like g" in w for w in rep.warnings())


def test_g_conversion_applies_to_every_chunk(tmp_path):
    lines = rows(5000, acc=(0.0, 0.0, 1.0))
    s, rep = read(write(tmp_path, lines), chunk_rows=333)
    assert rep.converted_from_g and np.allclose(s.acc[:, 2], G)


def test_m_s2_is_not_converted(tmp_path):
    s, rep = read(write(tmp_path, rows()))
    assert not rep.converted_from_g and s.acc[0, 2] == pytest.approx(9.8)


@pytest.mark.parametrize("acc,hint", [((0.0, 0.0, 1000.0), "milli-g"), ((0.0, 0.0, 0.01), "gravity"),
                                      ((0.0, 0.0, 60.0), "9.81"), ((0.0, 3.0, 0.0), "9.81")])
def test_absurd_magnitude(tmp_path, acc, hint):
    fails(write(tmp_path, rows(acc=acc)), 2, "magnitude.*" + hint)


@pytest.mark.parametrize("cell", ["1e300", "-5e4", "2500"])
def test_corrupt_accelerometer_value(tmp_path, cell):
    lines = rows(3000)
    lines[2500] = f"1025.0,0.3,{cell},9.8"  # after the first rate/units check
    lines[10] = f"1000.1,0.3,{cell},9.8"  # inside it
    fails(write(tmp_path, lines), 12, r"\bay\b.*beyond an accelerometer")


def test_corrupt_value_in_g_file(tmp_path):
    lines = rows(acc=(0.0, 0.0, 1.0))
    lines[300] = "1003.0,0.0,250.0,1.0"  # 250 g
    fails(write(tmp_path, lines), 302, "beyond an accelerometer")


def test_gyro_in_degrees_is_caught_when_fast(tmp_path):
    lines = rows(gyro=True)
    lines[200] = "1002.0,0.3,-0.2,9.8,0.0,350.0,0.0"
    fails(write(tmp_path, lines, header=H7), 202, r"\bgy\b.*gyroscope.*rad/s")


def test_only_repeated_timestamps(tmp_path):
    fails(write(tmp_path, ["5.0,0.1,0.2,9.8"] * 100), None, "only 1 samples with distinct times")


def test_too_few_samples(tmp_path):
    fails(write(tmp_path, rows(5)), None, "too short")


def test_too_short_duration(tmp_path):
    fails(write(tmp_path, rows(150)), None, "too short.*1.49 s")


# --- text encodings and layout --------------------------------------------------------------


def test_blank_lines_are_skipped_and_counted(tmp_path):
    lines = rows()
    for k in (300, 200, 100, 0):
        lines.insert(k, "")
    lines.insert(50, "   \t")
    s, rep = read(write(tmp_path, lines))
    assert len(s) == 400 and rep.rows == 400


@pytest.mark.parametrize("chunk", [1, 3, 50, CHUNK_ROWS])
def test_line_numbers_exact_after_blank_lines(tmp_path, chunk):
    lines = rows()
    lines[300] = "1003.0,oops,0.2,9.8"  # file line 302 without the blanks
    for k in (250, 120, 10, 0, 0):
        lines.insert(k, "")
    fails(write(tmp_path, lines), 307, "oops", chunk_rows=chunk)


def test_nan_line_number_exact_after_blank_lines(tmp_path):
    lines = rows()
    lines[300] = "1003.0,nan,0.2,9.8"
    lines.insert(5, "")
    lines.insert(5, "")
    fails(write(tmp_path, lines), 304, "NaN")


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_crlf_and_cr_line_endings(tmp_path, newline):
    lines = rows()
    s, _ = read(write(tmp_path, lines, newline=newline))
    assert len(s) == 400 and s.acc[0, 2] == pytest.approx(9.8)
    lines[70] = "1000.7,x,0.2,9.8"
    lines.insert(3, "")
    fails(write(tmp_path, lines, newline=newline), 73, "not a number")


def test_stray_carriage_return_inside_a_line(tmp_path):
    lines = rows()
    lines[40] = "1000.4,0.3\r,-0.2,9.8"
    fails(write(tmp_path, lines), 42, "line break")


def test_utf8_bom(tmp_path):
    s, _ = read(write(tmp_path, rows(), bom=True))
    assert len(s) == 400
    lines = rows()
    lines[0] = "1000,0.1,zz,9.8"
    fails(write(tmp_path, lines, bom=True, newline="\r\n"), 2, r"\bay\b.*'zz'")


def test_no_final_newline(tmp_path):
    s, _ = read(write(tmp_path, rows(), final_newline=False))
    assert len(s) == 400 and s.t[-1] == pytest.approx(1003.99)


def test_four_column_file(tmp_path):
    s, _ = read(write(tmp_path, rows()))
    assert s.gyro is None and s.acc.shape == (400, 3)
    assert s.acc[0] == pytest.approx([0.3, -0.2, 9.8])


def test_seven_column_file(tmp_path):
    s, _ = read(write(tmp_path, rows(gyro=True), header=H7))
    assert s.gyro is not None and s.gyro.shape == (400, 3)
    assert s.gyro[5] == pytest.approx([0.01, -0.02, 0.03])


def test_seven_columns_under_a_four_column_header(tmp_path):
    fails(write(tmp_path, rows(gyro=True)), 2, "expected 4 values.*found 7")


def test_bad_line_far_down_in_a_file_larger_than_one_chunk(tmp_path):
    n = CHUNK_ROWS * 2 + 5000
    lines = rows(n)
    bad = CHUNK_ROWS + 12_345  # index in `lines`
    lines[bad] = lines[bad].replace(",", ",#", 1)
    for k in (CHUNK_ROWS + 7, 40, 3):  # blank lines before it, one in the second chunk
        lines.insert(k, "")
    p = write(tmp_path, lines)
    e = fails(p, bad + 3 + 2, "not a number")
    assert "'#" in str(e)


def test_good_file_larger_than_one_chunk_with_blank_lines(tmp_path):
    n = CHUNK_ROWS + 3000
    lines = rows(n)
    lines.insert(CHUNK_ROWS - 1, "")
    lines.insert(5, "")
    s, rep = read(write(tmp_path, lines))
    assert len(s) == n and rep.gaps == [] and rep.duplicates_dropped == 0
    assert np.allclose(np.diff(s.t), 0.01)


def test_chunk_size_does_not_change_the_result(tmp_path):
    lines = rows(3000, acc=(0.0, 0.1, 1.0))
    del lines[1000:1100]
    lines.insert(2000, lines[2000])
    p = write(tmp_path, lines)
    ref, rref = read(p)
    for chunk in (7, 64, 1999, 2000, 2001):
        s, r = read(p, chunk_rows=chunk)
        assert np.array_equal(s.t, ref.t) and np.array_equal(s.acc, ref.acc)
        assert (r.rows, r.duplicates_dropped, r.gaps, r.converted_from_g, r.rate_hz) == (
            rref.rows, rref.duplicates_dropped, rref.gaps, rref.converted_from_g, rref.rate_hz)


# --- anything unexpected is still a one-line RecordingError naming the file --------------------


def test_unexpected_parser_exception_is_wrapped(tmp_path, monkeypatch):
    def boom(*a, **k):
        raise RuntimeError("pandas had a bad day\nwith two lines")

    monkeypatch.setattr(pd, "read_csv", boom)
    p = write(tmp_path, rows())
    e = fails(p, None, "RuntimeError: pandas had a bad day with two lines")
    assert isinstance(e, SoleusError)


def test_unexpected_exception_through_open_recording(tmp_path, monkeypatch):
    monkeypatch.setattr(csv_reader, "_parse_chunk", lambda *a: (_ for _ in ()).throw(np.linalg.LinAlgError("x")))
    p = write(tmp_path, rows())
    rec = open_recording(p)
    with pytest.raises(RecordingError, match=re.escape(str(p)) + ".*LinAlgError"):
        rec.read_all()


def test_open_recording_fails_early_on_missing_file(tmp_path):
    with pytest.raises(RecordingError, match="no such file"):
        open_recording(tmp_path / "missing.csv")


# --- properties ----------------------------------------------------------------------------

# SOLEUS_HYPOTHESIS_EXAMPLES=2000 for a deeper (slower) search; 50 keeps the suite fast.
PROP = settings(max_examples=int(os.environ.get("SOLEUS_HYPOTHESIS_EXAMPLES", "50")), deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


@st.composite
def recordings(draw):
    rate = draw(st.floats(25.0, 200.0))
    dur = draw(st.floats(2.2, 8.0))
    n = int(rate * dur) + 1
    seed = draw(st.integers(0, 2**32 - 1))
    gyro = draw(st.booleans())
    t0 = draw(st.floats(-1e4, 2e5))
    rng = np.random.default_rng(seed)
    t = t0 + np.cumsum(rng.uniform(0.7, 1.3, n)) / rate
    up = rng.normal(size=3)
    up /= np.linalg.norm(up)
    acc = 9.81 * up + rng.normal(0, 1.0, (n, 3))
    gy = rng.normal(0, 2.0, (n, 3)) if gyro else None
    return Samples(t, acc, gy)


@PROP
@given(rec=recordings(), decimals=st.integers(2, 7), ndup=st.integers(0, 3))
def test_round_trip(tmp_path_factory, rec, decimals, ndup):
    p = tmp_path_factory.mktemp("rt") / "r.csv"
    write_recording(p, rec, decimals=decimals)
    if ndup:  # repeat some lines: dropped and counted, the rest unchanged
        lines = p.read_text().splitlines()
        for k in sorted(np.random.default_rng(ndup).choice(np.arange(2, len(lines)), ndup, replace=False))[::-1]:
            lines.insert(int(k), lines[k])
        p.write_text("\n".join(lines) + "\n")
    s, rep = read(p)
    assert len(s) == len(rec) and rep.rows == len(rec)
    assert rep.duplicates_dropped == ndup and rep.gaps == [] and not rep.converted_from_g
    assert np.allclose(s.t, rec.t, rtol=0, atol=5.1e-7 + 1e-9 * np.abs(rec.t).max())
    tol = 0.5 * 10.0**-decimals + 1e-9
    assert np.abs(s.acc - rec.acc).max() <= tol
    assert (s.gyro is None) == (rec.gyro is None)
    if rec.gyro is not None:
        assert np.abs(s.gyro - rec.gyro).max() <= tol
    assert read_recording(p).t.shape == s.t.shape


_CELL_JUNK = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters=',"\n\r'), max_size=8,
).filter(lambda c: not re.fullmatch(r"\s*[-+]?[0-9.eE]*\s*", c, re.A) or not c.strip())
_LINE_JUNK = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r"), min_size=1, max_size=40,
).filter(lambda s: s.strip() != "")


@st.composite
def junk_edits(draw, ncols: int):
    """(kind, payload): a way to spoil one data line."""
    kind = draw(st.sampled_from(["cell", "line", "insert", "extra", "short", "nonfinite", "backwards", "empty"]))
    if kind == "cell":
        return kind, (draw(st.integers(0, ncols - 1)), draw(_CELL_JUNK))
    if kind in ("line", "insert"):
        return kind, draw(_LINE_JUNK)
    if kind == "nonfinite":
        return kind, (draw(st.integers(0, ncols - 1)), draw(st.sampled_from(["nan", "inf", "-inf", "NaN", "1e400"])))
    if kind == "empty":
        return kind, draw(st.integers(0, ncols - 1))
    return kind, None


def _spoil(lines: list[str], k: int, kind: str, payload) -> list[str]:
    cells = lines[k].split(",")
    if kind == "cell" or kind == "nonfinite":
        cells[payload[0]] = payload[1]
    elif kind == "empty":
        cells[payload] = ""
    elif kind == "extra":
        cells.append("1.0")
    elif kind == "short":
        cells.pop()
    elif kind == "backwards":
        cells[0] = f"{float(lines[1].split(',')[0]) - 1.0:.6f}"
    if kind == "line":
        lines[k] = payload
    elif kind == "insert":
        lines.insert(k, payload)
    else:
        lines[k] = ",".join(cells)
    return lines


def _is_valid_row(line: str, ncols: int) -> bool:
    cells = line.split(",")
    return len(cells) == ncols and all(re.fullmatch(r"\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?\s*", c, re.A)
                                       for c in cells)


@PROP
@given(rec=recordings(), data=st.data(), chunk=st.sampled_from([1, 5, 64, CHUNK_ROWS]),
       blanks=st.lists(st.integers(1, 10_000), max_size=3))
def test_junk_on_a_random_line_names_that_line(tmp_path_factory, rec, data, chunk, blanks):
    p = tmp_path_factory.mktemp("junk") / "j.csv"
    write_recording(p, rec)
    lines = p.read_text().splitlines()  # lines[0] is the header
    ncols = 7 if rec.gyro is not None else 4
    k = data.draw(st.integers(1, len(lines) - 1), label="line index")
    kind, payload = data.draw(junk_edits(ncols), label="junk")
    assume(not (kind == "backwards" and k == 1))
    lines = _spoil(lines, k, kind, payload)
    assume(not _is_valid_row(lines[k], ncols) or kind == "backwards")
    for b in sorted(blanks, reverse=True):  # blank lines before and after must not shift the count
        pos = 1 + b % len(lines)
        lines.insert(pos, "")
        if pos <= k:
            k += 1
    p.write_text("\n".join(lines) + "\n")
    with pytest.raises(RecordingError) as ei:
        read(p, chunk_rows=chunk)
    assert ei.value.line == k + 1, (str(ei.value), repr(lines[k]))
    assert str(ei.value).startswith(f"{p}:{k + 1}: ")
    assert "\n" not in str(ei.value)
