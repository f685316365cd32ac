"""A bleak backend on Google's bumble Bluetooth stack.

`BumbleScanner` / `BumbleClient` subclass bleak's BaseBleakScanner / BaseBleakClient and are
passed to bleak with `backend=`: the SAME sensor code that uses bleak on a phone or laptop
runs over bumble's real ATT/GATT implementation (advertising, scanning, connecting, MTU
exchange, discovery, CCCD writes, notifications, writes, errors, disconnects).

The central is a bumble Device on one of two controllers:
- the in-process virtual link (bumble LocalLink + Controller, the default) shared with the
  virtual peripherals of sensor.ble.virtual: used by tests, benchmarks and `--virtual`;
- a real controller through a bumble transport, e.g. a USB dongle (`usb:0`), when
  `configure(transport=...)` is called or SOLEUS_BUMBLE_TRANSPORT is set (untested here:
  no hardware).

Known facts about bumble's virtual controller handled here: controllers are built inside
the running event loop (the radio is per loop); the central requests the MTU itself;
connecting to an absent address never times out by itself (wait_for + cancel); scan
responses are not delivered (peripherals put name and UUIDs in the advertisement).
"""
from __future__ import annotations

import asyncio
import logging
import os
import struct
import uuid as uuidlib
from typing import Any, Callable

from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient, NotifyCallback
from bleak.backends.descriptor import BleakGATTDescriptor
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData, BaseBleakScanner
from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection
from bleak.exc import BleakDeviceNotFoundError, BleakError

log = logging.getLogger("soleus.ble.bumble")

DEFAULT_MTU = 247
BASE_UUID_TAIL = "-0000-1000-8000-00805f9b34fb"


# ---------------------------------------------------------------- advertising data
def uuid16_str(u: int) -> str:
    return f"{u:08x}{BASE_UUID_TAIL}"


def parse_ad(data: bytes) -> dict:
    """Parse raw advertising data into name, service UUIDs (bleak strings), manufacturer data."""
    out: dict = {"name": None, "uuids": [], "manufacturer": {}, "service_data": {}, "tx_power": None}
    i = 0
    while i < len(data):
        ln = data[i]
        if ln == 0 or i + 1 + ln > len(data):
            break
        t, v = data[i + 1], bytes(data[i + 2:i + 1 + ln])
        i += 1 + ln
        if t in (0x02, 0x03):
            out["uuids"] += [uuid16_str(struct.unpack_from("<H", v, k)[0]) for k in range(0, len(v) - 1, 2)]
        elif t in (0x06, 0x07):
            out["uuids"] += [str(uuidlib.UUID(bytes=v[k:k + 16][::-1])) for k in range(0, len(v) - 15, 16)]
        elif t in (0x08, 0x09):
            out["name"] = v.decode("utf-8", errors="replace")
        elif t == 0xFF and len(v) >= 2:
            out["manufacturer"][struct.unpack_from("<H", v)[0]] = v[2:]
        elif t == 0x16 and len(v) >= 2:
            out["service_data"][uuid16_str(struct.unpack_from("<H", v)[0])] = v[2:]
        elif t == 0x0A and len(v) == 1:
            out["tx_power"] = struct.unpack("b", v)[0]
    return out


def build_ad(name: str | None = None, uuids: list[str] = (), flags: int = 0x06) -> bytes:
    """Legacy advertising data (max 31 bytes): flags, service UUIDs, complete local name."""
    out = bytearray([2, 0x01, flags])
    u16 = [u for u in uuids if u.lower().endswith(BASE_UUID_TAIL) and u.lower().startswith("0000")]
    u128 = [u for u in uuids if u not in u16]
    if u16:
        body = b"".join(struct.pack("<H", int(u[4:8], 16)) for u in u16)
        out += bytes([len(body) + 1, 0x03]) + body
    if u128:
        body = b"".join(uuidlib.UUID(u).bytes[::-1] for u in u128)
        out += bytes([len(body) + 1, 0x07]) + body
    if name:
        nb = name.encode()
        room = 31 - len(out) - 2
        if room <= 0:
            raise ValueError("advertisement full: no room for the name")
        t = 0x09 if len(nb) <= room else 0x08
        out += bytes([min(len(nb), room) + 1, t]) + nb[:room]
    if len(out) > 31:
        raise ValueError(f"advertising data is {len(out)} bytes, legacy limit is 31")
    return bytes(out)


