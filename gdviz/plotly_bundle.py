"""plotly.js for the player: the plotly package's own bundle, its trace types registered on use.

The plotly package ships one plotly.js bundle (plotly/package_data/plotly.min.js) whose last
module registers every trace type as the file loads,

    var Plotly = core(); Plotly.register([bar(), box(), …, quiver(), calendars()]);

and each of those calls evaluates a trace's modules. In Chromium on a 2-core machine that is
~0.45 s of the page's main thread, 0.35 s of it the WebGL libraries the 3-D traces share;
loaded later, on their own, the 3-D types take ~45 ms (V8 runs them far slower inside the
file's first run). The lesson's 2-D charts need none of it: plotly's core registers `scatter`
itself.

`lazy_registration` rewrites that one statement: components (the world calendars) are
registered at once, and each trace type's module is handed to the page unevaluated,

    Plotly.gdvizLazyTypes = {bar: <loads bar>, box: <loads box>, …}

for the player to register the types a figure uses just before drawing it (player.js,
`registerTypes`). The rest of the file is byte for byte the package's. The rewrite checks the
bundle's shape first (one register call of thin re-export modules, `lib/<name>.js`, each found
right after its trace's `name:"…"`); a plotly whose bundle looks different is served as it
ships: a slower first view, the same pictures. Never imports streamlit.
"""

from __future__ import annotations

import atexit
import bisect
import functools
import gzip
import hashlib
import json
import logging
import re
import shutil
import sys
import tempfile
from pathlib import Path

import plotly

PACKAGE_BUNDLE = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
FILE_NAME = "plotly.min.js"
# The same file gzipped once: Streamlit gzips a component's files again on every request
# (level 9: 0.08 s of the server's CPU per request for these 4.8 MB) but sends a .gz file as
# it is (application/gzip, 0.002 s); the player unzips it in the browser (DecompressionStream).
GZIP_NAME = FILE_NAME + ".gz"
LAZY_TYPES = "gdvizLazyTypes"

_log = logging.getLogger(__name__)
_ID = r"[\w$]+"
# The bundle's entry module: `var P=core();P.register([a(),b(),…]);module.exports=P}`.
_REGISTER = re.compile(
    rf"var (?P<plotly>{_ID})=(?P<core>{_ID})\(\);"
    rf"(?P=plotly)\.register\(\[(?P<calls>(?:{_ID}\(\),)*{_ID}\(\))\]\);"
    rf"{_ID}\.exports=(?P=plotly)\}}"
)
_MODULE_NAME = re.compile(r'moduleType:"(?P<kind>trace|component)",name:"(?P<name>\w+)"')


class BundleShapeError(ValueError):
    """The plotly.js bundle is not shaped as `lazy_registration` expects."""


# A thin re-export module, `lib/<name>.js`: `var m=wrap((exports,module)=>{module.exports=src()})`.
_REEXPORT = re.compile(
    rf"(?:var |,)(?P<init>{_ID})={_ID}\(\(({_ID}),(?P<module>{_ID})\)=>"
    rf'\{{"use strict";(?P=module)\.exports={_ID}\(\)\}}\)'
)


def registered_modules(source: str) -> list[tuple[str, str, str]]:
    """(kind, name, init) of each module the bundle registers as it loads, in order."""
    return _parse(source)[1]


def _parse(source: str) -> tuple[re.Match, list[tuple[str, str, str]]]:
    """The bundle's one register call, and (kind, name, init) of each module it registers.

    Each registered module is a thin re-export, `lib/<name>.js`, which the bundler writes
    right after the modules it needs, so the nearest `moduleType:…,name:"<name>"` before it is
    the one it registers.
    """
    entries = list(_REGISTER.finditer(source))
    if len(entries) != 1:
        raise BundleShapeError(f"{len(entries)} register calls of the expected shape, not 1")
    reexports: dict[str, list[int]] = {}
    for m in _REEXPORT.finditer(source):
        reexports.setdefault(m["init"], []).append(m.start())
    names = list(_MODULE_NAME.finditer(source))
    starts = [m.start() for m in names]
    modules = []
    for init in re.findall(rf"({_ID})\(\)", entries[0]["calls"]):
        where = reexports.get(init, [])
        if len(where) != 1:
            raise BundleShapeError(f"{init} is not one thin re-export ({len(where)} found)")
        before = bisect.bisect_left(starts, where[0]) - 1
        if before < 0:
            raise BundleShapeError(f"no module name before {init}")
        modules.append((names[before]["kind"], names[before]["name"], init))
    if len({name for _, name, _ in modules}) != len(modules):
        raise BundleShapeError("two registered modules map to one name")
    return entries[0], modules


def lazy_registration(source: str) -> str:
    """The bundle with each trace type registered when the page asks for it.

    Raises:
        BundleShapeError: the bundle does not have the expected shape (then serve it as is).
    """
    entry, modules = _parse(source)
    plotly_var = entry["plotly"]
    components = ",".join(f"{init}()" for kind, _, init in modules if kind == "component")
    lazy = ",".join(f"{json.dumps(name)}:{init}" for kind, name, init in modules if kind == "trace")
    start, end = entry.span("calls")
    # `register([a(),b()])` becomes `register([calendars()]),P.gdvizLazyTypes={…}`: one
    # expression statement where the call was.
    return (
        source[: start - 1]
        + f"[{components}]),{plotly_var}.{LAZY_TYPES}={{{lazy}}}"
        + source[end + 2 :]
    )


@functools.cache
def bundle_text() -> str:
    """What the player loads: the package's bundle, registering trace types on use when its
    shape allows (else as it ships, with a warning in the server's log)."""
    source = PACKAGE_BUNDLE.read_text(encoding="utf-8")
    try:
        return lazy_registration(source)
    except BundleShapeError as err:
        _log.warning("plotly.js %s served as it ships: %s", plotly.__version__, err)
        return source


@functools.cache
def bundle_dir() -> Path:
    """The folder Streamlit serves the bundle from, and its gzipped copy: a private temporary
    folder holding only them (mkdtemp: made for this process alone, so nobody can place a file
    there first), removed at exit; where none can be written, the plotly package's own folder
    (the bundle as it ships, and no gzipped copy).
    """
    try:
        folder = Path(tempfile.mkdtemp(prefix="gdviz-plotly-"))
        text = bundle_text().encode("utf-8")
        (folder / FILE_NAME).write_bytes(text)
        # mtime=0: the same bytes from every replica and every start.
        (folder / GZIP_NAME).write_bytes(gzip.compress(text, compresslevel=6, mtime=0))
    except OSError as err:
        _log.warning("plotly.js served as it ships (no temporary folder: %s)", err)
        return PACKAGE_BUNDLE.parent
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


@functools.cache
def bundle_version() -> str:
    """plotly's version and a digest of the served file: a new text is a new URL, so browsers
    and proxies may cache each one for good."""
    digest = hashlib.sha256((bundle_dir() / FILE_NAME).read_bytes()).hexdigest()[:12]
    return f"{plotly.__version__}.{digest}"


def write_bundle(path: Path) -> Path:
    """Copy the served bundle to `path` (for nginx to send it, deploy/serve.sh); return it."""
    shutil.copyfile(bundle_dir() / FILE_NAME, path)
    return path


if __name__ == "__main__":
    # python -m gdviz.plotly_bundle OUT: write the served bundle to OUT (deploy/serve.sh).
    if len(sys.argv) != 2:
        sys.exit("usage: python -m gdviz.plotly_bundle OUT_FILE")
    write_bundle(Path(sys.argv[1]))
