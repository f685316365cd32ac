"""Live Bluetooth LE streaming: device profiles, timestamps, a bleak-based connection
manager, and a bumble-backed bleak backend with virtual devices for tests and demos.

Layers (each testable alone):
- profiles/: pure byte decoders and command builders, one module per device family.
- timestamps: per-sample times from device timestamps / sequence numbers, gaps,
  duplicates, device-vs-host clock drift.
- manager: connect, pick a profile, start/stop, reconnect with backoff (bleak API only).
- bumble_backend + virtual: bleak backend on a bumble Device, virtual peripherals on
  bumble's in-process LocalLink (or a USB dongle through a bumble transport).
"""