def bumble_uuid_str(u) -> str:
    return str(uuidlib.UUID(bytes=bytes(u.uuid_128_bytes() if callable(u.uuid_128_bytes) else u.uuid_128_bytes)[::-1]))


# ---------------------------------------------------------------- the radio
def _central_controller(name: str, link, address: str):
    """bumble's virtual Controller with a working LE Create Connection Cancel.

    The stock virtual controller answers the cancel but keeps the connection pending, so a
    cancelled attempt completes later, half set up. Here the pending attempt is dropped and,
    as the spec requires, an LE Connection Complete with status Unknown Connection
    Identifier follows the command complete.
    """
    from bumble import hci
    from bumble.controller import Controller

    class CentralController(Controller):
        def on_hci_le_create_connection_cancel_command(self, command):
            pending = self.pending_le_connection
            if pending is None:
                return hci.HCI_StatusReturnParameters(hci.HCI_ErrorCode.COMMAND_DISALLOWED_ERROR)
            self.pending_le_connection = None
            peer = pending.peer_address

            def complete() -> None:
                self.send_hci_packet(hci.HCI_LE_Connection_Complete_Event(
                    status=hci.HCI_ErrorCode.UNKNOWN_CONNECTION_IDENTIFIER_ERROR, connection_handle=0,
                    role=hci.Role.CENTRAL, peer_address_type=peer.address_type, peer_address=peer,
                    connection_interval=0, peripheral_latency=0, supervision_timeout=0, central_clock_accuracy=0))

            asyncio.get_running_loop().call_soon(complete)
            return hci.HCI_StatusReturnParameters(hci.HCI_ErrorCode.SUCCESS)

    return CentralController(name, link=link, public_address=address)


class Radio:
    """The central bumble Device for one event loop, plus the virtual link peripherals join."""

    def __init__(self, transport: str | None = None) -> None:
        from bumble.link import LocalLink

        self.transport_spec = transport
        self.link = LocalLink()
        self.device = None
        self._transport = None
        self._ready: asyncio.Future | None = None
        self._scan_listeners: set[Callable] = set()
        self.connect_lock = asyncio.Lock()
        self.addresses: dict[str, Any] = {}  # "AA:BB:.." -> bumble Address (with its type)
        self.last_seen: dict[str, float] = {}

    async def ready(self):
        if self._ready is None:
            self._ready = asyncio.get_running_loop().create_future()
            try:
                await self._power_on()
                self._ready.set_result(self.device)
            except BaseException as exc:
                self._ready.set_exception(exc)
                self._ready = None
                raise
        return await asyncio.shield(self._ready)

    async def _power_on(self) -> None:
        from bumble.device import Device
        from bumble.hci import Address

        if self.transport_spec:
            from bumble.transport import open_transport

            self._transport = await open_transport(self.transport_spec)
            self.device = Device.with_hci("soleus", Address("F0:50:1E:05:00:01"), self._transport.source,
                                          self._transport.sink)
        else:
            from bumble.host import Host
            from bumble.transport.common import AsyncPipeSink

            ctrl = _central_controller("soleus-central", self.link, "C0:50:1E:05:00:01")
            self.device = Device(name="soleus", address=Address("C0:50:1E:05:00:01"),
                                 host=Host(ctrl, AsyncPipeSink(ctrl)))
        self.device.on("advertisement", self._on_advertisement)
        await self.device.power_on()

    def _on_advertisement(self, adv) -> None:
        addr = adv.address.to_string(False)
        self.addresses[addr] = adv.address
        self.last_seen[addr] = asyncio.get_running_loop().time()
        for cb in list(self._scan_listeners):
            try:
                cb(adv)
            except Exception:  # a listener must not break the radio
                log.exception("scan listener failed")

    async def add_scan_listener(self, cb: Callable) -> None:
        await self.ready()
        self._scan_listeners.add(cb)
        if not self.device.is_scanning:
            await self.device.start_scanning(filter_duplicates=False)

    async def remove_scan_listener(self, cb: Callable) -> None:
        self._scan_listeners.discard(cb)
        if not self._scan_listeners and self.device is not None and self.device.is_scanning:
            await self.device.stop_scanning()

    def address(self, text: str):
        from bumble.hci import Address

        a = self.addresses.get(text.upper())
        return a if a is not None else Address(text, Address.RANDOM_DEVICE_ADDRESS)

    async def close(self) -> None:
        if self.device is not None and self.device.is_scanning:
            try:
                await self.device.stop_scanning()
            except Exception:
                pass
        if self._transport is not None:
            await self._transport.close()


