"""The native layer at its edges: sizes whose arithmetic would overflow, memory that must stay
bounded, and interpreter exit while native calls are still running in other threads."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest

import dynacrop_native as dc
from dynacrop_native import _native, rle

# ---- RLE sizes: h * w must not wrap


@pytest.mark.parametrize("h, w", [(2**32, 2**32), (2**62, 4), (3037000500, 3037000500), (2**63 - 1, 2)])
def test_rle_sizes_whose_pixel_count_overflows_are_refused(h, w):
    """The native decoders on their own (the Python layer refuses sides past 2**31 - 1 first)."""
    for decode, counts in ((_native.rle_decode_string, b""), (_native.rle_decode_counts, np.zeros(1, np.int64))):
        with pytest.raises(ValueError, match=rf"rle: size \[{h}, {w}\] has more than 2\^63 - 1 pixels"):
            decode(counts, h, w, [0, 0, 1, 1])
    with pytest.raises(ValueError, match=r"^mask: 'size' must be \[height, width\]"):
        rle.decode({"size": [h, w], "counts": b""}, "mask")


def test_the_largest_rle_size_still_decodes():
    got = _native.rle_decode_counts(np.array([0, 2**63 - 1], np.int64), 2**63 - 1, 1, [0, 2**63 - 3, 1, 2**63 - 1])
    assert got.tolist() == [[True], [True]]
    with pytest.raises(ValueError, match="rle: runs add up to more than size h \\* w = 9223372036854775807"):
        _native.rle_decode_counts(np.array([2**63 - 1, 1], np.int64), 2**63 - 1, 1, [0, 0, 1, 1])


def test_remove_background_refuses_a_huge_rle_mask():
    crop = np.zeros((4, 4, 3), np.uint8)
    for size in ([2**32, 2**32], [2**62, 4], [2**31 - 1, 2**31 - 1]):
        with pytest.raises(ValueError, match=r"^mask: "):
            dc.remove_background(crop, {"size": size, "counts": b""}, 0.5)


# ---- Interpreter exit with native calls running in other threads


def run_python(code: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=timeout)


DAEMONS_AT_EXIT = """
    import threading, time
    import numpy as np, dynacrop_native as dc

    image = np.zeros((500, 500, 3), np.uint8)
    ready = threading.Barrier(7)

    def work():  # short native calls (threads=2), so some thread always wants the GIL back
        ready.wait()
        while True:
            dc.crop_boxes(image, [[0, 0, 500, 500]] * 2, threads=2)

    for _ in range(6):
        threading.Thread(target=work, daemon=True).start()
    ready.wait()
    time.sleep(0.02)  # the main thread ends here: the interpreter exits under the daemons
"""


def test_daemon_threads_in_native_calls_at_interpreter_exit():
    """Python <= 3.13 ends a thread that takes the GIL back during finalization with
    pthread_exit; without care that aborts the process ('terminate called without an active
    exception'). This ran into the abort every time before the fix."""
    for _ in range(20):
        result = run_python(DAEMONS_AT_EXIT)
        assert result.returncode == 0 and "terminate" not in result.stderr, result.stderr[-2000:]


def test_repeated_ctrl_c_during_threaded_native_work():
    """A thread pool busy in native calls and Ctrl-C after Ctrl-C: the interpreter gives up on
    joining the workers and exits under them; it must die of the SIGINT, not abort. (The work
    ends after a while: a SIGINT the kernel hands to a worker thread does not wake the main
    thread's join, so the interrupts do not always get that far.)"""
    result = run_python("""
        import os, signal, threading, time
        from concurrent.futures import ThreadPoolExecutor
        import numpy as np, dynacrop_native as dc

        signal.signal(signal.SIGINT, signal.default_int_handler)  # as at a terminal, whatever the parent ignores
        image = np.zeros((500, 500, 3), np.uint8)
        deadline = time.monotonic() + 10

        def work():
            while time.monotonic() < deadline:
                dc.crop_boxes(image, [[0, 0, 500, 500]] * 2, threads=2)

        pool = ThreadPoolExecutor(4)
        for _ in range(4):
            pool.submit(work)

        def impatient_user():
            for _ in range(30):
                time.sleep(0.2)
                os.kill(os.getpid(), signal.SIGINT)

        threading.Thread(target=impatient_user, daemon=True).start()
        pool.shutdown(wait=True)
    """)
    assert result.returncode in (-2, 130) and "terminate" not in result.stderr, (result.returncode, result.stderr[-2000:])


# ---- crop_resize_batch: working memory bounded by chunks, not by the slot width

WIDE_SLOT_PEAK = """
    import json, resource
    import numpy as np, supervision as sv, dynacrop_native as dc

    image = np.zeros((64, 64, 3), np.uint8)
    det = sv.Detections(xyxy=np.array([[-100.0, 0.0, 164.0, 64.0]]), data={"detection_id": np.array(["a"])})
    options = dict(out_of_bounds="pad", mask_opacity=0.0, threads=1, **OPTIONS)
    dc.crop_resize_batch(image, det, (1, 1000), **options)  # warm: imports, first allocations
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out = dc.crop_resize_batch(image, det, (1, 2**22), **options).images
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"growth": (peak - before) * 1024, "output": out.nbytes}))
"""


@pytest.mark.parametrize("options", ["{}", "dict(dtype=np.float32, mean=1, std=2)"])
def test_wide_slots_need_little_more_memory_than_their_output(options):
    """A (1, 2**22) slot: the working buffers once grew with the slot width (about 16 bytes per
    output byte); now a worker's scratch is a few chunks, under 2 MiB."""
    import json

    result = run_python(WIDE_SLOT_PEAK.replace("**OPTIONS", "**" + options))
    assert result.returncode == 0, result.stderr[-2000:]
    got = json.loads(result.stdout.strip().splitlines()[-1])
    assert got["growth"] < got["output"] + 8 * 2**20, got


def test_native_resize_counts_its_scratch_in_the_memory_check():
    box = np.array([[0, 0, 5, 5]], np.int64)
    with pytest.raises(MemoryError, match=r"^size: the requested crops need"):
        _native.crop_resize(np.zeros((10, 10, 3), np.uint8), box, box, None, 0.0, [0, 0, 0],
                            np.array([[0, 0, 2**31, 2**31]], np.int64), 2**31, 2**31, False, False, 0, None,
                            None, 1)
