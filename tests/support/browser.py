"""Where the browser tests find Chromium and put their screenshots."""

import os
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SCREENSHOTS = ROOT / "test-results"


@contextmanager
def browser_on_the_real_clock():
    """Start Playwright's driver (and so Chromium) without libfaketime, when bin/date-sweep runs.

    Under the sweep the test process and the portal it serves see a faked day; Chromium, faked,
    never finishes loading a page (its crash handler spins on clock_gettime). The driver starts
    while this is open and inherits the environment, so LD_PRELOAD is left out of it for that
    moment only: qcluster workers started later still get the faked clock. The browser's own
    clock does not matter to the tests: every date they check is the server's.
    """
    preload = os.environ.get("LD_PRELOAD", "")
    if "faketime" not in preload:
        yield
        return
    os.environ["LD_PRELOAD"] = " ".join(lib for lib in preload.split() if "faketime" not in lib)
    try:
        yield
    finally:
        os.environ["LD_PRELOAD"] = preload