_radios: dict[int, Radio] = {}
_transport_spec: str | None = os.environ.get("SOLEUS_BUMBLE_TRANSPORT") or None


def configure(transport: str | None) -> None:
    """Use a real controller via a bumble transport spec (e.g. 'usb:0') instead of the virtual link."""
    global _transport_spec
    _transport_spec = transport


def get_radio() -> Radio:
    """The radio of the running event loop (created inside it, as bumble requires)."""
    loop = asyncio.get_running_loop()
    r = _radios.get(id(loop))
    if r is None or getattr(r, "_loop", None) is not loop:
        r = Radio(_transport_spec)
        r._loop = loop
        _radios[id(loop)] = r
    return r


def reset_radio() -> None:
    """Forget the radio of the running loop (tests start each case on a fresh link)."""
    _radios.pop(id(asyncio.get_running_loop()), None)


# ---------------------------------------------------------------- bleak scanner
class BumbleScanner(BaseBleakScanner):
    def __init__(self, detection_callback=None, service_uuids=None, scanning_mode="active", **kwargs: Any) -> None:
        super().__init__(detection_callback, service_uuids)
        self._radio: Radio | None = None

    def _on_adv(self, adv) -> None:
        ad = parse_ad(adv.data_bytes)
        if not self.is_allowed_uuid(ad["uuids"]):
            return
        addr = adv.address.to_string(False)
        data = AdvertisementData(
            local_name=ad["name"], manufacturer_data=ad["manufacturer"], service_data=ad["service_data"],
            service_uuids=ad["uuids"], tx_power=ad["tx_power"], rssi=adv.rssi, platform_data=(adv,),
        )
        device = self.create_or_update_device(addr, addr, ad["name"], adv.address, data)
        self.call_detection_callbacks(device, data)

    async def start(self) -> None:
        self.seen_devices = {}
        self._radio = get_radio()
        await self._radio.add_scan_listener(self._on_adv)

    async def stop(self) -> None:
        if self._radio is not None:
            await self._radio.remove_scan_listener(self._on_adv)


# ---------------------------------------------------------------- bleak client
_PROPS = [(0x01, "broadcast"), (0x02, "read"), (0x04, "write-without-response"), (0x08, "write"),
          (0x10, "notify"), (0x20, "indicate"), (0x40, "authenticated-signed-writes"), (0x80, "extended-properties")]


