"""plotly.js as the player serves it (gdviz.plotly_bundle): the installed plotly package's bundle
with its trace types registered on use, byte for byte the same elsewhere; a bundle of another
shape served as it ships. The browser side (types registered when first drawn, the 3-D scene
still drawn) is in test_player_browser.py and test_browser_compare.py."""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import plotly
import pytest

from gdviz import plotly_bundle
from gdviz.plotly_bundle import (
    LAZY_TYPES,
    PACKAGE_BUNDLE,
    BundleShapeError,
    lazy_registration,
    registered_modules,
)

ROOT = Path(__file__).resolve().parents[1]

# A bundle of the same shape as plotly's, small enough to read: two traces and a component,
# each registered through a thin re-export written after its module's name.
TOY = (
    "var W=(e,t)=>()=>(t||e((t={exports:{}}).exports,t),t.exports);"
    'var bA=W((x,y)=>{y.exports={moduleType:"trace",name:"bar"}});'
    'var bR=W((x,y)=>{"use strict";y.exports=bA()});'
    'var sA=W((x,y)=>{y.exports={moduleType:"trace",name:"surface"}});'
    'var sR=W((x,y)=>{"use strict";y.exports=sA()});'
    'var cA=W((x,y)=>{y.exports={moduleType:"component",name:"calendars"}});'
    'var cR=W((x,y)=>{"use strict";y.exports=cA()});'
    "var E=W((q,z)=>{var P=C();P.register([bR(),sR(),cR()]);z.exports=P});return E();"
)


@pytest.fixture(scope="module")
def package_source() -> str:
    return PACKAGE_BUNDLE.read_text(encoding="utf-8")


def test_the_toy_bundle_registers_components_at_once_and_hands_traces_over_unloaded():
    assert registered_modules(TOY) == [
        ("trace", "bar", "bR"),
        ("trace", "surface", "sR"),
        ("component", "calendars", "cR"),
    ]
    lazy = lazy_registration(TOY)
    assert (
        'P.register([cR()]),P.gdvizLazyTypes={"bar":bR,"surface":sR};z.exports=P}' in lazy
    )  # the modules themselves, not called
    start = TOY.index("P.register(")
    assert lazy[:start] == TOY[:start]  # the rest unchanged
    assert lazy.endswith(";z.exports=P});return E();")


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (lambda s: s.replace("P.register(", "P.registerAll("), "0 register calls"),
        (lambda s: s + s[s.index("var E=") :], "2 register calls"),
        # a registered module that does more than re-export another
        (lambda s: s.replace('"use strict";y.exports=sA()', "y.exports=sA()"), "sR is not one"),
        (lambda s: s.replace('name:"surface"', 'name:"bar"'), "two registered modules"),
        (lambda s: s.replace('var bA=W((x,y)=>{y.exports={moduleType:"trace",name:"bar"}});', ""),
         "no module name before bR"),
    ],
)  # fmt: skip
def test_a_bundle_of_another_shape_is_refused_with_the_reason(change, why):
    with pytest.raises(BundleShapeError, match=why):
        lazy_registration(change(TOY))


def test_the_installed_plotly_hands_over_every_trace_type_but_scatter(package_source):
    modules = registered_modules(package_source)
    traces = {name for kind, name, _ in modules if kind == "trace"}
    every_trace = set(re.findall(r'moduleType:"trace",name:"(\w+)"', package_source))
    assert traces == every_trace - {"scatter"}  # scatter: registered by plotly's core
    assert {"scatter3d", "surface", "contour", "bar"} <= traces
    assert [name for kind, name, _ in modules if kind == "component"] == ["calendars"]


def test_the_served_bundle_is_the_packages_but_for_its_register_statement(package_source):
    served = lazy_registration(package_source)
    head, _, _ = package_source.partition(".register([")
    assert served.startswith(head + ".register([")
    cut = served.index(f".{LAZY_TYPES}=")
    tail = served[served.index("}", cut) + 1 :]
    assert package_source.endswith(tail) and len(tail) > 1000  # licences, wrapper: as shipped
    assert plotly_bundle.bundle_text() == served


def test_a_bundle_of_another_shape_is_served_as_it_ships(tmp_path, monkeypatch, caplog):
    odd = tmp_path / "plotly.min.js"
    odd.write_text(TOY.replace("P.register(", "P.registerAll("), encoding="utf-8")
    monkeypatch.setattr(plotly_bundle, "PACKAGE_BUNDLE", odd)
    plotly_bundle.bundle_text.cache_clear()
    try:
        with caplog.at_level(logging.WARNING, logger="gdviz.plotly_bundle"):
            assert plotly_bundle.bundle_text() == odd.read_text(encoding="utf-8")
        assert "served as it ships: 0 register calls" in caplog.text
    finally:
        plotly_bundle.bundle_text.cache_clear()


def test_without_a_temporary_folder_the_package_folder_is_served(monkeypatch, caplog):
    def no_room(**_):
        raise PermissionError("read-only file system")

    monkeypatch.setattr(plotly_bundle.tempfile, "mkdtemp", no_room)
    plotly_bundle.bundle_dir.cache_clear()
    try:
        with caplog.at_level(logging.WARNING, logger="gdviz.plotly_bundle"):
            assert plotly_bundle.bundle_dir() == PACKAGE_BUNDLE.parent
        assert "read-only file system" in caplog.text
    finally:
        plotly_bundle.bundle_dir.cache_clear()


def test_the_served_folder_holds_the_bundle_and_its_gzip_and_the_version_names_its_digest():
    folder = plotly_bundle.bundle_dir()
    assert sorted(p.name for p in folder.iterdir()) == ["plotly.min.js", "plotly.min.js.gz"]
    served = (folder / "plotly.min.js").read_bytes()
    assert served.decode("utf-8") == plotly_bundle.bundle_text()
    assert gzip.decompress((folder / "plotly.min.js.gz").read_bytes()) == served
    assert folder.stat().st_mode & 0o077 == 0  # this process's own folder
    digest = hashlib.sha256(served).hexdigest()[:12]
    assert plotly_bundle.bundle_version() == f"{plotly.__version__}.{digest}"


def test_the_package_folder_has_no_gzipped_copy_to_offer():
    # Where no temporary folder can be written the package's folder is served, and the page
    # is then given no gzipped URL (gdviz.ui.player.plotly_urls looks for the file).
    assert not (PACKAGE_BUNDLE.parent / plotly_bundle.GZIP_NAME).exists()


def _command(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "gdviz.plotly_bundle", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_the_command_writes_the_served_bundle_for_nginx(tmp_path):
    out = tmp_path / "plotly.min.js"
    done = _command(str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert out.read_text(encoding="utf-8") == plotly_bundle.bundle_text()
    bad = _command(cwd=tmp_path)
    assert bad.returncode == 1 and "usage: python -m gdviz.plotly_bundle OUT_FILE" in bad.stderr
