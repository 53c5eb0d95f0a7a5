#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR MIT
"""I/O on a block device, each operation timed, for tests that check how
long a failing operation may take.

    timed_io.py writes DEV LOG STOP     4 KiB direct writes, one after the
                                        other, until the file STOP exists
    timed_io.py fsyncs DEV N LOG        N threads, one fsync(2) each, at once

LOG gets one line per operation: "START SECONDS RESULT", START and SECONDS
in seconds (START on the monotonic clock), RESULT "ok" or the errno name.
"""

import errno
import mmap
import os
import sys
import threading
import time

BLOCK = 4096


def log_line(out, lock, start, took, err):
    res = "ok" if err is None else errno.errorcode.get(err, str(err))
    with lock:
        out.write(f"{start:.3f} {took:.3f} {res}\n")
        out.flush()


def writes(dev, log, stop):
    fd = os.open(dev, os.O_WRONLY | os.O_DIRECT)
    size = os.lseek(fd, 0, os.SEEK_END)
    buf = mmap.mmap(-1, BLOCK)
    lock = threading.Lock()
    n = 0
    with open(log, "w") as out:
        while not os.path.exists(stop):
            buf[:8] = n.to_bytes(8, "little")
            start = time.monotonic()
            err = None
            try:
                os.pwrite(fd, buf, (n * BLOCK) % size)
            except OSError as e:
                err = e.errno
            log_line(out, lock, start, time.monotonic() - start, err)
            n += 1
    os.close(fd)


def fsyncs(dev, count, log):
    fd = os.open(dev, os.O_WRONLY)
    lock = threading.Lock()
    go = threading.Event()
    with open(log, "w") as out:
        def one():
            go.wait()
            start = time.monotonic()
            err = None
            try:
                os.fsync(fd)
            except OSError as e:
                err = e.errno
            log_line(out, lock, start, time.monotonic() - start, err)

        threads = [threading.Thread(target=one) for _ in range(count)]
        for t in threads:
            t.start()
        go.set()
        for t in threads:
            t.join()
    os.close(fd)


def main(argv):
    if len(argv) == 4 and argv[0] == "writes":
        writes(argv[1], argv[2], argv[3])
    elif len(argv) == 4 and argv[0] == "fsyncs":
        fsyncs(argv[1], int(argv[2]), argv[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
