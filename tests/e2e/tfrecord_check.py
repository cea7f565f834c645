"""Check a TensorBoard event file herd wrote, without TensorFlow (not a Debian
package): every record's TFRecord framing and masked CRC32C, the Event protos
(wall_time, step, file_version, summary { value { tag, simple_value } }), and
print the scalars as JSON {tag: [[step, value], ...]} for the test to compare.

usage: tfrecord_check.py EVENTS_FILE > scalars.json   (exit 1 on any error)
"""
import json
import struct
import sys


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def masked(data):
    c = crc32c(data)
    return (((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def varint(buf, pos):
    value = shift = 0
    while True:
        b = buf[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return value, pos


def fields(buf):
    """(field number, wire type, value) of a protobuf message."""
    pos = 0
    while pos < len(buf):
        key, pos = varint(buf, pos)
        num, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = varint(buf, pos)
        elif wire == 1:
            value, pos = buf[pos:pos + 8], pos + 8
        elif wire == 5:
            value, pos = buf[pos:pos + 4], pos + 4
        elif wire == 2:
            n, pos = varint(buf, pos)
            value, pos = buf[pos:pos + n], pos + n
        else:
            raise ValueError("wire type %d" % wire)
        yield num, wire, value


def records(buf):
    pos = 0
    while pos < len(buf):
        head = buf[pos:pos + 8]
        (length,) = struct.unpack("<Q", head)
        (head_crc,) = struct.unpack("<I", buf[pos + 8:pos + 12])
        if head_crc != masked(head):
            raise ValueError("bad length CRC at byte %d" % pos)
        data = buf[pos + 12:pos + 12 + length]
        (data_crc,) = struct.unpack("<I", buf[pos + 12 + length:pos + 16 + length])
        if len(data) != length or data_crc != masked(data):
            raise ValueError("bad data CRC at byte %d" % pos)
        pos += 16 + length
        yield data


def main():
    assert crc32c(b"123456789") == 0xE3069283
    buf = open(sys.argv[1], "rb").read()
    scalars, versions, n = {}, [], 0
    for data in records(buf):
        n += 1
        event = {num: value for num, _, value in fields(data)}
        assert 1 in event, "event without wall_time"
        wall = struct.unpack("<d", event[1])[0]
        assert wall > 1e9
        if 3 in event:
            versions.append(event[3].decode())
            continue
        step = event.get(2, 0)
        for num, _, value in fields(event[5]):          # Summary.value
            assert num == 1
            v = {k: x for k, _, x in fields(value)}
            tag = v[1].decode()
            scalars.setdefault(tag, []).append([step, struct.unpack("<f", v[2])[0]])
    assert versions == ["brain.Event:2"], versions
    json.dump({"records": n, "scalars": scalars}, sys.stdout)


if __name__ == "__main__":
    try:
        main()
    except (AssertionError, ValueError, IndexError, KeyError, struct.error) as e:
        print("tfrecord_check: %s" % e, file=sys.stderr)
        sys.exit(1)
