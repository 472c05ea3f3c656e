"""LineFitSettings <-> URL query parameters: validation, clamping, notes, round trips."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gdviz.linefit.settings import (
    GENERATE,
    MAX_PAGE_STEPS,
    LineFitSettings,
    from_query,
    to_query,
)
from gdviz.optimizers import OPTIMIZERS

CHOICES = ("study-hours", "by-hand", GENERATE, "upload")


def test_no_parameters_give_the_defaults_and_no_notes():
    assert from_query({}, CHOICES) == (LineFitSettings(), [])


def test_defaults_round_trip():
    settings_, notes = from_query(to_query(LineFitSettings()), CHOICES)
    assert settings_ == LineFitSettings() and notes == []


@pytest.mark.parametrize(
    ("name", "raw", "words"),
    [
        ("lr", "abc", "not a number"),
        ("lr", "nan", "not a finite number"),
        ("steps", "2.5", "not a whole number"),
        ("optimizer", "sgd-turbo", "not one of"),
        ("scale", "maybe", "expected 1 or 0"),
        ("dataset", "nope", "not one of"),
    ],
)
def test_malformed_values_fall_back_with_a_note(name, raw, words):
    settings_, notes = from_query({name: raw}, CHOICES)
    assert getattr(settings_, name) == getattr(LineFitSettings(), name)
    assert len(notes) == 1 and name in notes[0] and words in notes[0]


@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [
        ("lr", "1e300", 1e6),
        ("steps", "99999999", MAX_PAGE_STEPS),
        ("n", "1", 2),
        ("noise", "-1", 0),
    ],
)
def test_out_of_range_values_are_clamped_with_a_note(name, raw, expected):
    settings_, notes = from_query({name: raw}, CHOICES)
    assert getattr(settings_, name) == expected
    assert any("minimum" in n or "maximum" in n for n in notes)


def test_long_user_text_is_cut_in_notes():
    _, notes = from_query({"optimizer": "x" * 5000}, CHOICES)
    assert len(notes[0]) < 200


def test_cross_field_rules():
    settings_, notes = from_query({"xmin": "5", "xmax": "1", "steps": "10", "step": "50"}, CHOICES)
    assert (settings_.xmin, settings_.xmax) == (0.0, 10.0)
    assert settings_.step == 10
    assert len(notes) == 2


def test_hyperparameters_belong_to_the_chosen_optimizer():
    settings_, notes = from_query({"optimizer": "adam", "beta1": "0.8", "momentum": "0.5"}, CHOICES)
    assert settings_.hyperparameters()["beta1"] == 0.8
    assert "momentum" not in settings_.hyperparameters()  # adam has none: ignored quietly
    assert notes == []
    query = to_query(settings_)
    assert query["beta1"] == "0.8" and "momentum" not in query


def test_repeated_parameters_use_the_first():
    settings_, _ = from_query({"lr": ["0.5", "0.1"]}, CHOICES)
    assert settings_.lr == 0.5


def test_generator_values_travel_only_for_generated_data():
    assert "slope" not in to_query(LineFitSettings(dataset="by-hand"))
    assert to_query(LineFitSettings(dataset=GENERATE, slope=-1.5))["slope"] == "-1.5"


@st.composite
def valid_settings(draw):
    optimizer = draw(st.sampled_from(sorted(OPTIMIZERS)))
    steps = draw(st.integers(1, MAX_PAGE_STEPS))
    finite = st.floats(-1e6, 1e6, allow_nan=False)
    hyper = tuple(
        (h.name, draw(st.booleans()) if h.is_flag else draw(st.floats(h.low, h.high)))
        for h in OPTIMIZERS[optimizer].hyperparameters
    )
    base = LineFitSettings(
        dataset=draw(st.sampled_from(CHOICES)),
        n=draw(st.integers(2, 1000)),
        slope=draw(finite),
        intercept=draw(finite),
        noise=draw(st.floats(0, 1e3)),
        seed=draw(st.integers(0, 2**32 - 1)),
        optimizer=optimizer,
        lr=draw(st.floats(1e-12, 1e6)),
        steps=steps,
        m0=draw(finite),
        b0=draw(finite),
        loss=draw(st.sampled_from(["mse", "sse", "mae", "huber"])),
        delta=draw(st.floats(1e-9, 1e9)),
        batch=draw(st.integers(0, 1000)),
        scale=draw(st.booleans()),
        step=draw(st.integers(0, steps)),
        hyper=hyper,
    )
    return base


@settings(max_examples=150, deadline=None)
@given(valid_settings())
def test_every_valid_setting_round_trips_through_the_url_exactly(s):
    back, notes = from_query(to_query(s), CHOICES)
    assert notes == []
    assert to_query(back) == to_query(s)
    assert back.hyperparameters() == s.hyperparameters()
    assert back.lr == s.lr and back.m0 == s.m0  # floats survive bit for bit (repr)


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(
            [
                *list(to_query(replace(LineFitSettings(), dataset=GENERATE))),
                "beta1",
                "momentum",
                "x",
                "",
            ]
        ),
        st.text(max_size=30) | st.lists(st.text(max_size=10), max_size=3),
    )
)
def test_any_query_gives_valid_settings_and_never_raises(params):
    settings_, notes = from_query(params, CHOICES)
    assert settings_.optimizer in OPTIMIZERS
    assert 1 <= settings_.steps <= MAX_PAGE_STEPS and 0 <= settings_.step <= settings_.steps
    assert settings_.xmin < settings_.xmax
    assert all(isinstance(n, str) and n for n in notes)
    OPTIMIZERS[settings_.optimizer].build(settings_.lr, **settings_.hyperparameters())
