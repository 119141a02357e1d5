"""Sorts the samples of `perf script` output (a guest run with a perf map)
into the phases of one admission request; prints each phase's share."""
import collections
import re
import sys


def stacks(path):
    """Each sample's frames, innermost first, without symbol hashes."""
    frames = []
    for line in open(path, encoding="utf-8", errors="replace"):
        if not line.strip():
            if frames:
                yield frames
            frames = []
        elif line.startswith((" ", "\t")):
            parts = line.strip().split(" ", 1)
            if len(parts) > 1:
                frames.append(re.sub(r"::h[0-9a-f]{16}", "", parts[1].rsplit(" (", 1)[0]))
    if frames:
        yield frames


def phase(frames):
    if not any("transition_guard::validate" in f for f in frames):
        return "waPC call, payload copy-in, response hand-off"
    if any("host_call" in f or "HostCluster" in f for f in frames):
        return "host calls (request, dispatch, answer copy-in)"
    # `decode::lookup` is the request views' field walker, not a lookup
    lookup = ("Lookups", "from_answer", "decode_queue_list", "count_podgroups", "_scan::")
    if any(any(k in f for k in lookup) for f in frames):
        return "decoding lookup answers and their views"
    if any("response_bytes" in f or "response::" in f for f in frames):
        return "response"
    top = max(i for i, f in enumerate(frames) if "transition_guard::validate" in f)
    inner = " ".join(frames[:top])
    below = frames[top - 1] if top > 0 else ""
    if "envelope" in inner or "ValidationPayload" in inner or any(
        k in below for k in ("deserialize_any", "next_value_seed", "Deserializer")
    ):
        return "payload decode (object, oldObject as Values)"
    if below.startswith("core::ptr::drop_in_place"):
        return "dropping the payload"
    return "views of object/oldObject, and the rules"


counts = collections.Counter(phase(s) for s in stacks(sys.argv[1]))
total = sum(counts.values()) or 1
for name, n in counts.most_common():
    print(f"{100 * n / total:5.1f}%  {name}")