class BumbleClient(BaseBleakClient):
    """bleak client on a bumble Device. Extra kwarg: mtu (default 247)."""

    def __init__(self, address_or_ble_device, *, disconnected_callback=None, timeout: float = 10.0,
                 services=None, mtu: int = DEFAULT_MTU, **kwargs: Any) -> None:
        super().__init__(address_or_ble_device, disconnected_callback=disconnected_callback, timeout=timeout)
        self._details = address_or_ble_device.details if isinstance(address_or_ble_device, BLEDevice) else None
        self._name = address_or_ble_device.name if isinstance(address_or_ble_device, BLEDevice) else None
        self._requested_services = services
        self._want_mtu = mtu
        self._connection = None
        self._peer = None
        self._mtu = 23
        self._subs: dict[int, Callable] = {}

    @property
    def name(self) -> str:
        return self._name or self.address.replace(":", "-")

    @property
    def mtu_size(self) -> int:
        return self._mtu

    @property
    def is_connected(self) -> bool:
        return self._connection is not None

    async def connect(self, pair: bool = False, **kwargs: Any) -> None:
        from bumble.device import Peer

        radio = get_radio()
        dev = await radio.ready()
        address = self._details if self._details is not None else radio.address(self.address)
        async with radio.connect_lock:  # bumble allows one pending LE connection at a time
            # bumble's connect to an absent device never times out by itself, and cancelling
            # the coroutine leaves the controller's create-connection pending (it would
            # complete later, half set up). So: on timeout, cancel at the controller (HCI LE
            # Create Connection Cancel) while the attempt is still pending, then reap it.
            task = asyncio.ensure_future(dev.connect(address, timeout=None))
            done, _ = await asyncio.wait({task}, timeout=self._timeout)
            if not done:
                try:
                    await dev.cancel_connection()
                except Exception as exc:
                    log.debug("cancel_connection: %s", exc)
                try:
                    conn = await asyncio.wait_for(task, 2.0)
                except BaseException:
                    conn = None
                if conn is None:
                    raise BleakDeviceNotFoundError(self.address, f"device {self.address} not found (connect timed out)")
                # the connection completed just as we cancelled: keep it
            else:
                try:
                    conn = task.result()
                except Exception as exc:
                    raise BleakError(f"connect to {self.address} failed: {exc}") from exc
        self._connection = conn
        conn.on("disconnection", self._on_disconnection)
        try:
            self._peer = Peer(conn)
            self._mtu = await asyncio.wait_for(self._peer.request_mtu(self._want_mtu), self._timeout)
            await asyncio.wait_for(self._discover(), self._timeout)
        except Exception as exc:
            await self.disconnect()
            raise BleakError(f"GATT setup with {self.address} failed: {exc}") from exc

    async def _discover(self) -> None:
        peer = self._peer
        await peer.discover_services()
        coll = BleakGATTServiceCollection()
        for s in peer.services:
            suuid = bumble_uuid_str(s.uuid)
            if self._requested_services and suuid not in self._requested_services:
                continue
            svc = BleakGATTService(s, s.handle, suuid)
            coll.add_service(svc)
            for c in await s.discover_characteristics():
                props = [name for bit, name in _PROPS if c.properties & bit]
                ch = BleakGATTCharacteristic(c, c.handle, bumble_uuid_str(c.uuid), props,
                                             lambda: self._mtu - 3, svc)
                coll.add_characteristic(ch)
                for d in await c.discover_descriptors():
                    coll.add_descriptor(BleakGATTDescriptor(d, d.handle, bumble_uuid_str(d.type), ch))
        self.services = coll

    def _on_disconnection(self, reason=None) -> None:
        was = self._connection is not None
        self._connection = None
        self._peer = None
        if was and self._disconnected_callback is not None:
            self._disconnected_callback()

    async def disconnect(self) -> None:
        conn = self._connection
        if conn is None:
            return
        self._connection = None  # solicited: no disconnected callback
        try:
            await conn.disconnect()
        except Exception as exc:
            log.debug("disconnect: %s", exc)

    async def pair(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError("pairing is not needed by soleus profiles")

    async def unpair(self) -> None:
        raise NotImplementedError("pairing is not needed by soleus profiles")

    def _check(self) -> None:
        if self._connection is None:
            raise BleakError("Not connected")

    async def read_gatt_char(self, characteristic: BleakGATTCharacteristic, *, use_cached: bool = False, **kw) -> bytearray:
        self._check()
        try:
            return bytearray(await characteristic.obj.read_value())
        except Exception as exc:
            raise BleakError(f"read {characteristic.uuid} failed: {exc}") from exc

    async def read_gatt_descriptor(self, descriptor: BleakGATTDescriptor, *, use_cached: bool = False, **kw) -> bytearray:
        self._check()
        return bytearray(await descriptor.obj.read_value())

    async def write_gatt_char(self, characteristic: BleakGATTCharacteristic, data, response: bool) -> None:
        self._check()
        try:
            await characteristic.obj.write_value(bytes(data), with_response=response)
        except Exception as exc:
            raise BleakError(f"write {characteristic.uuid} failed: {exc}") from exc

    async def write_gatt_descriptor(self, descriptor: BleakGATTDescriptor, data) -> None:
        self._check()
        await descriptor.obj.write_value(bytes(data), with_response=True)

    async def start_notify(self, characteristic: BleakGATTCharacteristic, callback: NotifyCallback, **kwargs: Any) -> None:
        self._check()

        def on_value(value: bytes) -> None:
            callback(bytearray(value))

        self._subs[characteristic.handle] = on_value
        try:
            await characteristic.obj.subscribe(on_value)
        except Exception as exc:
            raise BleakError(f"subscribe {characteristic.uuid} failed: {exc}") from exc

    async def stop_notify(self, characteristic: BleakGATTCharacteristic) -> None:
        self._check()
        sub = self._subs.pop(characteristic.handle, None)
        await characteristic.obj.unsubscribe(sub)
